// Dotted paths ("owner.username", "videos.0") as MongoDB resolves them in queries: a path
// walks into sub-documents, and through arrays into each element (and into one element when the
// part is a number). A query on "tags" matches an array that *contains* the value, which is
// why resolution yields several candidates.

import BSON

enum Paths {
    /// The most nulls an update may add to an array to reach an index (`"a.4000000000"`).
    static let maxPadding = 1_500_000

    static func split(_ path: String) -> [String] { path.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }

    /// Every value the path reaches in `document` (nil stands for "missing"), for query matching.
    static func candidates(_ document: Document, _ parts: [String]) -> [BSONValue?] {
        var out: [BSONValue?] = []
        collect(.document(document), parts[...], into: &out)
        return out
    }

    private static func collect(_ value: BSONValue?, _ parts: ArraySlice<String>, into out: inout [BSONValue?]) {
        guard let first = parts.first else { out.append(value); return }
        let rest = parts.dropFirst()
        switch value {
        case .document(let d)?:
            collect(d[first], rest, into: &out)
        case .array(let a)?:
            var found = false
            if let index = Int(first), index >= 0 {
                if index < a.count { collect(a[index], rest, into: &out); found = true }
            }
            for element in a {
                if case .document = element {
                    let before = out.count
                    collect(element, parts, into: &out)
                    if out.count > before { found = true }
                }
            }
            if !found { out.append(nil) }
        default:
            out.append(nil)
        }
    }

    /// The value at a path for expressions and projections: through arrays, the values of the
    /// path in each element, as an array ("$videos.title" on an array of videos → titles).
    static func value(_ value: BSONValue?, _ parts: ArraySlice<String>) -> BSONValue? {
        guard let first = parts.first else { return value }
        switch value {
        case .document(let d)?:
            return Self.value(d[first], parts.dropFirst())
        case .array(let a)?:
            let values = a.compactMap { element -> BSONValue? in
                guard case .document = element else { return nil }
                return Self.value(element, parts)
            }
            return .array(values)
        default:
            return nil
        }
    }

    /// Sets `newValue` at the path, creating sub-documents as needed (and indexing into arrays
    /// with numeric parts). Throws MongoDB's errors when a scalar is in the way.
    static func set(_ document: inout Document, _ parts: ArraySlice<String>, _ newValue: BSONValue) throws(QueryError) {
        let first = parts.first!
        if parts.count == 1 { document[first] = newValue; return }
        var child = document[first]
        try setInValue(&child, parts.dropFirst(), newValue, fullPath: parts)
        document[first] = child
    }

    private static func setInValue(_ value: inout BSONValue?, _ parts: ArraySlice<String>, _ newValue: BSONValue, fullPath: ArraySlice<String>)
        throws(QueryError)
    {
        switch value {
        case nil, .null?:
            if value == nil || parts.count > 0 {
                var d = Document()
                try set(&d, parts, newValue)
                value = .document(d)
                return
            }
        case .document(var d)?:
            try set(&d, parts, newValue)
            value = .document(d)
            return
        case .array(var a)?:
            guard let index = Int(parts.first!), index >= 0 else {
                throw QueryError(28, "Cannot create field '\(parts.first!)' in element {\(fullPath.first!): [...]}")
            }
            // MongoDB pads an array with nulls up to the index, at most 1,500,000 of them.
            if index >= a.count, index - a.count > Paths.maxPadding {
                throw QueryError(34, "can't backfill more than \(Paths.maxPadding) elements")
            }
            while a.count <= index { a.append(.null) }
            if parts.count == 1 {
                a[index] = newValue
            } else {
                var element: BSONValue? = a[index]
                try setInValue(&element, parts.dropFirst(), newValue, fullPath: fullPath)
                a[index] = element ?? .null
            }
            value = .array(a)
            return
        default: break
        }
        throw QueryError(
            28,
            "Cannot create field '\(parts.first!)' in element {\(fullPath.joined(separator: ".")): \(value.map { $0.json(.relaxedExtended) } ?? "null")}"
        )
    }

    /// Removes the value at the path (array elements at a numeric part become null, as $unset does).
    static func unset(_ document: inout Document, _ parts: ArraySlice<String>) {
        let first = parts.first!
        if parts.count == 1 { document[first] = nil; return }
        switch document[first] {
        case .document(var d)?:
            unset(&d, parts.dropFirst())
            document[first] = .document(d)
        case .array(var a)?:
            if let index = Int(parts[parts.index(after: parts.startIndex)]), index >= 0, index < a.count {  // "a.-1" names no element
                if parts.count == 2 {
                    a[index] = .null
                } else if case .document(var d) = a[index] {
                    unset(&d, parts.dropFirst(2))
                    a[index] = .document(d)
                }
                document[first] = .array(a)
            }
        default: break
        }
    }

    /// The value at a path without array traversal (for updates: "a.0.b" indexes explicitly).
    static func get(_ document: Document, _ parts: ArraySlice<String>) -> BSONValue? {
        var current: BSONValue? = .document(document)
        for part in parts {
            switch current {
            case .document(let d)?: current = d[part]
            case .array(let a)?:
                guard let i = Int(part), i >= 0, i < a.count else { return nil }
                current = a[i]
            default: return nil
            }
        }
        return current
    }
}

/// A malformed query, update or pipeline, with MongoDB's error code and (where practical) wording.
struct QueryError: Error, Sendable {
    let code: Int
    let message: String
    init(_ code: Int, _ message: String) {
        self.code = code
        self.message = message
    }
}
