// Chapter 06 over HTTP: the user routes, cookies, verifyJWT, rotation with reuse detection,
// on every storage backend.

import App
import Auth
import BSON
import Database
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ModelRoutes
import Models
import Passwords
import Responses
import Storage
import TestSupport
import Testing

@testable import Chapter06

/// The settings `testSettings` stands for, as a server reads them.
let tokenVariables = [
    "ACCESS_TOKEN_SECRET": accessSecret, "ACCESS_TOKEN_EXPIRY": "15m", "REFRESH_TOKEN_SECRET": refreshSecret, "REFRESH_TOKEN_EXPIRY": "10d",
]

/// Chapter 06's server on a fresh database, built by the function its `main.swift` runs, and
/// the collections to look into that database with.
func authApp(_ backend: TestBackend) async throws -> (app: some ApplicationProtocol, collections: Collections, sessions: ModelCollection<Session>) {
    let database = try await backend.connectedDatabase()
    let app = try await buildChapter06(config: .testing(tokenVariables), database: database, logger: Logger(label: "test"))
    return (app, Collections(database.database), ModelCollection(database.database))
}

let registerAsha = #"{"fullName": "Asha Rao", "email": "asha@example.com", "username": "asha", "password": "chai aur code"}"#

extension TestClientProtocol {
    /// Registers Asha and logs her in; returns the login's response.
    func loggedIn() async throws -> (body: Document, cookies: [String]) {
        try await call(.post, "/api/v1/users/register", json: registerAsha)
        let response = try await call(.post, "/api/v1/users/login", json: #"{"username": "asha", "password": "chai aur code"}"#)
        #expect(response.status == .ok)
        return (try json(response.body), response.headers[values: .setCookie])
    }
}

@Suite struct AuthFlow {
    @Test(arguments: TestBackend.available)
    func loginSetsBothHttpOnlyCookiesAndAnswersTheContractShape(_ backend: TestBackend) async throws {
        try await authApp(backend).app.test(.router) { client in
            let created = try await client.call(.post, "/api/v1/users/register", json: registerAsha)
            #expect(created.status == .created)
            let (body, cookies) = try await client.loggedIn()
            let data = try #require(body.data)
            #expect(data.keys == ["user", "accessToken", "refreshToken"])
            #expect(data["user"]?.documentValue?["username"] == "asha")
            #expect(data["user"]?.documentValue?["password"] == nil && data["user"]?.documentValue?["refreshToken"] == nil)
            #expect(cookies.count == 3)  // and the device cookie (DeviceCookies.swift)
            let device = try #require(cookies.first { $0.hasPrefix("deviceToken=") })
            #expect(device.contains("HttpOnly") && device.contains("Max-Age=31536000"))
            let access = try #require(cookies.first { $0.hasPrefix("accessToken=") })
            let refresh = try #require(cookies.first { $0.hasPrefix("refreshToken=") })
            for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
                #expect(access.contains(attribute) && refresh.contains(attribute), "\(attribute)")
            }
            #expect(access.contains("Max-Age=900") && refresh.contains("Max-Age=864000"))
            #expect(access.contains(data["accessToken"]?.stringValue ?? "missing"))
        }
    }

