// Chapter 06's sessions: one per device. Two devices never log each other out; a replayed
// refresh token ends only its own session; logout and change-password end access tokens at
// once; at most ten sessions per user; no refresh token is ever stored in clear. On every backend.

import Auth
import BSON
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import Models
import NIOCore
import Storage
import TestSupport
import Testing

/// One device's view: its tokens, and the User-Agent it sends.
struct Device {
    let name: String
    var access: String
    var refresh: String

    var headers: HTTPFields { [.authorization: "Bearer \(access)", .userAgent: name] }
}

extension TestClientProtocol {
    /// Logs Asha in from a device (registering her first when asked).
    func login(_ name: String, password: String = "chai aur code") async throws -> Device {
        let response = try await call(
            .post, "/api/v1/users/login", json: #"{"username": "asha", "password": "\#(password)"}"#, headers: [.userAgent: name])
        try #require(response.status == .ok, "login from \(name)")
        let data = try #require(try json(response.body).data)
        return Device(name: name, access: data["accessToken"]?.stringValue ?? "", refresh: data["refreshToken"]?.stringValue ?? "")
    }

    /// Refreshes the device's tokens; returns the status, and on 200 the device's new tokens.
    func refresh(_ device: inout Device) async throws -> HTTPResponse.Status {
        let response = try await call(.post, "/api/v1/users/refresh-token", headers: cookie("refreshToken", device.refresh))
        if response.status == .ok, let data = try json(response.body).data {
            device.access = data["accessToken"]?.stringValue ?? ""
            device.refresh = data["refreshToken"]?.stringValue ?? ""
        }
        return response.status
    }

    func me(_ device: Device) async throws -> HTTPResponse.Status {
        try await call(.get, "/api/v1/users/current-user", headers: device.headers).status
    }

    func refreshStatus(_ token: String) async throws -> HTTPResponse.Status {
        try await call(.post, "/api/v1/users/refresh-token", headers: cookie("refreshToken", token)).status
    }
}

/// A refresh token as the Node version signs it: `{_id, iat, exp}`.
struct NodeRefreshClaims: JWTPayload {
    var _id: String
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    func verify(using algorithm: some JWTAlgorithm) throws { try exp.verifyNotExpired() }
}

@Suite struct SessionsPerDevice {
    @Test(arguments: TestBackend.available)
    func twoDevicesRefreshInAnyInterleavingAndBothStayLoggedIn(_ backend: TestBackend) async throws {
        let (app, _, sessions) = try await authApp(backend)
        try await app.test(.router) { client in
            try await client.call(.post, "/api/v1/users/register", json: registerAsha)
            var laptop = try await client.login("laptop")
            var phone = try await client.login("phone")
            for turn in ["laptop", "phone", "phone", "laptop", "laptop", "phone", "laptop"] {
                let status = turn == "laptop" ? try await client.refresh(&laptop) : try await client.refresh(&phone)
                #expect(status == .ok, "\(turn)")
            }
            #expect(try await client.me(laptop) == .ok)
            #expect(try await client.me(phone) == .ok)
            #expect(try await sessions.count() == 2)
        }
    }

    /// The database deletes expired sessions itself: `expiresAt` has a TTL index, on every backend.
    @Test(arguments: TestBackend.available)
    func expiredSessionsHaveATTLIndex(_ backend: TestBackend) async throws {
        let (app, _, sessions) = try await authApp(backend)
        try await app.test(.router) { client in
            try await client.call(.post, "/api/v1/users/register", json: registerAsha)
            _ = try await client.login("laptop")
            let ttl = try await sessions.storage.listIndexes().first { $0["key"] == ["expiresAt": 1] }
            #expect(ttl?["expireAfterSeconds"]?.int64Value == 0)
        }
    }

    /// The session starts once the password is checked: it is never last used before it began.
    @Test(arguments: TestBackend.available)
    func aNewSessionIsNotLastUsedBeforeItWasCreated(_ backend: TestBackend) async throws {
        let (app, _, sessions) = try await authApp(backend)
        try await app.test(.router) { client in
            try await client.call(.post, "/api/v1/users/register", json: registerAsha)
            _ = try await client.login("laptop")
            let session = try #require(try await sessions.find().first)
            #expect(session.createdAt <= session.lastUsedAt, "created \(session.createdAt), last used \(session.lastUsedAt)")
        }
    }

