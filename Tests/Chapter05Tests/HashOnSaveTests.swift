// Chapter 05: the users' save hook hashes passwords (only when they change), logins find the
// right account, hashes interoperate with Python's bcrypt both ways, and the executable
// registers and checks users without stalling other requests.

import BSON
import Foundation
import Models
import Passwords
import Storage
import TestSupport
import Testing

@Suite struct HashOnSave {
    let hasher = PasswordHasher(cost: 4)

    func users(_ backend: TestBackend) async throws -> ModelCollection<User> {
        let collections = Collections(try await backend.freshDatabase(), userBeforeSave: hasher.hashOnSave)
        try await collections.createIndexes()
        return collections.users
    }

    func registration(_ name: String, password: String = "chai aur code") -> User {
        User(User.Registration(fullName: "User \(name)", email: "\(name)@example.com", username: name, password: password))
    }

    @Test(arguments: TestBackend.available)
    func thePasswordIsStoredAsABcryptHashAndChecksOut(_ backend: TestBackend) async throws {
        let users = try await users(backend)
        let stored = try await users.insert(registration("asha"))
        #expect(stored.password.hasPrefix("$2b$04$") && stored.password.count == 60)
        let raw = try #require(try await users.storage.findOne(["username": "asha"]))
        #expect(raw["password"]?.stringValue == stored.password)  // what is in the database is the hash
        #expect(try await hasher.isPasswordCorrect("chai aur code", for: stored))
        #expect(try await !hasher.isPasswordCorrect("chai aur cod", for: stored))
    }

    @Test(arguments: TestBackend.available)
    func onlyAChangedPasswordIsHashedAgain(_ backend: TestBackend) async throws {
        let users = try await users(backend)
        let stored = try await users.insert(registration("ravi"))
        let renamed = try #require(try await users.updateById(stored._id, ["$set": ["fullName": "Ravi K"]]))
        #expect(renamed.password == stored.password)  // isModified("password") was false
        let changed = try #require(try await users.updateById(stored._id, ["$set": ["password": "a new passphrase"]]))
        #expect(changed.password != stored.password && changed.password.hasPrefix("$2b$"))
        #expect(try await hasher.isPasswordCorrect("a new passphrase", for: changed))
        #expect(try await !hasher.isPasswordCorrect("chai aur code", for: changed))
    }

    @Test(arguments: [
        ("short", "at least 8"), (String(repeating: "a", count: 73), "72 bytes"), (String(repeating: "é", count: 37), "72 bytes"),
        ("nul\u{0}inside!", "NUL"),
    ])
    func badNewPasswordsAreAValidationErrorOnThePasswordField(_ password: String, _ reason: String) async throws {
        let users = try await users(.embedded)
        do {
            try await users.insert(registration("meera", password: password))
            Issue.record("stored a password of \(password.utf8.count) bytes")
        } catch let error as ValidationError {
            #expect(error.issues.map(\.field) == ["password"])
            #expect(error.description.contains(reason), "\(error)")
        }
        #expect(try await users.count() == 0)
    }

    @Test(arguments: TestBackend.available)
    func aLoginMatchesOnlyTheIdentifiersItNames(_ backend: TestBackend) async throws {
        let users = try await users(backend)
        let first = try await users.insert(registration("first"))
        let second = try await users.insert(registration("second"))
        // The Node bug: only an email → {$or: [{}, {email}]} → the first user in the collection.
        #expect(try await users.findForLogin(User.Login(email: "nobody@example.com", password: "x")) == nil)
        #expect(try await users.findForLogin(User.Login(email: " SECOND@example.com", password: "x"))?._id == second._id)
        #expect(try await users.findForLogin(User.Login(username: "First", password: "x"))?._id == first._id)
        await #expect(throws: ValidationError.self) { _ = try await users.findForLogin(User.Login(email: "  ", password: "x")) }
    }

    @Test func theCostComesFromBCRYPT_COST() throws {
        #expect(try PasswordHasher.cost(from: nil) == 10)
        #expect(try PasswordHasher.cost(from: "12") == 12)
        #expect(throws: PasswordError.self) { try PasswordHasher.cost(from: "3") }
        #expect(throws: PasswordError.self) { try PasswordHasher.cost(from: "ten") }
    }
}

@Suite(.enabled(if: PythonHelpers.shouldRun, Comment(rawValue: PythonHelpers.skipReason)))
struct BcryptInterop {
    @Test func pythonsBcryptVerifiesOurHashes() async throws {
        let hasher = PasswordHasher(cost: 10)
        for password in ["chai aur code", "पासवर्ड123", String(repeating: "x", count: 72)] {
            let hash = try await hasher.hash(password)
            let verdict = try PythonHelpers.run(
                "import bcrypt, sys; print(bcrypt.checkpw(sys.argv[1].encode(), sys.argv[2].encode()), bcrypt.checkpw(b'wrong', sys.argv[2].encode()))",
                [password, hash])
            #expect(verdict == "True False", "\(hash)")
        }
    }

