// The Final server's social queries: comments, tweets, likes and subscriptions. Toggles rely on
// the unique indexes, so that any number of concurrent toggles ends in a consistent state.

import BSON
import Exercises
import Models
import Storage

extension Collections {
    // MARK: Comments and tweets

    /// `GET /comments/:videoId`: newest first, each with its owner's summary, `likesCount` and
    /// `isLiked` (for the page only).
    func comments(on video: ObjectId, viewer: ObjectId?, _ page: PageRequest) async throws -> Page<Document> {
        let pipeline: [Document] = [["$match": ["video": .objectId(video)]], ["$sort": ["createdAt": -1, "_id": -1]]]
        return try await comments.aggregatePaginate(
            pipeline, page, perPage: Stages.ownerSummary() + Stages.likes(target: "comment", viewer: viewer))
    }

    /// `GET /tweets/user/:userId`: the user's tweets, newest first, with the same additions.
    func tweets(of owner: ObjectId, viewer: ObjectId?, _ page: PageRequest) async throws -> Page<Document> {
        let pipeline: [Document] = [["$match": ["owner": .objectId(owner)]], ["$sort": ["createdAt": -1, "_id": -1]]]
        return try await tweets.aggregatePaginate(
            pipeline, page, perPage: Stages.ownerSummary() + Stages.likes(target: "tweet", viewer: viewer))
    }

    /// One comment or tweet as its list shows it after a change: owner summary, likes.
    func shown<M: Model>(_ id: ObjectId, in collection: ModelCollection<M>, target: String, viewer: ObjectId)
        async throws -> Document?
    {
        let pipeline: [Document] =
            [["$match": ["_id": .objectId(id)]]] + Stages.ownerSummary() + Stages.likes(target: target, viewer: viewer)
        return try await collection.aggregate(pipeline).first
    }

    /// Deletes a comment or a tweet and the likes on it, dependents first.
    func deleteLiked<M: Model>(_ id: ObjectId, in collection: ModelCollection<M>, target: String) async throws {
        try await likes.deleteMany([target: .objectId(id)])
        try await collection.deleteOne(["_id": .objectId(id)])
    }

    // MARK: Likes

    /// Likes `target` for `user` if they do not like it yet, and unlikes it if they do; returns
    /// whether they like it now. The unique index decides races: an insert that loses to a
    /// concurrent one means the like exists, which is what that toggle wanted.
    func toggleLike(_ target: Like.Target, by user: ObjectId) async throws -> Bool {
        // EXERCISE 9.3: toggleLike: like, or unlike, atomically
        var mine = target.filter
        mine["likedBy"] = .objectId(user)
        if try await likes.deleteOne(mine) { return false }
        do {
            try await likes.insert(Like(target: target, likedBy: user))
        } catch StorageError.duplicateKey {
            // A concurrent toggle inserted it first: liked.
        }
        return true
        // END EXERCISE 9.3
    }

    /// `GET /likes/videos`: the videos `user` likes and may still see, newest like first, each
    /// with its owner's summary.
    func likedVideos(by user: ObjectId, _ page: PageRequest) async throws -> Page<Document> {
        // EXERCISE 9.18: getLikedVideos: the videos one likes and may still see, newest like first
        let pipeline: [Document] = [
            ["$match": ["likedBy": .objectId(user), "video": ["$exists": true]]],
            ["$sort": ["createdAt": -1, "_id": -1]],
            [
                "$lookup": [
                    "from": .string(Video.collectionName), "localField": "video", "foreignField": "_id", "as": "video",
                    "pipeline": [["$match": .document(Video.visible(to: user))]],
                ]
            ],
            ["$unwind": "$video"],
            ["$replaceRoot": ["newRoot": "$video"]],
        ]
        return try await likes.aggregatePaginate(pipeline, page, perPage: Stages.ownerSummary())
        // END EXERCISE 9.18
    }

    // MARK: Subscriptions

    /// Subscribes `subscriber` to `channel`, or unsubscribes; returns whether subscribed now.
    /// Same race rule as likes: the unique (subscriber, channel) index decides.
    func toggleSubscription(_ subscriber: ObjectId, to channel: ObjectId) async throws -> Bool {
        // EXERCISE 9.5: toggleSubscription: subscribe, or unsubscribe, atomically
        let pair: Document = ["subscriber": .objectId(subscriber), "channel": .objectId(channel)]
        if try await subscriptions.deleteOne(pair) { return false }
        do {
            try await subscriptions.insert(Subscription(subscriber: subscriber, channel: channel))
        } catch StorageError.duplicateKey {
            // A concurrent toggle subscribed first.
        }
        return true
        // END EXERCISE 9.5
    }

    /// `GET /subscriptions/c/:channelId` (`side` = `subscriber`: who subscribes to the channel)
    /// and `GET /subscriptions/u/:subscriberId` (`side` = `channel`: whom the user follows):
    /// owner summaries with `subscribedAt`, newest first.
    func subscriptionList(where field: String, is user: ObjectId, show side: String, _ page: PageRequest) async throws
        -> Page<Document>
    {
        // EXERCISE 9.22: the subscription lists: one side's summaries with subscribedAt, newest first
        let pipeline: [Document] = [["$match": [field: .objectId(user)]], ["$sort": ["createdAt": -1, "_id": -1]]]
        let summary: Document = [
            "_id": .string("$\(side)._id"), "username": .string("$\(side).username"),
            "fullName": .string("$\(side).fullName"),
            "avatar": .string("$\(side).avatar"), "subscribedAt": "$createdAt",
        ]
        let perPage: [Document] = Stages.ownerSummary(side) + [["$project": .document(summary)]]
        return try await subscriptions.aggregatePaginate(pipeline, page, perPage: perPage)
        // END EXERCISE 9.22
    }
}
