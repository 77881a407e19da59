// Databases and collections on MongoDB: each operation is one libmongoc call, made with a
// pooled client on the store's thread pool. Options travel as BSON documents exactly as the
// CRUD specification names them, so what is sent is what the MongoDB manual describes.

import BSON
import CMongoC
import Storage

struct MongoDatabase: StorageDatabase {
    let store: MongoStore
    let name: String

    func collection(_ name: String) -> any StorageCollection {
        MongoCollection(store: store, database: self.name, name: name)
    }

    func listCollectionNames() async throws(StorageError) -> [String] {
        let name = self.name
        return try await store.withClient { client throws(StorageError) in
            let db = mongoc_client_get_database(client, name)
            defer { mongoc_database_destroy(db) }
            var error = bson_error_t()
            guard let names = mongoc_database_get_collection_names_with_opts(db, nil, &error) else {
                throw storageError(error)
            }
            return stringList(names)
        }
    }

    func createCollection(_ collection: String, options: CollectionOptions) async throws(StorageError) {
        let create: Document = ["create": .string(collection)]
        try await command(create.merging(options.document))
    }

    func modifyCollection(_ collection: String, options: CollectionOptions) async throws(StorageError) {
        let collMod: Document = ["collMod": .string(collection)]
        try await command(collMod.merging(options.document))
    }

    /// Runs a database command as it is (`create`, `collMod`), with the server's error typed.
    private func command(_ command: Document) async throws(StorageError) {
        let name = self.name
        try await store.withClient { client throws(StorageError) in
            let db = mongoc_client_get_database(client, name)
            defer { mongoc_database_destroy(db) }
            let reply = Reply()
            var error = bson_error_t()
            let ok = try withBSON(command) { c in mongoc_database_write_command_with_opts(db, c, nil, reply.pointer, &error) }
            guard ok else { throw storageError(error, reply: try reply.document()) }
        }
    }

    func drop() async throws(StorageError) {
        let name = self.name
        try await store.withClient { client throws(StorageError) in
            let db = mongoc_client_get_database(client, name)
            defer { mongoc_database_destroy(db) }
            var error = bson_error_t()
            guard mongoc_database_drop_with_opts(db, nil, &error) else { throw storageError(error) }
        }
    }
}

struct MongoCollection: StorageCollection {
    let store: MongoStore
    let database: String
    let name: String

