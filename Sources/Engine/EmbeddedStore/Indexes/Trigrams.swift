// The search side of a one-field index: what answers the video list's search box
// (`{title: /swift server/i}`, the user's text escaped) without reading every document.
//
// Each document's text in the field is kept case-folded (as ICU folds it for a case-insensitive
// match), and every three consecutive bytes of it (a trigram) list the rows that hold them. A
// literal pattern can only be found in a text that holds all of its trigrams, so the rows in
// every one of its trigrams' lists are the candidates; each candidate is then checked: a byte
// search in its folded text (what ICU would answer, when no character folds to several), or
// the regex itself. PostgreSQL's pg_trgm indexes work the same way.
//
// Lists only grow while a write runs: a row whose text changes or goes is left in the lists of
// its old trigrams (the check drops it) until such leftovers outnumber the live entries, and the
// lists are then rebuilt. A view count's update, which leaves the text as it was, changes
// nothing here.
//
// MongoDB has no such index: there the same query reads the index's keys (or the documents).
// Lesson 04 says what an Atlas Search index would change.

import BSON
import CICU
import Foundation
import Synchronization

/// Text folded as ICU's case-insensitive matching folds it, in UTF-8.
struct FoldedText: Sendable, Equatable {
    let bytes: [UInt8]
    /// Whether every character folded to one.
    let exact: Bool
    /// Where the text is not exact: the offsets that fall inside one character's folding ("ß" is
    /// "ss": the offset between the two). ICU's match never starts or ends there.
    let inside: [Int]

    init(_ text: String) {
        let (bytes, exact) = Self.fold(text)
        self.bytes = bytes
        self.exact = exact
        var inside: [Int] = []
        if !exact {
            var offset = 0
            for scalar in text.unicodeScalars {
                let (one, _) = Self.fold(String(scalar))
                let folded = String(decoding: one, as: UTF8.self).unicodeScalars
                var at = offset
                for f in folded.dropLast() {
                    at += String(f).utf8.count
                    inside.append(at)
                }
                offset += one.count
            }
        }
        self.inside = inside
    }

    private static func fold(_ text: String) -> ([UInt8], Bool) {
        var text = text
        var exact: Int32 = 1
        var bytes: [UInt8] = []
        text.withUTF8 { source in
            source.withMemoryRebound(to: CChar.self) { chars in
                let length = Int64(chars.count)
                // Folding can grow a text: "ß" (2 bytes) becomes "ss", "ΐ" (2) becomes 6 bytes.
                var capacity = chars.count + 16
                while true {
                    var out = [UInt8](repeating: 0, count: capacity)
                    let needed = out.withUnsafeMutableBufferPointer {
                        vt_fold_case(chars.baseAddress, length, $0.baseAddress, Int64(capacity), &exact)
                    }
                    if needed <= capacity {
                        out.removeLast(capacity - Int(needed))
                        bytes = out
                        return
                    }
                    capacity = Int(needed)
                }
            }
        }
        return (bytes, exact == 1)
    }

    /// Whether the search's text occurs here where ICU would find it: anywhere in an exact text;
    /// otherwise at an occurrence that neither starts nor ends inside one character's folding.
    /// glibc's two-way search (memmem) finds occurrences; after a few that do not count, the
    /// rest are walked by Knuth-Morris-Pratt, so a text crafted to hold thousands of them costs
    /// one pass, not one search each.
    func contains(_ search: LiteralSearch) -> Bool {
        let needle = search.needle
        guard needle.count <= bytes.count else { return false }
        return bytes.withUnsafeBufferPointer { text in
            needle.withUnsafeBufferPointer { pattern in
                var from = 0
                for _ in 0..<8 {
                    let found = vt_find_bytes(text.baseAddress! + from, Int64(text.count - from), pattern.baseAddress, Int64(pattern.count))
                    if found < 0 { return false }
                    let start = from + Int(found)
                    if exact || (boundary(start) && boundary(start + pattern.count)) { return true }
                    from = start + 1
                    if text.count - from < pattern.count { return false }
                }
                var matched = 0
                for i in from..<text.count {
                    let byte = text[i]
                    while matched > 0 && pattern[matched] != byte { matched = search.fallback[matched - 1] }
                    if pattern[matched] == byte { matched += 1 }
                    if matched == pattern.count {
                        if boundary(i + 1 - pattern.count) && boundary(i + 1) { return true }
                        matched = search.fallback[matched - 1]
                    }
                }
                return false
            }
        }
    }

