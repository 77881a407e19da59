// The primitive `encode` methods of Codable's containers, written once. A container says how it
// stores one BSON value (`put`); every nil, Bool, String and number becomes that value here.
// Both of the module's encoders use them: the document encoder (Codable.swift) and the API JSON
// writer (APIJSONEncoding.swift), so a number is the same in a stored document and in a response.
//
// Every integer width needs its own entry: left to a container's generic `encode<T>`, an Int8
// would encode through its own `encode(to:)`, which asks a single-value container for the same
// thing again, forever.

/// Integers keep their width where BSON has one: Int32 and smaller → int32, the rest → int64
/// (an error beyond it).
func bsonInteger<T: BinaryInteger>(_ v: T) throws -> BSONValue {
    if T.self == Int32.self || T.self == Int16.self || T.self == Int8.self || T.self == UInt8.self || T.self == UInt16.self {
        return .int32(Int32(v))
    }
    guard let w = Int64(exactly: v) else {
        throw EncodingError.invalidValue(v, .init(codingPath: [], debugDescription: "integer does not fit in int64"))
    }
    return .int64(w)
}

/// An unkeyed or single-value container, storing one value at a time.
protocol BSONValueSink {
    mutating func put(_ value: BSONValue) throws
}

extension BSONValueSink {
    mutating func encodeNil() throws { try put(.null) }
    mutating func encode(_ value: Bool) throws { try put(.bool(value)) }
    mutating func encode(_ value: String) throws { try put(.string(value)) }
    mutating func encode(_ value: Double) throws { try put(.double(value)) }
    mutating func encode(_ value: Float) throws { try put(.double(Double(value))) }
    mutating func encode(_ value: Int) throws { try put(try bsonInteger(value)) }
    mutating func encode(_ value: Int8) throws { try put(try bsonInteger(value)) }
    mutating func encode(_ value: Int16) throws { try put(try bsonInteger(value)) }
    mutating func encode(_ value: Int32) throws { try put(.int32(value)) }
    mutating func encode(_ value: Int64) throws { try put(.int64(value)) }
    mutating func encode(_ value: UInt) throws { try put(try bsonInteger(value)) }
    mutating func encode(_ value: UInt8) throws { try put(try bsonInteger(value)) }
    mutating func encode(_ value: UInt16) throws { try put(try bsonInteger(value)) }
    mutating func encode(_ value: UInt32) throws { try put(try bsonInteger(value)) }
    mutating func encode(_ value: UInt64) throws { try put(try bsonInteger(value)) }
}

/// A keyed container, storing one value under a key at a time.
protocol BSONKeyedValueSink: KeyedEncodingContainerProtocol {
    mutating func put(_ value: BSONValue, forKey key: Key) throws
}

extension BSONKeyedValueSink {
    mutating func encodeNil(forKey key: Key) throws { try put(.null, forKey: key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try put(.bool(value), forKey: key) }
    mutating func encode(_ value: String, forKey key: Key) throws { try put(.string(value), forKey: key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try put(.double(value), forKey: key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try put(.double(Double(value)), forKey: key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try put(try bsonInteger(value), forKey: key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try put(try bsonInteger(value), forKey: key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try put(try bsonInteger(value), forKey: key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try put(.int32(value), forKey: key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try put(.int64(value), forKey: key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try put(try bsonInteger(value), forKey: key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try put(try bsonInteger(value), forKey: key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try put(try bsonInteger(value), forKey: key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try put(try bsonInteger(value), forKey: key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try put(try bsonInteger(value), forKey: key) }
}
