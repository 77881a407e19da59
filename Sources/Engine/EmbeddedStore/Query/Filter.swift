// Query filters (`{age: {$gte: 18}, $or: [...]}`), parsed once into a matcher tree.
//
// Parsing checks everything MongoDB checks, with its error codes: an unknown operator is an
// error, never something that silently matches every document. Matching follows MongoDB's
// rules: a field that holds an array matches when any element does; `{x: null}` matches a
// missing field; comparisons only match values of the same type bracket.

import BSON
import Foundation

indirect enum Filter: Sendable {
    case all
    case and([Filter])
    case or([Filter])
    case nor([Filter])
    case field([String], Predicate)
    case expr(Expression)
    /// `$text`: a search of the collection's text index fields (TextSearch.swift).
    case text(TextQuery)

    indirect enum Predicate: Sendable {
        case eq(BSONValue)
        case cmp(Comparison, BSONValue)
        case `in`([BSONValue], [Regex])
        case exists(Bool)
        case regex(Regex)
        case size(Int)
        case elemMatchValue(Predicate)
        case elemMatchDocument(Filter)
        case not(Predicate)
        case allOf([Predicate])
        /// `$all`: every one holds (an empty list matches nothing).
        case all([Predicate])
        /// `$type`: BSON type codes ("number" stands for 1, 16, 18 and 19).
        case type(Set<Int>)
        /// `$mod`: [divisor, remainder], both truncated to integers.
        case mod(Int64, Int64)
        /// `$bitsAllSet`, `$bitsAnySet`, `$bitsAllClear`, `$bitsAnyClear`: bit positions.
        case bits(BitTest, [Int])
    }

    enum BitTest: Sendable { case allSet, anySet, allClear, anyClear }

    enum Comparison: Sendable { case gt, gte, lt, lte }

    static func parse(_ filter: Document) throws(QueryError) -> Filter {
        var parts: [Filter] = []
        for (key, value) in filter {
            if key.hasPrefix("$") {
                switch key {
                case "$and", "$or", "$nor":
                    guard case .array(let items) = value, !items.isEmpty else {
                        throw QueryError(2, "\(key) must be a nonempty array")
                    }
                    var subs: [Filter] = []
                    for item in items {
                        guard case .document(let d) = item else { throw QueryError(2, "\(key) argument's entries must be objects") }
                        subs.append(try parse(d))
                    }
                    parts.append(key == "$and" ? .and(subs) : key == "$or" ? .or(subs) : .nor(subs))
                case "$expr":
                    parts.append(.expr(try Expression.parse(value)))
                case "$comment":
                    continue
                case "$text":
                    parts.append(.text(try TextQuery.parse(value)))
                case "$where", "$jsonSchema":
                    throw QueryError(2, "\(key) is not supported by the embedded store: use MongoDB (MONGODB_URI) for it")
                default:
                    throw QueryError(2, "unknown top level operator: \(key)")
                }
            } else {
                if key.isEmpty { throw QueryError(2, "field names may not be empty") }
                parts.append(.field(Paths.split(key), try parsePredicate(value)))
            }
        }
        if parts.isEmpty { return .all }
        return parts.count == 1 ? parts[0] : .and(parts)
    }

    /// The condition on one field: a plain value (equality), a regex, or a document of operators.
    static func parsePredicate(_ value: BSONValue) throws(QueryError) -> Predicate {
        switch value {
        case .regex(let r): return .regex(try Regex(r))
        case .document(let d) where d.first?.key.hasPrefix("$") == true:
            return try parseOperators(d)
        default:
            return .eq(value)
        }
    }

    private static func parseOperators(_ d: Document) throws(QueryError) -> Predicate {
        var predicates: [Predicate] = []
        let options = d["$options"]
        if options != nil && d["$regex"] == nil { throw QueryError(2, "$options needs a $regex") }
        for (op, arg) in d {
            switch op {
            case "$eq": predicates.append(.eq(arg))
            case "$ne": predicates.append(.not(.eq(arg)))
            case "$gt": predicates.append(.cmp(.gt, arg))
            case "$gte": predicates.append(.cmp(.gte, arg))
            case "$lt": predicates.append(.cmp(.lt, arg))
            case "$lte": predicates.append(.cmp(.lte, arg))
            case "$in", "$nin":
                guard case .array(let items) = arg else { throw QueryError(2, "\(op) needs an array") }
                var values: [BSONValue] = [], regexes: [Regex] = []
                for item in items {
                    switch item {
                    case .regex(let r): regexes.append(try Regex(r))
                    case .document(let inner) where inner.first?.key.hasPrefix("$") == true:
                        throw QueryError(2, "cannot nest $ under \(op)")
                    default: values.append(item)
                    }
                }
                predicates.append(op == "$in" ? .in(values, regexes) : .not(.in(values, regexes)))
            case "$exists": predicates.append(.exists(Values.truthy(arg)))
            case "$regex":
                let flags = options?.stringValue
                if options != nil && flags == nil { throw QueryError(2, "$options has to be a string") }
                switch arg {
                case .string(let pattern): predicates.append(.regex(try Regex(BSONRegex(pattern: pattern, options: flags ?? ""))))
                case .regex(let r):
                    if let flags, !flags.isEmpty, !r.options.isEmpty { throw QueryError(51075, "options set in both $regex and $options") }
                    predicates.append(.regex(try Regex(BSONRegex(pattern: r.pattern, options: flags ?? r.options))))
                default: throw QueryError(2, "$regex has to be a string")
                }
            case "$options": continue
            case "$size":
                guard let n = arg.int64Value, n >= 0, arg.doubleValue.map({ $0 == $0.rounded() }) ?? false else {
                    throw QueryError(2, "$size must be a whole number")
                }
                predicates.append(.size(Int(n)))
            case "$not":
                switch arg {
                case .regex(let r): predicates.append(.not(.regex(try Regex(r))))
                case .document(let inner) where inner.first?.key.hasPrefix("$") == true:
                    predicates.append(.not(try parseOperators(inner)))
                default: throw QueryError(2, "$not needs a regex or a document")
                }
            case "$elemMatch":
                guard case .document(let inner) = arg else { throw QueryError(2, "$elemMatch needs an Object") }
                let isOperatorForm = inner.first.map { $0.key.hasPrefix("$") && !["$and", "$or", "$nor", "$expr"].contains($0.key) } ?? false
                predicates.append(isOperatorForm ? .elemMatchValue(try parseOperators(inner)) : .elemMatchDocument(try parse(inner)))
            case "$all":
                guard case .array(let items) = arg else { throw QueryError(2, "$all needs an array") }
                var all: [Predicate] = []
                for item in items {
                    if case .document(let inner) = item, let first = inner.first?.key, first.hasPrefix("$") {
                        guard first == "$elemMatch", inner.count == 1, case .document(let condition)? = inner["$elemMatch"] else {
                            throw QueryError(2, "no $ expressions in $all")
                        }
                        all.append(try parseOperators(["$elemMatch": .document(condition)]))
                    } else {
                        if case .regex = item { all.append(try parsePredicate(item)) } else { all.append(.eq(item)) }
                    }
                }
                predicates.append(.all(all))
            case "$type":
                predicates.append(.type(try Self.typeCodes(arg)))
            case "$mod":
                predicates.append(try Self.mod(arg))
            case "$bitsAllSet", "$bitsAnySet", "$bitsAllClear", "$bitsAnyClear":
                let test: BitTest = op == "$bitsAllSet" ? .allSet : op == "$bitsAnySet" ? .anySet : op == "$bitsAllClear" ? .allClear : .anyClear
                predicates.append(.bits(test, try Self.bitPositions(arg, op)))
            case "$geoWithin", "$geoIntersects", "$near", "$nearSphere":
                throw QueryError(2, "\(op) is not supported by the embedded store: use MongoDB (MONGODB_URI) for it")
            default:
                throw QueryError(2, "unknown operator: \(op)")
            }
        }
        return predicates.count == 1 ? predicates[0] : .allOf(predicates)
    }

    /// BSON type codes by alias, as `$type` and `$convert` name them.
    static let typeAliases: [String: Int] = [
        "double": 1, "string": 2, "object": 3, "array": 4, "binData": 5, "undefined": 6, "objectId": 7, "bool": 8, "date": 9,
        "null": 10, "regex": 11, "dbPointer": 12, "javascript": 13, "symbol": 14, "javascriptWithScope": 15, "int": 16,
        "timestamp": 17, "long": 18, "decimal": 19, "minKey": -1, "maxKey": 127,
    ]

    /// `$type`'s argument: one alias or code, or an array of them.
    private static func typeCodes(_ arg: BSONValue) throws(QueryError) -> Set<Int> {
        let items: [BSONValue]
        if case .array(let a) = arg { items = a } else { items = [arg] }
        var codes = Set<Int>()
        for item in items {
            switch item {
            case .string("number"): codes.formUnion([1, 16, 18, 19])
            case .string(let alias):
                guard let code = typeAliases[alias] else { throw QueryError(2, "Unknown type name alias: \(alias)") }
                codes.insert(code)
            case _ where item.isNumber:
                guard let n = item.doubleValue, n == n.rounded(), let code = Int(exactly: n), typeAliases.values.contains(code) else {
                    throw QueryError(2, "Invalid numerical type code: \(item.json(.relaxedExtended))")
                }
                codes.insert(code)
            default:
                throw QueryError(2, "type must be represented as a number or a string")
            }
        }
        guard !codes.isEmpty else { throw QueryError(2, "$type must match at least one type") }
        return codes
    }

    /// `$mod: [divisor, remainder]`: numbers, truncated toward zero; the divisor not 0.
    private static func mod(_ arg: BSONValue) throws(QueryError) -> Predicate {
        guard case .array(let items) = arg else { throw QueryError(2, "malformed mod, needs to be an array") }
        guard items.count >= 2 else { throw QueryError(2, "malformed mod, not enough elements") }
        guard items.count == 2 else { throw QueryError(2, "malformed mod, too many elements") }
        func integer(_ v: BSONValue, _ what: String) throws(QueryError) -> Int64 {
            guard v.isNumber else { throw QueryError(2, "malformed mod, \(what) not a number") }
            if let exact = v.int64Value, v.doubleValue.map({ $0 == $0.rounded() }) ?? true { return exact }
            guard let d = v.doubleValue, d.isFinite, let t = Int64(exactly: d.rounded(.towardZero)) else {
                throw QueryError(2, "malformed mod, \(what) value is invalid")
            }
            return t
        }
        let divisor = try integer(items[0], "divisor"), remainder = try integer(items[1], "remainder")
        guard divisor != 0 else { throw QueryError(2, "divisor cannot be 0") }
        return .mod(divisor, remainder)
    }

    /// The bit positions of a `$bits…` argument: a non-negative integer mask, a BinData mask,
    /// or a list of non-negative positions.
    private static func bitPositions(_ arg: BSONValue, _ op: String) throws(QueryError) -> [Int] {
        switch arg {
        case .binary(let b):
            return b.data.indices.flatMap { byte in (0..<8).filter { b.data[byte] & (1 << $0) != 0 }.map { byte * 8 + $0 } }
        case .array(let items):
            var positions: [Int] = []
            for item in items {
                guard item.isNumber, let d = item.doubleValue, d >= 0, d == d.rounded(), let p = Int(exactly: d), p < 1 << 31 else {
                    throw QueryError(2, "\(op) bit positions must be non-negative integers: \(item.json(.relaxedExtended))")
                }
                positions.append(p)
            }
            return positions
        case _ where arg.isNumber:
            guard let d = arg.doubleValue, d >= 0, d == d.rounded(), let mask = Int64(exactly: d) else {
                throw QueryError(2, "\(op) takes a non-negative whole number as its bitmask, not \(arg.json(.relaxedExtended))")
            }
            return (0..<63).filter { mask & (1 << Int64($0)) != 0 }
        default:
            throw QueryError(2, "\(op) takes an Array, a number, or a BinData but received: \(arg.json(.relaxedExtended))")
        }
    }
}

