// Chapter 04 — models: what a document in each collection looks like, and the rules it keeps.
//
// The course declares each model with a mongoose `Schema` and `mongoose.model("User", schema)`.
// Here a model is a `Codable` Swift struct whose property names are the document's field
// names (`fullName`, `watchHistory`, `isPublished`), so a database written by the Node
// version reads as is, and the struct is the schema:
//
// | mongoose                         | Swift                                              |
// |----------------------------------|----------------------------------------------------|
// | `type: String, required: true`   | a non-optional `String` plus a `TextRule`          |
// | `trim: true`, `lowercase: true`  | the rule normalises the value in `validate()`      |
// | `unique: true`, `index: true`    | `indexes`, created at start-up by `Collections`    |
// | `{timestamps: true}`             | `createdAt` / `updatedAt`, set by `ModelCollection`|
// | `Schema.Types.ObjectId, ref`     | an `ObjectId` field, joined with `$lookup`         |
// | `userSchema.pre("save", …)`      | a `BeforeSave` hook on the collection (chapter 05) |

import BSON
import Storage

public protocol Model: Codable, Sendable {
    /// The MongoDB collection: mongoose's pluralised, lowercased model name, so `User` → `users`.
    static var collectionName: String { get }
    /// The indexes this collection needs: unique keys, and the fields queries look up by.
    static var indexes: [IndexModel] { get }

    var _id: ObjectId { get }
    var createdAt: BSONDate { get set }
    var updatedAt: BSONDate { get set }

    /// Normalises the fields (trim, lowercase) and checks every rule, throwing one error that
    /// names each field at fault.
    mutating func validate() throws(ValidationError)
}

/// An index a model asks for: `["subscriber": 1, "channel": 1]`, unique or not, or a TTL index
/// whose documents the database deletes once their date is past.
public struct IndexModel: Sendable {
    public var keys: Document
    public var unique: Bool
    /// A TTL index: seconds after the date in its one field when the database deletes the document.
    public var expireAfterSeconds: Int?

    public static func unique(_ keys: Document) -> IndexModel { IndexModel(keys: keys, unique: true) }
    public static func lookup(_ keys: Document) -> IndexModel { IndexModel(keys: keys, unique: false) }
    /// MongoDB's TTL index, `expireAfterSeconds`, served by the embedded store as well.
    public static func expiring(_ field: String, afterSeconds: Int = 0) -> IndexModel {
        IndexModel(keys: [field: 1], unique: false, expireAfterSeconds: afterSeconds)
    }

    /// The options to create it with.
    public var options: IndexOptions { IndexOptions(unique: unique, expireAfterSeconds: expireAfterSeconds) }
}
