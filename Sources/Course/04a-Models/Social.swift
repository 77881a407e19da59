// The smaller collections: who follows whom, what people say, what they like and collect.
// (Node: `subscription.model.js`, `comment.model.js`, `like.model.js`, `tweet.model.js`,
// `playlist.model.js`.)

import BSON

/// `subscriptions`: `subscriber` follows `channel` (both users). One document per pair.
public struct Subscription: Model {
    public static let collectionName = "subscriptions"
    public static let indexes: [IndexModel] = [
        .unique(["subscriber": 1, "channel": 1]),  // following twice is impossible, even under a race
        .lookup(["channel": 1]),  // a channel's subscribers
    ]

    public var _id: ObjectId
    public var subscriber: ObjectId
    public var channel: ObjectId
    public var createdAt: BSONDate
    public var updatedAt: BSONDate

    public init(_id: ObjectId = ObjectId(), subscriber: ObjectId, channel: ObjectId) {
        self._id = _id
        self.subscriber = subscriber
        self.channel = channel
        self.createdAt = .now()
        self.updatedAt = createdAt
    }

    public mutating func validate() throws(ValidationError) {
        var v = Validator()
        v.require(subscriber != channel, "channel", "a channel cannot subscribe to itself")
        try v.finish()
    }
}

/// `comments` on a video.
public struct Comment: Model {
    public static let collectionName = "comments"
    public static let indexes: [IndexModel] = [.lookup(["video": 1]), .lookup(["owner": 1])]

    public var _id: ObjectId
    public var content: String
    public var video: ObjectId
    public var owner: ObjectId
    public var createdAt: BSONDate
    public var updatedAt: BSONDate

    public init(_id: ObjectId = ObjectId(), content: String, video: ObjectId, owner: ObjectId) {
        self._id = _id
        self.content = content
        self.video = video
        self.owner = owner
        self.createdAt = .now()
        self.updatedAt = createdAt
    }

    public static let contentRule = TextRule("content", length: 1...2000, multiline: true)

    public mutating func validate() throws(ValidationError) {
        var v = Validator()
        v.apply(Self.contentRule, to: &content)
        try v.finish()
    }
}

/// `tweets`: short posts on a channel.
public struct Tweet: Model {
    public static let collectionName = "tweets"
    public static let indexes: [IndexModel] = [.lookup(["owner": 1])]

    public var _id: ObjectId
    public var content: String
    public var owner: ObjectId
    public var createdAt: BSONDate
    public var updatedAt: BSONDate

    public init(_id: ObjectId = ObjectId(), content: String, owner: ObjectId) {
        self._id = _id
        self.content = content
        self.owner = owner
        self.createdAt = .now()
        self.updatedAt = createdAt
    }

    public static let contentRule = TextRule("content", length: 1...500, multiline: true)

    public mutating func validate() throws(ValidationError) {
        var v = Validator()
        v.apply(Self.contentRule, to: &content)
        try v.finish()
    }
}

/// `likes`: `likedBy` likes exactly one of a video, a comment or a tweet.
public struct Like: Model {
    public static let collectionName = "likes"
    public static let indexes: [IndexModel] = [
        // One like per target and user. A missing field is indexed as null, so this single
        // index covers all three kinds of target: (video, null, null, user), (null, comment, null, user)…
        .unique(["video": 1, "comment": 1, "tweet": 1, "likedBy": 1]),
        .lookup(["video": 1]),
        .lookup(["comment": 1]),
        .lookup(["tweet": 1]),
        .lookup(["likedBy": 1]),
    ]

    public var _id: ObjectId
    public var video: ObjectId?
    public var comment: ObjectId?
    public var tweet: ObjectId?
    public var likedBy: ObjectId
    public var createdAt: BSONDate
    public var updatedAt: BSONDate

    public enum Target: Sendable, Equatable {
        case video(ObjectId), comment(ObjectId), tweet(ObjectId)
        /// The filter that finds likes of this target: `["video": id]`.
        public var filter: Document {
            switch self {
            case .video(let id): ["video": .objectId(id)]
            case .comment(let id): ["comment": .objectId(id)]
            case .tweet(let id): ["tweet": .objectId(id)]
            }
        }
    }

    public init(_id: ObjectId = ObjectId(), target: Target, likedBy: ObjectId) {
        self._id = _id
        switch target {
        case .video(let id): video = id
        case .comment(let id): comment = id
        case .tweet(let id): tweet = id
        }
        self.likedBy = likedBy
        self.createdAt = .now()
        self.updatedAt = createdAt
    }

    public mutating func validate() throws(ValidationError) {
        var v = Validator()
        v.require(
            [video, comment, tweet].compactMap { $0 }.count == 1, "target",
            "a like is of exactly one video, comment or tweet")
        try v.finish()
    }
}

/// `playlists`: a user's named list of videos.
public struct Playlist: Model {
    public static let collectionName = "playlists"
    public static let indexes: [IndexModel] = [.lookup(["owner": 1]), .lookup(["videos": 1])]
    /// The most videos one playlist holds.
    public static let maxVideos = 500

    public var _id: ObjectId
    public var name: String
    public var description: String
    public var videos: [ObjectId]
    public var owner: ObjectId
    public var createdAt: BSONDate
    public var updatedAt: BSONDate

    public init(_id: ObjectId = ObjectId(), name: String, description: String, videos: [ObjectId] = [], owner: ObjectId)
    {
        self._id = _id
        self.name = name
        self.description = description
        self.videos = videos
        self.owner = owner
        self.createdAt = .now()
        self.updatedAt = createdAt
    }

    public enum Rules {
        public static let name = TextRule("name", length: 1...100)
        public static let description = TextRule("description", length: 0...1000, multiline: true)
    }

    public mutating func validate() throws(ValidationError) {
        var v = Validator()
        v.apply(Rules.name, to: &name)
        v.apply(Rules.description, to: &description)
        try v.finish()
    }
}
