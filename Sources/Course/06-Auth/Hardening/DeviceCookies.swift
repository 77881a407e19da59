// Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a browser or
// client that has signed in to an account before keeps a signed `deviceToken` cookie naming that
// account. The account-wide ceiling on login tries (AUTH_RATE_LIMIT_ACCOUNT_CEILING) stops an
// attacker who guesses from many addresses, but it would also stop the owner: with their device
// cookie, the owner's tries are counted for that device alone, so an attack elsewhere does not
// lock them out. A missing, forged or another account's cookie is an unknown device.

import BSON
import Foundation
import JWTKit

/// What a device cookie says: the account it signed in to, and the device's own id.
struct DeviceClaims: JWTPayload {
    var sub: SubjectClaim
    var jti: IDClaim
    var iat: IssuedAtClaim

    func verify(using algorithm: some JWTAlgorithm) throws {}
}

public struct DeviceCookies: Sendable {
    /// A year: a device stays known while it is used.
    public static let lifetime = 365 * 86_400
    private let keys: Task<JWTKeyCollection, Never>

    /// Signed with a key of its own, derived from the refresh secret (never a token that opens a session).
    public init(secret: String) {
        keys = Task { await JWTKeyCollection().add(hmac: HMACKey(from: "device:" + secret), digestAlgorithm: .sha256) }
    }

    /// A new device token for `user`.
    public func issue(for user: ObjectId, now: Date = Date()) async throws -> String {
        try await keys.value.sign(
            DeviceClaims(sub: .init(value: user.hex), jti: .init(value: UUID().uuidString), iat: .init(value: now)))
    }

    /// The account (hex id) a device token signed in to and the device's id; nil for no token or a forged one.
    public func verify(_ token: String?) async -> (account: String, id: String)? {
        guard let token, !token.isEmpty, let claims = try? await keys.value.verify(token, as: DeviceClaims.self) else {
            return nil
        }
        return (claims.sub.value, claims.jti.value)
    }
}
