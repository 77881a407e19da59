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
    }

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
            default:
                throw QueryError(2, "unknown operator: \(op)")
            }
        }
        return predicates.count == 1 ? predicates[0] : .allOf(predicates)
    }
}

// MARK: Matching

extension Filter {
    func matches(_ document: Document, variables: [String: BSONValue] = [:]) throws(QueryError) -> Bool {
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

/// A compiled regular expression with MongoDB's option letters (i, m, s, x).
struct Regex: @unchecked Sendable {
    // @unchecked: NSRegularExpression is immutable after creation and documented thread-safe.
    let source: BSONRegex
    private let compiled: NSRegularExpression

    init(_ regex: BSONRegex) throws(QueryError) {
        var options: NSRegularExpression.Options = []
        for flag in regex.options {
            switch flag {
            case "i": options.insert(.caseInsensitive)
            case "m": options.insert(.anchorsMatchLines)
            case "s": options.insert(.dotMatchesLineSeparators)
            case "x": options.insert(.allowCommentsAndWhitespace)
            case "u": continue
            default: throw QueryError(51108, "invalid flag in regex options: \(flag)")
            }
        }
        do {
            compiled = try NSRegularExpression(pattern: regex.pattern, options: options)
        } catch {
            throw QueryError(51091, "Regular expression is invalid: \(regex.pattern)")
        }
        source = regex
    }

    func matches(_ s: String) -> Bool {
        compiled.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }
}