    /// Whether `offset` is between two characters' foldings (not inside one).
    private func boundary(_ offset: Int) -> Bool {
        let at = inside.lowerBound(of: offset)
        return at == inside.count || inside[at] != offset
    }

    /// The distinct trigrams of the text, each as one number.
    var trigrams: Set<UInt32> { Self.trigrams(of: bytes) }

    static func trigrams(of bytes: [UInt8]) -> Set<UInt32> {
        guard bytes.count >= 3 else { return [] }
        var out = Set<UInt32>(minimumCapacity: min(bytes.count, 4096))
        for i in 0..<(bytes.count - 2) {
            out.insert(UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]))
        }
        return out
    }
}

/// A `$regex` that is plain text: letters, digits, spaces, other characters, and ASCII
/// punctuation escaped with a backslash; no operator, anchor, class or `x` flag.
struct LiteralSearch: Sendable, Hashable {
    /// The pattern and options as given: two patterns that fold alike ("µs" with the micro sign,
    /// "μs" with the Greek letter) still differ when the case counts.
    let source: BSONRegex
    /// The text, folded as the index folds.
    let needle: [UInt8]
    /// Whether a byte search in a folded text answers for the regex (case-insensitive, and no
    /// character of the pattern folds to several); otherwise each candidate is checked by the regex.
    let answeredByBytes: Bool

    init?(_ regex: BSONRegex) {
        guard regex.options.allSatisfy({ "imsu".contains($0) }) else { return nil }
        var literal = String.UnicodeScalarView()
        var escaped = false
        for scalar in regex.pattern.unicodeScalars {
            if escaped {
                // `\(` is "(": an escaped ASCII sign; `\d` or `\Q` would be more than text.
                guard scalar.isASCII, !scalar.properties.isAlphabetic, !("0"..."9").contains(scalar) else { return nil }
                literal.append(scalar)
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar.isASCII, ".^$*+?()[]{}|".unicodeScalars.contains(scalar) {
                return nil
            } else {
                literal.append(scalar)
            }
        }
        guard !escaped, !literal.isEmpty else { return nil }
        let folded = FoldedText(String(literal))
        source = regex
        needle = folded.bytes
        // A pattern whose own folding grows ("ß" alone) is matched by ICU in ways of its own.
        answeredByBytes = folded.exact && regex.options.contains("i")
        // Knuth-Morris-Pratt's table: after a mismatch, how much of the needle still matches.
        var fallback = [Int](repeating: 0, count: needle.count)
        var k = 0
        for i in needle.indices.dropFirst() {
            while k > 0 && needle[i] != needle[k] { k = fallback[k - 1] }
            if needle[i] == needle[k] { k += 1 }
            fallback[i] = k
        }
        self.fallback = fallback
    }

    /// Knuth-Morris-Pratt's failure table of `needle`.
    let fallback: [Int]
}

struct TrigramIndex: Sendable {
    /// A row's text in the field: folded, and how many distinct trigrams it listed.
    struct Indexed: Sendable {
        let text: FoldedText
        let trigramCount: Int
    }

