// The expression operators, one case each. Numbers follow MongoDB's widening rules: int32
// arithmetic that overflows becomes int64, anything with a double becomes a double.

import BSON
import Foundation

enum Operators {
    static func apply(_ name: String, _ args: [Expression], _ ctx: EvalContext) throws(QueryError) -> BSONValue? {
        var values: [BSONValue?] = []
        values.reserveCapacity(args.count)
        for a in args { values.append(try a.evaluate(ctx)) }
        switch name {
        case "$rand":
            return .double(Double.random(in: 0..<1))
        case "$size":
            guard case .array(let a)? = values[0] else {
                throw QueryError(17124, "The argument to $size must be an array. Type of argument: \(typeName(values[0]))")
            }
            return .int32(Int32(a.count))
        case "$isArray":
            if case .array? = values[0] { return true }
            return false
        case "$ifNull":
            for v in values.dropLast() { if let v, !v.isNull, v != .undefined { return v } }
            return values.last ?? nil
        case "$in":
            guard case .array(let a)? = values[1] else {
                throw QueryError(40081, "$in requires an array as a second argument, found: \(typeName(values[1]))")
            }
            return .bool(a.contains { Values.equal($0, values[0]) })
        case "$first", "$last":
            switch values[0] {
            case nil: return nil
            case .null?, .undefined?: return .null
            case .array(let a)?: return name == "$first" ? a.first : a.last
            case let v?: throw QueryError(28689, "\(name)'s argument must be an array, but is \(v.typeName)")
            }
        case "$arrayElemAt":
            guard case .array(let a)? = values[0] else {
                if values[0] == nil || values[0] == .null { return .null }
                throw QueryError(28689, "$arrayElemAt's first argument must be an array, but is \(typeName(values[0]))")
            }
            guard let i = values[1]?.int64Value else { throw QueryError(28690, "$arrayElemAt's second argument must be a numeric value") }
            let index = i < 0 ? a.count + Int(i) : Int(i)
            return index >= 0 && index < a.count ? a[index] : nil
        case "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$cmp":
            let c = compareMissingLow(values[0], values[1])
            switch name {
            case "$eq": return .bool(c == 0)
            case "$ne": return .bool(c != 0)
            case "$gt": return .bool(c > 0)
            case "$gte": return .bool(c >= 0)
            case "$lt": return .bool(c < 0)
            case "$lte": return .bool(c <= 0)
            default: return .int32(Int32(c))
            }
        case "$and": return .bool(values.allSatisfy(Values.truthy))
        case "$or": return .bool(values.contains(where: Values.truthy))
        case "$not": return .bool(!Values.truthy(values[0]))
        case "$add":
            var sum: BSONValue = .int32(0)
            var date: Int64?
            for v in values {
                switch v {
                case nil, .null?, .undefined?: return .null
                case .datetime(let d)?:
                    guard date == nil else { throw QueryError(16612, "only one date allowed in an $add expression") }
                    date = d.millisecondsSince1970
                case let n? where n.isNumber: sum = Arithmetic.add(sum, n)
                case let other?: throw QueryError(16554, "$add only supports numeric or date types, not \(other.typeName)")
                }
            }
            if let date { return .datetime(BSONDate(millisecondsSince1970: try Arithmetic.offset(date, by: sum, "$add"))) }
            return sum
        case "$subtract":
            switch (values[0], values[1]) {
            case (nil, _), (_, nil), (.null?, _), (_, .null?): return .null
            case (.datetime(let a)?, .datetime(let b)?):
                let (difference, overflow) = a.millisecondsSince1970.subtractingReportingOverflow(b.millisecondsSince1970)
                if overflow { throw QueryError(15, "date overflow in $subtract") }
                return .int64(difference)
            case (.datetime(let a)?, let n?) where n.isNumber:
                return .datetime(BSONDate(millisecondsSince1970: try Arithmetic.offset(a.millisecondsSince1970, by: n, "$subtract", negate: true)))
            case (let a?, let b?) where a.isNumber && b.isNumber: return Arithmetic.subtract(a, b)
            default: throw QueryError(16556, "cant $subtract a \(typeName(values[1])) from a \(typeName(values[0]))")
            }
        case "$multiply":
            var product: BSONValue = .int32(1)
            for v in values {
                switch v {
                case nil, .null?: return .null
                case let n? where n.isNumber: product = Arithmetic.multiply(product, n)
                case let other?: throw QueryError(16555, "$multiply only supports numeric types, not \(other.typeName)")
                }
            }
            return product
        case "$divide", "$mod":
            guard let a = values[0], let b = values[1], !a.isNull, !b.isNull else { return .null }
            guard a.isNumber, b.isNumber else {
                throw QueryError(16609, "\(name) only supports numeric types, not \(a.typeName) and \(b.typeName)")
            }
            if Values.number(b) == 0 { throw QueryError(name == "$divide" ? 2 : 16610, "can't \(name) by zero") }
            if name == "$divide" { return .double(Values.number(a) / Values.number(b)) }
            if let x = a.int64Value, let y = b.int64Value, !(a.isDouble || b.isDouble) {
                // Int64.min % -1 overflows in the CPU; the remainder is 0.
                let (remainder, overflow) = x.remainderReportingOverflow(dividingBy: y)
                return Arithmetic.integer(overflow ? 0 : remainder, wide: a.isInt64 || b.isInt64)
            }
            return .double(fmod(Values.number(a), Values.number(b)))
        case "$concat":
            var out = ""
            for v in values {
                switch v {
                case nil, .null?: return .null
                case .string(let s)?: out += s
                case let other?: throw QueryError(16702, "$concat only supports strings, not \(other.typeName)")
                }
            }
            return .string(out)
        case "$toLower", "$toUpper":
            switch values[0] {
            case nil, .null?: return ""
            case .string(let s)?: return .string(name == "$toLower" ? s.lowercased() : s.uppercased())
            case let v?: return .string(name == "$toLower" ? stringValue(v).lowercased() : stringValue(v).uppercased())
            }
        case "$toString":
            guard let v = values[0], !v.isNull else { return .null }
            return .string(stringValue(v))
        case "$toObjectId":
            switch values[0] {
            case nil, .null?: return .null
            case .objectId?: return values[0]
            case .string(let s)?:
                guard let o = ObjectId(s) else { throw QueryError(241, "Failed to parse objectId '\(s)' in $convert with no onError value") }
                return .objectId(o)
            case let v?: throw QueryError(241, "Unsupported conversion from \(v.typeName) to objectId in $convert with no onError value")
            }
        case "$type": return .string(values[0].map(\.typeName) ?? "missing")
        case "$concatArrays":
            var out: [BSONValue] = []
            for v in values {
                switch v {
                case nil, .null?: return .null
                case .array(let a)?: out += a
                case let other?: throw QueryError(28664, "$concatArrays only supports arrays, not \(other.typeName)")
                }
            }
            return .array(out)
        case "$sum", "$avg", "$max", "$min":
            // One array argument: over its elements; several arguments: over them.
            var items: [BSONValue] = []
            if values.count == 1, case .array(let a)? = values[0] { items = a } else { items = values.compactMap { $0 } }
            var acc = Accumulator(name)
            for v in items { acc.add(v) }
            return acc.result
        default:
            if let result = try applyLibrary(name, values) { return result }
            throw QueryError(168, "Unrecognized expression '\(name)'")
        }
    }

