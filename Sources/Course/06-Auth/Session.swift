// `sessions`: one document per login — a phone, a laptop, a browser — so that logging in on one
// device never logs out another, and logging out means that device's tokens stop working at once.

import BSON
import Crypto
import Foundation
import Models

/// One login. Its `_id` is the session id, `sid` in every token it issues.
public struct Session: Model {
    public static let collectionName = "sessions"
    /// `user`: a user's sessions. `expiresAt`: a TTL index, so the database itself deletes a
    /// session once it has expired. MongoDB's TTL monitor, and the embedded store's, run every 60 s.
    public static let indexes: [IndexModel] = [.lookup(["user": 1]), .expiring("expiresAt")]
    /// At most this many sessions per user: the least recently used ends when one more starts.
    public static let maxPerUser = 10

    public var _id: ObjectId
    public var user: ObjectId
    /// SHA-256 (hex) of the current refresh token's `jti`: the database never holds a token that
    /// works, so a leaked copy of it logs nobody in.
    public var tokenHash: String
    /// The `User-Agent` the login came with, for the user's list of sessions.
    public var userAgent: String
    public var createdAt: BSONDate
    public var updatedAt: BSONDate
    /// The last login or refresh.
    public var lastUsedAt: BSONDate
    /// When its refresh token expires; each refresh moves it on.
    public var expiresAt: BSONDate

    public init(
        _id: ObjectId = ObjectId(), user: ObjectId, refreshTokenId: String, userAgent: String, now: Date, lifetime: Int
    ) {
        self._id = _id
        self.user = user
        self.tokenHash = Self.digest(refreshTokenId)
        self.userAgent = String(userAgent.prefix(256))
        let stamp = BSONDate(now)
        self.createdAt = stamp
        self.updatedAt = stamp
        self.lastUsedAt = stamp
        self.expiresAt = BSONDate(now.addingTimeInterval(Double(lifetime)))
    }

    public mutating func validate() throws(ValidationError) {
        var v = Validator()
        v.require(tokenHash.count == 64, "tokenHash", "tokenHash must be a SHA-256 digest")
        try v.finish()
    }

    /// SHA-256 of a refresh token's id, in hex: what a session stores and compares.
    public static func digest(_ refreshTokenId: String) -> String {
        SHA256.hash(data: Data(refreshTokenId.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
