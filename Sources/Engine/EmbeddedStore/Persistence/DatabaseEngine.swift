// One database of the embedded store: a SQLite file (`DATA_DIR/<db>/store.sqlite`, WAL mode)
// holding each collection as a table of BSON blobs, and the same collections in memory with
// their hash indexes.
//
// Writes are serial: each runs on GRDB's writer queue, applies its changes to memory (checking
// unique indexes as it goes), commits one SQLite transaction, and only then returns. If the
// commit fails, the memory changes are undone, so memory never holds what disk does not.
// Reads take a snapshot of a collection under a short lock and never wait for the disk, and
// never see a write before it is durable: while a write is being committed, its undo steps are
// kept beside the state, and a reader of a collection it touched applies them to its own copy.
//
// SQLite's WAL makes every committed transaction survive `kill -9`, and a transaction that was
// being written when the process died is simply not there on reopen: a torn tail is never read.

import BSON
import Foundation
import GRDB
import OrderedCollections
import Storage
import Synchronization

/// The step that takes back one uncommitted change to memory.
enum UndoStep: Sendable {
    /// Reverts a change to a collection's state.
    case change(String, @Sendable (inout CollectionState) -> Void)
    /// Puts back a collection as it was (nil: it did not exist).
    case restore(String, CollectionState?)

    var collection: String {
        switch self {
        case .change(let c, _), .restore(let c, _): c
        }
    }
}

