// Chapter 03: every thrown error becomes the contract's JSON in one place, and the
// healthcheck answers for the database.

import App
import BSON
import Database
import EmbeddedStore
import Exercises
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Responses
import Storage
import TestSupport
import Testing

@testable import Chapter03

/// A storage whose database never answers: for the healthcheck's "down" case.
final class UnreachableStorage: Storage {
    let location = "nowhere"
    let hang: Bool
    init(hang: Bool) { self.hang = hang }
    func ping() async throws(StorageError) {
        if hang { try? await Task.sleep(for: .seconds(30)) }
        throw .unavailable("no server")
    }
    func database(_ name: String) -> any StorageDatabase { fatalError("not used by the healthcheck") }
    func listDatabaseNames() async throws(StorageError) -> [String] { [] }
    func close() async {}
}

struct Thing: Encodable, Sendable {
    let _id: ObjectId
    let createdAt: BSONDate
    let title: String
}

/// Chapter 03's server with `storage` behind its healthcheck, built by the function its
/// `main.swift` runs (chapter 03 reads no collections: the database is a fresh embedded one).
func chapter03(storage: any Storage) async throws -> some ApplicationProtocol {
    let database = try await TestBackend.embedded.freshDatabase()
    return buildChapter03(
        config: AppConfig(port: 0, corsOrigins: ["http://localhost:5173"]),
        database: ConnectedDatabase(storage: storage, database: database, summary: "test"),
        logger: Logger(label: "test"))
}

/// The app with chapter 03's error middleware and routes that throw each kind of error.
func makeApp(storage: any Storage) -> some ApplicationProtocol {
    buildApplication(config: AppConfig(port: 0), logger: Logger(label: "test"), errors: ErrorMiddleware()) {
        router in
        router.add(middleware: ServerTimingMiddleware())
        HealthController(storage: storage).addRoutes(to: router)
        router.get("/api-error") { _, _ -> APIResponse<Empty> in throw APIError.notFound("Video not found") }
        router.get("/validation") { _, _ -> APIResponse<Empty> in
            throw APIError.badRequest("All fields are required", errors: [FieldError(field: "email", message: "email is required")])
        }
        router.get("/duplicate") { _, _ -> APIResponse<Empty> in
            throw StorageError.duplicateKey(DuplicateKeyInfo(keyPattern: ["email": 1], keyValue: ["email": "a@b.c"], message: "E11000 secret detail"))
        }
        router.get("/down") { _, _ -> APIResponse<Empty> in throw StorageError.unavailable("No suitable servers found: secret detail") }
        router.get("/slow") { _, _ -> APIResponse<Empty> in throw StorageError.timeout("operation exceeded time limit: secret detail") }
        router.get("/busy") { _, _ -> APIResponse<Empty> in throw Busy() }
        router.get("/bad-query") { _, _ -> APIResponse<Empty> in throw StorageError.invalidQuery(code: 2, message: "unknown operator: $foo") }
        router.get("/bug") { _, _ -> APIResponse<Empty> in throw CocoaError(.fileReadCorruptFile) }
        router.get("/created") { _, _ in
            APIResponse(
                201, Thing(_id: ObjectId("65f0a1b2c3d4e5f601234567")!, createdAt: BSONDate(millisecondsSince1970: 1_709_283_907_042), title: "Intro"),
                "Created")
        }
    }
}

/// An error that says when to try again (as a rate limit's 429 does).
struct Busy: Error, APIErrorRepresentable {
    var statusCode: Int { 429 }
    var message: String { "Too many attempts; try again in 7 seconds" }
    var retryAfter: Int? { 7 }
}

