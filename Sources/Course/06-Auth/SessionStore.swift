// Sessions: one per login, so one per device or browser, each with its own refresh-token family.
//
// The course keeps one `refreshToken` field on the user. Log in on a phone and the laptop's
// token is overwritten; the laptop's next refresh presents a token that is no longer stored,
// and a server that detects reuse must end the session: the two devices keep logging each
// other out. Here every login creates a `sessions` document; its tokens carry its id (`sid`),
// and it keeps a hash of its current refresh token's id (`jti`), never the token.
//
// ```mermaid
// sequenceDiagram
//     participant A as laptop (session A)
//     participant B as phone (session B)
//     participant S as server
//     A->>S: login → session A, tokens (A1)
//     B->>S: login → session B, tokens (B1)
//     A->>S: POST /refresh-token (A1)
//     S->>S: findOneAndUpdate({_id: A, tokenHash: h(A1.jti)}, {$set: {tokenHash: h(A2.jti)}})
//     S-->>A: 200 (A2)
//     B->>S: POST /refresh-token (B1): session B, untouched by A
//     S-->>B: 200 (B2)
// ```
//
// Rotation is one atomic update conditioned on the presented token's hash, so two requests
// racing with one token cannot both win. A token of a live session that verifies but is not
// its current one was rotated away already: it has been used twice, by the client and by
// someone else: a thief, or a replay. That session ends, by RFC 9700's token-family rule, and
// the user's other sessions go on.

import BSON
import Exercises
import Foundation
import Models
import Passwords
import Storage

public struct SessionStore: Sendable {
    public let users: ModelCollection<User>
    public let sessions: ModelCollection<Session>
    public let tokens: TokenService
    public let hasher: PasswordHasher

    /// `users` must hash passwords on save: `Collections(db, userBeforeSave: hasher.hashOnSave)`.
    public init(
        users: ModelCollection<User>, sessions: ModelCollection<Session>, tokens: TokenService, hasher: PasswordHasher
    ) {
        self.users = users
        self.sessions = sessions
        self.tokens = tokens
        self.hasher = hasher
    }

    public enum Failure: Error, Equatable, Sendable {
        case unknownUser, wrongPassword, invalidRefreshToken, refreshTokenReused, wrongOldPassword, unknownSession
        /// The session is older than `SESSION_MAX_LIFETIME`: refreshing no longer extends it.
        case sessionExpired
    }

    /// The sessions' indexes: a user's sessions are looked up by `user`.
    public func createIndexes() async throws {
        for index in Session.indexes { try await sessions.storage.createIndex(index.keys, options: index.options) }
    }

    // MARK: Logging in and refreshing

    /// Checks the credentials and starts a session with a new token pair. The user's expired
    /// sessions are purged here, and beyond `Session.maxPerUser` the least recently used end.
    /// `now` is when the session starts: by default the moment the password has been checked.
    /// bcrypt takes a while, and so the session's `lastUsedAt` is never before its `createdAt`.
    /// `admit` applies the login limits to the account found, before its password is checked;
    /// it throws to refuse.
    public func login(
        _ login: User.Login, userAgent: String?, now: Date? = nil, admit: (ObjectId) async throws -> Void = { _ in }
    ) async throws -> (user: User, tokens: TokenPair) {
        guard hasher.hasRoom else { throw PasswordError.busy }  // a flood is refused before any query
        guard let user = try await users.findForLogin(login) else {
            try await hasher.verifyAgainstNoOne(login.password)  // as slow as a wrong password
            throw Failure.unknownUser
        }
        try await admit(user._id)
        guard try await hasher.isPasswordCorrect(login.password, for: user) else { throw Failure.wrongPassword }
        let now = now ?? Date()
        let id = ObjectId()
        let issued = try await tokens.issue(for: user, session: id, now: now)
        try await sessions.deleteMany(["user": .objectId(user._id), "expiresAt": ["$lte": .datetime(BSONDate(now))]])
        try await sessions.insert(
            Session(
                _id: id, user: user._id, refreshTokenId: issued.refreshTokenId, userAgent: userAgent ?? "",
                now: now, lifetime: min(tokens.settings.refreshLifetime, tokens.settings.sessionLifetime)),
            at: BSONDate(now))  // created and last used at the same instant
        try await endLeastRecentlyUsed(of: user._id)
        // A user written by the Node version may still carry its one refresh token in clear.
        try await users.storage.updateOne(
            ["_id": .objectId(user._id), "refreshToken": ["$exists": true]], ["$unset": ["refreshToken": ""]])
        return (user, issued.pair)
    }

