// MongoDB through its official C driver, libmongoc.
//
// One `mongoc_client_pool_t` serves the whole process: each operation borrows a client from
// the pool, runs, and gives it back. libmongoc is *blocking* (a call waits for the network), so
// no call ever runs on an event-loop thread: they all run on a dedicated thread pool, and the
// async caller simply awaits. The pool has one thread per pooled client (the URI's
// `maxPoolSize`, 100 by default, as in Node's driver): a thread waiting on a distant server
// costs a little memory, not a core, and with a cluster 20 ms away a smaller pool would cap
// the server at (threads / 20 ms) queries a second whatever its load.
//
// `mongodb://` and `mongodb+srv://` (Atlas) URIs work alike. Unless the URI says otherwise,
// server selection gives up after 2 seconds, so a wrong URI fails fast instead of hanging, and a
// request made while the server is gone answers 503 within those 2 seconds.

import BSON
import CMongoC
import Logging
import NIOPosix
import Storage
import Synchronization

public final class MongoStore: Storage, @unchecked Sendable {
    // @unchecked: `pool` and `uri` are immutable pointers to libmongoc objects documented as
    // thread-safe (mongoc_client_pool_t) or only read after start-up (mongoc_uri_t).
    let pool: OpaquePointer
    private let uri: OpaquePointer
    private let threads: NIOThreadPool
    private let closed = Mutex(false)
    /// The first host of the URI (or the SRV name for Atlas), for the connection log line.
    public let location: String

    /// Opens a pool for `uri` and pings the server, so that a bad URI, a wrong password or an
    /// unreachable cluster is reported here, at start-up, with libmongoc's own reason.
    public static func connect(
        uri uriString: String,
        appName: String = "videotube",
        serverSelectionTimeoutMS: Int32 = 2000,
        threads: Int? = nil
    ) async throws(StorageError) -> MongoStore {
        MongoDriver.initializeOnce()
        var error = bson_error_t()
        guard let uri = mongoc_uri_new_with_error(uriString, &error) else {
            throw .invalidConfiguration("MONGODB_URI is not a valid MongoDB URI: \(error.text)")
        }
        if !mongoc_uri_has_option(uri, "serverSelectionTimeoutMS") {
            mongoc_uri_set_option_as_int32(uri, "serverSelectionTimeoutMS", serverSelectionTimeoutMS)
        }
        if !mongoc_uri_has_option(uri, "connectTimeoutMS") {
            mongoc_uri_set_option_as_int32(uri, "connectTimeoutMS", serverSelectionTimeoutMS)
        }
        guard let pool = mongoc_client_pool_new(uri) else {
            mongoc_uri_destroy(uri)
            throw .invalidConfiguration("libmongoc could not create a client pool for this URI")
        }
        mongoc_client_pool_set_error_api(pool, 2)  // MONGOC_ERROR_API_VERSION_2: server errors in their own domain
        mongoc_client_pool_set_appname(pool, appName)
        // As many threads as the pool has clients (maxPoolSize, libmongoc's default 100): each
        // call holds both while it waits, so neither runs out before the other.
        let clients = Int(mongoc_uri_get_option_as_int32(uri, "maxPoolSize", 100))
        let threadPool = NIOThreadPool(numberOfThreads: threads ?? max(1, clients))
        threadPool.start()
        let store = MongoStore(pool: pool, uri: uri, threads: threadPool, location: Self.hostDescription(uriString))
        do {
            try await store.ping()
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    private init(pool: OpaquePointer, uri: OpaquePointer, threads: NIOThreadPool, location: String) {
        self.pool = pool
        self.uri = uri
        self.threads = threads
        self.location = location
    }

    /// Runs blocking driver code on the store's thread pool with a client from the pool.
    func withClient<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws(StorageError) -> T) async throws(StorageError) -> T {
        if closed.withLock({ $0 }) { throw .unavailable("the MongoDB connection is closed") }
        let pool = PoolHandle(pointer: self.pool)
        do {
            return try await threads.runIfActive {
                let client = mongoc_client_pool_pop(pool.pointer)!
                defer { mongoc_client_pool_push(pool.pointer, client) }
                return try body(client)
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw .unavailable("the MongoDB connection is closed")
        }
    }

    public func ping() async throws(StorageError) {
        _ = try await runCommand(["ping": 1], database: "admin")
    }

    /// Runs any database command and returns the server's reply (`{ok: 1, ...}`).
    public func runCommand(_ command: Document, database: String) async throws(StorageError) -> Document {
        try await withClient { client throws(StorageError) in
            let reply = Reply()
            var error = bson_error_t()
            let ok = try withBSON(command) { cmd in mongoc_client_command_simple(client, database, cmd, nil, reply.pointer, &error) }
            guard ok else { throw storageError(error, reply: try? reply.document()) }
            return try reply.document()
        }
    }

    public func database(_ name: String) -> any StorageDatabase { MongoDatabase(store: self, name: name) }

    public func listDatabaseNames() async throws(StorageError) -> [String] {
        try await withClient { client throws(StorageError) in
            var error = bson_error_t()
            guard let names = mongoc_client_get_database_names_with_opts(client, nil, &error) else {
                throw storageError(error)
            }
            return stringList(names)
        }
    }

    public func close() async {
        let wasClosed = closed.withLock { value in
            defer { value = true }
            return value
        }
        guard !wasClosed else { return }
        // Let running operations finish before the pool they use goes away.
        try? await threads.shutdownGracefully()
        mongoc_client_pool_destroy(pool)
        mongoc_uri_destroy(uri)
    }

    /// "cluster0.abcde.mongodb.net" from "mongodb+srv://user:pw@cluster0.abcde.mongodb.net/db?x=y":
    /// the first host, without credentials, database or options.
    static func hostDescription(_ uri: String) -> String {
        var rest = Substring(uri)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        return String(rest.split(separator: ",").first ?? rest)
    }
}

private let driverLogger = Logger(label: "mongoc")

/// A pointer that crosses into the thread pool's closures.
struct PoolHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// `mongoc_init()` exactly once per process, with `mongoc_cleanup()` at exit, and libmongoc's
/// own log (which would print to stderr) sent through swift-log instead.
enum MongoDriver {
    private static let initialized: Void = {
        mongoc_init()
        mongoc_log_set_handler(
            { level, domain, message, _ in
                let text = "\(domain.map { String(cString: $0) } ?? "mongoc"): \(message.map { String(cString: $0) } ?? "")"
                switch level {
                case MONGOC_LOG_LEVEL_ERROR, MONGOC_LOG_LEVEL_CRITICAL: driverLogger.error("\(text)")
                case MONGOC_LOG_LEVEL_WARNING: driverLogger.warning("\(text)")
                case MONGOC_LOG_LEVEL_MESSAGE, MONGOC_LOG_LEVEL_INFO: driverLogger.debug("\(text)")
                default: break  // DEBUG and TRACE: libmongoc's internal chatter
                }
            }, nil)
        atexit { mongoc_cleanup() }
    }()

    static func initializeOnce() { _ = initialized }
}

/// Copies a NULL-terminated `char **` list and frees it.
func stringList(_ list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> [String] {
    var out: [String] = []
    var i = 0
    while let name = list[i] {
        out.append(String(cString: name))
        i += 1
    }
    bson_strfreev(list)
    return out
}