@Suite struct ErrorMappingTests {
    /// A wait the error knows goes out as `Retry-After`, beside the API's error JSON.
    @Test func aWaitIsSentAsRetryAfter() async throws {
        try await makeApp(storage: try EmbeddedStore.open(directory: NSTemporaryDirectory() + "/api-\(UUID().uuidString)")).test(.router) { client in
            try await client.execute(uri: "/busy", method: .get) { response in
                #expect(response.status == .tooManyRequests && response.headers[.retryAfter] == "7")
                #expect((try? json(response.body))?["message"]?.stringValue == "Too many attempts; try again in 7 seconds")
            }
            try await client.execute(uri: "/api-error", method: .get) { response in #expect(response.headers[.retryAfter] == nil) }
        }
    }

    @Test(arguments: [
        ("/api-error", 404, "Video not found"),
        ("/validation", 400, "All fields are required"),
        ("/duplicate", 409, "email already exists"),
        ("/down", 503, "Database unavailable, try again shortly"),
        ("/slow", 503, "The database took too long to answer; try again shortly, or narrow the search"),
        ("/bad-query", 400, "Invalid query"),
        ("/bug", 500, "Internal Server Error"),
        ("/no-such-route", 404, "Route GET /no-such-route not found"),
    ])
    func everyErrorBecomesTheContractsJSON(path: String, status: Int, message: String) async throws {
        try await makeApp(storage: try EmbeddedStore.open(directory: NSTemporaryDirectory() + "/api-\(UUID().uuidString)")).test(.router) { client in
            try await client.execute(uri: path, method: .get) { response in
                #expect(Int(response.status.code) == status)
                let body = try json(response.body)
                #expect(body.keys == ["statusCode", "data", "message", "success", "errors"])
                #expect(body["statusCode"]?.int64Value == Int64(status))
                #expect(body["message"]?.stringValue == message)
                #expect(body["data"] == .null && body["success"] == false)
                // Driver and internal details never reach the client.
                #expect(!String(buffer: response.body).contains("secret"))
                #expect(!String(buffer: response.body).contains("CocoaError"))
            }
        }
    }

    @Test func fieldErrorsAreListed() async throws {
        try await makeApp(storage: UnreachableStorage(hang: false)).test(.router) { client in
            try await client.execute(uri: "/validation", method: .get) { response in
                let parsed = try json(response.body)
                #expect(parsed["errors"] == [["field": "email", "message": "email is required"]])
            }
            try await client.execute(uri: "/duplicate", method: .get) { response in
                let parsed = try json(response.body)
                #expect(parsed["errors"] == [["field": "email", "message": "email already exists"]])
            }
        }
    }

    @Test(arguments: [TestingSetup.router, .live])
    func apiResponseIsTheSuccessShape(setup: TestingSetup) async throws {
        try await makeApp(storage: UnreachableStorage(hang: false)).test(setup) { client in
            try await client.execute(uri: "/created", method: .get) { response in
                #expect(response.status == .created)
                #expect(
                    String(buffer: response.body)
                        == #"{"statusCode":201,"data":{"_id":"65f0a1b2c3d4e5f601234567","createdAt":"2024-03-01T09:05:07.042Z","title":"Intro"},"message":"Created","success":true}"#
                )
                #expect(response.headers[HTTPField.Name("Server-Timing")!]?.hasPrefix("app;dur=") == true)
            }
        }
    }

    @Test func apiErrorEncodesExactlyAsTheMiddlewareWritesIt() throws {
        let error = APIError(401, "Invalid access token")
        #expect(try APIJSONEncoder.json(error) == #"{"statusCode":401,"data":null,"message":"Invalid access token","success":false,"errors":[]}"#)
        #expect(APIResponse(404, Empty()).success == false && APIResponse(200, Empty()).success == true)
    }

    /// The body `APIResponse` writes around its payload is the text its `encode(to:)` gives.
    @Test func aResponsesEnvelopeIsItsEncodingsText() throws {
        func same<P>(_ response: APIResponse<P>, sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(try response.json() == (try APIJSONEncoder.json(response)), sourceLocation: sourceLocation)
        }
        let thing = Thing(_id: ObjectId(), createdAt: BSONDate(millisecondsSince1970: 1_709_283_907_042), title: "quote\" and ✓")
        try same(APIResponse(200, thing, "Fetched \"it\"\n"))
        try same(APIResponse(201, [thing, thing]))
        try same(APIResponse(404, Empty(), "gone"))
        try same(APIResponse<Document?>(200, nil, "nothing"))
        try same(APIResponse(200, ["a": 1] as Document))
        #expect(try APIResponse(200, Empty(), "OK").json() == #"{"statusCode":200,"data":{},"message":"OK","success":true}"#)
    }
}

