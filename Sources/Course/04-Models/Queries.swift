// The course's two big aggregation pipelines, written once as data: a channel's profile
// (`getUserChannelProfile`) and the video list (`getAllVideos`). Controllers run them; both
// storage backends execute them unchanged.
import BSON
import Storage

/// What `GET /users/c/:username` shows about a channel.
public struct ChannelProfile: Codable, Sendable, Equatable {
    public var _id: ObjectId
    public var fullName: String
    public var username: String
    public var email: String
    public var avatar: String
    public var coverImage: String
    public var subscribersCount: Int
    public var channelsSubscribedToCount: Int
    /// Whether the viewer (the logged-in user) subscribes to this channel.
    public var isSubscribed: Bool
}

extension ChannelProfile {
    /// Match the user, join the subscriptions that point at them (their subscribers) and those
    /// they made (channels they follow), count both, and check whether `viewer` is among the
    /// subscribers.
    public static func pipeline(username: String, viewer: ObjectId?) -> [Document] {
        let viewerValue: BSONValue = viewer.map { .objectId($0) } ?? .null
        return [
            ["$match": ["username": .string(username.lowercased())]],
            ["$lookup": ["from": "subscriptions", "localField": "_id", "foreignField": "channel", "as": "subscribers"]],
            ["$lookup": ["from": "subscriptions", "localField": "_id", "foreignField": "subscriber", "as": "subscribedTo"]],
            [
                "$addFields": [
                    "subscribersCount": ["$size": "$subscribers"],
                    "channelsSubscribedToCount": ["$size": "$subscribedTo"],
                    "isSubscribed": ["$cond": ["if": ["$in": [viewerValue, "$subscribers.subscriber"]], "then": true, "else": false]],
                ]
            ],
            [
                "$project": [
                    "fullName": 1, "username": 1, "email": 1, "avatar": 1,
                    "coverImage": ["$ifNull": ["$coverImage", ""]],  // a user written by the Node version may lack it
                    "subscribersCount": 1, "channelsSubscribedToCount": 1, "isSubscribed": 1,
                ]
            ],
        ]
    }

    /// The profile, or nil when no user has that username.
    public static func find(username: String, viewer: ObjectId?, in users: ModelCollection<User>) async throws -> ChannelProfile? {
        let profile = try await users.aggregate(pipeline(username: username, viewer: viewer)).first
        return try profile.map { try BSONDecoder().decode(ChannelProfile.self, from: $0) }
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

    public init(text: String? = nil, sortBy: SortField = .createdAt, ascending: Bool = false, owner: ObjectId? = nil, viewer: ObjectId? = nil) {
        self.text = text
        self.sortBy = sortBy
        self.ascending = ascending
        self.owner = owner
        self.viewer = viewer
    }

    /// From the query string's text; each bad parameter is named in the error.
    public init(query: String?, sortBy: String?, sortType: String?, userId: String?, viewer: ObjectId?) throws(ValidationError) {
        var v = Validator()
        let field = sortBy.map { VideoListQuery.SortField(rawValue: $0) } ?? .createdAt
        v.require(field != nil, "sortBy", "sortBy must be one of createdAt, views, duration, title")
        let type = (sortType ?? "desc").lowercased()
        v.require(type == "asc" || type == "desc", "sortType", "sortType must be asc or desc")
        let owner = userId.map { ObjectId($0) } ?? nil
        v.require(userId == nil || owner != nil, "userId", "Invalid userId")
        let text = query?.trimmingWhitespace()
        v.require((text ?? "").count <= 200, "query", "query must be at most 200 characters")
        try v.finish()
        self.init(text: text?.isEmpty == false ? text : nil, sortBy: field!, ascending: type == "asc", owner: owner, viewer: viewer)
    }

    /// Published videos (and the viewer's own), filtered, sorted (newest `_id` breaks ties so
    /// pages never overlap), each with its owner summary. Paginate it with `aggregatePaginate`.
    public var pipeline: [Document] {
        var visible: [BSONValue] = [["isPublished": true]]
        if let viewer { visible.append(["owner": .objectId(viewer)]) }
        var match: Document = ["$or": .array(visible)]
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
            [
                "$lookup": [
                    "from": "users", "localField": "owner", "foreignField": "_id", "as": "owner",
                    "pipeline": [["$project": .document(OwnerSummary.projection)]],
                ]
            ],
            ["$addFields": ["owner": ["$first": "$owner"]]],
        ]
    }
}

/// Escapes regular-expression syntax so that user text matches literally.
enum RegexText {
    static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            if "\\^$.|?*+()[]{}/-".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}
