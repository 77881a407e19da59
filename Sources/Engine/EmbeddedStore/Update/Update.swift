// Update documents (`{$set: {...}, $inc: {...}, $push: {...}}`), parsed once into a list of
// operations and applied to one document at a time.
//
// As in MongoDB: `_id` cannot change; two operators may not touch the same path; `$inc` on a
// non-number and `$push` on a non-array are errors; `$setOnInsert` only acts when an upsert
// inserts.

import BSON
import Foundation

struct Update: Sendable {
    enum Operation: Sendable {
        case set([String], BSONValue)
        case setOnInsert([String], BSONValue)
        case unset([String])
        case inc([String], BSONValue)
        case push([String], [BSONValue], PushModifiers)
        case addToSet([String], [BSONValue])
        case pull([String], PullCondition)
        case pullAll([String], [BSONValue])
        case min([String], BSONValue)
        case max([String], BSONValue)
        case mul([String], BSONValue)
        case rename([String], to: [String])
        case pop([String], first: Bool)
        case currentDate([String], timestamp: Bool)
    }

    /// `$push`'s `$position`, `$slice` and `$sort`, applied in MongoDB's order: insert at the
    /// position, then sort, then slice.
    struct PushModifiers: Sendable {
        var position: Int?
        var slice: Int?
        var sort: SortOrder?
    }

    enum SortOrder: Sendable {
        case values(ascending: Bool)
        case fields(SortSpec)
    }

    enum PullCondition: Sendable {
        case value(BSONValue)
        case predicate(Filter.Predicate)
        case document(Filter)
    }

    let operations: [Operation]
    /// `$[<identifier>]`'s filters, each matched against `{<identifier>: element}`.
    var arrayFilters: [String: Filter] = [:]

    static let operatorNames: Set<String> = [
        "$set", "$unset", "$inc", "$push", "$addToSet", "$pull", "$setOnInsert", "$pullAll", "$min", "$max", "$mul", "$rename", "$pop",
        "$currentDate",
    ]

    static func parse(_ update: Document, arrayFilters: [Document]) throws(QueryError) -> Update {
        var parsed = try parse(update)
        for filter in arrayFilters {
            guard let identifier = filter.keys.first.map({ String($0.prefix { $0 != "." }) }),
                filter.keys.allSatisfy({ String($0.prefix { $0 != "." }) == identifier })
            else { throw QueryError(9, "Error parsing array filter: every field of an array filter must start with the same identifier") }
            guard let first = identifier.unicodeScalars.first, ("a"..."z").contains(first),
                identifier.allSatisfy({ $0.isLetter || $0.isNumber })
            else {
                throw QueryError(
                    2,
                    "Error parsing array filter :: caused by :: The top-level field name must be an alphanumeric string beginning with a lowercase letter, found '\(identifier)'"
                )
            }
            guard parsed.arrayFilters[identifier] == nil else {
                throw QueryError(9, "Found multiple array filters with the same top-level field name \(identifier)")
            }
            parsed.arrayFilters[identifier] = try Filter.parse(filter)
        }
        let used = Set(parsed.operations.flatMap { $0.parts.compactMap(Self.identifier) })
        for identifier in parsed.arrayFilters.keys where !used.contains(identifier) {
            throw QueryError(9, "The array filter for identifier '\(identifier)' was not used in the update \(update.json(.relaxedExtended))")
        }
        for operation in parsed.operations {
            for id in operation.parts.compactMap(Self.identifier) where parsed.arrayFilters[id] == nil {
                throw QueryError(2, "No array filter found for identifier '\(id)' in path '\(operation.parts.joined(separator: "."))'")
            }
        }
        return parsed
    }

    /// `x` in `$[x]`.
    static func identifier(_ part: String) -> String? {
        part.hasPrefix("$[") && part.hasSuffix("]") && part.count > 3 ? String(part.dropFirst(2).dropLast()) : nil
    }

