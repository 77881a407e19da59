// The wire server, exercised by the real C driver: the MongoDB backend (libmongoc) runs the
// storage suite and the whole conformance table against the embedded store *through the wire*.

import BSON
import EmbeddedStore
import EngineTestSupport
import Foundation
import Logging
import MongoStore
import Storage
import Testing
import WireServer

struct WireServerTests {
    @Test func theCDriverRunsTheStorageSuiteThroughTheWire() async throws {
        let (_, mongo) = try await Backends.shared.wireServer()
        try await StorageSuite.run(on: mongo.database("wire_suite"))
        try await StorageSuite.validation(on: mongo.database("wire_suite"))
    }

    @Test(arguments: Conformance.cases)
    func conformanceThroughTheWire(_ c: ConformanceCase) async throws {
        let (_, mongo) = try await Backends.shared.wireServer()
        try await Conformance.check(c, on: mongo.database("wire_conformance"))
    }

    @Test func cursorsSpanBatchesWithGetMore() async throws {
        let (_, mongo) = try await Backends.shared.wireServer()
        let events = mongo.database("wire_cursor").collection("events_\(ObjectId().hex)")
        try await events.insertMany((0..<350).map { ["n": .int32(Int32($0))] })
        let all = try await events.find([:], options: FindOptions(sort: ["n": 1], batchSize: 50))
        #expect(all.count == 350 && all.last?["n"] == 349)
        let aggregated = try await events.aggregate([["$match": ["n": ["$gte": 100]]], ["$project": ["_id": 0, "n": 1]]])
        #expect(aggregated.count == 250)
    }

    @Test func commandsAndErrorsHaveMongoDBsShapes() async throws {
        let (_, mongo) = try await Backends.shared.wireServer()
        let hello = try await mongo.runCommand(["hello": 1], database: "admin")
        #expect(hello["maxWireVersion"] == 17 && hello["isWritablePrimary"] == true)
        let build = try await mongo.runCommand(["buildInfo": 1], database: "admin")
        #expect(build["version"] == "6.0.0")
        let unknown = await storageError { () async throws(StorageError) in _ = try await mongo.runCommand(["frobnicate": 1], database: "admin") }
        guard case .commandFailed(59, let message)? = unknown else {
            Issue.record("expected CommandNotFound, got \(String(describing: unknown))")
            return
        }
        #expect(message.contains("no such command"))
        let transaction = await storageError { () async throws(StorageError) in
            _ = try await mongo.runCommand(["find": "x", "startTransaction": true, "autocommit": false], database: "t")
        }
        guard case .commandFailed(20, _)? = transaction else {
            Issue.record("expected IllegalOperation for a transaction, got \(String(describing: transaction))")
            return
        }
        let db = mongo.database("wire_admin")
        try await db.createCollection("made")
        #expect(try await db.listCollectionNames().contains("made"))
        let again = await storageError { () async throws(StorageError) in try await db.createCollection("made") }
        guard case .commandFailed(48, _)? = again else {
            Issue.record("expected NamespaceExists, got \(String(describing: again))")
            return
        }
        let made = db.collection("made")
        try await made.createIndex(["k": 1])
        try await made.dropIndex("k_1")
        #expect(try await made.listIndexes().map { $0["name"] } == ["_id_"])
        let distinct = try await mongo.runCommand(["distinct": "made", "key": "k"], database: "wire_admin")
        #expect(distinct["values"] == [])
    }

