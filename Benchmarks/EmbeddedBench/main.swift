// `make bench`: the embedded store's speed at 1k, 10k and 100k documents per collection.
//
// Measures what the Final server does most: find by _id, find by a unique key, the course's
// channel-profile pipeline (two $lookups on indexed keys), a page of a user's videos joined to
// their owner, and the latest page over the whole collection. Release build; wall-clock
// medians of several runs; printed as a table. Compare rows across sizes: index-backed
// operations should stay flat as the collections grow.

import BSON
import BenchSupport
import EmbeddedStore
import Foundation
import GRDB
import Models
import Storage

let sizes = CommandLine.arguments.dropFirst().compactMap(Int.init).nilIfEmpty ?? [1_000, 10_000, 100_000]
/// `EmbeddedBench search [sizes]`: the search figures alone.
let onlySearch = CommandLine.arguments.dropFirst().first == "search"

extension Array { var nilIfEmpty: Self? { isEmpty ? nil : self } }

print("Embedded store benchmark (release build, median of 5 rounds; µs or ms per operation)\n")
print(
    "| documents | insertOne (fsync) | insertMany ×1000 | find _id | find email | channel profile | user's page + owner | latest page + owner | API video list: owners for the page only / for every match | RSS after load |"
)
print("|---|---|---|---|---|---|---|---|---|---|")

/// Raw SQLite through GRDB, set up as the embedded store sets up its own file (WAL, synchronous
/// FULL), doing the equivalent work on rows of the same documents' bytes: µs per operation.
func grdbFigures(rows n: Int) throws -> (insertOne: Double, insertMany: Double, byKey: Double) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("grdb-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    var config = Configuration()
    config.journalMode = .wal
    config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
    let queue = try DatabaseQueue(path: folder.appendingPathComponent("raw.sqlite").path, configuration: config)
    let document = Data((["title": "Video", "description": "About it", "views": .int64(1), "isPublished": true] as Document).bsonBytes)
    try queue.write { db in
        try db.execute(sql: "CREATE TABLE docs (id INTEGER PRIMARY KEY, doc BLOB NOT NULL)")
        for i in 0..<n { try db.execute(sql: "INSERT INTO docs (id, doc) VALUES (?, ?)", arguments: [i, document]) }
    }
    func time(_ count: Int, _ body: (Int) throws -> Void) rethrows -> Double {
        var samples: [Double] = []
        for round in 0..<3 {
            let start = ContinuousClock.now
            for i in 0..<count { try body(round * count + i) }
            let elapsed = (ContinuousClock.now - start).components
            samples.append((Double(elapsed.seconds) * 1e6 + Double(elapsed.attoseconds) / 1e12) / Double(count))
        }
        return samples.sorted()[1]
    }
    let insertOne = try time(100) { i in
        try queue.write { db in try db.execute(sql: "INSERT INTO docs (id, doc) VALUES (?, ?)", arguments: [n + i, document]) }
    }
    let insertMany = try time(3) { r in
        try queue.write { db in
            for j in 0..<1000 { try db.execute(sql: "INSERT INTO docs (id, doc) VALUES (?, ?)", arguments: [10 * n + r * 1000 + j, document]) }
        }
    }
    let byKey = try time(20_000) { i in
        _ = try queue.read { db in try Data.fetchOne(db, sql: "SELECT doc FROM docs WHERE id = ?", arguments: [i % n]) }
    }
    return (insertOne, insertMany, byKey)
}

/// The search figures at the largest size (the goals of `make bench`).
var searchSummary: [String: Any] = [:]
var grdbRows: [(n: Int, store: (Double, Double, Double), grdb: (insertOne: Double, insertMany: Double, byKey: Double))] = []
var figures: [[String: Any]] = []

