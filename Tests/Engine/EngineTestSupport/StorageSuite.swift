// One operation suite for every storage backend: the same calls, the same expected results.
// MongoDB (when `MONGODB_TEST_URI` is set) runs it, and so does every other backend, which is
// how "the same queries run on both" is checked rather than hoped for.

import BSON
import Storage
import Testing

public enum StorageSuite {
    /// A fresh, uniquely named collection in `database`, dropped by the suite when done.
    public static func run(on database: any StorageDatabase) async throws {
        let users = database.collection("suite_users_\(ObjectId().hex)")
        defer { Task { try? await users.drop() } }

        // insertOne adds an ObjectId _id and returns it.
        let aliceId = try await users.insertOne(["username": "alice", "email": "alice@example.com", "age": 30])
        #expect(aliceId.objectIdValue != nil)
        try await users.insertMany([
            ["username": "bob", "email": "bob@example.com", "age": 25],
            ["username": "carol", "email": "carol@example.com", "age": 35],
        ])

        // find with filter, sort, skip, limit and projection.
        let page = try await users.find(
            ["age": ["$gte": 25]],
            options: FindOptions(sort: ["age": -1], skip: 1, limit: 1, projection: ["username": 1, "_id": 0])
        )
        #expect(page == [["username": "alice"]])

        let alice = try await users.findOne(["_id": aliceId])
        #expect(alice?["email"] == "alice@example.com")
        #expect(try await users.countDocuments(["age": ["$lt": 31]]) == 2)

        // A unique index turns a second "alice@example.com" into a typed duplicate-key error.
        let indexName = try await users.createIndex(["email": 1], unique: true)
        #expect(indexName == "email_1")
        let indexes = try await users.listIndexes()
        #expect(indexes.contains { $0["name"] == "email_1" && $0["unique"] == true })
        let duplicate = await storageError { () async throws(StorageError) in
            try await users.insertOne(["username": "alice2", "email": "alice@example.com"])
        }
        guard case .duplicateKey(let info)? = duplicate else {
            Issue.record("a duplicate email gave \(String(describing: duplicate))")
            return
        }
        #expect(info.field == "email")

        // updateOne, upsert, updateMany.
        let updated = try await users.updateOne(["username": "bob"], ["$inc": ["age": 1], "$set": ["city": "Pune"]])
        #expect(updated.matchedCount == 1 && updated.modifiedCount == 1)
        let upserted = try await users.updateOne(
            ["username": "dave"], ["$set": ["email": "dave@example.com"]], options: UpdateOptions(upsert: true))
        #expect(upserted.matchedCount == 0 && upserted.upsertedId?.objectIdValue != nil)
        let many = try await users.updateMany(["age": ["$exists": true]], ["$set": ["verified": true]])
        #expect(many.matchedCount == 3)

        // findOneAndUpdate returns the document after (or before) the change.
        let after = try await users.findOneAndUpdate(["username": "carol"], ["$set": ["age": 36]], options: FindOneAndUpdateOptions())
        #expect(after?["age"] == 36)
        let before = try await users.findOneAndUpdate(
            ["username": "carol"], ["$set": ["age": 37]], options: FindOneAndUpdateOptions(returnDocument: .before))
        #expect(before?["age"] == 36)

        // replaceOne keeps the _id.
        let replaced = try await users.replaceOne(["_id": aliceId], ["username": "alice", "email": "alice@example.com"], options: UpdateOptions())
        #expect(replaced.modifiedCount == 1)
        #expect(try await users.findOne(["_id": aliceId])?["age"] == nil)

        // aggregate.
        let grouped = try await users.aggregate([
            ["$match": ["verified": true]],
            ["$group": ["_id": .null, "total": ["$sum": "$age"]]],
        ])
        let expectedTotal: Int64 = 26 + 37  // bob (25, +1) and carol (37)
        #expect(grouped.count == 1)
        #expect(grouped.first?["total"]?.int64Value == expectedTotal)

        // deleteOne / deleteMany.
        #expect(try await users.deleteOne(["username": "dave"]) == 1)
        #expect(try await users.deleteMany(["verified": true]) == 2)
        #expect(try await users.countDocuments([:]) == 1)

        let names = try await database.listCollectionNames()
        #expect(names.contains(users.name))
        try await users.drop()
        try await users.drop()  // dropping a missing collection is fine
        #expect(try await users.countDocuments([:]) == 0)
    }
}

