// MongoDB's maxTimeMS on the embedded store, directly and through the wire (the C driver sends
// it as `maxTimeMS`; the wire server stops the query there): a regex that would backtrack for
// minutes ends with error 50, and so do scans and expressions; cheap queries keep running
// while long ones do.

import BSON
import EngineTestSupport
import Foundation
import Storage
import Testing

@Suite struct TimeLimitTests {
    /// 25 `a`s and a `!`: `(a+)+$` tries about 2^25 ways to split them before it gives up, per
    /// document; far beyond any limit here, so only the limit can end these queries.
    static let catastrophic: Document = ["s": ["$regex": "(a+)+$"]]

    func seeded(_ backend: TestBackend) async throws -> any StorageCollection {
        let collection = try await backend.freshDatabase().collection("texts")
        try await collection.insertMany((0..<20).map { ["s": .string(String(repeating: "a", count: 25) + "!"), "n": .int32(Int32($0))] })
        return collection
    }

    func expectTimeout(_ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("the query finished: it should have run out of time")
        } catch let error as StorageError {
            #expect(error.code == 50, "\(error)")
            if case .timeout = error {} else { Issue.record("expected .timeout, got \(error)") }
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test(arguments: TestBackend.available)
    func aRunawayRegexStopsAtItsLimit(_ backend: TestBackend) async throws {
        let texts = try await seeded(backend)
        try await QueryTimeLimit.$perQuery.withValue(.milliseconds(300)) { () async throws in
            await expectTimeout { _ = try await texts.find(Self.catastrophic) }
            await expectTimeout { _ = try await texts.countDocuments(Self.catastrophic) }
            await expectTimeout { _ = try await texts.aggregate([["$match": .document(Self.catastrophic)]]) }
            await expectTimeout {
                _ = try await texts.aggregate([["$project": ["m": ["$regexMatch": ["input": "$s", "regex": "(a+)+$"]]]]])
            }
            // The same collection still answers a query that has no such pattern.
            #expect(try await texts.countDocuments(["n": ["$gte": 10]]) == 10)
        }
        // A pattern that matches at once is not affected by the limit (a generous one: the
        // parallel tests share two cores, and this asserts no time).
        let quick = try await QueryTimeLimit.$perQuery.withValue(.seconds(3)) { try await texts.find(["s": ["$regex": "^a+!$"]]) }
        #expect(quick.count == 20)
    }

    /// While long queries run on the store's query threads, a cheap one is not queued behind
    /// them: it finishes first (an order, not a time).
    @Test func cheapQueriesDoNotWaitForLongOnes() async throws {
        let texts = try await seeded(.embedded)
        let order = OrderLog()
        try await QueryTimeLimit.$perQuery.withValue(.seconds(2)) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        _ = try? await texts.find(Self.catastrophic)
                        await order.append("long")
                    }
                }
                try await Task.sleep(for: .milliseconds(100))  // the long ones have started
                group.addTask {
                    _ = try await texts.find(["n": 3])
                    await order.append("cheap")
                }
                try await group.waitForAll()
            }
        }
        #expect(await order.entries.first == "cheap")
        #expect(await order.entries.count == 5)
    }
}

actor OrderLog {
    var entries: [String] = []
    func append(_ entry: String) { entries.append(entry) }
}
