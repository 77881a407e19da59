// A reader never sees a write before it is durable: while a write's SQLite transaction is still
// open, readers see the collection as it was (before, the write changed memory first, so a
// concurrent reader could see a document that a failed commit then took back).

import BSON
import Dispatch
import Foundation
import Storage
import Testing

@testable import EmbeddedStore

@Suite struct ReadIsolation {
    @Test func aWriteIsInvisibleUntilItIsCommitted() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("iso-\(UUID().uuidString)").path
        let store = try EmbeddedStore.open(directory: folder)
        defer { Task { await store.close() } }
        let engine = try store.engine("d")
        try await engine.write { tx throws(StorageError) in _ = try tx.insert("kept", ["_id": 0]) }

        let inside = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let writer = Task {
            try await engine.write { tx throws(StorageError) in
                _ = try tx.insert("kept", ["_id": 1])
                _ = try tx.insert("fresh", ["_id": 2])  // a collection this write creates
                tx.dropCollection("kept")
                _ = try tx.insert("kept", ["_id": 3])
                #expect(tx.snapshot("kept").rows.count == 1)  // the writer sees its own changes
                inside.signal()
                release.wait()
            }
        }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                inside.wait()
                continuation.resume()
            }
        }
        // Mid-write: readers see what is durable, nothing of the write.
        #expect(engine.snapshot(of: "kept").rows.values.map { $0["_id"] } == [0])
        #expect(!engine.hasCollection("fresh") && engine.snapshot(of: "fresh").rows.isEmpty)
        #expect(engine.collectionNames() == ["kept"])
        release.signal()
        try await writer.value
        // Committed: all of it at once.
        #expect(engine.snapshot(of: "kept").rows.values.map { $0["_id"] } == [3])
        #expect(engine.snapshot(of: "fresh").rows.count == 1)
        #expect(engine.collectionNames() == ["fresh", "kept"])
    }
}