    /// A driver's monitor sends an awaitable hello with the topologyVersion it knows: answered
    /// after maxAwaitTimeMS, since nothing changes here (at once, the monitor would loop).
    @Test func anAwaitableHelloWaitsAndOthersDoNot() async throws {
        let (_, mongo) = try await Backends.shared.wireServer()
        let first = try await mongo.runCommand(["hello": 1], database: "admin")
        let known = try #require(first["topologyVersion"]?.documentValue)
        let clock = ContinuousClock()
        let held = try await clock.measure {
            _ = try await mongo.runCommand(["hello": 1, "topologyVersion": .document(known), "maxAwaitTimeMS": 400], database: "admin")
        }
        #expect(held >= .milliseconds(380))  // a lower bound: a wait is never shorter than asked
        // A hello that knows another topology is answered at once, even one that may wait
        // longer: sent after a held one, it comes back first. (An order, not a time: the suite
        // runs in parallel on two cores.)
        var other = known
        other["processId"] = .objectId(ObjectId())
        let stranger = other
        let order = try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                _ = try await mongo.runCommand(["hello": 1, "topologyVersion": .document(known), "maxAwaitTimeMS": 3000], database: "admin")
                return "held"
            }
            try await Task.sleep(for: .milliseconds(50))
            group.addTask {
                _ = try await mongo.runCommand(["hello": 1, "topologyVersion": .document(stranger), "maxAwaitTimeMS": 5000], database: "admin")
                return "stranger"
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(order == ["stranger", "held"])
    }

    @Test func malformedMessagesCloseOnlyTheirConnection() async throws {
        let (server, mongo) = try await Backends.shared.wireServer()
        let garbage: [[UInt8]] = [
            [8, 0, 0, 0, 1, 2, 3, 4],  // a length below the 16-byte header
            le(40) + le(1) + le(0) + le(2013) + le(0) + [0] + le(100) + [UInt8](repeating: 0, count: 15),  // BSON length lies
            le(20) + le(1) + le(0) + le(9999) + le(0),  // unknown opCode
            le(0x7fff_ffff) + le(1) + le(0) + le(2013),  // absurd length
            le(26) + le(1) + le(0) + le(2013) + le(0) + [1] + le(100) + [0],  // a document sequence longer than the message
        ]
        for bytes in garbage {
            let socket = try RawSocket(port: server.port, timeoutSeconds: 5)
            try socket.send(bytes: bytes)
            #expect(try socket.receiveAll().isEmpty, "no reply to garbage")
            #expect(socket.closedByPeer, "the server closed the connection (rather than waiting)")
        }
        // Half a message, then hang up.
        let half = try RawSocket(port: server.port)
        try half.send(bytes: le(100) + le(1) + le(0))
        _ = half
        // The server still serves everyone else.
        try await mongo.ping()
        #expect(try await mongo.runCommand(["ping": 1], database: "admin")["ok"]?.doubleValue == 1)
    }
}

private func le(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

struct WireAuthenticationTests {
    /// Our own libmongoc backend authenticates as any driver does (SCRAM-SHA-256, chosen from
    /// hello's saslSupportedMechs); a wrong password is refused, and so is a command without one.
    @Test func libmongocAuthenticatesWithSCRAMSHA256() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wire-auth-\(UUID().uuidString)").path
        let store = try EmbeddedStore.open(directory: folder)
        let wire = try await WireServer.start(
            storage: store, port: 0, credentials: WireCredentials(username: "learner", password: "chai aur code", iterations: 4096),
            logger: Logger(label: "wire"))
        let good = try await MongoStore.connect(  // a generous selection timeout: the suite runs in parallel on 2 cores
            uri: "mongodb://learner:chai%20aur%20code@127.0.0.1:\(wire.port)/?authSource=admin&serverSelectionTimeoutMS=30000")
        try await good.database("videotube").collection("users").insertOne(["username": "asha"])
        #expect(try await good.database("videotube").collection("users").countDocuments([:]) == 1)
        await good.close()
        for uri in ["mongodb://learner:guess@127.0.0.1:\(wire.port)/?authSource=admin", "mongodb://127.0.0.1:\(wire.port)"] {
            do {
                let store = try await MongoStore.connect(uri: uri)
                _ = try await store.database("videotube").collection("users").countDocuments([:])
                await store.close()
                Issue.record("\(uri) read the data")
            } catch {
                #expect([18, 13, 6].contains(error.code), "\(uri): \(error)")
            }
        }
        await wire.stop()
        await store.close()
    }
}
