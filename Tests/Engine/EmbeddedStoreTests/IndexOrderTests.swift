// A sort on an indexed field is read along the index (Indexes/SortedEntries.swift): the same
// answers as sorting, through inserts, updates and deletes, and only as many documents read as
// the page needs.

import BSON
import Foundation
import Storage
import Testing

@testable import EmbeddedStore

struct IndexOrderTests {
    /// The same documents in two collections, one with an index on `at`, the other without.
    func twins(_ store: EmbeddedStore) async throws -> (plain: any StorageCollection, indexed: any StorageCollection) {
        let db = store.database("order")
        let plain = db.collection("plain"), indexed = db.collection("indexed")
        try await indexed.createIndex(["at": -1], options: IndexOptions())
        var generator = SystemRandomNumberGenerator()
        var documents: [Document] = []
        for i in 0..<600 {
            var d: Document = ["_id": .objectId(ObjectId()), "n": .int32(Int32(i)), "flag": .bool(i % 3 == 0)]
            switch Int.random(in: 0..<10, using: &generator) {
            case 0: break  // no `at`: sorts as null
            case 1: d["at"] = .null
            case 2: d["at"] = .string("s\(i % 7)")
            case 3: d["at"] = .double(Double(i % 13) + 0.5)
            case 4: d["at"] = .datetime(BSONDate(millisecondsSince1970: Int64(i % 17) * 1000))
            default: d["at"] = .int32(Int32(i % 13))  // many ties
            }
            documents.append(d)
        }
        try await plain.insertMany(documents)
        try await indexed.insertMany(documents)
        // Changes after the fact: moved keys, removed keys, deleted documents, on both.
        let every = { (step: Int, from: Int) -> BSONValue in ["$in": .array(stride(from: from, to: 600, by: step).map { .int32(Int32($0)) })] }
        for collection in [plain, indexed] {
            _ = try await collection.updateMany(["n": every(5, 0)], ["$set": ["at": 99]], options: UpdateOptions())
            _ = try await collection.updateMany(["n": every(7, 1)], ["$unset": ["at": ""]], options: UpdateOptions())
            _ = try await collection.deleteMany(["n": every(11, 2)])
        }
        return (plain, indexed)
    }

    @Test func sortsReadAlongTheIndexAnswerAsSortingDoes() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (plain, indexed) = try await twins(store)
        for direction: BSONValue in [1, -1] {
            let sort: Document = ["at": direction, "_id": direction]
            for filter: Document in [[:], ["flag": true], ["n": ["$gte": 300]]] {
                for (skip, limit) in [(0, 10), (25, 10), (0, 1), (530, 50), (0, 0)] {
                    let options = FindOptions(sort: sort, skip: skip, limit: limit)
                    let expected = try await plain.find(filter, options: options)
                    #expect(try await indexed.find(filter, options: options) == expected, "find \(filter) \(sort) \(skip) \(limit)")
                }
                let pipeline: [Document] = [
                    ["$match": .document(filter)], ["$sort": .document(sort)],
                    ["$facet": ["docs": [["$skip": 20], ["$limit": 10]], "total": [["$count": "n"]]]],
                ]
                #expect(try await indexed.aggregate(pipeline) == (try await plain.aggregate(pipeline)), "facet \(filter) \(sort)")
                let page: [Document] = [["$match": .document(filter)], ["$sort": .document(sort)], ["$skip": 5], ["$limit": 7]]
                #expect(try await indexed.aggregate(page) == (try await plain.aggregate(page)), "page \(filter) \(sort)")
            }
            // One key alone: the order of the keys is the sort's (ties may come in any order).
            let alone = FindOptions(sort: ["at": direction], limit: 40)
            let keys = { (docs: [Document]) in docs.map { $0["at"] ?? .null } }
            #expect(keys(try await indexed.find([:], options: alone)) == keys(try await plain.find([:], options: alone)))
        }
        await store.close()
    }

    @Test func aPageReadsOnlyWhatItNeedsAndArraysFallBackToSorting() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let videos = store.database("order").collection("videos")
        try await videos.createIndex(["createdAt": -1], options: IndexOptions())
        // Half the videos are published: walking the order is cheaper than sorting 2,500 candidates.
        try await videos.createIndex(["isPublished": 1], options: IndexOptions())
        try await videos.insertMany(
            (0..<5000).map { i in
                ["createdAt": .datetime(BSONDate(millisecondsSince1970: Int64(i) * 1000)), "isPublished": .bool(i % 2 == 0)]
            })
        let state = try store.engine("order").snapshot(of: "videos")
        let sort = try SortSpec.parse(["createdAt": -1, "_id": -1])
        let filter = try Filter.parse(["isPublished": true])
        let (page, examined, _) = try #require(try state.matchingInOrder(filter, sort: sort, limit: 10))
        #expect(page.count == 10 && examined <= 20, "read \(examined) documents for a page of 10")
        #expect(page.first?.1["createdAt"] == .datetime(BSONDate(millisecondsSince1970: 4998 * 1000)))
        // A document with an array in the field makes the order multikey: sorting takes over, right.
        try await videos.insertOne(["createdAt": [.datetime(BSONDate(millisecondsSince1970: 0))], "isPublished": true])
        #expect(try store.engine("order").snapshot(of: "videos").matchingInOrder(filter, sort: sort, limit: 10) == nil)
        let newest = try await videos.find(["isPublished": true], options: FindOptions(sort: ["createdAt": -1, "_id": -1], limit: 1))
        #expect(newest.first?["createdAt"] == .datetime(BSONDate(millisecondsSince1970: 4998 * 1000)))
        await store.close()
    }
}