final class DatabaseEngine: CollectionSource, Sendable {
    let name: String
    let path: String
    private let queue: DatabaseQueue
    /// The collections as the writer leaves them, and the undo steps of the write not yet
    /// committed (empty between writes): together, under one lock, so that a reader always sees
    /// a state and the steps that take it back to what is durable.
    private let shared: Mutex<(collections: [String: CollectionState], uncommitted: [UndoStep])>

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
                // Index options (sparse, partial, TTL) came later: older files get the column.
                if try !Row.fetchAll(db, sql: "PRAGMA table_info(_indexes)").contains(where: { $0["name"] == "options" }) {
                    try db.execute(sql: "ALTER TABLE _indexes ADD COLUMN options BLOB")
                }
                // A collection's validator came later still: older files get the column.
                if try !Row.fetchAll(db, sql: "PRAGMA table_info(_collections)").contains(where: { $0["name"] == "options" }) {
                    try db.execute(sql: "ALTER TABLE _collections ADD COLUMN options BLOB")
                }
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
        self.shared = Mutex((collections, []))
    }

    /// Reads every collection and index from disk. A row that is not valid BSON stops the open
    /// with a clear error: the store never serves garbage.
    private static func load(_ db: GRDB.Database) throws -> [String: CollectionState] {
        var result: [String: CollectionState] = [:]
        for collection in try Row.fetchAll(db, sql: "SELECT name, options FROM _collections ORDER BY name") {
            let name: String = collection[0]
            var state = CollectionState()
            if let blob: Data = collection[1] {
                let options = try Document(bsonBytes: Array(blob))
                state.validation = try Validation(
                    CollectionOptions(
                        validator: options["validator"]?.documentValue, validationLevel: options["validationLevel"]?.stringValue,
                        validationAction: options["validationAction"]?.stringValue))
            }
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
        for row in try Row.fetchAll(db, sql: "SELECT collection, name, keys, is_unique, options FROM _indexes ORDER BY rowid") {
            let collection: String = row[0]
            let keysBlob: Data = row[2]
            let keys = try Document(bsonBytes: Array(keysBlob))
            let optionsBlob: Data? = row[4]
            let options = try optionsBlob.map { try Document(bsonBytes: Array($0)) } ?? [:]
            var index = HashIndex(spec: IndexSpec(name: row[1], keys: keys, unique: row[3], options: options))
            guard var state = result[collection] else { continue }
            for (id, document) in state.rows { index.insert(id, document) }
            state.indexes.append(index)
            result[collection] = state
        }
        return result
    }

    /// The collection's SQLite table, quoted.
    static func table(_ collection: String) -> String {
        // Named on every write: a name without a quote (all of them, nearly) is used as it is.
        let quoted = collection.utf8.contains(UInt8(ascii: "\"")) ? collection.replacingOccurrences(of: "\"", with: "\"\"") : collection
        return "\"c:" + quoted + "\""
    }

    // MARK: Reading: what is durable

    /// The collection as committed: the writer's state less any change not yet on disk.
    func snapshot(of collection: String) -> CollectionState {
        committed(collection) ?? CollectionState()
    }

    func collectionNames() -> [String] {
        let (names, uncommitted) = shared.withLock { (Array($0.collections.keys), $0.uncommitted) }
        guard !uncommitted.isEmpty else { return names.sorted() }
        let touched = Set(uncommitted.map(\.collection))
        return (Set(names).subtracting(touched).union(touched.filter { committed($0) != nil })).sorted()
    }

    func hasCollection(_ collection: String) -> Bool { committed(collection) != nil }

    private func committed(_ collection: String) -> CollectionState? {
        let (state, steps) = shared.withLock { shared in
            (shared.collections[collection], shared.uncommitted.filter { $0.collection == collection })
        }
        guard !steps.isEmpty else { return state }
        var view = state
        for step in steps.reversed() { Self.apply(step, to: &view) }
        return view
    }

    private static func apply(_ step: UndoStep, to state: inout CollectionState?) {
        switch step {
        case .change(_, let revert):
            if state != nil { revert(&state!) }
        case .restore(_, let old):
            state = old
        }
    }

    /// Runs `body` as the only writer, then commits its changes in one SQLite transaction before
    /// returning. An error thrown by `body` after some changes still commits those (MongoDB's
    /// ordered writes keep what succeeded before the error) and is then rethrown.
    func write<T: Sendable>(_ body: @escaping @Sendable (WriteTransaction) throws(StorageError) -> T) async throws(StorageError) -> T {
        let collation = try Collation.ofTask()  // the task's, for the writer's thread (Collation.swift)
        let bypass = DocumentValidation.bypass
        do {
            return try await queue.writeWithoutTransaction { db -> T in
                let tx = WriteTransaction(engine: self)
                tx.bypassesValidation = bypass
                let outcome = Result { () throws(StorageError) in try Collation.run(collation) { () throws(StorageError) in try body(tx) } }
                guard !tx.operations.isEmpty else {
                    self.settle(undo: true)  // changes made with no operation to commit (none, normally)
                    return try outcome.get()
                }
                do {
                    try db.inTransaction {
                        for operation in tx.operations { try operation.execute(db) }
                        return .commit
                    }
                } catch {
                    self.settle(undo: true)
                    throw StorageError.commandFailed(code: 1, message: "the embedded store could not commit: \(error)")
                }
                self.settle(undo: false)  // durable now: readers see it
                return try outcome.get()
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw .commandFailed(code: 1, message: "embedded store write failed: \(error)")
        }
    }

    /// Ends a write: its undo steps are dropped (committed) or applied (not committed).
    private func settle(undo: Bool) {
        shared.withLock { shared in
            if undo {
                for step in shared.uncommitted.reversed() {
                    var state = shared.collections[step.collection]
                    Self.apply(step, to: &state)
                    shared.collections[step.collection] = state
                }
            }
            shared.uncommitted.removeAll()
        }
    }

    // MARK: Writing (the writer's own view, on its queue)

    /// Applies a change to the writer's state and records the step that undoes it, under one
    /// lock hold, so no reader sees the one without the other.
    func mutate<T, E: Error>(_ collection: String, _ body: (inout CollectionState) throws(E) -> (T, UndoStep?)) throws(E) -> T {
        try shared.withLock { (shared: inout (collections: [String: CollectionState], uncommitted: [UndoStep])) throws(E) -> T in
            var state = shared.collections.removeValue(forKey: collection) ?? CollectionState()
            defer { shared.collections[collection] = state }
            let (result, undo) = try body(&state)
            if let undo { shared.uncommitted.append(undo) }
            return result
        }
    }

    /// The writer's view: its own uncommitted changes included.
    func writerSnapshot(of collection: String) -> CollectionState {
        shared.withLock { $0.collections[collection] } ?? CollectionState()
    }

    func writerHas(_ collection: String) -> Bool {
        shared.withLock { $0.collections[collection] != nil }
    }

    /// Creates an empty collection (undone by removing it).
    func create(_ collection: String) {
        shared.withLock { shared in
            guard shared.collections[collection] == nil else { return }
            shared.collections[collection] = CollectionState()
            shared.uncommitted.append(.restore(collection, nil))
        }
    }

    /// Removes a collection (undone by putting it back); false when there was none.
    func remove(_ collection: String) -> Bool {
        shared.withLock { shared in
            guard let old = shared.collections.removeValue(forKey: collection) else { return false }
            shared.uncommitted.append(.restore(collection, old))
            return true
        }
    }

    /// Moves a collection's state to a new name (which must be free), undoably.
    func move(_ collection: String, to target: String) -> Bool {
        shared.withLock { shared in
            guard shared.collections[target] == nil, let state = shared.collections.removeValue(forKey: collection) else { return false }
            shared.collections[target] = state
            shared.uncommitted.append(.restore(collection, state))
            shared.uncommitted.append(.restore(target, nil))
            return true
        }
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
        case renameCollection(String, String)
        case setOptions(String, Document)

        func execute(_ db: GRDB.Database) throws {
            switch self {
            case .createCollection(let name):
                try db.execute(sql: "INSERT OR IGNORE INTO _collections (name) VALUES (?)", arguments: [name])
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS \(DatabaseEngine.table(name)) (id INTEGER PRIMARY KEY, doc BLOB NOT NULL)")
            // The statements for documents are prepared once per collection and kept (GRDB's
            // cache): a thousand inserts parse their SQL once, not a thousand times.
            case .put(let name, let id, let bytes):
                try db.cachedStatement(sql: "INSERT OR REPLACE INTO \(DatabaseEngine.table(name)) (id, doc) VALUES (?, ?)")
                    .execute(arguments: [id, Data(bytes)])
            case .delete(let name, let id):
                try db.cachedStatement(sql: "DELETE FROM \(DatabaseEngine.table(name)) WHERE id = ?").execute(arguments: [id])
            case .putIndex(let name, let spec):
                try db.execute(
                    sql: "INSERT OR REPLACE INTO _indexes (collection, name, keys, is_unique, options) VALUES (?, ?, ?, ?, ?)",
                    arguments: [name, spec.name, Data(spec.keys.bsonBytes), spec.unique, spec.options.isEmpty ? nil : Data(spec.options.bsonBytes)])
            case .dropIndex(let collection, let name):
                try db.execute(sql: "DELETE FROM _indexes WHERE collection = ? AND name = ?", arguments: [collection, name])
            case .renameCollection(let from, let to):
                try db.execute(sql: "ALTER TABLE \(DatabaseEngine.table(from)) RENAME TO \(DatabaseEngine.table(to))")
                try db.execute(sql: "UPDATE _collections SET name = ? WHERE name = ?", arguments: [to, from])
                try db.execute(sql: "UPDATE _indexes SET collection = ? WHERE collection = ?", arguments: [to, from])
            case .setOptions(let name, let options):
                try db.execute(
                    sql: "UPDATE _collections SET options = ? WHERE name = ?", arguments: [options.isEmpty ? nil : Data(options.bsonBytes), name])
            case .dropCollection(let name):
                try db.execute(sql: "DROP TABLE IF EXISTS \(DatabaseEngine.table(name))")
                try db.execute(sql: "DELETE FROM _collections WHERE name = ?", arguments: [name])
                try db.execute(sql: "DELETE FROM _indexes WHERE collection = ?", arguments: [name])
            }
        }
    }

    private let engine: DatabaseEngine
    private(set) var operations: [Operation] = []

    /// `bypassDocumentValidation`: the task's, set by `DatabaseEngine.write`.
    var bypassesValidation = false

    init(engine: DatabaseEngine) { self.engine = engine }

    /// Sets a collection's validation (`create` with a validator, `collMod`): checked from the
    /// next write on, kept on disk with the collection.
    func setValidation(_ collection: String, _ validation: Validation?) {
        ensureCollection(collection)
        engine.mutate(collection) { (state: inout CollectionState) -> (Void, UndoStep?) in
            let old = state.validation
            state.validation = validation
            return ((), UndoStep.change(collection) { $0.validation = old })
        }
        operations.append(.setOptions(collection, validation?.options.document ?? [:]))
    }

    /// The collection as this write sees it: its own changes included.
    func snapshot(_ collection: String) -> CollectionState { engine.writerSnapshot(of: collection) }

    func hasCollection(_ collection: String) -> Bool { engine.writerHas(collection) }

    func createCollection(_ collection: String) { ensureCollection(collection) }

    func dropIndex(_ collection: String, _ name: String) {
        let removed = engine.mutate(collection) { (state: inout CollectionState) -> (HashIndex?, UndoStep?) in
            guard let i = state.indexes.firstIndex(where: { $0.spec.name == name }) else { return (nil, nil) }
            let removed = state.indexes.remove(at: i)
            return (removed, .change(collection) { $0.indexes.append(removed) })
        }
        if removed != nil { operations.append(.dropIndex(collection, name)) }
    }

    private func ensureCollection(_ collection: String) {
        if !engine.writerHas(collection) {
            engine.create(collection)
            operations.append(.createCollection(collection))
        }
    }

    @discardableResult
    func insert(_ collection: String, _ document: Document) throws(StorageError) -> Int64 {
        ensureCollection(collection)
        let bypass = bypassesValidation
        let id = try engine.mutate(collection) { (state: inout CollectionState) throws(StorageError) -> (Int64, UndoStep?) in
            if !bypass { try state.validation?.check(document, old: nil) }
            let keys = state.indexes.map { $0.entryKeys(of: document) }
            for (index, keys) in zip(state.indexes, keys) where index.spec.unique {
                if let keys, index.conflict(keys: keys, rowId: -1) != nil {
                    throw duplicate(collection, index.spec, document)
                }
            }
            let id = state.nextRowId
            state.nextRowId += 1
            state.rows[id] = document
            for i in state.indexes.indices { state.indexes[i].insert(id, document, keys: keys[i]) }
            let undo = UndoStep.change(collection) { state in
                if let old = state.rows.removeValue(forKey: id) {
                    for i in state.indexes.indices { state.indexes[i].remove(id, old) }
                }
            }
            return (id, undo)
        }
        operations.append(.put(collection, id, document.bsonBytes))
        return id
    }

    func replace(_ collection: String, _ id: Int64, with document: Document) throws(StorageError) {
        let bypass = bypassesValidation
        let replaced = try engine.mutate(collection) { (state: inout CollectionState) throws(StorageError) -> (Bool, UndoStep?) in
            guard let old = state.rows[id] else { return (false, nil) }
            if !bypass { try state.validation?.check(document, old: old) }
            for i in state.indexes.indices { state.indexes[i].remove(id, old) }
            for index in state.indexes where index.spec.unique {
                if index.conflict(for: document, rowId: id) != nil {
                    for j in state.indexes.indices { state.indexes[j].insert(id, old) }
                    throw duplicate(collection, index.spec, document)
                }
            }
            state.rows[id] = document
            for i in state.indexes.indices { state.indexes[i].insert(id, document) }
            let undo = UndoStep.change(collection) { state in
                for i in state.indexes.indices { state.indexes[i].remove(id, document) }
                state.rows[id] = old
                for i in state.indexes.indices { state.indexes[i].insert(id, old) }
            }
            return (true, undo)
        }
        if replaced { operations.append(.put(collection, id, document.bsonBytes)) }
    }

    func delete(_ collection: String, _ id: Int64) {
        let deleted = engine.mutate(collection) { (state: inout CollectionState) -> (Bool, UndoStep?) in
            guard let position = state.rows.index(forKey: id) else { return (false, nil) }
            let old = state.rows.remove(at: position).value
            for i in state.indexes.indices { state.indexes[i].remove(id, old) }
            let undo = UndoStep.change(collection) { state in
                state.rows.updateValue(old, forKey: id, insertingAt: min(position, state.rows.count))
                for i in state.indexes.indices { state.indexes[i].insert(id, old) }
            }
            return (true, undo)
        }
        if deleted { operations.append(.delete(collection, id)) }
    }

    func addIndex(_ collection: String, _ spec: IndexSpec) throws(StorageError) {
        ensureCollection(collection)
        try engine.mutate(collection) { (state: inout CollectionState) throws(StorageError) -> ((), UndoStep?) in
            var index = HashIndex(spec: spec)
            for (id, document) in state.rows {
                if spec.unique, index.conflict(for: document, rowId: id) != nil {
                    throw duplicate(collection, spec, document)
                }
                index.insert(id, document)
            }
            state.indexes.append(index)
            return ((), .change(collection) { $0.indexes.removeAll { $0.spec.name == spec.name } })
        }
        operations.append(.putIndex(collection, spec))
    }

    func dropCollection(_ collection: String) {
        if engine.remove(collection) { operations.append(.dropCollection(collection)) }
    }

    func renameCollection(_ collection: String, to target: String) -> Bool {
        guard engine.move(collection, to: target) else { return false }
        operations.append(.renameCollection(collection, target))
        return true
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
