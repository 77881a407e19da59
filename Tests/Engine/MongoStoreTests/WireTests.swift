// The MongoDB backend against a scripted server (MockupDB): for each operation, the exact
// command libmongoc puts on the wire, and how each kind of reply is read back.

import BSON
import EngineTestSupport
import Foundation
import Storage
import Testing

@testable import MongoStore

/// Starts a scripted server, connects the real driver to it, runs `body`, and stops both.
func withMockup(_ scenario: String, _ body: (MockupServer, MongoStore) async throws -> Void) async throws {
    let server = try MockupServer(scenario: scenario)
    defer { server.stop() }
    let store = try await MongoStore.connect(uri: server.uri)
    do {
        try await body(server, store)
    } catch {
        await store.close()
        throw error
    }
    await store.close()
}

let oid = ObjectId("65f0a1b2c3d4e5f601234567")!

@Suite(.enabled(if: MockupServer.shouldRun, MockupServer.skipReason))
struct WireTests {
    @Test func insertOneSendsTheDocumentWithAGeneratedId() async throws {
        try await withMockup(#"{"ping": [{"ok": 1}], "insert": [{"ok": 1, "n": 1}]}"#) { server, store in
            let id = try await store.database("videotube").collection("users").insertOne(["username": "alice"])
            let command = try #require(server.commands(named: "insert").first)
            #expect(command["insert"] == "users")
            #expect(command["$db"] == "videotube")
            #expect(command["documents"] == [["_id": id, "username": "alice"]])
            #expect(id.objectIdValue != nil)
        }
    }

    @Test func insertManyKeepsOrderAndExistingIds() async throws {
        try await withMockup(#"{"ping": [{"ok": 1}], "insert": [{"ok": 1, "n": 2}]}"#) { server, store in
            let ids = try await store.database("videotube").collection("tweets").insertMany([
                ["_id": .objectId(oid), "content": "first"], ["content": "second"],
            ])
            let command = try #require(server.commands(named: "insert").first)
            let documents = try #require(command["documents"]?.arrayValue)
            #expect(documents.count == 2)
            #expect(documents[0] == ["_id": .objectId(oid), "content": "first"])
            #expect(documents[1].documentValue?["content"] == "second")
            #expect(ids[0] == .objectId(oid) && ids[1] == documents[1].documentValue?["_id"])
            #expect(command["ordered"] == true)
        }
    }

