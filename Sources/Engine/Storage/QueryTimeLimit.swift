// A time limit for each query: MongoDB's `maxTimeMS`, carried by the task instead of by every
// call's options, so that a request's limit reaches each query it makes.
//
//     try await QueryTimeLimit.$perQuery.withValue(.seconds(3)) {
//         try await videos.find(...)   // on either backend: at most 3 s, or error 50
//     }
//
// The embedded store checks the time while it scans and while a regex runs; MongoStore sends
// the limit as `maxTimeMS`; the wire server turns a command's `maxTimeMS` back into a limit.
// Either way a query past its time fails with `StorageError.timeout` (code 50,
// MaxTimeMSExpired), never by running on.

public enum QueryTimeLimit {
    /// How long each query of this task may run; nil: no limit.
    @TaskLocal public static var perQuery: Duration?

    /// The limit in whole milliseconds (at least 1: MongoDB reads `maxTimeMS: 0` as none).
    public static var milliseconds: Int? {
        guard let perQuery else { return nil }
        let ms = perQuery.components.seconds * 1000 + perQuery.components.attoseconds / 1_000_000_000_000_000
        return Int(max(1, ms))
    }

    /// When a query that starts now must be done; nil when there is no limit.
    public static var deadline: ContinuousClock.Instant? { perQuery.map { ContinuousClock.now.advanced(by: $0) } }

    /// The error every backend reports when a query runs out of time.
    public static func expired() -> StorageError { .timeout("operation exceeded time limit") }
}
