// The BSON value types the project meets, as one Swift enum.
//
// BSON is JSON's binary cousin with more types: distinct 32/64-bit integers and doubles,
// ObjectId, dates, binary data, regular expressions. MongoDB stores and sends documents in it.
// This enum mirrors the BSON spec (bsonspec.org) type by type; equality here is structural
// (`.int32(1) != .double(1)`). MongoDB's *query* equality, where 1 == 1.0, is the query
// engine's business, not this type's.

import Foundation

public enum BSONValue: Sendable, Hashable {
    case double(Double)
    case string(String)
    case document(Document)
    case array([BSONValue])
    case binary(BSONBinary)
    case undefined
    case objectId(ObjectId)
    case bool(Bool)
    case datetime(BSONDate)
    case null
    case regex(BSONRegex)
    case javascript(String)
    case symbol(String)
    case int32(Int32)
    case timestamp(BSONTimestamp)
    case int64(Int64)
    case decimal128(BSONDecimal128)
    case minKey
    case maxKey

    /// The BSON spec's type byte for this value.
    public var typeByte: UInt8 {
        switch self {
        case .double: 0x01
        case .string: 0x02
        case .document: 0x03
        case .array: 0x04
        case .binary: 0x05
        case .undefined: 0x06
        case .objectId: 0x07
        case .bool: 0x08
        case .datetime: 0x09
        case .null: 0x0A
        case .regex: 0x0B
        case .javascript: 0x0D
        case .symbol: 0x0E
        case .int32: 0x10
        case .timestamp: 0x11
        case .int64: 0x12
        case .decimal128: 0x13
        case .minKey: 0xFF
        case .maxKey: 0x7F
        }
    }

    /// The type name MongoDB uses in `$type` and in error messages.
    public var typeName: String {
        switch self {
        case .double: "double"
        case .string: "string"
        case .document: "object"
        case .array: "array"
        case .binary: "binData"
        case .undefined: "undefined"
        case .objectId: "objectId"
        case .bool: "bool"
        case .datetime: "date"
        case .null: "null"
        case .regex: "regex"
        case .javascript: "javascript"
        case .symbol: "symbol"
        case .int32: "int"
        case .timestamp: "timestamp"
        case .int64: "long"
        case .decimal128: "decimal"
        case .minKey: "minKey"
        case .maxKey: "maxKey"
        }
    }

    // MARK: Convenient views (nil when the value is of another type)

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var documentValue: Document? { if case .document(let d) = self { d } else { nil } }
    public var arrayValue: [BSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var objectIdValue: ObjectId? { if case .objectId(let o) = self { o } else { nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var dateValue: BSONDate? { if case .datetime(let d) = self { d } else { nil } }
    public var isNull: Bool { if case .null = self { true } else { false } }
    public var isNumber: Bool {
        switch self {
        case .int32, .int64, .double, .decimal128: true
        default: false
        }
    }

    /// Any integer, or a double with no fraction that fits, as Int64.
    public var int64Value: Int64? {
        switch self {
        case .int32(let v): Int64(v)
        case .int64(let v): v
        case .double(let d): d.rounded() == d && abs(d) < 9.2e18 ? Int64(d) : nil
        default: nil
        }
    }

    /// Any number as a Double (int64 may round).
    public var doubleValue: Double? {
        switch self {
        case .int32(let v): Double(v)
        case .int64(let v): Double(v)
        case .double(let d): d
        default: nil
        }
    }
}

// MARK: Literals, so commands read like the shell: ["find": "users", "limit": 1]

extension BSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    /// Integer literals become int32 when they fit, otherwise int64 (as the drivers do).
    public init(integerLiteral value: Int) {
        self = Int32(exactly: value).map(BSONValue.int32) ?? .int64(Int64(value))
    }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: BSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, BSONValue)...) {
        self = .document(Document(elements.map { (key: $0.0, value: $0.1) }))
    }
}

// MARK: The smaller types

/// A UTC instant with millisecond precision: what BSON stores for a date.
public struct BSONDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var millisecondsSince1970: Int64
    public init(millisecondsSince1970: Int64) { self.millisecondsSince1970 = millisecondsSince1970 }
    public init(_ date: Date) {
        self.millisecondsSince1970 = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }
    /// Now, to the millisecond.
    public static func now() -> BSONDate { BSONDate(millisecondsSince1970: Clock.nowMilliseconds()) }
    public var date: Date { Date(timeIntervalSince1970: Double(millisecondsSince1970) / 1000) }
    /// ISO-8601 in UTC with milliseconds, as JavaScript's `toISOString()` writes it.
    public var iso8601: String { ISO8601.format(millisecondsSince1970) }
    public var description: String { iso8601 }
    public static func < (a: BSONDate, b: BSONDate) -> Bool { a.millisecondsSince1970 < b.millisecondsSince1970 }
}

/// Binary data with its BSON subtype (0 generic, 4 UUID, ...).
public struct BSONBinary: Sendable, Hashable {
    public var subtype: UInt8
    public var data: [UInt8]
    public init(subtype: UInt8 = 0, data: [UInt8]) {
        self.subtype = subtype
        self.data = data
    }
}

/// A regular expression as BSON stores it: the pattern and its option letters.
public struct BSONRegex: Sendable, Hashable {
    public var pattern: String
    /// Option letters, kept sorted as the BSON spec requires (e.g. "im").
    public var options: String
    public init(pattern: String, options: String = "") {
        self.pattern = pattern
        self.options = String(options.sorted())
    }
}

/// MongoDB's internal replication timestamp (seconds + ordinal). Seen in server replies.
public struct BSONTimestamp: Sendable, Hashable, Comparable {
    public var seconds: UInt32
    public var increment: UInt32
    public init(seconds: UInt32, increment: UInt32) {
        self.seconds = seconds
        self.increment = increment
    }
    public static func < (a: BSONTimestamp, b: BSONTimestamp) -> Bool {
        (a.seconds, a.increment) < (b.seconds, b.increment)
    }
}

/// IEEE 754-2008 decimal128, kept as its 16 bytes (little-endian halves, as BSON stores it).
/// The project never does decimal arithmetic; it only carries such values through and shows
/// them as text.
public struct BSONDecimal128: Sendable, Hashable, CustomStringConvertible {
    public var low: UInt64
    public var high: UInt64
    public init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }
    public var description: String { Decimal128Text.format(self) }
    /// Parses decimal text ("1.5", "-0", "1E+3", "NaN", "Infinity"); nil when not decimal.
    public init?(_ text: String) {
        guard let value = Decimal128Text.parse(text) else { return nil }
        self = value
    }
}

/// One clock for dates and ObjectIds.
enum Clock {
    static func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
