import Foundation
import Passwords
import Testing

struct PasswordsTests {
    let hasher = PasswordHasher(cost: 4)  // the minimum cost keeps the tests fast; the format is the same

    @Test func hashesAre2bWithTheCostAndVerify() async throws {
        let hash = try await hasher.hash("chai aur code")
        #expect(hash.hasPrefix("$2b$04$") && hash.count == 60)
        #expect(try await hasher.verify("chai aur code", against: hash))
        #expect(try await !hasher.verify("chai aur Code", against: hash))
        // A fresh salt every time.
        #expect(try await hasher.hash("chai aur code") != hash)
    }

    @Test(arguments: [
        // Each pair checked with Python's bcrypt (pyca/bcrypt), an implementation independent of
        // libxcrypt; the last is a $2b$ cost-10 hash as Node's bcrypt writes them.
        ("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"),
        ("", "$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s."),
        ("~!@#$%^&*()      ~!@#$%^&*()PNBFRD", "$2a$06$fPIsBO8qRqkjj273rfaOI.HtSV9jLDpTbZn782DC6/t7qT67P6FfO"),
        ("abcdefghijklmnopqrstuvwxyz", "$2a$06$fPIsBO8qRqkjj273rfaOI.PLxklZTgRLeWl.ODy6u7TTVyd7uXz/y"),
        ("chai aur code", "$2b$10$ymAlIMeJTYFsTp.KPr6dReiN3irDwMAiF9wsp6JEqWzATFy0qrjZW"),
    ])
    func publishedVectorsVerify(password: String, hash: String) async throws {
        #expect(try await hasher.verify(password, against: hash))
        #expect(try await !hasher.verify(password + "x", against: hash))
    }

    @Test func passwordsLongerThan72BytesAreRefusedNotTruncated() async throws {
        let seventyTwo = String(repeating: "a", count: 72)
        _ = try await hasher.hash(seventyTwo)
        await #expect(throws: PasswordError.self) { _ = try await hasher.hash(seventyTwo + "b") }
        // Multi-byte characters count as bytes: 37 × "é" is 74 bytes.
        await #expect(throws: PasswordError.self) { _ = try await hasher.hash(String(repeating: "é", count: 37)) }
        await #expect(throws: PasswordError.self) { _ = try await hasher.hash("nul\0inside") }
    }

    @Test func malformedHashesAreNoMatchNotACrash() async throws {
        for bad in ["", "plain", "$2b$04$short", "$1$md5style$xxxxxxxxxxxxxxxxxxxxxx", "$2b$99$" + String(repeating: "a", count: 53)] {
            #expect(try await !hasher.verify("anything", against: bad), "\(bad)")
        }
    }

    @Test func manyHashesAtOnceAllFinish() async throws {
        let hashes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<16 {
                group.addTask {
                    let h = try await hasher.hash("password \(i)")
                    return try await hasher.verify("password \(i)", against: h)
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(hashes == Array(repeating: true, count: 16))
    }
}
