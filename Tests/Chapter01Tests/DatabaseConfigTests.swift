import Database
import Foundation
import Logging
import Storage
import Testing

struct DatabaseConfigTests {
    @Test func configReadsTheEnvironmentAndTreatsBlankAsUnset() {
        let env = ["MONGODB_URI": "  ", "DB_NAME": "course", "DATA_DIR": "/tmp/x"]
        let config = DatabaseConfig(Settings(env))
        #expect(config == DatabaseConfig(mongoURI: nil, databaseName: "course", dataDirectory: "/tmp/x"))
        let defaults = DatabaseConfig(Settings())
        #expect(defaults == DatabaseConfig(mongoURI: nil, databaseName: "videotube", dataDirectory: "./data"))
        #expect(defaults.wireUser == nil)
        let guarded = DatabaseConfig(Settings(["DB_PORT": "27018", "DB_USERNAME": "learner", "DB_PASSWORD": "chai aur code"]))
        #expect(guarded.wireUser?.username == "learner" && guarded.wireUser?.password == "chai aur code" && guarded.wirePort == "27018")
    }

    @Test func withoutAURIConnectDBOpensTheEmbeddedStore() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("db-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = try await connectDB(DatabaseConfig(dataDirectory: folder.path), logger: Logger(label: "test"))
        #expect(db.database.name == "videotube")
        #expect(db.summary.contains("Embedded store opened !! DATA: \(folder.path)/videotube"))
        try await db.database.collection("users").insertOne(["username": "chai"])
        #expect(try await db.database.listCollectionNames() == ["users"])
        await db.storage.close()
    }

    /// Opening proves the database answers: a data folder whose database cannot be made (a file
    /// stands where its folder goes) fails at start-up, not at the first request.
    @Test func withoutAURIADatabaseThatCannotOpenFailsAtConnect() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("db-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("not a folder".utf8).write(to: folder.appendingPathComponent("videotube"))
        do {
            let db = try await connectDB(DatabaseConfig(dataDirectory: folder.path), logger: Logger(label: "test"))
            await db.storage.close()
            Issue.record("connected to a database that cannot be opened")
        } catch {
            #expect(error.description.contains("FAILED"), "\(error)")
        }
    }

    @Test func anUnreachableMongoDBIsATypedFailure() async {
        do {
            _ = try await connectDB(DatabaseConfig(mongoURI: "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200"), logger: Logger(label: "test"))
            Issue.record("connected to a closed port")
        } catch {
            #expect(error.description.hasPrefix("MONGODB connection FAILED: database unavailable"))
        }
    }
}