    @Test func findSendsFilterSortSkipLimitProjection() async throws {
        let reply = #"""
            {"ping": [{"ok": 1}], "find": [{"ok": 1, "cursor": {"id": {"$numberLong": "0"}, "ns": "videotube.videos",
              "firstBatch": [{"_id": {"$oid": "65f0a1b2c3d4e5f601234567"}, "title": "Intro",
                              "createdAt": {"$date": "2024-03-01T09:05:07.042Z"}, "views": {"$numberLong": "12"}}]}}]}
            """#
        try await withMockup(reply) { server, store in
            let docs = try await store.database("videotube").collection("videos").find(
                ["owner": .objectId(oid), "isPublished": true],
                options: FindOptions(sort: ["createdAt": -1, "_id": 1], skip: 10, limit: 5, projection: ["title": 1, "createdAt": 1])
            )
            let command = try #require(server.commands(named: "find").first)
            #expect(command["find"] == "videos")
            #expect(command["filter"] == ["owner": .objectId(oid), "isPublished": true])
            #expect(command["sort"] == ["createdAt": -1, "_id": 1])
            #expect(command["skip"]?.int64Value == 10)
            #expect(command["limit"]?.int64Value == 5)
            #expect(command["projection"] == ["title": 1, "createdAt": 1])
            #expect(docs.count == 1)
            #expect(docs[0]["createdAt"] == .datetime(BSONDate(millisecondsSince1970: 1_709_283_907_042)))
            #expect(docs[0]["views"] == .int64(12))
        }
    }

    @Test func findFollowsTheCursorWithGetMore() async throws {
        let reply = #"""
            {"ping": [{"ok": 1}],
             "find": [{"ok": 1, "cursor": {"id": {"$numberLong": "4242"}, "ns": "videotube.comments",
                       "firstBatch": [{"n": 1}, {"n": 2}]}}],
             "getMore": [{"ok": 1, "cursor": {"id": {"$numberLong": "0"}, "ns": "videotube.comments",
                          "nextBatch": [{"n": 3}]}}]}
            """#
        try await withMockup(reply) { server, store in
            let docs = try await store.database("videotube").collection("comments").find([:], options: FindOptions(batchSize: 2))
            #expect(docs == [["n": 1], ["n": 2], ["n": 3]])
            #expect(try server.commands(named: "find").first?["batchSize"]?.int64Value == 2)
            let getMore = try #require(server.commands(named: "getMore").first)
            #expect(getMore["getMore"] == .int64(4242))
            #expect(getMore["collection"] == "comments")
            // The server closed the cursor (id 0), so no killCursors is sent.
            #expect(try server.commands(named: "killCursors").isEmpty)
        }
    }

    @Test func updateOneWithUpsertReadsTheUpsertedId() async throws {
        let reply = #"""
            {"ping": [{"ok": 1}], "update": [{"ok": 1, "n": 1, "nModified": 0,
              "upserted": [{"index": 0, "_id": {"$oid": "65f0a1b2c3d4e5f601234567"}}]},
              {"ok": 1, "n": 4, "nModified": 3}]}
            """#
        try await withMockup(reply) { server, store in
            let likes = store.database("videotube").collection("likes")
            let result = try await likes.updateOne(
                ["video": .objectId(oid), "likedBy": .objectId(oid)], ["$setOnInsert": ["createdAt": 1]],
                options: UpdateOptions(upsert: true))
            #expect(result == UpdateResult(matchedCount: 0, modifiedCount: 0, upsertedId: .objectId(oid)))
            let many = try await likes.updateMany(["video": .objectId(oid)], ["$set": ["seen": true]])
            #expect(many == UpdateResult(matchedCount: 4, modifiedCount: 3))

            let commands = try server.commands(named: "update")
            #expect(commands.count == 2)
            let first = try #require(commands[0]["updates"]?.arrayValue?.first?.documentValue)
            #expect(first["q"] == ["video": .objectId(oid), "likedBy": .objectId(oid)])
            #expect(first["u"] == ["$setOnInsert": ["createdAt": 1]])
            #expect(first["upsert"] == true)
            #expect(first["multi"] != true)
            let second = try #require(commands[1]["updates"]?.arrayValue?.first?.documentValue)
            #expect(second["multi"] == true)
        }
    }

    @Test func deleteOneAndManySetTheLimit() async throws {
        try await withMockup(#"{"ping": [{"ok": 1}], "delete": [{"ok": 1, "n": 1}, {"ok": 1, "n": 3}]}"#) { server, store in
            let comments = store.database("videotube").collection("comments")
            #expect(try await comments.deleteOne(["_id": .objectId(oid)]) == 1)
            #expect(try await comments.deleteMany(["video": .objectId(oid)]) == 3)
            let commands = try server.commands(named: "delete")
            #expect(commands.map { $0["deletes"]?.arrayValue?.first?.documentValue?["limit"]?.int64Value } == [1, 0])
            #expect(commands[1]["deletes"]?.arrayValue?.first?.documentValue?["q"] == ["video": .objectId(oid)])
        }
    }

    @Test func aggregateSendsThePipelineAndReadsTheCursor() async throws {
        let reply = #"""
            {"ping": [{"ok": 1}], "aggregate": [{"ok": 1, "cursor": {"id": {"$numberLong": "0"}, "ns": "videotube.users",
              "firstBatch": [{"_id": "x", "subscribersCount": 2}]}}]}
            """#
        try await withMockup(reply) { server, store in
            let pipeline: [Document] = [
                ["$match": ["username": "chai"]],
                ["$lookup": ["from": "subscriptions", "localField": "_id", "foreignField": "channel", "as": "subscribers"]],
                ["$addFields": ["subscribersCount": ["$size": "$subscribers"]]],
            ]
            let docs = try await store.database("videotube").collection("users").aggregate(pipeline)
            #expect(docs == [["_id": "x", "subscribersCount": 2]])
            let command = try #require(server.commands(named: "aggregate").first)
            #expect(command["aggregate"] == "users")
            #expect(command["pipeline"] == .array(pipeline.map(BSONValue.document)))
            #expect(command["cursor"]?.documentValue != nil)
        }
    }

    @Test func countDocumentsIsAnAggregation() async throws {
        let reply = #"""
            {"ping": [{"ok": 1}], "aggregate": [{"ok": 1, "cursor": {"id": {"$numberLong": "0"}, "ns": "videotube.videos",
              "firstBatch": [{"_id": 1, "n": 7}]}}]}
            """#
        try await withMockup(reply) { server, store in
            #expect(try await store.database("videotube").collection("videos").countDocuments(["isPublished": true]) == 7)
            let pipeline = try #require(server.commands(named: "aggregate").first?["pipeline"]?.arrayValue)
            #expect(pipeline.first == ["$match": ["isPublished": true]])
            #expect(pipeline.contains { $0.documentValue?["$group"] != nil })
        }
    }

    @Test func createIndexSendsKeyNameAndUnique() async throws {
        let reply = #"{"ping": [{"ok": 1}], "createIndexes": [{"ok": 1, "numIndexesBefore": 1, "numIndexesAfter": 2}]}"#
        try await withMockup(reply) { server, store in
            let name = try await store.database("videotube").collection("subscriptions")
                .createIndex(["subscriber": 1, "channel": 1], unique: true)
            #expect(name == "subscriber_1_channel_1")
            let command = try #require(server.commands(named: "createIndexes").first)
            #expect(command["createIndexes"] == "subscriptions")
            #expect(command["indexes"] == [["key": ["subscriber": 1, "channel": 1], "name": "subscriber_1_channel_1", "unique": true]])
        }
    }

    @Test func duplicateKeyWriteErrorBecomesATypedError() async throws {
        let reply = #"""
            {"ping": [{"ok": 1}], "insert": [{"ok": 1, "n": 0, "writeErrors": [{"index": 0, "code": 11000,
              "errmsg": "E11000 duplicate key error collection: videotube.users index: email_1 dup key: { email: \"a@b.c\" }",
              "keyPattern": {"email": 1}, "keyValue": {"email": "a@b.c"}}]}]}
            """#
        try await withMockup(reply) { _, store in
            let error = await storageError { () async throws(StorageError) in
                try await store.database("videotube").collection("users").insertOne(["email": "a@b.c"])
            }
            guard case .duplicateKey(let info)? = error else {
                Issue.record("expected a duplicate-key error, got \(String(describing: error))")
                return
            }
            do {
                #expect(info.keyPattern == ["email": 1])
                #expect(info.keyValue == ["email": "a@b.c"])
                #expect(info.field == "email")
                #expect(info.message.contains("E11000"))
            }
        }
    }

    @Test func findOneAndUpdateSendsFindAndModify() async throws {
        let reply = #"""
            {"ping": [{"ok": 1}], "findAndModify": [
              {"ok": 1, "value": {"_id": {"$oid": "65f0a1b2c3d4e5f601234567"}, "views": 11}, "lastErrorObject": {"n": 1}},
              {"ok": 0, "code": 11000, "codeName": "DuplicateKey", "errmsg": "E11000 duplicate key error",
               "keyPattern": {"username": 1}, "keyValue": {"username": "bob"}}]}
            """#
        try await withMockup(reply) { server, store in
            let videos = store.database("videotube").collection("videos")
            let after = try await videos.findOneAndUpdate(
                ["_id": .objectId(oid)], ["$inc": ["views": 1]], options: FindOneAndUpdateOptions(sort: ["_id": 1], projection: ["views": 1]))
            #expect(after?["views"] == 11)
            let command = try #require(server.commands(named: "findAndModify").first)
            #expect(command["findAndModify"] == "videos")
            #expect(command["query"] == ["_id": .objectId(oid)])
            #expect(command["update"] == ["$inc": ["views": 1]])
            #expect(command["new"] == true)
            #expect(command["sort"] == ["_id": 1])
            #expect(command["fields"] == ["views": 1])
            await #expect(
                throws: StorageError.duplicateKey(
                    DuplicateKeyInfo(
                        keyPattern: ["username": 1], keyValue: ["username": "bob"], message: "E11000 duplicate key error"))
            ) {
                _ = try await videos.findOneAndUpdate(["_id": .objectId(oid)], ["$set": ["username": "bob"]], options: FindOneAndUpdateOptions())
            }
        }
    }

    @Test func serverErrorsKeepTheirCodeAndKind() async throws {
        let reply = #"""
            {"ping": [{"ok": 1}], "find": [{"ok": 0, "code": 2, "codeName": "BadValue", "errmsg": "unknown operator: $foo"}],
             "delete": [{"ok": 0, "code": 13, "codeName": "Unauthorized", "errmsg": "not authorized"}]}
            """#
        try await withMockup(reply) { _, store in
            let users = store.database("videotube").collection("users")
            await #expect(throws: StorageError.invalidQuery(code: 2, message: "unknown operator: $foo")) {
                _ = try await users.find(["a": ["$foo": 1]])
            }
            await #expect(throws: StorageError.commandFailed(code: 13, message: "not authorized")) {
                _ = try await users.deleteMany([:])
            }
        }
    }
}
