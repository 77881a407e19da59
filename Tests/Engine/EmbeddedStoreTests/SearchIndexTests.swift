// A plain-text `$regex` on an indexed field is answered from the index's trigrams
// (Indexes/Trigrams.swift, Indexes/SearchPlan.swift): the same answers as a scan, through inserts,
// updates that change the text or leave it, deletes, and the lists' rebuild; chosen by the
// planner and shown by explain.

import BSON
import EngineTestSupport
import Foundation
import Storage
import Testing

@testable import EmbeddedStore

struct SearchIndexTests {
    /// Words whose case folding is where a search index goes wrong: "ß" folds to "ss", "İ" to
    /// "i" and a dot, the Kelvin sign to "k", final sigma to sigma, the "ﬁ" ligature to "fi".
    /// In a row of "ß", "sss" occurs at every offset, and ICU finds it at none.
    static let words = [
        "swift", "Server", "SERVER", "vapor", "Hummingbird", "straße", "STRASSE", "strasse", "İstanbul", "istanbul", "ıi",
        "\u{212A}elvin", "kelvin", "ſtar", "star", "µs", "μs", "ﬁle", "file", "café", "cafe\u{301}", "ΣΊΣΥΦΟΣ", "σίσυφος",
        "σίσυφος", "日本語", "🎬video", "a+b", "(x)", "[y]", "..", "\\", "aaa", "aab", "chai", "Chai aur Code", "-",
        String(repeating: "ß", count: 24), "sss", "SSSSS",  // a byte search meets many occurrences that do not count
    ]

    static func text(_ g: inout SplitMix64) -> String {
        (0..<Int.random(in: 0...6, using: &g)).map { _ in words.randomElement(using: &g)! }.joined(separator: " ")
    }

