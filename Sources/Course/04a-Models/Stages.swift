// Pipeline stages the queries share. Each is plain data, so it runs unchanged on MongoDB and on
// the embedded store; each joins or counts through an index: `_id`, or a declared lookup key.

import BSON

public enum Stages {
    /// Replaces the user id in `field`, `owner` by default, by the user's owner summary
    /// `{_id, username, fullName, avatar}`.
    public static func ownerSummary(_ field: String = "owner") -> [Document] {
        [
            [
                "$lookup": [
                    "from": .string(User.collectionName), "localField": .string(field), "foreignField": "_id",
                    "as": .string(field),
                    "pipeline": [["$project": .document(OwnerSummary.projection)]],
                ]
            ],
            ["$addFields": [field: ["$first": .string("$" + field)]]],
        ]
    }

    /// Adds `as`: how many documents of `collection` have `foreignField` equal to this
    /// document's `_id`, counted in the database: no document comes back, only the number.
    public static func count(from collection: String, matching foreignField: String, as name: String) -> Document {
        [
            "$lookup": [
                "from": .string(collection), "localField": "_id", "foreignField": .string(foreignField),
                "as": .string(name),
                "pipeline": [["$count": "n"]],
            ]
        ]
    }

    /// The stages after `count(...)` that turn its one-element array into the number, 0 when none.
    public static func countValue(_ name: String) -> Document {
        [name: ["$ifNull": [["$first": .string("$\(name).n")], 0]]]
    }

    /// `likesCount`, and `isLiked`: whether `viewer` likes it. For documents liked through
    /// `target`: `video`, `comment` or `tweet`. Nobody signed in, a nil `viewer`, likes nothing.
    public static func likes(target: String, viewer: ObjectId?) -> [Document] {
        guard let viewer else {
            return [
                count(from: Like.collectionName, matching: target, as: "likesCount"),
                ["$addFields": .document(countValue("likesCount").merged(["isLiked": false]))],
            ]
        }
        return [
            count(from: Like.collectionName, matching: target, as: "likesCount"),
            [
                "$lookup": [
                    "from": .string(Like.collectionName), "localField": "_id", "foreignField": .string(target),
                    "as": "isLiked",
                    "pipeline": [["$match": ["likedBy": .objectId(viewer)]], ["$limit": 1], ["$project": ["_id": 1]]],
                ]
            ],
            [
                "$addFields": .document(
                    countValue("likesCount").merged(["isLiked": ["$gt": [["$size": "$isLiked"], 0]]]))
            ],
        ]
    }
}

extension Document {
    /// This document followed by `other`'s fields; a key in both keeps `other`'s value.
    public func merged(_ other: Document) -> Document {
        var out = self
        for (key, value) in other { out[key] = value }
        return out
    }
}
