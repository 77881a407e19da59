// Conformance rows for collation (MongoDB's `collation` option: strings compared by a locale's
// rules): what MongoDB's manual says (issue 24). A collated row runs with the task's `QueryCollation`, which the embedded store
// applies and MongoStore sends as the command's `collation`.

import Foundation

extension Conformance {
    static let pings = #"[{"_id": 1, "x": "ping"}, {"_id": 2, "x": "PING"}, {"_id": 3, "x": "pïng"}, {"_id": 4, "x": "pong"}]"#
    static let words = #"[{"_id": 1, "x": "b"}, {"_id": 2, "x": "A"}, {"_id": 3, "x": "a"}, {"_id": 4, "x": "B"}]"#
    static let numbers = #"[{"_id": 1, "x": "10"}, {"_id": 2, "x": "9"}, {"_id": 3, "x": "2"}]"#

    static let collationCases: [ConformanceCase] = [
        .collated(
            #"{"locale": "en", "strength": 2}"#,
            .find("collation strength 2 ignores case", "manual: Collation (strength 2: case-insensitive)", pings, #"{"x": "ping"}"#, [1, 2])),
        .collated(
            #"{"locale": "en", "strength": 1}"#,
            .find(
                "collation strength 1 ignores case and accents", "manual: Collation (strength 1: base characters)", pings, #"{"x": "ping"}"#,
                [1, 2, 3])),
        .collated(
            #"{"locale": "en"}"#,
            .find("collation strength 3, the default, keeps case", "manual: Collation (strength 3)", pings, #"{"x": "ping"}"#, [1])),
        .collated(
            #"{"locale": "simple"}"#, .find("the simple collation is byte order", "manual: Collation (locale simple)", pings, #"{"x": "PING"}"#, [2])),
        .collated(
            #"{"locale": "en", "strength": 2}"#,
            .find("a collated $in and $gte", "manual: Collation (comparison operators)", pings, #"{"x": {"$in": ["PONG"]}}"#, [4])),
        .collated(
            #"{"locale": "en"}"#, .sorted("sort by a locale's order", "manual: Collation (sort)", words, "{}", sort: #"{"x": 1}"#, [3, 2, 1, 4])),
        .collated(
            #"{"locale": "en", "caseFirst": "upper"}"#,
            .sorted("caseFirst upper sorts capitals first", "manual: Collation (caseFirst)", words, "{}", sort: #"{"x": 1}"#, [2, 3, 4, 1])),
        .collated(
            #"{"locale": "en", "numericOrdering": true}"#,
            .sorted(
                "numericOrdering compares digits as numbers", "manual: Collation (numericOrdering)", numbers, "{}", sort: #"{"x": 1}"#, [3, 2, 1])),
        .collated(
            #"{"locale": "en", "strength": 2}"#,
            .indexed(
                "a collated query does not answer from a byte-order index", "manual: Collation (collation and index use)", pings,
                index: #"{"key": {"x": 1}}"#, #"{"x": "PING"}"#, [1, 2])),
        .collated(
            #"{"locale": "en", "strength": 2}"#,
            .aggregate(
                "a collated $match", "manual: Collation (aggregate)", pings, #"[{"$match": {"x": "Ping"}}, {"$project": {"_id": 1}}]"#,
                #"[{"_id": 1}, {"_id": 2}]"#)),
        .collated(
            #"{"locale": "en", "strength": 2}"#,
            ConformanceCase(
                name: "a collated deleteMany", source: "manual: Collation (delete)", documents: pings, foreign: nil,
                operation: .delete(many: true, filter: #"{"x": "PING"}"#, deleted: 2, remaining: [3, 4]))),
        .collated(
            #"{"locale": "fr", "strength": 1}"#,
            ConformanceCase(
                name: "a collated updateMany", source: "manual: Collation (update)", documents: pings, foreign: nil,
                operation: .update(
                    kind: .many, filter: #"{"x": "PING"}"#, update: #"{"$set": {"seen": true}}"#, upsert: false, matched: 3, modified: 3,
                    after:
                        #"[{"_id": 1, "x": "ping", "seen": true}, {"_id": 2, "x": "PING", "seen": true}, {"_id": 3, "x": "pïng", "seen": true}, {"_id": 4, "x": "pong"}]"#
                ))),
        .collated(
            #"{"locale": "en", "strength": 2}"#,
            .aggregate(
                "a collated $group puts equal strings in one group", "manual: Collation ($group)", pings,
                #"[{"$group": {"_id": "$x", "n": {"$sum": 1}}}, {"$sort": {"n": -1}}, {"$limit": 1}, {"$project": {"_id": 0, "n": 1}}]"#,
                #"[{"n": 2}]"#)),
        .collated(
            #"{"locale": "no-such-locale"}"#,
            .error("an unknown locale is refused", "manual: Collation (locale)", pings, .find("{}", projection: nil), code: 2)),
    ]
}
