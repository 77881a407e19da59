import BSON
import EmbeddedStore
import EngineTestSupport
import Foundation
import Storage
import Testing

/// A fresh embedded store in a temporary folder.
func temporaryStore() throws -> (EmbeddedStore, URL) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("embedded-\(UUID().uuidString)")
    return (try EmbeddedStore.open(directory: folder.path), folder)
}

struct StorageSuiteTests {
    @Test func theStorageSuiteRunsOnTheEmbeddedStore() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await StorageSuite.run(on: store.database("videotube_test"))
        try await StorageSuite.validation(on: store.database("videotube_test"))
        await store.close()
    }
}
