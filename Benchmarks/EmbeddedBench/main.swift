import BSON
// `make bench`: the embedded store's speed at 1k, 10k and 100k documents per collection.
//
// Measures what the Final server does most: find by _id, find by a unique key, the course's
// channel-profile pipeline (two $lookups on indexed keys), a page of a user's videos joined to
// their owner, and the latest page over the whole collection. Release build; wall-clock
// medians of several runs; printed as a table. Compare rows across sizes: index-backed
// operations should stay flat as the collections grow.
import BenchSupport
import EmbeddedStore
import Foundation
import Models
import Storage

let sizes = CommandLine.arguments.dropFirst().compactMap(Int.init).nilIfEmpty ?? [1_000, 10_000, 100_000]

extension Array { var nilIfEmpty: Self? { isEmpty ? nil : self } }

print("Embedded store benchmark (release build, median of 5 rounds; µs or ms per operation)\n")
print(
    "| documents | insertOne (fsync) | insertMany ×1000 | find _id | find email | channel profile | user's page + owner | latest page + owner | API video list: owners for the page only / for every match | RSS after load |"
)
print("|---|---|---|---|---|---|---|---|---|---|")

for n in sizes {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try EmbeddedStore.open(directory: folder.path)
    let db = store.database("bench")
    let users = db.collection("users"), videos = db.collection("videos"), subscriptions = db.collection("subscriptions")
    try await users.createIndex(["username": 1], unique: true)
    try await users.createIndex(["email": 1], unique: true)
    try await videos.createIndex(["owner": 1])
    try await subscriptions.createIndex(["subscriber": 1, "channel": 1], unique: true)
    try await subscriptions.createIndex(["channel": 1])
    try await subscriptions.createIndex(["subscriber": 1])

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
    // The API's own video list (GET /videos): one $facet for the page and the total. Owners are
    // looked up after $skip/$limit (perPage); beside it, the same list joining every match's
    // owner before the page is cut, as it did before.
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
}
print(
    """

    "user's page + owner" starts with an indexed $match (owner) and joins owners through the _id
    index: it should not grow with the collection. "latest page + owner" must scan and sort every
    published video (no index orders by createdAt), so it grows with the collection, as it would
    on MongoDB without an index on createdAt.
    """)
