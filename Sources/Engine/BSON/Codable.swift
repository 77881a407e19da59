// Swift models ↔ documents through `Codable`, as mongoose maps JS objects to documents.
//
// Special types go straight to their BSON form: `ObjectId`, `Date` and `BSONDate` (BSON
// datetime), `Document`, `BSONValue`, `Data` (binary), `URL` (string). Optionals that are nil
// are left out of the document (mongoose leaves out `undefined` too); a missing key decodes
// as nil. Numbers decode across widths when the value fits exactly, since documents written by
// Node store every number as a double.

import Foundation

/// A type with a direct BSON representation, bypassing its `Codable` form.
public protocol BSONRepresentable {
    var bsonValue: BSONValue { get }
    init?(bsonValue: BSONValue)
}

extension ObjectId: BSONRepresentable, Codable {
    public var bsonValue: BSONValue { .objectId(self) }
    public init?(bsonValue: BSONValue) {
        guard case .objectId(let o) = bsonValue else { return nil }
        self = o
    }
    /// Outside BSON (e.g. plain JSON), an ObjectId is its hex string.
    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let o = ObjectId(s) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an ObjectId"))
        }
        self = o
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(hex)
    }
}

extension BSONDate: BSONRepresentable, Codable {
    /// Outside BSON (e.g. plain JSON), a date is its ISO-8601 text.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let ms = ISO8601.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an ISO-8601 date"))
        }
        self.init(millisecondsSince1970: ms)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(iso8601)
    }

    public var bsonValue: BSONValue { .datetime(self) }
    public init?(bsonValue: BSONValue) {
        guard case .datetime(let d) = bsonValue else { return nil }
        self = d
    }
}

extension Date: BSONRepresentable {
    public var bsonValue: BSONValue { .datetime(BSONDate(self)) }
    public init?(bsonValue: BSONValue) {
        guard case .datetime(let d) = bsonValue else { return nil }
        self = d.date
    }
}

extension Document: BSONRepresentable {
    public var bsonValue: BSONValue { .document(self) }
    public init?(bsonValue: BSONValue) {
        guard case .document(let d) = bsonValue else { return nil }
        self = d
    }
}

extension BSONValue: BSONRepresentable {
    public var bsonValue: BSONValue { self }
    public init?(bsonValue: BSONValue) { self = bsonValue }
}

extension Data: BSONRepresentable {
    public var bsonValue: BSONValue { .binary(BSONBinary(data: Array(self))) }
    public init?(bsonValue: BSONValue) {
        guard case .binary(let b) = bsonValue else { return nil }
        self = Data(b.data)
    }
}

extension URL: BSONRepresentable {
    public var bsonValue: BSONValue { .string(absoluteString) }
    public init?(bsonValue: BSONValue) {
        guard case .string(let s) = bsonValue else { return nil }
        self.init(string: s)
    }
}

// MARK: Encoder

public struct BSONEncoder: Sendable {
    public init() {}

    /// Encodes a value whose Codable form is keyed (a struct or class) into a document.
    public func encode<T: Encodable>(_ value: T) throws -> Document {
        guard case .document(let d) = try encodeValue(value) else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "top-level value is not a document"))
        }
        return d
    }

    /// Encodes any Encodable value to its BSON value.
    public func encodeValue<T: Encodable>(_ value: T) throws -> BSONValue {
        if let direct = value as? any BSONRepresentable { return direct.bsonValue }
        let node = EncodingNode()
        try value.encode(to: _BSONEncoder(node: node, codingPath: []))
        return node.resolve()
    }
}

/// The tree an encoding builds; containers write into nodes, and the tree resolves to a value.
final class EncodingNode {
    enum Content {
        case empty
        case value(BSONValue)
        case keyed([(String, EncodingNode)])
        case unkeyed([EncodingNode])
    }
    var content = Content.empty

    func resolve() -> BSONValue {
        switch content {
        case .empty: return .document([:])
        case .value(let v): return v
        case .keyed(let pairs): return .document(Document(pairs.map { (key: $0.0, value: $0.1.resolve()) }))
        case .unkeyed(let nodes): return .array(nodes.map { $0.resolve() })
        }
    }

