// The embedded store: MongoDB's storage interface with no server. The default backend when
// `MONGODB_URI` is not set, so a learner's first `make run` needs no account and no database
// install.
//
// It evaluates the same filter, update and pipeline documents as MongoDB (the subset the
// course uses, with MongoDB's rules and error codes), keeps every database in
// `DATA_DIR/<name>/store.sqlite`, and answers equality lookups from in-memory hash indexes.
// Think of it as what mongomock is to Python, but durable and fast enough to serve a class.

import BSON
import Foundation
import NIOCore
import Storage
import Synchronization

public final class EmbeddedStore: Storage {
    /// The data folder, as an absolute path.
    public let location: String
    private let engines = Mutex<[String: DatabaseEngine]>([:])
    /// Where reads that may run long run (QueryThreads.swift): one thread per core.
    let queryThreads = QueryThreads(count: System.coreCount)
    /// The folder's lock file, held open (and locked) until `close()`.
    private let lock: Mutex<Int32?>

    /// Opens (creating if needed) the data folder. Databases inside it open on first use.
    ///
    /// One process owns a data folder: the store keeps an in-memory image of every collection
    /// over its SQLite files, so two processes writing one folder would each trust their own
    /// image and overwrite each other's documents. The folder is locked (`flock` on
    /// `DATA_DIR/.lock`, released by the kernel even if the process is killed), and a second
    /// opener fails at once, naming the process that holds it. To look at a running app's data,
    /// connect to the app's own wire port (`DB_PORT`) instead of opening the files.
    /// `ttlMonitorInterval`: how often expired documents of TTL indexes are deleted (MongoDB's
    /// monitor runs every 60 seconds, so a document may outlive its time by up to that much).
    public static func open(directory: String, ttlMonitorInterval: Duration = .seconds(60)) throws(StorageError) -> EmbeddedStore {
        let absolute = URL(fileURLWithPath: directory).standardizedFileURL.path
        do {
            try FileManager.default.createDirectory(atPath: absolute, withIntermediateDirectories: true)
        } catch {
            throw .unavailable("cannot create the data folder \(absolute): \(error.localizedDescription)")
        }
        guard FileManager.default.isWritableFile(atPath: absolute) else {
            throw .unavailable("the data folder \(absolute) is not writable")
        }
        let store = EmbeddedStore(location: absolute, lock: try lockFolder(absolute))
        store.startTTLMonitor(every: ttlMonitorInterval)
        return store
    }

    private let ttlMonitor = Mutex<Task<Void, Never>?>(nil)

