// Chapter 06: token settings, jwt-kit tokens in jsonwebtoken's format (checked against PyJWT
// both ways), and every way a token is refused.

import Auth
import BSON
import Foundation
import Models
import TestSupport
import Testing

let accessSecret = "access-secret-for-tests-0123456789abcdef"
let refreshSecret = "refresh-secret-for-tests-0123456789abcdef"
let testSettings = TokenSettings(accessSecret: accessSecret, accessLifetime: 900, refreshSecret: refreshSecret, refreshLifetime: 864_000)

let sampleSession = ObjectId("65a1b2c3d4e5f60718293a4c")!
let sampleUser = User(
    _id: ObjectId("65a1b2c3d4e5f60718293a4b")!, username: "asha", email: "asha@example.com", fullName: "Asha Rao", password: "*")

@Suite struct TokenSettingsTests {
    @Test(arguments: [
        ("1d", 86_400), ("10d", 864_000), ("15m", 900), ("90s", 90), ("1h", 3600), ("2 days", 172_800), ("1w", 604_800), (" 7D ", 604_800),
    ])
    func lifetimesReadAsJsonwebtokenReadsThem(_ text: String, _ seconds: Int) throws {
        #expect(try TokenSettings.seconds(text, name: "X") == seconds)
    }

    @Test(arguments: ["3600", "", "0d", "-1d", "1 fortnight", "d", "1.5h", "999999999d"])
    func otherLifetimesAreRefusedAtStartUp(_ text: String) {
        #expect(throws: TokenSettingsError.self) { try TokenSettings.seconds(text, name: "ACCESS_TOKEN_EXPIRY") }
    }

    @Test func missingSecretsAreRandomWithAWarningAndEqualOnesAreRefused() throws {
        var warnings: [String] = []
        let generated = try TokenSettings({ _ in nil }, warnings: &warnings)
        #expect(generated.accessSecret.count == 64 && generated.accessSecret != generated.refreshSecret)
        #expect(generated.accessLifetime == 86_400 && generated.refreshLifetime == 864_000)
        #expect(warnings.count == 2)
        var more: [String] = []
        let same = String(repeating: "s", count: 40)
        #expect(throws: TokenSettingsError("ACCESS_TOKEN_SECRET and REFRESH_TOKEN_SECRET must differ")) {
            try TokenSettings({ $0.hasSuffix("SECRET") ? same : nil }, warnings: &more)
        }
    }

    /// The course's sample secrets are short words; HMAC-SHA-256 wants 32 bytes, and jwt-kit's
    /// debug build traps on fewer (it did, with SIGILL). One clear start-up error instead.
    @Test func aShortSecretStopsStartUpSayingHowToMakeOne() {
        var warnings: [String] = []
        let settings = ["ACCESS_TOKEN_SECRET": "chai-aur-code", "REFRESH_TOKEN_SECRET": String(repeating: "r", count: 32)]
        #expect(
            throws: TokenSettingsError(
                "ACCESS_TOKEN_SECRET is 13 bytes long; use at least 32 random bytes (make one with: openssl rand -hex 32)")
        ) { try TokenSettings({ settings[$0] }, warnings: &warnings) }
    }
}

@Suite(.enabled(if: PythonHelpers.shouldRun, Comment(rawValue: PythonHelpers.skipReason)))
struct JWTInterop {
    let tokens = TokenService(testSettings)

