// The Final server end to end, as a client would use it, on every storage backend: register
// with files, upload, list, search, watch, like, comment, tweet, subscribe, build a playlist,
// the dashboard, change and delete everything, log out.

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

@Suite struct FinalFlow {
    /// A video keeps its media's storage ids; a video that cannot be stored leaves no media behind
    /// (here a unique index the test adds refuses a channel's second video of one title; any failed
    /// insert does the same).
    @Test(arguments: TestBackend.available)
    func aVideoKeepsItsMediaIdsAndAFailedOneLeavesNoMedia(_ backend: TestBackend) async throws {
        let (app, world) = try await finalApp(backend)
        try await world.database.database.collection("videos").createIndex(["title": 1, "owner": 1], options: IndexOptions(unique: true))
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let first = try await client.upload(asha, title: "Only once")
            #expect(first.status == .created)
            let video = try #require(try await world.collections.videos.findOne(["title": "Only once"]))
            #expect(video.videoFileId?.hasPrefix("videos/") == true && video.thumbnailId?.hasPrefix("thumbnails/") == true)
            let files = filesBelow(world.mediaFolder)
            #expect(files.contains(video.videoFileId ?? "?") && files.contains(video.thumbnailId ?? "?") && files.count == 3)
            let again = try await client.upload(asha, title: "Only once")
            #expect(again.status == .conflict)
            #expect(filesBelow(world.mediaFolder) == files)  // the second video's file and thumbnail are deleted again
            // A change that cannot be stored deletes the thumbnail it brought.
            let other = try await client.publish(asha, title: "Another")
            let stored = filesBelow(world.mediaFolder)
            var headers = formType
            headers[.authorization] = "Bearer \(asha.access)"
            let clash = try await client.execute(
                uri: "/api/v1/videos/\(other)", method: .patch, headers: headers,
                body: multipart(fields: [("title", "Only once")], files: [("thumbnail", "t.png", thumbnailPNG + [7])]))
            #expect(clash.status == .conflict)
            #expect(filesBelow(world.mediaFolder) == stored)
        }
        #expect(filesBelow(world.tempFolder).isEmpty)
    }

    @Test(arguments: TestBackend.available)
    func aWholeSessionOverARealSocket(_ backend: TestBackend) async throws {
        let (app, world) = try await finalApp(backend)
        try await app.test(.live) { client in
            let asha = try await client.signUp("asha")
            let ravi = try await client.signUp("ravi")

            // Upload: the duration comes from the file itself.
            let uploaded = try await client.upload(asha, title: "  Chai aur Swift  ", description: "Servers in Swift")
            #expect(uploaded.status == .created)
            let video = try #require(try json(uploaded.body).data)
            let videoId = try #require(video["_id"]?.stringValue)
            #expect(video["title"] == "Chai aur Swift" && video["duration"]?.doubleValue == 12.345 && video["views"]?.int64Value == 0)
            #expect(video["videoFile"]?.stringValue?.contains("/media/videos/") == true)  // absolute: FrontendContractTests
            #expect(video["thumbnail"]?.stringValue?.contains("/media/thumbnails/") == true)
            #expect(filesBelow(world.mediaFolder).count == 4)  // two avatars, the video, its thumbnail
            #expect(filesBelow(world.tempFolder).isEmpty)
            _ = try await client.publish(asha, title: "Second video")

            // List, search, sort, filter by owner.
            let list = try await client.send(.get, "/api/v1/videos?sortBy=title&sortType=asc", as: ravi)
            #expect(list.status == 200 && list.body.docs.compactMap { $0["title"]?.stringValue } == ["Chai aur Swift", "Second video"])
            #expect(list.body.docs.first?["owner"]?.documentValue?["username"] == "asha")
            let search = try await client.send(.get, "/api/v1/videos?query=SERVERS", as: ravi)
            #expect(search.body.docs.map { $0["_id"]?.stringValue } == [videoId])
            #expect(try await client.send(.get, "/api/v1/videos?userId=\(ravi.id)", as: ravi).body.data?["totalDocs"]?.int64Value == 0)

            // Watch: a view, the history; likes and isLiked.
            let watched = try await client.send(.get, "/api/v1/videos/\(videoId)", as: ravi)
            #expect(watched.status == 200 && watched.body.data?["views"]?.int64Value == 1)
            #expect(watched.body.data?["likesCount"]?.int64Value == 0 && watched.body.data?["isLiked"] == false)
            #expect(watched.body.data?["owner"]?.documentValue?.keys == ["_id", "username", "fullName", "avatar"])
            let liked = try await client.send(.post, "/api/v1/likes/toggle/v/\(videoId)", as: ravi)
            #expect(liked.status == 200 && liked.body.data == ["isLiked": true])
            let again = try await client.send(.get, "/api/v1/videos/\(videoId)", as: ravi)
            #expect(
                again.body.data?["views"]?.int64Value == 2 && again.body.data?["likesCount"]?.int64Value == 1 && again.body.data?["isLiked"] == true)
            let history = try await client.send(.get, "/api/v1/users/history", as: ravi)
            #expect(history.body.list.map { $0["_id"]?.stringValue } == [videoId])  // watched twice, listed once
            #expect(try await client.send(.get, "/api/v1/likes/videos", as: ravi).body.list.map { $0["_id"]?.stringValue } == [videoId])

            // Comments, and a like on one.
            let comment = try await client.send(.post, "/api/v1/comments/\(videoId)", as: ravi, json: #"{"content": " Great video! "}"#)
            #expect(comment.status == 201 && comment.body.data?["content"] == "Great video!")
            let commentId = try #require(comment.body.data?["_id"]?.stringValue)
            #expect(try await client.send(.post, "/api/v1/likes/toggle/c/\(commentId)", as: asha).body.data == ["isLiked": true])
            let comments = try await client.send(.get, "/api/v1/comments/\(videoId)", as: asha)
            #expect(comments.body.docs.first?["likesCount"]?.int64Value == 1 && comments.body.docs.first?["isLiked"] == true)
            #expect(comments.body.docs.first?["owner"]?.documentValue?["username"] == "ravi")
            let edited = try await client.send(.patch, "/api/v1/comments/c/\(commentId)", as: ravi, json: #"{"content": "Great video, thanks"}"#)
            #expect(edited.status == 200 && edited.body.data?["content"] == "Great video, thanks")

            // Tweets.
            let tweet = try await client.send(.post, "/api/v1/tweets", as: asha, json: #"{"content": "New video out"}"#)
            #expect(tweet.status == 201)
            let tweetId = try #require(tweet.body.data?["_id"]?.stringValue)
            #expect(try await client.send(.post, "/api/v1/likes/toggle/t/\(tweetId)", as: ravi).body.data == ["isLiked": true])
            let tweets = try await client.send(.get, "/api/v1/tweets/user/\(asha.id)", as: ravi)
            #expect(tweets.body.list.first?["content"] == "New video out" && tweets.body.list.first?["isLiked"] == true)
            #expect(try await client.send(.patch, "/api/v1/tweets/\(tweetId)", as: asha, json: #"{"content": "Two videos out"}"#).status == 200)

            // Subscriptions and the channel profile.
            #expect(try await client.send(.post, "/api/v1/subscriptions/c/\(asha.id)", as: ravi).body.data == ["subscribed": true])
            let subscribers = try await client.send(.get, "/api/v1/subscriptions/c/\(asha.id)", as: asha)
            #expect(subscribers.body.list.first?["username"] == "ravi" && subscribers.body.list.first?["subscribedAt"]?.stringValue != nil)
            #expect(subscribers.body.list.first?.keys == ["_id", "username", "fullName", "avatar", "subscribedAt"])
            let following = try await client.send(.get, "/api/v1/subscriptions/u/\(ravi.id)", as: ravi)
            #expect(following.body.list.map { $0["username"] } == ["asha"])
            let profile = try await client.send(.get, "/api/v1/users/c/asha", as: ravi)
            #expect(profile.body.data?["subscribersCount"]?.int64Value == 1 && profile.body.data?["isSubscribed"] == true)
            #expect(profile.body.data?["email"] == nil)  // only the owner sees their email
            let own = try await client.send(.get, "/api/v1/users/c/asha", as: asha)
            #expect(own.body.data?["email"] == "asha@example.com", "\(own.body)")

            // A playlist.
            let playlist = try await client.send(.post, "/api/v1/playlist", as: ravi, json: #"{"name": "Swift", "description": "to watch"}"#)
            #expect(playlist.status == 201)
            let playlistId = try #require(playlist.body.data?["_id"]?.stringValue)
            for _ in 0..<2 {
                let added = try await client.send(.patch, "/api/v1/playlist/add/\(videoId)/\(playlistId)", as: ravi)
                #expect(added.status == 200 && added.body.data?["videos"]?.arrayValue?.count == 1)  // twice: one entry
            }
            let shown = try await client.send(.get, "/api/v1/playlist/\(playlistId)", as: asha)
            #expect(shown.body.data?["totalVideos"]?.int64Value == 1)
            #expect(shown.body.data?["videos"]?.arrayValue?.first?.documentValue?["owner"]?.documentValue?["username"] == "asha")
            let mine = try await client.send(.get, "/api/v1/playlist/user/\(ravi.id)", as: ravi)
            #expect(mine.body.list.first?["totalVideos"]?.int64Value == 1)
            let renamed = try await client.send(.patch, "/api/v1/playlist/\(playlistId)", as: ravi, json: #"{"name": "Swift servers"}"#)
            #expect(renamed.body.data?["name"] == "Swift servers" && renamed.body.data?["description"] == "to watch")
            let described = try await client.send(.patch, "/api/v1/playlist/\(playlistId)", as: ravi, json: #"{"description": "later"}"#)
            #expect(described.body.data?["name"] == "Swift servers" && described.body.data?["description"] == "later")

            // The dashboard.
            let stats = try await client.send(.get, "/api/v1/dashboard/stats", as: asha)
            #expect(stats.body.data == ["totalVideos": 2, "totalViews": 2, "totalSubscribers": 1, "totalLikes": 1])
            let none = try await client.send(.get, "/api/v1/dashboard/stats", as: ravi)  // a channel's own figures only
            #expect(none.body.data == ["totalVideos": 0, "totalViews": 0, "totalSubscribers": 0, "totalLikes": 0])
            let dashboard = try await client.send(.get, "/api/v1/dashboard/videos", as: asha)
            let first = try #require(dashboard.body.list.first { $0["_id"]?.stringValue == videoId })
            #expect(first["likesCount"]?.int64Value == 1 && first["commentsCount"]?.int64Value == 1)

            // Change the video: JSON, then a form with a new thumbnail (the old one leaves storage).
            let patched = try await client.send(.patch, "/api/v1/videos/\(videoId)", as: asha, json: #"{"description": "Servers, in Swift"}"#)
            #expect(
                patched.status == 200 && patched.body.data?["description"] == "Servers, in Swift" && patched.body.data?["title"] == "Chai aur Swift")
            var headers = formType
            headers[.authorization] = "Bearer \(asha.access)"
            let before = filesBelow(world.mediaFolder)
            let newThumbnail = try await client.execute(
                uri: "/api/v1/videos/\(videoId)", method: .patch, headers: headers,
                body: multipart(fields: [("title", "Chai aur Swift, part 1")], files: [("thumbnail", "t2.png", thumbnailPNG + [9])]))
            #expect(newThumbnail.status == .ok)
            #expect(try json(newThumbnail.body).data?["title"] == "Chai aur Swift, part 1")
            let after = filesBelow(world.mediaFolder)
            #expect(after.count == before.count && after != before)
            let objectId = try #require(ObjectId(videoId))
            let changed = try #require(try await world.collections.videos.findById(objectId))
            let thumbnailId = try #require(changed.thumbnailId)
            #expect(after.contains(thumbnailId) && !before.contains(thumbnailId) && changed.thumbnail.hasSuffix(thumbnailId))
            let unpublished = try await client.send(.patch, "/api/v1/videos/toggle/publish/\(videoId)", as: asha)
            #expect(unpublished.body.data == ["isPublished": false])
            #expect(try await client.send(.get, "/api/v1/videos/\(videoId)", as: ravi).status == 404)
            #expect(try await client.send(.get, "/api/v1/users/history", as: ravi).body.list.isEmpty)  // no longer visible to him
            #expect(try await client.send(.get, "/api/v1/playlist/\(playlistId)", as: ravi).body.data?["totalVideos"]?.int64Value == 0)
            #expect(try await client.send(.patch, "/api/v1/videos/toggle/publish/\(videoId)", as: asha).body.data == ["isPublished": true])

            // Delete everything.
            #expect(try await client.send(.delete, "/api/v1/comments/c/\(commentId)", as: ravi).body.data == [:])
            #expect(try await client.send(.get, "/api/v1/comments/\(videoId)", as: asha).body.docs.isEmpty)
            #expect(try await world.collections.likes.count(["comment": .objectId(try #require(ObjectId(commentId)))]) == 0)
            #expect(try await client.send(.delete, "/api/v1/tweets/\(tweetId)", as: asha).status == 200)
            #expect(try await client.send(.delete, "/api/v1/playlist/\(playlistId)", as: ravi).status == 200)
            #expect(try await client.send(.get, "/api/v1/playlist/\(playlistId)", as: ravi).status == 404)
            #expect(try await client.send(.delete, "/api/v1/videos/\(videoId)", as: asha).status == 200)
            #expect(try await world.collections.likes.count() == 0)
            #expect(try await client.send(.get, "/api/v1/videos/\(videoId)", as: asha).status == 404)
            #expect(try await client.send(.post, "/api/v1/subscriptions/c/\(asha.id)", as: ravi).body.data == ["subscribed": false])
            #expect(filesBelow(world.mediaFolder).count == 4)  // two avatars, the second video and its thumbnail

            #expect(try await client.send(.post, "/api/v1/users/logout", as: asha).status == 200)
            #expect(try await client.send(.get, "/api/v1/dashboard/stats", as: asha).status == 401)
        }
        #expect(filesBelow(world.tempFolder).isEmpty)
    }
}