    static func isPositional(_ part: String) -> Bool { part == "$" || (part.hasPrefix("$[") && part.hasSuffix("]")) }

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
                if parts.first == "_id" && op != "$setOnInsert" && op != "$set" && op != "$min" && op != "$max" {
                    throw QueryError(66, "Performing an update on the path '_id' would modify the immutable field '_id'")
                }
                var paths = [parts]
                if op == "$rename" {
                    guard case .string(let target) = value else {
                        throw QueryError(2, "The 'to' field for $rename must be a string: \(path): \(value.json(.relaxedExtended))")
                    }
                    let targetParts = Paths.split(target)
                    guard !target.isEmpty, !targetParts.contains(where: \.isEmpty) else {
                        throw QueryError(56, "An empty update path is not valid.")
                    }
                    guard targetParts != parts else {
                        throw QueryError(2, "The source and target field for $rename must differ: \(path): \"\(target)\"")
                    }
                    guard !targetParts.starts(with: parts), !parts.starts(with: targetParts) else {
                        throw QueryError(2, "The source and target field for $rename must not be on the same path: \(path): \"\(target)\"")
                    }
                    if targetParts.first == "_id" {
                        throw QueryError(66, "Performing an update on the path '_id' would modify the immutable field '_id'")
                    }
                    paths.append(targetParts)
                }
                for candidate in paths {
                    for other in touched where other.starts(with: candidate) || candidate.starts(with: other) {
                        throw QueryError(
                            40, "Updating the path '\(candidate.joined(separator: "."))' would create a conflict at '\(other.joined(separator: "."))'"
                        )
                    }
                }
                touched += paths
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
                    var modifiers = PushModifiers()
                    if case .document(let clauses) = value, let each = clauses["$each"] {
                        guard case .array(let a) = each else {
                            throw QueryError(2, "The argument to $each in \(op) must be an array but it was of type: \(each.typeName)")
                        }
                        let allowed: Set<String> = op == "$push" ? ["$each", "$position", "$slice", "$sort"] : ["$each"]
                        if let unknown = clauses.keys.first(where: { !allowed.contains($0) }) {
                            throw QueryError(2, "Unrecognized clause in \(op): \(unknown)")
                        }
                        items = a
                        modifiers = try Self.pushModifiers(clauses)
                    }
                    operations.append(op == "$push" ? .push(parts, items, modifiers) : .addToSet(parts, items))
                case "$pullAll":
                    guard case .array(let a) = value else {
                        throw QueryError(2, "$pullAll requires an array argument but was given a \(value.typeName)")
                    }
                    operations.append(.pullAll(parts, a))
                case "$min": operations.append(.min(parts, value))
                case "$max": operations.append(.max(parts, value))
                case "$mul":
                    guard value.isNumber else {
                        throw QueryError(14, "Cannot multiply with non-numeric argument: {\(path): \(value.json(.relaxedExtended))}")
                    }
                    operations.append(.mul(parts, value))
                case "$rename":
                    operations.append(.rename(parts, to: paths[1]))
                case "$pop":
                    guard value.isNumber, let n = value.doubleValue, n == 1 || n == -1 else {
                        throw QueryError(9, "$pop expects 1 or -1, found: \(value.json(.relaxedExtended))")
                    }
                    operations.append(.pop(parts, first: n == -1))
                case "$currentDate":
                    switch value {
                    case .bool(true): operations.append(.currentDate(parts, timestamp: false))
                    case .document(let d) where d.count == 1 && (d["$type"] == "date" || d["$type"] == "timestamp"):
                        operations.append(.currentDate(parts, timestamp: d["$type"] == "timestamp"))
                    case .document(let d) where d.count == 1 && d["$type"] != nil:
                        throw QueryError(
                            2, "The '$type' string field is required to be 'date' or 'timestamp': {$currentDate: {field : {$type: 'date'}}}")
                    default:
                        throw QueryError(
                            2,
                            "\(value.typeName) is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({$type: 'timestamp/date'})."
                        )
                    }
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
    func apply(to original: Document, isInsert: Bool, query: Filter? = nil) throws(QueryError) -> Document {
        var doc = original
        for positional in operations {
            // `$`, `$[]` and `$[id]` become the concrete paths they name in this document.
            for path in try expand(positional.parts, in: doc, query: query, isInsert: isInsert) {
                let operation = positional.with(path)
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
                case .push(let parts, let items, _), .addToSet(let parts, let items):
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
                    if case .push(_, _, let modifiers) = operation {
                        try Self.push(items, into: &array, modifiers)
                    } else {
                        for item in items where !array.contains(where: { Values.equal($0, item) && Values.typeRank($0) == Values.typeRank(item) }) {
                            array.append(item)
                        }
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
                case .pullAll(let parts, let values):
                    switch Paths.get(doc, parts[...]) {
                    case nil: continue
                    case .array(let a)?:
                        try Paths.set(&doc, parts[...], .array(a.filter { element in !values.contains { Values.equal($0, element) } }))
                    case let other?:
                        throw QueryError(2, "Cannot apply $pull to a non-array value (\(other.typeName))")
                    }
                case .min(let parts, let value), .max(let parts, let value):
                    let isMin = if case .min = operation { true } else { false }
                    if let current = Paths.get(doc, parts[...]) {
                        let c = Values.compare(value, current)
                        if isMin ? c < 0 : c > 0 { try Paths.set(&doc, parts[...], value) }
                    } else {
                        try Paths.set(&doc, parts[...], value)
                    }
                case .mul(let parts, let factor):
                    switch Paths.get(doc, parts[...]) {
                    case nil:
                        // A missing field becomes 0 of the factor's type.
                        try Paths.set(&doc, parts[...], Arithmetic.multiply(factor, .int32(0)))
                    case let current? where current.isNumber: try Paths.set(&doc, parts[...], Arithmetic.multiply(current, factor))
                    case let current?:
                        throw QueryError(
                            14,
                            "Cannot apply $mul to a value of non-numeric type. {_id: \(doc["_id"]?.json(.relaxedExtended) ?? "null")} has the field '\(parts.last!)' of non-numeric type \(current.typeName)"
                        )
                    }
                case .rename(let parts, let target):
                    guard let value = Paths.get(doc, parts[...]) else { continue }
                    if Self.crossesArray(doc, parts) || Self.crossesArray(doc, target) {
                        throw QueryError(2, "The source and target field for $rename must not be array elements")
                    }
                    // As the manual says: an $unset of both names, then a $set of the new one.
                    Paths.unset(&doc, parts[...])
                    Paths.unset(&doc, target[...])
                    try Paths.set(&doc, target[...], value)
                case .pop(let parts, let first):
                    switch Paths.get(doc, parts[...]) {
                    case nil: continue
                    case .array(let a)?:
                        if !a.isEmpty { try Paths.set(&doc, parts[...], .array(first ? Array(a.dropFirst()) : Array(a.dropLast()))) }
                    case let other?:
                        throw QueryError(
                            14, "Path '\(parts.joined(separator: "."))' contains an element of non-array type '\(other.typeName)'")
                    }
                case .currentDate(let parts, let timestamp):
                    let now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
                    try Paths.set(
                        &doc, parts[...],
                        timestamp
                            ? .timestamp(BSONTimestamp(seconds: UInt32(now / 1000), increment: 1)) : .datetime(BSONDate(millisecondsSince1970: now))
                    )
                }
            }
        }
        if !isInsert, let before = original["_id"], doc["_id"] != before {
            throw QueryError(66, "Performing an update on the path '_id' would modify the immutable field '_id'")
        }
        return doc
    }

