// Regular expressions for `$regex`, `$regexMatch`, `$regexFind` and `$regexFindAll`, on ICU
// (the engine NSRegularExpression wraps, so the syntax is the same), called directly because
// only ICU's own API lets a match be stopped: every few thousand steps ICU asks
// `QueryBudget.hasTimeLeft()`, and a query past its deadline ends with error 50 instead of
// backtracking for minutes on a pattern like `(a+)+$`.
//
// The text is handed to ICU as UTF-8 (no UTF-16 copy); match positions come back as UTF-8
// offsets. A compiled pattern is not safe to use from two threads at once: a mutex guards it.

import CICU
import Synchronization

final class Pattern: Sendable {
    private let regex: Mutex<OpaquePointer>

    /// A match: the whole match's and each group's UTF-8 ranges (nil: the group took no part).
    struct Match {
        let range: Range<Int>
        let groups: [Range<Int>?]
    }

    enum Failure: Error { case invalidFlag(Character), invalidPattern }

    /// `options`: MongoDB's letters i, m, s, x (and u, which changes nothing).
    init(_ pattern: String, options: String) throws(Failure) {
        var flags: UInt32 = 0
        for flag in options {
            switch flag {
            case "i": flags |= UInt32(VT_REGEX_CASE_INSENSITIVE)
            case "m": flags |= UInt32(VT_REGEX_MULTILINE)
            case "s": flags |= UInt32(VT_REGEX_DOTALL)
            case "x": flags |= UInt32(VT_REGEX_COMMENTS)
            case "u": continue
            default: throw .invalidFlag(flag)
            }
        }
        var source = pattern
        let compiled = source.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { vt_regex_open($0.baseAddress, Int64($0.count), flags, { QueryBudget.hasTimeLeft() ? 1 : 0 }) }
        }
        guard let compiled else { throw .invalidPattern }
        regex = Mutex(compiled)
    }

    deinit { regex.withLock { vt_regex_close($0) } }

    /// Whether the pattern matches somewhere in `text` (false when the match was stopped at the
    /// deadline: the query's next check then ends it with error 50).
    func matches(_ text: String) -> Bool { (try? first(in: text)) != nil }

    /// The first match in `text`, or nil; a match stopped at the deadline throws error 50.
    func first(in text: String) throws(QueryError) -> Match? { try all(in: text, limit: 1).first }

    /// Up to `limit` matches in `text`, left to right (an empty match moves on by one character).
    func all(in text: String, limit: Int = .max) throws(QueryError) -> [Match] {
        var text = text
        let outcome = text.withUTF8 { bytes -> Result<[Match], QueryError> in
            regex.withLock { (regex: inout OpaquePointer) -> Result<[Match], QueryError> in
                let set = bytes.withMemoryRebound(to: CChar.self) { vt_regex_set_text(regex, $0.baseAddress ?? Self.empty, Int64($0.count)) }
                guard set == 0 else { return .success([]) }
                let groups = vt_regex_group_count(regex)
                func range(_ group: Int32) -> Range<Int>? {
                    let start = vt_regex_start(regex, group), end = vt_regex_end(regex, group)
                    return start < 0 || end < start ? nil : Int(start)..<Int(end)
                }
                var found: [Match] = []
                var result = vt_regex_find(regex, 1)
                while result == 1 {
                    found.append(Match(range: range(0) ?? 0..<0, groups: (0..<groups).map { range($0 + 1) }))
                    if found.count >= limit { break }
                    result = vt_regex_find(regex, 0)
                }
                if result == -1 {
                    QueryBudget.expire()
                    return .failure(QueryBudget.expired)
                }
                return .success(found)
            }
        }
        return try outcome.get()
    }

    /// Where an empty text points (ICU wants a pointer even for no bytes).
    private static var empty: UnsafePointer<CChar> { UnsafePointer(bitPattern: 1)! }
}
