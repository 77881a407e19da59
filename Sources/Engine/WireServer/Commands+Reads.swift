// Reads: find, count, distinct and aggregate, with their cursors (getMore, killCursors), and
// explain. Every read goes through the `Storage` interface.

import BSON
import Foundation
import Storage

extension CommandProcessor {
    func runReads(_ name: String, _ cmd: Document, _ db: String) async throws -> Document {
        switch name {
        case "find":
            let collection = try self.collection(cmd, name, db)
            let skip = try Self.nonNegative(cmd, "skip"), limit = try Self.nonNegative(cmd, "limit")
            _ = try Self.nonNegative(cmd, "batchSize")
            var options = FindOptions(sort: cmd["sort"]?.documentValue, skip: skip, projection: cmd["projection"]?.documentValue)
            if let limit, limit != 0 { options.limit = limit }
            var filter = cmd["filter"]?.documentValue ?? [:]
            if let lets = try LetVariables(cmd) { filter = lets.filter(filter) }
            let docs: [Document]
            if let view = try await resolveView(db, collection.name) {
                var stages = view.pipeline + [["$match": .document(filter)]]
                if let sort = options.sort { stages.append(["$sort": .document(sort)]) }
                if let skip = options.skip { stages.append(["$skip": .int64(Int64(skip))]) }
                if let limit = options.limit { stages.append(["$limit": .int64(Int64(limit))]) }
                if let projection = options.projection { stages.append(["$project": .document(projection)]) }
                docs = try await storage.database(db).collection(view.source).aggregate(stages)
            } else {
                docs = try await collection.find(filter, options: options)
            }
            let single = cmd["singleBatch"].map(Self.truthy) == true
            return await cursorReply(namespace: "\(db).\(collection.name)", docs, batchSize: single ? 0 : Self.batchSize(cmd), single: single)
        case "explain":
            // Of a find: the plan and its figures (the verbosity asked for is always answered in full).
            guard case .document(let inner)? = cmd["explain"], case .string(let coll)? = inner["find"] else {
                let what = cmd["explain"]?.documentValue?.first?.key ?? "that command"
                throw CommandError(2, "BadValue", "explain of \(what) is not supported by the embedded store: explain a find")
            }
            let skip = try Self.nonNegative(inner, "skip"), limit = try Self.nonNegative(inner, "limit")
            var options = FindOptions(sort: inner["sort"]?.documentValue, skip: skip, projection: inner["projection"]?.documentValue)
            if let limit, limit != 0 { options.limit = limit }
            return try await storage.database(db).collection(coll).explain(inner["filter"]?.documentValue ?? [:], options: options)
        case "getMore":
            guard let id = cmd[name]?.int64Value else { throw CommandError(14, "TypeMismatch", "getMore cursor id must be a long") }
            guard let next = await cursors.next(id, batchSize: Int(cmd["batchSize"]?.int64Value ?? 0)) else {
                throw CommandError(43, "CursorNotFound", "cursor id \(id) not found")
            }
            return [
                "cursor": [
                    "nextBatch": .array(next.batch.map(BSONValue.document)), "id": .int64(next.open ? id : 0),
                    "ns": .string(next.namespace),
                ], "ok": 1.0,
            ]
        case "killCursors":
            var killed: [BSONValue] = [], notFound: [BSONValue] = []
            for id in cmd["cursors"]?.arrayValue ?? [] {
                guard let n = id.int64Value else { continue }
                if await cursors.kill(n) { killed.append(.int64(n)) } else { notFound.append(.int64(n)) }
            }
            return ["cursorsKilled": .array(killed), "cursorsNotFound": .array(notFound), "cursorsAlive": [], "cursorsUnknown": [], "ok": 1.0]
        case "count":
            let collection = try self.collection(cmd, name, db)
            var n: Int
            if let view = try await resolveView(db, collection.name) {
                let stages = view.pipeline + [["$match": .document(cmd["query"]?.documentValue ?? [:])], ["$count": "n"]]
                let counted = try await storage.database(db).collection(view.source).aggregate(stages)
                n = Int(counted.first?["n"]?.int64Value ?? 0)
            } else {
                n = try await collection.countDocuments(cmd["query"]?.documentValue ?? [:])
            }
            if let skip = try Self.nonNegative(cmd, "skip") { n = max(0, n - skip) }
            // count's limit may be negative (the legacy "single batch" sign): its size counts.
            if let limit = cmd["limit"]?.int64Value, limit != 0 { n = min(n, Int(clamping: limit.magnitude)) }
            return ["n": .int64(Int64(n)), "ok": 1.0]
        case "aggregate":
            guard case .array(let stages)? = cmd["pipeline"] else { throw CommandError(14, "TypeMismatch", "'pipeline' must be an array") }
            if cmd["explain"] != nil { throw CommandError(115, "CommandNotSupported", "explain is not supported by this server") }
            var pipeline = try stages.map { stage -> Document in
                guard case .document(let d) = stage else { throw CommandError(14, "TypeMismatch", "each pipeline stage must be an object") }
                return d
            }
            let collectionName: String
            switch cmd[name] {
            case .string(let given)?:
                collectionName = given
            case let one? where one.int64Value == 1:
                // `aggregate: 1`, on the database: its first stage supplies the documents.
                pipeline = try Self.databaseLevel(pipeline, session: cmd["lsid"])
                collectionName = Self.noCollection
            default:
                throw CommandError(73, "InvalidNamespace", "aggregate needs a collection name, or 1 for the database")
            }
            if let lets = try LetVariables(cmd) { pipeline = lets.pipeline(pipeline) }
            var source = collectionName
            if collectionName != Self.noCollection, let view = try await resolveView(db, collectionName) {
                (source, pipeline) = (view.source, view.pipeline + pipeline)
            }
            let docs = try await storage.database(db).collection(source).aggregate(pipeline)
            let batchSize = Int(cmd["cursor"]?.documentValue?["batchSize"]?.int64Value ?? 101)
            return await cursorReply(namespace: "\(db).\(collectionName)", docs, batchSize: batchSize)
        case "distinct":
            let collection = try self.collection(cmd, name, db)
            guard let key = cmd["key"]?.stringValue else { throw CommandError(14, "TypeMismatch", "'key' must be a string") }
            let view = try await resolveView(db, collection.name)
            let grouped = try await storage.database(db).collection(view?.source ?? collection.name).aggregate(
                (view?.pipeline ?? []) + [
                    ["$match": .document(cmd["query"]?.documentValue ?? [:])],
                    ["$project": ["v": .string("$" + key)]], ["$unwind": "$v"],
                    ["$group": ["_id": "$v"]], ["$sort": ["_id": 1]],
                ]
            )
            return ["values": .array(grouped.compactMap { $0["_id"] }), "ok": 1.0]
        default: preconditionFailure("not a command of this family: \(name)")
        }
    }

    /// The collection a database-level aggregate runs on: its first stage replaces whatever the
    /// collection holds (it need not exist, and is not created).
    static let noCollection = "__database_aggregate__"

    /// A database-level pipeline starts with a stage that makes its documents: `$documents`, or
    /// `$listLocalSessions`, whose one session here is the command's own (the server keeps no
    /// other session state).
    static func databaseLevel(_ pipeline: [Document], session: BSONValue?) throws -> [Document] {
        guard let first = pipeline.first?.first?.key else {
            throw CommandError(73, "InvalidNamespace", "a database-level aggregate needs a first stage that makes documents")
        }
        switch first {
        case "$documents":
            return pipeline
        case "$listLocalSessions":
            let sessions: [BSONValue] = session.map { [["_id": $0, "lastUse": .datetime(.now())]] } ?? []
            return [["$documents": .array(sessions)]] + pipeline.dropFirst()
        default:
            throw CommandError(73, "InvalidNamespace", "\(first) cannot start a database-level aggregate: use $documents")
        }
    }
}
