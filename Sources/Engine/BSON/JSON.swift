// Documents as JSON text, in the two forms the project needs:
//
// - **Relaxed Extended JSON** (MongoDB's spec): what mongosh prints, lossless for every BSON
//   type, e.g. `{"_id": {"$oid": "65f0..."}, "createdAt": {"$date": "2024-03-01T09:05:07.042Z"}}`.
// - **API JSON**: what the Node version's `res.json()` sent, e.g. `{"_id": "65f0...",
//   "createdAt": "2024-03-01T09:05:07.042Z"}`. Lossy by design: it is for clients, not storage.
//
// The reader is hand-written because it must keep key order (MongoDB commands depend on it)
// and keep integers apart from doubles; Foundation's JSONSerialization does neither.

import Foundation

public enum JSONMode: Sendable {
    case relaxedExtended
    case api
}

extension BSONValue {
    public func json(_ mode: JSONMode) -> String {
        var out = ""
        JSONWriter(mode: mode).write(self, into: &out)
        return out
    }

    /// Parses plain JSON (no `$oid` etc. interpretation). Integers become int32 or int64,
    /// numbers with a fraction or exponent become double.
    public init(json: String) throws(BSONError) {
        var parser = JSONParser(Array(json.utf8))
        self = try parser.parseTop()
    }

    /// Parses relaxed or canonical Extended JSON: `{"$oid": ...}`, `{"$date": ...}`,
    /// `{"$numberLong": ...}` and the rest become their BSON types.
    public init(extendedJSON: String) throws(BSONError) {
        self = try BSONValue(json: extendedJSON).fromExtendedJSON()
    }
}

extension Document {
    public func json(_ mode: JSONMode) -> String { BSONValue.document(self).json(mode) }

    public init(extendedJSON: String) throws(BSONError) {
        guard case .document(let d) = try BSONValue(extendedJSON: extendedJSON) else {
            throw BSONError("expected a JSON object")
        }
        self = d
    }
}

// MARK: Writing

struct JSONWriter {
    let mode: JSONMode

    func write(_ value: BSONValue, into out: inout String) {
        switch value {
        case .double(let d):
            if d.isFinite {
                // Whole doubles keep a ".0" in Extended JSON so they read back as doubles.
                if mode == .relaxedExtended, d == d.rounded(), abs(d) < 1e16 { out += String(Int64(d)) + ".0" } else { out += String(d) }
            } else if mode == .api {
                out += "null"  // as JSON.stringify does
            } else {
                out += #"{"$numberDouble":""# + (d.isNaN ? "NaN" : d > 0 ? "Infinity" : "-Infinity") + #""}"#
            }
        case .string(let s): writeString(s, into: &out)
        case .document(let d):
            out += "{"
            var first = true
            for (k, v) in d {
                if !first { out += "," }
                first = false
                writeString(k, into: &out)
                out += ":"
                write(v, into: &out)
            }
            out += "}"
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                write(v, into: &out)
            }
            out += "]"
        case .binary(let b):
            let base64 = Data(b.data).base64EncodedString()
            if mode == .api { writeString(base64, into: &out); return }
            let sub = String(b.subtype, radix: 16)
            out += #"{"$binary":{"base64":""# + base64 + #"","subType":""# + (sub.count == 1 ? "0" + sub : sub) + #""}}"#
        case .undefined: out += mode == .api ? "null" : #"{"$undefined":true}"#
        case .objectId(let o):
            out += mode == .api ? "\"\(o.hex)\"" : #"{"$oid":""# + o.hex + #""}"#
        case .bool(let b): out += b ? "true" : "false"
        case .datetime(let d):
            if mode == .api { out += "\"\(d.iso8601)\""; return }
            let ms = d.millisecondsSince1970
            if ms >= 0 && ms < 253_402_300_800_000 {  // years 1970 through 9999
                out += #"{"$date":""# + d.iso8601 + #""}"#
            } else {
                out += #"{"$date":{"$numberLong":""# + String(ms) + #""}}"#
            }
        case .null: out += "null"
        case .regex(let r):
            if mode == .api { writeString("/\(r.pattern)/\(r.options)", into: &out); return }
            out += #"{"$regularExpression":{"pattern":"#
            writeString(r.pattern, into: &out)
            out += #","options":""# + r.options + #""}}"#
        case .javascript(let s):
            if mode == .api { writeString(s, into: &out); return }
            out += #"{"$code":"#
            writeString(s, into: &out)
            out += "}"
        case .symbol(let s):
            if mode == .api { writeString(s, into: &out); return }
            out += #"{"$symbol":"#
            writeString(s, into: &out)
            out += "}"
        case .int32(let v): out += String(v)
        case .int64(let v): out += String(v)
        case .timestamp(let t):
            out += #"{"$timestamp":{"t":"# + String(t.seconds) + #","i":"# + String(t.increment) + "}}"
        case .decimal128(let d): out += #"{"$numberDecimal":""# + d.description + #""}"#
        case .minKey: out += mode == .api ? "null" : #"{"$minKey":1}"#
        case .maxKey: out += mode == .api ? "null" : #"{"$maxKey":1}"#
        }
    }

    func writeString(_ s: String, into out: inout String) {
        out += "\""
        // Most strings need no escape: one pass over their UTF-8 bytes says so, and they are
        // appended whole. (0xE2 starts U+2028 and U+2029, escaped below; other characters that
        // start with it take the careful path, which is only slower.)
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == 0xE2 }) {
            out += s
            out += "\""
            return
        }
        var plainStart = s.unicodeScalars.startIndex
        var i = plainStart
        let scalars = s.unicodeScalars
        while i < scalars.endIndex {
            let c = scalars[i]
            let escape: String?
            switch c {
            case "\"": escape = "\\\""
            case "\\": escape = "\\\\"
            case "\n": escape = "\\n"
            case "\r": escape = "\\r"
            case "\t": escape = "\\t"
            case "\u{08}": escape = "\\b"
            case "\u{0C}": escape = "\\f"
            // U+2028/2029 are legal JSON but break JavaScript string literals: escape them too.
            case _ where c.value < 0x20 || c.value == 0x2028 || c.value == 0x2029:
                let hex = String(c.value, radix: 16)
                escape = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: escape = nil
            }
            if let escape {
                out.unicodeScalars.append(contentsOf: scalars[plainStart..<i])
                out += escape
                plainStart = scalars.index(after: i)
            }
            i = scalars.index(after: i)
        }
        out.unicodeScalars.append(contentsOf: scalars[plainStart..<scalars.endIndex])
        out += "\""
    }
}