/// `countDocuments` answered from indexes (`CollectionState.count`): the same totals as matching
/// every document, and for the video list's shape without reading the largest branch.
struct IndexCountTests {
    @Test func countsFromIndexesAgreeWithMatching() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = store.database("count")
        let plain = db.collection("plain"), indexed = db.collection("indexed"), compound = db.collection("compound")
        for field in ["flag", "owner", "tag"] { try await indexed.createIndex([field: 1], options: IndexOptions()) }
        // The Video model's shape: {owner, flag} answers "flag, or mine" as |A| + |B| − |both|.
        try await compound.createIndex(["flag": 1], options: IndexOptions())
        try await compound.createIndex(["owner": 1, "flag": 1], options: IndexOptions())
        let owners = (0..<4).map { _ in BSONValue.objectId(ObjectId()) }
        var generator = SystemRandomNumberGenerator()
        var documents: [Document] = []
        for i in 0..<800 {
            var d: Document = ["n": .int32(Int32(i))]
            // Values whose equality is not their index key's: a double 1.0 equals 1, arrays hold many.
            let flags: [BSONValue?] = [nil, .null, true, false, 1, .double(1), [true, false], [true, true], "true"]
            if let flag = flags.randomElement(using: &generator)! { d["flag"] = flag }
            switch i % 5 {
            case 0: break
            case 1: d["owner"] = .array([owners[0], owners[1]])
            default: d["owner"] = owners[i % 4]
            }
            d["tag"] = .string(["a", "b", "c"][i % 3])
            documents.append(d)
        }
        try await plain.insertMany(documents)
        try await indexed.insertMany(documents)
        try await compound.insertMany(documents)
        for collection in [plain, indexed, compound] {
            _ = try await collection.updateMany(["n": ["$mod": [7, 0]]], ["$set": ["flag": true]], options: UpdateOptions())
            _ = try await collection.deleteMany(["n": ["$mod": [11, 3]]])
        }
        let filters: [Document] = [
            ["flag": true], ["flag": 1], ["flag": false], ["flag": "true"], ["tag": "a"], ["owner": owners[0]],
            ["$or": [["flag": true], ["owner": owners[1]]]],
            ["$or": [["flag": true], ["owner": owners[0]], ["tag": "b"]]],
            ["$or": [["flag": 1], ["flag": true]]],
            ["$or": [["flag": true], ["n": ["$gt": 500]]]],  // a branch no index answers: matched
            ["$or": [["flag": .double(1)], ["owner": owners[2]]]],  // a double: matched
            ["flag": true, "owner": owners[2]], ["flag": .null], ["missing": true],
        ]
        for filter in filters {
            let expected = try await plain.countDocuments(filter)
            #expect(try await indexed.countDocuments(filter) == expected, "\(filter)")
            #expect(try await compound.countDocuments(filter) == expected, "compound: \(filter)")
        }
        // Arrays in `flag` ([true, false]) are one key of the compound index: it is not used
        // for the count until none is left, and then it is.
        let both = try Filter.parse(["$or": [["flag": true], ["owner": owners[3]]]])
        #expect(try store.engine("count").snapshot(of: "compound").indexes[2].laterArrays > 0)
        _ = try await compound.updateMany(["flag": ["$type": "array"]], ["$set": ["flag": false]], options: UpdateOptions())
        _ = try await plain.updateMany(["flag": ["$type": "array"]], ["$set": ["flag": false]], options: UpdateOptions())
        let withoutArrays = try store.engine("count").snapshot(of: "compound")
        #expect(withoutArrays.indexes[2].laterArrays == 0)
        #expect(try withoutArrays.countFromIndexes(both) == (try await plain.countDocuments(["$or": [["flag": true], ["owner": owners[3]]]])))
        // The video list's total ("published, or mine") is counted from the indexes alone.
        let state = try store.engine("count").snapshot(of: "indexed")
        let list = try Filter.parse(["$or": [["flag": true], ["owner": owners[3]]]])
        #expect(try state.countFromIndexes(list) == (try state.matching(list).count))
        #expect(try state.countFromIndexes(try Filter.parse(["$or": [["flag": true], ["n": 3]]])) == nil)
        await store.close()
    }
}