    /// Expression comparison: like Values.compare, except that a missing value sorts below null
    /// (`{$eq: ["$missing", null]}` is false in MongoDB).
    static func compareMissingLow(_ a: BSONValue?, _ b: BSONValue?) -> Int {
        switch (a, b) {
        case (nil, nil): return 0
        case (nil, _): return -1
        case (_, nil): return 1
        default: return Values.compare(a, b)
        }
    }

    static func typeName(_ v: BSONValue?) -> String { v?.typeName ?? "missing" }

    static func stringValue(_ v: BSONValue) -> String {
        switch v {
        case .string(let s), .symbol(let s): return s
        case .objectId(let o): return o.hex
        case .datetime(let d): return d.iso8601
        case .bool(let b): return b ? "true" : "false"
        case .int32(let i): return String(i)
        case .int64(let i): return String(i)
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .decimal128(let d): return d.description
        default: return v.json(.relaxedExtended)
        }
    }
}

extension BSONValue {
    var isDouble: Bool { if case .double = self { true } else { false } }
    var isInt64: Bool { if case .int64 = self { true } else { false } }
}

/// int32 ∘ int32 stays int32 when it fits, else int64; int64 overflow becomes double; any double
/// makes a double.
enum Arithmetic {
    /// A date (milliseconds) moved by a number of milliseconds; MongoDB's Overflow (15) when the
    /// result (or the number itself) does not fit in 64 bits, never a trap.
    static func offset(_ date: Int64, by amount: BSONValue, _ op: String, negate: Bool = false) throws(QueryError) -> Int64 {
        let rounded = Values.number(amount).rounded()
        guard let step = Int64(exactly: rounded) else { throw QueryError(15, "date overflow in \(op)") }
        let (result, overflow) = negate ? date.subtractingReportingOverflow(step) : date.addingReportingOverflow(step)
        if overflow { throw QueryError(15, "date overflow in \(op)") }
        return result
    }

