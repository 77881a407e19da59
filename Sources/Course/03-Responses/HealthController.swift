// `GET /api/v1/healthcheck`: is the server up, and can it reach its database? 200 when it
// can; 503 when the database does not answer within two seconds (a load balancer takes the
// instance out of rotation on 503).
//
// The route is public, so a flood of healthchecks must not become a flood of database pings:
// checks that arrive while a ping is under way wait for that ping, and its answer is reused for
// a quarter of a second. However hard the route is hit, the database sees at most about four
// pings a second, and a check costs no more than a look at the last answer.

import App
import Exercises
import Hummingbird
import Storage
import Synchronization

public struct HealthController: Sendable {
    let probe: HealthProbe

    public init(storage: any Storage) { self.probe = HealthProbe(storage: storage) }

    /// The healthcheck, and beside it the list of routes (RoutesController): what a running
    /// server says about itself.
    public func addRoutes(to router: AppRouter) {
        router.get("/api/v1/healthcheck", use: check)
        RoutesController.addRoutes(to: router)
    }

    public struct Status: Encodable, Sendable {
        public let status: String
        public let database: String
    }

    @Sendable func check(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Status> {
        // EXERCISE 3.2: the healthcheck: 200 when the database answers, else 503
        guard await probe.databaseAnswers() else { throw APIError(503, "Database unavailable") }
        return APIResponse(200, Status(status: "ok", database: "up"), "OK")
        // END EXERCISE 3.2
    }
}

/// One database ping at a time, its answer shared by every check that asks meanwhile and for
/// `reuseFor` after. A check that finds a fresh answer reads it under a lock and returns without
/// suspending (an actor would cost two task switches on every healthcheck).
public final class HealthProbe: Sendable {
    private struct State {
        var last: (at: ContinuousClock.Instant, answered: Bool)?
        var inFlight: Task<Bool, Never>?
    }
    private enum Next {
        case answer(Bool)
        case wait(Task<Bool, Never>)
    }

    let storage: any Storage
    let timeout: Duration
    let reuseFor: Duration
    private let state = Mutex(State())

    public init(storage: any Storage, timeout: Duration = .seconds(2), reuseFor: Duration = .milliseconds(250)) {
        self.storage = storage
        self.timeout = timeout
        self.reuseFor = reuseFor
    }

    public func databaseAnswers() async -> Bool {
        let next: Next = state.withLock { state in
            if let last = state.last, ContinuousClock.now - last.at < reuseFor { return .answer(last.answered) }
            if let inFlight = state.inFlight { return .wait(inFlight) }
            let (storage, timeout) = (self.storage, self.timeout)
            // The ping records its own answer, so however many checks wait on it, it is stored once.
            let ping = Task {
                let answered = await Self.ping(storage, within: timeout)
                self.state.withLock { $0 = State(last: (ContinuousClock.now, answered), inFlight: nil) }
                return answered
            }
            state.inFlight = ping
            return .wait(ping)
        }
        switch next {
        case .answer(let answered): return answered
        case .wait(let ping): return await ping.value
        }
    }

    /// The database's ping raced against the clock: whichever finishes first wins.
    static func ping(_ storage: any Storage, within timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await storage.ping()) != nil }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
