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

var grdbRows: [(n: Int, store: (Double, Double, Double), grdb: (insertOne: Double, insertMany: Double, byKey: Double))] = []
var figures: [[String: Any]] = []

for n in sizes {
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
try? FileManager.default.createDirectory(atPath: "Benchmarks/results", withIntermediateDirectories: true)
let json = try JSONSerialization.data(withJSONObject: ["sizes": figures], options: [.prettyPrinted, .sortedKeys])
try json.write(to: URL(fileURLWithPath: "Benchmarks/results/embedded.json"))
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
