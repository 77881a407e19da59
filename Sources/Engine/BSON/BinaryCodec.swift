// BSON bytes ↔ `Document`, written once and shared by everything that touches bytes:
// the MongoDB driver bridge, the embedded store's SQLite rows and the wire server.
//
// Layout (bsonspec.org): int32 total length, then elements `type byte, key\0, value`, then 0.
// All integers little-endian. Decoding checks every length against the bytes that are
// really there, so hostile or truncated input is an error, never a crash.

public struct BSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Document {
    /// The document's BSON encoding.
    public var bsonBytes: [UInt8] {
        var writer = BSONWriter()
        writer.reserve(64)
        writer.write(self)
        return writer.bytes
    }

    /// Decodes exactly one BSON document occupying all of `bytes`.
    public init(bsonBytes bytes: [UInt8]) throws(BSONError) {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(BSONError) in try Document(bsonBuffer: buffer) }
        }
        self = try result.get()
    }

    /// Decodes exactly one BSON document occupying all of `buffer`.
    public init(bsonBuffer buffer: UnsafeRawBufferPointer) throws(BSONError) {
        var reader = BSONReader(buffer)
        let doc = try reader.readDocument(depth: 0)
        guard reader.position == buffer.count else {
            throw BSONError("\(buffer.count - reader.position) bytes after the end of the document")
        }
        self = doc
    }
}

// MARK: Writing

public struct BSONWriter {
    public private(set) var bytes: [UInt8] = []
    public init() {}

    public mutating func reserve(_ n: Int) { bytes.reserveCapacity(n) }

    public mutating func write(_ document: Document) {
        let start = bytes.count
        appendInt32(0)  // patched below
        for (key, value) in document { writeElement(key, value) }
        bytes.append(0)
        patchLength(at: start)
    }

    private mutating func writeArray(_ array: [BSONValue]) {
        let start = bytes.count
        appendInt32(0)
        for (i, value) in array.enumerated() { writeElement(String(i), value) }
        bytes.append(0)
        patchLength(at: start)
    }

    private mutating func writeElement(_ key: String, _ value: BSONValue) {
        bytes.append(value.typeByte)
        appendCString(key)
        switch value {
        case .double(let d): appendLE(d.bitPattern)
        case .string(let s), .javascript(let s), .symbol(let s): appendString(s)
        case .document(let d): write(d)
        case .array(let a): writeArray(a)
        case .binary(let b):
            appendInt32(Int32(b.data.count))
            bytes.append(b.subtype)
            bytes.append(contentsOf: b.data)
        case .undefined, .null, .minKey, .maxKey: break
        case .objectId(let o): bytes.append(contentsOf: o.bytes)
        case .bool(let b): bytes.append(b ? 1 : 0)
        case .datetime(let d): appendLE(d.millisecondsSince1970)
        case .regex(let r):
            appendCString(r.pattern)
            appendCString(r.options)
        case .int32(let v): appendInt32(v)
        case .timestamp(let t):
            appendLE(t.increment)
            appendLE(t.seconds)
        case .int64(let v): appendLE(v)
        case .decimal128(let d):
            appendLE(d.low)
            appendLE(d.high)
        }
    }

    private mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    private mutating func appendInt32(_ v: Int32) { appendLE(v) }

    /// Keys and regex parts are C strings: an embedded NUL would cut them, so it is dropped.
    private mutating func appendCString(_ s: String) {
        for byte in s.utf8 where byte != 0 { bytes.append(byte) }
        bytes.append(0)
    }

    private mutating func appendString(_ s: String) {
        let utf8 = s.utf8
        appendInt32(Int32(utf8.count + 1))
        bytes.append(contentsOf: utf8)
        bytes.append(0)
    }

    private mutating func patchLength(at start: Int) {
        let length = UInt32(bytes.count - start)
        bytes[start] = UInt8(truncatingIfNeeded: length)
        bytes[start + 1] = UInt8(truncatingIfNeeded: length >> 8)
        bytes[start + 2] = UInt8(truncatingIfNeeded: length >> 16)
        bytes[start + 3] = UInt8(truncatingIfNeeded: length >> 24)
    }
}

// MARK: Reading

public struct BSONReader {
    /// Deeper nesting than this is refused: it protects the stack from hostile input.
    public static let maxDepth = 200

    let buffer: UnsafeRawBufferPointer
    public private(set) var position = 0