    static func integer(_ v: Int64, wide: Bool) -> BSONValue {
        if !wide, let small = Int32(exactly: v) { return .int32(small) }
        return .int64(v)
    }

    private static func combine(_ a: BSONValue, _ b: BSONValue, _ int: (Int64, Int64) -> (Int64, Bool), _ dbl: (Double, Double) -> Double)
        -> BSONValue
    {
        if !a.isDouble, !b.isDouble, !isDecimal(a), !isDecimal(b), let x = a.int64Value, let y = b.int64Value {
            let (r, overflow) = int(x, y)
            if !overflow { return integer(r, wide: a.isInt64 || b.isInt64) }
        }
        return .double(dbl(Values.number(a), Values.number(b)))
    }

    private static func isDecimal(_ v: BSONValue) -> Bool { if case .decimal128 = v { true } else { false } }

    static func add(_ a: BSONValue, _ b: BSONValue) -> BSONValue { combine(a, b, { $0.addingReportingOverflow($1) }, +) }
    static func subtract(_ a: BSONValue, _ b: BSONValue) -> BSONValue { combine(a, b, { $0.subtractingReportingOverflow($1) }, -) }
    static func multiply(_ a: BSONValue, _ b: BSONValue) -> BSONValue { combine(a, b, { $0.multipliedReportingOverflow(by: $1) }, *) }
}

/// `$sum $avg $min $max $first $last $push $addToSet`, shared by `$group` and the array forms.
/// An accumulator's name, and for `$top`/`$bottom`/`$topN`/`$bottomN` the directions of its
/// `sortBy` (their argument evaluates to `{o: output, k: [sort keys], n}`).
struct AccumulatorSpec: Sendable, ExpressibleByStringLiteral {
    let name: String
    var ascending: [Bool] = []
    init(_ name: String, ascending: [Bool] = []) {
        self.name = name
        self.ascending = ascending
    }
    init(stringLiteral name: String) { self.init(name) }

    static let ranked: Set<String> = ["$top", "$bottom", "$topN", "$bottomN"]
    static let counted: Set<String> = ["$firstN", "$lastN", "$maxN", "$minN"]

    /// The group field's spec and the expression its argument becomes.
    static func parse(_ op: String, _ arg: BSONValue) throws(QueryError) -> (AccumulatorSpec, Expression) {
        if ranked.contains(op) || counted.contains(op) {
            guard case .document(let d) = arg else { throw QueryError(5_788_001, "\(op) requires an object argument") }
            let wantsN = op.hasSuffix("N")
            if wantsN && d["n"] == nil { throw QueryError(5_787_906, "Missing value for 'n'") }
            var fields: [(String, Expression)] = [("n", try d["n"].map(Expression.parse) ?? .literal(1))]
            if ranked.contains(op) {
                guard case .document(let sortBy)? = d["sortBy"], !sortBy.isEmpty else {
                    throw QueryError(5_788_005, "\(op) requires a 'sortBy' object")
                }
                guard let output = d["output"] else { throw QueryError(5_788_004, "\(op) requires an 'output'") }
                var directions: [Bool] = []
                for (_, v) in sortBy {
                    guard let n = v.int64Value, n == 1 || n == -1 else {
                        throw QueryError(15_975, "$sort key ordering must be 1 (for ascending) or -1 (for descending)")
                    }
                    directions.append(n == 1)
                }
                fields.append(("o", try Expression.parse(output)))
                fields.append(("k", .array(sortBy.keys.map { .field(Paths.split($0)) })))
                return (AccumulatorSpec(op, ascending: directions), .object(fields))
            }
            guard let input = d["input"] else { throw QueryError(5_787_907, "\(op) requires an 'input'") }
            fields.append(("o", try Expression.parse(input)))
            return (AccumulatorSpec(op), .object(fields))
        }
        return (AccumulatorSpec(op), try Expression.parse(arg))
    }
}

struct Accumulator {
    let name: String
    private var ascending: [Bool] = []
    private var ranked: [(key: [BSONValue], output: BSONValue)] = []
    private var limit = 1
    private var sum: BSONValue = .int32(0)
    private var count = 0
    private var extreme: BSONValue?
    private var first: BSONValue??
    private var last: BSONValue?
    private var items: [BSONValue] = []
    private var seen: Set<ValueKey> = []