for n in sizes where !onlySearch {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try EmbeddedStore.open(directory: folder.path)
    let db = store.database("bench")
    let users = db.collection("users"), videos = db.collection("videos"), subscriptions = db.collection("subscriptions")
    try await Collections(db).createIndexes()  // the models' own indexes, as the servers create them

    // Load: n users, n videos (10 per owner), n subscriptions.
    let userIds = (0..<n).map { _ in ObjectId() }
    let loadStart = ContinuousClock.now
    for batch in stride(from: 0, to: n, by: 1000) {
        let range = batch..<min(batch + 1000, n)
        try await users.insertMany(
            range.map { i in
                [
                    "_id": .objectId(userIds[i]), "username": .string("user\(i)"), "email": .string("user\(i)@example.com"),
                    "fullName": .string("User \(i)"), "avatar": .string("https://media.example/\(i).png"),
                    "password": .string(String(repeating: "h", count: 60)),
                ]
            })
        try await videos.insertMany(
            range.map { i in
                [
                    "title": .string("Video \(i)"), "description": .string("About \(i)"), "duration": .double(Double(i % 600)),
                    "views": .int64(Int64(i)), "isPublished": .bool(i % 5 != 0), "owner": .objectId(userIds[i / 10 % n]),
                    "createdAt": .datetime(BSONDate(millisecondsSince1970: 1_700_000_000_000 + Int64(i) * 1000)),
                ]
            })
        try await subscriptions.insertMany(
            range.map { i in
                ["subscriber": .objectId(userIds[i]), "channel": .objectId(userIds[(i * 7 + 1) % n])]
            })
    }
    let loadSeconds = Double((ContinuousClock.now - loadStart).components.seconds)
    let rss = residentMegabytes()

    let scratch = db.collection("scratch")
    let insertOne = try await measure(iterations: 100, rounds: 3) { i in try await scratch.insertOne(["i": .int64(Int64(i))]) }
    let insertMany = try await measure(iterations: 3, rounds: 3) { r in
        try await scratch.insertMany((0..<1000).map { ["batch": .int64(Int64(r)), "i": .int32(Int32($0))] })
    }
    let byId = try await measure(iterations: 20_000) { i in _ = try await users.findOne(["_id": .objectId(userIds[i % n])]) }
    let byEmail = try await measure(iterations: 20_000) { i in _ = try await users.findOne(["email": .string("user\(i % n)@example.com")]) }
    let viewer = userIds[0]
    let profile = try await measure(iterations: 2_000) { i in
        _ = try await users.aggregate([
            ["$match": ["username": .string("user\(i % n)")]],
            ["$lookup": ["from": "subscriptions", "localField": "_id", "foreignField": "channel", "as": "subscribers"]],
            ["$lookup": ["from": "subscriptions", "localField": "_id", "foreignField": "subscriber", "as": "subscribedTo"]],
            [
                "$addFields": [
                    "subscribersCount": ["$size": "$subscribers"], "channelsSubscribedToCount": ["$size": "$subscribedTo"],
                    "isSubscribed": ["$cond": ["if": ["$in": [.objectId(viewer), "$subscribers.subscriber"]], "then": true, "else": false]],
                ]
            ],
            ["$project": ["fullName": 1, "username": 1, "subscribersCount": 1, "channelsSubscribedToCount": 1, "isSubscribed": 1, "avatar": 1]],
        ])
    }
    let ownerLookup: Document = [
        "$lookup": [
            "from": "users", "localField": "owner", "foreignField": "_id", "as": "owner",
            "pipeline": [["$project": ["username": 1, "fullName": 1, "avatar": 1]]],
        ]
    ]
    let userPage = try await measure(iterations: 2_000) { i in
        _ = try await videos.aggregate([
            ["$match": ["owner": .objectId(userIds[i % max(1, n / 10)])]],
            ["$sort": ["createdAt": -1]], ["$limit": 10], ownerLookup, ["$addFields": ["owner": ["$first": "$owner"]]],
        ])
    }
    let latestPage = try await measure(iterations: n >= 100_000 ? 10 : 50, rounds: 3) { i in
        _ = try await videos.aggregate([
            ["$match": ["isPublished": true]], ["$sort": ["createdAt": -1]], ["$skip": .int32(Int32(i % 5 * 10))], ["$limit": 10],
            ownerLookup, ["$addFields": ["owner": ["$first": "$owner"]]],
        ])
    }
    // The API's own video list (GET /videos): the page along the createdAt index and the total
    // counted from indexes, owners looked up for the page only (perPage); beside it, the same
    // list joining every match's owner before the page is cut, in one $facet, as it did first.
    let list = VideoListQuery()
    let apiPage = try await measure(iterations: n >= 100_000 ? 5 : 20, rounds: 3) { _ in
        _ = try await list.page(PageRequest(), in: ModelCollection<Video>(db))
    }
    let everyOwner = try await measure(iterations: n >= 100_000 ? 5 : 20, rounds: 3) { _ in
        _ = try await videos.aggregatePaginate(list.pipeline + Stages.ownerSummary(), PageRequest())
    }
    let listCell = "\(format(apiPage)) / \(format(everyOwner)) (\(String(format: "%.1f", everyOwner / apiPage))×)"
    print(
        "| \(n) | \(format(insertOne)) | \(format(insertMany)) | \(format(byId)) | \(format(byEmail)) | \(format(profile)) | \(format(userPage)) | \(format(latestPage)) | \(listCell) | \(String(format: "%.0f MB", rss)) (load \(Int(loadSeconds)) s) |"
    )
    await store.close()
    let grdb = try grdbFigures(rows: n)
    grdbRows.append((n, (insertOne, insertMany, byId), grdb))
    figures.append([
        "documents": n, "insertOne µs": insertOne, "insertMany×1000 µs": insertMany, "find _id µs": byId, "find email µs": byEmail,
        "channel profile µs": profile, "user's page µs": userPage, "latest page µs": latestPage, "API video list µs": apiPage,
        "GRDB insert µs": grdb.insertOne, "GRDB insert×1000 µs": grdb.insertMany, "GRDB select by key µs": grdb.byKey,
    ])
}
print("\nBeside raw SQLite through GRDB (WAL, synchronous FULL, as the store's own file), same run:\n")
print("| documents | insert one (fsync): store / GRDB | 1000 in one commit: store / GRDB | by key: store find _id / GRDB select by primary key |")
print("|---|---|---|---|")
for row in grdbRows {
    let (one, many, key) = row.store
    print(
        "| \(row.n) | \(format(one)) / \(format(row.grdb.insertOne)) (\(String(format: "%.2f", one / row.grdb.insertOne))×) | "
            + "\(format(many)) / \(format(row.grdb.insertMany)) (\(String(format: "%.2f", many / row.grdb.insertMany))×) | "
            + "\(format(key)) / \(format(row.grdb.byKey)) (\(String(format: "%.2f", key / row.grdb.byKey))×) |")
}