    /// A session lasts at most SESSION_MAX_LIFETIME (30 days) from its login: refreshing moves
    /// its end no later than that, and past it the refresh is refused and the session ends.
    @Test(arguments: TestBackend.available)
    func aSessionHasAnAbsoluteLifetime(_ backend: TestBackend) async throws {
        let (app, _, sessions) = try await authApp(backend)
        try await app.test(.router) { client in
            try await client.call(.post, "/api/v1/users/register", json: registerAsha)
            var laptop = try await client.login("laptop")
            let day: Double = 86_400
            func startSession(daysAgo: Double) async throws {
                let started = BSONDate(Date().addingTimeInterval(-daysAgo * day))
                try await sessions.storage.updateMany([:], ["$set": ["createdAt": .datetime(started)]])
            }
            try await startSession(daysAgo: 25)
            #expect(try await client.refresh(&laptop) == .ok)
            // Ten more days of refresh would pass the 30-day end: the session ends at it instead.
            let session = try #require(try await sessions.find().first)
            let end = session.createdAt.millisecondsSince1970 + Int64(30 * day * 1000)
            #expect(session.expiresAt.millisecondsSince1970 <= end)
            try await startSession(daysAgo: 31)
            let refused = try await client.call(.post, "/api/v1/users/refresh-token", headers: cookie("refreshToken", laptop.refresh))
            #expect(refused.status == .unauthorized)
            #expect(try json(refused.body)["message"] == "Session expired: log in again")
            #expect(try await sessions.find().isEmpty)
        }
    }

    /// A deleted user's sessions end with them: the first refresh that finds the user gone ends
    /// every one of their sessions, on every device, not only its own.
    @Test(arguments: TestBackend.available)
    func aDeletedUsersSessionsEndWithThem(_ backend: TestBackend) async throws {
        let (app, collections, sessions) = try await authApp(backend)
        try await app.test(.router) { client in
            try await client.call(.post, "/api/v1/users/register", json: registerAsha)
            let laptop = try await client.login("laptop")
            _ = try await client.login("phone")
            #expect(try await sessions.count() == 2)
            try await collections.users.storage.deleteOne(["username": "asha"])
            #expect(try await client.refreshStatus(laptop.refresh) == .unauthorized)
            #expect(try await sessions.count() == 0)
        }
    }

    /// A session whose `expiresAt` has passed is over, even while its document still exists (a
    /// TTL index deletes expired documents only about once a minute): its refresh token, though
    /// its own `exp` is still ahead, rotates nothing.
    @Test(arguments: TestBackend.available)
    func anExpiredSessionRotatesNothingBeforeItsDocumentIsGone(_ backend: TestBackend) async throws {
        let (app, _, sessions) = try await authApp(backend)
        try await app.test(.router) { client in
            try await client.call(.post, "/api/v1/users/register", json: registerAsha)
            let laptop = try await client.login("laptop")
            try await sessions.storage.updateMany([:], ["$set": ["expiresAt": .datetime(BSONDate(Date().addingTimeInterval(-1)))]])
            #expect(try await client.refreshStatus(laptop.refresh) == .unauthorized)
            #expect(try await sessions.storage.findOne(["expiresAt": ["$gt": .datetime(BSONDate(Date()))]]) == nil)  // nothing extended it
        }
    }

    @Test(arguments: TestBackend.available)
    func aReplayedTokenEndsOnlyItsOwnSession(_ backend: TestBackend) async throws {
        try await authApp(backend).app.test(.router) { client in
            try await client.call(.post, "/api/v1/users/register", json: registerAsha)
            var laptop = try await client.login("laptop")
            var phone = try await client.login("phone")
            let stolen = laptop.refresh
            #expect(try await client.refresh(&laptop) == .ok)
            // The old token comes back (a thief, or a replay): that session ends, the laptop with it.
            let replay = try await client.call(.post, "/api/v1/users/refresh-token", headers: cookie("refreshToken", stolen))
            #expect(replay.status == .unauthorized)
            #expect(try json(replay.body)["message"] == "Refresh token is expired or used")
            #expect(try await client.refreshStatus(laptop.refresh) == .unauthorized)
            #expect(try await client.me(laptop) == .unauthorized)  // its access token too, at once
            // The phone's session is another family: untouched.
            #expect(try await client.me(phone) == .ok)
            #expect(try await client.refresh(&phone) == .ok)
        }
    }

    @Test(arguments: TestBackend.available)
    func logoutEndsThisDeviceAtOnceAndLeavesTheOther(_ backend: TestBackend) async throws {
        try await authApp(backend).app.test(.router) { client in
            try await client.call(.post, "/api/v1/users/register", json: registerAsha)
            let laptop = try await client.login("laptop")
            var phone = try await client.login("phone")
            #expect(try await client.call(.post, "/api/v1/users/logout", headers: laptop.headers).status == .ok)
            #expect(try await client.me(laptop) == .unauthorized)  // not when it expires: now
            #expect(try await client.refreshStatus(laptop.refresh) == .unauthorized)
            #expect(try await client.me(phone) == .ok)
            #expect(try await client.refresh(&phone) == .ok)
        }
    }

