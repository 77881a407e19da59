import BSON
import EmbeddedStore
import Foundation
import Storage
import Testing

struct PipelineTests {
    @Test func sortThenLimitEqualsTheFullSortsPrefix() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let videos = store.database("videotube").collection("videos")
        // Many ties (views in 0..<20) and some missing or differently typed values.
        try await videos.insertMany(
            (0..<500).map { i in
                var d: Document = ["n": .int32(Int32(i))]
                if i % 37 != 0 { d["views"] = i % 11 == 0 ? .double(Double(i % 20) + 0.5) : .int32(Int32(i % 20)) }
                return d
            })
        for spec: Document in [["views": -1], ["views": 1], ["views": -1, "n": 1]] {
            let all = try await videos.aggregate([["$sort": .document(spec)]])
            for (skip, limit) in [(0, 10), (15, 10), (0, 1), (490, 20)] {
                let page = try await videos.aggregate([["$sort": .document(spec)], ["$skip": .int32(Int32(skip))], ["$limit": .int32(Int32(limit))]])
                #expect(page == Array(all.dropFirst(skip).prefix(limit)), "sort \(spec) skip \(skip) limit \(limit)")
            }
            let top = try await videos.aggregate([["$sort": .document(spec)], ["$limit": 7]])
            #expect(top == Array(all.prefix(7)))
        }
        await store.close()
    }
}
