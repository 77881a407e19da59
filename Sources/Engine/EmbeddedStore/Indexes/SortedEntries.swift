// The ordered side of a single-field index: every document's value of the field, in the order
// `$sort` puts them (BSON's comparison order, then `_id`), so that a sort on the field, with or
// without `_id` to break ties, is a walk along the index instead of a sort of the collection,
// and `sort({createdAt: -1}).limit(10)` reads ten documents however many there are.
//
// Kept as sorted chunks of a few hundred entries (the layout of Python's sortedcontainers):
// finding a place is two binary searches, and an insert or removal moves at most one chunk's
// entries, not the whole index. A value type, like the collection that holds it: a reader's
// snapshot shares the chunks, and the writer copies only a chunk it changes.

import BSON

struct SortedEntries: Sendable {
    struct Entry: Sendable {
        /// The field's value (`nil` when the document has none: it sorts as null does).
        let key: BSONValue?
        let id: BSONValue?
        let row: Int64
    }

    private var chunks: [[Entry]] = []
    private static let chunkLimit = 512

    static func less(_ a: Entry, _ b: Entry) -> Bool {
        let byKey = Values.compare(a.key, b.key, bytes: true)  // an index keeps byte order, whatever a query's collation
        if byKey != 0 { return byKey < 0 }
        let byId = Values.compare(a.id, b.id, bytes: true)
        if byId != 0 { return byId < 0 }
        return a.row < b.row
    }

    /// The first chunk whose last entry is not before `entry` (chunks.count when there is none).
    private func chunkIndex(for entry: Entry) -> Int {
        var low = 0, high = chunks.count
        while low < high {
            let mid = (low + high) / 2
            if Self.less(chunks[mid][chunks[mid].count - 1], entry) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The first position in `chunk` whose entry is not before `entry`.
    private static func position(of entry: Entry, in chunk: [Entry]) -> Int {
        var low = 0, high = chunk.count
        while low < high {
            let mid = (low + high) / 2
            if less(chunk[mid], entry) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    mutating func insert(_ entry: Entry) {
        guard !chunks.isEmpty else {
            chunks = [[entry]]
            return
        }
        let c = min(chunkIndex(for: entry), chunks.count - 1)
        chunks[c].insert(entry, at: Self.position(of: entry, in: chunks[c]))
        if chunks[c].count > 2 * Self.chunkLimit {
            let upper = Array(chunks[c][Self.chunkLimit...])
            chunks[c].removeSubrange(Self.chunkLimit...)
            chunks.insert(upper, at: c + 1)
        }
    }

    mutating func remove(_ entry: Entry) {
        let c = chunkIndex(for: entry)
        guard c < chunks.count else { return }
        let p = Self.position(of: entry, in: chunks[c])
        guard p < chunks[c].count, chunks[c][p].row == entry.row else { return }
        chunks[c].remove(at: p)
        if chunks[c].isEmpty { chunks.remove(at: c) }
    }

    /// Calls `body` with each row in order (reversed for a descending sort) until it returns false.
    func walk<E: Error>(ascending: Bool, _ body: (Int64) throws(E) -> Bool) throws(E) {
        if ascending {
            for chunk in chunks {
                for entry in chunk where !(try body(entry.row)) { return }
            }
        } else {
            for chunk in chunks.reversed() {
                for entry in chunk.reversed() where !(try body(entry.row)) { return }
            }
        }
    }
}
