// Chapter 04 served: the browsing routes' JSON and errors, and the executable's idempotent seed.

import App
import BSON
import EmbeddedStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ModelRoutes
import Models
import Responses
import Storage
import TestSupport
import Testing

@testable import Chapter04

@Suite struct BrowseRoutes {
    func app() async throws -> some ApplicationProtocol {
        let db = try await freshCollections(.embedded)
        let owner = try await db.users.insert(user("creator"))
        for i in 1...12 {
            try await db.videos.insert(
                Video(
                    videoFile: "/m/\(i).mp4", thumbnail: "/m/\(i).jpg", title: "Video \(i)", description: "d", duration: 10, views: i,
                    owner: owner._id))
        }
        return buildApplication(config: AppConfig(port: 0), logger: Logger(label: "test"), errors: ErrorMiddleware()) { router in
            BrowseController(collections: db).addRoutes(to: router.group("api/v1"))
        }
    }

    @Test func aPageHasThePluginsShapeAndOwnerSummaries() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/api/v1/videos?page=2&limit=5&sortBy=views&sortType=asc", method: .get) { response in
                #expect(response.status == .ok)
                let data = try #require(try json(response.body)["data"]?.documentValue)
                #expect(
                    data.keys == [
                        "docs", "totalDocs", "limit", "page", "totalPages", "pagingCounter", "hasPrevPage", "hasNextPage", "prevPage", "nextPage",
                    ])
                #expect(data["totalDocs"]?.int64Value == 12 && data["totalPages"]?.int64Value == 3 && data["pagingCounter"]?.int64Value == 6)
                #expect(data["prevPage"]?.int64Value == 1 && data["nextPage"]?.int64Value == 3)
                let docs = (data["docs"]?.arrayValue ?? []).compactMap { $0.documentValue }
                try #require(docs.count == 5)
                #expect(docs.compactMap { $0["views"]?.int64Value } == [6, 7, 8, 9, 10])
                #expect(docs[0]["owner"]?.documentValue?["username"] == "creator")
                #expect(docs[0]["_id"]?.stringValue?.count == 24)  // ids as 24-hex strings
                #expect(docs[0]["createdAt"]?.stringValue?.hasSuffix("Z") == true)  // dates as ISO-8601
            }
            try await client.execute(uri: "/api/v1/videos?page=9", method: .get) { response in
                let data = try #require(try json(response.body)["data"]?.documentValue)
                #expect(data["docs"]?.arrayValue?.isEmpty == true && data["nextPage"] == .null && data["prevPage"]?.int64Value == 8)
            }
        }
    }

    @Test(arguments: [
        ("/api/v1/videos?page=0", "page"), ("/api/v1/videos?limit=101", "limit"), ("/api/v1/videos?limit=ten", "limit"),
        ("/api/v1/videos?sortBy=password", "sortBy"), ("/api/v1/videos?sortType=up", "sortType"), ("/api/v1/videos?userId=42", "userId"),
    ])
    func badQueryParametersAre400NamingTheParameter(_ uri: String, _ field: String) async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == .badRequest)
                let body = try json(response.body)
                #expect(body["success"] == false && body["data"] == .null)
                #expect(body["errors"]?.arrayValue?.first?.documentValue?["field"]?.stringValue == field)
            }
        }
    }

    @Test func anUnknownChannelIs404AndAKnownOneHasItsCounts() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/api/v1/users/c/nobody", method: .get) { response in
                #expect(response.status == .notFound)
                let body = try json(response.body)
                #expect(body["message"] == "Channel does not exist")
            }
            try await client.execute(uri: "/api/v1/users/c/creator", method: .get) { response in
                let data = try #require(try json(response.body)["data"]?.documentValue)
                #expect(data["subscribersCount"]?.int64Value == 0 && data["isSubscribed"] == false)
                #expect(data["password"] == nil && data["refreshToken"] == nil)
            }
        }
    }
}

@Suite struct Chapter04Server {
    @Test(arguments: TestBackend.available)
    func itSeedsItsDemoChannelAndServesIt(_ backend: TestBackend) async throws {
        let database = try await backend.connectedDatabase()
        let app = try await buildChapter04(config: .testing(), database: database, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            let page = try await client.call(.get, "/api/v1/videos?limit=5")
            #expect(page.status == .ok)
            #expect(try json(page.body).data?["totalDocs"]?.int64Value == 12)
            let channel = try await client.call(.get, "/api/v1/users/c/chaiaurcode")
            #expect(try json(channel.body).data?["subscribersCount"]?.int64Value == 3)
        }
    }
}

@Suite struct Chapter04Executable {
    @Test func seedingTwiceLeavesOneDemoChannel() async throws {
        let data = try ChapterProcess.scratchDirectory().appendingPathComponent("data").path
        for run in 1...2 {
            let port = 20_000 + Int.random(in: 0..<2000)
            let server = try ChapterServer.start("Chapter04", port: port, environment: ["DATA_DIR": data])
            #expect(server.startupLine.contains("GET /api/v1/videos"))
            kill(server.pid, SIGTERM)
            let output = server.wait(timeout: 10).output
            #expect(output.contains("Latest videos, page 1 of 3 (12 in all)"), "run \(run): \(output)")
            #expect(output.contains("Channel chaiaurcode: 3 subscribers"), "run \(run)")
        }
        let store = try EmbeddedStore.open(directory: data)
        let db = Collections(store.database("videotube"))
        #expect(try await db.users.count() == 4)
        #expect(try await db.videos.count() == 12)
        #expect(try await db.subscriptions.count() == 3)
        await store.close()
    }
}

@Suite struct StoredDocumentsThatDoNotFit {
    /// A document written by other code (or by hand in mongosh) that breaks the model is the
    /// server's problem: 500, with no internal field names in the answer (it was a 400 naming them).
    @Test(arguments: TestBackend.available)
    func areA500WithTheDetailOnlyInTheLog(_ backend: TestBackend) async throws {
        let db = try await freshCollections(backend)
        try await db.users.storage.insertOne(["username": "broken", "email": 42, "fullName": "B", "createdAt": "yesterday"])
        let app = buildApplication(config: AppConfig(port: 0), logger: Logger(label: "test"), errors: ErrorMiddleware()) {
            router in
            BrowseController(collections: db).addRoutes(to: router.group("api/v1"))
        }
        try await app.test(.router) { client in
            let response = try await client.call(.get, "/api/v1/users/c/broken")
            #expect(response.status == .internalServerError)
            let body = try json(response.body)
            #expect(body["message"] == "Internal Server Error" && body["errors"] == [])
            #expect(!String(buffer: response.body).contains("email") && !String(buffer: response.body).contains("createdAt"))
        }
    }
}
