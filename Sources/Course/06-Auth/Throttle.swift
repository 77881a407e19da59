// Throttling the routes that check passwords: password guessing is not free, and a flood of
// logins cannot take every hashing thread. Two limits, both on by default:
//
// - per client address (`AUTH_RATE_LIMIT_PER_ADDRESS`, 20 a minute): login and register;
// - per account (`AUTH_RATE_LIMIT_PER_ACCOUNT`, 5 a minute): logins naming one username or email.
//
// Beyond a limit the answer is 429 with `Retry-After`, before any hashing. (The address is the
// socket's: behind a reverse proxy every client shares the proxy's, so raise or disable the
// per-address limit there and let the proxy limit by client.)
import App
import Foundation
import Hummingbird
import Responses

/// At most `limit` events per key in each window of `window` seconds (a fixed window per key).
public actor RateLimiter {
    public let limit: Int
    public let window: Int
    private var counts: [String: (start: ContinuousClock.Instant, count: Int)] = [:]
    /// Keys kept at most: past it, expired windows are dropped (and if all are live, all are).
    private let maxKeys = 100_000

    public init(limit: Int, window: Int = 60) {
        self.limit = limit
        self.window = window
    }

    /// Counts an event for `key`: nil when it may go ahead, or the seconds until it may.
    public func admit(_ key: String) -> Int? {
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

/// The throttles of the password routes, from the settings (0 turns one off).
public struct Throttle: Sendable {
    public let perAddress: RateLimiter?
    public let perAccount: RateLimiter?

    public init(perAddress: Int, perAccount: Int, window: Int = 60) {
        self.perAddress = perAddress > 0 ? RateLimiter(limit: perAddress, window: window) : nil
        self.perAccount = perAccount > 0 ? RateLimiter(limit: perAccount, window: window) : nil
    }

    /// Reads `AUTH_RATE_LIMIT_PER_ADDRESS` (20) and `AUTH_RATE_LIMIT_PER_ACCOUNT` (5), per minute.
    public init(_ lookup: (String) -> String?) throws(ConfigError) {
        func number(_ name: String, _ fallback: Int) throws(ConfigError) -> Int {
            guard let text = lookup(name) else { return fallback }
            guard let n = Int(text), n >= 0 else { throw ConfigError("\(name) must be a number of attempts a minute (0: no limit), not \"\(text)\"") }
            return n
        }
        self.init(perAddress: try number("AUTH_RATE_LIMIT_PER_ADDRESS", 20), perAccount: try number("AUTH_RATE_LIMIT_PER_ACCOUNT", 5))
    }

    /// 429 unless the account named by a login may try again now.
    public func admit(account: String) async throws {
        if let wait = await perAccount?.admit(account.lowercased()) { throw TooManyAttempts(retryAfter: wait) }
    }

    /// The per-address throttle as a middleware, for the routes that hash passwords.
    public var middleware: ThrottleMiddleware { ThrottleMiddleware(limiter: perAddress) }
}

public struct ThrottleMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let limiter: RateLimiter?

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let limiter, let wait = await limiter.admit(context.remoteAddress?.ipAddress ?? "unknown") {
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
