// A collection seen through its model: typed reads, validated and timestamped writes.
//
// Mongoose's `User.create(...)`, `User.findById(...)`, `User.findByIdAndUpdate(...)` become
// methods here. Every insert validates the model and stamps `createdAt`/`updatedAt`; every
// update stamps `updatedAt` (mongoose's `timestamps: true`). Filters and updates are plain
// MongoDB documents, so they run unchanged on either storage backend.

import BSON
import Exercises
import Storage

/// Runs before a write with the fields being written (the whole document on insert, the
/// `$set` fields on update) and may rewrite them: mongoose's `schema.pre("save")`. A field
/// that is absent is not being modified — `isModified("password")` is `fields["password"] != nil`.
public typealias BeforeSave = @Sendable (_ fields: inout Document) async throws -> Void

public struct ModelCollection<M: Model>: Sendable {
    /// The untyped collection, for aggregation pipelines and anything else.
    public let storage: any StorageCollection
    let beforeSave: BeforeSave?

    public init(_ database: any StorageDatabase, beforeSave: BeforeSave? = nil) {
        self.storage = database.collection(M.collectionName)
        self.beforeSave = beforeSave
    }

    // MARK: Writes

    /// Validates, stamps the timestamps (now, or `time`), runs the save hook and inserts; returns the model as
    /// stored. A unique index violation is `StorageError.duplicateKey` naming the field.
    @discardableResult
    public func insert(_ model: M, at time: BSONDate? = nil) async throws -> M {
        let document = try await prepared(model, at: time)
        try await storage.insertOne(document)
        return try Self.decode(M.self, from: document)
    }

    /// Inserts `model` unless a document with the same values of `keys` exists, and returns
    /// whichever is stored: running it twice changes nothing (seeding uses it).
    @discardableResult
    public func insertIfAbsent(_ model: M, matching keys: [String]) async throws -> M {
        var filter = Document()
        var onInsert = Document()
        for (key, value) in try await prepared(model) {
            if keys.contains(key) { filter.append(key, value) } else { onInsert.append(key, value) }
        }
        let stored = try await storage.findOneAndUpdate(
            filter, ["$setOnInsert": .document(onInsert)],
            options: FindOneAndUpdateOptions(returnDocument: .after, upsert: true))
        guard let stored else { throw StorageError.commandFailed(code: 0, message: "upsert returned no document") }
        return try Self.decode(M.self, from: stored)
    }

    /// The document to insert: validated, both timestamps `time` or now, through the save hook.
    func prepared(_ model: M, at time: BSONDate? = nil) async throws -> Document {
        // EXERCISE 4.1: a model's rules and timestamps, before every insert
        var model = model
        try model.validate()
        let now = time ?? BSONDate.now()
        model.createdAt = now
        model.updatedAt = now
        var document = try BSONEncoder().encode(model)
        try await beforeSave?(&document)
        return document
        // END EXERCISE 4.1
    }

    /// Applies `update` (update operators) to the first document matching `filter`, stamping
    /// `updatedAt`, and returns the document after the update, or nil when none matched.
    @discardableResult
    public func updateOne(_ filter: Document, _ update: Document) async throws -> M? {
        let update = try await stamped(update)
        guard
            let after = try await storage.findOneAndUpdate(
                filter, update, options: FindOneAndUpdateOptions(returnDocument: .after))
        else {
            return nil
        }
        return try Self.decode(M.self, from: after)
    }

    /// `updateOne` for the document with this `_id`.
    @discardableResult
    public func updateById(_ id: ObjectId, _ update: Document) async throws -> M? {
        try await updateOne(["_id": .objectId(id)], update)
    }

    /// Applies `update` to every match, stamping `updatedAt`; returns how many matched.
    @discardableResult
    public func updateMany(_ filter: Document, _ update: Document) async throws -> Int {
        try await storage.updateMany(filter, try await stamped(update)).matchedCount
    }

    @discardableResult
    public func deleteOne(_ filter: Document) async throws -> Bool {
        try await storage.deleteOne(filter) == 1
    }

    @discardableResult
    public func deleteMany(_ filter: Document) async throws -> Int {
        try await storage.deleteMany(filter)
    }

    /// The update with `updatedAt` added to its `$set`, after the save hook has seen `$set`.
    func stamped(_ update: Document) async throws -> Document {
        var update = update
        var set = update["$set"]?.documentValue ?? [:]
        try await beforeSave?(&set)
        set["updatedAt"] = .datetime(.now())
        update["$set"] = .document(set)
        return update
    }

    // MARK: Reads

    public func find(_ filter: Document = [:], options: FindOptions = FindOptions()) async throws -> [M] {
        try await storage.find(filter, options: options).map { try Self.decode(M.self, from: $0) }
    }

    public func findOne(_ filter: Document) async throws -> M? {
        try await storage.findOne(filter).map { try Self.decode(M.self, from: $0) }
    }

    public func findById(_ id: ObjectId) async throws -> M? {
        try await findOne(["_id": .objectId(id)])
    }

    /// The first match decoded as a *view* of the model, a type with fewer fields, reading
    /// only what `projection` lets through: `select("-password -refreshToken")`.
    public func findOne<View: Decodable>(_ filter: Document, as view: View.Type, projection: Document) async throws
        -> View?
    {
        try await storage.findOne(filter, options: FindOptions(projection: projection)).map {
            try Self.decode(View.self, from: $0)
        }
    }

    public func count(_ filter: Document = [:]) async throws -> Int {
        try await storage.countDocuments(filter)
    }

    public func aggregate(_ pipeline: [Document]) async throws -> [Document] {
        try await storage.aggregate(pipeline)
    }

    /// A stored document read as `T`. One that does not fit (written by other code, or by hand)
    /// is the server's problem, not the client's: `StoredDocumentError`, a 500 whose detail
    /// (the field at fault) goes to the log only.
    public static func decode<T: Decodable>(_ type: T.Type, from document: Document) throws(StoredDocumentError) -> T {
        do {
            return try BSONDecoder().decode(T.self, from: document)
        } catch {
            throw StoredDocumentError(collection: M.collectionName, id: document["_id"], detail: "\(error)")
        }
    }
}

/// A document in the database that does not fit its model.
public struct StoredDocumentError: Error, CustomStringConvertible {
    public let collection: String
    public let id: BSONValue?
    public let detail: String
    public var description: String {
        "a document in \(collection) (_id \(id.map { $0.json(.relaxedExtended) } ?? "none")) "
            + "does not fit its model: \(detail)"
    }
}