// The video list's search box (GET /videos?query=), page and total as the API answers them,
// over realistic videos: 3-word titles and 30-word descriptions from a 2,000-word vocabulary
// (each word in about 1.5 % of descriptions),
// "swift server" in 0.5 % of descriptions.
// One channel also owns 60 crafted videos (5,000-character descriptions built against the
// index: every trigram of the worst query, a character that folds to two, and no match).
// Figures: per-request p50 and p99 (µs), and another reader's p99 while four tasks loop the
// worst search.
struct SearchFigures {
    let n: Int
    var rows: [(String, p50: Double, p99: Double)] = []
    var flood: (p50: Double, p99: Double, searches: Int) = (0, 0, 0)
    var rss = 0.0
}

func timings(_ count: Int, _ body: () async throws -> Void) async throws -> (p50: Double, p99: Double) {
    var samples: [Double] = []
    for _ in 0..<count {
        let start = ContinuousClock.now
        try await body()
        let elapsed = (ContinuousClock.now - start).components
        samples.append(Double(elapsed.seconds) * 1e6 + Double(elapsed.attoseconds) / 1e12)
    }
    samples.sort()
    return (samples[samples.count / 2], samples[min(samples.count - 1, samples.count * 99 / 100)])
}

func searchFigures(videos n: Int) async throws -> SearchFigures {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("search-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try EmbeddedStore.open(directory: folder.path)
    let db = store.database("bench")
    try await Collections(db).createIndexes()
    var random = SystemRandomNumberGenerator()
    // Words of two or three consonant-vowel syllables ("tobi", "muraze"): letters that repeat as
    // a language's do, so trigrams are shared between words, as in real text.
    let syllables = "bcdfghjklmnprstvwz".flatMap { c in "aeiou".map { v in String(c) + String(v) } }
    func word(_ i: Int) -> String {
        let two: String = syllables[i % 90] + syllables[(i / 90 + i) % 90]
        return i % 2 == 0 ? two + syllables[(i * 7) % 90] : two
    }
    let vocabulary = (0..<2_000).map(word)
    func sentence(_ words: Int) -> String { (0..<words).map { _ in vocabulary.randomElement(using: &random)! }.joined(separator: " ") }
    let owners = (0..<max(1, n / 10)).map { _ in ObjectId() }
    try await db.collection("users").insertMany(
        owners.enumerated().map { i, id in
            [
                "_id": .objectId(id), "username": .string("user\(i)"), "email": .string("user\(i)@example.com"), "fullName": .string("User \(i)"),
                "avatar": "a.png",
            ]
        })
    let base = 1_700_000_000_000 as Int64
    let big = owners[owners.count - 1]  // a channel that owns half of the videos
    for batch in stride(from: 0, to: n, by: 1000) {
        try await db.collection("videos").insertMany(
            (batch..<min(batch + 1000, n)).map { i in
                var description = sentence(30)
                let roll = Int.random(in: 0..<1000, using: &random)
                if roll < 5 { description += " swift server" }
                return [
                    "title": .string(sentence(3).capitalized), "description": .string(description), "duration": 60.0, "views": .int64(Int64(i)),
                    "isPublished": .bool(i % 5 != 0),
                    "owner": .objectId(i % 2 == 0 ? big : owners[i / 10 % owners.count]),
                    "createdAt": .datetime(BSONDate(millisecondsSince1970: base + Int64(i) * 1000)),
                ]
            })
    }
    let attacker = owners[0]
    let crafted = String(repeating: String(repeating: "a", count: 150) + "b", count: 33) + "ß"
    try await db.collection("videos").insertMany(
        (0..<60).map { i in
            [
                "title": .string(String(repeating: "a", count: 200)), "description": .string(crafted), "isPublished": true,
                "owner": .objectId(attacker),
                "createdAt": .datetime(BSONDate(millisecondsSince1970: base + Int64(n + i) * 1000)),
            ]
        })
    var figures = SearchFigures(n: n)
    figures.rss = residentMegabytes()
    let videos = ModelCollection<Video>(db)
    let viewer = owners[1 % owners.count]
    @Sendable func page(_ text: String?, as reader: ObjectId? = nil) async throws {
        _ = try await VideoListQuery(text: text, viewer: reader ?? viewer).page(PageRequest(), in: videos)
    }
    // Each request searches a text of its own (the store keeps recent searches' answers until
    // the index changes: a repeated text would measure that memo, shown on its own row).
    let worst: @Sendable (Int) -> String = { i in String(repeating: "a", count: 151 + i % 49) + "b" }  // every trigram there, never a match
    let word: @Sendable (Int) -> String = { i in vocabulary[(i * 7919) % vocabulary.count] }
    let rows: [(String, (Int) -> String?)] = [
        ("plain page (no query)", { _ in nil }), ("a word found nowhere (zq…x)", { "zq\($0)x" }),
        ("a word of the vocabulary", word), ("two words side by side", { "\(word($0)) \(word($0 + 1))" }),
        ("\"swift server\" (0.5 %), repeated: the memo", { _ in "swift server" }),
        ("worst crafted: 151–199 × a + b", worst), ("worst crafted: combining marks", { String(repeating: "\u{301}*", count: 3 + $0 % 40) + "Z" }),
    ]
    for (label, text) in rows {
        try await page(text(0))  // warm
        var i = 1
        let (p50, p99) = try await timings(n >= 100_000 ? 60 : 200) {
            i += 1
            try await page(text(i))
        }
        figures.rows.append((label, p50, p99))
    }
    try await page(nil, as: big)
    let own = try await timings(n >= 100_000 ? 60 : 200) { try await page(nil, as: big) }
    figures.rows.append(("plain page, signed in as a channel that owns half of the videos", own.p50, own.p99))
    // Four tasks loop the worst search while one reader searches for words.
    let stop = ContinuousClock.now + .seconds(4)
    figures.flood = try await withThrowingTaskGroup(of: Int.self) { group in
        for _ in 0..<4 {
            group.addTask {
                var done = 0
                while ContinuousClock.now < stop {
                    try await page(worst(done))
                    done += 1
                }
                return done
            }
        }
        var samples: [Double] = []
        while ContinuousClock.now < stop {
            let start = ContinuousClock.now
            try await page(word(samples.count))
            let elapsed = (ContinuousClock.now - start).components
            samples.append(Double(elapsed.seconds) * 1e6 + Double(elapsed.attoseconds) / 1e12)
        }
        var searches = 0
        for try await done in group { searches += done }
        samples.sort()
        return (samples[samples.count / 2], samples[min(samples.count - 1, samples.count * 99 / 100)], searches)
    }
    await store.close()
    return figures
}

print("\nThe video list's search (page + total, as GET /videos?query= answers; p50 / p99 per request):\n")
let searchSizes = CommandLine.arguments.dropFirst().compactMap(Int.init).nilIfEmpty ?? [5_000, 100_000]
var searchRuns: [SearchFigures] = []
for n in searchSizes { searchRuns.append(try await searchFigures(videos: n)) }
print("| request | " + searchRuns.map { "\($0.n) videos" }.joined(separator: " | ") + " |")
print("|---|" + searchRuns.map { _ in "---|" }.joined())
for (i, row) in searchRuns[0].rows.enumerated() {
    print("| \(row.0) | " + searchRuns.map { "\(format($0.rows[i].p50)) / \(format($0.rows[i].p99))" }.joined(separator: " | ") + " |")
}
print(
    "| a word, while 4 tasks loop the worst search | "
        + searchRuns.map { "\(format($0.flood.p50)) / \(format($0.flood.p99)) (\($0.flood.searches) worst searches)" }.joined(separator: " | ") + " |"
)
print("| resident memory after loading | " + searchRuns.map { String(format: "%.0f MB", $0.rss) }.joined(separator: " | ") + " |")
if let first = searchRuns.first, let last = searchRuns.last {
    let plain = last.rows[0].p50 / first.rows[0].p50
    let searches = last.rows[1...3].map(\.p50).max() ?? 0
    let worstRatio = last.rows[5...6].map(\.p50).max()! / last.rows[2].p50
    print(
        """

        At \(last.n): the plain page is \(String(format: "%.2f", plain))× its p50 at \(first.n) (goal ≤ 1.5×); the slowest of the three searches' p50 is \(format(searches)) (goal ≤ 3 ms);
        the worst crafted search's p50 is \(String(format: "%.1f", worstRatio))× a plain search's (a word; goal ≤ 5×); another reader's p99 while four tasks loop it is \(format(last.flood.p99)) (goal < 500 ms).
        """)
    searchSummary = [
        "search videos": last.n, "plain page p50 µs": last.rows[0].p50, "plain page p50 µs at the smallest size": first.rows[0].p50,
        "smallest size": first.n,
        "slowest search p50 µs": searches, "worst crafted / plain": worstRatio, "reader p99 under worst flood µs": last.flood.p99,
    ]
}

try? FileManager.default.createDirectory(atPath: "Benchmarks/results", withIntermediateDirectories: true)
let json = try JSONSerialization.data(withJSONObject: ["sizes": figures, "search": searchSummary], options: [.prettyPrinted, .sortedKeys])
try json.write(to: URL(fileURLWithPath: onlySearch ? "Benchmarks/results/embedded-search.json" : "Benchmarks/results/embedded.json"))
print(
    """

    "user's page + owner" starts with an indexed $match (owner) and joins owners through the _id
    index: it should not grow with the collection. "latest page + owner" is read along the
    createdAt index (newest first, stopping at the page's end), so it should not grow either. The
    API's video list reads its page along the same index and counts its total from the
    isPublished and owner indexes, so it should not grow; beside it, the same list with every
    match's owner joined inside one $facet, which does. "channel profile" looks up subscriptions
    through the {subscriber, channel} index's first field and the channel index.
    """)
