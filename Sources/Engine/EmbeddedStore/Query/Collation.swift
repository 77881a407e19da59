// Collation: string comparison by a locale's rules instead of by bytes (MongoDB's `collation`
// option). At strength 1 "é" equals "e" and "A" equals "a"; at 2 accents count but case does
// not; at 3 (the default) both count. ICU's collator does the comparing (cicu.h), as in MongoDB.
//
// A query runs synchronously on one thread, so its collation lives in a thread-local for that
// time, as the time budget does: `Values.compare` asks for it on every string comparison. While
// one is set, no index answers (an index holds strings in byte order), so every candidate is
// compared with the collation's rules.

import BSON
import CICU
import Foundation
import Storage

final class Collation: @unchecked Sendable {  // the ICU collator is only read (ucol_strcoll is thread-safe)
    private let collator: OpaquePointer
    /// The spec it was made from: a query and an index with equal specs agree on every key.
    let spec: Document

    private init(_ collator: OpaquePointer, spec: Document) {
        self.collator = collator
        self.spec = spec
    }
    deinit { vt_collator_close(collator) }

    /// The collation a spec asks for; nil for `{locale: "simple"}` (byte order).
    static func parse(_ spec: Document) throws(QueryError) -> Collation? {
        guard case .string(let locale)? = spec["locale"] else { throw QueryError(40414, "BSON field 'collation.locale' is missing") }
        if locale == "simple" { return nil }
        func int(_ name: String, _ fallback: Int) throws(QueryError) -> Int {
            guard let value = spec[name] else { return fallback }
            guard let n = value.int64Value else { throw QueryError(2, "collation.\(name) must be a number") }
            return Int(n)
        }
        func bool(_ name: String) throws(QueryError) -> Bool {
            guard let value = spec[name] else { return false }
            guard case .bool(let b) = value else { throw QueryError(2, "collation.\(name) must be a boolean") }
            return b
        }
        let caseFirst = spec["caseFirst"]?.stringValue ?? "off"
        let alternate = spec["alternate"]?.stringValue ?? "non-ignorable"
        let maxVariable = spec["maxVariable"]?.stringValue ?? "punct"
        guard ["off", "upper", "lower"].contains(caseFirst), ["non-ignorable", "shifted"].contains(alternate),
            ["punct", "space"].contains(maxVariable)
        else { throw QueryError(2, "collation has an invalid caseFirst, alternate or maxVariable") }
        guard
            let collator = vt_collator_open(
                locale, Int32(try int("strength", 3)), try bool("caseLevel") ? 1 : 0, caseFirst == "upper" ? 1 : caseFirst == "lower" ? 2 : 0,
                try bool("numericOrdering") ? 1 : 0, alternate == "shifted" ? 1 : 0, maxVariable == "punct" ? 1 : 0, try bool("backwards") ? 1 : 0)
        else { throw QueryError(2, "Field 'locale' is invalid in: \(spec.json(.relaxedExtended))") }
        return Collation(collator, spec: spec)
    }

    func compare(_ a: String, _ b: String) -> Int {
        var x = a, y = b
        return x.withUTF8 { p in y.withUTF8 { q in Int(vt_collator_compare(collator, p.baseAddress, Int64(p.count), q.baseAddress, Int64(q.count))) }
        }
    }

    /// A key equal for strings this collation holds equal (ICU's sort key, as hex), for grouping.
    func sortKey(_ text: String) -> String {
        var text = text
        return text.withUTF8 { utf8 -> String in
            var key = [UInt8](repeating: 0, count: 64)
            var size = vt_collator_sort_key(collator, utf8.baseAddress, Int64(utf8.count), &key, Int32(key.count))
            if size > Int32(key.count) {
                key = [UInt8](repeating: 0, count: Int(size))
                size = vt_collator_sort_key(collator, utf8.baseAddress, Int64(utf8.count), &key, Int32(key.count))
            }
            guard size > 0 else { return "\u{0}" + String(decoding: utf8, as: UTF8.self) }  // no key: the text itself
            return key.prefix(Int(size)).map { String(format: "%02x", $0) }.joined()
        }
    }

    // MARK: The collation of the query running on this thread

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// This thread's collation, while a query with one runs.
    static var current: Collation? {
        guard let raw = pthread_getspecific(key) else { return nil }
        return Unmanaged<Collation>.fromOpaque(raw).takeUnretainedValue()
    }

    /// The task's collation (`QueryCollation.current`), parsed; nil for none or "simple".
    static func ofTask() throws(StorageError) -> Collation? {
        guard let spec = QueryCollation.current else { return nil }
        do {
            return try parse(spec)
        } catch {
            throw .invalidQuery(code: error.code, message: error.message)
        }
    }

    /// Runs `body` with `collation` as this thread's (none: byte order), then restores what was there.
    static func run<T, E: Error>(_ collation: Collation?, _ body: () throws(E) -> T) throws(E) -> T {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, collation.map { Unmanaged.passUnretained($0).toOpaque() })
        defer { pthread_setspecific(key, previous) }
        return try withExtendedLifetime(collation) { () throws(E) -> T in try body() }
    }
}
