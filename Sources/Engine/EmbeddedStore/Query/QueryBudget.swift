// The time budget of the query running on this thread (`maxTimeMS`).
//
// A query runs synchronously from parse to result on one thread, so its deadline lives in a
// thread-local for that time: the scans call `QueryBudget.check()` once per document, and ICU
// calls it from inside a regex match (Pattern.swift). Reading the clock costs about 20 ns, so
// `check()` reads it only every 64th call; a query is stopped within 64 documents, or a few
// thousand regex steps, of its deadline.

import Foundation
import Storage

final class QueryBudget {
    let deadline: ContinuousClock.Instant
    private var calls = 0
    /// Set when a regex match was stopped: the query is over, whatever the next check reads.
    private var expired = false

    private init(_ deadline: ContinuousClock.Instant) { self.deadline = deadline }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Runs `body` with `deadline` as this thread's budget (none: no limit), then restores the
    /// budget that was there before (a `$lookup` runs inside its parent's).
    static func run<T, E: Error>(until deadline: ContinuousClock.Instant?, _ body: () throws(E) -> T) throws(E) -> T {
        guard let deadline else { return try body() }
        let previous = pthread_getspecific(key)
        let budget = QueryBudget(deadline)
        pthread_setspecific(key, Unmanaged.passUnretained(budget).toOpaque())
        defer { pthread_setspecific(key, previous) }
        return try withExtendedLifetime(budget) { () throws(E) -> T in try body() }
    }

    /// False once this thread's query is past its deadline.
    static func hasTimeLeft() -> Bool {
        guard let raw = pthread_getspecific(key) else { return true }
        let budget = Unmanaged<QueryBudget>.fromOpaque(raw).takeUnretainedValue()
        if budget.expired { return false }
        budget.calls &+= 1
        if budget.calls & 63 != 0 || ContinuousClock.now < budget.deadline { return true }
        budget.expired = true
        return false
    }

    /// Marks this thread's query as past its deadline (a regex match that ICU stopped).
    static func expire() {
        guard let raw = pthread_getspecific(key) else { return }
        Unmanaged<QueryBudget>.fromOpaque(raw).takeUnretainedValue().expired = true
    }

    /// MongoDB's MaxTimeMSExpired (50): what a query past its deadline fails with.
    static let expired = QueryError(50, "operation exceeded time limit")

    /// Throws `expired` once this thread's query is past its deadline.
    static func check() throws(QueryError) {
        if !hasTimeLeft() { throw expired }
    }
}
