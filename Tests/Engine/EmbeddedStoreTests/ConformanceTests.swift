// The conformance table (Tests/Engine/EngineTestSupport/Conformance.swift) on the embedded store.

import EmbeddedStore
import EngineTestSupport
import Foundation
import Storage
import Testing

/// One store for the whole table: each case uses its own collections.
let conformanceStore: EmbeddedStore = {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(UUID().uuidString)")
    return try! EmbeddedStore.open(directory: folder.path)
}()

struct ConformanceTests {
    @Test func theTableIsLargeEnough() {
        #expect(Conformance.cases.count >= 150)
        #expect(Set(Conformance.cases.map(\.name)).count == Conformance.cases.count, "case names are unique")
    }

    @Test(arguments: Conformance.cases)
    func conformance(_ c: ConformanceCase) async throws {
        try await Conformance.check(c, on: conformanceStore.database("conformance"))
    }
}
