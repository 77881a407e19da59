// Runs one conformance case against any storage backend, recording each difference as a test
// issue that names the case and its source.

import BSON
import Storage
import Testing

extension Conformance {
    public static func check(_ c: ConformanceCase, on database: any StorageDatabase) async throws {
        guard let collation = c.collation else { return try await run(c, on: database) }
        try await QueryCollation.$current.withValue(try Document(extendedJSON: collation)) { try await run(c, on: database) }
    }

    static func run(_ c: ConformanceCase, on database: any StorageDatabase) async throws {
        let collection = database.collection("conf_\(ObjectId().hex)")
        let foreign = database.collection(collection.name + "_f")
        let context = Comment(rawValue: "\(c.name) — \(c.source)")
        try await QueryCollation.$current.withValue(nil) { try await setUp(c, collection, foreign) }  // the collation is the operation's
        try await operate(c, collection, foreign, context)
        try await QueryCollation.$current.withValue(nil) {
            try await collection.drop()
            try await foreign.drop()
        }
    }

    static func setUp(_ c: ConformanceCase, _ collection: any StorageCollection, _ foreign: any StorageCollection) async throws {
        try await collection.insertMany(try documents(c.documents))
        if let f = c.foreign { try await foreign.insertMany(try documents(f)) }
        for index in c.indexes {
            let spec = try Document(extendedJSON: index)
            guard case .document(let keys)? = spec["key"] else {
                _ = try await collection.createIndex(spec, options: IndexOptions())
                continue
            }
            let options = IndexOptions(
                unique: spec["unique"] == true, sparse: spec["sparse"] == true,
                partialFilterExpression: spec["partialFilterExpression"]?.documentValue,
                expireAfterSeconds: spec["expireAfterSeconds"]?.int64Value.map(Int.init))
            _ = try await collection.createIndex(keys, options: options)
        }
    }