    /// Each row's folded text (rows whose field holds one string).
    private(set) var texts: [Int64: Indexed] = [:]
    /// Rows whose field may match but is not one string (an array of them, a stored regex):
    /// candidates of every search, checked by the regex.
    private(set) var others: Set<Int64> = []
    /// The rows (ascending) whose text held each trigram; may hold rows that no longer do.
    private var postings: [UInt32: [UInt32]] = [:]
    private var live = 0
    private var stale = 0
    /// The row the last removal took out: an update that puts the same text back (a view
    /// count's) restores it without touching the lists.
    private var removed: (row: Int64, indexed: Indexed?, other: Bool)?
    /// Changes whenever a search's answer may: a key for `memo`, unique in the process.
    private(set) var generation = TrigramIndex.nextGeneration()
    /// Recent searches' checked rows, shared by the copies of this index: the page and the count
    /// of one list request check each candidate once between them.
    let memo = SearchMemo()

    private static let generations = Atomic<UInt64>(0)
    private static func nextGeneration() -> UInt64 { generations.add(1, ordering: .relaxed).newValue }

    enum Entry { case none, text(String), other }

    /// What the field holds for a search: one string, something else a regex can match, or
    /// nothing a regex can match (a number, a date, no field).
    static func entry(_ document: Document, _ path: [String]) -> Entry {
        let values = Paths.candidates(document, path)
        if values.count == 1, let value = values[0] {
            switch value {
            case .string(let s), .symbol(let s): return .text(s)
            case .array, .regex: return .other
            default: return .none
            }
        }
        return values.contains { if case .some = $0 { true } else { false } } ? .other : .none
    }

    mutating func insert(_ row: Int64, _ entry: Entry) {
        let restored = removed
        removed = nil
        switch entry {
        case .none:
            generation = Self.nextGeneration()
        case .other:
            others.insert(row)
            generation = Self.nextGeneration()
        case .text(let string):
            let text = FoldedText(string)
            if let restored, restored.row == row, let indexed = restored.indexed, indexed.text == text {
                texts[row] = indexed
                stale -= indexed.trigramCount
                live += indexed.trigramCount
                return
            }
            generation = Self.nextGeneration()
            let trigrams = text.trigrams
            texts[row] = Indexed(text: text, trigramCount: trigrams.count)
            live += trigrams.count
            guard let small = UInt32(exactly: row) else {
                others.insert(row)  // past the lists' row numbers: checked on every search
                return
            }
            for trigram in trigrams { add(small, to: trigram) }
            if stale > max(65_536, live) { rebuild() }
        }
    }

    private mutating func add(_ row: UInt32, to trigram: UInt32) {
        // Changed in place (the dictionary's `_modify`), never copied out and back.
        let wasStale = Self.add(row, to: &postings[trigram, default: []])
        if wasStale { stale -= 1 }  // a leftover of this row's earlier text, live again
    }

    /// Adds `row` in order; true when it was there already.
    private static func add(_ row: UInt32, to list: inout [UInt32]) -> Bool {
        guard let last = list.last, last >= row else {
            list.append(row)
            return false
        }
        let at = list.lowerBound(of: row)
        if at < list.count, list[at] == row { return true }
        list.insert(row, at: at)
        return false
    }

    mutating func remove(_ row: Int64) {
        let indexed = texts.removeValue(forKey: row)
        let other = others.remove(row) != nil
        if let indexed {
            live -= indexed.trigramCount
            stale += indexed.trigramCount
        }
        removed = (row, indexed, other)
    }

    private mutating func rebuild() {
        postings = [:]
        removed = nil
        live = 0
        stale = 0
        for (row, indexed) in texts.sorted(by: { $0.key < $1.key }) {
            guard let small = UInt32(exactly: row) else { continue }
            for trigram in indexed.text.trigrams { postings[trigram, default: []].append(small) }
            live += indexed.trigramCount
        }
    }

