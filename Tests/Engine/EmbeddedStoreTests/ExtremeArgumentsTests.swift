// Commands with extreme arguments: each answers (a result or an error, MongoDB's code where it has
// one) and the store lives on. Each of these once stopped `videotube-db`, and with `DB_PORT` the
// API process itself, with a Swift trap: integer overflow, a double too large for an integer, a
// negative index, an unbounded loop. Run in-process on the embedded store and through the wire
// with libmongoc (and on a real MongoDB with MONGODB_TEST_URI).

import BSON
import EmbeddedStore
import EngineTestSupport
import Foundation
import Storage
import Testing

struct ExtremeArgumentsTests {
    static let longMax = #"{"$numberLong": "9223372036854775807"}"#
    static let longMin = #"{"$numberLong": "-9223372036854775808"}"#
    static let big = #"{"$numberLong": "4611686018427387904"}"#  // 2^62

    /// (name, pipeline or update, MongoDB's error code when the answer must be that error).
    static let aggregations: [(String, String, Int?)] = [
        ("$indexOfCP from Int64.max", #"{"$indexOfCP": ["abc", "b", \#(longMax)]}"#, nil),
        ("$range to 2^62", #"{"$range": [0, \#(big), 1]}"#, 34446),
        ("$range from Int64.min", #"{"$range": [\#(longMin), \#(longMax), \#(big)]}"#, 34444),
        ("$range of 2^31 values", #"{"$range": [-2147483648, 2147483647, 1]}"#, 146),
        ("$slice by Int64.min", #"{"$slice": [[1, 2, 3], \#(longMin)]}"#, nil),
        ("$slice from Int64.max", #"{"$slice": [[1, 2, 3], \#(longMax), 5]}"#, nil),
        ("$convert of NaN", #"{"$convert": {"input": {"$numberDouble": "NaN"}, "to": "int"}}"#, 241),
        ("$convert to 1e300", #"{"$convert": {"input": 1, "to": 1e300}}"#, nil),
        ("$dateAdd of 2^62 years", #"{"$dateAdd": {"startDate": {"$date": "2020-01-01T00:00:00Z"}, "unit": "year", "amount": \#(big)}}"#, nil),
        (
            "$dateSubtract of Int64.min ms",
            #"{"$dateSubtract": {"startDate": {"$date": "2020-01-01T00:00:00Z"}, "unit": "millisecond", "amount": \#(longMin)}}"#, nil
        ),
        ("$dateTrunc in 2^62 days", #"{"$dateTrunc": {"date": {"$date": "2020-01-01T00:00:00Z"}, "unit": "day", "binSize": \#(big)}}"#, nil),
        ("$dateToString of the last date", #"{"$dateToString": {"date": {"$toDate": \#(longMax)}}}"#, 18537),
        ("$dateToString of the first date", #"{"$dateToString": {"date": {"$toDate": \#(longMin)}, "format": "%Y"}}"#, 18537),
        (
            "$dateDiff across all time",
            #"{"$dateDiff": {"startDate": {"$toDate": \#(longMin)}, "endDate": {"$toDate": \#(longMax)}, "unit": "millisecond"}}"#, nil
        ),
    ]

    static let stages: [(String, String, Int?)] = [
        (
            "$shift by Int64.max", #"[{"$setWindowFields": {"sortBy": {"a": 1}, "output": {"r": {"$shift": {"output": "$a", "by": \#(longMax)}}}}}]"#,
            nil
        ),
        (
            "$shift by Int64.min", #"[{"$setWindowFields": {"sortBy": {"a": 1}, "output": {"r": {"$shift": {"output": "$a", "by": \#(longMin)}}}}}]"#,
            nil
        ),
        (
            "a window of Int64 documents",
            #"[{"$setWindowFields": {"sortBy": {"a": 1}, "output": {"r": {"$sum": {"$literal": 1}, "window": {"documents": [\#(longMin), \#(longMax)]}}}}}]"#,
            nil
        ),
        (
            "a window past the end",
            #"[{"$setWindowFields": {"sortBy": {"a": 1}, "output": {"r": {"$sum": "$a", "window": {"documents": [\#(longMax), \#(longMax)]}}}}}]"#,
            nil
        ),
        ("$densify by 1e-300", #"[{"$densify": {"field": "a", "range": {"step": 1e-300, "bounds": "full"}}}]"#, nil),
        ("$densify over 2^62", #"[{"$densify": {"field": "a", "range": {"step": 1, "bounds": [0, \#(big)]}}}]"#, nil),
    ]

    static let updates: [(String, String)] = [
        ("$unset of index -1", #"{"$unset": {"arr.-1": ""}}"#),
        ("$push with $slice Int64.min", #"{"$push": {"arr": {"$each": [4], "$slice": \#(longMin)}}}"#),
        ("$push at $position Int64.min", #"{"$push": {"arr": {"$each": [0], "$position": \#(longMin)}}}"#),
        ("$pop by 2^62", #"{"$pop": {"arr": \#(big)}}"#),
        ("$inc past Int64.max", #"{"$inc": {"big": 1}}"#),
    ]

    @Test(arguments: TestBackend.available)
    func everyCommandAnswersAndTheStoreLives(_ backend: TestBackend) async throws {
        let database = try await backend.freshDatabase()
        let c = database.collection("extremes")
        try await c.insertMany([
            ["_id": 1, "a": 1, "arr": [1, 2, 3], "big": .int64(.max)], ["_id": 2, "a": 2], ["_id": 3, "a": 3],
        ])
        var outcomes: [String] = []
        func attempt(_ name: String, code: Int?, _ run: () async throws(StorageError) -> Void) async {
            do {
                try await run()
                #expect(code == nil, "\(name): answered, not error \(code ?? 0)")
                outcomes.append("\(name): answered")
            } catch {
                if let code { #expect(error.code == code, "\(name): \(error)") }
                outcomes.append("\(name): error \(error.code)")
            }
        }
        for (name, expression, code) in Self.aggregations {
            let pipeline = try [Document(extendedJSON: #"{"$project": {"r": \#(expression)}}"#)]
            await attempt(name, code: code) { () async throws(StorageError) in _ = try await c.aggregate(pipeline) }
        }
        for (name, stages, code) in Self.stages {
            let pipeline = try BSONValue(extendedJSON: stages).arrayValue?.compactMap(\.documentValue) ?? []
            await attempt(name, code: code) { () async throws(StorageError) in _ = try await c.aggregate(pipeline) }
        }
        for (name, update) in Self.updates {
            let change = try Document(extendedJSON: update)
            await attempt(name, code: nil) { () async throws(StorageError) in _ = try await c.updateOne(["_id": 1], change) }
        }
        #expect(outcomes.count == Self.aggregations.count + Self.stages.count + Self.updates.count)
        // Still alive, and the document is whole.
        let after = try await c.findOne(["_id": 1])
        #expect(after?["a"] == 1 && after?["arr"]?.arrayValue != nil, "\(outcomes)")
    }
}