    /// Exchanges the session's current refresh token for a new pair; the presented one stops
    /// working. A token of the session that was rotated away already is reuse: the session ends.
    public func refresh(_ presented: String, now: Date = Date()) async throws -> TokenPair {
        // EXERCISE 6.3: refresh-token rotation with reuse detection
        let claims: RefreshClaims
        do { claims = try await tokens.verifyRefresh(presented) } catch { throw Failure.invalidRefreshToken }
        guard let userId = ObjectId(claims._id), let sessionId = claims.sid.flatMap(ObjectId.init), let jti = claims.jti
        else {
            throw Failure.invalidRefreshToken  // signed before sessions existed (or by the Node version): log in again
        }
        guard let user = try await users.findById(userId) else {
            try await sessions.deleteMany(["user": .objectId(userId)])  // the user is gone: so are their sessions
            throw Failure.invalidRefreshToken
        }
        // A session lives at most `sessionLifetime` from its login, however often it refreshes.
        let started = try await sessions.storage.findOne(
            ["_id": .objectId(sessionId), "user": .objectId(userId)], options: FindOptions(projection: ["createdAt": 1])
        )
        guard case .datetime(let createdAt)? = started?["createdAt"] else { throw Failure.invalidRefreshToken }
        let endsAt = Date(
            timeIntervalSince1970: Double(createdAt.millisecondsSince1970) / 1000
                + Double(tokens.settings.sessionLifetime))
        guard now < endsAt else {
            try await sessions.deleteOne(["_id": .objectId(sessionId), "user": .objectId(userId)])
            throw Failure.sessionExpired
        }
        let issued = try await tokens.issue(for: user, session: sessionId, now: now)
        let current: Document = [
            "_id": .objectId(sessionId), "user": .objectId(userId), "tokenHash": .string(Session.digest(jti)),
            "expiresAt": ["$gt": .datetime(BSONDate(now))],
        ]
        let next: Document = [
            "tokenHash": .string(Session.digest(issued.refreshTokenId)), "lastUsedAt": .datetime(BSONDate(now)),
            "expiresAt": .datetime(
                BSONDate(min(now.addingTimeInterval(Double(tokens.settings.refreshLifetime)), endsAt))),
        ]
        guard try await sessions.updateOne(current, ["$set": .document(next)]) != nil else {
            // Not the current token of a live session: used before (reuse), or the session ended.
            let ended = try await sessions.deleteOne(["_id": .objectId(sessionId), "user": .objectId(userId)])
            throw ended ? Failure.refreshTokenReused : Failure.invalidRefreshToken
        }
        return issued.pair
        // END EXERCISE 6.3
    }

    // MARK: What verifyJWT asks

    /// The user, without secrets, if their session `sessionId` is still live. One aggregation
    /// reads the user and, by `$lookup`, that one session: the same single round trip
    /// `verifyJWT` made before sessions existed.
    public func signedInUser(_ userId: ObjectId, session sessionId: ObjectId, now: Date = Date()) async throws
        -> PublicUser?
    {
        var withoutSecrets = User.withoutSecrets
        withoutSecrets["session"] = 0
        let pipeline: [Document] = [
            ["$match": ["_id": .objectId(userId)]],
            [
                "$lookup": [
                    "from": .string(Session.collectionName), "localField": "_id", "foreignField": "user",
                    "as": "session",
                    "pipeline": [
                        ["$match": ["_id": .objectId(sessionId), "expiresAt": ["$gt": .datetime(BSONDate(now))]]],
                        ["$project": ["_id": 1]],
                    ],
                ]
            ],
            ["$match": ["session.0": ["$exists": true]]],
            ["$project": .document(withoutSecrets)],
        ]
        return try await users.aggregate(pipeline).first.map {
            try ModelCollection<User>.decode(PublicUser.self, from: $0)
        }
    }

    // MARK: Ending sessions

    /// A user's sessions, newest first.
    public func list(of userId: ObjectId) async throws -> [Session] {
        try await sessions.find(["user": .objectId(userId)], options: FindOptions(sort: ["createdAt": -1, "_id": -1]))
    }

    /// Ends one of the user's sessions, for logout or `DELETE /sessions/:id`; false when the user
    /// has no such session.
    @discardableResult
    public func end(_ sessionId: ObjectId, of userId: ObjectId) async throws -> Bool {
        try await sessions.deleteOne(["_id": .objectId(sessionId), "user": .objectId(userId)])
    }

    /// Ends every session of the user but `kept`, for `DELETE /sessions`; returns how many ended.
    @discardableResult
    public func endAll(of userId: ObjectId, except kept: ObjectId? = nil) async throws -> Int {
        var filter: Document = ["user": .objectId(userId)]
        if let kept { filter["_id"] = ["$ne": .objectId(kept)] }
        return try await sessions.deleteMany(filter)
    }

    /// Checks the old password, stores the new one, which the save hook hashes, and ends every
    /// session: no token issued before works, here or on any other device.
    public func changePassword(_ userId: ObjectId, old: String, new: String) async throws {
        try PasswordHasher.validateNew(new, field: "newPassword")
        guard let user = try await users.findById(userId) else { throw Failure.unknownUser }
        guard try await hasher.isPasswordCorrect(old, for: user) else { throw Failure.wrongOldPassword }
        try await users.updateById(userId, ["$set": ["password": .string(new)]])
        try await endAll(of: userId)
    }

    /// Beyond `Session.maxPerUser`, the least recently used sessions end.
    func endLeastRecentlyUsed(of userId: ObjectId) async throws {
        let surplus = try await sessions.storage.find(
            ["user": .objectId(userId)],
            options: FindOptions(sort: ["lastUsedAt": -1, "_id": -1], skip: Session.maxPerUser, projection: ["_id": 1]))
        guard !surplus.isEmpty else { return }
        try await sessions.deleteMany(["_id": ["$in": .array(surplus.compactMap { $0["_id"] })]])
    }
}