/// The failures chapter 02 answers in Hummingbird's shape, answered by chapter 03's server in
/// the API's shape: the change of behaviour this chapter makes.
@Suite struct ChapterTwosFailuresInTheAPIShapeTests {
    func expectAPIError(_ response: TestResponse, _ status: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> Document {
        #expect(Int(response.status.code) == status, sourceLocation: sourceLocation)
        let body = try json(response.body)
        #expect(body.keys == ["statusCode", "data", "message", "success", "errors"], sourceLocation: sourceLocation)
        #expect(body["statusCode"]?.int64Value == Int64(status), sourceLocation: sourceLocation)
        #expect(body["data"] == .null && body["success"] == false, sourceLocation: sourceLocation)
        #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
        return body
    }

    @Test(arguments: [TestingSetup.router, .live])
    func bodiesRoutesAndFiles(setup: TestingSetup) async throws {
        let store = try EmbeddedStore.open(directory: NSTemporaryDirectory() + "/shape-\(UUID().uuidString)")
        try await chapter03(storage: store).test(setup) { client in
            let big = ByteBuffer(string: #"{"a":""# + String(repeating: "x", count: 16_385) + #""}"#)
            try await client.execute(uri: "/api/v1/echo", method: .post, headers: jsonHeaders, body: big) { response in
                let error = try expectAPIError(response, 413)
                #expect(error["message"] == "Request body is larger than 16 kB")
            }
            try await client.execute(
                uri: "/api/v1/cookies/theme", method: .post, headers: jsonHeaders, body: ByteBuffer(string: #"{"value": {"$ne": null}}"#)
            ) { response in
                let error = try expectAPIError(response, 400)
                #expect(error["message"] == "value must be a string")
                #expect(error["errors"] == [["field": "value", "message": "value must be a string"]])
            }
            try await client.execute(uri: "/api/v1/echo", method: .post, headers: jsonHeaders, body: ByteBuffer(string: "{bad")) { response in
                let error = try expectAPIError(response, 400)
                #expect(error["message"] == "Malformed request body")
            }
            try await client.execute(uri: "/api/v1/echo", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "hi")) {
                response in
                try expectAPIError(response, 415)
            }
            try await client.execute(
                uri: "/api/v1/echo", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "a=1&a=2")
            ) { response in
                let error = try expectAPIError(response, 400)
                #expect(error["message"]?.stringValue?.hasPrefix("Malformed form body") == true)
            }
            for path in ["/no-such-route", "/../secret.txt", "/temp/avatar.png"] {
                try await client.execute(uri: path, method: .get, headers: [.origin: "http://localhost:5173"]) { response in
                    let error = try expectAPIError(response, 404)
                    #expect(error["message"]?.stringValue?.hasSuffix("not found") == true, "\(path)")
                    #expect(response.headers[.accessControlAllowOrigin] == "http://localhost:5173")
                }
            }
        }
    }
}

/// A storage whose ping takes a while, and counts how often it is asked.
final class CountingStorage: Storage, @unchecked Sendable {
    let location = "counted"
    private let lock = NSLock()
    private var count = 0
    var pings: Int { lock.withLock { count } }
    func ping() async throws(StorageError) {
        lock.withLock { count += 1 }
        try? await Task.sleep(for: .milliseconds(100))
    }
    func database(_ name: String) -> any StorageDatabase { fatalError("not used by the healthcheck") }
    func listDatabaseNames() async throws(StorageError) -> [String] { [] }
    func close() async {}
}

@Suite struct HealthcheckTests {
    /// Fifty checks at once cost the database one ping; a check after the answer has aged asks again.
    @Test func concurrentChecksShareOnePing() async throws {
        let storage = CountingStorage()
        try await chapter03(storage: storage).test(.router) { client in
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<50 {
                    group.addTask { try await client.execute(uri: "/api/v1/healthcheck", method: .get) { $0.status } }
                }
                for try await status in group { #expect(status == .ok) }
            }
            #expect(storage.pings == 1)
            try await Task.sleep(for: .milliseconds(300))
            try await client.execute(uri: "/api/v1/healthcheck", method: .get) { #expect($0.status == .ok) }
            #expect(storage.pings == 2)
        }
    }

    @Test(arguments: [TestingSetup.router, .live])
    func upWhenTheDatabaseAnswers(setup: TestingSetup) async throws {
        let store = try EmbeddedStore.open(directory: NSTemporaryDirectory() + "/health-\(UUID().uuidString)")
        try await chapter03(storage: store).test(setup) { client in
            try await client.execute(uri: "/api/v1/healthcheck", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"statusCode":200,"data":{"status":"ok","database":"up"},"message":"OK","success":true}"#)
            }
        }
    }

    @Test(arguments: [false, true])
    func unavailableWhenTheDatabaseFailsOrHangs(hang: Bool) async throws {
        try await chapter03(storage: UnreachableStorage(hang: hang)).test(.router) { client in
            try await client.execute(uri: "/api/v1/healthcheck", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let parsed = try json(response.body)
                #expect(parsed["message"] == "Database unavailable")
            }
        }
    }
}

@Suite struct RouteListTests {
    /// `GET /api/v1/routes` is read from the router: every route the chapter serves, itself too.
    @Test func theServerListsTheRoutesItServes() async throws {
        let store = try EmbeddedStore.open(directory: NSTemporaryDirectory() + "/routes-\(UUID().uuidString)")
        try await chapter03(storage: store).test(.router) { client in
            let answer = try json(try await client.call(.get, "/api/v1/routes").body)
            let routes = (answer["data"]?.arrayValue ?? []).compactMap(\.documentValue).map {
                "\($0["method"]?.stringValue ?? "") \($0["path"]?.stringValue ?? "")"
            }
            #expect(
                routes == [
                    "GET /api/v1/healthcheck", "GET /api/v1/routes", "POST /api/v1/echo", "GET /api/v1/cookies",
                    "DELETE /api/v1/cookies/:name", "POST /api/v1/cookies/:name",
                ])
        }
    }
}

/// `make check` learns which stubs ran from the file EXERCISES_REACHED names: one id a line, each
/// run of a stub appending its own, so two exercises cut together are told apart.
@Suite struct ExerciseStubTests {
    @Test func aStubThatRunsNamesItselfInTheReachedFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("reached-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        ExerciseNotDone.noteReached("9.30", in: path)
        ExerciseNotDone.noteReached("9.34", in: path)
        ExerciseNotDone.noteReached("9.30", in: nil)  // not asked for: nothing written
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "9.30\n9.34\n")
        #expect(ExerciseNotDone("9.30").description.hasPrefix("Exercise 9.30 is yours to write"))
    }
}
