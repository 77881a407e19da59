// Chapter 06 — JWT: access and refresh tokens.
//
// After login the server hands out two signed JSON Web Tokens:
//
// - an **access token**, short-lived (`ACCESS_TOKEN_EXPIRY`, e.g. `1d` or `15m`), carrying
//   `{_id, email, username, fullName}` and the session id `sid`: sent with every request, as a
//   cookie or `Authorization: Bearer`;
// - a **refresh token**, long-lived (`REFRESH_TOKEN_EXPIRY`, e.g. `10d`), carrying `{_id, sid,
//   jti}`: sent to one route, `/refresh-token`, to get a new pair when the access token
//   expires. The session keeps a hash of its `jti`, so it can be rotated and revoked: see
//   `SessionStore.swift`.
//
// The course signs them with `jsonwebtoken`: `jwt.sign(payload, secret, {expiresIn})`. Here
// jwt-kit does the signing and checking with HS256, HMAC-SHA-256 with a secret. The format is
// the same compact one, with the same claims: `iat` and `exp` in whole seconds. Tokens pass between
// the two implementations; the tests check that against PyJWT in both directions.

import BSON
import Exercises
import Foundation
import JWTKit
import Models

/// The claims of an access token: the Node version's `{_id, email, username, fullName, iat,
/// exp}`, plus `sid`, the session it belongs to (a token without one, e.g. signed by the Node
/// version, verifies but names no session, so `verifyJWT` refuses it).
public struct AccessClaims: JWTPayload, Equatable {
    public var _id: String
    public var email: String
    public var username: String
    public var fullName: String
    public var sid: String?
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim

    public func verify(using algorithm: some JWTAlgorithm) throws {
        try exp.verifyNotExpired()
    }
}

/// The claims of a refresh token: `{_id, iat, exp}`, plus `sid`, its session, and `jti`, a
/// random id that makes every token unique: the session stores a hash of the current one, so
/// a rotated-away token is told apart from the current one even within the same second.
public struct RefreshClaims: JWTPayload, Equatable {
    public var _id: String
    public var sid: String?
    public var jti: String?
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim

    public func verify(using algorithm: some JWTAlgorithm) throws {
        try exp.verifyNotExpired()
    }
}

/// A freshly signed pair.
public struct TokenPair: Codable, Sendable, Equatable {
    public var accessToken: String
    public var refreshToken: String
}

/// A pair as it is issued: the tokens for the client, and the refresh token's id, its `jti`.
/// The session keeps that id's hash.
public struct IssuedTokens: Sendable, Equatable {
    public var pair: TokenPair
    public var refreshTokenId: String
}

/// Why a token was refused. Each is a 401; the message says which, never jwt-kit's own words.
public enum TokenError: Error, Equatable, Sendable {
    case missing, malformed, wrongAlgorithm, badSignature, expired, invalidClaims
}

/// The token settings from the environment, as `.env.sample` lists them.
public struct TokenSettings: Sendable, Equatable {
    public var accessSecret: String
    public var accessLifetime: Int  // seconds
    public var refreshSecret: String
    public var refreshLifetime: Int
    /// `SESSION_MAX_LIFETIME` (30d): how long a login lasts at most, however often it refreshes.
    /// Without it, a stolen refresh token used once a week would keep a session alive for ever.
    public var sessionLifetime: Int

    public init(
        accessSecret: String, accessLifetime: Int = 86_400, refreshSecret: String, refreshLifetime: Int = 864_000,
        sessionLifetime: Int = 2_592_000
    ) {
        self.accessSecret = accessSecret
        self.accessLifetime = accessLifetime
        self.refreshSecret = refreshSecret
        self.refreshLifetime = refreshLifetime
        self.sessionLifetime = sessionLifetime
    }

