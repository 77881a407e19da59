// Indexes: createIndexes, listIndexes, dropIndexes.

import BSON
import Storage

extension CommandProcessor {
    func runIndexes(_ name: String, _ cmd: Document, _ db: String) async throws -> Document {
        switch name {
        case "createIndexes":
            let collection = try self.collection(cmd, name, db)
            try await refuseIfView(db, collection.name)
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
                        expireAfterSeconds: index["expireAfterSeconds"].map { $0.doubleValue.flatMap { Int(exactly: $0.rounded(.down)) } ?? -1 },
                        collation: index["collation"]?.documentValue))
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
        default: preconditionFailure("not a command of this family: \(name)")
        }
    }
}