extension StorageSuite {
    /// Collection validators (MongoDB's `validator`, `validationLevel`, `validationAction`,
    /// `collMod`, `bypassDocumentValidation`), on any backend; then, on collections it owns,
    /// the write options that came with them: `updateOne`'s `sort` and an index's collation.
    public static func validation(on database: any StorageDatabase) async throws {
        let name = "suite_valid_\(ObjectId().hex)"
        let people = database.collection(name)
        defer { Task { try? await people.drop() } }
        try await database.createCollection(
            name, options: CollectionOptions(validator: ["age": ["$gte": 0], "name": ["$type": "string"]]))
        try await people.insertOne(["_id": 1, "name": "asha", "age": 30])
        // A document that does not match is refused, with MongoDB's code and errInfo.
        let refused = await storageError { () async throws(StorageError) in try await people.insertOne(["_id": 2, "name": "ravi", "age": -1]) }
        guard case .documentValidation(let errInfo)? = refused else {
            Issue.record("expected a validation failure, got \(String(describing: refused))")
            return
        }
        #expect(refused?.code == 121)
        #expect(errInfo["failingDocumentId"] == 2)
        // An update whose result does not match is refused too, and changes nothing.
        let update = await storageError { () async throws(StorageError) in _ = try await people.updateOne(["_id": 1], ["$set": ["age": -5]]) }
        #expect(update?.code == 121)
        #expect(try await people.findOne(["_id": 1])?["age"] == 30)
        // bypassDocumentValidation lets one write through.
        try await DocumentValidation.$bypass.withValue(true) { try await people.insertOne(["_id": 3, "name": 7, "age": 1]) }
        // moderate: documents that were already invalid may be updated; valid ones must stay valid.
        try await database.modifyCollection(name, options: CollectionOptions(validationLevel: "moderate"))
        _ = try await people.updateOne(["_id": 3], ["$set": ["age": -1]])
        #expect(try await people.findOne(["_id": 3])?["age"] == -1)
        let moderate = await storageError { () async throws(StorageError) in _ = try await people.updateOne(["_id": 1], ["$set": ["age": -5]]) }
        #expect(moderate?.code == 121)
        // MongoDB 8.0's sort on a single update: the first match in the sort's order is changed.
        _ = try await people.updateOne(["age": ["$gte": -100]], ["$set": ["picked": true]], options: UpdateOptions(sort: ["age": 1]))
        #expect(try await people.findOne(["picked": true])?["_id"] == 3)
        // An index with a collation: its uniqueness follows the locale's rules ("ASHA" is "asha" at
        // strength 2), and a query with the same collation is answered from it.
        let tags = database.collection("suite_tags_\(ObjectId().hex)")
        defer { Task { try? await tags.drop() } }
        let strength2: Document = ["locale": "en", "strength": 2]
        _ = try await tags.createIndex(["tag": 1], options: IndexOptions(unique: true, collation: strength2))
        try await tags.insertOne(["tag": "asha"])
        let twin = await storageError { () async throws(StorageError) in try await tags.insertOne(["tag": "ASHA"]) }
        #expect(twin?.code == 11000)
        try await tags.insertOne(["tag": "ravi"])
        let found = try await QueryCollation.$current.withValue(strength2) { try await tags.find(["tag": "Asha"]) }
        #expect(found.map { $0["tag"] } == ["asha"])
        #expect(try await tags.find(["tag": "Asha"]).isEmpty)  // without the collation: byte order, no match
        // warn: the write goes through.
        try await database.modifyCollection(name, options: CollectionOptions(validationAction: "warn"))
        try await people.insertOne(["_id": 4, "name": "x", "age": -3])
        #expect(try await people.countDocuments([:]) == 3)
    }
}

/// The error `body` throws, or nil when it throws none. (Written as a helper because a
/// `catch let StorageError.case(x)` pattern inside typed-throws async code crashes the
/// Swift 6.3 compiler's SIL ownership verifier.)
public func storageError(_ body: () async throws(StorageError) -> Void) async -> StorageError? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}
