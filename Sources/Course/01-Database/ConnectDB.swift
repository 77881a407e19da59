// Chapter 01 — connecting to the database.
//
// The Node course writes `db/index.js`: an `async` `connectDB()` that awaits
// `mongoose.connect(...)` inside try/catch, logs the host it reached, and on failure logs the
// reason and calls `process.exit(1)`. The lessons it teaches:
//
// - **Don't connect in one line.** The database is on another machine: an Atlas cluster is in
//   some AWS region. Connecting can fail and always takes time, so it is its own step with
//   its own error handling, not a side effect hidden in an import.
// - **Always try/catch.** A bad password, a wrong URI or a closed network is normal life.
// - **async/await.** The connection is awaited before anything else starts.
//
// In Swift `connectDB` is an `async throws` function returning the opened `Storage`; the
// executable awaits it in a do/catch and exits with status 1 and a clear reason on failure.
// The storage backend is chosen here and only here: nothing else in the project imports a
// backend module, so the rest of the code cannot tell which one it has.

import EmbeddedStore
import Exercises
import Foundation
import Logging
import MongoStore
import Storage
import WireServer

/// What `connectDB` needs to know, read from the environment as `.env.sample` lists it.
public struct DatabaseConfig: Sendable, Equatable {
    /// `MONGODB_URI`, e.g. `mongodb+srv://user:password@cluster0.x.mongodb.net` (Atlas) or
    /// `mongodb://127.0.0.1:27017`. When absent, the embedded store is used.
    public var mongoURI: String?
    /// `DB_NAME`: the database inside the server. The Node course appends it to the URI.
    public var databaseName: String
    /// `DATA_DIR`: where the embedded store keeps its files.
    public var dataDirectory: String
    /// `DB_PORT`: when set, and the data is the embedded store, the process also serves its data
    /// over MongoDB's wire protocol on this loopback port. So mongosh, Compass and pymongo see
    /// the running app's data: the data folder itself is locked to the process that owns it.
    public var wirePort: String?
    /// `QUERY_TIMEOUT_MS`, 3000 by default: the wire server's limit for commands that send no
    /// `maxTimeMS`.
    public var wireTimeLimit: Int
    /// `DB_USERNAME` and `DB_PASSWORD`: the user the wire server asks for, by SCRAM-SHA-256. None
    /// when unset.
    public var wireUser: (username: String, password: String)?

    public init(
        mongoURI: String? = nil, databaseName: String = "videotube", dataDirectory: String = "./data",
        wirePort: String? = nil,
        wireTimeLimit: Int = 3000
    ) {
        self.mongoURI = mongoURI
        self.databaseName = databaseName
        self.dataDirectory = dataDirectory
        self.wirePort = wirePort
        self.wireTimeLimit = wireTimeLimit
    }

    /// Reads `MONGODB_URI`, `DB_NAME`, `DATA_DIR`, `DB_PORT` and `QUERY_TIMEOUT_MS`.
    public init(_ settings: Settings) {
        self.init(
            mongoURI: settings["MONGODB_URI"],
            databaseName: settings["DB_NAME"] ?? "videotube",
            dataDirectory: settings["DATA_DIR"] ?? "./data",
            wirePort: settings["DB_PORT"],
            wireTimeLimit: settings["QUERY_TIMEOUT_MS"].flatMap { Int($0) } ?? 3000
        )
        if let username = settings["DB_USERNAME"], let password = settings["DB_PASSWORD"] {
            wireUser = (username, password)
        }
    }

    public static func == (a: DatabaseConfig, b: DatabaseConfig) -> Bool {
        a.mongoURI == b.mongoURI && a.databaseName == b.databaseName && a.dataDirectory == b.dataDirectory
            && a.wirePort == b.wirePort
            && a.wireTimeLimit == b.wireTimeLimit && a.wireUser?.username == b.wireUser?.username
            && a.wireUser?.password == b.wireUser?.password
    }
}

/// An opened database: the storage connection, the app's database in it, and a sentence saying
/// where it is, for the start-up log.
public struct ConnectedDatabase: Sendable {
    public let storage: any Storage
    public let database: any StorageDatabase
    /// "MongoDB connected !! DB HOST: cluster0.x.mongodb.net"
    public let summary: String
    /// Where the data is, in a few words: "embedded store in ./data/videotube",
    /// "MongoDB at cluster0.x.mongodb.net, database videotube".
    public let place: String
    /// The wire server in front of the embedded store, when `DB_PORT` asked for one.
    public let wire: WireServer?

    public init(
        storage: any Storage, database: any StorageDatabase, summary: String, place: String? = nil,
        wire: WireServer? = nil
    ) {
        self.storage = storage
        self.database = database
        self.summary = summary
        self.place = place ?? "\(storage.location), database \(database.name)"
        self.wire = wire
    }

    /// Stops serving the wire protocol, then closes the storage: its files and connections.
    public func close() async {
        await wire?.stop()
        await storage.close()
    }
}

public enum ConnectDBError: Error, CustomStringConvertible {
    case failed(StorageError)
    case embeddedFailed(StorageError)
    case wireFailed(String)

    public var description: String {
        switch self {
        case .failed(let error): "MONGODB connection FAILED: \(error)"
        case .embeddedFailed(let error): "Embedded store FAILED to open: \(error)"
        case .wireFailed(let reason): "Embedded store FAILED to serve DB_PORT: \(reason)"
        }
    }
}

/// Opens the configured database, proving it answers before returning: MongoDB when
/// `MONGODB_URI` is set, otherwise the embedded store in `DATA_DIR`.
public func connectDB(_ config: DatabaseConfig, logger: Logger) async throws(ConnectDBError) -> ConnectedDatabase {
    guard let uri = config.mongoURI else {
        let store: EmbeddedStore
        let database: any StorageDatabase
        // EXERCISE 1.2: open the embedded store, or fail fast
        do {
            store = try EmbeddedStore.open(directory: config.dataDirectory)
            database = store.database(config.databaseName)
            _ = try await database.listCollectionNames()  // opens (or creates) the database file now
        } catch {
            throw .embeddedFailed(error)
        }
        // END EXERCISE 1.2
        let wire = try await serveOverWire(store, config, logger: logger)  // DB_PORT: Extras/DatabaseServer.swift
        let served = wire.map { "; served at mongodb://127.0.0.1:\($0.port) for mongosh, Compass and pymongo" } ?? ""
        return ConnectedDatabase(
            storage: store, database: database,
            summary:
                "Embedded store opened !! DATA: \(store.location)/\(config.databaseName) "
                + "(set MONGODB_URI to use MongoDB)\(served)",
            place:
                "embedded store in \(store.location)/\(config.databaseName)"
                + (wire.map { " (mongodb://127.0.0.1:\($0.port))" } ?? ""),
            wire: wire
        )
    }
    // EXERCISE 1.1: connect to MongoDB, or fail with the reason
    do {
        let store = try await MongoStore.connect(uri: uri)
        return ConnectedDatabase(
            storage: store,
            database: store.database(config.databaseName),
            summary: "MongoDB connected !! DB HOST: \(store.location)",
            place: "MongoDB at \(store.location), database \(config.databaseName)"
        )
    } catch {
        throw .failed(error)
    }
    // END EXERCISE 1.1
}
