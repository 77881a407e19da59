// API JSON straight from `Encodable`, written as the value is encoded: the same text as
// `BSONEncoder().encodeValue(value).json(.api)` (fields in declaration order, ObjectIds as hex,
// dates as ISO-8601), without building the document first. Every response body goes through
// here, and the response needs neither the tree of nodes a document is built from nor the
// document itself.
//
// Encoding is depth first: a value's `encode(to:)` returns before its parent writes the next
// field, so a container is closed when its parent moves on. `Codable` also lets a type keep a
// nested container and fill it after writing other fields, or use `superEncoder`; text already
// written cannot take that, so those (rare) values are encoded through the document instead.

extension BSONValue {
    /// `value` as API JSON text.
    public static func apiJSON<T: Encodable>(_ value: T) throws -> String {
        let sink = JSONSink()
        do {
            try sink.encodeTop(value)
        } catch is JSONSink.NeedsDocument {
            return try BSONEncoder().encodeValue(value).json(.api)
        }
        return sink.out
    }
}

final class JSONSink {
    /// Thrown when a value writes out of order: it is encoded through a document instead.
    struct NeedsDocument: Error {}

    struct Frame {
        let id: Int
        let keyed: Bool
        var count = 0
    }

    var out = ""
    private var stack: [Frame] = []
    private var nextId = 0
    private let writer = JSONWriter(mode: .api)

    init() { out.reserveCapacity(256) }

    func encodeTop<T: Encodable>(_ value: T) throws {
        try encode(value, path: [])
        close(downTo: 0)
    }

    /// Writes a whole value where the next one goes.
    func encode<T: Encodable>(_ value: T, path: [any CodingKey]) throws {
        if let direct = value as? any BSONRepresentable { return write(direct.bsonValue) }
        let depth = stack.count
        let encoder = StreamEncoder(sink: self, codingPath: path)
        try value.encode(to: encoder)
        close(downTo: depth)
        if !encoder.wrote { out += "{}" }  // nothing encoded: an empty object, as a document would be
    }

    func write(_ value: BSONValue) { writer.write(value, into: &out) }

    /// Opens an object or array, returning its frame's id.
    func open(keyed: Bool) -> Int {
        nextId += 1
        stack.append(Frame(id: nextId, keyed: keyed))
        out += keyed ? "{" : "["
        return nextId
    }

    /// Readies frame `id` for its next element: closes the frames opened after it (finished
    /// children) and writes the separator and, for an object, the key. Throws when the frame is
    /// already closed.
    func next(in id: Int, key: String?) throws {
        guard let index = stack.lastIndex(where: { $0.id == id }) else { throw NeedsDocument() }
        close(downTo: index + 1)
        if stack[index].count > 0 { out += "," }
        stack[index].count += 1
        if let key {
            writer.writeString(key, into: &out)
            out += ":"
        }
    }

    func count(of id: Int) -> Int { stack.last(where: { $0.id == id })?.count ?? 0 }

    func close(downTo depth: Int) {
        while stack.count > depth { out += stack.removeLast().keyed ? "}" : "]" }
    }
}

private final class StreamEncoder: Encoder {
    let sink: JSONSink
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    /// The object or array this value opened (asked for twice, it is the same one).
    var frame: (id: Int, keyed: Bool)?
    var wrote = false

    init(sink: JSONSink, codingPath: [any CodingKey]) {
        self.sink = sink
        self.codingPath = codingPath
    }