// MARK: Reading

struct JSONParser {
    static let maxDepth = 200
    let bytes: [UInt8]
    var i = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseTop() throws(BSONError) -> BSONValue {
        let v = try parseValue(depth: 0)
        skipSpace()
        guard i == bytes.count else { throw error("unexpected text after the JSON value") }
        return v
    }

    private func error(_ what: String) -> BSONError { BSONError("invalid JSON at offset \(i): \(what)") }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func literal(_ word: String, _ value: BSONValue) throws(BSONError) -> BSONValue {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { throw error("unknown literal") }
        i += w.count
        return value
    }

    private mutating func parseValue(depth: Int) throws(BSONError) -> BSONValue {
        guard depth <= Self.maxDepth else { throw error("nested deeper than \(Self.maxDepth) levels") }
        skipSpace()
        guard i < bytes.count else { throw error("unexpected end of input") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var doc = Document()
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .document(doc) }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let key = try parseString()
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("expected ':'") }
                i += 1
                doc.append(key, try parseValue(depth: depth + 1))
                skipSpace()
                guard i < bytes.count else { throw error("unterminated object") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .document(doc) }
                throw error("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            i += 1
            var array: [BSONValue] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(array) }
            while true {
                array.append(try parseValue(depth: depth + 1))
                skipSpace()
                guard i < bytes.count else { throw error("unterminated array") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(array) }
                throw error("expected ',' or ']'")
            }
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default: return try parseNumber()
        }
    }

    private mutating func parseNumber() throws(BSONError) -> BSONValue {
        let start = i
        var isInteger = true
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        let digitsStart = i
        while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
        guard i > digitsStart else { throw error("unexpected character") }
        if bytes[digitsStart] == 0x30, i - digitsStart > 1 { throw error("leading zero in a number") }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            let f = i
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            guard i > f else { throw error("expected digits after '.'") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            isInteger = false
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            let e = i
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            guard i > e else { throw error("expected digits in the exponent") }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if isInteger, let v = Int64(text) {
            return Int32(exactly: v).map(BSONValue.int32) ?? .int64(v)
        }
        guard let d = Double(text) else { throw error("bad number") }
        return .double(d)
    }

    private mutating func parseString() throws(BSONError) -> String {
        i += 1  // opening quote
        var out = [UInt8]()
        while true {
            guard i < bytes.count else { throw error("unterminated string") }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { i += 1; break }
            if c < 0x20 { throw error("control character in a string") }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < bytes.count else { throw error("unterminated escape") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate must be followed by an escaped low one.
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw error("unpaired surrogate")
                }
                out.append(contentsOf: Array(String(Unicode.Scalar(scalar)!).utf8))
            default: throw error("bad escape")
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw error("string is not valid UTF-8") }
        return s
    }

    private mutating func hex4() throws(BSONError) -> UInt32 {
        guard i + 4 <= bytes.count else { throw error("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let n: UInt32
            switch c {
            case 0x30...0x39: n = UInt32(c - 0x30)
            case 0x41...0x46: n = UInt32(c - 0x41 + 10)
            case 0x61...0x66: n = UInt32(c - 0x61 + 10)
            default: throw error("bad \\u escape")
            }
            v = v << 4 | n
            i += 1
        }
        return v
    }
}

// MARK: Extended JSON → BSON types

extension BSONValue {
    /// Replaces Extended JSON wrapper objects (`{"$oid": ...}` and friends) with the BSON values
    /// they stand for, recursively. Unknown `$` keys are left as they are (they are query
    /// operators like `$gt`, which must pass through).
    public func fromExtendedJSON() throws(BSONError) -> BSONValue {
        switch self {
        case .array(let a):
            var out: [BSONValue] = []
            out.reserveCapacity(a.count)
            for v in a { out.append(try v.fromExtendedJSON()) }
            return .array(out)
        case .document(let d):
            if let special = try Self.extendedWrapper(d) { return special }
            var out = Document()
            for (k, v) in d { out.append(k, try v.fromExtendedJSON()) }
            return .document(out)
        default:
            return self
        }
    }

    private static func extendedWrapper(_ d: Document) throws(BSONError) -> BSONValue? {
        guard let key = d.first?.key, key.hasPrefix("$") else { return nil }
        let bad = BSONError("invalid Extended JSON for \(key)")
        switch (key, d.count) {
        case ("$oid", 1):
            guard let s = d[key]?.stringValue, let o = ObjectId(s) else { throw bad }
            return .objectId(o)
        case ("$date", 1):
            switch d[key]! {
            case .string(let s):
                guard let ms = ISO8601.parse(s) else { throw bad }
                return .datetime(BSONDate(millisecondsSince1970: ms))
            case .document(let inner):
                guard case .int64(let ms)? = try extendedWrapper(inner) else { throw bad }
                return .datetime(BSONDate(millisecondsSince1970: ms))
            case let n where n.int64Value != nil:
                return .datetime(BSONDate(millisecondsSince1970: n.int64Value!))
            default: throw bad
            }
        case ("$numberLong", 1):
            guard let s = d[key]?.stringValue, let v = Int64(s) else { throw bad }
            return .int64(v)
        case ("$numberInt", 1):
            guard let s = d[key]?.stringValue, let v = Int32(s) else { throw bad }
            return .int32(v)
        case ("$numberDouble", 1):
            guard let s = d[key]?.stringValue else { throw bad }
            switch s {
            case "Infinity": return .double(.infinity)
            case "-Infinity": return .double(-.infinity)
            case "NaN": return .double(.nan)
            default:
                guard let v = Double(s) else { throw bad }
                return .double(v)
            }
        case ("$numberDecimal", 1):
            guard let s = d[key]?.stringValue, let v = BSONDecimal128(s) else { throw bad }
            return .decimal128(v)
        case ("$binary", 1):
            guard let inner = d[key]?.documentValue, let b64 = inner["base64"]?.stringValue,
                let sub = inner["subType"]?.stringValue, let subtype = UInt8(sub, radix: 16),
                let data = Data(base64Encoded: b64)
            else { throw bad }
            return .binary(BSONBinary(subtype: subtype, data: Array(data)))
        case ("$regularExpression", 1):
            guard let inner = d[key]?.documentValue, let p = inner["pattern"]?.stringValue,
                let o = inner["options"]?.stringValue
            else { throw bad }
            return .regex(BSONRegex(pattern: p, options: o))
        case ("$timestamp", 1):
            guard let inner = d[key]?.documentValue, let t = inner["t"]?.int64Value, let i = inner["i"]?.int64Value,
                let t32 = UInt32(exactly: t), let i32 = UInt32(exactly: i)
            else { throw bad }
            return .timestamp(BSONTimestamp(seconds: t32, increment: i32))
        case ("$code", 1):
            guard let s = d[key]?.stringValue else { throw bad }
            return .javascript(s)
        case ("$symbol", 1):
            guard let s = d[key]?.stringValue else { throw bad }
            return .symbol(s)
        case ("$minKey", 1): return .minKey
        case ("$maxKey", 1): return .maxKey
        case ("$undefined", 1): return .undefined
        default: return nil
        }
    }
}
