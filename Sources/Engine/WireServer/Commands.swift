// The database commands the server understands, each answered through the `Storage`
// interface: the embedded store normally, but any backend would do. Replies take MongoDB's
// shapes (`{ok: 1, ...}`, `{ok: 0, errmsg, code, codeName}`, `writeErrors`), so drivers,
// mongosh and Compass read them as they read a real server's.
//
// This file is the thin part: `run` (time limits, errors into replies) and `dispatch`, which
// sends each command to its family's file: Commands+Server (hello, ping, buildInfo…),
// Commands+Namespaces (databases, collections), Commands+Reads (find, aggregate, cursors…),
// Commands+Writes (insert, update, delete, findAndModify) and Commands+Indexes. Replies.swift
// turns errors into MongoDB's reply shapes.

import BSON
import Foundation
import Storage

struct CommandProcessor: Sendable {
    let storage: any Storage
    let cursors: CursorStore
    let connectionID: Int
    let startedAt: Date
    /// For commands that send no `maxTimeMS` (nil: no limit).
    var defaultTimeLimit: Duration? = nil
    /// The user a connection must authenticate as (SCRAM-SHA-256); nil: no authentication.
    var credentials: WireCredentials? = nil
    /// This connection's authentication state.
    let authentication = ConnectionAuthentication()

    static let maxWireVersion: Int32 = 17  // MongoDB 6.0: what libmongoc 1.23, pymongo 4 and mongosh accept

    func run(_ command: Document) async -> Document {
        guard let name = command.first?.key else { return Self.error(9, "FailedToParse", "empty command") }
        let db = command["$db"]?.stringValue ?? "admin"
        if command["startTransaction"] != nil || command["autocommit"] != nil {
            return Self.error(20, "IllegalOperation", "Transaction numbers are only allowed on a replica set member or mongos")
        }
        if let credentials {
            switch name {
            case "saslStart": return saslStart(command, credentials)
            case "saslContinue": return saslContinue(command, credentials)
            case "hello", "isMaster", "ismaster":
                // A driver asks which mechanisms the user has before it authenticates.
                var reply = await run(name, command, db)
                if command["saslSupportedMechs"]?.stringValue?.split(separator: ".", maxSplits: 1).last.map(String.init) == credentials.username {
                    reply["saslSupportedMechs"] = ["SCRAM-SHA-256"]
                }
                return reply
            default:
                guard authentication.authenticated || Self.beforeAuthentication.contains(name) else {
                    return Self.error(13, "Unauthorized", "Command \(name) requires authentication")
                }
            }
        }
        return await run(name, command, db)
    }

    /// The command, once it may run.
    private func run(_ name: String, _ command: Document, _ db: String) async -> Document {
        do {
            // maxTimeMS (find, count, aggregate, distinct, ...): the command's query stops after
            // that long with error 50, MaxTimeMSExpired, as on MongoDB. 0 means no limit.
            if let limit = command["maxTimeMS"] {
                guard let ms = limit.int64Value, ms >= 0, ms <= Int64(Int32.max) else {
                    throw CommandError(2, "BadValue", "maxTimeMS must be a non-negative number of milliseconds")
                }
                if ms > 0 {
                    return try await QueryTimeLimit.$perQuery.withValue(.milliseconds(ms)) { try await collated(name, command, db) }
                }
            } else if let defaultTimeLimit {
                return try await QueryTimeLimit.$perQuery.withValue(defaultTimeLimit) { try await collated(name, command, db) }
            }
            return try await collated(name, command, db)
        } catch let error as StorageError {
            return Self.error(error)
        } catch let error as CommandError {
            return Self.error(error.code, error.codeName, error.message)
        } catch {
            return Self.error(1, "InternalError", "\(error)")
        }
    }

    /// A command's `collation` (find, count, distinct, aggregate, findAndModify) applies to its
    /// queries through the task (`QueryCollation`); update and delete give one per statement.
    private func collated(_ name: String, _ cmd: Document, _ db: String) async throws -> Document {
        // bypassDocumentValidation (insert, update, findAndModify, aggregate with $out): the
        // store skips its collections' validators for this command's writes.
        if cmd["bypassDocumentValidation"].map(Self.truthy) == true {
            return try await DocumentValidation.$bypass.withValue(true) { try await collatedCommand(name, cmd, db) }
        }
        return try await collatedCommand(name, cmd, db)
    }

    private func collatedCommand(_ name: String, _ cmd: Document, _ db: String) async throws -> Document {
        guard let spec = try Self.collation(cmd) else { return try await dispatch(name, cmd, db) }
        return try await QueryCollation.$current.withValue(spec) { try await dispatch(name, cmd, db) }
    }

    static func collation(_ spec: Document) throws -> Document? {
        switch spec["collation"] {
        case nil: return nil
        case .document(let collation)?: return collation
        default: throw CommandError(14, "TypeMismatch", "'collation' must be an object")
        }
    }

    private func dispatch(_ name: String, _ cmd: Document, _ db: String) async throws -> Document {
        switch name {
        case "hello", "isMaster", "ismaster", "ping", "endSessions", "killSessions", "refreshSessions", "buildInfo", "buildinfo",
            "serverStatus", "hostInfo", "getParameter", "getCmdLineOpts", "connectionStatus", "getLog", "whatsmyuri", "saslStart",
            "saslContinue", "authenticate":
            return try await runServer(name, cmd, db)
        case "listDatabases", "listCollections", "create", "collMod", "drop", "dropDatabase", "renameCollection":
            return try await runNamespaces(name, cmd, db)
        case "find", "explain", "getMore", "killCursors", "count", "aggregate", "distinct":
            return try await runReads(name, cmd, db)
        case "insert":
            return try await insert(cmd, db)
        case "update":
            return try await update(cmd, db)
        case "delete":
            return try await delete(cmd, db)
        case "findAndModify", "findandmodify":
            return try await findAndModify(cmd, db)
        case "createIndexes", "listIndexes", "dropIndexes":
            return try await runIndexes(name, cmd, db)
        default:
            throw CommandError(59, "CommandNotFound", "no such command: '\(name)'")
        }
    }

    // MARK: Helpers

    func collection(_ cmd: Document, _ name: String, _ db: String) throws -> any StorageCollection {
        storage.database(db).collection(try string(cmd, name))
    }

    func string(_ cmd: Document, _ key: String) throws -> String {
        guard case .string(let s)? = cmd[key], !s.isEmpty else {
            throw CommandError(73, "InvalidNamespace", "collection name has invalid type \(cmd[key]?.typeName ?? "missing")")
        }
        return s
    }

    func cursorReply(namespace: String, _ documents: [Document], batchSize: Int, single: Bool = false) async -> Document {
        let first: [Document], id: Int64
        if single {
            (first, id) = (documents, 0)
        } else {
            (first, id) = await cursors.open(namespace: namespace, documents: documents, batchSize: batchSize)
        }
        return ["cursor": ["firstBatch": .array(first.map(BSONValue.document)), "id": .int64(id), "ns": .string(namespace)], "ok": 1.0]
    }

    static func batchSize(_ cmd: Document) -> Int {
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
}