    @Test func weVerifyHashesPythonsBcryptMakes() async throws {
        let hasher = PasswordHasher(cost: 4)
        for (prefix, password) in [("2b", "chai aur code"), ("2a", "ünïcødé pass")] {
            let hash = try PythonHelpers.run(
                "import bcrypt, sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(rounds=10, prefix=sys.argv[2].encode())).decode())",
                [password, prefix])
            #expect(hash.hasPrefix("$\(prefix)$10$"))
            #expect(try await hasher.verify(password, against: hash))
            #expect(try await !hasher.verify(password + "!", against: hash))
        }
    }
}

@Suite(.serialized) struct Chapter05Executable {
    @Test func registerThenCheckOverHTTP() async throws {
        let port = 22_000 + Int.random(in: 0..<2000)
        let server = try ChapterServer.start("Chapter05", port: port, environment: ["BCRYPT_COST": "4"])
        defer { server.stop() }
        let body = #"{"fullName": "Asha", "email": "Asha@Example.com", "username": "asha", "password": "chai aur code"}"#
        let created = try await TestHTTP.send("POST", port: port, "/api/v1/users/register", json: body)
        #expect(created.status == 201)
        #expect(created.body["data"]?.documentValue?["email"] == "asha@example.com")
        #expect(created.body["data"]?.documentValue?["password"] == nil)
        #expect(try await TestHTTP.send("POST", port: port, "/api/v1/users/register", json: body).status == 409)

        let right = try await TestHTTP.send("POST", port: port, "/api/v1/users/check", json: #"{"username": "asha", "password": "chai aur code"}"#)
        #expect(right.status == 200 && right.body["data"]?.documentValue?["passwordCorrect"] == true)
        let wrong = try await TestHTTP.send(
            "POST", port: port, "/api/v1/users/check", json: #"{"email": "asha@example.com", "password": "chai aur chai"}"#)
        #expect(wrong.status == 401)
        let unknown = try await TestHTTP.send(
            "POST", port: port, "/api/v1/users/check", json: #"{"email": "ravi@example.com", "password": "chai aur code"}"#)
        #expect(unknown.status == 404)
        let tooLong = try await TestHTTP.send(
            "POST", port: port, "/api/v1/users/register",
            json: #"{"fullName": "Long", "email": "l@example.com", "username": "long", "password": "\#(String(repeating: "p", count: 73))"}"#)
        #expect(tooLong.status == 400)
        #expect(tooLong.body["errors"]?.arrayValue?.first?.documentValue?["field"] == "password")
    }

    /// Hashing runs on its own thread pool: while a burst of expensive registrations is being
    /// hashed (eight at cost 13 take four rounds on the hasher's two threads), the healthcheck is
    /// answered before at least half of them. An ordering, not a timing, assertion; it leaves
    /// room for the first round to finish first on a machine busy with other tests.
    @Test func aBurstOfHashingDoesNotStallOtherRequests() async throws {
        let port = 24_000 + Int.random(in: 0..<2000)
        let server = try ChapterServer.start("Chapter05", port: port, environment: ["BCRYPT_COST": "13"])
        defer { server.stop() }
        let order = OrderLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<8 {
                group.addTask {
                    let json = #"{"fullName": "U", "email": "u\#(i)@example.com", "username": "user\#(i)", "password": "chai aur code"}"#
                    let response = try await TestHTTP.send("POST", port: port, "/api/v1/users/register", json: json)
                    await order.append("register \(response.status)")
                }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(100))  // let the registrations reach the hasher first
                // A socket of its own: the HTTP client library may hold a request back while it
                // has others in flight to the same server, which is not what this test measures.
                let socket = try RawSocket(port: port)
                try socket.send("GET /api/v1/healthcheck HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                let reply = try socket.receiveAll()
                await order.append(reply.hasPrefix("HTTP/1.1 200") ? "health 200" : "health \(reply.prefix(20))")
            }
            try await group.waitForAll()
        }
        let events = await order.events
        #expect(events.count == 9)
        let health = try #require(events.firstIndex(of: "health 200"), "\(events)")
        #expect(events.count - 1 - health >= 4, "registrations still hashing when the healthcheck was answered: \(events)")
        #expect(events.filter { $0 == "register 201" }.count == 8)
    }
}

actor OrderLog {
    var events: [String] = []
    func append(_ event: String) { events.append(event) }
}