    @Test func pyJWTVerifiesOurTokensAndSeesTheNodeClaimsAndTheSession() async throws {
        let pair = try await tokens.issue(for: sampleUser, session: sampleSession).pair
        let access = try PythonHelpers.run(
            """
            import jwt, sys, json
            claims = jwt.decode(sys.argv[1], sys.argv[2], algorithms=["HS256"])
            header = jwt.get_unverified_header(sys.argv[1])
            print(json.dumps([header["alg"], header["typ"], sorted(claims), claims["_id"], claims["exp"] - claims["iat"], type(claims["exp"]).__name__]))
            """, [pair.accessToken, accessSecret])
        // The Node claims, plus the session id.
        #expect(access == #"["HS256", "JWT", ["_id", "email", "exp", "fullName", "iat", "sid", "username"], "65a1b2c3d4e5f60718293a4b", 900, "int"]"#)
        let refresh = try PythonHelpers.run(
            "import jwt, sys, json; c = jwt.decode(sys.argv[1], sys.argv[2], algorithms=['HS256']); print(json.dumps([c['_id'], c['exp'] - c['iat']]))",
            [pair.refreshToken, refreshSecret])
        #expect(refresh == #"["65a1b2c3d4e5f60718293a4b", 864000]"#)
        // The access token is not a refresh token: PyJWT refuses it with the refresh secret.
        #expect(throws: (any Error).self) {
            try PythonHelpers.run("import jwt, sys; jwt.decode(sys.argv[1], sys.argv[2], algorithms=['HS256'])", [pair.accessToken, refreshSecret])
        }
    }

    @Test func weVerifyTokensPyJWTSigns() async throws {
        let token = try PythonHelpers.run(
            """
            import jwt, sys, time
            now = int(time.time())
            print(jwt.encode({"_id": "65a1b2c3d4e5f60718293a4b", "email": "asha@example.com", "username": "asha", "fullName": "Asha Rao",
                              "iat": now, "exp": now + 60}, sys.argv[1], algorithm="HS256"))
            """, [accessSecret])
        let claims = try await tokens.verifyAccess(token)
        #expect(claims._id == "65a1b2c3d4e5f60718293a4b" && claims.username == "asha" && claims.fullName == "Asha Rao")
        // A refresh token as jsonwebtoken makes it ({_id, iat, exp}, no jti) verifies too.
        let refresh = try PythonHelpers.run(
            "import jwt, sys, time; n = int(time.time()); print(jwt.encode({'_id': '65a1b2c3d4e5f60718293a4b', 'iat': n, 'exp': n + 60}, sys.argv[1], algorithm='HS256'))",
            [refreshSecret])
        #expect(try await tokens.verifyRefresh(refresh)._id == "65a1b2c3d4e5f60718293a4b")
    }

    /// Tokens made by PyJWT that must all be refused, and why. (A payload that does not decode
    /// into the claims, missing or mistyped, is what jwt-kit calls a malformed token.)
    @Test(arguments: [
        ("alg none", #"jwt.encode(claims, None, algorithm="none")"#, TokenError.wrongAlgorithm),
        ("HS512 with the right secret", #"jwt.encode(claims, secret, algorithm="HS512")"#, .wrongAlgorithm),
        ("HS384 with the right secret", #"jwt.encode(claims, secret, algorithm="HS384")"#, .wrongAlgorithm),
        ("another secret", #"jwt.encode(claims, "not-the-secret-0123456789abcdef01234", algorithm="HS256")"#, .badSignature),
        ("expired", #"jwt.encode(dict(claims, iat=now - 120, exp=now - 60), secret, algorithm="HS256")"#, .expired),
        ("missing claims", #"jwt.encode({"_id": claims["_id"], "iat": now, "exp": now + 60}, secret, algorithm="HS256")"#, .malformed),
        ("exp of the wrong type", #"jwt.encode(dict(claims, exp="tomorrow"), secret, algorithm="HS256")"#, .malformed),
        (
            "RS256 header (key confusion)", #"".".join(["eyJhbGciOiJSUzI1NiJ9"] + jwt.encode(claims, secret, algorithm="HS256").split(".")[1:])"#,
            .wrongAlgorithm
        ),
    ])
    func refusedTokens(_ name: String, _ expression: String, _ expected: TokenError) async throws {
        let token = try PythonHelpers.run(
            """
            import jwt, sys, time
            now = int(time.time()); secret = sys.argv[1]
            claims = {"_id": "65a1b2c3d4e5f60718293a4b", "email": "a@example.com", "username": "a", "fullName": "A", "iat": now, "exp": now + 600}
            print(\(expression))
            """, [accessSecret])
        await #expect(throws: expected, "\(name)") { _ = try await tokens.verifyAccess(token) }
    }
}

@Suite struct Refusals {
    let tokens = TokenService(testSettings)

    @Test func tamperedMalformedAndCrossedTokensAreRefused() async throws {
        let pair = try await tokens.issue(for: sampleUser, session: sampleSession).pair
        var parts = pair.accessToken.split(separator: ".").map(String.init)
        // Change one claim (fullName) and keep the signature: the MAC no longer matches.
        let forged = #"{"_id":"65a1b2c3d4e5f60718293a4b","email":"asha@example.com","username":"asha","fullName":"Admin","iat":1,"exp":99999999999}"#
        parts[1] = Data(forged.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
        await #expect(throws: TokenError.badSignature) { _ = try await tokens.verifyAccess(parts.joined(separator: ".")) }
        for garbage in ["", "abc", "a.b", "a.b.c.d", "!!!.???.***", String(repeating: "a", count: 9000)] {
            await #expect(throws: TokenError.malformed, "\(garbage.prefix(20))") { _ = try await tokens.verifyAccess(garbage) }
        }
        // Each kind of token is signed with its own secret.
        await #expect(throws: TokenError.badSignature) { _ = try await tokens.verifyAccess(pair.refreshToken) }
        await #expect(throws: TokenError.badSignature) { _ = try await tokens.verifyRefresh(pair.accessToken) }
        // A token that expired a second ago.
        let old = try await tokens.issue(for: sampleUser, session: sampleSession, now: Date().addingTimeInterval(-901)).pair
        await #expect(throws: TokenError.expired) { _ = try await tokens.verifyAccess(old.accessToken) }
    }

    @Test func everyRefreshTokenIsUniqueEvenWithinOneSecond() async throws {
        let now = Date()
        let a = try await tokens.issue(for: sampleUser, session: sampleSession, now: now).pair
        let b = try await tokens.issue(for: sampleUser, session: sampleSession, now: now).pair
        #expect(a.refreshToken != b.refreshToken)
        #expect(try await tokens.verifyRefresh(a.refreshToken).jti != tokens.verifyRefresh(b.refreshToken).jti)
        // Same claims, same second: the access token carries no id of its own. (The tokens' text
        // may still differ: jwt-kit writes the header's keys in no fixed order.)
        #expect(try await tokens.verifyAccess(a.accessToken) == tokens.verifyAccess(b.accessToken))
    }
}

@Suite struct Chapter06Executable {
    @Test func aShortSecretStopsTheDebugBuildWithOneClearLineNotATrap() throws {
        let run = try ChapterProcess.run(
            "Chapter06", environment: ["ACCESS_TOKEN_SECRET": "chai-aur-code", "PORT": "18998", "DATA_DIR": "data"],
            in: try ChapterProcess.scratchDirectory(), timeout: 20)
        #expect(run.status == 1)
        #expect(run.output.contains("ACCESS_TOKEN_SECRET is 13 bytes long; use at least 32 random bytes (make one with: openssl rand -hex 32)"))
    }

    @Test func aBadLifetimeStopsStartUpWithOneClearLine() throws {
        let run = try ChapterProcess.run(
            "Chapter06", environment: ["ACCESS_TOKEN_EXPIRY": "3600", "PORT": "18999", "DATA_DIR": "data"], in: try ChapterProcess.scratchDirectory(),
            timeout: 20)
        #expect(run.status == 1)
        #expect(run.output.contains(#"ACCESS_TOKEN_EXPIRY must be a duration such as 15m, 1h, 1d or 10d, not "3600""#))
    }

    @Test func withoutSecretsItWarnsAndServesTheRoutes() async throws {
        let port = 26_000 + Int.random(in: 0..<2000)
        let server = try ChapterServer.start("Chapter06", port: port, environment: ["BCRYPT_COST": "4"])
        defer { server.stop() }
        #expect(server.startupLine.contains("refresh-token"))
        let registered = try await TestHTTP.send("POST", port: port, "/api/v1/users/register", json: registerAsha)
        #expect(registered.status == 201)
        let login = try await TestHTTP.send("POST", port: port, "/api/v1/users/login", json: #"{"username": "asha", "password": "chai aur code"}"#)
        let access = try #require(login.body["data"]?.documentValue?["accessToken"]?.stringValue)
        let me = try await TestHTTP.send("GET", port: port, "/api/v1/users/current-user", headers: ["Authorization": "Bearer \(access)"])
        #expect(me.status == 200 && me.body["data"]?.documentValue?["username"] == "asha")
        kill(server.pid, SIGTERM)
        let output = server.wait(timeout: 10).output
        #expect(output.contains("ACCESS_TOKEN_SECRET is not set: using a random secret"))
    }
}
