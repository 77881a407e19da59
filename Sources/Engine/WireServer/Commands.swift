// The database commands the server understands, each answered through the `Storage`
// interface: the embedded store normally, but any backend would do. Replies take MongoDB's
// shapes (`{ok: 1, ...}`, `{ok: 0, errmsg, code, codeName}`, `writeErrors`), so drivers,
// mongosh and Compass read them as they read a real server's.

import BSON
import Foundation
import Storage

struct CommandProcessor: Sendable {
    let storage: any Storage
    let cursors: CursorStore
    let connectionID: Int
    let startedAt: Date

    static let maxWireVersion: Int32 = 17  // MongoDB 6.0: what libmongoc 1.23, pymongo 4 and mongosh accept

    func run(_ command: Document) async -> Document {
        guard let name = command.first?.key else { return Self.error(9, "FailedToParse", "empty command") }
        let db = command["$db"]?.stringValue ?? "admin"
        if command["startTransaction"] != nil || command["autocommit"] != nil {
            return Self.error(20, "IllegalOperation", "Transaction numbers are only allowed on a replica set member or mongos")
        }
        do {
            // maxTimeMS (find, count, aggregate, distinct, ...): the command's query stops after
            // that long with error 50, MaxTimeMSExpired, as on MongoDB. 0 means no limit.
            if let limit = command["maxTimeMS"] {
                guard let ms = limit.int64Value, ms >= 0, ms <= Int64(Int32.max) else {
                    throw CommandError(2, "BadValue", "maxTimeMS must be a non-negative number of milliseconds")
                }
                if ms > 0 { return try await QueryTimeLimit.$perQuery.withValue(.milliseconds(ms)) { try await dispatch(name, command, db) } }
            }
            return try await dispatch(name, command, db)
        } catch let error as StorageError {
            return Self.error(error)
        } catch let error as CommandError {
            return Self.error(error.code, error.codeName, error.message)
        } catch {
            return Self.error(1, "InternalError", "\(error)")
        }
    }

