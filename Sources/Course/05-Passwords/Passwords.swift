// Chapter 05 — bcrypt: passwords are stored as slow, salted hashes, never as themselves.
//
// The course uses the `bcrypt` npm package: `bcrypt.hash(password, 10)` before saving a user,
// `bcrypt.compare(password, hash)` at login. Here the same algorithm comes from libxcrypt, the
// C library Debian's own login uses, in the `$2b$` format that Node's and Python's bcrypt
// read and write, so a database written by the Node version keeps working.
//
// bcrypt is slow on purpose, about 70 ms at cost 10 on this machine, and blocking. It never
// runs on an event loop: every hash and check runs on a small thread pool of its own, so a
// burst of logins waits its turn there instead of stalling every other request.

import CCrypt
import Foundation
import NIOPosix
import Synchronization

public struct PasswordError: Error, Equatable, CustomStringConvertible {
    public let description: String
    /// Too many hashes are waiting already: the request should be tried again shortly.
    public let isBusy: Bool
    public init(_ description: String, busy: Bool = false) {
        self.description = description
        self.isBusy = busy
    }

    public static let busy = PasswordError(
        "too many passwords are being checked right now; try again in a moment", busy: true)
}

public final class PasswordHasher: Sendable {
    /// bcrypt only reads the first 72 bytes of a password; longer ones are refused rather
    /// than silently truncated: two different long passwords would otherwise match.
    public static let maxPasswordBytes = 72
    /// The work factor: each step doubles the time. 10 is the default of the course and of Node.
    public let cost: Int
    /// The most hashes and checks waiting or running at once (`BCRYPT_QUEUE_LIMIT`). Beyond it a
    /// request is refused at once (`PasswordError.busy`, a 503) instead of waiting ever longer:
    /// a flood of logins cannot make every user's login slower without bound.
    public let queueLimit: Int
    private let threads: NIOThreadPool
    private let waiting = Atomic<Int>(0)
    /// A hash of no one's password, to compare against when a login names no user.
    private let decoy = Mutex<String?>(nil)

    public init(cost: Int = 10, threads: Int = 2, queueLimit: Int = 32) {
        precondition((4...31).contains(cost), "bcrypt cost must be 4...31")
        self.cost = cost
        self.queueLimit = queueLimit
        self.threads = NIOThreadPool(numberOfThreads: threads)
        self.threads.start()
    }

    /// Whether one more hash or check would be admitted now (a login can refuse at once, before
    /// it spends a database query on a request that would be refused anyway).
    public var hasRoom: Bool { waiting.load(ordering: .relaxed) < queueLimit }

    /// Runs one hash or check on the pool, if fewer than `queueLimit` are waiting.
    private func admitted<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        guard waiting.add(1, ordering: .relaxed).newValue <= queueLimit else {
            waiting.subtract(1, ordering: .relaxed)
            throw PasswordError.busy
        }
        defer { waiting.subtract(1, ordering: .relaxed) }
        return try await threads.runIfActive(work)
    }

    /// Spends what checking `password` against a real hash costs, and answers nothing: a login
    /// that names no user then takes as long as one with a wrong password, so timing does not
    /// tell which accounts exist.
    public func verifyAgainstNoOne(_ password: String) async throws {
        let decoyHash: String
        if let known = decoy.withLock({ $0 }) {
            decoyHash = known
        } else {
            decoyHash = try await hash(UUID().uuidString)
            decoy.withLock { $0 = decoyHash }
        }
        _ = try await verify(password, against: decoyHash)
    }

    deinit { try? threads.syncShutdownGracefully() }

    /// A new `$2b$` hash of `password` with a fresh random salt.
    public func hash(_ password: String) async throws -> String {
        try Self.check(password)
        let cost = self.cost
        return try await admitted { try Self.bcrypt(password, setting: Self.salt(cost: cost)) }
    }

    /// Whether `password` matches `hash`, any `$2a$`, `$2b$` or `$2y$` bcrypt hash. A
    /// malformed hash is simply no match.
    public func verify(_ password: String, against hash: String) async throws -> Bool {
        guard password.utf8.count <= Self.maxPasswordBytes, hash.hasPrefix("$2") else { return false }
        return try await admitted {
            guard let computed = try? Self.bcrypt(password, setting: hash) else { return false }
            return Self.constantTimeEqual(Array(computed.utf8), Array(hash.utf8))
        }
    }

    public static func check(_ password: String) throws(PasswordError) {
        guard !password.utf8.contains(0) else { throw PasswordError("password must not contain a NUL character") }
        guard password.utf8.count <= maxPasswordBytes else {
            throw PasswordError("password must be at most \(maxPasswordBytes) bytes (bcrypt ignores anything longer)")
        }
    }

    // MARK: libxcrypt

    private static func salt(cost: Int) throws -> String {
        var output = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        guard crypt_gensalt_rn("$2b$", UInt(cost), nil, 0, &output, Int32(output.count)) != nil else {
            throw PasswordError("libxcrypt could not make a bcrypt salt (errno \(errno))")
        }
        return String(cString: output)
    }

    private static func bcrypt(_ password: String, setting: String) throws -> String {
        // `crypt_data` is large, about 32 kB: keep it on the heap, zeroed as crypt_r requires.
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer { data.deallocate() }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        guard let result = crypt_r(password, setting, data) else {
            throw PasswordError("crypt_r failed (errno \(errno))")
        }
        let text = String(cString: result)
        // libxcrypt signals failure with a string starting with "*", never a valid hash.
        guard !text.hasPrefix("*") else { throw PasswordError("not a valid bcrypt setting") }
        return text
    }

    /// Compares without stopping at the first difference, so timing says nothing about the hash.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
