// The course's two big aggregation pipelines, written once as data: a channel's profile
// (`getUserChannelProfile`) and the video list (`getAllVideos`). Controllers run them; both
// storage backends execute them unchanged. (The Final server's queries are beside them, in
// Queries+*.swift.)

import BSON
import Foundation
import Storage

/// What `GET /users/c/:username` shows about a channel.
public struct ChannelProfile: Codable, Sendable, Equatable {
    public var _id: ObjectId
    public var fullName: String
    public var username: String
    /// Only to the channel's owner. **Fix:** the original showed every user's email to anyone.
    public var email: String?
    public var avatar: String
    public var coverImage: String
    public var subscribersCount: Int
    public var channelsSubscribedToCount: Int
    /// Whether the viewer, the logged-in user, subscribes to this channel.
    public var isSubscribed: Bool
}

extension ChannelProfile {
    /// Match the user, count the subscriptions that point at them (their subscribers) and those
    /// they made (channels they follow) in the database, and check whether `viewer` is among the
    /// subscribers. The email is shown to the channel's owner only.
    public static func pipeline(username: String, viewer: ObjectId?) -> [Document] {
        let viewerValue: BSONValue = viewer.map { .objectId($0) } ?? .null
        return [
            ["$match": ["username": .string(username.lowercased())]],
            Stages.count(from: Subscription.collectionName, matching: "channel", as: "subscribersCount"),
            Stages.count(from: Subscription.collectionName, matching: "subscriber", as: "channelsSubscribedToCount"),
            [
                "$lookup": [
                    "from": .string(Subscription.collectionName), "localField": "_id", "foreignField": "channel",
                    "as": "mine",
                    "pipeline": [["$match": ["subscriber": viewerValue]], ["$limit": 1], ["$project": ["_id": 1]]],
                ]
            ],
            [
                "$addFields": .document(
                    Stages.countValue("subscribersCount").merged(Stages.countValue("channelsSubscribedToCount")).merged(
                        [
                            "isSubscribed": ["$gt": [["$size": "$mine"], 0]]
                        ]))
            ],
            [
                "$project": [
                    "fullName": 1, "username": 1, "avatar": 1,
                    "email": ["$cond": ["if": ["$eq": ["$_id", viewerValue]], "then": "$email", "else": "$$REMOVE"]],
                    "coverImage": ["$ifNull": ["$coverImage", ""]],  // a user written by the Node version may lack it
                    "subscribersCount": 1, "channelsSubscribedToCount": 1, "isSubscribed": 1,
                ]
            ],
        ]
    }

    /// The profile, or nil when no user has that username.
    public static func find(username: String, viewer: ObjectId?, in users: ModelCollection<User>) async throws
        -> ChannelProfile?
    {
        let profile = try await users.aggregate(pipeline(username: username, viewer: viewer)).first
        return try profile.map { try ModelCollection<User>.decode(ChannelProfile.self, from: $0) }
    }
}

/// The video list's options (`GET /videos?page&limit&query&sortBy&sortType&userId`).
public struct VideoListQuery: Sendable, Equatable {
    public enum SortField: String, Sendable, CaseIterable { case createdAt, views, duration, title }

    /// Words to find in the title or description: literal text, case-insensitive.
    public var text: String?
    public var sortBy: SortField
    public var ascending: Bool
    /// Only this channel's videos.
    public var owner: ObjectId?
    /// Who is asking: the owner also sees their unpublished videos.
    public var viewer: ObjectId?

    public init(
        text: String? = nil, sortBy: SortField = .createdAt, ascending: Bool = false, owner: ObjectId? = nil,
        viewer: ObjectId? = nil
    ) {
        self.text = text
        self.sortBy = sortBy
        self.ascending = ascending
        self.owner = owner
        self.viewer = viewer
    }

    /// From the query string's text; each bad parameter is named in the error.
    public init(query: String?, sortBy: String?, sortType: String?, userId: String?, viewer: ObjectId?)
        throws(ValidationError)
    {
        var v = Validator()
        let field = sortBy.map { VideoListQuery.SortField(rawValue: $0) } ?? .createdAt
        v.require(field != nil, "sortBy", "sortBy must be one of createdAt, views, duration, title")
        let type = (sortType ?? "desc").lowercased()
        v.require(type == "asc" || type == "desc", "sortType", "sortType must be asc or desc")
        let owner = userId.map { ObjectId($0) } ?? nil
        v.require(userId == nil || owner != nil, "userId", "Invalid userId")
        let text = query?.trimmingWhitespace().precomposedStringWithCanonicalMapping
        // Counted in scalars: one Character may carry any number of combining marks.
        v.require((text ?? "").unicodeScalars.count <= 200, "query", "query must be at most 200 characters")
        v.require(
            Formats.hiddenCharacter(in: text ?? "", multiline: false) == nil, "query",
            "query must not contain control characters")
        try v.finish()
        self.init(
            text: text?.isEmpty == false ? text : nil, sortBy: field!, ascending: type == "asc", owner: owner,
            viewer: viewer)
    }

    /// Published videos and the viewer's own, filtered and sorted. The newest `_id` breaks ties,
    /// so pages never overlap. `page(_:in:)` cuts a page and adds the owners' summaries to it.
    public var pipeline: [Document] {
        var match = Video.visible(to: viewer)
        if let owner { match["owner"] = .objectId(owner) }
        if let text {
            // The text is escaped, so `.*` or `(a+)+` is searched for, never run as a pattern.
            let pattern = BSONValue.regex(BSONRegex(pattern: RegexText.escape(text), options: "i"))
            match["$and"] = [["$or": [["title": pattern], ["description": pattern]]]]
        }
        let direction: BSONValue = ascending ? 1 : -1
        return [
            ["$match": .document(match)],
            ["$sort": [sortBy.rawValue: direction, "_id": direction]],
        ]
    }

    /// One page of the list, each video with its owner's summary, looked up for the page only.
    public func page(_ request: PageRequest, in videos: ModelCollection<Video>) async throws -> Page<Document> {
        try await videos.aggregatePaginate(pipeline, request, perPage: Stages.ownerSummary())
    }
}

/// Escapes regular-expression syntax so that user text matches literally.
///
/// Scalar by scalar: every ASCII character that is not a letter or a digit gets a backslash,
/// which both ICU and MongoDB's PCRE read as "this character itself". A loop over
/// `Character`s would miss `(` followed by a combining mark (one `Character`, not equal to
/// `(`), and hand the regex engine a live `(` or `*`.
enum RegexText {
    static func escape(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.isASCII, !scalar.properties.isAlphabetic, !("0"..."9").contains(scalar), scalar != " " {
                out.append("\\")
            }
            out.append(scalar)
        }
        return String(out)
    }
}