    static let names: Set<String> = Set([
        "$sum", "$avg", "$min", "$max", "$first", "$last", "$push", "$addToSet", "$stdDevPop", "$stdDevSamp", "$mergeObjects", "$count",
    ]).union(AccumulatorSpec.ranked).union(AccumulatorSpec.counted)
    private var merged = Document()
    private var numbers: [Double] = []

    init(_ name: String) { self.name = name }
    init(_ spec: AccumulatorSpec) {
        self.name = spec.name
        self.ascending = spec.ascending
    }

    /// Whether sort key `a` comes before `b` under the `sortBy` directions.
    private func before(_ a: [BSONValue], _ b: [BSONValue]) -> Bool {
        for (i, up) in ascending.enumerated() where i < a.count && i < b.count {
            let c = Values.compare(a[i], b[i])
            if c != 0 { return up ? c < 0 : c > 0 }
        }
        return false
    }

    mutating func add(_ value: BSONValue?) {
        switch name {
        case "$sum", "$avg":
            if let v = value, v.isNumber {
                sum = Arithmetic.add(sum, v)
                count += 1
            }
        case "$min", "$max":
            guard let v = value, !v.isNull, v != .undefined else { return }
            if let e = extreme {
                let c = Values.compare(v, e)
                if (name == "$min" && c < 0) || (name == "$max" && c > 0) { extreme = v }
            } else {
                extreme = v
            }
        case "$first":
            if first == nil { first = .some(value) }
        case "$last":
            last = value ?? .null
        case "$push":
            if let v = value { items.append(v) }
        case "$addToSet":
            if let v = value, seen.insert(ValueKey(grouping: v)).inserted { items.append(v) }
        case "$stdDevPop", "$stdDevSamp":
            if let v = value, v.isNumber { numbers.append(Values.number(v)) }
        case "$mergeObjects":
            if case .document(let d)? = value { for (k, x) in d { merged[k] = x } }
        case "$count":
            count += 1
        case "$top", "$bottom", "$topN", "$bottomN", "$firstN", "$lastN", "$maxN", "$minN":
            guard case .document(let d)? = value else { return }
            if count == 0, let n = d["n"]?.int64Value, n > 0 { limit = Int(min(n, 1_000_000)) }
            count += 1
            let output = d["o"] ?? .null
            switch name {
            case "$firstN": if items.count < limit { items.append(output) }
            case "$lastN":
                items.append(output)
                if items.count > limit { items.removeFirst() }
            case "$maxN", "$minN":
                guard !output.isNull, output != .undefined else { return }
                // Kept in order as they come (after their equals), instead of re-sorting on each add.
                let largestFirst = name == "$maxN"
                let position = items.firstIndex { largestFirst ? Values.compare(output, $0) > 0 : Values.compare(output, $0) < 0 }
                items.insert(output, at: position ?? items.count)
                if items.count > limit { items.removeLast() }
            default:
                let key = d["k"]?.arrayValue ?? []
                let keepFirst = name == "$top" || name == "$topN"
                // Keep the best `limit` in sort order (stable: earlier documents win ties).
                let position = ranked.firstIndex { before(key, $0.key) } ?? ranked.count
                ranked.insert((key, output), at: position)
                if ranked.count > limit {
                    if keepFirst { ranked.removeLast() } else { ranked.removeFirst() }
                }
            }
        default: break
        }
    }

    var result: BSONValue {
        switch name {
        case "$sum": return sum
        case "$avg": return count == 0 ? .null : .double(Values.number(sum) / Double(count))
        case "$min", "$max": return extreme ?? .null
        case "$first": return (first ?? nil) ?? .null
        case "$last": return last ?? .null
        case "$stdDevPop", "$stdDevSamp":
            let n = Double(numbers.count)
            guard numbers.count > (name == "$stdDevSamp" ? 1 : 0) else { return .null }
            let mean = numbers.reduce(0, +) / n
            let squares = numbers.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            return .double((squares / (name == "$stdDevSamp" ? n - 1 : n)).squareRoot())
        case "$mergeObjects": return .document(merged)
        case "$count": return .int32(Int32(clamping: count))
        case "$top", "$bottom": return name == "$top" ? (ranked.first?.output ?? .null) : (ranked.last?.output ?? .null)
        case "$topN", "$bottomN": return .array(ranked.map(\.output))
        default: return .array(items)
        }
    }
}
