// The Final server's video queries (extensions of chapter 04's `Collections`): one video as a
// viewer sees it, views and watch history, and deleting a video with everything that depends on it.
// Each list is paginated with the counts and summaries looked up for the page only.

import BSON
import Exercises
import Models
import Responses
import Storage

extension Collections {
    /// The video if `viewer` may see it, published or theirs; nil when it does not exist for them.
    func visibleVideo(_ id: ObjectId, viewer: ObjectId?) async throws -> Video? {
        var filter = Video.visible(to: viewer)
        filter["_id"] = .objectId(id)
        return try await videos.findOne(filter)
    }

    /// `GET /videos/:videoId`: the video with its owner's summary, `likesCount` and `isLiked`.
    func videoDetail(_ id: ObjectId, viewer: ObjectId?) async throws -> Document? {
        var match = Video.visible(to: viewer)
        match["_id"] = .objectId(id)
        let pipeline: [Document] =
            [["$match": .document(match)]] + Stages.ownerSummary() + Stages.likes(target: "video", viewer: viewer)
        return try await videos.aggregate(pipeline).first
    }

    /// A view: `views` goes up by one (atomically), and the video moves to the front of the
    /// viewer's watch history, once, which keeps the `User.historyLimit` most recent.
    ///
    /// MongoDB cannot `$pull` and `$push` one field in one update, so the history is rewritten
    /// with optimistic concurrency: read it, compute the new one, and write it only if it is
    /// still what was read (the filter compares the whole array); another view in between makes
    /// the write match nothing, and it is tried again on the new history.
    func recordView(of id: ObjectId, by viewer: ObjectId) async throws {
        // EXERCISE 9.8: recordView: a view counts, and the video moves to the front of the history
        try await videos.storage.updateOne(["_id": .objectId(id)], ["$inc": ["views": 1]])
        for _ in 0..<8 {
            let projection: Document = ["watchHistory": 1]
            guard
                let user = try await users.storage.findOne(
                    ["_id": .objectId(viewer)], options: FindOptions(projection: projection))
            else {
                return
            }
            let before = user["watchHistory"]?.arrayValue
            var history = (before ?? []).filter { $0 != .objectId(id) }
            history.insert(.objectId(id), at: 0)
            let after = Array(history.prefix(User.historyLimit))
            let unchanged: Document =
                before.map { ["_id": .objectId(viewer), "watchHistory": ["$eq": .array($0)]] }
                ?? ["_id": .objectId(viewer), "watchHistory": ["$exists": false]]
            let change: Document = ["$set": ["watchHistory": .array(after)]]
            if try await users.storage.updateOne(unchanged, change).matchedCount == 1 { return }
        }
        // END EXERCISE 9.8
        // Eight views changed the history between a read and a write: give up, as MongoDB does.
        throw StorageError.commandFailed(code: 112, message: "the watch history kept changing (WriteConflict)")
    }

    /// `GET /users/history`: the videos in `user`'s history that still exist and that they may
    /// see, most recently watched first, each with its owner's summary.
    func watchHistory(of user: ObjectId, _ page: PageRequest) async throws -> Page<Document> {
        let pipeline: [Document] = [
            ["$match": ["_id": .objectId(user)]],
            ["$unwind": ["path": "$watchHistory", "includeArrayIndex": "position"]],
            [
                "$lookup": [
                    "from": .string(Video.collectionName), "localField": "watchHistory", "foreignField": "_id",
                    "as": "video",
                    "pipeline": [["$match": .document(Video.visible(to: user))]],
                ]
            ],
            ["$unwind": "$video"],
            ["$sort": ["position": 1]],
            ["$replaceRoot": ["newRoot": "$video"]],
        ]
        return try await users.aggregatePaginate(pipeline, page, perPage: Stages.ownerSummary())
    }

    /// Deletes a video and everything that depends on it, dependents first: its comments and
    /// their likes, the likes on it, its id in playlists and watch histories, then the video. Its
    /// media is the caller's to delete last, so a retried DELETE after a failure finishes the job.
    func deleteVideo(_ id: ObjectId) async throws {
        // EXERCISE 9.24: deleteVideo's cascade: everything that depends on the video, then the video
        let video: BSONValue = .objectId(id)
        try await deleteComments(on: video)
        try await likes.deleteMany(["video": video])
        try await playlists.storage.updateMany(["videos": video], ["$pull": ["videos": video]])
        try await users.storage.updateMany(["watchHistory": video], ["$pull": ["watchHistory": video]])
        try await videos.deleteOne(["_id": video])
        // END EXERCISE 9.24
    }