/// What the conformance table cannot hold: a clock, and refusals that real MongoDB does not share.
struct ClockAndRefusalTests {
    @Test func currentDateSetsNowAsADateOrATimestamp() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let items = store.database("t").collection("items")
        try await items.insertOne(["_id": 1])
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        _ = try await items.updateOne(["_id": 1], ["$currentDate": ["at": true, "stamp": ["$type": "timestamp"]]], options: UpdateOptions())
        let after = Int64(Date().timeIntervalSince1970 * 1000)
        let doc = try #require(try await items.findOne(["_id": 1]))
        guard case .datetime(let at)? = doc["at"], case .timestamp(let stamp)? = doc["stamp"] else {
            Issue.record("wrong types: \(doc)")
            return
        }
        #expect((before...after).contains(at.millisecondsSince1970))
        #expect((before / 1000...after / 1000 + 1).contains(Int64(stamp.seconds)))
        await store.close()
    }

    @Test func serverSideJavaScriptInPipelinesIsRefusedByName() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let items = store.database("t").collection("items")
        try await items.insertOne(["a": 2])
        do {
            _ = try await items.aggregate([["$project": ["r": ["$function": ["body": "function() { return 1 }", "args": [], "lang": "js"]]]]])
            Issue.record("$function was not refused")
        } catch let StorageError.invalidQuery(code, message) {
            #expect(code == 31_264 && message.contains("not supported"))
        }
        await store.close()
    }

    @Test(arguments: [#"{"$where": "this.a > 1"}"#, #"{"$jsonSchema": {}}"#, #"{"loc": {"$near": [0, 0]}}"#])
    func unsupportedFeaturesAreRefusedByName(filter: String) async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let items = store.database("t").collection("items")
        try await items.insertOne(["a": 2])
        do {
            _ = try await items.find(try Document(extendedJSON: filter), options: FindOptions())
            Issue.record("\(filter) was not refused")
        } catch let StorageError.invalidQuery(code, message) {
            #expect(code == 2)
            #expect(message.contains("not supported"), "\(message)")
        }
        await store.close()
    }
}

/// `explain` tells the truth: the plan `find` follows and what it read.
struct ExplainTests {
    @Test func thePlanNamesTheIndexAndCountsWhatWasRead() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let videos = store.database("t").collection("videos")
        try await videos.createIndex(["createdAt": -1], options: IndexOptions())
        try await videos.createIndex(["owner": 1], options: IndexOptions())
        try await videos.insertMany(
            (0..<1000).map { i in
                ["createdAt": .datetime(BSONDate(millisecondsSince1970: Int64(i))), "owner": .int32(Int32(i % 100)), "views": .int32(Int32(i))]
            })
        func stage(_ plan: Document, _ name: String) -> Document? {
            if plan["stage"] == .string(name) { return plan }
            return plan["inputStage"]?.documentValue.flatMap { stage($0, name) }
        }
        let latest = try await videos.explain([:], options: FindOptions(sort: ["createdAt": -1], limit: 10))
        let walk = try #require(latest["queryPlanner"]?.documentValue?["winningPlan"]?.documentValue)
        #expect(stage(walk, "IXSCAN")?["indexName"] == "createdAt_-1" && stage(walk, "SORT") == nil)
        #expect(latest["executionStats"]?.documentValue?["totalDocsExamined"] == .int64(10))
        #expect(latest["executionStats"]?.documentValue?["nReturned"] == .int64(10))

        let byViews = try await videos.explain([:], options: FindOptions(sort: ["views": -1], limit: 10))
        let scan = try #require(byViews["queryPlanner"]?.documentValue?["winningPlan"]?.documentValue)
        #expect(stage(scan, "COLLSCAN") != nil && stage(scan, "SORT") != nil)
        #expect(byViews["executionStats"]?.documentValue?["totalDocsExamined"] == .int64(1000))

