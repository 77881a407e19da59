// Server-side cursors: what a `find` or `aggregate` did not send in its first batch waits
// here for `getMore`, and is dropped after 10 idle minutes (as MongoDB's cursor timeout).

import BSON
import Foundation

actor CursorStore {
    struct Cursor {
        let namespace: String
        var remaining: ArraySlice<Document>
        var lastUsed: ContinuousClock.Instant
    }

    private var cursors: [Int64: Cursor] = [:]
    let idleTimeout: Duration

    init(idleTimeout: Duration = .seconds(600)) { self.idleTimeout = idleTimeout }

    /// Splits `documents` into a first batch and (if anything is left) a new cursor id; 0 means done.
    func open(namespace: String, documents: [Document], batchSize: Int) -> (batch: [Document], id: Int64) {
        reap()
        let batch = Self.take(documents[...], batchSize)
        guard batch.count < documents.count else { return (batch, 0) }
        var id: Int64
        repeat { id = Int64.random(in: 1...Int64.max) } while cursors[id] != nil
        cursors[id] = Cursor(namespace: namespace, remaining: documents[batch.count...], lastUsed: .now)
        return (batch, id)
    }

    /// The next batch of cursor `id`, and whether it is still open afterwards; nil if unknown.
    func next(_ id: Int64, batchSize: Int) -> (batch: [Document], namespace: String, open: Bool)? {
        reap()
        guard var cursor = cursors[id] else { return nil }
        let batch = Self.take(cursor.remaining, batchSize)
        cursor.remaining = cursor.remaining.dropFirst(batch.count)
        cursor.lastUsed = .now
        if cursor.remaining.isEmpty {
            cursors[id] = nil
            return (batch, cursor.namespace, false)
        }
        cursors[id] = cursor
        return (batch, cursor.namespace, true)
    }

    func kill(_ id: Int64) -> Bool { cursors.removeValue(forKey: id) != nil }

    private func reap() {
        let now = ContinuousClock.now
        cursors = cursors.filter { now - $0.value.lastUsed < idleTimeout }
    }

    /// Up to `batchSize` documents (0 = no count limit) and at most ~16 MB of them.
    private static func take(_ documents: ArraySlice<Document>, _ batchSize: Int) -> [Document] {
        var out: [Document] = []
        var bytes = 0
        for document in documents {
            if batchSize > 0 && out.count >= batchSize { break }
            let size = document.bsonBytes.count
            if !out.isEmpty && bytes + size > 16 * 1024 * 1024 { break }
            out.append(document)
            bytes += size
        }
        return out
    }
}