    /// The concrete paths a path with positional parts names in `doc`: `$` is the first element of
    /// the array that the query matched, `$[]` every element, `$[id]` every element its array
    /// filter matches.
    private func expand(_ parts: [String], in doc: Document, query: Filter?, isInsert: Bool) throws(QueryError) -> [[String]] {
        guard parts.contains(where: Self.isPositional) else { return [parts] }
        var results: [[String]] = [[]]
        for part in parts {
            guard Self.isPositional(part) else {
                results = results.map { $0 + [part] }
                continue
            }
            var next: [[String]] = []
            for prefix in results {
                guard case .array(let array)? = Paths.get(doc, prefix[...]) else {
                    if part == "$" || isInsert { throw QueryError(2, "The positional operator did not find the match needed from the query.") }
                    throw QueryError(2, "The path '\(prefix.joined(separator: "."))' must exist in the document in order to apply array updates.")
                }
                let indices: [Int]
                switch part {
                case "$[]": indices = Array(array.indices)
                case "$":
                    guard let query, let i = try Self.firstMatch(array, at: prefix, query) else {
                        throw QueryError(2, "The positional operator did not find the match needed from the query.")
                    }
                    indices = [i]
                default:
                    let id = Self.identifier(part)!
                    let filter = arrayFilters[id]!
                    var matching: [Int] = []
                    for i in array.indices where try filter.matches([id: array[i]]) { matching.append(i) }
                    indices = matching
                }
                next += indices.map { prefix + [String($0)] }
            }
            results = next
        }
        return results
    }

    /// The index of the first element of the array at `prefix` that satisfies every condition the
    /// query puts on that array (what `$` stands for).
    private static func firstMatch(_ array: [BSONValue], at prefix: [String], _ query: Filter) throws(QueryError) -> Int? {
        let conditions = query.conditions(under: prefix)
        guard !conditions.isEmpty else { return nil }
        return array.indices.first { i in
            conditions.allSatisfy { remainder, predicate in
                if remainder.isEmpty {
                    switch predicate {
                    case .elemMatchValue, .elemMatchDocument: return predicate.test([.array([array[i]])])
                    default: return predicate.test([array[i]])
                    }
                }
                guard case .document(let element) = array[i] else { return false }
                return predicate.test(Paths.candidates(element, remainder))
            }
        }
    }

