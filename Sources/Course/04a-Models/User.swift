// `users`: the accounts, and each one's channel. Node: `models/user.model.js`.

import BSON

@dynamicMemberLookup
public struct User: Model {
    public static let collectionName = "users"
    public static let indexes: [IndexModel] = [
        .unique(["username": 1]),
        .unique(["email": 1]),
        .lookup(["watchHistory": 1]),  // whose history holds a video (a deleted video leaves them all)
    ]

    /// How many videos a watch history keeps: the most recent.
    public static let historyLimit = 100

    /// Everything a client may see: `user.username`, `user.email`, … read through it. The
    /// password lives beside it, not in it, so an answer built from `profile` cannot leak it.
    public var profile: PublicUser
    /// The bcrypt hash of chapter 05; never sent to a client.
    public var password: String
    /// The media storage's ids of the avatar and cover image, from chapter 08, so that a replaced
    /// image can be deleted from storage. Documents written by the Node version have none.
    public var avatarId: String?
    public var coverImageId: String?

    public init(
        _id: ObjectId = ObjectId(), username: String, email: String, fullName: String, avatar: String = "",
        coverImage: String = "",
        watchHistory: [ObjectId] = [], password: String
    ) {
        let now = BSONDate.now()
        profile = PublicUser(
            _id: _id, username: username, email: email, fullName: fullName, avatar: avatar, coverImage: coverImage,
            watchHistory: watchHistory, createdAt: now, updatedAt: now)
        self.password = password
    }

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<PublicUser, T>) -> T {
        get { profile[keyPath: keyPath] }
        set { profile[keyPath: keyPath] = newValue }
    }

    public var _id: ObjectId { profile._id }
    public var createdAt: BSONDate {
        get { profile.createdAt }
        set { profile.createdAt = newValue }
    }
    public var updatedAt: BSONDate {
        get { profile.updatedAt }
        set { profile.updatedAt = newValue }
    }

    public enum Rules {
        public static let username = TextRule(
            "username", length: 3...30, lowercases: true,
            check: Formats.isUsername,
            message: "username may contain only a-z, 0-9, _ and .")
        /// **Fix:** the Node schema misspelt `lowecase`, so `A@x.com` and `a@x.com` could register twice.
        public static let email = TextRule(
            "email", length: 3...254, lowercases: true, check: Formats.isEmail,
            message: "email must be a valid email address")
        public static let fullName = TextRule("fullName", length: 1...100)
        /// "" in chapters 04–06; from chapter 08 registering requires an avatar.
        public static let avatar = TextRule(
            "avatar", length: 0...2048, check: Formats.isMediaURL, message: "avatar must be a URL")
        public static let coverImage = TextRule(
            "coverImage", length: 0...2048, check: Formats.isMediaURL, message: "coverImage must be a URL")
    }

    public mutating func validate() throws(ValidationError) {
        var v = Validator()
        v.apply(Rules.username, to: &profile.username)
        v.apply(Rules.email, to: &profile.email)
        v.apply(Rules.fullName, to: &profile.fullName)
        v.apply(Rules.avatar, to: &profile.avatar)
        v.apply(Rules.coverImage, to: &profile.coverImage)
        v.require(!password.isEmpty, "password", "password is required")
        try v.finish()
    }

    /// The projection that leaves the secrets in the database: `select("-password -refreshToken")`.
    /// (Refresh tokens live in chapter 06's sessions, as hashes; a user written by the Node
    /// version may still carry a `refreshToken` field until it logs in here.)
    public static let withoutSecrets: Document = ["password": 0, "refreshToken": 0]

    // One flat document, as the Node version stores it: the profile's fields, then the rest.
    enum StoredKeys: String, CodingKey { case password, avatarId, coverImageId }

    public func encode(to encoder: any Encoder) throws {
        try profile.encode(to: encoder)
        var c = encoder.container(keyedBy: StoredKeys.self)
        try c.encode(password, forKey: .password)
        try c.encodeIfPresent(avatarId, forKey: .avatarId)
        try c.encodeIfPresent(coverImageId, forKey: .coverImageId)
    }

    public init(from decoder: any Decoder) throws {
        profile = try PublicUser(from: decoder)
        let c = try decoder.container(keyedBy: StoredKeys.self)
        password = try c.decode(String.self, forKey: .password)
        avatarId = try c.decodeIfPresent(String.self, forKey: .avatarId)
        coverImageId = try c.decodeIfPresent(String.self, forKey: .coverImageId)
    }
}

/// A user as clients see it, and as `verifyJWT` loads it: no password, no refresh token.
/// Documents written by the Node version may lack `avatar`, `coverImage` or `watchHistory`.
public struct PublicUser: Codable, Sendable, Equatable {
    public var _id: ObjectId
    public var username: String
    public var email: String
    public var fullName: String
    public var avatar: String
    public var coverImage: String
    public var watchHistory: [ObjectId]
    public var createdAt: BSONDate
    public var updatedAt: BSONDate

    public init(
        _id: ObjectId, username: String, email: String, fullName: String, avatar: String, coverImage: String,
        watchHistory: [ObjectId],
        createdAt: BSONDate, updatedAt: BSONDate
    ) {
        self._id = _id
        self.username = username
        self.email = email
        self.fullName = fullName
        self.avatar = avatar
        self.coverImage = coverImage
        self.watchHistory = watchHistory
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        _id = try c.decode(ObjectId.self, forKey: ._id)
        username = try c.decode(String.self, forKey: .username)
        email = try c.decode(String.self, forKey: .email)
        fullName = try c.decode(String.self, forKey: .fullName)
        avatar = try c.decodeIfPresent(String.self, forKey: .avatar) ?? ""
        coverImage = try c.decodeIfPresent(String.self, forKey: .coverImage) ?? ""
        watchHistory = try c.decodeIfPresent([ObjectId].self, forKey: .watchHistory) ?? []
        createdAt = try c.decode(BSONDate.self, forKey: .createdAt)
        updatedAt = try c.decode(BSONDate.self, forKey: .updatedAt)
    }
}

/// "Owner summary": how a video's, comment's or tweet's owner is shown.
public struct OwnerSummary: Codable, Sendable, Equatable {
    public var _id: ObjectId
    public var username: String
    public var fullName: String
    public var avatar: String

    /// The `$project` stage body that reduces a user document to this summary.
    public static let projection: Document = ["_id": 1, "username": 1, "fullName": 1, "avatar": 1]
}
