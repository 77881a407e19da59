/// `users`: the accounts, and each one's channel. (Node: `models/user.model.js`.)
import BSON

public struct User: Model {
    public static let collectionName = "users"
    public static let indexes: [IndexModel] = [
        .unique(["username": 1]),
        .unique(["email": 1]),
    ]

    public var _id: ObjectId
    /// Unique, lowercase, trimmed; 3–30 of `a-z 0-9 _ .` (it appears in channel URLs).
    public var username: String
    /// Unique, lowercase, trimmed. **Fix:** the Node schema misspelt `lowecase`, so
    /// `A@x.com` and `a@x.com` could register twice.
    public var email: String
    public var fullName: String
    /// The avatar's URL ("" until chapter 07's uploads, where registering requires one).
    public var avatar: String
    public var coverImage: String
    /// Videos this user watched, most recent first.
    public var watchHistory: [ObjectId]
    /// The bcrypt hash (chapter 05); never sent to a client.
    public var password: String
    /// The one refresh token currently valid for this user (chapter 06); never sent to a client.
    public var refreshToken: String?
    public var createdAt: BSONDate
    public var updatedAt: BSONDate

    public init(
        _id: ObjectId = ObjectId(), username: String, email: String, fullName: String, avatar: String = "", coverImage: String = "",
        watchHistory: [ObjectId] = [], password: String, refreshToken: String? = nil
    ) {
        self._id = _id
        self.username = username
        self.email = email
        self.fullName = fullName
        self.avatar = avatar
        self.coverImage = coverImage
        self.watchHistory = watchHistory
        self.password = password
        self.refreshToken = refreshToken
        self.createdAt = .now()
        self.updatedAt = createdAt
    }

    public enum Rules {
        public static let username = TextRule(
            "username", length: 3...30, lowercases: true,
            check: { $0.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "." } },
            message: "username may contain only a-z, 0-9, _ and .")
        public static let email = TextRule("email", length: 3...254, lowercases: true, check: Formats.isEmail, message: "email must be a valid email address")
        public static let fullName = TextRule("fullName", length: 1...100)
        public static let avatar = TextRule("avatar", length: 0...2048, check: Formats.isMediaURL, message: "avatar must be a URL")
        public static let coverImage = TextRule("coverImage", length: 0...2048, check: Formats.isMediaURL, message: "coverImage must be a URL")
    }

    public mutating func validate() throws(ValidationError) {
        var v = Validator()
        v.apply(Rules.username, to: &username)
        v.apply(Rules.email, to: &email)
        v.apply(Rules.fullName, to: &fullName)
        v.apply(Rules.avatar, to: &avatar)
        v.apply(Rules.coverImage, to: &coverImage)
        v.require(!password.isEmpty, "password", "password is required")
        try v.finish()
    }

    /// What clients may see: everything but `password` and `refreshToken`.
    public var publicProfile: PublicUser {
        PublicUser(
            _id: _id, username: username, email: email, fullName: fullName, avatar: avatar, coverImage: coverImage,
            watchHistory: watchHistory, createdAt: createdAt, updatedAt: updatedAt)
    }

    /// The projection that leaves the secrets in the database: `select("-password -refreshToken")`.
    public static let withoutSecrets: Document = ["password": 0, "refreshToken": 0]

    // Documents written by the Node version may lack the optional fields: the public ones
    // decode as `PublicUser` does, then the secrets.
    public init(from decoder: any Decoder) throws {
        let shown = try PublicUser(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            _id: shown._id, username: shown.username, email: shown.email, fullName: shown.fullName, avatar: shown.avatar,
            coverImage: shown.coverImage, watchHistory: shown.watchHistory, password: try c.decode(String.self, forKey: .password),
            refreshToken: try c.decodeIfPresent(String.self, forKey: .refreshToken))
        createdAt = shown.createdAt
        updatedAt = shown.updatedAt
    }
}

/// A user as clients see it (and as `verifyJWT` loads it): no password, no refresh token.
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
        _id: ObjectId, username: String, email: String, fullName: String, avatar: String, coverImage: String, watchHistory: [ObjectId],
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
