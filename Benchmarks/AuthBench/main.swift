// `make bench`: what authentication costs (chapters 05 and 06), release build.
//
// A login pays for one bcrypt comparison; every authenticated request pays for verifyJWT's
// work (check the token, load the user and its session in one query); a refresh signs a new
// pair and rotates the session's token hash.
// Each row is a median of several rounds, on the embedded store with 10,000 users.

import Auth
import BSON
import BenchSupport
import EmbeddedStore
import Foundation
import Models
import Passwords
import Storage

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("authbench-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: folder) }
let store = try EmbeddedStore.open(directory: folder.path)
let hasher = PasswordHasher(cost: 10)
let collections = Collections(store.database("bench"), userBeforeSave: hasher.hashOnSave)
try await collections.createIndexes()

// 10,000 users, written directly (hashing each would take minutes): one shared real hash.
let sharedHash = try await hasher.hash("chai aur code")
var documents: [Document] = []
for i in 0..<10_000 {
    var user = User(username: "user\(i)", email: "user\(i)@example.com", fullName: "User \(i)", password: sharedHash)
    try user.validate()
    documents.append(try BSONEncoder().encode(user))
}
try await collections.users.storage.insertMany(documents)
let someone = try await collections.users.findOne(["username": "user5000"])!

let tokens = TokenService(TokenSettings(accessSecret: String(repeating: "a", count: 32), refreshSecret: String(repeating: "r", count: 32)))
let sessions = SessionStore(users: collections.users, sessions: ModelCollection(store.database("bench")), tokens: tokens, hasher: hasher)
try await sessions.createIndexes()
// The user is logged in on ten devices (the most a user can have), as a busy account would be.
var pair = try await sessions.login(User.Login(username: "user5000", password: "chai aur code"), userAgent: "device 0").tokens
for device in 1..<Session.maxPerUser {
    pair = try await sessions.login(User.Login(username: "user5000", password: "chai aur code"), userAgent: "device \(device)").tokens
}

print("Authentication benchmark (release build, median of 5 rounds, 10,000 users in the embedded store)\n")
print("| operation | time | what pays it |")
print("|---|---|---|")

let hash = try await measure(iterations: 3) { _ in _ = try await hasher.hash("chai aur code") }
print("| bcrypt hash, cost 10 | \(format(hash)) | register, change-password |")

// Throughput: 24 comparisons at once, queued on the hasher's two threads.
let burst = ContinuousClock.now
try await withThrowingTaskGroup(of: Bool.self) { group in
    for _ in 0..<24 { group.addTask { try await hasher.verify("chai aur code", against: sharedHash) } }
    for try await ok in group where !ok { fatalError("a correct password did not verify") }
}
let burstSeconds = Double((ContinuousClock.now - burst).components.attoseconds) / 1e18 + Double((ContinuousClock.now - burst).components.seconds)
print(String(format: "| bcrypt compare, 24 at once | %.0f per second | a burst of logins (2 hashing threads) |", 24 / burstSeconds))

let login = try await measure(iterations: 3) { _ in
    _ = try await sessions.login(User.Login(username: "user5000", password: "chai aur code"), userAgent: "bench")
}
print("| login (find, compare, sign, start a session) | \(format(login)) | POST /login |")

let sign = try await measure(iterations: 2000) { _ in _ = try await tokens.issue(for: someone, session: ObjectId()) }
print("| sign an access + refresh pair | \(format(sign)) | login, refresh |")

let verifyCost = try await measure(iterations: 5000) { _ in _ = try await tokens.verifyAccess(pair.accessToken) }
print("| verify an access token | \(format(verifyCost)) | every authenticated request |")

// A fresh session (the logins measured above ended the oldest ones), among nine others.
pair = try await sessions.login(User.Login(username: "user5000", password: "chai aur code"), userAgent: "measured").tokens
let guardCost = try await measure(iterations: 5000) { _ in
    let claims = try await tokens.verifyAccess(pair.accessToken)
    guard try await sessions.signedInUser(ObjectId(claims._id)!, session: ObjectId(claims.sid!)!) != nil else { fatalError("session ended") }
}
print("| verifyJWT's whole work (verify + user and session in one query) | \(format(guardCost)) | every authenticated request |")
print(String(format: "| ratio: verifyJWT's whole work / the bare signature check | %.2f× | goal: at most 2× |", guardCost / verifyCost))

var current = try await sessions.login(User.Login(username: "user5000", password: "chai aur code"), userAgent: "bench").tokens.refreshToken
let refresh = try await measure(iterations: 200) { _ in current = try await sessions.refresh(current).refreshToken }
print("| refresh with rotation (fsync'd conditional update) | \(format(refresh)) | POST /refresh-token |")
print(String(format: "\nRSS: %.0f MB", residentMegabytes()))
await store.close()