        let owned = try await videos.explain(["owner": 7], options: FindOptions())
        let lookup = try #require(owned["queryPlanner"]?.documentValue?["winningPlan"]?.documentValue)
        #expect(stage(lookup, "IXSCAN")?["indexName"] == "owner_1")
        #expect(owned["executionStats"]?.documentValue?["totalDocsExamined"] == .int64(10))

        // A compound index answers an equality on its first field, as MongoDB uses a prefix;
        // of two usable indexes, the one with fewer candidates is read.
        try await videos.createIndex(["views": 1, "owner": 1], options: IndexOptions())
        let viewed = try await videos.explain(["views": 42], options: FindOptions())
        let prefix = try #require(viewed["queryPlanner"]?.documentValue?["winningPlan"]?.documentValue)
        #expect(stage(prefix, "IXSCAN")?["indexName"] == "views_1_owner_1")
        #expect(viewed["executionStats"]?.documentValue?["totalDocsExamined"] == .int64(1))
        let both = try await videos.explain(["owner": 7, "views": 107], options: FindOptions())
        #expect(both["executionStats"]?.documentValue?["totalDocsExamined"] == .int64(1))
        #expect(try await videos.find(["views": ["$in": [42, 43, 2000]]], options: FindOptions()).count == 2)
        #expect(try await videos.countDocuments(["views": 42]) == 1)
        _ = try await videos.deleteMany(["views": ["$lt": 500]])
        #expect(try await videos.countDocuments(["views": 42]) == 0)
        #expect(try await videos.countDocuments(["owner": 7]) == 5)
        await store.close()
    }
}

/// `renameCollection` moves documents and indexes, durably, and refuses a taken name.
struct RenameTests {
    @Test func aRenamedCollectionKeepsItsDocumentsAndIndexesAcrossARestart() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = store.database("t")
        try await db.collection("old").createIndex(["email": 1], options: IndexOptions(unique: true))
        _ = try await db.collection("old").insertMany([["email": "a@x"], ["email": "b@x"]])
        _ = try await db.collection("taken").insertOne(["x": 1])
        await #expect(throws: StorageError.self) { try await db.collection("old").rename(to: "taken", dropTarget: false) }
        await #expect(throws: StorageError.self) { try await db.collection("nothing").rename(to: "new", dropTarget: false) }
        try await db.collection("old").rename(to: "new", dropTarget: false)
        try await db.collection("taken").rename(to: "new2", dropTarget: false)
        try await db.collection("new2").rename(to: "new", dropTarget: true)  // replaces "new"
        await store.close()

        let reopened = try EmbeddedStore.open(directory: folder.path)
        let again = reopened.database("t")
        #expect(Set(try await again.listCollectionNames()) == ["new"])
        #expect(try await again.collection("new").find([:]).map { $0["x"] } == [1])
        try await again.collection("old2").createIndex(["email": 1], options: IndexOptions(unique: true))
        _ = try await again.collection("old2").insertOne(["email": "a@x"])
        try await again.collection("old2").rename(to: "moved", dropTarget: false)
        await reopened.close()
        let third = try EmbeddedStore.open(directory: folder.path)
        let moved = third.database("t").collection("moved")
        #expect(try await moved.listIndexes().contains { $0["name"] == "email_1" })
        await #expect(throws: StorageError.self) { try await moved.insertOne(["email": "a@x"]) }  // still unique
        await third.close()
    }
}