    public init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }

    public mutating func readDocument(depth: Int) throws(BSONError) -> Document {
        var elements: [Document.Element] = []
        try readContainer(depth: depth) { (key, value) in elements.append((key: key, value: value)) }
        return Document(elements)
    }

    private mutating func readArray(depth: Int) throws(BSONError) -> [BSONValue] {
        var values: [BSONValue] = []
        try readContainer(depth: depth) { (_, value) in values.append(value) }
        return values
    }

    private mutating func readContainer(depth: Int, _ body: (String, BSONValue) -> Void) throws(BSONError) {
        guard depth <= Self.maxDepth else { throw BSONError("documents nested deeper than \(Self.maxDepth) levels") }
        let start = position
        let length = Int(try readInt32())
        guard length >= 5, start + length <= buffer.count else {
            throw BSONError("document length \(length) does not fit the \(buffer.count - start) bytes available")
        }
        let end = start + length - 1  // index of the terminating 0
        guard buffer[end] == 0 else { throw BSONError("document does not end with a 0 byte") }
        while position < end {
            let type = buffer[position]
            position += 1
            let key = try readCString(limit: end)
            let value = try readValue(type: type, limit: end, depth: depth)
            body(key, value)
        }
        guard position == end else { throw BSONError("element overruns its document") }
        position = end + 1
    }

    private mutating func readValue(type: UInt8, limit: Int, depth: Int) throws(BSONError) -> BSONValue {
        switch type {
        case 0x01: return .double(Double(bitPattern: try readLE(UInt64.self, limit: limit)))
        case 0x02: return .string(try readString(limit: limit))
        case 0x03:
            try need(5, limit: limit)
            return .document(try readDocument(depth: depth + 1))
        case 0x04:
            try need(5, limit: limit)
            return .array(try readArray(depth: depth + 1))
        case 0x05:
            let count = Int(try readLE(Int32.self, limit: limit))
            guard count >= 0 else { throw BSONError("negative binary length") }
            try need(1 + count, limit: limit)
            let subtype = buffer[position]
            let data = Array(buffer[(position + 1)..<(position + 1 + count)])
            position += 1 + count
            return .binary(BSONBinary(subtype: subtype, data: data))
        case 0x06: return .undefined
        case 0x07:
            try need(12, limit: limit)
            let oid = ObjectId(bytes: buffer[position..<(position + 12)])!
            position += 12
            return .objectId(oid)
        case 0x08:
            try need(1, limit: limit)
            let b = buffer[position]
            guard b <= 1 else { throw BSONError("boolean byte \(b) is neither 0 nor 1") }
            position += 1
            return .bool(b == 1)
        case 0x09: return .datetime(BSONDate(millisecondsSince1970: try readLE(Int64.self, limit: limit)))
        case 0x0A: return .null
        case 0x0B:
            let pattern = try readCString(limit: limit)
            let options = try readCString(limit: limit)
            return .regex(BSONRegex(pattern: pattern, options: options))
        case 0x0D: return .javascript(try readString(limit: limit))
        case 0x0E: return .symbol(try readString(limit: limit))
        case 0x10: return .int32(try readLE(Int32.self, limit: limit))
        case 0x11:
            let increment = try readLE(UInt32.self, limit: limit)
            let seconds = try readLE(UInt32.self, limit: limit)
            return .timestamp(BSONTimestamp(seconds: seconds, increment: increment))
        case 0x12: return .int64(try readLE(Int64.self, limit: limit))
        case 0x13:
            let low = try readLE(UInt64.self, limit: limit)
            let high = try readLE(UInt64.self, limit: limit)
            return .decimal128(BSONDecimal128(low: low, high: high))
        case 0xFF: return .minKey
        case 0x7F: return .maxKey
        default:
            throw BSONError("unsupported BSON element type 0x\(String(type, radix: 16))")
        }
    }

    private func need(_ n: Int, limit: Int) throws(BSONError) {
        guard n >= 0, position + n <= limit else { throw BSONError("value runs past the end of its document") }
    }

    private mutating func readInt32() throws(BSONError) -> Int32 {
        try readLE(Int32.self, limit: buffer.count)
    }

    private mutating func readLE<T: FixedWidthInteger>(_: T.Type, limit: Int) throws(BSONError) -> T {
        let size = MemoryLayout<T>.size
        try need(size, limit: limit)
        let v = buffer.loadUnaligned(fromByteOffset: position, as: T.self)
        position += size
        return T(littleEndian: v)
    }

    private mutating func readCString(limit: Int) throws(BSONError) -> String {
        var end = position
        while end < limit, buffer[end] != 0 { end += 1 }
        guard end < limit else { throw BSONError("unterminated key or C string") }
        let s = try utf8(position, end)
        position = end + 1
        return s
    }

    private mutating func readString(limit: Int) throws(BSONError) -> String {
        let length = Int(try readLE(Int32.self, limit: limit))
        guard length >= 1 else { throw BSONError("string length \(length) is below 1") }
        try need(length, limit: limit)
        guard buffer[position + length - 1] == 0 else { throw BSONError("string is not NUL-terminated") }
        let s = try utf8(position, position + length - 1)
        position += length
        return s
    }

    private func utf8(_ from: Int, _ to: Int) throws(BSONError) -> String {
        let slice = UnsafeRawBufferPointer(rebasing: buffer[from..<to])
        guard let s = String(validating: slice, as: UTF8.self) else { throw BSONError("string is not valid UTF-8") }
        return s
    }
}