    /// What the video list does to a user's text: ASCII signs escaped.
    static func escape(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.isASCII, !scalar.properties.isAlphabetic, !("0"..."9").contains(scalar), scalar != " " { out.append("\\") }
            out.append(scalar)
        }
        return String(out)
    }

    static func document(_ i: Int, _ g: inout SplitMix64) -> Document {
        var d: Document = [
            "_id": .int32(Int32(i)), "n": .int32(Int32(i)), "at": .int32(Int32(Int.random(in: 0..<50, using: &g))), "flag": .bool(i % 3 == 0),
        ]
        switch Int.random(in: 0..<12, using: &g) {
        case 0: break  // no title
        case 1: d["title"] = .int32(7)
        case 2: d["title"] = .array([.string(text(&g)), .string(text(&g))])
        case 3: d["title"] = .regex(BSONRegex(pattern: "swift", options: "i"))
        default: d["title"] = .string(text(&g))
        }
        d["body"] = .string(text(&g) + " " + text(&g))
        return d
    }

    /// A search: part of a text that exists (its case changed), a word, a short piece, or a
    /// pattern that is not plain text (answered by a scan on both).
    static func pattern(_ texts: [String], _ g: inout SplitMix64) -> BSONRegex {
        let options = ["i", "i", "i", "", "im", "is"].randomElement(using: &g)!
        switch Int.random(in: 0..<10, using: &g) {
        case 0: return BSONRegex(pattern: "sw.ft", options: options)
        case 1: return BSONRegex(pattern: escape(String(words.randomElement(using: &g)!.prefix(2))), options: options)
        case 2, 3: return BSONRegex(pattern: escape(words.randomElement(using: &g)!), options: options)
        default:
            let source = Array((texts.randomElement(using: &g) ?? "swift").unicodeScalars)
            guard !source.isEmpty else { return BSONRegex(pattern: "x", options: options) }
            let start = Int.random(in: 0..<source.count, using: &g)
            let end = Int.random(in: start...min(source.count, start + 12), using: &g)
            var piece = String(String.UnicodeScalarView(source[start..<max(end, start + 1)]))
            if Bool.random(using: &g) { piece = Bool.random(using: &g) ? piece.uppercased() : piece.lowercased() }
            return BSONRegex(pattern: escape(piece), options: options)
        }
    }

    static func filters(_ r: BSONRegex) -> [Document] {
        let regex = BSONValue.regex(r)
        return [
            ["title": regex],
            ["title": ["$regex": .string(r.pattern), "$options": .string(r.options)]],
            ["$or": [["title": regex], ["body": regex]]],
            ["flag": true, "$and": [["$or": [["title": regex], ["body": regex]]]]],
        ]
    }

    func compare(_ plain: any StorageCollection, _ indexed: any StorageCollection, _ texts: [String], _ g: inout SplitMix64, _ label: String)
        async throws
    {
        for _ in 0..<40 {
            let r = Self.pattern(texts, &g)
            for filter in Self.filters(r) {
                let byId = FindOptions(sort: ["_id": 1])
                let expected = try await plain.find(filter, options: byId)
                #expect(try await indexed.find(filter, options: byId) == expected, "\(label): find \(filter)")
                #expect(try await indexed.countDocuments(filter) == expected.count, "\(label): count \(filter)")
                let page = FindOptions(sort: ["at": -1, "_id": -1], skip: 2, limit: 5)
                #expect(try await indexed.find(filter, options: page) == (try await plain.find(filter, options: page)), "\(label): page \(filter)")
            }
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 4])
    func searchesAnswerAsAScanDoes(seed: UInt64) async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        var g = SplitMix64(seed: seed)
        let db = store.database("search")
        let plain = db.collection("plain"), indexed = db.collection("indexed")
        for field in ["title", "body", "at"] { try await indexed.createIndex([field: 1], options: IndexOptions()) }
        let documents = (0..<400).map { Self.document($0, &g) }
        try await plain.insertMany(documents)
        try await indexed.insertMany(documents)
        let texts = documents.compactMap { $0["title"]?.stringValue } + documents.compactMap { $0["body"]?.stringValue }
        try await compare(plain, indexed, texts, &g, "seed \(seed), loaded")

        // Changes after the fact, the same on both: texts changed, counts bumped (the text stays),
        // titles removed, documents deleted.
        var changed: [String] = []
        for i in stride(from: 0, to: 400, by: 7) {
            let title = Self.text(&g)
            changed.append(title)
            for c in [plain, indexed] {
                _ = try await c.updateOne(["n": .int32(Int32(i))], ["$set": ["title": .string(title)]], options: UpdateOptions())
            }
        }
        for c in [plain, indexed] {
            _ = try await c.updateMany([:], ["$inc": ["views": 1]], options: UpdateOptions())
            _ = try await c.updateMany(["n": ["$mod": [11, 1]]], ["$unset": ["title": ""]], options: UpdateOptions())
            _ = try await c.deleteMany(["n": ["$mod": [13, 2]]])
        }
        try await compare(plain, indexed, texts + changed, &g, "seed \(seed), changed")
    }

    @Test func theListsAreRebuiltAndStillAnswer() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        var g = SplitMix64(seed: 42)
        let db = store.database("search")
        let plain = db.collection("plain"), indexed = db.collection("indexed")
        try await indexed.createIndex(["title": 1], options: IndexOptions())
        let documents = (0..<200).map { i -> Document in ["_id": .int32(Int32(i)), "n": .int32(Int32(i)), "title": .string(Self.text(&g))] }
        try await plain.insertMany(documents)
        try await indexed.insertMany(documents)
        // Long texts replaced again and again: the leftovers outgrow the live entries.
        var texts: [String] = []
        for round in 0..<6 {
            for i in 0..<200 {
                let title = (0..<40).map { _ in Self.words.randomElement(using: &g)! }.joined(separator: " ") + " r\(round)"
                texts.append(title)
                for c in [plain, indexed] {
                    _ = try await c.updateOne(["n": .int32(Int32(i))], ["$set": ["title": .string(title)]], options: UpdateOptions())
                }
            }
        }
        let index = try store.engine("search").snapshot(of: "indexed").indexes[1]
        #expect(index.trigrams!.postingCount < 2 * index.trigrams!.texts.values.reduce(0) { $0 + $1.trigramCount } + 65_536)
        try await compare(plain, indexed, texts, &g, "rebuilt")
    }

    @Test func aSearchSeesTheWriteBeforeIt() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let videos = store.database("search").collection("videos")
        try await videos.createIndex(["title": 1], options: IndexOptions())
        try await videos.insertMany((0..<50).map { ["n": .int32(Int32($0)), "title": .string("Video \($0)")] })
        let search: Document = ["title": .regex(BSONRegex(pattern: "swift server", options: "i"))]
        #expect(try await videos.countDocuments(search) == 0)
        _ = try await videos.updateOne(["n": 3], ["$set": ["title": "Swift Server, part 1"]], options: UpdateOptions())
        #expect(try await videos.countDocuments(search) == 1)
        _ = try await videos.insertOne(["n": 60, "title": "SWIFT SERVER again"])
        #expect(try await videos.find(search, options: FindOptions()).count == 2)
        _ = try await videos.deleteOne(["n": 3])
        #expect(try await videos.countDocuments(search) == 1)
    }

    @Test func thePlannerChoosesTheIndexAndExplainSaysSo() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let videos = store.database("search").collection("videos")
        for field in ["title", "description", "createdAt"] { try await videos.createIndex([field: 1], options: IndexOptions()) }
        try await videos.insertMany(
            (0..<500).map { i in
                [
                    "title": .string(i == 7 ? "Swift server basics" : "Video \(i)"), "description": .string("About \(i)"),
                    "createdAt": .int32(Int32(i)),
                ]
            })
        func plan(_ filter: Document, _ options: FindOptions = FindOptions()) async throws -> (Document, Int) {
            let explained = try await videos.explain(filter, options: options)
            let stats = explained["executionStats"]!.documentValue!
            return (explained["queryPlanner"]!.documentValue!["winningPlan"]!.documentValue!, Int(stats["totalDocsExamined"]!.int64Value!))
        }
        let title = try await plan(["title": .regex(BSONRegex(pattern: "swift server", options: "i"))])
        #expect(title.0["inputStage"]?.documentValue?["indexName"] == "title_1")
        #expect(title.0["inputStage"]?.documentValue?["trigramSearch"] == "swift server")
        #expect(title.1 == 1)
        let either: Document = [
            "$or": [["title": .regex(BSONRegex(pattern: "swift", options: "i"))], ["description": .regex(BSONRegex(pattern: "swift", options: "i"))]]
        ]
        let both = try await plan(either, FindOptions(sort: ["createdAt": -1], limit: 10))
        let input = both.0["inputStage"]?.documentValue?["inputStage"]?.documentValue
        #expect(input?["inputStage"]?.documentValue?["stage"] == "OR")
        #expect(both.1 == 1)
        // A pattern that is more than text, or a field without an index, is a scan.
        #expect(try await plan(["title": .regex(BSONRegex(pattern: "sw.ft", options: "i"))]).0["stage"] == "COLLSCAN")
        #expect(try await plan(["summary": .regex(BSONRegex(pattern: "swift", options: "i"))]).0["stage"] == "COLLSCAN")
    }
}
