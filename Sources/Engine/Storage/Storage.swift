// The one storage interface of the project.
//
// Mongoose gave the Node course one API over MongoDB. Here that API is three small protocols:
// `Storage` (a connection), `StorageDatabase` and `StorageCollection`. Two real backends
// implement them: MongoDB through its C driver (`MongoStore`) and an embedded store that needs
// no server. Filters, updates and pipelines are plain MongoDB documents, so the same query
// means the same thing on both and no caller ever asks which backend it has.
//
// Every method is `async`: backends do blocking work (network, disk) off the caller's thread.

import BSON

public protocol Storage: AnyObject, Sendable {
    /// Where the data lives, for the start-up log line: "MongoDB at cluster0.x.mongodb.net".
    var location: String { get }
    /// Cheap round trip that proves the backend answers (the healthcheck uses it).
    func ping() async throws(StorageError)
    func database(_ name: String) -> any StorageDatabase
    func listDatabaseNames() async throws(StorageError) -> [String]
    /// Releases connections and files. The storage must not be used afterwards.
    func close() async
}

public protocol StorageDatabase: Sendable {
    var name: String { get }
    func collection(_ name: String) -> any StorageCollection
    func listCollectionNames() async throws(StorageError) -> [String]
    /// Creates an empty collection (MongoDB's `create`), with a validator when `options` has one;
    /// one that exists already is error 48 (NamespaceExists).
    func createCollection(_ name: String, options: CollectionOptions) async throws(StorageError)
    /// Changes a collection's validation (MongoDB's `collMod`); a field left nil stays as it was.
    func modifyCollection(_ name: String, options: CollectionOptions) async throws(StorageError)
    func drop() async throws(StorageError)
}

extension StorageDatabase {
    /// Creates an empty collection with no validator.
    public func createCollection(_ name: String) async throws(StorageError) {
        try await createCollection(name, options: CollectionOptions())
    }
}

public protocol StorageCollection: Sendable {
    var name: String { get }

    /// Inserts one document and returns its `_id` (an ObjectId is added when it has none).
    @discardableResult
    func insertOne(_ document: Document) async throws(StorageError) -> BSONValue
    /// Inserts in order, stopping at the first error (MongoDB's `ordered: true`).
    @discardableResult
    func insertMany(_ documents: [Document]) async throws(StorageError) -> [BSONValue]

    func find(_ filter: Document, options: FindOptions) async throws(StorageError) -> [Document]
    func countDocuments(_ filter: Document) async throws(StorageError) -> Int
    /// How the server runs `find(filter, options)`, as MongoDB's `explain` ("executionStats")
    /// shows it: `queryPlanner.winningPlan` (IXSCAN with the index's name, or COLLSCAN, and SORT
    /// when it sorts in memory) and `executionStats` (`nReturned`, `totalDocsExamined`).
    func explain(_ filter: Document, options: FindOptions) async throws(StorageError) -> Document
    func aggregate(_ pipeline: [Document]) async throws(StorageError) -> [Document]

    /// `update` holds update operators (`$set`, `$inc`, ...), never a replacement.
    func updateOne(_ filter: Document, _ update: Document, options: UpdateOptions) async throws(StorageError) -> UpdateResult
    func updateMany(_ filter: Document, _ update: Document, options: UpdateOptions) async throws(StorageError) -> UpdateResult
    /// Replaces the whole matched document but its `_id`.
    func replaceOne(_ filter: Document, _ replacement: Document, options: UpdateOptions) async throws(StorageError) -> UpdateResult
    /// Updates one document atomically and returns it as it was before or after.
    func findOneAndUpdate(_ filter: Document, _ update: Document, options: FindOneAndUpdateOptions) async throws(StorageError) -> Document?

    @discardableResult
    func deleteOne(_ filter: Document) async throws(StorageError) -> Int
    @discardableResult
    func deleteMany(_ filter: Document) async throws(StorageError) -> Int

    /// Creates the index if it does not exist (same keys and options: no-op) and returns its name.
    @discardableResult
    func createIndex(_ keys: Document, options: IndexOptions) async throws(StorageError) -> String
    func listIndexes() async throws(StorageError) -> [Document]
    /// Drops the index of that name (27 IndexNotFound when there is none; `_id_` cannot be dropped).
    func dropIndex(_ name: String) async throws(StorageError)
    /// Drops the collection and its indexes; dropping a missing collection is not an error.
    func drop() async throws(StorageError)
    /// `renameCollection`: the collection, its documents and indexes, under a new name in the
    /// same database. A taken name is an error unless `dropTarget`.
    func rename(to target: String, dropTarget: Bool) async throws(StorageError)
}

extension StorageCollection {
    public func find(_ filter: Document = [:]) async throws(StorageError) -> [Document] {
        try await find(filter, options: FindOptions())
    }

    public func findOne(_ filter: Document, options: FindOptions = FindOptions()) async throws(StorageError) -> Document? {
        var one = options
        one.limit = 1
        return try await find(filter, options: one).first
    }

    @discardableResult
    public func updateOne(_ filter: Document, _ update: Document) async throws(StorageError) -> UpdateResult {
        try await updateOne(filter, update, options: UpdateOptions())
    }

    @discardableResult
    public func updateMany(_ filter: Document, _ update: Document) async throws(StorageError) -> UpdateResult {
        try await updateMany(filter, update, options: UpdateOptions())
    }

    @discardableResult
    public func createIndex(_ keys: Document, unique: Bool = false) async throws(StorageError) -> String {
        try await createIndex(keys, options: IndexOptions(unique: unique))
    }
}