    // Both take the array out of `content` before appending (`content = .empty`), so it has one
    // owner and grows in place: left in, every key would copy the whole array.
    func child(forKey key: String) -> EncodingNode {
        let node = EncodingNode()
        var pairs: [(String, EncodingNode)] = []
        if case .keyed(let existing) = content { pairs = existing }
        content = .empty
        if let i = pairs.firstIndex(where: { $0.0 == key }) { pairs[i].1 = node } else { pairs.append((key, node)) }
        content = .keyed(pairs)
        return node
    }

    func appendChild() -> EncodingNode {
        let node = EncodingNode()
        var nodes: [EncodingNode] = []
        if case .unkeyed(let existing) = content { nodes = existing }
        content = .empty
        nodes.append(node)
        content = .unkeyed(nodes)
        return node
    }
}

struct _BSONEncoder: Encoder {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .keyed = node.content {} else { node.content = .keyed([]) }
        return KeyedEncodingContainer(KeyedBSONEncoding<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .unkeyed = node.content {} else { node.content = .unkeyed([]) }
        return UnkeyedBSONEncoding(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleBSONEncoding(node: node, codingPath: codingPath) }

    static func encode<T: Encodable>(_ value: T, into node: EncodingNode, path: [any CodingKey]) throws {
        if let direct = value as? any BSONRepresentable {
            node.content = .value(direct.bsonValue)
        } else {
            try value.encode(to: _BSONEncoder(node: node, codingPath: path))
        }
    }
}

struct KeyedBSONEncoding<Key: CodingKey>: BSONKeyedValueSink {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    mutating func put(_ value: BSONValue, forKey key: Key) { node.child(forKey: key.stringValue).content = .value(value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try _BSONEncoder.encode(value, into: node.child(forKey: key.stringValue), path: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        _BSONEncoder(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key]).container(keyedBy: NestedKey.self)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        _BSONEncoder(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder {
        _BSONEncoder(node: node.child(forKey: "super"), codingPath: codingPath)
    }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        _BSONEncoder(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
    }
}

struct UnkeyedBSONEncoding: UnkeyedEncodingContainer, BSONValueSink {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var count: Int {
        if case .unkeyed(let nodes) = node.content { return nodes.count }
        return 0
    }

    mutating func put(_ value: BSONValue) { node.appendChild().content = .value(value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try _BSONEncoder.encode(value, into: node.appendChild(), path: codingPath)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        _BSONEncoder(node: node.appendChild(), codingPath: codingPath).container(keyedBy: NestedKey.self)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        _BSONEncoder(node: node.appendChild(), codingPath: codingPath).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { _BSONEncoder(node: node.appendChild(), codingPath: codingPath) }
}

struct SingleBSONEncoding: SingleValueEncodingContainer, BSONValueSink {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    mutating func put(_ value: BSONValue) { node.content = .value(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try _BSONEncoder.encode(value, into: node, path: codingPath) }
}

// MARK: Decoder

public struct BSONDecoder: Sendable {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from document: Document) throws -> T {
        try decode(type, fromValue: .document(document))
    }

    public func decode<T: Decodable>(_ type: T.Type, fromValue value: BSONValue) throws -> T {
        try _BSONDecoder.decode(type, from: value, path: [])
    }
}

struct _BSONDecoder: Decoder {
    let value: BSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    static func decode<T: Decodable>(_ type: T.Type, from value: BSONValue, path: [any CodingKey]) throws -> T {
        if let direct = type as? any BSONRepresentable.Type {
            guard let v = direct.init(bsonValue: value) else {
                throw DecodingError.typeMismatch(type, .init(codingPath: path, debugDescription: "expected \(type), found \(value.typeName)"))
            }
            return v as! T
        }
        return try T(from: _BSONDecoder(value: value, codingPath: path))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .document(let d) = value else {
            throw DecodingError.typeMismatch(
                Document.self, .init(codingPath: codingPath, debugDescription: "expected an object, found \(value.typeName)"))
        }
        return KeyedDecodingContainer(KeyedBSONDecoding<Key>(document: d, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let a) = value else {
            throw DecodingError.typeMismatch(
                [BSONValue].self, .init(codingPath: codingPath, debugDescription: "expected an array, found \(value.typeName)"))
        }
        return UnkeyedBSONDecoding(values: a, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleBSONDecoding(value: value, codingPath: codingPath) }
}

/// Reads a scalar of the requested Swift type out of a BSON value, converting numbers only when exact.
private func scalar<T>(_ type: T.Type, _ value: BSONValue, _ path: [any CodingKey]) throws -> T {
    func mismatch() -> DecodingError {
        .typeMismatch(type, .init(codingPath: path, debugDescription: "expected \(type), found \(value.typeName)"))
    }
    switch type {
    case is Bool.Type:
        guard case .bool(let b) = value else { throw mismatch() }
        return b as! T
    case is String.Type:
        guard case .string(let s) = value else { throw mismatch() }
        return s as! T
    case is Double.Type:
        guard let d = value.doubleValue else { throw mismatch() }
        return d as! T
    case is Float.Type:
        guard let d = value.doubleValue else { throw mismatch() }
        return Float(d) as! T
    default:
        throw mismatch()
    }
}

private func integer<T: FixedWidthInteger>(_ type: T.Type, _ value: BSONValue, _ path: [any CodingKey]) throws -> T {
    guard let wide = value.int64Value, let v = T(exactly: wide) else {
        throw DecodingError.typeMismatch(
            type, .init(codingPath: path, debugDescription: "expected an integer that fits \(type), found \(value.typeName)"))
    }
    return v
}

struct KeyedBSONDecoding<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let document: Document
    let codingPath: [any CodingKey]
    var allKeys: [Key] { document.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { document.contains(key: key.stringValue) }

    private func value(_ key: Key) throws -> BSONValue {
        guard let v = document[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing field \"\(key.stringValue)\""))
        }
        return v
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        switch document[key.stringValue] {
        case nil, .null?, .undefined?: true
        default: false
        }
    }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try scalar(type, value(key), codingPath + [key]) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try scalar(type, value(key), codingPath + [key]) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try scalar(type, value(key), codingPath + [key]) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(type, value(key), codingPath + [key]) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(type, value(key), codingPath + [key]) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(type, value(key), codingPath + [key]) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try _BSONDecoder.decode(type, from: value(key), path: codingPath + [key])
    }
    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try _BSONDecoder(value: value(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try _BSONDecoder(value: value(key), codingPath: codingPath + [key]).unkeyedContainer()
    }
    func superDecoder() throws -> any Decoder { _BSONDecoder(value: document["super"] ?? .null, codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        _BSONDecoder(value: document[key.stringValue] ?? .null, codingPath: codingPath + [key])
    }
}

struct IndexKey: CodingKey {
    let intValue: Int?
    let stringValue: String
    init(_ i: Int) { intValue = i; stringValue = String(i) }
    init?(intValue: Int) { self.init(intValue) }
    init?(stringValue: String) { return nil }
}

struct UnkeyedBSONDecoding: UnkeyedDecodingContainer {
    let values: [BSONValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { values.count }
    var isAtEnd: Bool { currentIndex >= values.count }

    init(values: [BSONValue], codingPath: [any CodingKey]) {
        self.values = values
        self.codingPath = codingPath
    }

    private mutating func next() throws -> (BSONValue, [any CodingKey]) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(BSONValue.self, .init(codingPath: codingPath, debugDescription: "array has no more elements"))
        }
        defer { currentIndex += 1 }
        return (values[currentIndex], codingPath + [IndexKey(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, values[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }
    mutating func decode(_ type: Bool.Type) throws -> Bool { let (v, p) = try next(); return try scalar(type, v, p) }
    mutating func decode(_ type: String.Type) throws -> String { let (v, p) = try next(); return try scalar(type, v, p) }
    mutating func decode(_ type: Double.Type) throws -> Double { let (v, p) = try next(); return try scalar(type, v, p) }
    mutating func decode(_ type: Int.Type) throws -> Int { let (v, p) = try next(); return try integer(type, v, p) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (v, p) = try next()
        return try _BSONDecoder.decode(type, from: v, path: p)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (v, p) = try next()
        return try _BSONDecoder(value: v, codingPath: p).container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (v, p) = try next()
        return try _BSONDecoder(value: v, codingPath: p).unkeyedContainer()
    }
    mutating func superDecoder() throws -> any Decoder {
        let (v, p) = try next()
        return _BSONDecoder(value: v, codingPath: p)
    }
}

struct SingleBSONDecoding: SingleValueDecodingContainer {
    let value: BSONValue
    let codingPath: [any CodingKey]
    func decodeNil() -> Bool { value.isNull || value == .undefined }
    func decode(_ type: Bool.Type) throws -> Bool { try scalar(type, value, codingPath) }
    func decode(_ type: String.Type) throws -> String { try scalar(type, value, codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try scalar(type, value, codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try scalar(type, value, codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try integer(type, value, codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type, value, codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type, value, codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type, value, codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type, value, codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type, value, codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type, value, codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type, value, codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type, value, codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type, value, codingPath) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try _BSONDecoder.decode(type, from: value, path: codingPath) }
}

// MARK: Documents inside other coders (e.g. JSONEncoder for HTTP responses)

/// Outside BSON a value takes its API JSON form: ObjectId as hex, dates as ISO-8601 strings.
/// (The BSON coders never come here: they take `BSONRepresentable` values as they are.)
extension BSONValue: Codable {
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .document(let d): try d.encode(to: encoder)
        case .array(let a):
            var c = encoder.unkeyedContainer()
            for v in a { try c.encode(v) }
        default:
            var c = encoder.singleValueContainer()
            switch self {
            case .double(let d) where d.isFinite: try c.encode(d)
            case .string(let s), .javascript(let s), .symbol(let s): try c.encode(s)
            case .bool(let b): try c.encode(b)
            case .int32(let v): try c.encode(v)
            case .int64(let v): try c.encode(v)
            case .objectId(let o): try c.encode(o.hex)
            case .datetime(let d): try c.encode(d.iso8601)
            case .decimal128(let d): try c.encode(d.description)
            case .binary(let b): try c.encode(Data(b.data).base64EncodedString())
            case .regex(let r): try c.encode("/\(r.pattern)/\(r.options)")
            case .timestamp(let t): try c.encode(Int64(t.seconds))
            default: try c.encodeNil()  // null, undefined, min/max key, non-finite doubles
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
            var d = Document()
            for key in keyed.allKeys { d.append(key.stringValue, try keyed.decode(BSONValue.self, forKey: key)) }
            self = .document(d)
        } else if var unkeyed = try? decoder.unkeyedContainer() {
            var a: [BSONValue] = []
            while !unkeyed.isAtEnd { a.append(try unkeyed.decode(BSONValue.self)) }
            self = .array(a)
        } else {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() {
                self = .null
            } else if let b = try? c.decode(Bool.self) {
                self = .bool(b)
            } else if let i = try? c.decode(Int64.self) {
                self = Int32(exactly: i).map(BSONValue.int32) ?? .int64(i)
            } else if let d = try? c.decode(Double.self) {
                self = .double(d)
            } else {
                self = .string(try c.decode(String.self))
            }
        }
    }
}

extension Document: Codable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        for (k, v) in self { try c.encode(v, forKey: AnyKey(k)) }
    }
    public init(from decoder: any Decoder) throws {
        guard case .document(let d) = try BSONValue(from: decoder) else {
            throw DecodingError.typeMismatch(Document.self, .init(codingPath: decoder.codingPath, debugDescription: "expected an object"))
        }
        self = d
    }
}

struct AnyKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}
