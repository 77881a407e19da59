// Writes: insert, update, delete and findAndModify, with MongoDB's reply shapes (`n`,
// `nModified`, `upserted`, `writeErrors` per document, `lastErrorObject`).

import BSON
import Foundation
import Storage

extension CommandProcessor {
    func insert(_ cmd: Document, _ db: String) async throws -> Document {
        let collection = try self.collection(cmd, "insert", db)
        try await refuseIfView(db, collection.name)
        let ordered = cmd["ordered"].map(Self.truthy) ?? true
        // Give every document its _id here, as drivers do, so a failed batch can say which one failed.
        let docs: [Document] = (cmd["documents"]?.arrayValue ?? []).compactMap(\.documentValue).map { doc in
            doc["_id"] == nil ? Document([(key: "_id", value: .objectId(ObjectId()))] + doc.elements) : doc
        }
        var writeErrors: [BSONValue] = []
        var inserted = 0
        if ordered {
            do {
                try await collection.insertMany(docs)
                inserted = docs.count
            } catch {
                // Ordered: every document before the failing one was inserted. Which one failed?
                // A duplicate _id names it; otherwise it is the first document not stored.
                let failed: Int
                if case .duplicateKey(let info) = error, info.keyPattern == ["_id": 1], let id = info.keyValue?["_id"] {
                    failed = docs.firstIndex { $0["_id"] == id } ?? 0
                } else {
                    let ids = docs.map { $0["_id"]! }
                    let stored = Set(
                        try await collection.find(["_id": ["$in": .array(ids)]], options: FindOptions(projection: ["_id": 1])).compactMap {
                            $0["_id"]
                        })
                    failed = docs.firstIndex { !stored.contains($0["_id"]!) } ?? docs.count
                }
                inserted = failed
                writeErrors.append(.document(Self.writeError(index: failed, error)))
            }
        } else {
            for (index, doc) in docs.enumerated() {
                do {
                    try await collection.insertOne(doc)
                    inserted += 1
                } catch {
                    writeErrors.append(.document(Self.writeError(index: index, error)))
                }
            }
        }
        return Self.writeReply(["n": .int32(Int32(inserted))], writeErrors)
    }

    /// An update's `arrayFilters`: an array of documents, when given.
    static func arrayFilters(_ spec: Document) throws -> [Document]? {
        guard let value = spec["arrayFilters"] else { return nil }
        guard case .array(let items) = value else { throw CommandError(14, "TypeMismatch", "arrayFilters must be an array") }
        return try items.map { item in
            guard case .document(let d) = item else { throw CommandError(14, "TypeMismatch", "each array filter must be an object") }
            return d
        }
    }

    /// An update as the storage takes it: a document (operators or a replacement), or a
    /// pipeline (an array of stages) as `Document(pipeline:)`.
    static func updateDocument(_ value: BSONValue?) throws -> Document {
        switch value {
        case .document(let document)?:
            return document
        case .array(let items)?:
            return Document(
                pipeline: try items.map { item in
                    guard case .document(let stage) = item else {
                        throw CommandError(14, "TypeMismatch", "each stage of an update pipeline must be an object")
                    }
                    return stage
                })
        default:
            throw CommandError(9, "FailedToParse", "the update must be an object or an array of pipeline stages")
        }
    }

    func update(_ cmd: Document, _ db: String) async throws -> Document {
        let collection = try self.collection(cmd, "update", db)
        try await refuseIfView(db, collection.name)
        let ordered = cmd["ordered"].map(Self.truthy) ?? true
        var n = 0, modified = 0
        var upserted: [BSONValue] = [], writeErrors: [BSONValue] = []
        let lets = try LetVariables(cmd)
        for (index, item) in (cmd["updates"]?.arrayValue ?? []).enumerated() {
            do {
                guard let spec = item.documentValue else { throw CommandError(14, "TypeMismatch", "each update must be an object") }
                var filter = spec["q"]?.documentValue ?? [:]
                var u = try Self.updateDocument(spec["u"])
                if let lets {
                    filter = lets.filter(filter)
                    if let stages = u.pipelineStages { u = Document(pipeline: lets.pipeline(stages)) }
                }
                let multi = spec["multi"].map(Self.truthy) ?? false
                let sort = spec["sort"]?.documentValue
                if sort != nil && multi { throw CommandError(72, "InvalidOptions", "Cannot specify sort with multi=true") }
                let options = UpdateOptions(
                    upsert: spec["upsert"].map(Self.truthy) ?? false, arrayFilters: try Self.arrayFilters(spec), sort: sort)
                let isReplacement = u.pipelineStages == nil && !(u.first?.key.hasPrefix("$") ?? false)
                if isReplacement && multi { throw CommandError(9, "FailedToParse", "multi update is not supported for replacement-style update") }
                let result = try await QueryCollation.$current.withValue(try Self.collation(spec) ?? QueryCollation.current) {
                    isReplacement
                        ? try await collection.replaceOne(filter, u, options: options)
                        : multi
                            ? try await collection.updateMany(filter, u, options: options)
                            : try await collection.updateOne(filter, u, options: options)
                }
                n += result.matchedCount
                modified += result.modifiedCount
                if let id = result.upsertedId {
                    n += 1
                    upserted.append(["index": .int32(Int32(index)), "_id": id])
                }
            } catch {
                writeErrors.append(.document(Self.writeError(index: index, error)))
                if ordered { break }
            }
        }
        var counts: Document = ["n": .int32(Int32(n)), "nModified": .int32(Int32(modified))]
        if !upserted.isEmpty { counts["upserted"] = .array(upserted) }
        return Self.writeReply(counts, writeErrors)
    }

