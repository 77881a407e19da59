// Chapter 01 as a learner runs it: the executable connects, or exits 1 with a clear reason.

import Database
import EmbeddedStore
import Foundation
import Logging
import TestSupport
import Testing
import WireServer

private let listCollectionsReply = #"""
    {"ping": [{"ok": 1}], "listCollections": [{"ok": 1, "cursor": {"id": {"$numberLong": "0"},
      "ns": "videotube.$cmd.listCollections", "firstBatch": [{"name": "users", "type": "collection"}]}}]}
    """#

struct ConnectDBTests {
    /// Connected to a MongoDB server (here the embedded store served over the wire), the database
    /// is the one named (DB_NAME), and the start-up says where the data lives.
    @Test func aMongoDBServerIsNamedWithItsDatabase() async throws {
        let store = try EmbeddedStore.open(directory: try ChapterProcess.scratchDirectory().path)
        let wire = try await WireServer.start(storage: store, port: 0, logger: Logger(label: "wire"))
        let uri = "mongodb://127.0.0.1:\(wire.port)/?serverSelectionTimeoutMS=30000"  // generous: the suite runs in parallel on 2 cores
        let db = try await connectDB(DatabaseConfig(mongoURI: uri, databaseName: "course"), logger: Logger(label: "test"))
        #expect(db.database.name == "course")
        #expect(db.place == "MongoDB at 127.0.0.1:\(wire.port), database course")
        #expect(db.summary == "MongoDB connected !! DB HOST: 127.0.0.1:\(wire.port)")
        await db.storage.close()
        await wire.stop()
        await store.close()
    }

    @Test func anUnreachableServerExitsOneWithTheReason() throws {
        let run = try ChapterProcess.run(
            "Chapter01", environment: ["MONGODB_URI": "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300"],
            in: try ChapterProcess.scratchDirectory())
        #expect(run.status == 1)
        #expect(run.output.contains("MONGODB connection FAILED"))
        #expect(run.output.contains("No suitable servers found"))
        #expect(!run.output.contains("Fatal error"))
    }

    @Test func aMalformedURIExitsOneWithTheReason() throws {
        let run = try ChapterProcess.run("Chapter01", environment: ["MONGODB_URI": "mongodb://%zz"], in: try ChapterProcess.scratchDirectory())
        #expect(run.status == 1)
        #expect(run.output.contains("MONGODB_URI is not a valid MongoDB URI"))
    }

    @Test(.enabled(if: MockupServer.shouldRun, MockupServer.skipReason))
    func aReachableServerLogsTheHostAndItsCollections() throws {
        let server = try MockupServer(scenario: listCollectionsReply)
        defer { server.stop() }
        let run = try ChapterProcess.run("Chapter01", environment: ["MONGODB_URI": server.uri], in: try ChapterProcess.scratchDirectory())
        #expect(run.status == 0)
        #expect(run.output.contains("MongoDB connected !! DB HOST: 127.0.0.1:\(server.port)"))
        #expect(run.output.contains("collections: users"))
        // It asked the configured database (DB_NAME defaults to videotube).
        #expect(try server.commands(named: "listCollections").first?["$db"] == "videotube")
    }

    @Test(.enabled(if: MockupServer.shouldRun, MockupServer.skipReason))
    func dotEnvIsReadButRealEnvironmentVariablesWin() throws {
        let server = try MockupServer(scenario: listCollectionsReply)
        defer { server.stop() }
        let folder = try ChapterProcess.scratchDirectory()
        try "MONGODB_URI=mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300\nDB_NAME=fromdotenv\n"
            .write(to: folder.appendingPathComponent(".env"), atomically: true, encoding: .utf8)

        // Only .env: its (unreachable) URI is used.
        let fromFile = try ChapterProcess.run("Chapter01", in: folder)
        #expect(fromFile.status == 1)
        #expect(fromFile.output.contains("127.0.0.1:1"))

        // A real variable overrides .env's; .env still supplies DB_NAME.
        let overridden = try ChapterProcess.run("Chapter01", environment: ["MONGODB_URI": server.uri], in: folder)
        #expect(overridden.status == 0)
        #expect(try server.commands(named: "listCollections").first?["$db"] == "fromdotenv")
    }
}

struct EmbeddedConnectDBTests {
    @Test func withoutAURIItOpensTheEmbeddedStoreAndSaysWhere() throws {
        let folder = try ChapterProcess.scratchDirectory()
        let run = try ChapterProcess.run("Chapter01", environment: ["DATA_DIR": "mydata", "DB_NAME": "course"], in: folder)
        #expect(run.status == 0)
        #expect(run.output.contains("Embedded store opened !! DATA: \(folder.resolvingSymlinksInPath().path)/mydata/course"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("mydata/course/store.sqlite").path))
    }

    @Test func anUnusableDataFolderExitsOneWithTheReason() throws {
        let folder = try ChapterProcess.scratchDirectory()
        // A file where the data folder should be.
        try "not a folder".write(to: folder.appendingPathComponent("data"), atomically: true, encoding: .utf8)
        let run = try ChapterProcess.run("Chapter01", environment: ["DATA_DIR": "data"], in: folder)
        #expect(run.status == 1)
        #expect(run.output.contains("Embedded store FAILED to open"))
    }
}