// MARK: Matching

extension Filter {
    func matches(_ document: Document, variables: [String: BSONValue] = [:]) throws(QueryError) -> Bool {
        try QueryBudget.check()
        switch self {
        case .all: return true
        case .and(let fs):
            for f in fs where !(try f.matches(document, variables: variables)) { return false }
            return true
        case .or(let fs):
            for f in fs where try f.matches(document, variables: variables) { return true }
            return false
        case .nor(let fs):
            for f in fs where try f.matches(document, variables: variables) { return false }
            return true
        case .field(let parts, let predicate):
            // Fast path: a top-level field that is not an array reaches exactly one value.
            if parts.count == 1 {
                let value = document[parts[0]]
                if case .array? = value {} else { return predicate.test(CollectionOfOne(value)) }
            }
            return predicate.test(Paths.candidates(document, parts))
        case .expr(let e):
            return Values.truthy(try e.evaluate(EvalContext(document, variables: variables)))
        case .text(let query):
            guard !query.fields.isEmpty else { throw QueryError(17313, "$match with $text is only allowed as the first pipeline stage") }
            return query.score(document) != nil
        }
    }

    /// The equality values this filter requires of `field` at its top level, if any: lets the
    /// store answer from a hash index instead of scanning.
    func equalityValues(for field: String) -> [BSONValue]? {
        switch self {
        case .field(let parts, let predicate) where parts == [field]:
            switch predicate {
            case .eq(let v) where !isArrayOrDocument(v): return [v]
            case .in(let vs, let rs) where rs.isEmpty && !vs.contains(where: isArrayOrDocument): return vs
            case .allOf(let ps):
                for p in ps { if case .eq(let v) = p, !isArrayOrDocument(v) { return [v] } }
                return nil
            default: return nil
            }
        case .and(let fs):
            for f in fs { if let v = f.equalityValues(for: field) { return v } }
            return nil
        default: return nil
        }
    }

