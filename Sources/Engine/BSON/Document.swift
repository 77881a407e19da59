/// A BSON document: an *ordered* list of key/value pairs.
///
/// Order matters in MongoDB: a command's name must be its first key (`{find: "users", ...}`),
/// and a sort spec is applied key by key. A Swift `Dictionary` forgets order, so a document is
/// an array of elements with lookup by key. Documents are small (tens of keys), where a
/// linear scan beats hashing.
public struct Document: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral,
    CustomStringConvertible
{
    public typealias Element = (key: String, value: BSONValue)
    public private(set) var elements: [Element]

    public init() { elements = [] }
    public init(_ elements: [Element]) { self.elements = elements }
    public init(dictionaryLiteral elements: (String, BSONValue)...) {
        self.elements = elements.map { (key: $0.0, value: $0.1) }
    }

    // MARK: Collection

    public var startIndex: Int { elements.startIndex }
    public var endIndex: Int { elements.endIndex }
    public subscript(position: Int) -> Element { elements[position] }

    public var keys: [String] { elements.map(\.key) }
    public var values: [BSONValue] { elements.map(\.value) }

    // MARK: By key

    /// The value of the first element named `key`. Setting nil removes every element of
    /// that name; setting a value replaces the first one in place or appends.
    public subscript(key: String) -> BSONValue? {
        get {
            for element in elements where element.key == key { return element.value }
            return nil
        }
        set {
            guard let newValue else {
                elements.removeAll { $0.key == key }
                return
            }
            if let i = elements.firstIndex(where: { $0.key == key }) {
                elements[i].value = newValue
            } else {
                elements.append((key: key, value: newValue))
            }
        }
    }

    public func contains(key: String) -> Bool { elements.contains { $0.key == key } }

    /// Adds an element at the end without looking for an existing one of that name.
    public mutating func append(_ key: String, _ value: BSONValue) {
        elements.append((key: key, value: value))
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> BSONValue? {
        guard let i = elements.firstIndex(where: { $0.key == key }) else { return nil }
        return elements.remove(at: i).value
    }

    /// This document with `other`'s elements set over it, key by key.
    public func merging(_ other: Document) -> Document {
        var out = self
        for (k, v) in other { out[k] = v }
        return out
    }

    // MARK: Equality is element by element, in order (as BSON bytes would compare).

    public static func == (a: Document, b: Document) -> Bool {
        guard a.elements.count == b.elements.count else { return false }
        for (x, y) in zip(a.elements, b.elements) where x.key != y.key || x.value != y.value { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(elements.count)
        for element in elements {
            hasher.combine(element.key)
            hasher.combine(element.value)
        }
    }

    /// Relaxed Extended JSON, the way mongosh prints a document.
    public var description: String { BSONValue.document(self).json(.relaxedExtended) }
}
