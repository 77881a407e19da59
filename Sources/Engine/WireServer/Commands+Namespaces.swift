// Databases and collections: list, create, drop, rename.

import BSON
import Storage

extension CommandProcessor {
    func runNamespaces(_ name: String, _ cmd: Document, _ db: String) async throws -> Document {
        switch name {
        case "listDatabases":
            let names = try await storage.listDatabaseNames()
            let nameOnly = cmd["nameOnly"].map(Self.truthy) ?? false
            let databases: [BSONValue] = names.map { nameOnly ? ["name": .string($0)] : ["name": .string($0), "sizeOnDisk": 0, "empty": false] }
            return ["databases": .array(databases), "totalSize": 0, "ok": 1.0]
        case "listCollections":
            var names = try await storage.database(db).listCollectionNames().filter { $0 != Self.viewsCollection }
            let wanted = cmd["filter"]?.documentValue?["name"]?.stringValue
            if let wanted { names = names.filter { $0 == wanted } }
            var docs: [Document] = names.map {
                [
                    "name": .string($0), "type": "collection", "options": [:], "info": ["readOnly": false],
                    "idIndex": ["v": 2, "key": ["_id": 1], "name": "_id_"],
                ]
            }
            for view in try await views(db) where wanted == nil || view["_id"]?.stringValue == wanted {
                docs.append([
                    "name": view["_id"] ?? .null, "type": "view",
                    "options": ["viewOn": view["viewOn"] ?? .null, "pipeline": view["pipeline"] ?? []], "info": ["readOnly": true],
                ])
            }
            return await cursorReply(namespace: "\(db).$cmd.listCollections", docs, batchSize: Self.batchSize(cmd))
        case "create":
            let collection = try string(cmd, name)
            if cmd["viewOn"] != nil { return try await createView(cmd, db, collection) }
            try await storage.database(db).createCollection(collection, options: try Self.collectionOptions(cmd))
            return ["ok": 1.0]
        case "collMod":
            try await storage.database(db).modifyCollection(try string(cmd, name), options: try Self.collectionOptions(cmd))
            return ["ok": 1.0]
        case "drop":
            let collection = storage.database(db).collection(try string(cmd, name))
            if try await dropView(db, collection.name) { return ["ns": .string("\(db).\(collection.name)"), "ok": 1.0] }
            let before = try await collection.listIndexes().count
            guard try await storage.database(db).listCollectionNames().contains(collection.name) else {
                throw CommandError(26, "NamespaceNotFound", "ns not found")
            }
            try await collection.drop()
            return ["ns": .string("\(db).\(collection.name)"), "nIndexesWas": .int32(Int32(before)), "ok": 1.0]
        case "dropDatabase":
            try await storage.database(db).drop()
            return ["dropped": .string(db), "ok": 1.0]
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
        default: preconditionFailure("not a command of this family: \(name)")
        }
    }

    /// `validator`, `validationLevel`, `validationAction` of a `create` or `collMod`.
    static func collectionOptions(_ cmd: Document) throws -> CollectionOptions {
        var options = CollectionOptions()
        if let v = cmd["validator"] {
            guard case .document(let validator) = v else { throw CommandError(14, "TypeMismatch", "'validator' must be an object") }
            options.validator = validator
        }
        for (key, path) in [("validationLevel", \CollectionOptions.validationLevel), ("validationAction", \CollectionOptions.validationAction)] {
            guard let value = cmd[key] else { continue }
            guard case .string(let text) = value else { throw CommandError(14, "TypeMismatch", "'\(key)' must be a string") }
            options[keyPath: path] = text
        }
        return options
    }
}