    private func isArrayOrDocument(_ v: BSONValue) -> Bool {
        switch v {
        case .array, .document, .null, .undefined: true
        default: false
        }
    }

    /// The conditions on fields at or under `prefix` (top level and under `$and`), as (the path
    /// below `prefix`, the predicate): what the positional `$` matches array elements against.
    func conditions(under prefix: [String]) -> [([String], Predicate)] {
        switch self {
        case .field(let parts, let predicate) where parts.starts(with: prefix): return [(Array(parts.dropFirst(prefix.count)), predicate)]
        case .and(let fs): return fs.flatMap { $0.conditions(under: prefix) }
        default: return []
        }
    }

    /// Top-level equality conditions, which an upsert copies into the document it inserts.
    func upsertSeed() -> [([String], BSONValue)] {
        switch self {
        case .field(let parts, .eq(let v)): return [(parts, v)]
        case .field(let parts, .allOf(let ps)):
            for p in ps { if case .eq(let v) = p { return [(parts, v)] } }
            return []
        case .and(let fs): return fs.flatMap { $0.upsertSeed() }
        default: return []
        }
    }
}

extension Filter.Predicate {
    /// Tests the values a path reached (nil = missing).
    func test<C: Collection<BSONValue?>>(_ candidates: C) -> Bool {
        switch self {
        case .eq(let target):
            if target.isNull || target == .undefined {
                return candidates.contains { c in
                    switch c {
                    case nil, .null?, .undefined?: return true
                    case .array(let a)?: return a.contains { $0.isNull }
                    default: return false
                    }
                }
            }
            return anyValue(candidates) { Values.equal($0, target) }
        case .cmp(let op, let target):
            if target.isNull {
                // {$gte: null} and {$lte: null} match null and missing, like equality.
                return (op == .gte || op == .lte) ? Filter.Predicate.eq(.null).test(candidates) : false
            }
            let rank = Values.typeRank(target)
            return anyValue(candidates) { v in
                guard Values.typeRank(v) == rank else { return false }
                let c = Values.compare(v, target)
                switch op {
                case .gt: return c > 0
                case .gte: return c >= 0
                case .lt: return c < 0
                case .lte: return c <= 0
                }
            }
        case .in(let values, let regexes):
            for v in values where Filter.Predicate.eq(v).test(candidates) { return true }
            for r in regexes where Filter.Predicate.regex(r).test(candidates) { return true }
            return false
        case .exists(let wanted):
            return candidates.contains { $0 != nil } == wanted
        case .regex(let r):
            return anyValue(candidates) { v in
                switch v {
                case .string(let s), .symbol(let s): return r.matches(s)
                case .regex(let other): return other == r.source
                default: return false
                }
            }
        case .size(let n):
            return candidates.contains { if case .array(let a)? = $0 { a.count == n } else { false } }
        case .elemMatchValue(let p):
            return candidates.contains { c in
                guard case .array(let a)? = c else { return false }
                return a.contains { p.test([$0]) }
            }
        case .elemMatchDocument(let f):
            return candidates.contains { c in
                guard case .array(let a)? = c else { return false }
                return a.contains { element in
                    guard case .document(let d) = element else { return false }
                    return (try? f.matches(d)) ?? false
                }
            }
        case .not(let p): return !p.test(candidates)
        case .allOf(let ps): return ps.allSatisfy { $0.test(candidates) }
        case .all(let ps): return !ps.isEmpty && ps.allSatisfy { $0.test(candidates) }
        case .type(let codes):
            return candidates.contains { c in
                guard let c else { return false }
                if codes.contains(Values.typeCode(c)) { return true }
                if case .array(let a) = c { return a.contains { codes.contains(Values.typeCode($0)) } }
                return false
            }
        case .mod(let divisor, let remainder):
            return anyValue(candidates) { v in
                guard let n = Filter.Predicate.wholeNumber(v, truncating: true) else { return false }
                return divisor == -1 ? remainder == 0 : n % divisor == remainder
            }
        case .bits(let test, let positions):
            // The value itself must be a number or BinData: arrays are not looked into.
            return candidates.contains { c in
                let bit: (Int) -> Bool
                switch c {
                case .binary(let b)?:
                    bit = { p in p / 8 < b.data.count && b.data[p / 8] & (1 << UInt8(p % 8)) != 0 }
                case let v? where v.isNumber:
                    guard let n = Filter.Predicate.wholeNumber(v, truncating: false) else { return false }
                    bit = { p in p < 64 ? (n >> Int64(p)) & 1 == 1 : n < 0 }  // sign-extended
                default: return false
                }
                switch test {
                case .allSet: return positions.allSatisfy(bit)
                case .anySet: return positions.contains(where: bit)
                case .allClear: return !positions.contains(where: bit)
                case .anyClear: return !positions.allSatisfy(bit)
                }
            }
        }
    }