    // swiftlint:disable:next cyclomatic_complexity
    private func dispatch(_ name: String, _ cmd: Document, _ db: String) async throws -> Document {
        switch name {
        case "hello", "isMaster", "ismaster":
            if let wait = Self.awaitableHelloWait(cmd) { try? await Task.sleep(for: wait) }
            return [
                "helloOk": true, "ismaster": true, "isWritablePrimary": true,
                "topologyVersion": ["processId": .objectId(Self.processId), "counter": .int64(0)],
                "maxBsonObjectSize": .int32(16 * 1024 * 1024), "maxMessageSizeBytes": .int32(Int32(WireCodec.maxMessageSize)),
                "maxWriteBatchSize": .int32(100_000), "localTime": .datetime(.now()), "logicalSessionTimeoutMinutes": 30,
                "connectionId": .int32(Int32(truncatingIfNeeded: connectionID)), "minWireVersion": 0, "maxWireVersion": .int32(Self.maxWireVersion),
                "readOnly": false, "ok": 1.0,
            ]
        case "ping", "endSessions", "killSessions", "refreshSessions":
            return ["ok": 1.0]
        case "buildInfo", "buildinfo":
            return [
                "version": "6.0.0", "gitVersion": "videotube-embedded", "versionArray": [6, 0, 0, 0], "bits": 64, "debug": false,
                "maxBsonObjectSize": .int32(16 * 1024 * 1024), "storageEngines": ["embedded"], "modules": [], "ok": 1.0,
            ]
        case "serverStatus":
            return [
                "host": .string(ProcessInfo.processInfo.hostName), "version": "6.0.0", "process": "videotube-db",
                "pid": .int64(Int64(ProcessInfo.processInfo.processIdentifier)), "uptime": .double(Date().timeIntervalSince(startedAt)),
                "uptimeMillis": .int64(Int64(Date().timeIntervalSince(startedAt) * 1000)), "localTime": .datetime(.now()),
                "connections": ["current": 1, "available": 1000], "ok": 1.0,
            ]
        case "hostInfo":
            return [
                "system": [
                    "currentTime": .datetime(.now()), "hostname": .string(ProcessInfo.processInfo.hostName), "cpuAddrSize": 64,
                    "numCores": .int32(Int32(ProcessInfo.processInfo.processorCount)),
                    "memSizeMB": .int64(Int64(ProcessInfo.processInfo.physicalMemory / 1_048_576)),
                ],
                "os": ["type": "Linux", "name": "Linux"], "extra": [:], "ok": 1.0,
            ]
        case "getParameter":
            return ["featureCompatibilityVersion": ["version": "6.0"], "ok": 1.0]
        case "getCmdLineOpts":
            return ["argv": .array(CommandLine.arguments.map(BSONValue.string)), "parsed": [:], "ok": 1.0]
        case "connectionStatus":
            return ["authInfo": ["authenticatedUsers": [], "authenticatedUserRoles": []], "ok": 1.0]
        case "getLog":
            return ["totalLinesWritten": 0, "log": [], "ok": 1.0]
        case "whatsmyuri":
            return ["you": "127.0.0.1", "ok": 1.0]
        case "saslStart", "saslContinue", "authenticate":
            throw CommandError(18, "AuthenticationFailed", "this server has no users: connect without credentials")
        case "listDatabases":
            let names = try await storage.listDatabaseNames()
            let nameOnly = cmd["nameOnly"].map(Self.truthy) ?? false
            let databases: [BSONValue] = names.map { nameOnly ? ["name": .string($0)] : ["name": .string($0), "sizeOnDisk": 0, "empty": false] }
            return ["databases": .array(databases), "totalSize": 0, "ok": 1.0]
        case "listCollections":
            var names = try await storage.database(db).listCollectionNames()
            if let wanted = cmd["filter"]?.documentValue?["name"]?.stringValue { names = names.filter { $0 == wanted } }
            let docs: [Document] = names.map {
                [
                    "name": .string($0), "type": "collection", "options": [:], "info": ["readOnly": false],
                    "idIndex": ["v": 2, "key": ["_id": 1], "name": "_id_"],
                ]
            }
            return await cursorReply(namespace: "\(db).$cmd.listCollections", docs, batchSize: Self.batchSize(cmd))
        case "create":
            try await storage.database(db).createCollection(try string(cmd, name))
            return ["ok": 1.0]
        case "drop":
            let collection = storage.database(db).collection(try string(cmd, name))
            let before = try await collection.listIndexes().count
            guard try await storage.database(db).listCollectionNames().contains(collection.name) else {
                throw CommandError(26, "NamespaceNotFound", "ns not found")
            }
            try await collection.drop()
            return ["ns": .string("\(db).\(collection.name)"), "nIndexesWas": .int32(Int32(before)), "ok": 1.0]
        case "dropDatabase":
            try await storage.database(db).drop()
            return ["dropped": .string(db), "ok": 1.0]
        case "insert":
            return try await insert(cmd, db)
        case "find":
            let collection = try self.collection(cmd, name, db)
            let skip = try Self.nonNegative(cmd, "skip"), limit = try Self.nonNegative(cmd, "limit")
            _ = try Self.nonNegative(cmd, "batchSize")
            var options = FindOptions(sort: cmd["sort"]?.documentValue, skip: skip, projection: cmd["projection"]?.documentValue)
            if let limit, limit != 0 { options.limit = limit }
            let docs = try await collection.find(cmd["filter"]?.documentValue ?? [:], options: options)
            let single = cmd["singleBatch"].map(Self.truthy) == true
            return await cursorReply(namespace: "\(db).\(collection.name)", docs, batchSize: single ? 0 : Self.batchSize(cmd), single: single)
        case "renameCollection":
            guard case .string(let from)? = cmd["renameCollection"], case .string(let to)? = cmd["to"] else {
                throw CommandError(2, "BadValue", "renameCollection and to must be namespaces (\"db.collection\")")
            }
            let source = from.split(separator: ".", maxSplits: 1).map(String.init), target = to.split(separator: ".", maxSplits: 1).map(String.init)
            guard source.count == 2, target.count == 2 else {
                throw CommandError(73, "InvalidNamespace", "Invalid namespace: \(source.count == 2 ? to : from)")
            }
            guard source[0] == target[0] else {
                throw CommandError(2, "BadValue", "renaming across databases is not supported by the embedded store")
            }
            try await storage.database(source[0]).collection(source[1]).rename(to: target[1], dropTarget: cmd["dropTarget"].map(Self.truthy) ?? false)
            return ["ok": 1.0]
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
        case "update":
            return try await update(cmd, db)
        case "delete":
            return try await delete(cmd, db)
        case "findAndModify", "findandmodify":
            return try await findAndModify(cmd, db)
        case "count":
            let collection = try self.collection(cmd, name, db)
            var n = try await collection.countDocuments(cmd["query"]?.documentValue ?? [:])
            if let skip = try Self.nonNegative(cmd, "skip") { n = max(0, n - skip) }
            // count's limit may be negative (the legacy "single batch" sign): its size counts.
            if let limit = cmd["limit"]?.int64Value, limit != 0 { n = min(n, Int(clamping: limit.magnitude)) }
            return ["n": .int64(Int64(n)), "ok": 1.0]
        case "aggregate":
            guard case .string(let collectionName)? = cmd[name] else {
                throw CommandError(73, "InvalidNamespace", "aggregate on a database is not supported; name a collection")
            }
            guard case .array(let stages)? = cmd["pipeline"] else { throw CommandError(14, "TypeMismatch", "'pipeline' must be an array") }
            if cmd["explain"] != nil { throw CommandError(115, "CommandNotSupported", "explain is not supported by this server") }
            let pipeline = try stages.map { stage -> Document in
                guard case .document(let d) = stage else { throw CommandError(14, "TypeMismatch", "each pipeline stage must be an object") }
                return d
            }
            let docs = try await storage.database(db).collection(collectionName).aggregate(pipeline)
            let batchSize = Int(cmd["cursor"]?.documentValue?["batchSize"]?.int64Value ?? 101)
            return await cursorReply(namespace: "\(db).\(collectionName)", docs, batchSize: batchSize)
        case "distinct":
            let collection = try self.collection(cmd, name, db)
            guard let key = cmd["key"]?.stringValue else { throw CommandError(14, "TypeMismatch", "'key' must be a string") }
            let grouped = try await collection.aggregate([
                ["$match": .document(cmd["query"]?.documentValue ?? [:])],
                ["$project": ["v": .string("$" + key)]], ["$unwind": "$v"],
                ["$group": ["_id": "$v"]], ["$sort": ["_id": 1]],
            ])
            return ["values": .array(grouped.compactMap { $0["_id"] }), "ok": 1.0]
        case "createIndexes":
            let collection = try self.collection(cmd, name, db)
            let existed = try await storage.database(db).listCollectionNames().contains(collection.name)
            let before = existed ? try await collection.listIndexes().count : 1
            for spec in cmd["indexes"]?.arrayValue ?? [] {
                guard let index = spec.documentValue, let keys = index["key"]?.documentValue else {
                    throw CommandError(9, "FailedToParse", "each index needs a 'key' document")
                }
                try await collection.createIndex(
                    keys,
                    options: IndexOptions(
                        unique: index["unique"].map(Self.truthy) ?? false, name: index["name"]?.stringValue,
                        sparse: index["sparse"].map(Self.truthy) ?? false, partialFilterExpression: index["partialFilterExpression"]?.documentValue,
                        expireAfterSeconds: index["expireAfterSeconds"].map { $0.doubleValue.flatMap { Int(exactly: $0.rounded(.down)) } ?? -1 }))
            }
            let after = try await collection.listIndexes().count
            return [
                "numIndexesBefore": .int32(Int32(before)), "numIndexesAfter": .int32(Int32(after)),
                "createdCollectionAutomatically": .bool(!existed), "ok": 1.0,
            ]
        case "listIndexes":
            let collection = try self.collection(cmd, name, db)
            guard try await storage.database(db).listCollectionNames().contains(collection.name) else {
                throw CommandError(26, "NamespaceNotFound", "ns does not exist: \(db).\(collection.name)")
            }
            return await cursorReply(namespace: "\(db).\(collection.name)", try await collection.listIndexes(), batchSize: Self.batchSize(cmd))
        case "dropIndexes":
            let collection = try self.collection(cmd, name, db)
            let indexes = try await collection.listIndexes()
            var names: [String] = []
            switch cmd["index"] {
            case .string("*")?: names = indexes.compactMap { $0["name"]?.stringValue }.filter { $0 != "_id_" }
            case .string(let n)?: names = [n]
            case .document(let keys)?:
                guard let match = indexes.first(where: { $0["key"] == .document(keys) })?["name"]?.stringValue else {
                    throw CommandError(27, "IndexNotFound", "can't find index with key: \(keys.json(.relaxedExtended))")
                }
                names = [match]
            case .array(let list)?: names = list.compactMap(\.stringValue)
            default: throw CommandError(9, "FailedToParse", "'index' must be a name, '*' or a key pattern")
            }
            for n in names { try await collection.dropIndex(n) }
            return ["nIndexesWas": .int32(Int32(indexes.count)), "ok": 1.0]
        default:
            throw CommandError(59, "CommandNotFound", "no such command: '\(name)'")
        }
    }

