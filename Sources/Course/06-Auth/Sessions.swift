// Sessions: logging in, refreshing with rotation and reuse detection, logging out, and
// changing the password. The user's document keeps the one refresh token that is currently
// valid (the Node version's `refreshToken` field).
//
// ```mermaid
// sequenceDiagram
//     participant C as client
//     participant S as server
//     C->>S: POST /refresh-token (R1)
//     S->>S: verify R1's signature and expiry
//     S->>S: findOneAndUpdate({_id, refreshToken: R1}, {$set: {refreshToken: R2}})
//     S-->>C: 200 {accessToken: A2, refreshToken: R2}
//     C->>S: POST /refresh-token (R1 again: stolen, or replayed)
//     S->>S: no user holds R1 → reuse: $unset refreshToken
//     S-->>C: 401, and R2 no longer works either
// ```
//
// The swap is one atomic update conditioned on the presented token, so two requests racing
// with the same token cannot both win: one rotates, the other is treated as reuse.
import BSON
import Foundation
import Models
import Passwords

public struct Sessions: Sendable {
    public let users: ModelCollection<User>
    public let tokens: TokenService
    public let hasher: PasswordHasher

    /// `users` must hash passwords on save (`Collections(db, userBeforeSave: hasher.hashOnSave)`).
    public init(users: ModelCollection<User>, tokens: TokenService, hasher: PasswordHasher) {
        self.users = users
        self.tokens = tokens
        self.hasher = hasher
    }

    public enum Failure: Error, Equatable, Sendable {
        case unknownUser, wrongPassword, invalidRefreshToken, refreshTokenReused, wrongOldPassword
    }

    /// Checks the credentials and starts a session: a new token pair, its refresh token stored.
    public func login(_ login: User.Login) async throws -> (user: User, tokens: TokenPair) {
        guard let user = try await users.findForLogin(login) else { throw Failure.unknownUser }
        guard try await hasher.isPasswordCorrect(login.password, for: user) else { throw Failure.wrongPassword }
        let pair = try await tokens.issue(for: user)
        guard let stored = try await users.updateById(user._id, ["$set": ["refreshToken": .string(pair.refreshToken)]]) else {
            throw Failure.unknownUser  // deleted in between
        }
        return (stored, pair)
    }

    /// Exchanges a valid, current refresh token for a new pair; the presented one stops working.
    /// A token that verifies but is no longer the stored one has been used already: the
    /// session is revoked (whoever holds the newer token must log in again).
    public func refresh(_ presented: String) async throws -> TokenPair {
        let claims: RefreshClaims
        do { claims = try await tokens.verifyRefresh(presented) } catch { throw Failure.invalidRefreshToken }
        guard let id = ObjectId(claims._id), let user = try await users.findById(id) else { throw Failure.invalidRefreshToken }
        let pair = try await tokens.issue(for: user)
        let rotated = try await users.updateOne(
            ["_id": .objectId(id), "refreshToken": .string(presented)], ["$set": ["refreshToken": .string(pair.refreshToken)]])
        guard rotated != nil else {
            try await users.updateById(id, ["$unset": ["refreshToken": ""]])
            throw Failure.refreshTokenReused
        }
        return pair
    }

    /// Ends the session: the stored refresh token is removed.
    public func logout(_ userId: ObjectId) async throws {
        try await users.updateById(userId, ["$unset": ["refreshToken": ""]])
    }

    /// Checks the old password, stores the new one (hashed by the save hook) and ends every
    /// session: the stored refresh token is removed, so no refresh token issued before works.
    public func changePassword(_ userId: ObjectId, old: String, new: String) async throws {
        try PasswordHasher.validateNew(new, field: "newPassword")
        guard let user = try await users.findById(userId) else { throw Failure.unknownUser }
        guard try await hasher.isPasswordCorrect(old, for: user) else { throw Failure.wrongOldPassword }
        try await users.updateById(userId, ["$set": ["password": .string(new)], "$unset": ["refreshToken": ""]])
    }
}
