// MongoDB's collation option (`{locale: "en", strength: 2}`: how strings compare, so that
// "PING" and "ping" can be equal), carried by the task like the time limit, so that it reaches
// each query an operation makes without a parameter on every call.
//
//     try await QueryCollation.$current.withValue(["locale": "en", "strength": 2]) {
//         try await users.find(["name": "ping"])      // finds "PING" too
//     }
//
// The wire server sets it from a command's `collation`; the embedded store compares strings
// with ICU's collator for that locale while it is set. `{locale: "simple"}` is byte order, the
// default.

import BSON

public enum QueryCollation {
    /// The collation of this task's queries (MongoDB's collation document); nil: byte order.
    @TaskLocal public static var current: Document?
}
