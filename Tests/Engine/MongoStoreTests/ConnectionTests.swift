// Connecting: fail fast with a clear, typed reason; and the bytes bridge to libbson.

import BSON
import CMongoC
import EngineTestSupport
import Foundation
import Storage
import Testing

@testable import MongoStore

struct ConnectionTests {
    @Test func aClosedPortFailsFastAsUnavailable() async throws {
        let error = await storageError { () async throws(StorageError) in
            _ = try await MongoStore.connect(uri: "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500")
        }
        guard case .unavailable(let message)? = error else {
            Issue.record("expected unavailable, got \(String(describing: error))")
            return
        }
        #expect(message.contains("No suitable servers found"))
        // The bounded selection timeout we asked for is what ended the attempt (not the 30 s
        // default). Speed itself is measured by benchmarks, not asserted in tests.
        #expect(message.contains("serverSelectionTimeoutMS` expired"))
    }

    @Test func anUnparsableURIIsAConfigurationError() async throws {
        await #expect(throws: StorageError.self) {
            _ = try await MongoStore.connect(uri: "http://not-mongo")
        }
        let error = await storageError { () async throws(StorageError) in
            _ = try await MongoStore.connect(uri: "mongodb://")
        }
        guard case .invalidConfiguration(let message)? = error else {
            Issue.record("expected invalidConfiguration, got \(String(describing: error))")
            return
        }
        #expect(message.contains("MONGODB_URI"))
    }

    @Test(arguments: [
        ("mongodb+srv://user:p%40ss@cluster0.abcde.mongodb.net/videotube?retryWrites=true", "cluster0.abcde.mongodb.net"),
        ("mongodb://127.0.0.1:27017", "127.0.0.1:27017"),
        ("mongodb://a:1,b:2/?replicaSet=rs0", "a:1"),
    ])
    func theLoggedHostHasNoCredentials(uri: String, host: String) {
        #expect(MongoStore.hostDescription(uri) == host)
    }

    @Test func documentsCrossIntoLibbsonAndBackUnchanged() throws {
        let document = BSONSamples.everyType
        let back = try withBSON(document) { bson throws(StorageError) in
            #expect(bson_validate(bson, BSON_VALIDATE_UTF8, nil))
            return try Document(bson: bson)
        }
        #expect(back == document)
    }

    @Test func libbsonReadsOurBytesTheWayWeDo() throws {
        // libbson renders our bytes as Extended JSON; our reader must get the same document back.
        let document = BSONSamples.everyType
        let json: String = try withBSON(document) { bson in
            var length = 0
            let text = bson_as_canonical_extended_json(bson, &length)!
            defer { bson_free(text) }
            return String(cString: text)
        }
        #expect(try Document(extendedJSON: json) == document)
    }

    @Test func libbsonRejectsNothingWeWrite() {
        // Deep nesting, empty keys and long strings are valid BSON that libbson must accept.
        var deep: BSONValue = "bottom"
        for _ in 0..<100 { deep = ["d": deep] }
        let document: Document = ["deep": deep, "": "empty key", "long": .string(String(repeating: "x", count: 100_000))]
        let ok = (try? withBSON(document) { bson in bson_validate(bson, BSON_VALIDATE_NONE, nil) }) ?? false
        #expect(ok)
    }
}

/// The real server, when there is one: `MONGODB_TEST_URI=mongodb://127.0.0.1:27017 make test`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MONGODB_TEST_URI"] != nil, "MONGODB_TEST_URI is not set"))
struct LiveMongoDBTests {
    @Test func theStorageSuiteRunsOnARealServer() async throws {
        let uri = ProcessInfo.processInfo.environment["MONGODB_TEST_URI"]!
        let store = try await MongoStore.connect(uri: uri)
        do {
            try await StorageSuite.run(on: store.database("videotube_test"))
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    @Test(arguments: Conformance.cases)
    func conformanceOnARealServer(_ c: ConformanceCase) async throws {
        let store = try await MongoStore.connect(uri: ProcessInfo.processInfo.environment["MONGODB_TEST_URI"]!)
        do {
            try await Conformance.check(c, on: store.database("videotube_conformance"))
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}