    @Test func loginErrorsHaveTheirOwnStatus() async throws {
        try await authApp(.embedded).app.test(.router) { client in
            try await client.call(.post, "/api/v1/users/register", json: registerAsha)
            let cases: [(String, HTTPResponse.Status)] = [
                (#"{"password": "chai aur code"}"#, .badRequest),  // neither identifier
                (#"{"email": "ravi@example.com", "password": "chai aur code"}"#, .notFound),
                (#"{"email": "asha@example.com", "password": "chai aur chai"}"#, .unauthorized),
                (#"{"email": {"$ne": null}, "password": "chai aur code"}"#, .badRequest),  // no operator reaches the database
                (#"{"username": "asha"}"#, .badRequest),  // no password
            ]
            for (body, status) in cases {
                let response = try await client.call(.post, "/api/v1/users/login", json: body)
                #expect(response.status == status, "\(body)")
                #expect(response.headers[values: .setCookie].isEmpty)
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func verifyJWTTakesTheCookieOrABearerAndRefusesEverythingElse(_ backend: TestBackend) async throws {
        let (app, collections, sessions) = try await authApp(backend)
        try await app.test(.router) { client in
            let (body, _) = try await client.loggedIn()
            let access = body.data?["accessToken"]?.stringValue
            #expect(try await client.call(.get, "/api/v1/users/current-user", headers: bearer(access)).status == .ok)
            #expect(try await client.call(.get, "/api/v1/users/current-user", headers: [.authorization: "bearer \(access ?? "")"]).status == .ok)
            let viaCookie = try await client.call(.get, "/api/v1/users/current-user", headers: cookie("accessToken", access))
            #expect(viaCookie.status == .ok)
            let me = try json(viaCookie.body).data
            #expect(me?["email"] == "asha@example.com" && me?["password"] == nil && me?["refreshToken"] == nil)

            let refused: [HTTPFields] = [
                [:], bearer(""), bearer("not.a.token"), [.authorization: "Basic YXNoYTpwdw=="], bearer(body.data?["refreshToken"]?.stringValue),
                cookie("accessToken", "garbage"), [.authorization: access ?? ""],
            ]
            for headers in refused {
                let response = try await client.call(.get, "/api/v1/users/current-user", headers: headers)
                #expect(response.status == .unauthorized, "\(headers)")
                #expect(try json(response.body)["success"] == false)
            }
            // The channel profile behind verifyJWT knows who is asking.
            #expect(try await client.call(.get, "/api/v1/users/c/asha").status == .unauthorized)
            #expect(try await client.call(.get, "/api/v1/users/c/asha", headers: bearer(access)).status == .ok)

            // A deleted user's token stops working at once, and a refresh takes their sessions with them.
            try await collections.users.deleteOne(["username": "asha"])
            #expect(try await client.call(.get, "/api/v1/users/current-user", headers: bearer(access)).status == .unauthorized)
            #expect(try await sessions.count() == 1)
            let refresh = body.data?["refreshToken"]?.stringValue ?? ""
            #expect(try await client.call(.post, "/api/v1/users/refresh-token", json: #"{"refreshToken": "\#(refresh)"}"#).status == .unauthorized)
            #expect(try await sessions.count() == 0)
        }
    }

    @Test(arguments: TestBackend.available)
    func refreshRotatesAndAReusedTokenRevokesTheSession(_ backend: TestBackend) async throws {
        try await authApp(backend).app.test(.router) { client in
            let (body, _) = try await client.loggedIn()
            let r1 = try #require(body.data?["refreshToken"]?.stringValue)

            // The cookie alone, with an empty JSON body (what fetch() sends with a JSON header and no body).
            var headers = cookie("refreshToken", r1)
            headers[.contentType] = "application/json"
            let first = try await client.execute(uri: "/api/v1/users/refresh-token", method: .post, headers: headers, body: ByteBuffer())
            #expect(first.status == .ok)
            let pair = try #require(try json(first.body).data)
            #expect(pair.keys == ["accessToken", "refreshToken"])
            let r2 = try #require(pair["refreshToken"]?.stringValue)
            #expect(r2 != r1)
            #expect(first.headers[values: .setCookie].count == 2)
            #expect(try await client.call(.get, "/api/v1/users/current-user", headers: bearer(pair["accessToken"]?.stringValue)).status == .ok)

            // R1 again: it was used. 401, and the session is revoked, so R2 fails as well.
            let replay = try await client.call(.post, "/api/v1/users/refresh-token", json: #"{"refreshToken": "\#(r1)"}"#)
            #expect(replay.status == .unauthorized)
            #expect(try json(replay.body)["message"] == "Refresh token is expired or used")
            #expect(try await client.call(.post, "/api/v1/users/refresh-token", json: #"{"refreshToken": "\#(r2)"}"#).status == .unauthorized)

            // Logging in again starts a new session; the body works as well as the cookie.
            let again = try await client.call(.post, "/api/v1/users/login", json: #"{"email": "asha@example.com", "password": "chai aur code"}"#)
            let r3 = try #require(try json(again.body).data?["refreshToken"]?.stringValue)
            #expect(try await client.call(.post, "/api/v1/users/refresh-token", json: #"{"refreshToken": "\#(r3)"}"#).status == .ok)
            // No token at all, or an access token in its place.
            #expect(try await client.call(.post, "/api/v1/users/refresh-token").status == .unauthorized)
            let access = try json(again.body).data?["accessToken"]?.stringValue ?? ""
            #expect(try await client.call(.post, "/api/v1/users/refresh-token", json: #"{"refreshToken": "\#(access)"}"#).status == .unauthorized)
        }
    }

    @Test(arguments: TestBackend.available)
    func concurrentRefreshesWithOneTokenHaveOneWinner(_ backend: TestBackend) async throws {
        try await authApp(backend).app.test(.router) { client in
            let (body, _) = try await client.loggedIn()
            let r1 = try #require(body.data?["refreshToken"]?.stringValue)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await client.call(.post, "/api/v1/users/refresh-token", headers: cookie("refreshToken", r1)).status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            // The swap is conditioned on the presented token: exactly one request can win it.
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .unauthorized }.count == 7)
        }
    }

    @Test(arguments: TestBackend.available)
    func logoutClearsTheCookiesAndTheStoredToken(_ backend: TestBackend) async throws {
        let (app, _, sessions) = try await authApp(backend)
        try await app.test(.router) { client in
            let (body, _) = try await client.loggedIn()
            let access = body.data?["accessToken"]?.stringValue
            let out = try await client.call(.post, "/api/v1/users/logout", headers: bearer(access))
            #expect(out.status == .ok)
            #expect(try json(out.body).data == [:])
            let cleared = out.headers[values: .setCookie]
            #expect(cleared.count == 2 && cleared.allSatisfy { $0.contains("Max-Age=0") })
            #expect(try await sessions.count() == 0)
            // The access token has not expired, but its session has: verifyJWT refuses it at once.
            let ended = try await client.call(.get, "/api/v1/users/current-user", headers: bearer(access))
            #expect(ended.status == .unauthorized)
            #expect(try json(ended.body)["message"]?.stringValue == "Invalid access token")
            let refresh = body.data?["refreshToken"]?.stringValue ?? ""
            #expect(try await client.call(.post, "/api/v1/users/refresh-token", json: #"{"refreshToken": "\#(refresh)"}"#).status == .unauthorized)
            #expect(try await client.call(.post, "/api/v1/users/logout").status == .unauthorized)
        }
    }

    @Test(arguments: TestBackend.available)
    func changingThePasswordEndsEverySession(_ backend: TestBackend) async throws {
        try await authApp(backend).app.test(.router) { client in
            let (body, _) = try await client.loggedIn()
            let access = body.data?["accessToken"]?.stringValue
            let refresh = body.data?["refreshToken"]?.stringValue ?? ""
            let wrongOld = try await client.call(
                .post, "/api/v1/users/change-password", json: #"{"oldPassword": "guess guess", "newPassword": "masala chai 2"}"#,
                headers: bearer(access))
            #expect(wrongOld.status == .badRequest)
            let weakNew = try await client.call(
                .post, "/api/v1/users/change-password", json: #"{"oldPassword": "chai aur code", "newPassword": "short"}"#, headers: bearer(access))
            #expect(weakNew.status == .badRequest)
            #expect(try json(weakNew.body)["errors"]?.arrayValue?.first?.documentValue?["field"] == "newPassword")
            let changed = try await client.call(
                .post, "/api/v1/users/change-password", json: #"{"oldPassword": "chai aur code", "newPassword": "masala chai 2"}"#,
                headers: bearer(access))
            #expect(changed.status == .ok)
            #expect(try await client.call(.get, "/api/v1/users/current-user", headers: bearer(access)).status == .unauthorized)
            #expect(try await client.call(.post, "/api/v1/users/refresh-token", json: #"{"refreshToken": "\#(refresh)"}"#).status == .unauthorized)
            #expect(
                try await client.call(.post, "/api/v1/users/login", json: #"{"username": "asha", "password": "chai aur code"}"#).status
                    == .unauthorized)
            #expect(try await client.call(.post, "/api/v1/users/login", json: #"{"username": "asha", "password": "masala chai 2"}"#).status == .ok)
        }
    }

    @Test(arguments: TestBackend.available)
    func concurrentRegistrationsOfOneAccountGetExactlyOne201(_ backend: TestBackend) async throws {
        try await authApp(backend).app.test(.router) { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0..<10 {
                    group.addTask {
                        try await client.call(
                            .post, "/api/v1/users/register",
                            json: #"{"fullName": "Racer", "email": "racer\#(i)@example.com", "username": "racer", "password": "chai aur code"}"#
                        ).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 9)
        }
    }

    @Test func registrationValidatesEveryField() async throws {
        try await authApp(.embedded).app.test(.router) { client in
            let response = try await client.call(
                .post, "/api/v1/users/register",
                json: #"{"fullName": " ", "email": "asha-at-example", "username": "as", "password": "chai aur code"}"#)
            #expect(response.status == .badRequest)
            let fields = try json(response.body)["errors"]?.arrayValue?.compactMap { $0.documentValue?["field"]?.stringValue }
            #expect(fields == ["username", "email", "fullName"])
        }
    }
}

@Suite struct VerifyJWTRefusals {
    /// A cookie rides along with every request the browser makes, whichever page asks: verifyJWT
    /// lets a cookie change something only from an allowed origin (CrossSite.swift), while a
    /// Bearer header and a read are let through.
    @Test func aCookieFromAnotherSiteChangesNothing() async throws {
        let (app, _, sessions) = try await authApp(.embedded)
        try await app.test(.router) { client in
            let (body, _) = try await client.loggedIn()
            let access = try #require(body.data?["accessToken"]?.stringValue)
            let rename = #"{"fullName": "Not Asha", "email": "asha@example.com"}"#
            for (header, value) in [(HTTPField.Name.origin, "https://evil.example"), (HTTPField.Name("Sec-Fetch-Site")!, "cross-site")] {
                var headers = cookie("accessToken", access)
                headers[header] = value
                let refused = try await client.call(.patch, "/api/v1/users/update-account", json: rename, headers: headers)
                #expect(refused.status == .forbidden, "\(header): \(value)")
                #expect(try json(refused.body)["message"]?.stringValue?.hasPrefix("Cross-site request refused") == true)
                #expect(try await client.call(.post, "/api/v1/users/logout", headers: headers).status == .forbidden)
                #expect(try await client.call(.get, "/api/v1/users/current-user", headers: headers).status == .ok)  // a read
            }
            #expect(try await sessions.count() == 1)  // the forged logout ended nothing
            var bearerFromAnywhere = bearer(access)
            bearerFromAnywhere[.origin] = "https://evil.example"
            #expect(try await client.call(.patch, "/api/v1/users/update-account", json: rename, headers: bearerFromAnywhere).status == .ok)
        }
    }

    func base64url(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_")
    }

    @Test(arguments: TestBackend.available)
    func noneExpiredTamperedAndWrongSecretTokensAreEach401(_ backend: TestBackend) async throws {
        let (app, collections, sessions) = try await authApp(backend)
        try await app.test(.router) { client in
            let (body, _) = try await client.loggedIn()
            let user = try #require(try await collections.users.findOne(["username": "asha"]))
            let good = try #require(body.data?["accessToken"]?.stringValue)
            let parts = good.split(separator: ".").map(String.init)
            let claims = String(
                decoding: Data(
                    base64Encoded: parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/").padding(
                        toLength: (parts[1].count + 3) / 4 * 4, withPad: "=", startingAt: 0))!, as: UTF8.self)

            let none = base64url(#"{"alg":"none","typ":"JWT"}"#) + "." + parts[1] + "."
            let tampered = parts[0] + "." + base64url(claims.replacingOccurrences(of: "Asha Rao", with: "Admin")) + "." + parts[2]
            let session = try #require(try await sessions.findOne([:]))._id  // her session is live: only the token is at fault
            let expired = try await TokenService(testSettings).issue(for: user, session: session, now: Date().addingTimeInterval(-3600)).pair
                .accessToken
            let otherSecret = TokenSettings(accessSecret: "another-access-secret-0123456789abcdef", refreshSecret: refreshSecret)
            let wrongSecret = try await TokenService(otherSecret).issue(for: user, session: session).pair.accessToken

            #expect(try await client.call(.get, "/api/v1/users/current-user", headers: bearer(good)).status == .ok)
            for (name, token, message) in [
                ("none", none, "Invalid access token"), ("tampered", tampered, "Invalid access token"),
                ("expired", expired, "Access token expired"), ("wrong secret", wrongSecret, "Invalid access token"),
            ] {
                for headers in [bearer(token), cookie("accessToken", token)] {
                    let response = try await client.call(.get, "/api/v1/users/current-user", headers: headers)
                    #expect(response.status == .unauthorized, "\(name)")
                    #expect(try json(response.body)["message"]?.stringValue == message, "\(name)")
                }
            }
        }
    }
}

@Suite struct UpdateAccount {
    @Test(arguments: TestBackend.available)
    func namesAndEmailsChangeByTheSameRulesAndATakenEmailIs409(_ backend: TestBackend) async throws {
        try await authApp(backend).app.test(.router) { client in
            try await client.call(
                .post, "/api/v1/users/register",
                json: #"{"fullName": "Ravi", "email": "ravi@example.com", "username": "ravi", "password": "chai aur code"}"#)
            let (body, _) = try await client.loggedIn()
            let me = bearer(body.data?["accessToken"]?.stringValue)
            let changed = try await client.call(
                .patch, "/api/v1/users/update-account", json: #"{"fullName": "  Asha R. ", "email": " ASHA.R@Example.com"}"#, headers: me)
            #expect(changed.status == .ok)
            let user = try json(changed.body).data
            #expect(user?["fullName"] == "Asha R." && user?["email"] == "asha.r@example.com" && user?["password"] == nil)
            // The new email logs in; someone else's email is taken; missing or bad fields are named.
            #expect(
                try await client.call(.post, "/api/v1/users/login", json: #"{"email": "asha.r@example.com", "password": "chai aur code"}"#).status
                    == .ok)
            let taken = try await client.call(
                .patch, "/api/v1/users/update-account", json: #"{"fullName": "A", "email": "ravi@example.com"}"#, headers: me)
            #expect(taken.status == .conflict)
            let missing = try await client.call(.patch, "/api/v1/users/update-account", json: #"{"email": "not-an-email"}"#, headers: me)
            #expect(missing.status == .badRequest)
            let fields = try json(missing.body)["errors"]?.arrayValue?.compactMap { $0.documentValue?["field"]?.stringValue }
            #expect(fields == ["fullName", "email"])
            #expect(
                try await client.call(.patch, "/api/v1/users/update-account", json: #"{"fullName": "A", "email": "a@b.co"}"#).status == .unauthorized)
        }
    }
}
