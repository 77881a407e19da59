// One database of the embedded store: a SQLite file (`DATA_DIR/<db>/store.sqlite`, WAL mode)
// holding each collection as a table of BSON blobs, and the same collections in memory with
// their hash indexes.
//
// Writes are serial: each runs on GRDB's writer queue, applies its changes to memory (checking
// unique indexes as it goes), commits one SQLite transaction, and only then returns. If the
// commit fails, the memory changes are undone, so memory never holds what disk does not.
// Reads take a snapshot of a collection under a short lock and never wait for the disk.
//
// SQLite's WAL makes every committed transaction survive `kill -9`, and a transaction that was
// being written when the process died is simply not there on reopen: a torn tail is never read.
import BSON
import Foundation
import GRDB
import OrderedCollections
import Storage
import Synchronization

final class DatabaseEngine: CollectionSource, Sendable {
    let name: String
    let path: String
    private let queue: DatabaseQueue
    private let collections: Mutex<[String: CollectionState]>

    static func open(name: String, directory: String) throws(StorageError) -> DatabaseEngine {
        let path = (directory as NSString).appendingPathComponent("store.sqlite")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var config = Configuration()
            config.journalMode = .wal
            config.prepareDatabase { db in
                // FULL: a commit is on disk (fsync) before the write is acknowledged.
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            let queue = try DatabaseQueue(path: path, configuration: config)
            let loaded = try queue.write { db -> [String: CollectionState] in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS _collections (name TEXT PRIMARY KEY);
                        CREATE TABLE IF NOT EXISTS _indexes (
                            collection TEXT NOT NULL, name TEXT NOT NULL, keys BLOB NOT NULL, is_unique INTEGER NOT NULL,
                            PRIMARY KEY (collection, name));
                        """)
                return try load(db)
            }
            return DatabaseEngine(name: name, path: path, queue: queue, collections: loaded)
        } catch let error as StorageError {
            throw error
        } catch {
            throw .unavailable("cannot open the embedded database at \(path): \(error)")
        }
    }

    private init(name: String, path: String, queue: DatabaseQueue, collections: [String: CollectionState]) {
        self.name = name
        self.path = path
        self.queue = queue
        self.collections = Mutex(collections)
    }

    /// Reads every collection and index from disk. A row that is not valid BSON stops the open
    /// with a clear error: the store never serves garbage.
    private static func load(_ db: GRDB.Database) throws -> [String: CollectionState] {
        var result: [String: CollectionState] = [:]
        for name in try String.fetchAll(db, sql: "SELECT name FROM _collections ORDER BY name") {
            var state = CollectionState()
            let rows = try Row.fetchCursor(db, sql: "SELECT id, doc FROM \(table(name)) ORDER BY id")
            while let row = try rows.next() {
                let id: Int64 = row[0]
                let blob: Data = row[1]
                let document: Document
                do {
                    document = try blob.withUnsafeBytes { try Document(bsonBuffer: $0) }
                } catch {
                    throw StorageError.commandFailed(
                        code: 22, message: "collection \(name), row \(id) is not valid BSON (\(error)); refusing to load it")
                }
                state.rows[id] = document
                state.nextRowId = id + 1
                state.indexes[0].insert(id, document)
            }
            result[name] = state
        }
        for row in try Row.fetchAll(db, sql: "SELECT collection, name, keys, is_unique FROM _indexes ORDER BY rowid") {
            let collection: String = row[0]
            let keysBlob: Data = row[2]
            let keys = try Document(bsonBytes: Array(keysBlob))
            var index = HashIndex(spec: IndexSpec(name: row[1], keys: keys, unique: row[3]))
            guard var state = result[collection] else { continue }
            for (id, document) in state.rows { index.insert(id, document) }
            state.indexes.append(index)
            result[collection] = state
        }
        return result
    }

    /// The collection's SQLite table, quoted.
    static func table(_ collection: String) -> String {
        "\"c:" + collection.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    func snapshot(of collection: String) -> CollectionState {
        collections.withLock { $0[collection] } ?? CollectionState()
    }

    func collectionNames() -> [String] {
        collections.withLock { Array($0.keys) }.sorted()
    }

    func hasCollection(_ collection: String) -> Bool {
        collections.withLock { $0[collection] != nil }
    }

    /// Runs `body` as the only writer, then commits its changes in one SQLite transaction before
    /// returning. An error thrown by `body` after some changes still commits those (MongoDB's
    /// ordered writes keep what succeeded before the error) and is then rethrown.
    func write<T: Sendable>(_ body: @escaping @Sendable (WriteTransaction) throws(StorageError) -> T) async throws(StorageError) -> T {
        do {
            return try await queue.writeWithoutTransaction { db -> T in
                let tx = WriteTransaction(engine: self)
                let outcome = Result { () throws(StorageError) in try body(tx) }
                guard !tx.operations.isEmpty else { return try outcome.get() }
                do {
                    try db.inTransaction {
                        for operation in tx.operations { try operation.execute(db) }
                        return .commit
                    }
                } catch {
                    tx.undo()
                    throw StorageError.commandFailed(code: 1, message: "the embedded store could not commit: \(error)")
                }
                return try outcome.get()
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw .commandFailed(code: 1, message: "embedded store write failed: \(error)")
        }
    }

    /// Applies a change to the in-memory state under the lock.
    func mutate<T, E: Error>(_ collection: String, _ body: (inout CollectionState) throws(E) -> T) throws(E) -> T {
        try collections.withLock { (all: inout [String: CollectionState]) throws(E) -> T in
            var state = all.removeValue(forKey: collection) ?? CollectionState()
            defer { all[collection] = state }
            return try body(&state)
        }
    }

    func removeCollection(_ collection: String) -> CollectionState? {
        collections.withLock { $0.removeValue(forKey: collection) }
    }

    func restoreCollection(_ collection: String, _ state: CollectionState?) {
        collections.withLock { $0[collection] = state }
    }

    func close() {
        try? queue.close()
    }
}

/// The changes of one write: applied to memory at once, recorded for SQLite, undoable.
final class WriteTransaction: @unchecked Sendable {
    // @unchecked: used only on the engine's serial writer queue, inside one write.
    enum Operation {
        case createCollection(String)
        case put(String, Int64, [UInt8])
        case delete(String, Int64)
        case putIndex(String, IndexSpec)
        case dropCollection(String)
        case dropIndex(String, String)

        func execute(_ db: GRDB.Database) throws {
            switch self {
            case .createCollection(let name):
                try db.execute(sql: "INSERT OR IGNORE INTO _collections (name) VALUES (?)", arguments: [name])
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS \(DatabaseEngine.table(name)) (id INTEGER PRIMARY KEY, doc BLOB NOT NULL)")
            case .put(let name, let id, let bytes):
                try db.execute(sql: "INSERT OR REPLACE INTO \(DatabaseEngine.table(name)) (id, doc) VALUES (?, ?)", arguments: [id, Data(bytes)])
            case .delete(let name, let id):
                try db.execute(sql: "DELETE FROM \(DatabaseEngine.table(name)) WHERE id = ?", arguments: [id])
            case .putIndex(let name, let spec):
                try db.execute(
                    sql: "INSERT OR REPLACE INTO _indexes (collection, name, keys, is_unique) VALUES (?, ?, ?, ?)",
                    arguments: [name, spec.name, Data(spec.keys.bsonBytes), spec.unique])
            case .dropIndex(let collection, let name):
                try db.execute(sql: "DELETE FROM _indexes WHERE collection = ? AND name = ?", arguments: [collection, name])
            case .dropCollection(let name):
                try db.execute(sql: "DROP TABLE IF EXISTS \(DatabaseEngine.table(name))")
                try db.execute(sql: "DELETE FROM _collections WHERE name = ?", arguments: [name])
                try db.execute(sql: "DELETE FROM _indexes WHERE collection = ?", arguments: [name])
            }
        }
    }

    private let engine: DatabaseEngine
    private(set) var operations: [Operation] = []
    private var undoLog: [() -> Void] = []

    init(engine: DatabaseEngine) { self.engine = engine }

    func snapshot(_ collection: String) -> CollectionState { engine.snapshot(of: collection) }

    func createCollection(_ collection: String) { ensureCollection(collection) }

    func dropIndex(_ collection: String, _ name: String) {
        let removed = engine.mutate(collection) { (state: inout CollectionState) -> HashIndex? in
            guard let i = state.indexes.firstIndex(where: { $0.spec.name == name }) else { return nil }
            return state.indexes.remove(at: i)
        }
        guard let removed else { return }
        operations.append(.dropIndex(collection, name))
        undoLog.append { [engine] in
            engine.mutate(collection) { (state: inout CollectionState) in state.indexes.append(removed) }
        }
    }

    private func ensureCollection(_ collection: String) {
        if !engine.hasCollection(collection) {
            engine.mutate(collection) { (_: inout CollectionState) in }
            operations.append(.createCollection(collection))
            undoLog.append { [engine] in engine.restoreCollection(collection, nil) }
        }
    }

    @discardableResult
    func insert(_ collection: String, _ document: Document) throws(StorageError) -> Int64 {
        ensureCollection(collection)
        let id = try engine.mutate(collection) { (state: inout CollectionState) throws(StorageError) -> Int64 in
            for index in state.indexes where index.spec.unique {
                if index.conflict(for: document, rowId: -1) != nil {
                    throw duplicate(collection, index.spec, document)
                }
            }
            let id = state.nextRowId
            state.nextRowId += 1
            state.rows[id] = document
            for i in state.indexes.indices { state.indexes[i].insert(id, document) }
            return id
        }
        operations.append(.put(collection, id, document.bsonBytes))
        undoLog.append { [engine] in
            engine.mutate(collection) { (state: inout CollectionState) in
                if let old = state.rows.removeValue(forKey: id) {
                    for i in state.indexes.indices { state.indexes[i].remove(id, old) }
                }
            }
        }
        return id
    }

    func replace(_ collection: String, _ id: Int64, with document: Document) throws(StorageError) {
        let old = try engine.mutate(collection) { (state: inout CollectionState) throws(StorageError) -> Document? in
            guard let old = state.rows[id] else { return nil }
            for i in state.indexes.indices { state.indexes[i].remove(id, old) }
            for index in state.indexes where index.spec.unique {
                if index.conflict(for: document, rowId: id) != nil {
                    for j in state.indexes.indices { state.indexes[j].insert(id, old) }
                    throw duplicate(collection, index.spec, document)
                }
            }
            state.rows[id] = document
            for i in state.indexes.indices { state.indexes[i].insert(id, document) }
            return old
        }
        guard let old else { return }
        operations.append(.put(collection, id, document.bsonBytes))
        undoLog.append { [engine] in
            engine.mutate(collection) { (state: inout CollectionState) in
                for i in state.indexes.indices { state.indexes[i].remove(id, document) }
                state.rows[id] = old
                for i in state.indexes.indices { state.indexes[i].insert(id, old) }
            }
        }
    }

    func delete(_ collection: String, _ id: Int64) {
        let removed = engine.mutate(collection) { (state: inout CollectionState) -> (Int, Document)? in
            guard let position = state.rows.index(forKey: id) else { return nil }
            let old = state.rows.remove(at: position).value
            for i in state.indexes.indices { state.indexes[i].remove(id, old) }
            return (position, old)
        }
        guard let (position, old) = removed else { return }
        operations.append(.delete(collection, id))
        undoLog.append { [engine] in
            engine.mutate(collection) { (state: inout CollectionState) in
                state.rows.updateValue(old, forKey: id, insertingAt: min(position, state.rows.count))
                for i in state.indexes.indices { state.indexes[i].insert(id, old) }
            }
        }
    }

    func addIndex(_ collection: String, _ spec: IndexSpec) throws(StorageError) {
        ensureCollection(collection)
        try engine.mutate(collection) { (state: inout CollectionState) throws(StorageError) in
            var index = HashIndex(spec: spec)
            for (id, document) in state.rows {
                if spec.unique, index.conflict(for: document, rowId: id) != nil {
                    throw duplicate(collection, spec, document)
                }
                index.insert(id, document)
            }
            state.indexes.append(index)
        }
        operations.append(.putIndex(collection, spec))
        undoLog.append { [engine] in
            engine.mutate(collection) { (state: inout CollectionState) in state.indexes.removeAll { $0.spec.name == spec.name } }
        }
    }

    func dropCollection(_ collection: String) {
        guard let old = engine.removeCollection(collection) else { return }
        operations.append(.dropCollection(collection))
        undoLog.append { [engine] in engine.restoreCollection(collection, old) }
    }

    func undo() {
        for step in undoLog.reversed() { step() }
        undoLog.removeAll()
    }

    private func duplicate(_ collection: String, _ spec: IndexSpec, _ document: Document) -> StorageError {
        var keyValue = Document()
        for key in spec.keys.keys { keyValue.append(key, Paths.get(document, Paths.split(key)[...]) ?? .null) }
        let shown = keyValue.map { "\($0.key): \($0.value.json(.relaxedExtended))" }.joined(separator: ", ")
        return .duplicateKey(
            DuplicateKeyInfo(
                keyPattern: spec.keys, keyValue: keyValue,
                message: "E11000 duplicate key error collection: \(engine.name).\(collection) index: \(spec.name) dup key: { \(shown) }"))
    }
}