    /// A video's comments and the likes on them, 500 at a time, so the work per step stays
    /// bounded however many comments a video has.
    func deleteComments(on video: BSONValue) async throws {
        while true {
            let batch = try await comments.storage.find(
                ["video": video], options: FindOptions(limit: 500, projection: ["_id": 1]))
            guard !batch.isEmpty else { return }
            let ids = BSONValue.array(batch.compactMap { $0["_id"] })
            try await likes.deleteMany(["comment": ["$in": ids]])
            try await comments.deleteMany(["_id": ["$in": ids]])
        }
    }

    /// Flips `isPublished`, conditioned on the value read, so two toggles at once flip it twice,
    /// never lose one; returns the new value, nil when the video is gone.
    func togglePublished(_ read: Video) async throws -> Bool? {
        var video = read
        for _ in 0..<8 {
            let flip: Document = ["$set": ["isPublished": .bool(!video.isPublished)]]
            let unchanged: Document = ["_id": .objectId(video._id), "isPublished": .bool(video.isPublished)]
            if let after = try await videos.updateOne(unchanged, flip) { return after.isPublished }
            guard let now = try await videos.findById(video._id) else { return nil }
            video = now
        }
        throw APIError(409, "The video kept changing; try again")
    }

    /// `GET /dashboard/videos`: the owner's videos, unpublished included, newest first, with
    /// `likesCount` and `commentsCount` for the page.
    func channelVideos(of owner: ObjectId, _ page: PageRequest) async throws -> Page<Document> {
        // EXERCISE 9.23: getChannelVideos: a channel's own videos with their likes and comments
        let pipeline: [Document] = [["$match": ["owner": .objectId(owner)]], ["$sort": ["createdAt": -1, "_id": -1]]]
        let perPage: [Document] = [
            Stages.count(from: Like.collectionName, matching: "video", as: "likesCount"),
            Stages.count(from: Comment.collectionName, matching: "video", as: "commentsCount"),
            ["$addFields": .document(Stages.countValue("likesCount").merged(Stages.countValue("commentsCount")))],
        ]
        return try await videos.aggregatePaginate(pipeline, page, perPage: perPage)
        // END EXERCISE 9.23
    }

    /// `GET /dashboard/stats` for a channel: videos and views, unpublished included,
    /// subscribers, and the likes on its videos, all counted in the database.
    func channelStats(of owner: ObjectId) async throws -> ChannelStats {
        // EXERCISE 9.7: getChannelStats: a channel's videos, views, subscribers and likes
        let pipeline: [Document] = [
            ["$match": ["owner": .objectId(owner)]],
            Stages.count(from: Like.collectionName, matching: "video", as: "likes"),
            [
                "$group": [
                    "_id": .null, "totalVideos": ["$sum": 1], "totalViews": ["$sum": "$views"],
                    "totalLikes": ["$sum": ["$ifNull": [["$first": "$likes.n"], 0]]],
                ]
            ],
        ]
        // Two independent queries, sent together (`async let` is `Promise.all`): on a distant
        // MongoDB the stats cost one round trip, not two.
        async let pages = videos.aggregate(pipeline)
        async let subscribers = subscriptions.count(["channel": .objectId(owner)])
        let totals = try await pages.first ?? [:]
        return ChannelStats(
            totalVideos: Int(totals["totalVideos"]?.int64Value ?? 0),
            totalViews: Int(totals["totalViews"]?.int64Value ?? 0),
            totalSubscribers: try await subscribers, totalLikes: Int(totals["totalLikes"]?.int64Value ?? 0))
        // END EXERCISE 9.7
    }
}

/// A channel's figures on its dashboard.
struct ChannelStats: Codable, Sendable, Equatable {
    var totalVideos: Int
    var totalViews: Int
    var totalSubscribers: Int
    var totalLikes: Int
}