/// Sparse, partial and TTL indexes: which documents an index holds, and documents that expire.
struct IndexOptionTests {
    @Test func sparseAndPartialUniqueIndexesHoldOnlyTheirDocuments() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let users = store.database("t").collection("users")
        try await users.createIndex(["phone": 1], options: IndexOptions(unique: true, sparse: true))
        try await users.createIndex(
            ["email": 1], options: IndexOptions(unique: true, partialFilterExpression: ["active": true], expireAfterSeconds: nil))
        // Many documents without a phone: the sparse unique index leaves them out.
        _ = try await users.insertMany([["name": "a", "active": false, "email": "x@y"], ["name": "b", "active": false, "email": "x@y"]])
        _ = try await users.insertOne(["name": "c", "phone": "123", "active": true, "email": "x@y"])
        await #expect(throws: StorageError.self) { try await users.insertOne(["name": "d", "phone": "123"]) }
        await #expect(throws: StorageError.self) { try await users.insertOne(["name": "e", "active": true, "email": "x@y"]) }
        // A query on the partial index's field still finds every document (the index is not used for it).
        #expect(try await users.find(["email": "x@y"]).count == 3)
        #expect(try await users.find(["phone": .null]).count == 2)
        let indexes = try await users.listIndexes()
        #expect(indexes.first { $0["name"] == "phone_1" }?["sparse"] == true)
        #expect(indexes.first { $0["name"] == "email_1" }?["partialFilterExpression"] == ["active": true])
        await #expect(throws: StorageError.self) {
            try await users.createIndex(["x": 1], options: IndexOptions(sparse: true, partialFilterExpression: ["a": 1]))
        }
        await store.close()
    }

    @Test func aTTLIndexDeletesExpiredDocumentsAndSurvivesARestart() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ttl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try EmbeddedStore.open(directory: folder.path, ttlMonitorInterval: .milliseconds(100))
        let sessions = store.database("t").collection("sessions")
        try await sessions.createIndex(["expiresAt": 1], options: IndexOptions(expireAfterSeconds: 0))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        _ = try await sessions.insertMany([
            ["_id": 1, "expiresAt": .datetime(BSONDate(millisecondsSince1970: now - 60_000))],
            ["_id": 2, "expiresAt": .datetime(BSONDate(millisecondsSince1970: now + 3_600_000))],
            ["_id": 3, "expiresAt": "not a date"],
            ["_id": 4],
        ])
        var left: [Int64] = []
        for _ in 0..<50 {
            try await Task.sleep(for: .milliseconds(100))
            left = try await sessions.find([:]).compactMap { $0["_id"]?.int64Value }
            if left.count == 3 { break }
        }
        #expect(left == [2, 3, 4])
        await #expect(throws: StorageError.self) {
            try await sessions.createIndex(["a": 1, "b": 1], options: IndexOptions(expireAfterSeconds: 10))
        }
        await store.close()
        let reopened = try EmbeddedStore.open(directory: folder.path)
        let ttl = try await reopened.database("t").collection("sessions").listIndexes().first { $0["name"] == "expiresAt_1" }
        #expect(ttl?["expireAfterSeconds"]?.int64Value == 0)
        await reopened.close()
    }
}

/// `$out` and `$merge` write an aggregation's results into a collection.
struct OutAndMergeTests {
    @Test func outReplacesAndMergeMatchesOnItsFields() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = store.database("t")
        let orders = db.collection("orders")
        _ = try await orders.insertMany([
            ["_id": 1, "item": "tea", "qty": 2], ["_id": 2, "item": "tea", "qty": 3], ["_id": 3, "item": "cake", "qty": 1],
        ])
        let totals = db.collection("totals")
        try await totals.createIndex(["total": 1], options: IndexOptions())
        _ = try await totals.insertOne(["_id": "old", "total": 99])
        let group: Document = ["$group": ["_id": "$item", "total": ["$sum": "$qty"]]]
        #expect(try await orders.aggregate([group, ["$out": "totals"]]).isEmpty)
        #expect(try await totals.find([:], options: FindOptions(sort: ["_id": 1])) == [["_id": "cake", "total": 1], ["_id": "tea", "total": 5]])
        #expect(try await totals.listIndexes().contains { $0["name"] == "total_1" })  // $out keeps the target's indexes

        _ = try await orders.insertOne(["_id": 4, "item": "coffee", "qty": 7])
        _ = try await orders.aggregate([group, ["$merge": ["into": "totals", "whenMatched": "keepExisting", "whenNotMatched": "insert"]]])
        #expect(try await totals.findOne(["_id": "coffee"])?["total"] == 7)
        _ = try await orders.updateOne(["_id": 3], ["$set": ["qty": 10]])
        _ = try await orders.aggregate([group, ["$merge": ["into": "totals", "on": "_id", "whenMatched": "merge", "whenNotMatched": "discard"]]])
        #expect(try await totals.findOne(["_id": "cake"])?["total"] == 10)
        await #expect(throws: StorageError.self) {
            try await orders.aggregate([group, ["$merge": ["into": "totals", "whenMatched": "fail"]]])
        }
        await #expect(throws: StorageError.self) { try await orders.aggregate([["$out": "x"], ["$match": [:]]]) }
        await store.close()
    }
}

struct ChangeStreamRefusalTests {
    @Test func changeStreamsAreRefusedAsAStandaloneServerRefusesThem() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try await store.database("t").collection("c").aggregate([["$changeStream": [:]]])
            Issue.record("$changeStream was not refused")
        } catch let StorageError.invalidQuery(code, _) {
            #expect(code == 40_573)
        }
        await store.close()
    }
}