    /// Borrows a client, opens this collection on it, and runs `body` on the thread pool.
    private func run<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws(StorageError) -> T) async throws(StorageError) -> T {
        let (database, name) = (self.database, self.name)
        return try await store.withClient { client throws(StorageError) in
            let collection = mongoc_client_get_collection(client, database, name)!
            defer { mongoc_collection_destroy(collection) }
            return try body(collection)
        }
    }

    func insertOne(_ document: Document) async throws(StorageError) -> BSONValue {
        let (doc, id) = withId(document)
        let opts = Self.writeOptions
        return try await run { collection throws(StorageError) in
            let reply = Reply()
            var error = bson_error_t()
            let ok = try withBSON(doc) { bson throws(StorageError) in
                try withBSON(opts) { o in mongoc_collection_insert_one(collection, bson, o, reply.pointer, &error) }
            }
            guard ok else { throw storageError(error, reply: try? reply.document()) }
            return id
        }
    }

    func insertMany(_ documents: [Document]) async throws(StorageError) -> [BSONValue] {
        guard !documents.isEmpty else { return [] }
        let prepared = documents.map(withId)
        let opts = Self.writeOptions
        return try await run { collection throws(StorageError) in
            let reply = Reply()
            var error = bson_error_t()
            let ok = try withBSONArray(prepared.map(\.0)) { docs throws(StorageError) in
                try withBSON(opts) { o in mongoc_collection_insert_many(collection, docs, prepared.count, o, reply.pointer, &error) }
            }
            guard ok else { throw storageError(error, reply: try? reply.document()) }
            return prepared.map(\.1)
        }
    }

    /// The task's query time limit and collation (`QueryTimeLimit`, `QueryCollation`) as the
    /// options of a read: `maxTimeMS` and `collation`, when set.
    /// `bypassDocumentValidation` when the task asks for it (`DocumentValidation.bypass`).
    static var writeOptions: Document { DocumentValidation.bypass ? ["bypassDocumentValidation": true] : [:] }

    static var taskOptions: Document {
        var options: Document = QueryTimeLimit.milliseconds.map { ["maxTimeMS": .int64(Int64($0))] } ?? [:]
        if let collation = QueryCollation.current { options["collation"] = .document(collation) }  // and the task's collation, as is
        return options
    }

    func find(_ filter: Document, options: FindOptions) async throws(StorageError) -> [Document] {
        var opts = Document()
        if let projection = options.projection { opts["projection"] = .document(projection) }
        if let sort = options.sort { opts["sort"] = .document(sort) }
        if let skip = options.skip { opts["skip"] = .int64(Int64(skip)) }
        if let limit = options.limit { opts["limit"] = .int64(Int64(limit)) }
        if let batchSize = options.batchSize { opts["batchSize"] = .int64(Int64(batchSize)) }
        for (key, value) in Self.taskOptions { opts[key] = value }
        let finalOpts = opts
        return try await run { collection throws(StorageError) in
            let cursor = try withBSON(filter) { f throws(StorageError) in
                try withBSON(finalOpts) { o in mongoc_collection_find_with_opts(collection, f, o, nil) }
            }
            return try drain(cursor!)
        }
    }

    func countDocuments(_ filter: Document) async throws(StorageError) -> Int {
        let opts = Self.taskOptions
        return try await run { collection throws(StorageError) in
            var error = bson_error_t()
            let reply = Reply()
            let n = try withBSON(filter) { f throws(StorageError) in
                try withBSON(opts) { o in mongoc_collection_count_documents(collection, f, o, nil, reply.pointer, &error) }
            }
            guard n >= 0 else { throw storageError(error, reply: try? reply.document()) }
            return Int(n)
        }
    }

    func rename(to target: String, dropTarget: Bool) async throws(StorageError) {
        let command: Document = [
            "renameCollection": .string("\(database).\(name)"), "to": .string("\(database).\(target)"), "dropTarget": .bool(dropTarget),
        ]
        _ = try await store.runCommand(command, database: "admin")
    }

    func explain(_ filter: Document, options: FindOptions) async throws(StorageError) -> Document {
        var find: Document = ["find": .string(name), "filter": .document(filter)]
        if let sort = options.sort { find["sort"] = .document(sort) }
        if let skip = options.skip { find["skip"] = .int64(Int64(skip)) }
        if let limit = options.limit { find["limit"] = .int64(Int64(limit)) }
        if let projection = options.projection { find["projection"] = .document(projection) }
        return try await store.runCommand(["explain": .document(find), "verbosity": "executionStats"], database: database)
    }

    func aggregate(_ pipeline: [Document]) async throws(StorageError) -> [Document] {
        let wrapped: Document = ["pipeline": .array(pipeline.map(BSONValue.document))]
        let opts = Self.taskOptions
        return try await run { collection throws(StorageError) in
            let cursor = try withBSON(wrapped) { p throws(StorageError) in
                try withBSON(opts) { o in mongoc_collection_aggregate(collection, MONGOC_QUERY_NONE, p, o, nil) }
            }
            return try drain(cursor!)
        }
    }

    func updateOne(_ filter: Document, _ update: Document, options: UpdateOptions) async throws(StorageError) -> UpdateResult {
        try await write(filter, update, options, mongoc_collection_update_one)
    }

    func updateMany(_ filter: Document, _ update: Document, options: UpdateOptions) async throws(StorageError) -> UpdateResult {
        try await write(filter, update, options, mongoc_collection_update_many)
    }

    func replaceOne(_ filter: Document, _ replacement: Document, options: UpdateOptions) async throws(StorageError) -> UpdateResult {
        try await write(filter, replacement, options, mongoc_collection_replace_one)
    }

    private typealias UpdateFunction =
        @Sendable (
            OpaquePointer?, OpaquePointer?, OpaquePointer?, OpaquePointer?, OpaquePointer?, UnsafeMutablePointer<bson_error_t>?
        ) -> Bool

    private func write(_ filter: Document, _ update: Document, _ options: UpdateOptions, _ function: @escaping UpdateFunction)
        async throws(StorageError) -> UpdateResult
    {
        var built: Document = options.upsert ? ["upsert": true] : [:]
        if let filters = options.arrayFilters { built["arrayFilters"] = .array(filters.map(BSONValue.document)) }
        if let sort = options.sort { built["sort"] = .document(sort) }
        if let collation = QueryCollation.current { built["collation"] = .document(collation) }
        for (key, value) in Self.writeOptions { built[key] = value }
        let opts = built
        return try await run { collection throws(StorageError) in
            let reply = Reply()
            var error = bson_error_t()
            let ok = try withBSON(filter) { f throws(StorageError) in
                try withBSON(update) { u throws(StorageError) in
                    try withBSON(opts) { o in function(collection, f, u, o, reply.pointer, &error) }
                }
            }
            let result = try reply.document()
            guard ok else { throw storageError(error, reply: result) }
            return UpdateResult(
                matchedCount: Int(result["matchedCount"]?.int64Value ?? 0),
                modifiedCount: Int(result["modifiedCount"]?.int64Value ?? 0),
                upsertedId: result["upsertedId"]
            )
        }
    }

    func findOneAndUpdate(_ filter: Document, _ update: Document, options: FindOneAndUpdateOptions) async throws(StorageError) -> Document? {
        var command: Document = [
            "findAndModify": .string(name), "query": .document(filter),
            "update": update.pipelineStages.map { .array($0.map(BSONValue.document)) } ?? .document(update),
            "new": .bool(options.returnDocument == .after), "upsert": .bool(options.upsert),
        ]
        if let sort = options.sort { command["sort"] = .document(sort) }
        if let projection = options.projection { command["fields"] = .document(projection) }
        if let filters = options.arrayFilters { command["arrayFilters"] = .array(filters.map(BSONValue.document)) }
        if let collation = QueryCollation.current { command["collation"] = .document(collation) }
        for (key, value) in Self.writeOptions { command[key] = value }
        let finalCommand = command
        return try await run { collection throws(StorageError) in
            let reply = Reply()
            var error = bson_error_t()
            let ok = try withBSON(finalCommand) { c in
                mongoc_collection_write_command_with_opts(collection, c, nil, reply.pointer, &error)
            }
            let result = try reply.document()
            guard ok else { throw storageError(error, reply: result) }
            return result["value"]?.documentValue
        }
    }

    func deleteOne(_ filter: Document) async throws(StorageError) -> Int {
        try await delete(filter, mongoc_collection_delete_one)
    }

    func deleteMany(_ filter: Document) async throws(StorageError) -> Int {
        try await delete(filter, mongoc_collection_delete_many)
    }

    private typealias DeleteFunction =
        @Sendable (
            OpaquePointer?, OpaquePointer?, OpaquePointer?, OpaquePointer?, UnsafeMutablePointer<bson_error_t>?
        ) -> Bool

    private func delete(_ filter: Document, _ function: @escaping DeleteFunction) async throws(StorageError) -> Int {
        let opts: Document = QueryCollation.current.map { ["collation": .document($0)] } ?? [:]
        return try await run { collection throws(StorageError) in
            let reply = Reply()
            var error = bson_error_t()
            let ok = try withBSON(filter) { f throws(StorageError) in try withBSON(opts) { o in function(collection, f, o, reply.pointer, &error) } }
            let result = try reply.document()
            guard ok else { throw storageError(error, reply: result) }
            return Int(result["deletedCount"]?.int64Value ?? 0)
        }
    }

    func createIndex(_ keys: Document, options: IndexOptions) async throws(StorageError) -> String {
        let indexName = options.name ?? IndexOptions.defaultName(for: keys)
        var index: Document = ["key": .document(keys), "name": .string(indexName)]
        if options.unique { index["unique"] = true }
        for (key, value) in options.extra { index[key] = value }
        let command: Document = ["createIndexes": .string(name), "indexes": [.document(index)]]
        return try await run { collection throws(StorageError) in
            let reply = Reply()
            var error = bson_error_t()
            let ok = try withBSON(command) { c in
                mongoc_collection_write_command_with_opts(collection, c, nil, reply.pointer, &error)
            }
            guard ok else { throw storageError(error, reply: try? reply.document()) }
            return indexName
        }
    }

    func listIndexes() async throws(StorageError) -> [Document] {
        try await run { collection throws(StorageError) in
            try drain(mongoc_collection_find_indexes_with_opts(collection, nil)!)
        }
    }

    func dropIndex(_ indexName: String) async throws(StorageError) {
        try await run { collection throws(StorageError) in
            var error = bson_error_t()
            guard mongoc_collection_drop_index_with_opts(collection, indexName, nil, &error) else { throw storageError(error) }
        }
    }

    func drop() async throws(StorageError) {
        try await run { collection throws(StorageError) in
            var error = bson_error_t()
            // 26 NamespaceNotFound: dropping what is not there is fine.
            guard mongoc_collection_drop_with_opts(collection, nil, &error) || error.code == 26 || error.text == "ns not found" else {
                throw storageError(error)
            }
        }
    }
}

/// The document with an `_id` (a new ObjectId when it had none, placed first as MongoDB does).
private func withId(_ document: Document) -> (Document, BSONValue) {
    if let id = document["_id"] { return (document, id) }
    let id = BSONValue.objectId(ObjectId())
    return (Document([(key: "_id", value: id)] + document.elements), id)
}

/// Reads every document from a cursor (following `getMore` as needed), then destroys it.
private func drain(_ cursor: OpaquePointer) throws(StorageError) -> [Document] {
    defer { mongoc_cursor_destroy(cursor) }
    var documents: [Document] = []
    var current: OpaquePointer?
    while mongoc_cursor_next(cursor, &current) {
        documents.append(try Document(bson: current!))
    }
    var error = bson_error_t()
    var replyPointer: OpaquePointer?
    if mongoc_cursor_error_document(cursor, &error, &replyPointer) {
        throw storageError(error, reply: replyPointer.flatMap { try? Document(bson: $0) })
    }
    return documents
}