    func delete(_ cmd: Document, _ db: String) async throws -> Document {
        let collection = try self.collection(cmd, "delete", db)
        try await refuseIfView(db, collection.name)
        let ordered = cmd["ordered"].map(Self.truthy) ?? true
        var n = 0
        var writeErrors: [BSONValue] = []
        let lets = try LetVariables(cmd)
        for (index, item) in (cmd["deletes"]?.arrayValue ?? []).enumerated() {
            do {
                guard let spec = item.documentValue else { throw CommandError(14, "TypeMismatch", "each delete must be an object") }
                var filter = spec["q"]?.documentValue ?? [:]
                if let lets { filter = lets.filter(filter) }
                n += try await QueryCollation.$current.withValue(try Self.collation(spec) ?? QueryCollation.current) {
                    spec["limit"]?.int64Value == 1 ? try await collection.deleteOne(filter) : try await collection.deleteMany(filter)
                }
            } catch {
                writeErrors.append(.document(Self.writeError(index: index, error)))
                if ordered { break }
            }
        }
        return Self.writeReply(["n": .int32(Int32(n))], writeErrors)
    }

    /// A write command's reply: its counts, then `writeErrors` when there were any, then ok.
    static func writeReply(_ counts: Document, _ writeErrors: [BSONValue]) -> Document {
        var reply = counts
        if !writeErrors.isEmpty { reply["writeErrors"] = .array(writeErrors) }
        reply["ok"] = 1.0
        return reply
    }

    func findAndModify(_ cmd: Document, _ db: String) async throws -> Document {
        let collection = try self.collection(cmd, cmd.first!.key, db)
        try await refuseIfView(db, collection.name)
        let lets = try LetVariables(cmd)
        let query = lets.map { $0.filter(cmd["query"]?.documentValue ?? [:]) } ?? cmd["query"]?.documentValue ?? [:]
        let returnNew = cmd["new"].map(Self.truthy) ?? false
        let fields = cmd["fields"]?.documentValue
        if cmd["remove"].map(Self.truthy) == true {
            guard let found = try await collection.findOne(query, options: FindOptions(sort: cmd["sort"]?.documentValue)) else {
                return ["lastErrorObject": ["n": 0], "value": .null, "ok": 1.0]
            }
            let id = found["_id"] ?? .null
            // The storage applies the projection; read the document through it before deleting it.
            let shown = fields == nil ? found : try await collection.findOne(["_id": id], options: FindOptions(projection: fields)) ?? found
            try await collection.deleteOne(["_id": id])
            return ["lastErrorObject": ["n": 1], "value": .document(shown), "ok": 1.0]
        }
        guard cmd["update"] != nil else { throw CommandError(9, "FailedToParse", "Either an update or remove=true must be specified") }
        // Operators, a pipeline, or a replacement document (findOneAndReplace): the store tells them apart.
        var update = try Self.updateDocument(cmd["update"])
        if let lets, let stages = update.pipelineStages { update = Document(pipeline: lets.pipeline(stages)) }
        let upsert = cmd["upsert"].map(Self.truthy) ?? false
        let existed = try await collection.countDocuments(query) > 0
        let value = try await collection.findOneAndUpdate(
            query, update,
            options: FindOneAndUpdateOptions(
                returnDocument: returnNew ? .after : .before, upsert: upsert, sort: cmd["sort"]?.documentValue, projection: fields,
                arrayFilters: try Self.arrayFilters(cmd)))
        var lastError: Document = ["n": .int32(value != nil || (upsert && !existed) ? 1 : 0), "updatedExisting": .bool(existed)]
        if upsert && !existed, let id = value?["_id"] { lastError["upserted"] = id }
        return ["lastErrorObject": .document(lastError), "value": value.map(BSONValue.document) ?? .null, "ok": 1.0]
    }
}
