// Update documents (`{$set: {...}, $inc: {...}, $push: {...}}`), parsed once into a list of
// operations and applied to one document at a time.
//
// As in MongoDB: `_id` cannot change; two operators may not touch the same path; `$inc` on a
// non-number and `$push` on a non-array are errors; `$setOnInsert` only acts when an upsert
// inserts.
import BSON

struct Update: Sendable {
    enum Operation: Sendable {
        case set([String], BSONValue)
        case setOnInsert([String], BSONValue)
        case unset([String])
        case inc([String], BSONValue)
        case push([String], [BSONValue])
        case addToSet([String], [BSONValue])
        case pull([String], PullCondition)
    }

    enum PullCondition: Sendable {
        case value(BSONValue)
        case predicate(Filter.Predicate)
        case document(Filter)
    }

    let operations: [Operation]

    static let operatorNames: Set<String> = ["$set", "$unset", "$inc", "$push", "$addToSet", "$pull", "$setOnInsert"]

    static func parse(_ update: Document) throws(QueryError) -> Update {
        guard !update.isEmpty else { throw QueryError(9, "Update document requires atomic operators") }
        var operations: [Operation] = []
        var touched: [[String]] = []
        for (op, arg) in update {
            guard op.hasPrefix("$") else { throw QueryError(9, "Update document requires atomic operators") }
            guard operatorNames.contains(op) else {
                throw QueryError(9, "Unknown modifier: \(op). Expected a valid update modifier or pipeline-style update specified as an array")
            }
            guard case .document(let fields) = arg else {
                throw QueryError(
                    9,
                    "Modifiers operate on fields but we found type \(arg.typeName) instead. For example: {$mod: {<field>: ...}} not {$set: \(arg.json(.relaxedExtended))}"
                )
            }
            for (path, value) in fields {
                let parts = Paths.split(path)
                guard !path.isEmpty, !parts.contains(where: \.isEmpty) else {
                    throw QueryError(56, "An update path '\(path)' contains an empty field name, which is not allowed.")
                }
                if parts.first == "_id" && op != "$setOnInsert" && op != "$set" {
                    throw QueryError(66, "Performing an update on the path '_id' would modify the immutable field '_id'")
                }
                for other in touched where other.starts(with: parts) || parts.starts(with: other) {
                    throw QueryError(40, "Updating the path '\(path)' would create a conflict at '\(other.joined(separator: "."))'")
                }
                touched.append(parts)
                switch op {
                case "$set": operations.append(.set(parts, value))
                case "$setOnInsert": operations.append(.setOnInsert(parts, value))
                case "$unset": operations.append(.unset(parts))
                case "$inc":
                    guard value.isNumber else {
                        throw QueryError(14, "Cannot increment with non-numeric argument: {\(path): \(value.json(.relaxedExtended))}")
                    }
                    operations.append(.inc(parts, value))
                case "$push", "$addToSet":
                    var items = [value]
                    if case .document(let modifiers) = value, let each = modifiers["$each"] {
                        guard case .array(let a) = each else {
                            throw QueryError(2, "The argument to $each in \(op) must be an array but it was of type: \(each.typeName)")
                        }
                        if let unknown = modifiers.keys.first(where: { $0 != "$each" }) {
                            throw QueryError(2, "Unrecognized clause in \(op): \(unknown)")
                        }
                        items = a
                    }
                    operations.append(op == "$push" ? .push(parts, items) : .addToSet(parts, items))
                case "$pull":
                    switch value {
                    case .document(let d) where d.first?.key.hasPrefix("$") == true:
                        operations.append(.pull(parts, .predicate(try Filter.parsePredicate(value))))
                    case .document(let d):
                        operations.append(.pull(parts, .document(try Filter.parse(d))))
                    case .regex:
                        operations.append(.pull(parts, .predicate(try Filter.parsePredicate(value))))
                    default:
                        operations.append(.pull(parts, .value(value)))
                    }
                default: break
                }
            }
        }
        return Update(operations: operations)
    }

    /// Applies the update. `isInsert` is true when an upsert is building a new document.
    func apply(to original: Document, isInsert: Bool) throws(QueryError) -> Document {
        var doc = original
        for operation in operations {
            switch operation {
            case .set(let parts, let value):
                try Paths.set(&doc, parts[...], value)
            case .setOnInsert(let parts, let value):
                if isInsert { try Paths.set(&doc, parts[...], value) }
            case .unset(let parts):
                Paths.unset(&doc, parts[...])
            case .inc(let parts, let amount):
                switch Paths.get(doc, parts[...]) {
                case nil: try Paths.set(&doc, parts[...], amount)
                case let current? where current.isNumber: try Paths.set(&doc, parts[...], Arithmetic.add(current, amount))
                case let current?:
                    throw QueryError(
                        14,
                        "Cannot apply $inc to a value of non-numeric type. {_id: \(doc["_id"]?.json(.relaxedExtended) ?? "null")} has the field '\(parts.last!)' of non-numeric type \(current.typeName)"
                    )
                }
            case .push(let parts, let items), .addToSet(let parts, let items):
                var array: [BSONValue]
                switch Paths.get(doc, parts[...]) {
                case nil: array = []
                case .array(let a)?: array = a
                case let other?:
                    throw QueryError(
                        2,
                        "The field '\(parts.joined(separator: "."))' must be an array but is of type \(other.typeName) in document {_id: \(doc["_id"]?.json(.relaxedExtended) ?? "null")}"
                    )
                }
                if case .addToSet = operation {
                    for item in items where !array.contains(where: { Values.equal($0, item) && Values.typeRank($0) == Values.typeRank(item) }) {
                        array.append(item)
                    }
                } else {
                    array += items
                }
                try Paths.set(&doc, parts[...], .array(array))
            case .pull(let parts, let condition):
                switch Paths.get(doc, parts[...]) {
                case nil: continue
                case .array(let a)?:
                    let kept = a.filter { element in
                        switch condition {
                        case .value(let v): return !Values.equal(element, v)
                        case .predicate(let p): return !p.test([element])
                        case .document(let f):
                            guard case .document(let d) = element else { return true }
                            return !((try? f.matches(d)) ?? false)
                        }
                    }
                    try Paths.set(&doc, parts[...], .array(kept))
                case let other?:
                    throw QueryError(2, "Cannot apply $pull to a non-array value (\(other.typeName))")
                }
            }
        }
        if !isInsert, let before = original["_id"], doc["_id"] != before {
            throw QueryError(66, "Performing an update on the path '_id' would modify the immutable field '_id'")
        }
        return doc
    }

    /// A whole-document replacement: keeps the original `_id` (and refuses to change it).
    static func replace(_ original: Document, with replacement: Document) throws(QueryError) -> Document {
        if let key = replacement.keys.first(where: { $0.hasPrefix("$") }) {
            throw QueryError(2, "replacement document must not contain update operators (found \(key))")
        }
        var out = Document()
        let id = original["_id"]
        if let newId = replacement["_id"], let id, !Values.equal(newId, id) {
            throw QueryError(
                66, "After applying the update, the (immutable) field '_id' was found to have been altered to _id: \(newId.json(.relaxedExtended))")
        }
        if let id { out.append("_id", id) }
        for (k, v) in replacement where k != "_id" { out.append(k, v) }
        return out
    }
}