    /// A number as a 64-bit integer: doubles truncated toward zero (`$mod`) or only when whole
    /// (the bit tests); nil for what no Int64 holds (NaN, infinities, huge values, decimals).
    static func wholeNumber(_ v: BSONValue, truncating: Bool) -> Int64? {
        switch v {
        case .int32(let n): return Int64(n)
        case .int64(let n): return n
        case .double(let d):
            guard d.isFinite, truncating || d == d.rounded() else { return nil }
            return Int64(exactly: d.rounded(.towardZero))
        default: return nil
        }
    }

    /// True when `body` holds for some candidate, or for some element of an array candidate.
    private func anyValue<C: Collection<BSONValue?>>(_ candidates: C, _ body: (BSONValue) -> Bool) -> Bool {
        for c in candidates {
            guard let c else { continue }
            if body(c) { return true }
            if case .array(let a) = c {
                for element in a where body(element) { return true }
            }
        }
        return false
    }
}

/// A compiled regular expression with MongoDB's option letters (i, m, s, x), on ICU
/// (Pattern.swift): a match that runs past the query's deadline is stopped.
struct Regex: Sendable {
    let source: BSONRegex
    private let compiled: Pattern

    init(_ regex: BSONRegex) throws(QueryError) {
        do {
            compiled = try Pattern(regex.pattern, options: regex.options)
        } catch .invalidFlag(let flag) {
            throw QueryError(51108, "invalid flag in regex options: \(flag)")
        } catch {
            throw QueryError(51091, "Regular expression is invalid: \(regex.pattern)")
        }
        source = regex
    }

    /// Whether the pattern matches in `s`; false when the match was stopped at the deadline
    /// (the query's next check then ends it with error 50).
    func matches(_ s: String) -> Bool { compiled.matches(s) }
}
