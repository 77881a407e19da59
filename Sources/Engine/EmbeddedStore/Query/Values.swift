// How MongoDB compares values: one total order across types, and numbers compared by value
// whatever their width (`1 == 1.0 == Int64(1)`).
//
// The cross-type order (from the manual's "Comparison/Sort Order"):
// MinKey < null < numbers < strings < objects < arrays < binary < ObjectId < booleans < dates
// < timestamps < regular expressions < MaxKey. Missing fields compare as null.

import BSON
import Foundation

enum Values {
    /// The rank of a value's type in MongoDB's cross-type order.
    /// The BSON type code (`$type`'s numbers): 1 double, 2 string, 3 object, 4 array, ...,
    /// -1 minKey and 127 maxKey: the value's type byte, read as signed.
    static func typeCode(_ v: BSONValue) -> Int { Int(Int8(bitPattern: v.typeByte)) }

    static func typeRank(_ v: BSONValue?) -> Int {
        guard let v else { return 2 }
        switch v {
        case .minKey: return 1
        case .null, .undefined: return 2
        case .double, .int32, .int64, .decimal128: return 3
        case .string, .symbol: return 4
        case .document: return 5
        case .array: return 6
        case .binary: return 7
        case .objectId: return 8
        case .bool: return 9
        case .datetime: return 10
        case .timestamp: return 11
        case .regex: return 12
        case .javascript: return 13
        case .maxKey: return 100
        }
    }