    /// Reads `$position`, `$slice` and `$sort` beside a `$push`'s `$each`.
    private static func pushModifiers(_ clauses: Document) throws(QueryError) -> PushModifiers {
        var modifiers = PushModifiers()
        func whole(_ v: BSONValue, _ what: String) throws(QueryError) -> Int {
            guard v.isNumber, let d = v.doubleValue, d == d.rounded(), let n = Int(exactly: d) else {
                throw QueryError(2, "The value for \(what) must be an integer value but was given type: \(v.typeName)")
            }
            return n
        }
        if let p = clauses["$position"] { modifiers.position = try whole(p, "$position") }
        if let s = clauses["$slice"] { modifiers.slice = try whole(s, "$slice") }
        switch clauses["$sort"] {
        case nil: break
        case let v? where v.isNumber && (v.doubleValue == 1 || v.doubleValue == -1):
            modifiers.sort = .values(ascending: v.doubleValue == 1)
        case .document(let spec)? where !spec.isEmpty:
            modifiers.sort = .fields(try SortSpec.parse(spec))
        default:
            throw QueryError(2, "The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields")
        }
        return modifiers
    }

    /// `$push` with its modifiers: insert at `$position` (from the end when negative), `$sort`,
    /// then keep `$slice` elements (the first n, or the last when negative).
    private static func push(_ items: [BSONValue], into array: inout [BSONValue], _ modifiers: PushModifiers) throws(QueryError) {
        var at = array.count
        if let position = modifiers.position { at = position >= 0 ? Swift.min(position, array.count) : Swift.max(0, array.count + position) }
        array.insert(contentsOf: items, at: at)
        switch modifiers.sort {
        case nil: break
        case .values(let ascending)?:
            array = array.enumerated().sorted { a, b in
                let c = Values.compare(a.element, b.element)
                return c != 0 ? (ascending ? c < 0 : c > 0) : a.offset < b.offset
            }.map(\.element)
        case .fields(let spec)?:
            for element in array {
                guard case .document = element else {
                    throw QueryError(2, "$sort by fields needs every element of the array to be a document")
                }
            }
            array = spec.sorted(array.map { $0.documentValue! }).map(BSONValue.document)
        }
        if let slice = modifiers.slice {
            array = slice >= 0 ? Array(array.prefix(slice)) : Array(array.suffix(Int(Swift.min(slice.magnitude, UInt(array.count)))))
        }
    }

    /// Whether `parts` passes through an array in `doc` ($rename refuses array elements).
    private static func crossesArray(_ doc: Document, _ parts: [String]) -> Bool {
        var current: BSONValue = .document(doc)
        for part in parts {
            switch current {
            case .document(let d):
                guard let next = d[part] else { return false }
                current = next
            case .array: return true
            default: return false
            }
        }
        return false
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
        if let id {
            out.append("_id", id)
        } else if let given = replacement["_id"] {
            out.append("_id", given)  // an upsert: the replacement's own _id, null included
        }
        for (k, v) in replacement where k != "_id" { out.append(k, v) }
        return out
    }
}

extension Update.Operation {
    /// The path the operation changes (as written: it may hold `$`, `$[]` or `$[id]`).
    var parts: [String] {
        switch self {
        case .set(let p, _), .setOnInsert(let p, _), .inc(let p, _), .min(let p, _), .max(let p, _), .mul(let p, _): p
        case .unset(let p): p
        case .push(let p, _, _): p
        case .addToSet(let p, _), .pullAll(let p, _): p
        case .pull(let p, _): p
        case .rename(let p, _): p
        case .pop(let p, _): p
        case .currentDate(let p, _): p
        }
    }

    /// The same operation on another (concrete) path.
    func with(_ p: [String]) -> Update.Operation {
        switch self {
        case .set(_, let v): .set(p, v)
        case .setOnInsert(_, let v): .setOnInsert(p, v)
        case .inc(_, let v): .inc(p, v)
        case .min(_, let v): .min(p, v)
        case .max(_, let v): .max(p, v)
        case .mul(_, let v): .mul(p, v)
        case .unset: .unset(p)
        case .push(_, let items, let modifiers): .push(p, items, modifiers)
        case .addToSet(_, let items): .addToSet(p, items)
        case .pullAll(_, let items): .pullAll(p, items)
        case .pull(_, let condition): .pull(p, condition)
        case .rename(_, let target): .rename(p, to: target)
        case .pop(_, let first): .pop(p, first: first)
        case .currentDate(_, let timestamp): .currentDate(p, timestamp: timestamp)
        }
    }
}