    /// The rows that may hold `search` (ascending): those in the lists of its rarest trigrams,
    /// and the rows that are not one text. A needle under three bytes has no trigram: then
    /// every row with a text.
    func candidates(_ search: LiteralSearch) -> [Int64] {
        var found: [Int64]
        let needle = FoldedText.trigrams(of: search.needle)
        if needle.isEmpty {
            found = texts.keys.sorted()
        } else {
            var lists: [[UInt32]] = []
            for trigram in needle {
                guard let list = postings[trigram] else { return others.sorted() }
                lists.append(list)
            }
            lists.sort { $0.count < $1.count }
            var rows = lists[0]
            // The rarest few narrow enough; each candidate is checked in full anyway.
            for list in lists.dropFirst().prefix(5) where !rows.isEmpty { rows = Self.intersect(rows, list) }
            found = rows.map { Int64($0) }
        }
        if others.isEmpty { return found }
        return Array(Set(found).union(others)).sorted()
    }

    /// Rows in both sorted lists: a merge, or a binary search per row when one is far shorter.
    private static func intersect(_ small: [UInt32], _ large: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        if large.count > 32 * small.count {
            var from = 0
            for row in small {
                from = large.lowerBound(of: row, from: from)
                if from == large.count { break }
                if large[from] == row { out.append(row) }
            }
            return out
        }
        var i = 0, j = 0
        while i < small.count, j < large.count {
            if small[i] < large[j] {
                i += 1
            } else if small[i] > large[j] {
                j += 1
            } else {
                out.append(small[i])
                i += 1
                j += 1
            }
        }
        return out
    }

    /// Entries in the lists (for tests and the benchmark's memory figure).
    var postingCount: Int { postings.values.reduce(0) { $0 + $1.count } }
}

extension Array where Element: Comparable {
    /// In a sorted array, the first index from `start` whose element is not below `value`
    /// (`count` when there is none): a binary search.
    func lowerBound(of value: Element, from start: Int = 0) -> Int {
        var low = start, high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

/// The checked rows of recent searches, keyed by the index's generation and the search. The first
/// of two concurrent requests for the same key checks; the other waits for its answer.
final class SearchMemo: Sendable {
    struct Key: Hashable, Sendable {
        let generation: UInt64
        let search: LiteralSearch
    }

    /// A search's answer: how many candidates the trigrams gave, and the rows that matched.
    struct Checked: Sendable {
        let candidates: Int
        let rows: [Int64]
    }

    final class Slot: Sendable {
        let answer = Mutex<Checked?>(nil)
        /// The trigrams' candidates, from the planner's estimate until the answer is checked: a
        /// plan that is weighed and then declined (a sort's walk) does not read the lists twice.
        let candidates = Mutex<[Int64]?>(nil)
    }

    private let slots = Mutex<[(key: Key, slot: Slot)]>([])
    private static let capacity = 16

    private func slot(_ key: Key) -> Slot {
        slots.withLock { slots -> Slot in
            if let found = slots.first(where: { $0.key == key }) { return found.slot }
            let slot = Slot()
            slots.insert((key, slot), at: 0)
            if slots.count > Self.capacity { slots.removeLast() }
            return slot
        }
    }

    func rows(_ key: Key, _ compute: ([Int64]?) throws(QueryError) -> Checked) throws(QueryError) -> Checked {
        let slot = slot(key)
        return try slot.answer.withLock { (answer: inout Checked?) throws(QueryError) -> Checked in
            if let answer { return answer }
            let kept = slot.candidates.withLock { $0 }
            let checked = try compute(kept)  // a query out of time leaves the slot empty for the next
            answer = checked
            slot.candidates.withLock { $0 = nil }  // the answer holds what is needed from now on
            return checked
        }
    }

    /// How many candidates the search has: from its answer when one is there (never waiting for
    /// one being checked), else from the trigrams, read once and kept until the answer is checked.
    func candidateCount(_ key: Key, _ read: () -> [Int64]) -> Int {
        let slot = slot(key)
        if let answer = slot.answer.withLockIfAvailable({ $0 }) ?? nil { return answer.candidates }
        return slot.candidates.withLock { kept in
            if let kept { return kept.count }
            let read = read()
            kept = read
            return read.count
        }
    }
}
