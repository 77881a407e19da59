// Throttling the routes that check passwords: password guessing is not free, and a flood of
// logins cannot take every hashing thread. The limits, all on by default:
//
// - per client address (`AUTH_RATE_LIMIT_PER_ADDRESS`, 20 a minute): login, register and
//   change-password;
// - per account and address (`AUTH_RATE_LIMIT_PER_ACCOUNT`, 5 a minute): tries at the account
//   a login names (the account *found*, so a made-up username beside a real email is no new
//   key), or a change-password, from one address;
// - per account (`AUTH_RATE_LIMIT_ACCOUNT_CEILING`, 50 a minute): from all addresses together;
// - per address on `refresh-token` (`AUTH_RATE_LIMIT_REFRESH`, 30 a minute).
//
// Beyond a limit the answer is 429 with `Retry-After`, before any hashing. The address is the
// socket's; behind a reverse proxy, name the proxy in `TRUSTED_PROXIES` and its
// `X-Forwarded-For` gives the client's. The counts live in the database (`ratelimits`, emptied by
// a TTL index), so two instances of the server behind one load balancer count together: an
// attacker gains nothing by spreading guesses over them. `RATE_LIMIT_COUNTS=memory` keeps them in
// the process instead, for a server that is sure to run alone.

import App
import BSON
import Foundation
import HTTPTypes
import Hummingbird
import Responses
import Storage

/// At most `limit` events per key in each window of `window` seconds. With a `shared`
/// collection the counts are documents every instance of the server updates (one atomic
/// `$inc` per event, windows aligned on the clock); without one, this process counts alone.
public actor RateLimiter {
    public let limit: Int
    public let window: Int
    private var counts: [String: (start: ContinuousClock.Instant, count: Int)] = [:]
    /// Keys kept at most: past it, expired windows are dropped, and if all are live, all are.
    private let maxKeys = 100_000
    private let shared: (any StorageCollection)?
    /// What this limiter counts, such as `login per address`, so limiters can share a collection.
    private let name: String

    public init(limit: Int, window: Int = 60, shared: (any StorageCollection)? = nil, name: String = "") {
        self.limit = limit
        self.window = window
        self.shared = shared
        self.name = name
    }

    /// Counts an event for `key`: nil when it may go ahead, or the seconds until it may.
    public func admit(_ key: String) async throws -> Int? {
        if let shared { return try await admitShared(key, shared) }
        return admitHere(key)
    }

    /// One document per key and window, `{_id: "<name> <key> <window>", count, expiresAt}`:
    /// `$inc` with an upsert counts atomically whichever instance asks, and the TTL index on
    /// `expiresAt` deletes a window's document once it is over.
    private func admitShared(_ key: String, _ collection: any StorageCollection) async throws -> Int? {
        let now = Date()
        let index = Int(now.timeIntervalSince1970) / window
        let end = Date(timeIntervalSince1970: Double((index + 1) * window))
        let count = try await addToCount(in: collection, "\(name) \(key) \(index)", 1, expiresAt: end)
        guard count > limit else { return nil }
        return max(1, Int(end.timeIntervalSince(now).rounded(.up)))
    }

    private func admitHere(_ key: String) -> Int? {
        let now = ContinuousClock.now
        let period = Duration.seconds(window)
        var entry = counts[key] ?? (now, 0)
        if now - entry.start >= period { entry = (now, 0) }
        guard entry.count < limit else {
            let left = period - (now - entry.start)
            return max(1, Int(left.components.seconds) + (left.components.attoseconds > 0 ? 1 : 0))
        }
        entry.count += 1
        if counts[key] == nil, counts.count >= maxKeys {
            counts = counts.filter { now - $0.value.start < period }
            if counts.count >= maxKeys { counts.removeAll() }
        }
        counts[key] = entry
        return nil
    }
}

/// The throttles of the routes that check passwords or tokens, from the settings (0 turns one
/// off). They follow OWASP's advice for logins: limit each address, and each account *from*
/// each address, and keep a much higher ceiling for an account from everywhere. Then an
/// attacker's wrong guesses from one address lock out that address, not the owner logging in
/// from another, and guesses spread over many addresses still meet the ceiling.
public struct Throttle: Sendable {
    /// `AUTH_RATE_LIMIT_PER_ADDRESS`, 20 a minute: login, register and change-password, per client address.
    public let perAddress: RateLimiter?
    /// `AUTH_RATE_LIMIT_PER_ACCOUNT`, 5 a minute: tries at one account from one address.
    public let perAccount: RateLimiter?
    /// `AUTH_RATE_LIMIT_ACCOUNT_CEILING`, 50 a minute: tries at one account from all addresses.
    public let accountCeiling: RateLimiter?
    /// `AUTH_RATE_LIMIT_REFRESH`, 30 a minute: token refreshes per client address.
    public let refreshes: RateLimiter?
    /// `TRUSTED_PROXIES`: the addresses (or CIDR ranges) of reverse proxies whose
    /// `X-Forwarded-For` names the client. Empty by default: the header is then ignored, since any
    /// client can send it.
    public let trustedProxies: TrustedProxies

    /// The collection the counts live in when they are shared: `ratelimits`.
    public let counts: (any StorageCollection)?