    /// This value's object or array; asked for the other kind after one, a frame of no one's
    /// (-1), so that its writes ask for the document.
    private func frame(keyed: Bool) -> Int {
        if let frame { return frame.keyed == keyed ? frame.id : -1 }
        let id = sink.open(keyed: keyed)
        frame = (id, keyed)
        wrote = true
        return id
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(StreamKeyed<Key>(sink: sink, id: frame(keyed: true), codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        StreamUnkeyed(sink: sink, id: frame(keyed: false), codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { StreamSingle(encoder: self) }
}

private struct StreamKeyed<Key: CodingKey>: BSONKeyedValueSink {
    let sink: JSONSink
    let id: Int
    let codingPath: [any CodingKey]

    mutating func put(_ value: BSONValue, forKey key: Key) throws {
        try sink.next(in: id, key: key.stringValue)
        sink.write(value)
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try sink.next(in: id, key: key.stringValue)
        try sink.encode(value, path: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(StreamKeyed<NestedKey>(sink: sink, id: open(key) ?? -1, codingPath: codingPath + [key]))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        StreamUnkeyed(sink: sink, id: open(key, keyed: false) ?? -1, codingPath: codingPath + [key])
    }
    mutating func superEncoder() -> any Encoder { RefusingEncoder(codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { RefusingEncoder(codingPath: codingPath + [key]) }

    /// Writes the key and opens a nested object (or array); nil when this object is closed (the
    /// nested container's id is then -1, no frame's, and every write to it asks for the document).
    private func open(_ key: Key, keyed: Bool = true) -> Int? {
        guard (try? sink.next(in: id, key: key.stringValue)) != nil else { return nil }
        return sink.open(keyed: keyed)
    }
}

private struct StreamUnkeyed: UnkeyedEncodingContainer, BSONValueSink {
    let sink: JSONSink
    let id: Int
    let codingPath: [any CodingKey]
    var count: Int { sink.count(of: id) }

    mutating func put(_ value: BSONValue) throws {
        try sink.next(in: id, key: nil)
        sink.write(value)
    }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try sink.next(in: id, key: nil)
        try sink.encode(value, path: codingPath)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(StreamKeyed<NestedKey>(sink: sink, id: open(keyed: true) ?? -1, codingPath: codingPath))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        StreamUnkeyed(sink: sink, id: open(keyed: false) ?? -1, codingPath: codingPath)
    }
    mutating func superEncoder() -> any Encoder { RefusingEncoder(codingPath: codingPath) }

    private func open(keyed: Bool) -> Int? {
        guard (try? sink.next(in: id, key: nil)) != nil else { return nil }
        return sink.open(keyed: keyed)
    }
}

private struct StreamSingle: SingleValueEncodingContainer, BSONValueSink {
    let encoder: StreamEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func put(_ value: BSONValue) throws {
        guard !encoder.wrote else { throw JSONSink.NeedsDocument() }  // a second value for one place
        encoder.wrote = true
        encoder.sink.write(value)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        if let direct = value as? any BSONRepresentable { return try put(direct.bsonValue) }
        try value.encode(to: encoder)  // the value's own form, in this same place
    }
}

/// `superEncoder`: text cannot hold a parent's fields apart from the child's, so the value is
/// encoded through a document instead.
private struct RefusingEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(RefusingKeyed<Key>(codingPath: codingPath))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { RefusingUnkeyed(codingPath: codingPath) }
    func singleValueContainer() -> any SingleValueEncodingContainer { RefusingSingle(codingPath: codingPath) }
}

private struct RefusingKeyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let codingPath: [any CodingKey]
    mutating func encodeNil(forKey key: Key) throws { throw JSONSink.NeedsDocument() }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { throw JSONSink.NeedsDocument() }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(RefusingKeyed<NestedKey>(codingPath: codingPath))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { RefusingUnkeyed(codingPath: codingPath) }
    mutating func superEncoder() -> any Encoder { RefusingEncoder(codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { RefusingEncoder(codingPath: codingPath) }
}

private struct RefusingUnkeyed: UnkeyedEncodingContainer {
    let codingPath: [any CodingKey]
    var count: Int { 0 }
    mutating func encodeNil() throws { throw JSONSink.NeedsDocument() }
    mutating func encode<T: Encodable>(_ value: T) throws { throw JSONSink.NeedsDocument() }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(RefusingKeyed<NestedKey>(codingPath: codingPath))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { RefusingUnkeyed(codingPath: codingPath) }
    mutating func superEncoder() -> any Encoder { RefusingEncoder(codingPath: codingPath) }
}

private struct RefusingSingle: SingleValueEncodingContainer {
    let codingPath: [any CodingKey]
    mutating func encodeNil() throws { throw JSONSink.NeedsDocument() }
    mutating func encode<T: Encodable>(_ value: T) throws { throw JSONSink.NeedsDocument() }
}
