// The Final server's playlist queries. A playlist is readable by any logged-in user; what it
// shows of its videos is what the viewer may see.

import BSON
import Exercises
import Models
import Storage

extension Collections {
    /// `GET /playlist/:playlistId`: the playlist with its videos in the playlist's order, only
    /// those the viewer may see (each with its owner's summary), and `totalVideos` counting them.
    /// Two queries, both bounded: the playlist, then at most `Playlist.maxVideos` videos by `_id`.
    func playlistDetail(_ playlist: Playlist, viewer: ObjectId?) async throws -> Document {
        var match = Video.visible(to: viewer)
        match["_id"] = ["$in": .array(playlist.videos.map { .objectId($0) })]
        let found = try await videos.aggregate([["$match": .document(match)]] + Stages.ownerSummary())
        var byId: [ObjectId: Document] = [:]
        for video in found { if let id = video["_id"]?.objectIdValue { byId[id] = video } }
        let shown = playlist.videos.compactMap { byId[$0] }
        var document = try BSONEncoder().encode(playlist)
        document["videos"] = .array(shown.map { .document($0) })
        document["totalVideos"] = .int64(Int64(shown.count))
        return document
    }

    /// `GET /playlist/user/:userId`: the user's playlists, newest first, each with `videos` (the
    /// ids the viewer may see, in the playlist's order) and `totalVideos` counting them, looked
    /// up in the database for the page only. Another user's unpublished video is not there at
    /// all: not even its id.
    func playlists(of owner: ObjectId, viewer: ObjectId?, _ page: PageRequest) async throws -> Page<Document> {
        // EXERCISE 9.32: getUserPlaylists' pipeline: each playlist with only the videos the reader may see
        let pipeline: [Document] = [["$match": ["owner": .objectId(owner)]], ["$sort": ["createdAt": -1, "_id": -1]]]
        let perPage: [Document] = [
            [
                "$lookup": [
                    "from": .string(Video.collectionName), "localField": "videos", "foreignField": "_id", "as": "shown",
                    "pipeline": [["$match": .document(Video.visible(to: viewer))], ["$project": ["_id": 1]]],
                ]
            ],
            [
                "$addFields": [
                    "videos": ["$filter": ["input": "$videos", "as": "id", "cond": ["$in": ["$$id", "$shown._id"]]]],
                    "totalVideos": ["$size": "$shown"],
                ]
            ],
            ["$project": ["shown": 0]],
        ]
        return try await playlists.aggregatePaginate(pipeline, page, perPage: perPage)
        // END EXERCISE 9.32
    }

    /// The playlist as `viewer` may see it: `videos` keeps only the ids of videos they may see
    /// (published, or their own), in order. Every answer that returns a playlist goes through
    /// it, so an unpublished video's id never reaches anyone but its owner.
    func shown(_ playlist: Playlist, to viewer: ObjectId) async throws -> Playlist {
        guard !playlist.videos.isEmpty else { return playlist }
        var match = Video.visible(to: viewer)
        match["_id"] = ["$in": .array(playlist.videos.map { .objectId($0) })]
        let visible = Set(
            try await videos.storage.find(match, options: FindOptions(projection: ["_id": 1])).compactMap {
                $0["_id"]?.objectIdValue
            })
        var shown = playlist
        shown.videos = playlist.videos.filter(visible.contains)
        return shown
    }

    /// Adds a video to the owner's playlist, once: a video already in it stays where it is; a
    /// full playlist (`Playlist.maxVideos`) takes no more. Returns the playlist after, nil when
    /// it is full. One conditional update, so concurrent adds cannot overfill it.
    func addVideo(_ video: ObjectId, to playlist: ObjectId, owner: ObjectId) async throws -> Playlist? {
        // EXERCISE 9.6: addVideoToPlaylist: once, and never past the limit
        let mine: Document = ["_id": .objectId(playlist), "owner": .objectId(owner)]
        var notFull = mine
        notFull["videos.\(Playlist.maxVideos - 1)"] = ["$exists": false]
        let add: Document = ["$addToSet": ["videos": .objectId(video)]]
        if let added = try await playlists.updateOne(notFull, add) { return added }
        // Full, unless the video is in it already (then adding it is a no-op).
        var holding = mine
        holding["videos"] = .objectId(video)
        return try await playlists.findOne(holding)
        // END EXERCISE 9.6
    }
}