    /// Reads `ACCESS_TOKEN_SECRET`, `ACCESS_TOKEN_EXPIRY`, `REFRESH_TOKEN_SECRET`,
    /// `REFRESH_TOKEN_EXPIRY`, `SESSION_MAX_LIFETIME` through a `Settings` lookup. Missing secrets are
    /// replaced by random ones, good until the process stops (so `make run` works with no `.env`), and
    /// `warnings` says so. A secret shorter than `minimumSecretBytes` stops start-up: HMAC-SHA-256
    /// wants a key as long as its output, and jwt-kit's debug builds trap on a shorter one.
    public init(_ lookup: (String) -> String?, warnings: inout [String]) throws(TokenSettingsError) {
        func secret(_ name: String) throws(TokenSettingsError) -> String {
            if let value = lookup(name) {
                guard value.utf8.count >= Self.minimumSecretBytes else {
                    throw TokenSettingsError(
                        "\(name) is \(value.utf8.count) bytes long; "
                            + "use at least \(Self.minimumSecretBytes) random bytes "
                            + "(make one with: openssl rand -hex 32)"
                    )
                }
                return value
            }
            warnings.append(
                "\(name) is not set: using a random secret, so tokens stop working when the server restarts")
            return (0..<4).map { _ in String(format: "%016llx", UInt64.random(in: .min ... .max)) }.joined()
        }
        let accessSecret = try secret("ACCESS_TOKEN_SECRET")
        let refreshSecret = try secret("REFRESH_TOKEN_SECRET")
        guard accessSecret != refreshSecret else {
            throw TokenSettingsError("ACCESS_TOKEN_SECRET and REFRESH_TOKEN_SECRET must differ")
        }
        self.init(
            accessSecret: accessSecret,
            accessLifetime: try Self.seconds(lookup("ACCESS_TOKEN_EXPIRY") ?? "1d", name: "ACCESS_TOKEN_EXPIRY"),
            refreshSecret: refreshSecret,
            refreshLifetime: try Self.seconds(lookup("REFRESH_TOKEN_EXPIRY") ?? "10d", name: "REFRESH_TOKEN_EXPIRY"),
            sessionLifetime: try Self.seconds(lookup("SESSION_MAX_LIFETIME") ?? "30d", name: "SESSION_MAX_LIFETIME"))
    }

    /// A lifetime written the way `jsonwebtoken`'s `expiresIn` reads it, with the `ms` package:
    /// `90s`, `15m`, `1h`, `1d`, `10d`, `2w`, `1y`, also `15 minutes` or `2 days`.
    ///
    /// A bare number is refused: `jsonwebtoken` reads the *string* "3600" as 3600 milliseconds,
    /// 3.6 seconds. That is a classic surprise when the value comes from an environment variable.
    public static func seconds(_ text: String, name: String) throws(TokenSettingsError) -> Int {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = trimmed.prefix { $0.isNumber }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        let units: [(names: [String], seconds: Int)] = [
            (["s", "sec", "secs", "second", "seconds"], 1), (["m", "min", "mins", "minute", "minutes"], 60),
            (["h", "hr", "hrs", "hour", "hours"], 3600), (["d", "day", "days"], 86_400),
            (["w", "week", "weeks"], 604_800),
            (["y", "yr", "yrs", "year", "years"], 31_557_600),
        ]
        guard let n = Int(digits), n > 0, let factor = units.first(where: { $0.names.contains(unit) })?.seconds else {
            throw TokenSettingsError("\(name) must be a duration such as 15m, 1h, 1d or 10d, not \"\(text)\"")
        }
        guard n <= 10 * 31_557_600 / factor else { throw TokenSettingsError("\(name) is longer than ten years") }
        return n * factor
    }
}

extension TokenSettings {
    /// The shortest secret accepted: 32 bytes, the length of an HMAC-SHA-256 output.
    public static let minimumSecretBytes = 32
}

