// Options and results of the storage operations, named as in MongoDB's CRUD specification.

import BSON

public struct FindOptions: Sendable, Equatable {
    /// Sort spec, applied key by key: `["createdAt": -1, "_id": 1]`.
    public var sort: Document?
    public var skip: Int?
    public var limit: Int?
    /// Inclusion (`["title": 1]`) or exclusion (`["password": 0]`) projection.
    public var projection: Document?
    /// How many documents a MongoDB server sends per round trip (a tuning knob only).
    public var batchSize: Int?

    public init(sort: Document? = nil, skip: Int? = nil, limit: Int? = nil, projection: Document? = nil, batchSize: Int? = nil) {
        self.sort = sort
        self.skip = skip
        self.limit = limit
        self.projection = projection
        self.batchSize = batchSize
    }
}

public struct UpdateOptions: Sendable, Equatable {
    /// Insert a document built from the filter and the update when nothing matches.
    public var upsert: Bool
    /// The filters of `$[<identifier>]` in update paths (`[{"elem.grade": {"$gte": 85}}]`).
    public var arrayFilters: [Document]?
    /// Which document a single update or replacement changes when several match (MongoDB 8.0's
    /// `sort` on updateOne and replaceOne); nil: the first in natural order.
    public var sort: Document?
    public init(upsert: Bool = false, arrayFilters: [Document]? = nil, sort: Document? = nil) {
        self.upsert = upsert
        self.arrayFilters = arrayFilters
        self.sort = sort
    }
}

public struct UpdateResult: Sendable, Equatable {
    public var matchedCount: Int
    public var modifiedCount: Int
    /// The `_id` of the inserted document when an upsert inserted one.
    public var upsertedId: BSONValue?
    public init(matchedCount: Int, modifiedCount: Int, upsertedId: BSONValue? = nil) {
        self.matchedCount = matchedCount
        self.modifiedCount = modifiedCount
        self.upsertedId = upsertedId
    }
}

public struct FindOneAndUpdateOptions: Sendable, Equatable {
    public enum ReturnDocument: Sendable, Equatable { case before, after }
    public var returnDocument: ReturnDocument
    public var upsert: Bool
    /// Which document to pick when several match.
    public var sort: Document?
    public var projection: Document?

    /// The filters of `$[<identifier>]` in update paths.
    public var arrayFilters: [Document]?

    public init(
        returnDocument: ReturnDocument = .after, upsert: Bool = false, sort: Document? = nil, projection: Document? = nil,
        arrayFilters: [Document]? = nil
    ) {
        self.returnDocument = returnDocument
        self.upsert = upsert
        self.sort = sort
        self.projection = projection
        self.arrayFilters = arrayFilters
    }
}

public struct IndexOptions: Sendable, Equatable {
    public var unique: Bool
    /// Defaults to MongoDB's own naming: `email_1`, `subscriber_1_channel_1`.
    public var name: String?
    /// Only documents that have the indexed field are indexed (and held to `unique`).
    public var sparse: Bool
    /// Only documents that match this filter are indexed (and held to `unique`).
    public var partialFilterExpression: Document?
    /// A TTL index: a document whose date in the indexed field is this many seconds in the past
    /// is deleted by the store's TTL monitor.
    public var expireAfterSeconds: Int?
    /// The index's collation: its keys, and its uniqueness, follow that locale's rules.
    public var collation: Document?

    public init(
        unique: Bool = false, name: String? = nil, sparse: Bool = false, partialFilterExpression: Document? = nil,
        expireAfterSeconds: Int? = nil, collation: Document? = nil
    ) {
        self.collation = collation
        self.unique = unique
        self.name = name
        self.sparse = sparse
        self.partialFilterExpression = partialFilterExpression
        self.expireAfterSeconds = expireAfterSeconds
    }

    /// The options beyond `unique` and `name`, as MongoDB's index documents spell them.
    public var extra: Document {
        var d = Document()
        if sparse { d["sparse"] = true }
        if let partialFilterExpression { d["partialFilterExpression"] = .document(partialFilterExpression) }
        if let expireAfterSeconds { d["expireAfterSeconds"] = .int32(Int32(clamping: expireAfterSeconds)) }
        if let collation { d["collation"] = .document(collation) }
        return d
    }

    /// MongoDB's default index name for a key pattern.
    public static func defaultName(for keys: Document) -> String {
        keys.map { key, value in
            let direction: String
            switch value {
            case .string(let s): direction = s
            default: direction = value.int64Value.map(String.init) ?? value.json(.relaxedExtended)
            }
            return "\(key)_\(direction)"
        }.joined(separator: "_")
    }
}

/// A collection's document validation (MongoDB's `validator`, `validationLevel`,
/// `validationAction`): a query that every document written must match.
public struct CollectionOptions: Sendable, Equatable {
    /// A filter in MongoDB's query language; nil: no validation.
    public var validator: Document?
    /// "strict" (every insert and update, the default), "moderate" (updates of documents that
    /// were valid), or "off".
    public var validationLevel: String?
    /// "error" (refuse the write, the default) or "warn" (write it anyway).
    public var validationAction: String?

    public init(validator: Document? = nil, validationLevel: String? = nil, validationAction: String? = nil) {
        self.validator = validator
        self.validationLevel = validationLevel
        self.validationAction = validationAction
    }

    /// As MongoDB's `create` and `collMod` spell them.
    public var document: Document {
        var d = Document()
        if let validator { d["validator"] = .document(validator) }
        if let validationLevel { d["validationLevel"] = .string(validationLevel) }
        if let validationAction { d["validationAction"] = .string(validationAction) }
        return d
    }
}

/// `bypassDocumentValidation`, carried by the task like the time limit: while it is true, this
/// task's writes skip their collections' validators.
public enum DocumentValidation {
    @TaskLocal public static var bypass = false
}
