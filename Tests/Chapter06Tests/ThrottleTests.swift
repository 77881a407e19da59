// Password guessing is not free, and a flood of logins cannot take every hashing thread: per
// address and per account rate limits (429 with Retry-After), a bounded hashing queue (503 with
// Retry-After), and unknown users costing a hash like wrong passwords.

import App
import Auth
import BSON
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Passwords
import TestSupport
import Testing

@testable import Chapter06

/// Chapter 06 with these limits, counted in memory: a memory window starts at its first event,
/// so no window can end in the middle of a test (the shared counts' windows are on the clock's
/// minutes; they are tested below with a day-long window).
func throttledApp(_ variables: [String: String]) async throws -> some ApplicationProtocol {
    var settings = tokenVariables
    settings["RATE_LIMIT_COUNTS"] = "memory"
    settings.merge(variables) { $1 }
    return try await buildChapter06(
        config: .testing(settings), database: try await TestBackend.embedded.connectedDatabase(), logger: Logger(label: "t"))
}

@Suite struct Throttling {
    @Test func anAccountGetsItsTriesThen429WithRetryAfter() async throws {
        try await throttledApp(["AUTH_RATE_LIMIT_PER_ACCOUNT": "3"]).test(.router) { client in
            try await client.call(.post, "/api/v1/users/register", json: registerAsha)
            for _ in 0..<3 {
                let wrong = try await client.call(.post, "/api/v1/users/login", json: #"{"username": "asha", "password": "guess guess"}"#)
                #expect(wrong.status == .unauthorized)
            }
            let blocked = try await client.call(.post, "/api/v1/users/login", json: #"{"username": "ASHA", "password": "chai aur code"}"#)
            #expect(blocked.status == .tooManyRequests)
            let wait = try #require(Int(blocked.headers[.retryAfter] ?? ""))
            #expect((1...60).contains(wait))
            #expect(try json(blocked.body)["message"]?.stringValue == "Too many attempts; try again in \(wait) seconds")
            // Another account is not blocked by Asha's.
            let other = try await client.call(.post, "/api/v1/users/login", json: #"{"username": "ravi", "password": "chai aur code"}"#)
            #expect(other.status == .notFound)
        }
    }

    @Test func anAddressGetsItsTriesAcrossLoginAndRegister() async throws {
        try await throttledApp(["AUTH_RATE_LIMIT_PER_ADDRESS": "4"]).test(.router) { client in
            #expect(try await client.call(.post, "/api/v1/users/register", json: registerAsha).status == .created)
            for _ in 0..<3 {
                _ = try await client.call(.post, "/api/v1/users/login", json: #"{"username": "asha", "password": "guess guess"}"#)
            }
            #expect(
                try await client.call(.post, "/api/v1/users/login", json: #"{"username": "asha", "password": "chai aur code"}"#).status
                    == .tooManyRequests)
            #expect(try await client.call(.post, "/api/v1/users/register", json: registerAsha).status == .tooManyRequests)
            // Routes that check no password are not throttled.
            #expect(try await client.call(.get, "/api/v1/healthcheck").status == .ok)
        }
    }

    @Test func aFullHashingQueueIs503WithRetryAfterAndUnknownUsersHashToo() async throws {
        try await throttledApp(["BCRYPT_COST": "10", "BCRYPT_QUEUE_LIMIT": "1"]).test(.router) { client in
            #expect(try await client.call(.post, "/api/v1/users/register", json: registerAsha).status == .created)
            // Logins naming no user: each still spends a hash (else they could not fill the queue).
            let responses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for i in 0..<6 {
                    group.addTask {
                        let r = try await client.call(
                            .post, "/api/v1/users/login", json: #"{"username": "nobody\#(i)", "password": "chai aur code"}"#)
                        return (r.status, r.headers[.retryAfter])
                    }
                }
                return try await group.reduce(into: [(HTTPResponse.Status, String?)]()) { $0.append($1) }
            }
            let busy = responses.filter { $0.0 == .serviceUnavailable }
            #expect(!busy.isEmpty && busy.allSatisfy { $0.1 == "1" })
            #expect(responses.allSatisfy { $0.0 == .serviceUnavailable || $0.0 == .notFound })
            // Once the queue has drained, logins go through again.
            #expect(try await client.call(.post, "/api/v1/users/login", json: #"{"username": "asha", "password": "chai aur code"}"#).status == .ok)
        }
    }

    @Test func theLimiterCountsAWindowPerKey() async throws {
        let limiter = RateLimiter(limit: 2, window: 60)
        #expect(try await limiter.admit("a") == nil)
        #expect(try await limiter.admit("a") == nil)
        let wait = try await limiter.admit("a")
        #expect(wait != nil && (1...60).contains(wait!))
        #expect(try await limiter.admit("b") == nil)
    }

    /// Limits are kept per account found and per address: an attacker's failures from one
    /// address do not lock out the owner at another, and the ceiling still holds across both.
    @Test func anAccountIsLimitedPerAddressWithACeilingAcrossThem() async throws {
        let throttle = Throttle(perAddress: 0, perAccount: 2, accountCeiling: 3)
        try await throttle.admit(account: "asha", from: "10.0.0.1")
        try await throttle.admit(account: "asha", from: "10.0.0.1")
        await #expect(throws: TooManyAttempts.self) { try await throttle.admit(account: "asha", from: "10.0.0.1") }
        try await throttle.admit(account: "asha", from: "10.0.0.2")  // the owner, elsewhere
        await #expect(throws: TooManyAttempts.self) { try await throttle.admit(account: "asha", from: "10.0.0.3") }  // the ceiling
        try await throttle.admit(account: "ravi", from: "10.0.0.1")
    }

    /// Counts kept in the database are shared: two throttles on one collection (two instances
    /// of the server behind a load balancer) reach one account's limit together, on every backend.
    @Test(arguments: TestBackend.available)
    func instancesSharingADatabaseCountTogether(backend: TestBackend) async throws {
        let database = try await backend.freshDatabase()
        let first = Throttle(perAddress: 0, perAccount: 3, accountCeiling: 0, window: 86_400, counts: database.collection("ratelimits"))
        let second = Throttle(perAddress: 0, perAccount: 3, accountCeiling: 0, window: 86_400, counts: database.collection("ratelimits"))
        try await first.createIndexes()
        try await first.admit(account: "asha", from: "10.0.0.1")
        try await second.admit(account: "asha", from: "10.0.0.1")
        try await first.admit(account: "asha", from: "10.0.0.1")
        await #expect(throws: TooManyAttempts.self) { try await second.admit(account: "asha", from: "10.0.0.1") }
        try await second.admit(account: "asha", from: "10.0.0.2")  // another address has its own count
        let index = try await database.collection("ratelimits").listIndexes().first { $0["key"] == ["expiresAt": 1] }
        #expect(index?["expireAfterSeconds"]?.int64Value == 0)  // the database empties finished windows
    }

    /// Over a real socket: X-Forwarded-For is ignored unless the socket is a trusted proxy;
    /// then each client address has its own tries at an account.
    @Test func theOwnerLogsInFromElsewhereWhileAnAttackerIsLimited() async throws {
        let app = try await throttledApp(["AUTH_RATE_LIMIT_PER_ACCOUNT": "3", "TRUSTED_PROXIES": "127.0.0.1"])
        try await app.test(.live) { client in
            #expect(try await client.call(.post, "/api/v1/users/register", json: registerAsha).status == .created)
            let attacker: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "203.0.113.7"]
            let owner: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "198.51.100.2"]
            for _ in 0..<3 {
                let wrong = try await client.call(
                    .post, "/api/v1/users/login", json: #"{"username": "asha", "password": "guess guess"}"#, headers: attacker)
                #expect(wrong.status == .unauthorized)
            }
            let blocked = try await client.call(
                .post, "/api/v1/users/login", json: #"{"username": "asha", "password": "chai aur code"}"#, headers: attacker)
            #expect(blocked.status == .tooManyRequests)
            let mine = try await client.call(
                .post, "/api/v1/users/login", json: #"{"email": "asha@example.com", "password": "chai aur code"}"#, headers: owner)
            #expect(mine.status == .ok)
        }
        // Without TRUSTED_PROXIES the header is the client's word, and is ignored.
        try await throttledApp(["AUTH_RATE_LIMIT_PER_ACCOUNT": "2"]).test(.live) { client in
            #expect(try await client.call(.post, "/api/v1/users/register", json: registerAsha).status == .created)
            for i in 0..<2 {
                let headers: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "203.0.113.\(i)"]
                _ = try await client.call(.post, "/api/v1/users/login", json: #"{"username": "asha", "password": "guess guess"}"#, headers: headers)
            }
            let headers: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "203.0.113.99"]
            let third = try await client.call(
                .post, "/api/v1/users/login", json: #"{"username": "asha", "password": "guess guess"}"#, headers: headers)
            #expect(third.status == .tooManyRequests)
        }
    }

    /// A made-up username beside a real email finds no one (both must name one account), so it
    /// can neither walk around the account's limit nor be used to guess its password.
    @Test func aUsernameAndAnEmailMustNameTheSameAccount() async throws {
        try await throttledApp(["AUTH_RATE_LIMIT_PER_ACCOUNT": "3"]).test(.router) { client in
            #expect(try await client.call(.post, "/api/v1/users/register", json: registerAsha).status == .created)
            for i in 0..<8 {
                let mixed = try await client.call(
                    .post, "/api/v1/users/login", json: #"{"username": "x\#(i)", "email": "asha@example.com", "password": "chai aur code"}"#)
                #expect(mixed.status == .notFound)
            }
            let both = #"{"username": "asha", "email": "asha@example.com", "password": "chai aur code"}"#
            #expect(try await client.call(.post, "/api/v1/users/login", json: both).status == .ok)
        }
    }

    /// change-password checks a password: its guesses are limited like logins'.
    @Test func changePasswordGuessesAreLimited() async throws {
        try await throttledApp(["AUTH_RATE_LIMIT_PER_ACCOUNT": "3"]).test(.router) { client in
            #expect(try await client.call(.post, "/api/v1/users/register", json: registerAsha).status == .created)
            let login = try await client.call(.post, "/api/v1/users/login", json: #"{"username": "asha", "password": "chai aur code"}"#)
            let token = try #require(try json(login.body).data?["accessToken"]?.stringValue)
            let auth: HTTPFields = [.authorization: "Bearer \(token)"]
            // The login counted once; two more wrong guesses, then 429.
            var answers: [HTTPResponse.Status] = []
            for _ in 0..<3 {
                let r = try await client.call(
                    .post, "/api/v1/users/change-password", json: #"{"oldPassword": "guess guess", "newPassword": "new password 1"}"#, headers: auth)
                answers.append(r.status)
            }
            #expect(answers == [.badRequest, .badRequest, .tooManyRequests])
        }
    }

    /// refresh-token is limited per address too.
    @Test func refreshesAreLimitedPerAddress() async throws {
        try await throttledApp(["AUTH_RATE_LIMIT_REFRESH": "2"]).test(.router) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<3 { statuses.append(try await client.call(.post, "/api/v1/users/refresh-token", json: #"{"refreshToken": "x"}"#).status) }
            #expect(statuses == [.unauthorized, .unauthorized, .tooManyRequests])
        }
    }
}

@Suite struct DeviceCookiesSpareTheOwner {
    /// 55 wrong passwords from 11 addresses reach the account-wide ceiling (50 a minute); the owner,
    /// whose browser signed in before and keeps its device cookie, still logs in from a new address;
    /// a new device, a forged cookie and another account's cookie get 429.
    @Test func anAttackFromManyAddressesDoesNotLockTheOwnerOut() async throws {
        let settings = ["AUTH_RATE_LIMIT_PER_ACCOUNT": "5", "AUTH_RATE_LIMIT_ACCOUNT_CEILING": "50", "TRUSTED_PROXIES": "127.0.0.0/8, ::1"]
        try await throttledApp(settings).test(.live) { client in
            func login(_ password: String, from address: String, device: String? = nil, as name: String = "asha") async throws -> TestResponse {
                var headers: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: address]
                if let device { headers[.cookie] = "deviceToken=\(device)" }
                return try await client.call(
                    .post, "/api/v1/users/login", json: #"{"username": "\#(name)", "password": "\#(password)"}"#, headers: headers)
            }
            #expect(try await client.call(.post, "/api/v1/users/register", json: registerAsha).status == .created)
            let ravi = #"{"fullName": "Ravi", "email": "ravi@example.com", "username": "ravi", "password": "chai aur code"}"#
            #expect(try await client.call(.post, "/api/v1/users/register", json: ravi).status == .created)
            func deviceCookie(_ response: TestResponse) -> String? {
                response.headers[values: .setCookie].first { $0.hasPrefix("deviceToken=") }.map { String($0.dropFirst(12).prefix { $0 != ";" }) }
            }
            let owner = try #require(deviceCookie(try await login("chai aur code", from: "10.0.0.200")))
            let others = try #require(deviceCookie(try await login("chai aur code", from: "10.0.0.201", as: "ravi")))
            var statuses: [HTTPResponse.Status] = []
            for address in 1...11 {
                for _ in 0..<5 { statuses.append(try await login("guess guess", from: "10.0.1.\(address)").status) }
            }
            #expect(statuses.last == .tooManyRequests && statuses.filter { $0 == .unauthorized }.count <= 49)  // the ceiling held
            let again = try await login("chai aur code", from: "10.0.2.1", device: owner)
            #expect(again.status == .ok)
            #expect(deviceCookie(again) == nil)  // a known device keeps its cookie
            #expect(try await login("chai aur code", from: "10.0.2.2").status == .tooManyRequests)  // a new device
            #expect(try await login("chai aur code", from: "10.0.2.3", device: owner + "x").status == .tooManyRequests)  // forged
            #expect(try await login("chai aur code", from: "10.0.2.4", device: others).status == .tooManyRequests)  // Ravi's device
        }
    }
}

@Suite struct ProxiesAndAddresses {
    /// TRUSTED_PROXIES takes single addresses and CIDR ranges, IPv4 and IPv6; a typo stops start-up.
    @Test func trustedProxiesAreAddressesOrRanges() throws {
        let proxies = try TrustedProxies(["127.0.0.1", "10.0.0.0/8", "172.16.0.0/12", "fd00::/8", "::1"])
        for inside in ["127.0.0.1", "10.1.2.3", "172.31.255.254", "fd12:3456::1", "::1", "::ffff:10.9.9.9"] {
            #expect(proxies.contains(inside), "\(inside)")
        }
        for outside in ["127.0.0.2", "11.0.0.1", "172.32.0.1", "fe80::1", "::2", "unknown", ""] { #expect(!proxies.contains(outside), "\(outside)") }
        for bad in ["10.0.0.0/33", "fd00::/129", "localhost", "10.0.0/8", "1.2.3.4/x"] {
            #expect(throws: ConfigError.self, "\(bad)") { try TrustedProxies([bad]) }
        }
        #expect(throws: ConfigError.self) { try Throttle({ $0 == "TRUSTED_PROXIES" ? "10.0.0.0/8, nonsense" : nil }) }
        #expect(try Throttle({ $0 == "TRUSTED_PROXIES" ? "10.0.0.0/8, 127.0.0.1" : nil }).trustedProxies.contains("10.200.0.1"))
    }

    /// One IPv6 subscriber has a /64: the limits count the /64, not each of its 2^64 addresses.
    @Test func ipv6ClientsAreCountedByTheirSlash64() {
        #expect(TrustedProxies.bucket("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64")
        #expect(TrustedProxies.bucket("2001:db8:1:2::ffff") == "2001:db8:1:2::/64")
        #expect(TrustedProxies.bucket("2001:db8:1:3::1") == "2001:db8:1:3::/64")
        #expect(TrustedProxies.bucket("192.0.2.7") == "192.0.2.7")
    }

    /// Behind a proxy on a range, clients from one /64 share one count of login tries.
    @Test func addressesOfOneSlash64ShareTheirTries() async throws {
        try await throttledApp(["AUTH_RATE_LIMIT_PER_ACCOUNT": "3", "TRUSTED_PROXIES": "127.0.0.0/8, ::1"]).test(.live) { client in
            #expect(try await client.call(.post, "/api/v1/users/register", json: registerAsha).status == .created)
            var statuses: [HTTPResponse.Status] = []
            for n in 1...4 {
                let from: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "2001:db8:7:7::\(n)"]
                statuses.append(
                    try await client.call(.post, "/api/v1/users/login", json: #"{"username": "asha", "password": "guess guess"}"#, headers: from)
                        .status)
            }
            #expect(statuses == [.unauthorized, .unauthorized, .unauthorized, .tooManyRequests])
            let elsewhere: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "2001:db8:7:8::1"]
            #expect(
                try await client.call(.post, "/api/v1/users/login", json: #"{"username": "asha", "password": "chai aur code"}"#, headers: elsewhere)
                    .status == .ok)
        }
    }
}