    @Test(arguments: TestBackend.available)
    func changingThePasswordEndsEveryDevice(_ backend: TestBackend) async throws {
        let (app, _, sessions) = try await authApp(backend)
        try await app.test(.router) { client in
            try await client.call(.post, "/api/v1/users/register", json: registerAsha)
            let laptop = try await client.login("laptop")
            let phone = try await client.login("phone")
            let changed = try await client.call(
                .post, "/api/v1/users/change-password", json: #"{"oldPassword": "chai aur code", "newPassword": "masala chai 2"}"#,
                headers: laptop.headers)
            #expect(changed.status == .ok)
            #expect(changed.headers[values: .setCookie].allSatisfy { $0.contains("Max-Age=0") })
            for device in [laptop, phone] {
                #expect(try await client.me(device) == .unauthorized, "\(device.name)")
                #expect(try await client.refreshStatus(device.refresh) == .unauthorized, "\(device.name)")
            }
            #expect(try await sessions.count() == 0)
            _ = try await client.login("laptop", password: "masala chai 2")
        }
    }

    @Test(arguments: TestBackend.available)
    func theEleventhLoginEndsTheLeastRecentlyUsedSession(_ backend: TestBackend) async throws {
        let (app, _, sessions) = try await authApp(backend)
        try await app.test(.router) { client in
            try await client.call(.post, "/api/v1/users/register", json: registerAsha)
            var devices: [Device] = []
            for i in 0..<Session.maxPerUser { devices.append(try await client.login("device \(i)")) }
            try await Task.sleep(for: .milliseconds(5))
            #expect(try await client.refresh(&devices[0]) == .ok)  // the oldest login is now the most recently used
            _ = try await client.login("device 10")
            #expect(try await sessions.count() == Session.maxPerUser)
            #expect(try await client.me(devices[1]) == .unauthorized)  // the least recently used ended
            #expect(try await client.me(devices[0]) == .ok)
            for device in devices[2...] { #expect(try await client.me(device) == .ok, "\(device.name)") }
        }
    }

    @Test(arguments: TestBackend.available)
    func eightConcurrentRefreshesOfOneTokenLeaveAtMostOneLiveToken(_ backend: TestBackend) async throws {
        let (app, _, sessions) = try await authApp(backend)
        try await app.test(.router) { client in
            try await client.call(.post, "/api/v1/users/register", json: registerAsha)
            let tab = try await client.login("browser")
            let results = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let response = try await client.call(.post, "/api/v1/users/refresh-token", headers: cookie("refreshToken", tab.refresh))
                        return (response.status, try json(response.body).data?["refreshToken"]?.stringValue)
                    }
                }
                return try await group.reduce(into: [(HTTPResponse.Status, String?)]()) { $0.append($1) }
            }
            #expect(results.filter { $0.0 == .ok }.count == 1)
            #expect(results.filter { $0.0 == .unauthorized }.count == 7)
            // The winner's session survives, or ended as reuse; never two live tokens for it.
            var live = 0
            for token in [tab.refresh] + results.compactMap(\.1) where try await client.refreshStatus(token) == .ok { live += 1 }
            #expect(live <= 1)
            #expect(try await sessions.count() <= 1)
        }
    }

    @Test(arguments: TestBackend.available)
    func theSessionsListAndTheTwoDeletes(_ backend: TestBackend) async throws {
        try await authApp(backend).app.test(.router) { client in
            try await client.call(.post, "/api/v1/users/register", json: registerAsha)
            let laptop = try await client.login("laptop")
            let phone = try await client.login("phone")
            let tablet = try await client.login("tablet")
            let listed = try await client.call(.get, "/api/v1/users/sessions", headers: laptop.headers)
            #expect(listed.status == .ok)
            let list = try #require(try json(listed.body)["data"]?.arrayValue?.compactMap(\.documentValue))
            #expect(list.map { $0["userAgent"]?.stringValue ?? "" } == ["tablet", "phone", "laptop"])  // newest first
            #expect(list.map { $0["current"] } == [false, false, true])
            #expect(list.allSatisfy { $0.keys == ["_id", "createdAt", "lastUsedAt", "userAgent", "current"] })

            // Ending the phone's session from the laptop.
            let phoneId = try #require(list[1]["_id"]?.stringValue)
            #expect(try await client.call(.delete, "/api/v1/users/sessions/\(phoneId)", headers: laptop.headers).status == .ok)
            #expect(try await client.me(phone) == .unauthorized)
            #expect(try await client.call(.delete, "/api/v1/users/sessions/\(phoneId)", headers: laptop.headers).status == .notFound)
            #expect(try await client.call(.delete, "/api/v1/users/sessions/not-an-id", headers: laptop.headers).status == .badRequest)

            // Another user cannot end Asha's sessions: 404, as for a session that does not exist.
            try await client.call(
                .post, "/api/v1/users/register",
                json: #"{"fullName": "Ravi", "email": "ravi@example.com", "username": "ravi", "password": "chai aur code"}"#)
            let ravi = try await client.call(.post, "/api/v1/users/login", json: #"{"username": "ravi", "password": "chai aur code"}"#)
            let raviAccess = try json(ravi.body).data?["accessToken"]?.stringValue
            let tabletId = try #require(list[0]["_id"]?.stringValue)
            #expect(try await client.call(.delete, "/api/v1/users/sessions/\(tabletId)", headers: bearer(raviAccess)).status == .notFound)
            #expect(try await client.me(tablet) == .ok)

            // Every other session: the tablet goes, the laptop stays.
            #expect(try await client.call(.delete, "/api/v1/users/sessions", headers: laptop.headers).status == .ok)
            #expect(try await client.me(tablet) == .unauthorized)
            #expect(try await client.me(laptop) == .ok)
            #expect(try await client.call(.get, "/api/v1/users/sessions").status == .unauthorized)
        }
    }

    @Test(arguments: TestBackend.available)
    func noRefreshTokenIsStoredOrAnsweredInClear(_ backend: TestBackend) async throws {
        let (app, collections, sessions) = try await authApp(backend)
        try await app.test(.router) { client in
            try await client.call(.post, "/api/v1/users/register", json: registerAsha)
            var laptop = try await client.login("laptop")
            let first = laptop.refresh
            #expect(try await client.refresh(&laptop) == .ok)
            var answers = ""
            for path in ["/api/v1/users/current-user", "/api/v1/users/sessions"] {
                answers += String(buffer: try await client.call(.get, path, headers: laptop.headers).body)
            }
            var stored = ""
            for document in try await collections.users.storage.find([:]) + sessions.storage.find([:]) { stored += document.json(.relaxedExtended) }
            for token in [first, laptop.refresh] {
                let jti = try await TokenService(testSettings).verifyRefresh(token).jti ?? "missing"
                for (place, text) in [("answers", answers), ("documents", stored)] {
                    #expect(!text.contains(token) && !text.contains(jti), "\(place)")
                }
            }
            #expect(stored.contains("tokenHash"))
        }
    }

    @Test(arguments: TestBackend.available)
    func aUserWrittenByTheNodeVersionLogsInAgainAndLosesTheClearToken(_ backend: TestBackend) async throws {
        let (app, collections, _) = try await authApp(backend)
        try await app.test(.router) { client in
            try await client.call(.post, "/api/v1/users/register", json: registerAsha)
            // The Node version's refresh token: `{_id, iat, exp}`, no session, kept in clear on the user.
            let user = try #require(try await collections.users.findOne(["username": "asha"]))
            let keys = await JWTKeyCollection().add(hmac: HMACKey(from: refreshSecret), digestAlgorithm: .sha256)
            let nodeToken = try await keys.sign(
                NodeRefreshClaims(_id: user._id.hex, iat: .init(value: Date()), exp: .init(value: Date().addingTimeInterval(600))))
            try await collections.users.storage.updateOne(["username": "asha"], ["$set": ["refreshToken": .string(nodeToken)]])
            #expect(try await client.refreshStatus(nodeToken) == .unauthorized)  // it names no session: log in again
            let laptop = try await client.login("laptop")
            #expect(try await client.me(laptop) == .ok)
            #expect(try await collections.users.storage.findOne(["username": "asha"])?["refreshToken"] == nil)
        }
    }

    @Test(arguments: TestBackend.available)
    func refreshUsesTheCookieWhateverTheBody(_ backend: TestBackend) async throws {
        try await authApp(backend).app.test(.router) { client in
            try await client.call(.post, "/api/v1/users/register", json: registerAsha)
            var laptop = try await client.login("laptop")
            for (type, body) in [("text/plain", "hello"), ("application/json", "{not json"), ("multipart/form-data; boundary=x", "--x--")] {
                var headers = cookie("refreshToken", laptop.refresh)
                headers[.contentType] = type
                let response = try await client.execute(
                    uri: "/api/v1/users/refresh-token", method: .post, headers: headers, body: ByteBuffer(string: body))
                #expect(response.status == .ok, "\(type)")
                laptop.refresh = try json(response.body).data?["refreshToken"]?.stringValue ?? ""
            }
        }
    }
}
