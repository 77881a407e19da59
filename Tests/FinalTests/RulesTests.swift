// The Final server rules, route by route: 404 before 403, every kind of bad input a clear 4xx,
// cascades checked in the database, concurrent toggles consistent, the history's rules.

import BSON
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Models
import NIOCore
import Storage
import TestSupport
import Testing

@testable import Final

@Suite struct FinalRules {
    @Test(arguments: TestBackend.available)
    func anUnpublishedVideoIsNotFoundForOthersAndSomeoneElsesIsForbidden(_ backend: TestBackend) async throws {
        let (app, _) = try await finalApp(backend)
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let ravi = try await client.signUp("ravi")
            let draft = try await client.publish(asha, title: "Draft")
            let open = try await client.publish(asha, title: "Open")
            #expect(try await client.send(.patch, "/api/v1/videos/toggle/publish/\(draft)", as: asha).body.data == ["isPublished": false])
            let comment = try await client.send(.post, "/api/v1/comments/\(open)", as: asha, json: #"{"content": "first"}"#)
            let commentId = try #require(comment.body.data?["_id"]?.stringValue)
            let tweetId = try #require(
                try await client.send(.post, "/api/v1/tweets", as: asha, json: #"{"content": "hello"}"#).body.data?["_id"]?.stringValue)
            let playlistId = try #require(
                try await client.send(.post, "/api/v1/playlist", as: ravi, json: #"{"name": "mine"}"#).body.data?["_id"]?.stringValue)

            // The draft does not exist for Ravi, on every route that names it.
            for (method, path, body) in [
                (HTTPRequest.Method.get, "/api/v1/videos/\(draft)", nil), (.patch, "/api/v1/videos/\(draft)", #"{"title": "x"}"#),
                (.delete, "/api/v1/videos/\(draft)", nil), (.patch, "/api/v1/videos/toggle/publish/\(draft)", nil),
                (.post, "/api/v1/likes/toggle/v/\(draft)", nil), (.get, "/api/v1/comments/\(draft)", nil),
                (.post, "/api/v1/comments/\(draft)", #"{"content": "x"}"#), (.patch, "/api/v1/playlist/add/\(draft)/\(playlistId)", nil),
            ] as [(HTTPRequest.Method, String, String?)] {
                let answer = try await client.send(method, path, as: ravi, json: body)
                #expect(answer.status == 404, "\(method) \(path)")
                #expect(answer.body["message"] == "Video not found" && answer.body["success"] == false, "\(method) \(path)")
            }
            // Asha sees and changes her draft.
            #expect(try await client.send(.get, "/api/v1/videos/\(draft)", as: asha).status == 200)
            // Someone else's published video, comment, tweet, playlist: 403 on every change.
            for (method, path, body, who) in [
                (HTTPRequest.Method.patch, "/api/v1/videos/\(open)", #"{"title": "mine now"}"#, ravi),
                (.delete, "/api/v1/videos/\(open)", nil, ravi), (.patch, "/api/v1/videos/toggle/publish/\(open)", nil, ravi),
                (.patch, "/api/v1/comments/c/\(commentId)", #"{"content": "x"}"#, ravi), (.delete, "/api/v1/comments/c/\(commentId)", nil, ravi),
                (.patch, "/api/v1/tweets/\(tweetId)", #"{"content": "x"}"#, ravi), (.delete, "/api/v1/tweets/\(tweetId)", nil, ravi),
                (.patch, "/api/v1/playlist/\(playlistId)", #"{"name": "x"}"#, asha), (.delete, "/api/v1/playlist/\(playlistId)", nil, asha),
                (.patch, "/api/v1/playlist/add/\(open)/\(playlistId)", nil, asha),
                (.patch, "/api/v1/playlist/remove/\(open)/\(playlistId)", nil, asha),
            ] as [(HTTPRequest.Method, String, String?, Account)] {
                #expect(try await client.send(method, path, as: who, json: body).status == 403, "\(method) \(path)")
            }
            // One may like one's own things; playlists are readable by anyone logged in.
            #expect(try await client.send(.post, "/api/v1/likes/toggle/v/\(open)", as: asha).body.data == ["isLiked": true])
            #expect(try await client.send(.get, "/api/v1/playlist/\(playlistId)", as: asha).status == 200)
        }
    }

    @Test(arguments: TestBackend.available)
    func badInputIsAClear4xxOnEveryRoute(_ backend: TestBackend) async throws {
        let (app, world) = try await finalApp(backend, ["MAX_IMAGE_BYTES": "1000"])
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let video = try await client.publish(asha)
            let missing = ObjectId().hex

            // Ids that are not ObjectIds: 400 naming the parameter.
            for path in [
                "/api/v1/videos/abc", "/api/v1/comments/abc", "/api/v1/likes/toggle/c/abc", "/api/v1/tweets/user/abc",
                "/api/v1/subscriptions/c/abc", "/api/v1/playlist/abc", "/api/v1/playlist/user/abc",
            ] {
                let answer = try await client.send(.get, path, as: asha)
                if path.contains("likes") { continue }  // a POST route; checked below
                #expect(answer.status == 400 && answer.body["message"]?.stringValue?.hasPrefix("Invalid ") == true, "\(path)")
            }
            #expect(try await client.send(.post, "/api/v1/likes/toggle/c/abc", as: asha).body["message"] == "Invalid commentId")
            // Valid ids that name nothing: 404.
            for (method, path) in [
                (HTTPRequest.Method.get, "/api/v1/videos/\(missing)"), (.post, "/api/v1/likes/toggle/c/\(missing)"),
                (.post, "/api/v1/likes/toggle/t/\(missing)"), (.get, "/api/v1/tweets/user/\(missing)"), (.post, "/api/v1/subscriptions/c/\(missing)"),
                (.get, "/api/v1/subscriptions/c/\(missing)"), (.get, "/api/v1/subscriptions/u/\(missing)"), (.get, "/api/v1/playlist/\(missing)"),
                (.get, "/api/v1/playlist/user/\(missing)"), (.delete, "/api/v1/comments/c/\(missing)"),
            ] as [(HTTPRequest.Method, String)] {
                #expect(try await client.send(method, path, as: asha).status == 404, "\(method) \(path)")
            }
            // No token: 401 everywhere behind verifyJWT (reading is public: FrontendContractTests).
            for path in [
                "/api/v1/dashboard/stats", "/api/v1/dashboard/videos", "/api/v1/users/history", "/api/v1/likes/videos",
                "/api/v1/subscriptions/c/\(asha.id)", "/api/v1/subscriptions/u/\(asha.id)", "/api/v1/users/current-user",
            ] {
                #expect(try await client.send(.get, path, as: nil).status == 401, "\(path)")
            }
            // Text rules, partial updates with nothing in them, pages.
            let long = String(repeating: "x", count: 2001)
            let tooLong = try await client.send(.post, "/api/v1/comments/\(video)", as: asha, json: #"{"content": "\#(long)"}"#)
            #expect(tooLong.status == 400 && tooLong.body["errors"]?.arrayValue?.first?.documentValue?["field"] == "content")
            #expect(try await client.send(.post, "/api/v1/tweets", as: asha, json: #"{"content": "   "}"#).status == 400)
            #expect(try await client.send(.post, "/api/v1/tweets", as: asha, json: #"{"content": {"$ne": null}}"#).status == 400)
            #expect(try await client.send(.post, "/api/v1/playlist", as: asha, json: #"{"description": "no name"}"#).status == 400)
            #expect(try await client.send(.patch, "/api/v1/videos/\(video)", as: asha, json: "{}").status == 400)
            #expect(try await client.send(.patch, "/api/v1/videos/\(video)", as: asha, json: #"{"title": ""}"#).status == 400)
            let playlist = try await client.send(.post, "/api/v1/playlist", as: asha, json: #"{"name": "p"}"#).body.data?["_id"]?.stringValue
            for body in ["{}", #"{"name": ""}"#, #"{"name": "  "}"#] {
                let answer = try await client.send(.patch, "/api/v1/playlist/\(playlist ?? "")", as: asha, json: body)
                #expect(answer.status == 400, "\(body)")
            }
            #expect(try await client.send(.get, "/api/v1/comments/\(video)?page=0", as: asha).status == 400)
            #expect(try await client.send(.get, "/api/v1/dashboard/videos?limit=101", as: asha).status == 400)
            #expect(try await client.send(.post, "/api/v1/subscriptions/c/\(asha.id)", as: asha).status == 400)  // one's own channel

            // Uploads: a missing file 400, a wrong type 415, too large 413; nothing stored for any.
            let before = filesBelow(world.mediaFolder)
            var headers = formType
            headers[.authorization] = "Bearer \(asha.access)"
            let noThumbnail = try await client.execute(
                uri: "/api/v1/videos", method: .post, headers: headers,
                body: multipart(fields: [("title", "t")], files: [("videoFile", "v.mp4", clipMP4)]))
            #expect(noThumbnail.status == .badRequest)
            #expect(try await client.upload(asha, video: thumbnailPNG).status == .unsupportedMediaType)
            #expect(try await client.upload(asha, thumbnail: thumbnailPNG + [UInt8](repeating: 0, count: 2000)).status == .contentTooLarge)
            #expect(try await client.upload(asha, title: "").status == .badRequest)
            #expect(filesBelow(world.mediaFolder) == before)
            #expect(filesBelow(world.tempFolder).isEmpty)
        }
    }

    @Test(arguments: TestBackend.available)
    func deletingAVideoLeavesNothingBehind(_ backend: TestBackend) async throws {
        let (app, world) = try await finalApp(backend)
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let ravi = try await client.signUp("ravi")
            let video = try await client.publish(asha)
            let kept = try await client.publish(asha, title: "Kept")
            for id in [video, kept] {
                _ = try await client.send(.get, "/api/v1/videos/\(id)", as: ravi)
                _ = try await client.send(.post, "/api/v1/likes/toggle/v/\(id)", as: ravi)
            }
            for i in 0..<3 {
                let comment = try await client.send(.post, "/api/v1/comments/\(video)", as: ravi, json: #"{"content": "c\#(i)"}"#)
                _ = try await client.send(.post, "/api/v1/likes/toggle/c/\(comment.body.data?["_id"]?.stringValue ?? "")", as: asha)
            }
            let playlist = try #require(
                try await client.send(.post, "/api/v1/playlist", as: ravi, json: #"{"name": "p"}"#).body.data?["_id"]?.stringValue)
            _ = try await client.send(.patch, "/api/v1/playlist/add/\(video)/\(playlist)", as: ravi)
            _ = try await client.send(.patch, "/api/v1/playlist/add/\(kept)/\(playlist)", as: ravi)
            let mediaBefore = filesBelow(world.mediaFolder).count

            #expect(try await client.send(.delete, "/api/v1/videos/\(video)", as: asha).status == 200)
            let db = world.collections
            let id = BSONValue.objectId(ObjectId(video)!)
            #expect(try await db.videos.count(["_id": id]) == 0)
            #expect(try await db.comments.count() == 0)
            #expect(try await db.likes.count() == 1)  // the like on the kept video
            #expect(try await db.playlists.findOne([:])?.videos == [ObjectId(kept)!])
            #expect(try await db.users.count(["watchHistory": id]) == 0)
            #expect(try await db.users.findOne(["username": "ravi"])?.watchHistory == [ObjectId(kept)!])
            #expect(filesBelow(world.mediaFolder).count == mediaBefore - 2)
            // Deleting again: it is gone.
            #expect(try await client.send(.delete, "/api/v1/videos/\(video)", as: asha).status == 404)
            // A comment takes its likes, a tweet too.
            let tweet = try #require(
                try await client.send(.post, "/api/v1/tweets", as: asha, json: #"{"content": "t"}"#).body.data?["_id"]?.stringValue)
            _ = try await client.send(.post, "/api/v1/likes/toggle/t/\(tweet)", as: ravi)
            #expect(try await client.send(.delete, "/api/v1/tweets/\(tweet)", as: asha).status == 200)
            #expect(try await db.likes.count(["tweet": .objectId(ObjectId(tweet)!)]) == 0)
        }
    }

    @Test(arguments: TestBackend.available)
    func twentyConcurrentTogglesEndConsistent(_ backend: TestBackend) async throws {
        let (app, world) = try await finalApp(backend)
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let ravi = try await client.signUp("ravi")
            let video = try await client.publish(asha)
            for path in ["/api/v1/likes/toggle/v/\(video)", "/api/v1/subscriptions/c/\(asha.id)"] {
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<20 { group.addTask { try await client.send(.post, path, as: ravi).status } }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses.allSatisfy { $0 == 200 }, "\(path): \(statuses)")
            }
            // One like and one subscription at most, and what the next toggle says agrees with it.
            let likes = try await world.collections.likes.count()
            let subscriptions = try await world.collections.subscriptions.count()
            #expect(likes <= 1 && subscriptions <= 1)
            let next = try await client.send(.post, "/api/v1/likes/toggle/v/\(video)", as: ravi)
            #expect(next.body.data == ["isLiked": .bool(likes == 0)])
        }
    }

    /// Subscribe, then unsubscribe: what the toggle answers is what is stored.
    @Test(arguments: TestBackend.available)
    func aSubscriptionToggleSubscribesThenUnsubscribes(_ backend: TestBackend) async throws {
        let (app, world) = try await finalApp(backend)
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let ravi = try await client.signUp("ravi")
            #expect(try await client.send(.post, "/api/v1/subscriptions/c/\(asha.id)", as: ravi).body.data == ["subscribed": true])
            #expect(try await world.collections.subscriptions.count() == 1)
            #expect(try await client.send(.get, "/api/v1/users/c/asha", as: ravi).body.data?["isSubscribed"] == true)
            #expect(try await client.send(.post, "/api/v1/subscriptions/c/\(asha.id)", as: ravi).body.data == ["subscribed": false])
            #expect(try await world.collections.subscriptions.count() == 0)
            #expect(try await client.send(.post, "/api/v1/subscriptions/c/\(asha.id)", as: ravi).body.data == ["subscribed": true])
            #expect(try await world.collections.subscriptions.count() == 1)
        }
    }

    /// Each signed-in view adds one to `views`, however often one viewer watches.
    @Test(arguments: TestBackend.available)
    func everySignedInViewCounts(_ backend: TestBackend) async throws {
        let (app, world) = try await finalApp(backend)
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let ravi = try await client.signUp("ravi")
            let video = try await client.publish(asha, title: "Counted")
            for _ in 0..<3 { _ = try await client.send(.get, "/api/v1/videos/\(video)", as: ravi) }
            _ = try await client.send(.get, "/api/v1/videos/\(video)", as: asha)
            #expect(try await world.collections.videos.findOne(["title": "Counted"])?.views == 4)
        }
    }

    /// A toggle is the toggler's: unliking takes away their own like, never another user's.
    @Test(arguments: TestBackend.available)
    func aToggleChangesOnlyTheTogglersOwnLike(_ backend: TestBackend) async throws {
        let (app, world) = try await finalApp(backend)
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let ravi = try await client.signUp("ravi")
            let video = try await client.publish(asha)
            #expect(try await client.send(.post, "/api/v1/likes/toggle/v/\(video)", as: asha).body.data == ["isLiked": true])
            #expect(try await client.send(.post, "/api/v1/likes/toggle/v/\(video)", as: ravi).body.data == ["isLiked": true])
            #expect(try await client.send(.post, "/api/v1/likes/toggle/v/\(video)", as: ravi).body.data == ["isLiked": false])
            let left = try await world.collections.likes.find()
            #expect(left.count == 1 && left.first?.likedBy.hex == asha.id)  // Asha's like stays
            let detail = try await client.send(.get, "/api/v1/videos/\(video)", as: asha)
            #expect(detail.body.data?["likesCount"]?.int64Value == 1 && detail.body.data?["isLiked"] == true)
        }
    }

    @Test(arguments: TestBackend.available)
    func theHistoryIsMostRecentFirstWithoutDuplicatesAndKeepsAHundred(_ backend: TestBackend) async throws {
        let (app, world) = try await finalApp(backend)
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let ravi = try await client.signUp("ravi")
            let a = try await client.publish(asha, title: "A")
            let b = try await client.publish(asha, title: "B")
            for id in [a, b, a] { _ = try await client.send(.get, "/api/v1/videos/\(id)", as: ravi) }
            #expect(try await client.send(.get, "/api/v1/users/history", as: ravi).body.list.map { $0["_id"]?.stringValue } == [a, b])
            // Concurrent views of one video by one user: one entry still.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 { group.addTask { _ = try await client.send(.get, "/api/v1/videos/\(b)", as: ravi) } }
                try await group.waitForAll()
            }
            let history = try #require(try await world.collections.users.findOne(["username": "ravi"])?.watchHistory)
            #expect(history.map(\.hex) == [b, a])
            // A full history drops the oldest.
            let filler = (0..<User.historyLimit).map { _ in BSONValue.objectId(ObjectId()) }
            try await world.collections.users.storage.updateOne(["username": "ravi"], ["$set": ["watchHistory": .array(filler)]])
            _ = try await client.send(.get, "/api/v1/videos/\(a)", as: ravi)
            let full = try #require(try await world.collections.users.findOne(["username": "ravi"])?.watchHistory)
            #expect(full.count == User.historyLimit && full.first?.hex == a && full.last == filler[User.historyLimit - 2].objectIdValue)
            // Only videos that exist and are visible show: an array (as the course's), its total in a header.
            let page = try await client.call(.get, "/api/v1/users/history?limit=5", headers: ravi.auth)
            #expect(try page.headers[APIList.totalCount] == "1" && (json(page.body)).list.map { $0["_id"]?.stringValue } == [a])
        }
    }

    /// Every list the course sorts is newest first, and holds only what it is about: a channel's
    /// videos on the dashboard, its subscribers, the channels one follows, a user's playlists.
    @Test(arguments: TestBackend.available)
    func everyListIsNewestFirst(_ backend: TestBackend) async throws {
        let (app, _) = try await finalApp(backend)
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let ravi = try await client.signUp("ravi")
            let bob = try await client.signUp("bob")
            let a = try await client.publish(asha, title: "A")
            let b = try await client.publish(asha, title: "B")
            _ = try await client.publish(bob, title: "Bob's")  // not on Asha's dashboard
            let dashboard = try await client.send(.get, "/api/v1/dashboard/videos", as: asha).body.list
            #expect(dashboard.map { $0["_id"]?.stringValue } == [b, a])
            for (who, channel) in [(ravi, asha), (bob, asha), (ravi, bob)] {
                _ = try await client.send(.post, "/api/v1/subscriptions/c/\(channel.id)", as: who)
            }
            let subscribers = try await client.send(.get, "/api/v1/subscriptions/c/\(asha.id)", as: asha).body.list
            #expect(subscribers.map { $0["username"]?.stringValue } == ["bob", "ravi"])
            let following = try await client.send(.get, "/api/v1/subscriptions/u/\(ravi.id)", as: ravi).body.list
            #expect(following.map { $0["username"]?.stringValue } == ["bob", "asha"])
            for (who, name) in [(asha, "first"), (asha, "second"), (bob, "Bob's")] {
                _ = try await client.send(.post, "/api/v1/playlist", as: who, json: #"{"name": "\#(name)"}"#)
            }
            let playlists = try await client.send(.get, "/api/v1/playlist/user/\(asha.id)", as: ravi).body.list
            #expect(playlists.map { $0["name"]?.stringValue } == ["second", "first"])
        }
    }

    /// The liked videos are the reader's own likes of videos, newest like first, and only those
    /// they may still see.
    @Test(arguments: TestBackend.available)
    func likedVideosAreTheReadersOwnNewestFirst(_ backend: TestBackend) async throws {
        let (app, _) = try await finalApp(backend)
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let ravi = try await client.signUp("ravi")
            let a = try await client.publish(asha, title: "A")
            let b = try await client.publish(asha, title: "B")
            let c = try await client.publish(asha, title: "C")
            let comment = try await client.send(.post, "/api/v1/comments/\(a)", as: asha, json: #"{"content": "hi"}"#).body.data?["_id"]?.stringValue
            for (who, path) in [(ravi, "v/\(a)"), (asha, "v/\(c)"), (ravi, "v/\(b)"), (ravi, "c/\(comment ?? "")")] {
                #expect(try await client.send(.post, "/api/v1/likes/toggle/\(path)", as: who).body.data == ["isLiked": true])
            }
            #expect(try await client.send(.get, "/api/v1/likes/videos", as: ravi).body.list.map { $0["_id"]?.stringValue } == [b, a])
            #expect(try await client.send(.get, "/api/v1/likes/videos", as: asha).body.list.map { $0["_id"]?.stringValue } == [c])
            _ = try await client.send(.patch, "/api/v1/videos/toggle/publish/\(b)", as: asha)
            #expect(try await client.send(.get, "/api/v1/likes/videos", as: ravi).body.list.map { $0["_id"]?.stringValue } == [a])
        }
    }

    /// A playlist, in its owner's list and on its own, shows only the videos the reader may see:
    /// another's draft is not there, not even its id.
    @Test(arguments: TestBackend.available)
    func aPlaylistShowsOnlyTheVideosTheReaderMaySee(_ backend: TestBackend) async throws {
        let (app, _) = try await finalApp(backend)
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let ravi = try await client.signUp("ravi")
            let (a, b) = (try await client.publish(asha, title: "A"), try await client.publish(asha, title: "B"))
            let playlist = try #require(
                try await client.send(.post, "/api/v1/playlist", as: asha, json: #"{"name": "p"}"#).body.data?["_id"]?.stringValue)
            for video in [a, b] { _ = try await client.send(.patch, "/api/v1/playlist/add/\(video)/\(playlist)", as: asha) }
            _ = try await client.send(.patch, "/api/v1/videos/toggle/publish/\(b)", as: asha)
            for (who, shown) in [(ravi, [a]), (asha, [a, b])] {
                let list = try await client.send(.get, "/api/v1/playlist/user/\(asha.id)", as: who).body.list
                #expect(list.first?["videos"]?.arrayValue?.map { $0.stringValue } == shown, "\(who.username)")
                #expect(list.first?["totalVideos"]?.int64Value == Int64(shown.count) && list.first?["shown"] == nil, "\(who.username)")
                let one = try await client.send(.get, "/api/v1/playlist/\(playlist)", as: who).body.data
                #expect(one?["videos"]?.arrayValue?.map { $0.documentValue?["_id"]?.stringValue } == shown, "\(who.username)")
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func aPlaylistHoldsAtMostFiveHundredVideos(_ backend: TestBackend) async throws {
        let (app, world) = try await finalApp(backend)
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let video = try await client.publish(asha)
            let playlist = try #require(
                try await client.send(.post, "/api/v1/playlist", as: asha, json: #"{"name": "p"}"#).body.data?["_id"]?.stringValue)
            let full = (0..<Playlist.maxVideos).map { _ in BSONValue.objectId(ObjectId()) }
            try await world.collections.playlists.storage.updateOne(["_id": .objectId(ObjectId(playlist)!)], ["$set": ["videos": .array(full)]])
            let refused = try await client.send(.patch, "/api/v1/playlist/add/\(video)/\(playlist)", as: asha)
            #expect(refused.status == 400 && refused.body["errors"]?.arrayValue?.first?.documentValue?["field"] == "videos")
            _ = try await client.send(.patch, "/api/v1/playlist/remove/\(full[0].objectIdValue!.hex)/\(playlist)", as: asha)
            #expect(try await client.send(.patch, "/api/v1/playlist/add/\(video)/\(playlist)", as: asha).status == 200)
            #expect(try await client.send(.patch, "/api/v1/playlist/add/\(video)/\(playlist)", as: asha).status == 200)  // already in: fine
            let shown = try await client.send(.get, "/api/v1/playlist/\(playlist)", as: asha)
            #expect(shown.body.data?["totalVideos"]?.int64Value == 1)  // the filler ids name no video
        }
    }
}