    public init(
        perAddress: Int, perAccount: Int, accountCeiling: Int = 50, refreshes: Int = 30,
        trustedProxies: TrustedProxies = TrustedProxies(),
        window: Int = 60,
        counts: (any StorageCollection)? = nil
    ) {
        func limiter(_ limit: Int, _ name: String) -> RateLimiter? {
            limit > 0 ? RateLimiter(limit: limit, window: window, shared: counts, name: name) : nil
        }
        self.perAddress = limiter(perAddress, "address")
        self.perAccount = limiter(perAccount, "account+address")
        self.accountCeiling = limiter(accountCeiling, "account")
        self.refreshes = limiter(refreshes, "refresh")
        self.trustedProxies = trustedProxies
        self.counts = counts
    }

    /// The TTL index that empties the shared counts; nothing to do when they are in memory.
    public func createIndexes() async throws {
        try await counts?.createIndex(["expiresAt": 1], options: IndexOptions(expireAfterSeconds: 0))
    }

    /// Reads the limits above (each a number of tries a minute), `TRUSTED_PROXIES`
    /// (comma-separated addresses and CIDR ranges) and `RATE_LIMIT_COUNTS` (`database`, the default, in the
    /// `ratelimits` collection of `database`; or `memory`).
    public init(_ lookup: (String) -> String?, database: (any StorageDatabase)? = nil) throws(ConfigError) {
        func number(_ name: String, _ fallback: Int) throws(ConfigError) -> Int {
            guard let text = lookup(name) else { return fallback }
            guard let n = Int(text), n >= 0 else {
                throw ConfigError("\(name) must be a number of attempts a minute (0: no limit), not \"\(text)\"")
            }
            return n
        }
        let proxies = (lookup("TRUSTED_PROXIES") ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        let place = lookup("RATE_LIMIT_COUNTS")?.lowercased() ?? "database"
        guard place == "database" || place == "memory" else {
            throw ConfigError("RATE_LIMIT_COUNTS must be database or memory, not \"\(place)\"")
        }
        self.init(
            perAddress: try number("AUTH_RATE_LIMIT_PER_ADDRESS", 20),
            perAccount: try number("AUTH_RATE_LIMIT_PER_ACCOUNT", 5),
            accountCeiling: try number("AUTH_RATE_LIMIT_ACCOUNT_CEILING", 50),
            refreshes: try number("AUTH_RATE_LIMIT_REFRESH", 30),
            trustedProxies: try TrustedProxies(proxies),
            counts: place == "database" ? database?.collection("ratelimits") : nil)
    }

    /// 429 unless `account` (the user found, by id) may be tried again now from `address`. From a
    /// `device` that signed in to the account before (its device cookie's id), the tries are
    /// counted for that device alone, and the account-wide ceiling does not apply: an attack from
    /// elsewhere cannot lock the owner out.
    public func admit(account: String, from address: String, device: String? = nil) async throws {
        if let device {
            if let wait = try await perAccount?.admit(account + " device " + device) {
                throw TooManyAttempts(retryAfter: wait)
            }
            return
        }
        if let wait = try await perAccount?.admit(account + " " + address) { throw TooManyAttempts(retryAfter: wait) }
        if let wait = try await accountCeiling?.admit(account) { throw TooManyAttempts(retryAfter: wait) }
    }

    /// The client as the limits count it: the socket's address, or, when the socket is a trusted
    /// proxy, the last address in `X-Forwarded-For` that is not one (proxies append the address
    /// they saw); an IPv6 address by its /64.
    public func clientAddress(_ request: Request, _ context: AppRequestContext) -> String {
        let socket = context.remoteAddress?.ipAddress ?? "unknown"
        guard trustedProxies.contains(socket), let forwarded = request.headers[Self.forwardedFor] else {
            return TrustedProxies.bucket(socket)
        }
        let hops = forwarded.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        return TrustedProxies.bucket(hops.last(where: { !trustedProxies.contains($0) }) ?? socket)
    }

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// The per-address throttle as a middleware, for the routes that check passwords.
    public var middleware: ThrottleMiddleware { ThrottleMiddleware(limiter: perAddress, throttle: self) }
    /// The per-address throttle of `refresh-token`.
    public var refreshMiddleware: ThrottleMiddleware { ThrottleMiddleware(limiter: refreshes, throttle: self) }
}

public struct ThrottleMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let limiter: RateLimiter?
    let throttle: Throttle

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        if let limiter, let wait = try await limiter.admit(throttle.clientAddress(request, context)) {
            throw TooManyAttempts(retryAfter: wait)
        }
        return try await next(request, context)
    }
}

/// 429: too many attempts from this address or for this account; `Retry-After` says when.
public struct TooManyAttempts: Error, APIErrorRepresentable, Equatable {
    public let retryAfter: Int?
    public var statusCode: Int { 429 }
    public var message: String { "Too many attempts; try again in \(retryAfter ?? 60) seconds" }
}

/// Adds `amount` to the count in the document `id` (`{_id, count, expiresAt}`) of `collection`,
/// made by the first addition with `expiresAt` for a TTL index, and returns the count after:
/// atomic whichever instance adds. The rate limits' windows and the Final server's upload quota.
public func addToCount(in collection: any StorageCollection, _ id: String, _ amount: Int64, expiresAt end: Date)
    async throws -> Int64
{
    let filter: Document = ["_id": .string(id)]
    let update: Document = ["$inc": ["count": .int64(amount)], "$setOnInsert": ["expiresAt": .datetime(BSONDate(end))]]
    func increment() async throws -> Int64 {
        let counted = try await collection.findOneAndUpdate(
            filter, update, options: FindOneAndUpdateOptions(returnDocument: .after, upsert: true))
        return counted?["count"]?.int64Value ?? amount
    }
    do {
        return try await increment()
    } catch StorageError.duplicateKey {  // two first additions at once: the other made the document
        return try await increment()
    }
}