public struct TokenSettingsError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Signs and checks both kinds of token. One key collection per secret, so an access token can
/// never pass as a refresh token or the other way round.
public struct TokenService: Sendable {
    public let settings: TokenSettings
    /// jwt-kit's key collections are actors, filled asynchronously; this task does it once.
    private let keys: Task<(access: JWTKeyCollection, refresh: JWTKeyCollection), Never>

    public init(_ settings: TokenSettings) {
        self.settings = settings
        keys = Task {
            (
                await JWTKeyCollection().add(
                    hmac: HMACKey(from: settings.accessSecret), digestAlgorithm: .sha256, serializer: Self.sortedKeys),
                await JWTKeyCollection().add(
                    hmac: HMACKey(from: settings.refreshSecret), digestAlgorithm: .sha256, serializer: Self.sortedKeys)
            )
        }
    }

    /// Tokens written with sorted keys: the header is always `{"alg":"HS256","typ":"JWT"}`, as
    /// jsonwebtoken writes it, and a payload the same text from one run to the next (Foundation's
    /// encoder keeps no key order on Linux).
    static var sortedKeys: DefaultJWTSerializer {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = .sortedKeys
        return DefaultJWTSerializer(jsonEncoder: encoder)
    }

    /// `user.generateAccessToken()` and `user.generateRefreshToken()`, for one session.
    public func issue(for user: User, session: ObjectId, now: Date = Date()) async throws -> IssuedTokens {
        // EXERCISE 6.1: jwt.sign: the access and refresh tokens of one session
        // Whole seconds, as jsonwebtoken.
        let issued = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let access = AccessClaims(
            _id: user._id.hex, email: user.email, username: user.username, fullName: user.fullName, sid: session.hex,
            iat: .init(value: issued), exp: .init(value: issued.addingTimeInterval(Double(settings.accessLifetime))))
        let jti = ObjectId().hex + String(UInt64.random(in: .min ... .max), radix: 16)
        let refresh = RefreshClaims(
            _id: user._id.hex, sid: session.hex, jti: jti,
            iat: .init(value: issued), exp: .init(value: issued.addingTimeInterval(Double(settings.refreshLifetime))))
        let keys = await keys.value
        let pair = TokenPair(
            accessToken: try await keys.access.sign(access), refreshToken: try await keys.refresh.sign(refresh))
        return IssuedTokens(pair: pair, refreshTokenId: jti)
        // END EXERCISE 6.1
    }

    public func verifyAccess(_ token: String) async throws(TokenError) -> AccessClaims {
        try await Self.verify(token, with: keys.value.access)
    }

    public func verifyRefresh(_ token: String) async throws(TokenError) -> RefreshClaims {
        try await Self.verify(token, with: keys.value.refresh)
    }

    /// Checks the header's `alg` first: only HS256 is accepted. jwt-kit checks the signature
    /// with the key it was given and does not compare the header's algorithm, so the pin is
    /// ours: `alg: none`, `HS512` and `RS256`, the key-confusion attack, are refused before any
    /// cryptography runs.
    static func verify<Claims: JWTPayload>(_ token: String, with keys: JWTKeyCollection) async throws(TokenError)
        -> Claims
    {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, token.utf8.count <= 8192, let header = Base64URL.decode(parts[0]),
            let fields = try? JSONSerialization.jsonObject(with: header) as? [String: Any]
        else { throw .malformed }
        guard fields["alg"] as? String == "HS256" else { throw .wrongAlgorithm }
        do {
            return try await keys.verify(token, as: Claims.self)
        } catch let error as JWTError {
            switch error.errorType {
            case .signatureVerificationFailed: throw .badSignature
            case .claimVerificationFailure: throw error.failedClaim is ExpirationClaim ? .expired : .invalidClaims
            case .malformedToken: throw .malformed
            default: throw .invalidClaims
            }
        } catch {
            throw .invalidClaims  // the payload lacks a claim or has one of the wrong type
        }
    }
}

/// Base64url without padding, RFC 4648 §5, as JWTs use it.
enum Base64URL {
    static func decode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