    static func operate(_ c: ConformanceCase, _ collection: any StorageCollection, _ foreign: any StorageCollection, _ context: Comment)
        async throws
    {
        switch c.operation {
        case .find(let filter, let sort, let skip, let limit, let ids, let ordered):
            let found = try await collection.find(
                try Document(extendedJSON: filter),
                options: FindOptions(sort: try sort.map(Document.init(extendedJSON:)), skip: skip, limit: limit))
            let got = found.map { Int($0["_id"]?.int64Value ?? -1) }
            #expect((ordered ? got : got.sorted()) == ids, context)
        case .project(let id, let projection, let expected):
            let found = try await collection.find(
                ["_id": .int32(Int32(id))], options: FindOptions(projection: try Document(extendedJSON: projection)))
            #expect(found.map(normalized) == [normalized(try Document(extendedJSON: expected))], context)
        case .update(let kind, let filter, let update, let upsert, let matched, let modified, let after):
            let f = try Document(extendedJSON: filter), u = try updateDocument(update)
            let options = UpdateOptions(upsert: upsert)
            let result: UpdateResult
            switch kind {
            case .one: result = try await collection.updateOne(f, u, options: options)
            case .many: result = try await collection.updateMany(f, u, options: options)
            case .replace: result = try await collection.replaceOne(f, u, options: options)
            }
            if let matched { #expect(result.matchedCount == matched, context) }
            if let modified { #expect(result.modifiedCount == modified, context) }
            let all = try await collection.find([:], options: FindOptions(sort: ["_id": 1]))
            #expect(all.map(normalized) == (try documents(after)).map(normalized), context)
        case .findAndModify(let filter, let update, let upsert, let returnNew, let value, let after):
            let returned = try await collection.findOneAndUpdate(
                try Document(extendedJSON: filter), try updateDocument(update),
                options: FindOneAndUpdateOptions(returnDocument: returnNew ? .after : .before, upsert: upsert))
            #expect(returned.map(normalized) == (try value.map { try Document(extendedJSON: $0) }).map(normalized), context)
            let all = try await collection.find([:], options: FindOptions(sort: ["_id": 1]))
            #expect(all.map(normalized) == (try documents(after)).map(normalized), context)
        case .aggregateInto(let pipeline, let target):
            let stages = try documents(pipeline.replacingOccurrences(of: "\"FOREIGN\"", with: "\"\(foreign.name)\""))
            #expect(try await collection.aggregate(stages).isEmpty, context)
            let written = try await foreign.find([:], options: FindOptions(sort: ["_id": 1]))
            #expect(written.map(normalized) == (try documents(target)).map(normalized), context)
        case .arrayUpdate(let many, let filter, let update, let arrayFilters, let after):
            let f = try Document(extendedJSON: filter), u = try Document(extendedJSON: update)
            let options = UpdateOptions(arrayFilters: try documents(arrayFilters))
            _ = many ? try await collection.updateMany(f, u, options: options) : try await collection.updateOne(f, u, options: options)
            let all = try await collection.find([:], options: FindOptions(sort: ["_id": 1]))
            #expect(all.map(normalized) == (try documents(after)).map(normalized), context)
        case .aggregate(let pipeline, let expected):
            let stages = try documents(pipeline.replacingOccurrences(of: "\"FOREIGN\"", with: "\"\(foreign.name)\""))
            let got = try await collection.aggregate(stages)
            #expect(got.map(normalized) == (try documents(expected)).map(normalized), context)
        case .delete(let many, let filter, let deleted, let remaining):
            let f = try Document(extendedJSON: filter)
            let n = many ? try await collection.deleteMany(f) : try await collection.deleteOne(f)
            #expect(n == deleted, context)
            let left = try await collection.find([:], options: FindOptions(sort: ["_id": 1])).map { Int($0["_id"]?.int64Value ?? -1) }
            #expect(left == remaining, context)
        case .error(let failing, let code):
            let error = await storageError { () async throws(StorageError) in
                switch failing {
                case .find(let filter, let projection):
                    let options = FindOptions(projection: projection.flatMap { try? Document(extendedJSON: $0) })
                    _ = try await collection.find((try? Document(extendedJSON: filter)) ?? [:], options: options)
                case .update(let filter, let update):
                    _ = try await collection.updateOne((try? Document(extendedJSON: filter)) ?? [:], (try? updateDocument(update)) ?? [:])
                case .aggregate(let pipeline):
                    _ = try await collection.aggregate((try? documents(pipeline)) ?? [])
                case .arrayUpdate(let filter, let update, let arrayFilters):
                    _ = try await collection.updateOne(
                        (try? Document(extendedJSON: filter)) ?? [:], (try? Document(extendedJSON: update)) ?? [:],
                        options: UpdateOptions(arrayFilters: (try? documents(arrayFilters)) ?? []))
                }
            }
            guard case .invalidQuery(let gotCode, _)? = error else {
                Issue.record("expected an invalid-query error, got \(String(describing: error))", )
                break
            }
            if let code { #expect(gotCode == code, context) }
        }
    }

    /// An update in a row: a JSON object (operators, or a replacement), or a JSON array of
    /// stages, a pipeline-style update.
    static func updateDocument(_ json: String) throws -> Document {
        json.hasPrefix("[") ? Document(pipeline: try documents(json)) : try Document(extendedJSON: json)
    }

    static func documents(_ json: String) throws -> [Document] {
        guard case .array(let items) = try BSONValue(extendedJSON: json) else { throw BSONError("expected a JSON array") }
        return items.compactMap(\.documentValue)
    }

    /// int32 and int64 compared as one type: backends may widen an integer result.
    static func normalized(_ d: Document) -> Document {
        Document(d.map { (key: $0.key, value: normalized($0.value)) })
    }

    static func normalized(_ v: BSONValue) -> BSONValue {
        switch v {
        case .int32(let i): .int64(Int64(i))
        case .document(let d): .document(normalized(d))
        case .array(let a): .array(a.map(normalized))
        default: v
        }
    }
}