    /// Total order: negative, zero or positive. Strings compare by the running query's
    /// collation when it has one; `bytes` holds them to byte order (an index's own order).
    static func compare(_ a: BSONValue?, _ b: BSONValue?, bytes: Bool = false) -> Int {
        let ra = typeRank(a), rb = typeRank(b)
        if ra != rb { return ra < rb ? -1 : 1 }
        guard let a, let b else { return 0 }
        switch (a, b) {
        case (.string(let x), .string(let y)), (.symbol(let x), .symbol(let y)),
            (.string(let x), .symbol(let y)), (.symbol(let x), .string(let y)):
            if !bytes, let collation = Collation.current { return collation.compare(x, y) }  // a query with a collation
            return compareUTF8(x, y)
        case (.document(let x), .document(let y)):
            for (ex, ey) in zip(x, y) {
                let rx = typeRank(ex.value), ry = typeRank(ey.value)
                if rx != ry { return rx < ry ? -1 : 1 }
                let k = compareUTF8(ex.key, ey.key)
                if k != 0 { return k }
                let c = compare(ex.value, ey.value, bytes: bytes)
                if c != 0 { return c }
            }
            return sign(x.count - y.count)
        case (.array(let x), .array(let y)):
            for (vx, vy) in zip(x, y) {
                let c = compare(vx, vy, bytes: bytes)
                if c != 0 { return c }
            }
            return sign(x.count - y.count)
        case (.binary(let x), .binary(let y)):
            if x.data.count != y.data.count { return sign(x.data.count - y.data.count) }
            if x.subtype != y.subtype { return x.subtype < y.subtype ? -1 : 1 }
            return x.data.lexicographicallyPrecedes(y.data) ? -1 : (x.data == y.data ? 0 : 1)
        case (.objectId(let x), .objectId(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        case (.datetime(let x), .datetime(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.timestamp(let x), .timestamp(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.regex(let x), .regex(let y)):
            let c = compareUTF8(x.pattern, y.pattern)
            return c != 0 ? c : compareUTF8(x.options, y.options)
        case (.javascript(let x), .javascript(let y)): return compareUTF8(x, y)
        default:
            if ra == 3 { return compareNumbers(a, b) }
            return 0  // null/null, minKey/minKey, maxKey/maxKey
        }
    }

    static func equal(_ a: BSONValue?, _ b: BSONValue?) -> Bool { compare(a, b) == 0 }

    /// Numbers by value: exact for integers, IEEE for doubles; NaN sorts below every number.
    static func compareNumbers(_ a: BSONValue, _ b: BSONValue) -> Int {
        switch (a, b) {
        case (.int32, .int32), (.int32, .int64), (.int64, .int32), (.int64, .int64):
            let x = a.int64Value!, y = b.int64Value!
            return x < y ? -1 : (x == y ? 0 : 1)
        default:
            let x = number(a), y = number(b)
            if x.isNaN || y.isNaN { return x.isNaN && y.isNaN ? 0 : (x.isNaN ? -1 : 1) }
            return x < y ? -1 : (x == y ? 0 : 1)
        }
    }

    static func number(_ v: BSONValue) -> Double {
        switch v {
        case .int32(let i): Double(i)
        case .int64(let i): Double(i)
        case .double(let d): d
        case .decimal128(let d): Double(d.description) ?? .nan
        default: .nan
        }
    }

    /// Byte order (MongoDB's simple collation), compared with `memcmp` on the strings' UTF-8
    /// storage where it is contiguous (native strings always are). Strings Swift holds equal
    /// (canonically equivalent) compare equal, as the hash indexes' keys do.
    private static func compareUTF8(_ x: String, _ y: String) -> Int {
        if x == y { return 0 }
        let fast = x.utf8.withContiguousStorageIfAvailable { a in
            y.utf8.withContiguousStorageIfAvailable { b -> Int in
                let common = min(a.count, b.count)
                let order = common == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, common)
                if order != 0 { return order < 0 ? -1 : 1 }
                return sign(a.count - b.count)
            }
        }
        if let fast = fast ?? nil { return fast }
        return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1
    }

    private static func sign(_ n: Int) -> Int { n < 0 ? -1 : (n > 0 ? 1 : 0) }

    /// MongoDB truthiness for `$cond`, `$and`, `$expr`...: false, null, missing, undefined and 0 are false.
    static func truthy(_ v: BSONValue?) -> Bool {
        guard let v else { return false }
        switch v {
        case .bool(let b): return b
        case .null, .undefined: return false
        case .int32(let i): return i != 0
        case .int64(let i): return i != 0
        case .double(let d): return d != 0
        case .decimal128: return number(v) != 0
        default: return true
        }
    }
}

/// A hashable key with MongoDB's equality: numbers that are equal hash alike (1, 1.0, 1L).
/// Used by the hash indexes, `$group` and `$addToSet`.
enum ValueKey: Hashable, Sendable {
    case null
    case number(Double)
    case integer(Int64)
    case string(String)
    case objectId(ObjectId)
    case bool(Bool)
    case date(Int64)
    case array([ValueKey])
    case document([String], [ValueKey])
    case other(BSONValue)

    /// The key `$group` and `$addToSet` group a value by: under a query's collation, strings
    /// equal by its rules share one (their sort key); otherwise `init(_:)`. (Indexes always use
    /// `init(_:)`: their keys are byte order.)
    init(grouping v: BSONValue?) {
        if let collation = Collation.current, case .string(let text)? = v {
            self = .string(collation.sortKey(text))
        } else {
            self.init(v)
        }
    }

    init(_ v: BSONValue?) {
        guard let v else { self = .null; return }
        switch v {
        case .null, .undefined: self = .null
        case .int32(let i): self = .integer(Int64(i))
        case .int64(let i): self = .integer(i)
        case .double(let d):
            if d == d.rounded(), abs(d) < 9.2e18 { self = .integer(Int64(d)) } else { self = .number(d) }
        case .decimal128:
            let d = Values.number(v)
            if d == d.rounded(), abs(d) < 9.2e18 { self = .integer(Int64(d)) } else { self = .number(d) }
        case .string(let s), .symbol(let s): self = .string(s)
        case .objectId(let o): self = .objectId(o)
        case .bool(let b): self = .bool(b)
        case .datetime(let d): self = .date(d.millisecondsSince1970)
        case .array(let a): self = .array(a.map { ValueKey($0) })
        case .document(let d): self = .document(d.keys, d.values.map { ValueKey($0) })
        default: self = .other(v)
        }
    }
}