    // MARK: Writes

    private func insert(_ cmd: Document, _ db: String) async throws -> Document {
        let collection = try self.collection(cmd, "insert", db)
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

    private func update(_ cmd: Document, _ db: String) async throws -> Document {
        let collection = try self.collection(cmd, "update", db)
        let ordered = cmd["ordered"].map(Self.truthy) ?? true
        var n = 0, modified = 0
        var upserted: [BSONValue] = [], writeErrors: [BSONValue] = []
        for (index, item) in (cmd["updates"]?.arrayValue ?? []).enumerated() {
            do {
                guard let spec = item.documentValue else { throw CommandError(14, "TypeMismatch", "each update must be an object") }
                let filter = spec["q"]?.documentValue ?? [:]
                guard case .document(let u)? = spec["u"] else {
                    throw CommandError(2, "BadValue", "pipeline-style updates are not supported by this server; use update operators")
                }
                let options = UpdateOptions(upsert: spec["upsert"].map(Self.truthy) ?? false, arrayFilters: try Self.arrayFilters(spec))
                let multi = spec["multi"].map(Self.truthy) ?? false
                let isReplacement = !(u.first?.key.hasPrefix("$") ?? false)
                if isReplacement && multi { throw CommandError(9, "FailedToParse", "multi update is not supported for replacement-style update") }
                let result =
                    isReplacement
                    ? try await collection.replaceOne(filter, u, options: options)
                    : multi
                        ? try await collection.updateMany(filter, u, options: options) : try await collection.updateOne(filter, u, options: options)
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

    private func delete(_ cmd: Document, _ db: String) async throws -> Document {
        let collection = try self.collection(cmd, "delete", db)
        let ordered = cmd["ordered"].map(Self.truthy) ?? true
        var n = 0
        var writeErrors: [BSONValue] = []
        for (index, item) in (cmd["deletes"]?.arrayValue ?? []).enumerated() {
            do {
                guard let spec = item.documentValue else { throw CommandError(14, "TypeMismatch", "each delete must be an object") }
                let filter = spec["q"]?.documentValue ?? [:]
                n += spec["limit"]?.int64Value == 1 ? try await collection.deleteOne(filter) : try await collection.deleteMany(filter)
            } catch {
                writeErrors.append(.document(Self.writeError(index: index, error)))
                if ordered { break }
            }
        }
        return Self.writeReply(["n": .int32(Int32(n))], writeErrors)
    }

    /// A write command's reply: its counts, then `writeErrors` when there were any, then ok.
    private static func writeReply(_ counts: Document, _ writeErrors: [BSONValue]) -> Document {
        var reply = counts
        if !writeErrors.isEmpty { reply["writeErrors"] = .array(writeErrors) }
        reply["ok"] = 1.0
        return reply
    }

    private func findAndModify(_ cmd: Document, _ db: String) async throws -> Document {
        let collection = try self.collection(cmd, cmd.first!.key, db)
        let query = cmd["query"]?.documentValue ?? [:]
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
        guard case .document(let update)? = cmd["update"] else {
            throw CommandError(9, "FailedToParse", "Either an update or remove=true must be specified")
        }
        let upsert = cmd["upsert"].map(Self.truthy) ?? false
        guard update.first?.key.hasPrefix("$") ?? false else {
            throw CommandError(2, "BadValue", "replacement-style findAndModify is not supported by this server; use update operators")
        }
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

    // MARK: Helpers

    private func collection(_ cmd: Document, _ name: String, _ db: String) throws -> any StorageCollection {
        storage.database(db).collection(try string(cmd, name))
    }

    private func string(_ cmd: Document, _ key: String) throws -> String {
        guard case .string(let s)? = cmd[key], !s.isEmpty else {
            throw CommandError(73, "InvalidNamespace", "collection name has invalid type \(cmd[key]?.typeName ?? "missing")")
        }
        return s
    }

    private func cursorReply(namespace: String, _ documents: [Document], batchSize: Int, single: Bool = false) async -> Document {
        let first: [Document], id: Int64
        if single {
            (first, id) = (documents, 0)
        } else {
            (first, id) = await cursors.open(namespace: namespace, documents: documents, batchSize: batchSize)
        }
        return ["cursor": ["firstBatch": .array(first.map(BSONValue.document)), "id": .int64(id), "ns": .string(namespace)], "ok": 1.0]
    }

    private static func batchSize(_ cmd: Document) -> Int {
        Int(cmd["batchSize"]?.int64Value ?? cmd["cursor"]?.documentValue?["batchSize"]?.int64Value ?? 101)
    }

    /// `skip`, `limit` or `batchSize` of a find or count: a whole number, 0 or more, checked as
    /// MongoDB's command parser does (error 51024 otherwise); absent is nil.
    static func nonNegative(_ cmd: Document, _ key: String) throws -> Int? {
        guard let value = cmd[key] else { return nil }
        guard let n = value.int64Value else {
            throw CommandError(14, "TypeMismatch", "\(key) must be a number, not \(value.typeName)")
        }
        guard n >= 0 else { throw CommandError(51024, "Location51024", "BSON field '\(key)' value must be >= 0, actual value '\(n)'") }
        return Int(n)
    }

    static func truthy(_ v: BSONValue) -> Bool {
        switch v {
        case .bool(let b): b
        case .null, .undefined: false
        default: (v.doubleValue ?? 1) != 0
        }
    }

    static let processId = ObjectId()

    /// How long to hold an awaitable hello: a driver's monitor (MongoDB's streaming protocol)
    /// sends the `topologyVersion` it last saw and a `maxAwaitTimeMS`, and MongoDB answers when
    /// the topology changes or that time is up. This server's topology never changes, so a
    /// monitor that knows it is answered after `maxAwaitTimeMS` (capped at a minute). Answered at
    /// once, the monitor asked again at once: an idle pymongo client kept a core busy, and the
    /// server another. A stop cancels the wait.
    static func awaitableHelloWait(_ cmd: Document) -> Duration? {
        guard case .document(let known)? = cmd["topologyVersion"], known["processId"] == .objectId(processId),
            known["counter"]?.int64Value == 0, let ms = cmd["maxAwaitTimeMS"]?.int64Value, ms > 0
        else { return nil }
        return .milliseconds(min(ms, 60_000))
    }

    // MARK: Errors in MongoDB's reply shapes

    static func error(_ code: Int, _ codeName: String, _ message: String) -> Document {
        ["ok": 0.0, "errmsg": .string(message), "code": .int32(Int32(code)), "codeName": .string(codeName)]
    }

    static func error(_ e: StorageError) -> Document {
        var reply = error(e.code, codeName(e), message(e))
        if case .duplicateKey(let info) = e {
            if let p = info.keyPattern { reply["keyPattern"] = .document(p) }
            if let v = info.keyValue { reply["keyValue"] = .document(v) }
        }
        return reply
    }

    static func writeError(index: Int, _ error: any Error) -> Document {
        let base: Document
        switch error {
        case let e as StorageError: base = self.error(e)
        case let e as CommandError: base = self.error(e.code, e.codeName, e.message)
        default: base = self.error(1, "InternalError", "\(error)")
        }
        var out: Document = ["index": .int32(Int32(index)), "code": base["code"]!, "errmsg": base["errmsg"]!]
        if let p = base["keyPattern"] { out["keyPattern"] = p }
        if let v = base["keyValue"] { out["keyValue"] = v }
        return out
    }

    private static func message(_ e: StorageError) -> String {
        switch e {
        case .duplicateKey(let info): info.message
        case .invalidQuery(_, let m), .commandFailed(_, let m), .unavailable(let m), .timeout(let m), .invalidConfiguration(let m): m
        }
    }

    private static func codeName(_ e: StorageError) -> String {
        let names: [Int: String] = [
            2: "BadValue", 9: "FailedToParse", 14: "TypeMismatch", 26: "NamespaceNotFound", 28: "PathNotViable",
            40: "ConflictingUpdateOperators", 43: "CursorNotFound", 48: "NamespaceExists", 50: "MaxTimeMSExpired",
            59: "CommandNotFound", 66: "ImmutableField", 67: "CannotCreateIndex", 73: "InvalidNamespace", 85: "IndexOptionsConflict",
            86: "IndexKeySpecsConflict", 168: "InvalidPipelineOperator", 11000: "DuplicateKey",
        ]
        return names[e.code] ?? "Location\(e.code)"
    }
}

struct CommandError: Error {
    let code: Int
    let codeName: String
    let message: String
    init(_ code: Int, _ codeName: String, _ message: String) {
        self.code = code
        self.codeName = codeName
        self.message = message
    }
}