    /// Deletes, every `interval`, the documents whose TTL index date is past its time.
    private func startTTLMonitor(every interval: Duration) {
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self, !Task.isCancelled else { return }
                await self.deleteExpired()
            }
        }
        ttlMonitor.withLock { $0 = task }
    }

    /// One pass of the TTL monitor: for each TTL index, `{field: {$lte: now - expireAfterSeconds}}`
    /// (only dates match; for an array of dates, its earliest counts, as in MongoDB).
    func deleteExpired() async {
        guard let names = try? await listDatabaseNames() else { return }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for name in names {
            let database = self.database(name)
            for collectionName in (try? await database.listCollectionNames()) ?? [] {
                let collection = database.collection(collectionName)
                for index in (try? await collection.listIndexes()) ?? [] {
                    guard let seconds = index["expireAfterSeconds"]?.int64Value, let field = index["key"]?.documentValue?.keys.first else { continue }
                    let cutoff = BSONDate(millisecondsSince1970: now - seconds * 1000)
                    _ = try? await collection.deleteMany([field: ["$lte": .datetime(cutoff)]])
                }
            }
        }
    }

    private init(location: String, lock: Int32) {
        self.location = location
        self.lock = Mutex(lock)
    }

    /// Takes the folder's lock and writes this process's id into the lock file.
    static func lockFolder(_ folder: String) throws(StorageError) -> Int32 {
        let path = folder + "/.lock"
        let fd = Foundation.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .unavailable("cannot open \(path): \(String(cString: strerror(errno)))") }
        // A lock this process released a moment ago can still be held by a child it is spawning
        // (the child shares the descriptor until its exec closes it): wait for that, briefly.
        var tries = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0, tries < 40, holder(fd) == "\(getpid())" {
            tries += 1
            usleep(50_000)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = holder(fd) ?? "?"
            Foundation.close(fd)
            throw .unavailable(
                "the data folder \(folder) is in use by another process (pid \(holder)): stop it first, or let that process "
                    + "serve it (DB_PORT) and connect to it with MONGODB_URI=mongodb://127.0.0.1:<DB_PORT>")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        return fd
    }

    /// The process id the lock file names: the process that took the lock; nil when it is empty.
    private static func holder(_ fd: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func ping() async throws(StorageError) {
        guard FileManager.default.isWritableFile(atPath: location) else {
            throw .unavailable("the data folder \(location) is not writable")
        }
    }

    public func database(_ name: String) -> any StorageDatabase { EmbeddedDatabase(store: self, name: name) }

    public func listDatabaseNames() async throws(StorageError) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: location)) ?? []
        return entries.filter { FileManager.default.fileExists(atPath: "\(location)/\($0)/store.sqlite") }.sorted()
    }

    public func close() async {
        ttlMonitor.withLock { task in
            task?.cancel()
            task = nil
        }
        let all = engines.withLock { engines in
            defer { engines.removeAll() }
            return Array(engines.values)
        }
        for engine in all { engine.close() }
        await queryThreads.shutdown()
        lock.withLock { fd in
            if let held = fd { Foundation.close(held) }  // closing the file releases the lock
            fd = nil
        }
    }

    deinit {
        lock.withLock { fd in if let held = fd { Foundation.close(held) } }
    }

    /// The open engine for a database, opening it on first use (one engine per database).
    func engine(_ name: String) throws(StorageError) -> DatabaseEngine {
        try Self.validateDatabaseName(name)
        return try engines.withLock { (engines: inout [String: DatabaseEngine]) throws(StorageError) -> DatabaseEngine in
            if let engine = engines[name] { return engine }
            let engine = try DatabaseEngine.open(name: name, directory: "\(location)/\(name)")
            engines[name] = engine
            return engine
        }
    }

    func dropDatabase(_ name: String) throws(StorageError) {
        try Self.validateDatabaseName(name)
        let engine = engines.withLock { $0.removeValue(forKey: name) }
        engine?.close()
        try? FileManager.default.removeItem(atPath: "\(location)/\(name)")
    }

    /// MongoDB's rules for database names (which here are also folder names).
    static func validateDatabaseName(_ name: String) throws(StorageError) {
        let forbidden = Set("/\\. \"$*<>:|?\0")
        guard !name.isEmpty, name.utf8.count < 64, !name.contains(where: forbidden.contains) else {
            throw .invalidQuery(code: 73, message: "Invalid database name: '\(name)'")
        }
    }
}

struct EmbeddedDatabase: StorageDatabase {
    let store: EmbeddedStore
    let name: String

    func collection(_ name: String) -> any StorageCollection {
        EmbeddedCollection(store: store, database: self.name, name: name)
    }

    func listCollectionNames() async throws(StorageError) -> [String] {
        try store.engine(name).collectionNames()
    }

    func createCollection(_ collection: String, options: CollectionOptions) async throws(StorageError) {
        try EmbeddedCollection.validate(collection)
        let validation = try Validation(options)
        let engine = try store.engine(name), database = name
        try await engine.write { tx throws(StorageError) in
            guard !tx.hasCollection(collection) else {
                throw .commandFailed(code: 48, message: "Collection \(database).\(collection) already exists.")
            }
            if options.validator == nil { tx.createCollection(collection) } else { tx.setValidation(collection, validation) }
        }
    }

    func modifyCollection(_ collection: String, options: CollectionOptions) async throws(StorageError) {
        let engine = try store.engine(name), database = name
        try await engine.write { tx throws(StorageError) in
            guard tx.hasCollection(collection) else { throw .commandFailed(code: 26, message: "ns does not exist: \(database).\(collection)") }
            let current = tx.snapshot(collection).validation?.options ?? CollectionOptions()
            let merged = CollectionOptions(
                validator: options.validator ?? current.validator, validationLevel: options.validationLevel ?? current.validationLevel,
                validationAction: options.validationAction ?? current.validationAction)
            tx.setValidation(collection, merged.validator == nil ? nil : try Validation(merged))
        }
    }

    func drop() async throws(StorageError) {
        try store.dropDatabase(name)
    }
}
