// Conformance rows for the expression operators, accumulators and stages added after the first
// table (issue 14): strings, arrays and sets, objects, math, conversions, dates, $let, $switch,
// $reduce; $stdDevPop/$stdDevSamp, $mergeObjects, $count; $sortByCount, $bucket, $unionWith,
// $sample. Expressions run on `Fixtures.values` (`"$d"` is 2024-03-01T00:00:00Z, a Friday).

import Foundation

extension Fixtures {
    /// For $stdDevPop / $stdDevSamp: exact results (2 and 2).
    public static let spread = #"""
        [{"_id": 1, "g": "p", "x": 2}, {"_id": 2, "g": "p", "x": 4}, {"_id": 3, "g": "p", "x": 4}, {"_id": 4, "g": "p", "x": 4},
         {"_id": 5, "g": "p", "x": 5}, {"_id": 6, "g": "p", "x": 5}, {"_id": 7, "g": "p", "x": 7}, {"_id": 8, "g": "p", "x": 9},
         {"_id": 9, "g": "s", "x": 1}, {"_id": 10, "g": "s", "x": 3}, {"_id": 11, "g": "s", "x": 5}, {"_id": 12, "g": "s", "x": "text"}]
        """#
}

extension Conformance {
    static func date(_ iso: String) -> String { #"{"$date": "\#(iso)"}"# }

    static let libraryCases: [ConformanceCase] =
        stringCases + arrayCases + objectAndMathCases + conversionCases + dateCases + controlCases
        + stageCases + moreCases + groupNCases + windowCases + fillAndDensifyCases + libraryErrorCases

    static let stringCases: [ConformanceCase] = [
        expr("$split", "manual: $split", #"{"$split": ["a,b,c", ","]}"#, #"["a", "b", "c"]"#),
        expr("$split of null is null", "manual: $split (behavior)", #"{"$split": ["$n", ","]}"#, "null"),
        expr("$strLenCP", "manual: $strLenCP", #"{"$strLenCP": "héllo"}"#, "5"),
        expr("$strLenBytes", "manual: $strLenBytes", #"{"$strLenBytes": "héllo"}"#, "6"),
        expr("$substrCP", "manual: $substrCP", #"{"$substrCP": ["$s", 1, 2]}"#, #""ub""#),
        expr("$indexOfCP", "manual: $indexOfCP", #"{"$indexOfCP": ["$s", "be"]}"#, "2"),
        expr("$indexOfCP not found", "manual: $indexOfCP (not found)", #"{"$indexOfCP": ["$s", "z"]}"#, "-1"),
        expr("$indexOfCP of null is null", "manual: $indexOfCP (behavior)", #"{"$indexOfCP": ["$n", "z"]}"#, "null"),
        expr("$trim", "manual: $trim", #"{"$trim": {"input": "  tube \n"}}"#, #""tube""#),
        expr("$ltrim with chars", "manual: $ltrim", #"{"$ltrim": {"input": "xxtubexx", "chars": "x"}}"#, #""tubexx""#),
        expr("$rtrim with chars", "manual: $rtrim", #"{"$rtrim": {"input": "xxtubexx", "chars": "x"}}"#, #""xxtube""#),
        expr("$trim of null is null", "manual: $trim (behavior)", #"{"$trim": {"input": "$n"}}"#, "null"),
        expr("$replaceOne", "manual: $replaceOne", #"{"$replaceOne": {"input": "a-b-c", "find": "-", "replacement": "+"}}"#, #""a+b-c""#),
        expr("$replaceAll", "manual: $replaceAll", #"{"$replaceAll": {"input": "a-b-c", "find": "-", "replacement": "+"}}"#, #""a+b+c""#),
        expr(
            "$replaceAll with null is null", "manual: $replaceAll (behavior)", #"{"$replaceAll": {"input": "$n", "find": "-", "replacement": "+"}}"#,
            "null"),
        expr("$regexMatch", "manual: $regexMatch", #"{"$regexMatch": {"input": "$s", "regex": "^t"}}"#, "true"),
        expr(
            "$regexMatch with options", "manual: $regexMatch (options)", #"{"$regexMatch": {"input": "$s", "regex": "^T", "options": "i"}}"#, "true"),
        expr(
            "$regexFind", "manual: $regexFind", #"{"$regexFind": {"input": "video tube", "regex": "t(u)"}}"#,
            #"{"match": "tu", "idx": 6, "captures": ["u"]}"#),
        expr("$regexFind with no match is null", "manual: $regexFind (no match)", #"{"$regexFind": {"input": "$s", "regex": "z"}}"#, "null"),
        expr(
            "$regexFindAll", "manual: $regexFindAll", #"{"$regexFindAll": {"input": "tube tub", "regex": "tub"}}"#,
            #"[{"match": "tub", "idx": 0, "captures": []}, {"match": "tub", "idx": 5, "captures": []}]"#),
        expr("$toUpper", "manual: $toUpper", #"{"$toUpper": "$s"}"#, #""TUBE""#),
        expr("$strcasecmp", "manual: $strcasecmp", #"{"$strcasecmp": ["Tube", "tUBE"]}"#, "0"),
    ]

    static let arrayCases: [ConformanceCase] = [
        expr("$reverseArray", "manual: $reverseArray", #"{"$reverseArray": "$a"}"#, "[3, 2, 1]"),
        expr("$reverseArray of null is null", "manual: $reverseArray (behavior)", #"{"$reverseArray": "$n"}"#, "null"),
        expr("$range", "manual: $range", #"{"$range": [0, 10, 3]}"#, "[0, 3, 6, 9]"),
        expr("$range downwards", "manual: $range (negative step)", #"{"$range": [5, 0, -2]}"#, "[5, 3, 1]"),
        expr("$slice first n", "manual: $slice (aggregation)", #"{"$slice": ["$a", 2]}"#, "[1, 2]"),
        expr("$slice last n", "manual: $slice (aggregation)", #"{"$slice": ["$a", -2]}"#, "[2, 3]"),
        expr("$slice from a position", "manual: $slice (aggregation)", #"{"$slice": ["$a", 1, 1]}"#, "[2]"),
        expr("$indexOfArray", "manual: $indexOfArray", #"{"$indexOfArray": ["$a", 3]}"#, "2"),
        expr("$indexOfArray not found", "manual: $indexOfArray", #"{"$indexOfArray": ["$a", 9]}"#, "-1"),
        expr("$zip", "manual: $zip", #"{"$zip": {"inputs": ["$a", ["x", "y"]]}}"#, #"[[1, "x"], [2, "y"]]"#),
        expr(
            "$zip with the longest length and defaults", "manual: $zip (useLongestLength)",
            #"{"$zip": {"inputs": ["$a", ["x"]], "useLongestLength": true, "defaults": [0, "-"]}}"#, #"[[1, "x"], [2, "-"], [3, "-"]]"#),
        expr("$setUnion", "manual: $setUnion", #"{"$sortArray": {"input": {"$setUnion": ["$a", [3, 4, 4]]}, "sortBy": 1}}"#, "[1, 2, 3, 4]"),
        expr(
            "$setIntersection", "manual: $setIntersection", #"{"$sortArray": {"input": {"$setIntersection": ["$a", [2, 3, 5]]}, "sortBy": 1}}"#,
            "[2, 3]"),
        expr("$setDifference", "manual: $setDifference", #"{"$sortArray": {"input": {"$setDifference": ["$a", [2]]}, "sortBy": 1}}"#, "[1, 3]"),
        expr("$setEquals ignores order and repeats", "manual: $setEquals", #"{"$setEquals": ["$a", [3, 2, 1, 1]]}"#, "true"),
        expr("$setIsSubset", "manual: $setIsSubset", #"{"$setIsSubset": [[1], "$a"]}"#, "true"),
        expr("$anyElementTrue", "manual: $anyElementTrue", #"{"$anyElementTrue": [[0, false, null]]}"#, "false"),
        expr("$allElementsTrue", "manual: $allElementsTrue", #"{"$allElementsTrue": [[1, true, "x"]]}"#, "true"),
        expr("$sortArray of values descending", "manual: $sortArray", #"{"$sortArray": {"input": "$a", "sortBy": -1}}"#, "[3, 2, 1]"),
        expr(
            "$sortArray of documents by a field", "manual: $sortArray (sort on a field)", #"{"$sortArray": {"input": "$docs", "sortBy": {"k": -1}}}"#,
            #"[{"k": 2, "v": "y"}, {"k": 1, "v": "x"}]"#),
        expr("$firstN", "manual: $firstN (array operator)", #"{"$firstN": {"n": 2, "input": "$a"}}"#, "[1, 2]"),
        expr("$lastN", "manual: $lastN (array operator)", #"{"$lastN": {"n": 2, "input": "$a"}}"#, "[2, 3]"),
        expr("$maxN skips null", "manual: $maxN (array operator)", #"{"$maxN": {"n": 2, "input": [3, null, 7, 1]}}"#, "[7, 3]"),
        expr("$minN", "manual: $minN (array operator)", #"{"$minN": {"n": 2, "input": [3, null, 7, 1]}}"#, "[1, 3]"),
    ]

    static let objectAndMathCases: [ConformanceCase] = [
        expr("$objectToArray", "manual: $objectToArray", #"{"$objectToArray": {"x": 1, "y": "z"}}"#, #"[{"k": "x", "v": 1}, {"k": "y", "v": "z"}]"#),
        expr("$arrayToObject from pairs", "manual: $arrayToObject", #"{"$arrayToObject": [[["a", 1], ["b", 2]]]}"#, #"{"a": 1, "b": 2}"#),
        expr("$arrayToObject from k/v documents", "manual: $arrayToObject", #"{"$arrayToObject": [[{"k": "a", "v": 1}]]}"#, #"{"a": 1}"#),
        expr("$mergeObjects", "manual: $mergeObjects", #"{"$mergeObjects": [{"a": 1}, {"b": 2}, null, {"a": 3}]}"#, #"{"a": 3, "b": 2}"#),
        expr("$getField", "manual: $getField", #"{"$getField": "s"}"#, #""tube""#),
        expr(
            "$getField with a dotted name", "manual: $getField (fields with periods)",
            #"{"$getField": {"field": "a.b", "input": {"$literal": {"a.b": 5}}}}"#, "5"),
        expr("$abs", "manual: $abs", #"{"$abs": -5}"#, "5"),
        expr("$ceil", "manual: $ceil", #"{"$ceil": "$half"}"#, "3.0"),
        expr("$floor", "manual: $floor", #"{"$floor": "$half"}"#, "2.0"),
        expr("$floor of an integer stays an integer", "manual: $floor", #"{"$floor": "$num"}"#, "10"),
        expr("$sqrt", "manual: $sqrt", #"{"$sqrt": 16}"#, "4.0"),
        expr("$pow of integers", "manual: $pow", #"{"$pow": [2, 10]}"#, "1024"),
        expr("$round to a place", "manual: $round", #"{"$round": [2.567, 1]}"#, "2.6"),
        expr("$round half to even", "manual: $round (rounding to even)", #"{"$round": ["$half", 0]}"#, "2.0"),
        expr("$round an integer to tens", "manual: $round (negative place)", #"{"$round": [1234, -2]}"#, "1200"),
        expr("$trunc", "manual: $trunc", #"{"$trunc": [2.567, 1]}"#, "2.5"),
        expr("$ln", "manual: $ln", #"{"$ln": 1}"#, "0.0"),
        expr("$log10", "manual: $log10", #"{"$log10": 1000}"#, "3.0"),
        expr("$exp", "manual: $exp", #"{"$exp": 0}"#, "1.0"),
        expr("$abs of null is null", "manual: $abs (behavior)", #"{"$abs": "$n"}"#, "null"),
    ]

    static let conversionCases: [ConformanceCase] = [
        expr("$toInt of a string", "manual: $toInt", #"{"$toInt": "42"}"#, "42"),
        expr("$toInt truncates a double", "manual: $toInt", #"{"$toInt": 2.9}"#, "2"),
        expr("$toLong", "manual: $toLong", #"{"$toLong": "5"}"#, #"{"$numberLong": "5"}"#),
        expr("$toDouble of a string", "manual: $toDouble", #"{"$toDouble": "2.5"}"#, "2.5"),
        expr("$toBool of 0", "manual: $toBool", #"{"$toBool": 0}"#, "false"),
        expr("$toBool of a string is true", "manual: $toBool (strings)", #"{"$toBool": "false"}"#, "true"),
        expr("$toDate of milliseconds", "manual: $toDate", #"{"$toDate": {"$numberLong": "86400000"}}"#, date("1970-01-02T00:00:00Z")),
        expr("$toDate of a string", "manual: $toDate", #"{"$toDate": "2024-03-01T10:00:00Z"}"#, date("2024-03-01T10:00:00Z")),
        expr("$convert with onError", "manual: $convert (onError)", #"{"$convert": {"input": "abc", "to": "int", "onError": -1}}"#, "-1"),
        expr("$convert with onNull", "manual: $convert (onNull)", #"{"$convert": {"input": "$missing", "to": "int", "onNull": 0}}"#, "0"),
        expr("$convert to a type code", "manual: $convert (to: type number)", #"{"$convert": {"input": "7", "to": 16}}"#, "7"),
        expr("$toString of a date", "manual: $toString", #"{"$toString": "$d"}"#, #""2024-03-01T00:00:00.000Z""#),
    ]

    static let dateCases: [ConformanceCase] = [
        expr("$year", "manual: $year", #"{"$year": "$d"}"#, "2024"),
        expr("$month", "manual: $month", #"{"$month": "$d"}"#, "3"),
        expr("$dayOfMonth", "manual: $dayOfMonth", #"{"$dayOfMonth": "$d"}"#, "1"),
        expr("$dayOfWeek (Sunday is 1)", "manual: $dayOfWeek", #"{"$dayOfWeek": "$d"}"#, "6"),
        expr("$dayOfYear in a leap year", "manual: $dayOfYear", #"{"$dayOfYear": "$d"}"#, "61"),
        expr("$week (weeks start on Sunday)", "manual: $week", #"{"$week": "$d"}"#, "8"),
        expr("$hour in a time zone", "manual: $hour (timezone)", #"{"$hour": {"date": "$d", "timezone": "Asia/Kolkata"}}"#, "5"),
        expr("$minute with an offset", "manual: $minute (timezone offset)", #"{"$minute": {"date": "$d", "timezone": "+05:30"}}"#, "30"),
        expr("$millisecond", "manual: $millisecond", #"{"$millisecond": {"$add": ["$d", 42]}}"#, "42"),
        expr("$dateToString", "manual: $dateToString", #"{"$dateToString": {"format": "%Y-%m-%d", "date": "$d"}}"#, #""2024-03-01""#),
        expr("$dateToString default format", "manual: $dateToString (format)", #"{"$dateToString": {"date": "$d"}}"#, #""2024-03-01T00:00:00.000Z""#),
        expr(
            "$dateToString in a time zone", "manual: $dateToString (timezone)",
            #"{"$dateToString": {"format": "%H:%M %j %u", "date": "$d", "timezone": "+05:30"}}"#,
            #""05:30 061 5""#),
        expr("$dateToString onNull", "manual: $dateToString (onNull)", #"{"$dateToString": {"date": "$n", "onNull": "none"}}"#, #""none""#),
        expr(
            "$dateFromString", "manual: $dateFromString", #"{"$dateFromString": {"dateString": "2024-03-01T10:00:00Z"}}"#,
            date("2024-03-01T10:00:00Z")),
        expr(
            "$dateFromString with a format", "manual: $dateFromString (format)",
            #"{"$dateFromString": {"dateString": "01/03/2024", "format": "%d/%m/%Y"}}"#,
            date("2024-03-01T00:00:00Z")),
        expr(
            "$dateFromString onError", "manual: $dateFromString (onError)", #"{"$dateFromString": {"dateString": "nope", "onError": "bad"}}"#,
            #""bad""#),
        expr(
            "$dateAdd a month", "manual: $dateAdd", #"{"$dateAdd": {"startDate": "$d", "unit": "month", "amount": 1}}"#, date("2024-04-01T00:00:00Z")),
        expr(
            "$dateAdd back a day in a leap year", "manual: $dateAdd", #"{"$dateAdd": {"startDate": "$d", "unit": "day", "amount": -1}}"#,
            date("2024-02-29T00:00:00Z")),
        expr(
            "$dateSubtract hours", "manual: $dateSubtract", #"{"$dateSubtract": {"startDate": "$d", "unit": "hour", "amount": 2}}"#,
            date("2024-02-29T22:00:00Z")),
        expr(
            "$dateDiff in months", "manual: $dateDiff",
            #"{"$dateDiff": {"startDate": "$d", "endDate": \#(date("2024-05-15T00:00:00Z")), "unit": "month"}}"#,
            #"{"$numberLong": "2"}"#),
        expr(
            "$dateDiff in days", "manual: $dateDiff",
            #"{"$dateDiff": {"startDate": "$d", "endDate": \#(date("2024-05-15T00:00:00Z")), "unit": "day"}}"#,
            #"{"$numberLong": "75"}"#),
        expr(
            "$dateDiff in weeks counts Sundays crossed", "manual: $dateDiff (weeks)",
            #"{"$dateDiff": {"startDate": "$d", "endDate": \#(date("2024-05-15T00:00:00Z")), "unit": "week"}}"#, #"{"$numberLong": "11"}"#),
        expr(
            "$dateDiff in years counts year boundaries", "manual: $dateDiff (elapsed time)",
            #"{"$dateDiff": {"startDate": "$d", "endDate": \#(date("2025-01-01T00:00:00Z")), "unit": "year"}}"#, #"{"$numberLong": "1"}"#),
        expr(
            "$dateTrunc to the month", "manual: $dateTrunc", #"{"$dateTrunc": {"date": \#(date("2024-03-14T10:20:30Z")), "unit": "month"}}"#,
            date("2024-03-01T00:00:00Z")),
        expr(
            "$dateTrunc to the week", "manual: $dateTrunc", #"{"$dateTrunc": {"date": \#(date("2024-03-14T10:20:30Z")), "unit": "week"}}"#,
            date("2024-03-10T00:00:00Z")),
        expr(
            "$dateTrunc to the hour", "manual: $dateTrunc", #"{"$dateTrunc": {"date": \#(date("2024-03-14T10:20:30Z")), "unit": "hour"}}"#,
            date("2024-03-14T10:00:00Z")),
    ]

    static let controlCases: [ConformanceCase] = [
        expr("$let", "manual: $let", #"{"$let": {"vars": {"x": 2}, "in": {"$multiply": ["$$x", "$num"]}}}"#, "20"),
        expr(
            "$switch", "manual: $switch",
            #"{"$switch": {"branches": [{"case": {"$lt": ["$num", 5]}, "then": "low"}, {"case": {"$gte": ["$num", 5]}, "then": "high"}]}}"#,
            #""high""#),
        expr(
            "$switch default", "manual: $switch (default)",
            #"{"$switch": {"branches": [{"case": {"$lt": ["$num", 5]}, "then": "low"}], "default": "none"}}"#,
            #""none""#),
        expr("$reduce a sum", "manual: $reduce", #"{"$reduce": {"input": "$a", "initialValue": 0, "in": {"$add": ["$$value", "$$this"]}}}"#, "6"),
        expr(
            "$reduce strings", "manual: $reduce (string concatenation)",
            #"{"$reduce": {"input": ["a", "b", "c"], "initialValue": "", "in": {"$concat": ["$$value", "$$this"]}}}"#, #""abc""#),
    ]

    static let stageCases: [ConformanceCase] = [
        .aggregate(
            "$sortByCount", "manual: $sortByCount", inv, #"[{"$sortByCount": "$status"}]"#, #"[{"_id": "A", "count": 3}, {"_id": "D", "count": 2}]"#),
        .aggregate(
            "$bucket with a default", "manual: $bucket", inv,
            #"[{"$bucket": {"groupBy": "$qty", "boundaries": [0, 50, 100], "default": "Other"}}]"#,
            #"[{"_id": 0, "count": 2}, {"_id": 50, "count": 2}, {"_id": "Other", "count": 1}]"#),
        .aggregate(
            "$bucket with output", "manual: $bucket (output)", inv,
            #"[{"$bucket": {"groupBy": "$qty", "boundaries": [0, 50, 200], "output": {"n": {"$sum": 1}, "items": {"$push": "$item"}}}}]"#,
            #"[{"_id": 0, "n": 2, "items": ["journal", "postcard"]}, {"_id": 50, "n": 3, "items": ["notebook", "paper", "planner"]}]"#),
        .aggregate(
            "$unionWith", "manual: $unionWith", Fixtures.nulls, foreign: Fixtures.users,
            #"[{"$project": {"_id": 1}}, {"$unionWith": {"coll": "FOREIGN", "pipeline": [{"$project": {"_id": 1}}]}}]"#,
            #"[{"_id": 1}, {"_id": 2}, {"_id": 1}, {"_id": 2}, {"_id": 3}]"#),
        .aggregate("$sample takes that many", "manual: $sample", inv, #"[{"$sample": {"size": 2}}, {"$count": "n"}]"#, #"[{"n": 2}]"#),
        .aggregate(
            "$sample of more than there is", "manual: $sample (behavior)", inv, #"[{"$sample": {"size": 10}}, {"$count": "n"}]"#, #"[{"n": 5}]"#),
        .aggregate(
            "$stdDevPop", "manual: $stdDevPop", Fixtures.spread, #"[{"$match": {"g": "p"}}, {"$group": {"_id": "$g", "sd": {"$stdDevPop": "$x"}}}]"#,
            #"[{"_id": "p", "sd": 2.0}]"#),
        .aggregate(
            "$stdDevSamp ignores non-numbers", "manual: $stdDevSamp", Fixtures.spread,
            #"[{"$match": {"g": "s"}}, {"$group": {"_id": "$g", "sd": {"$stdDevSamp": "$x"}}}]"#, #"[{"_id": "s", "sd": 2.0}]"#),
        .aggregate(
            "$mergeObjects accumulator", "manual: $mergeObjects (as an accumulator)", inv,
            #"[{"$group": {"_id": null, "m": {"$mergeObjects": "$size"}}}]"#,
            #"[{"_id": null, "m": {"h": 10, "w": 15.25, "uom": "cm"}}]"#),
        .aggregate(
            "$count accumulator", "manual: $count (aggregation accumulator)", inv,
            #"[{"$group": {"_id": "$status", "n": {"$count": {}}}}, {"$sort": {"_id": 1}}]"#, #"[{"_id": "A", "n": 3}, {"_id": "D", "n": 2}]"#),
    ]

    /// manual: "$graphLookup" (employees).
    static let employees = #"""
        [{"_id": 1, "name": "Dev"}, {"_id": 2, "name": "Eliot", "reportsTo": "Dev"}, {"_id": 3, "name": "Ron", "reportsTo": "Eliot"},
         {"_id": 4, "name": "Andrew", "reportsTo": "Eliot"}, {"_id": 5, "name": "Asya", "reportsTo": "Ron"}, {"_id": 6, "name": "Dan", "reportsTo": "Andrew"}]
        """#

    /// manual: "$top", "$topN", "$bottom", "$bottomN", "$firstN", "$lastN", "$maxN", "$minN" (gamescores).
    static let gamescores = #"""
        [{"_id": 1, "playerId": "PlayerA", "gameId": "G1", "score": 31}, {"_id": 2, "playerId": "PlayerB", "gameId": "G1", "score": 33},
         {"_id": 3, "playerId": "PlayerC", "gameId": "G1", "score": 99}, {"_id": 4, "playerId": "PlayerD", "gameId": "G1", "score": 1},
         {"_id": 5, "playerId": "PlayerA", "gameId": "G2", "score": 10}, {"_id": 6, "playerId": "PlayerB", "gameId": "G2", "score": 14},
         {"_id": 7, "playerId": "PlayerC", "gameId": "G2", "score": 66}, {"_id": 8, "playerId": "PlayerD", "gameId": "G2", "score": 80}]
        """#

    static func byGame(_ accumulator: String) -> String {
        #"[{"$group": {"_id": "$gameId", "r": \#(accumulator)}}, {"$sort": {"_id": 1}}]"#
    }

    static let groupNCases: [ConformanceCase] = [
        .aggregate(
            "$top", "manual: $top (find the top score)", gamescores,
            byGame(#"{"$top": {"output": ["$playerId", "$score"], "sortBy": {"score": -1}}}"#),
            #"[{"_id": "G1", "r": ["PlayerC", 99]}, {"_id": "G2", "r": ["PlayerD", 80]}]"#),
        .aggregate(
            "$topN", "manual: $topN (find the three highest scores)", gamescores,
            byGame(#"{"$topN": {"output": ["$playerId", "$score"], "sortBy": {"score": -1}, "n": 3}}"#),
            #"[{"_id": "G1", "r": [["PlayerC", 99], ["PlayerB", 33], ["PlayerA", 31]]}, {"_id": "G2", "r": [["PlayerD", 80], ["PlayerC", 66], ["PlayerB", 14]]}]"#
        ),
        .aggregate(
            "$bottom", "manual: $bottom (find the bottom score)", gamescores,
            byGame(#"{"$bottom": {"output": ["$playerId", "$score"], "sortBy": {"score": -1}}}"#),
            #"[{"_id": "G1", "r": ["PlayerD", 1]}, {"_id": "G2", "r": ["PlayerA", 10]}]"#),
        .aggregate(
            "$bottomN", "manual: $bottomN (find the three lowest scores)", gamescores,
            byGame(#"{"$bottomN": {"output": ["$playerId", "$score"], "sortBy": {"score": -1}, "n": 2}}"#),
            #"[{"_id": "G1", "r": [["PlayerA", 31], ["PlayerD", 1]]}, {"_id": "G2", "r": [["PlayerB", 14], ["PlayerA", 10]]}]"#),
        .aggregate(
            "$firstN accumulator", "manual: $firstN (aggregation accumulator)", gamescores, byGame(#"{"$firstN": {"input": "$playerId", "n": 2}}"#),
            #"[{"_id": "G1", "r": ["PlayerA", "PlayerB"]}, {"_id": "G2", "r": ["PlayerA", "PlayerB"]}]"#),
        .aggregate(
            "$lastN accumulator", "manual: $lastN (aggregation accumulator)", gamescores, byGame(#"{"$lastN": {"input": "$playerId", "n": 2}}"#),
            #"[{"_id": "G1", "r": ["PlayerC", "PlayerD"]}, {"_id": "G2", "r": ["PlayerC", "PlayerD"]}]"#),
        .aggregate(
            "$maxN accumulator", "manual: $maxN (aggregation accumulator)", gamescores, byGame(#"{"$maxN": {"input": "$score", "n": 2}}"#),
            #"[{"_id": "G1", "r": [99, 33]}, {"_id": "G2", "r": [80, 66]}]"#),
        .aggregate(
            "$minN accumulator", "manual: $minN (aggregation accumulator)", gamescores, byGame(#"{"$minN": {"input": "$score", "n": 2}}"#),
            #"[{"_id": "G1", "r": [1, 31]}, {"_id": "G2", "r": [10, 14]}]"#),
        .error(
            "$topN without n", "manual: $topN", gamescores,
            .aggregate(byGame(#"{"$topN": {"output": "$score", "sortBy": {"score": -1}}}"#)), code: 5_787_906),
    ]

    /// manual: "$setWindowFields" (cakeSales).
    static let cakeSales = #"""
        [{"_id": 0, "type": "chocolate", "orderDate": {"$date": "2020-05-18T14:10:30Z"}, "state": "CA", "price": 13, "quantity": 120},
         {"_id": 1, "type": "chocolate", "orderDate": {"$date": "2021-03-20T11:30:05Z"}, "state": "WA", "price": 14, "quantity": 140},
         {"_id": 2, "type": "vanilla", "orderDate": {"$date": "2021-01-11T06:31:15Z"}, "state": "CA", "price": 12, "quantity": 145},
         {"_id": 3, "type": "vanilla", "orderDate": {"$date": "2020-02-08T13:13:23Z"}, "state": "WA", "price": 13, "quantity": 104},
         {"_id": 4, "type": "strawberry", "orderDate": {"$date": "2019-05-18T16:09:01Z"}, "state": "CA", "price": 41, "quantity": 162},
         {"_id": 5, "type": "strawberry", "orderDate": {"$date": "2019-01-08T06:12:03Z"}, "state": "WA", "price": 43, "quantity": 134}]
        """#
    static let ties = #"[{"_id": 1, "score": 10}, {"_id": 2, "score": 20}, {"_id": 3, "score": 20}, {"_id": 4, "score": 30}]"#

    static func windowed(_ stage: String) -> String { #"[{"$setWindowFields": \#(stage)}, {"$project": {"w": 1}}, {"$sort": {"_id": 1}}]"# }

    static let windowCases: [ConformanceCase] = [
        .aggregate(
            "$setWindowFields running total", "manual: $setWindowFields (cumulative quantity for each state)", cakeSales,
            windowed(
                #"{"partitionBy": "$state", "sortBy": {"orderDate": 1}, "output": {"w": {"$sum": "$quantity", "window": {"documents": ["unbounded", "current"]}}}}"#
            ),
            #"[{"_id": 0, "w": 282}, {"_id": 1, "w": 378}, {"_id": 2, "w": 427}, {"_id": 3, "w": 238}, {"_id": 4, "w": 162}, {"_id": 5, "w": 134}]"#),
        .aggregate(
            "$setWindowFields moving average", "manual: $setWindowFields (moving average)", cakeSales,
            windowed(
                #"{"partitionBy": "$state", "sortBy": {"orderDate": 1}, "output": {"w": {"$avg": "$quantity", "window": {"documents": [-1, 0]}}}}"#),
            #"[{"_id": 0, "w": 141.0}, {"_id": 1, "w": 122.0}, {"_id": 2, "w": 132.5}, {"_id": 3, "w": 119.0}, {"_id": 4, "w": 162.0}, {"_id": 5, "w": 134.0}]"#
        ),
        .aggregate(
            "$setWindowFields over the whole partition", "manual: $setWindowFields (window defaults to the partition)", cakeSales,
            windowed(#"{"partitionBy": "$state", "output": {"w": {"$max": "$quantity"}}}"#),
            #"[{"_id": 0, "w": 162}, {"_id": 1, "w": 140}, {"_id": 2, "w": 162}, {"_id": 3, "w": 140}, {"_id": 4, "w": 162}, {"_id": 5, "w": 140}]"#),
        .aggregate(
            "$documentNumber", "manual: $documentNumber", cakeSales,
            windowed(#"{"partitionBy": "$state", "sortBy": {"quantity": -1}, "output": {"w": {"$documentNumber": {}}}}"#),
            #"[{"_id": 0, "w": 3}, {"_id": 1, "w": 1}, {"_id": 2, "w": 2}, {"_id": 3, "w": 3}, {"_id": 4, "w": 1}, {"_id": 5, "w": 2}]"#),
        .aggregate(
            "$rank leaves gaps after ties", "manual: $rank", ties, windowed(#"{"sortBy": {"score": -1}, "output": {"w": {"$rank": {}}}}"#),
            #"[{"_id": 1, "w": 4}, {"_id": 2, "w": 2}, {"_id": 3, "w": 2}, {"_id": 4, "w": 1}]"#),
        .aggregate(
            "$denseRank does not", "manual: $denseRank", ties, windowed(#"{"sortBy": {"score": -1}, "output": {"w": {"$denseRank": {}}}}"#),
            #"[{"_id": 1, "w": 3}, {"_id": 2, "w": 2}, {"_id": 3, "w": 2}, {"_id": 4, "w": 1}]"#),
        .aggregate(
            "$shift to the next document", "manual: $shift", cakeSales,
            windowed(
                #"{"partitionBy": "$state", "sortBy": {"orderDate": 1}, "output": {"w": {"$shift": {"output": "$quantity", "by": 1, "default": "none"}}}}"#
            ),
            #"[{"_id": 0, "w": 145}, {"_id": 1, "w": "none"}, {"_id": 2, "w": "none"}, {"_id": 3, "w": 140}, {"_id": 4, "w": 120}, {"_id": 5, "w": 104}]"#
        ),
        .aggregate(
            "$setWindowFields range window", "manual: $setWindowFields (range window)", ties,
            windowed(#"{"sortBy": {"score": 1}, "output": {"w": {"$sum": "$score", "window": {"range": [-10, 0]}}}}"#),
            #"[{"_id": 1, "w": 10}, {"_id": 2, "w": 50}, {"_id": 3, "w": 50}, {"_id": 4, "w": 70}]"#),
        .error(
            "$rank without sortBy", "manual: $rank (sortBy is required)", ties,
            .aggregate(#"[{"$setWindowFields": {"output": {"w": {"$rank": {}}}}}]"#), code: 5_371_602),
    ]

    static let fillAndDensifyCases: [ConformanceCase] = [
        .aggregate(
            "$bucketAuto", "manual: $bucketAuto (single field)",
            #"[{"_id": 1, "p": 1}, {"_id": 2, "p": 2}, {"_id": 3, "p": 3}, {"_id": 4, "p": 4}, {"_id": 5, "p": 5}, {"_id": 6, "p": 6}, {"_id": 7, "p": 7}, {"_id": 8, "p": 8}, {"_id": 9, "p": 9}]"#,
            #"[{"$bucketAuto": {"groupBy": "$p", "buckets": 3, "output": {"n": {"$sum": 1}, "total": {"$sum": "$p"}}}}]"#,
            #"[{"_id": {"min": 1, "max": 4}, "n": 3, "total": 6}, {"_id": {"min": 4, "max": 7}, "n": 3, "total": 15}, {"_id": {"min": 7, "max": 9}, "n": 3, "total": 24}]"#
        ),
        .aggregate(
            "$fill with a value", "manual: $fill (fill missing field values with a constant)",
            #"[{"_id": 1, "qty": 5}, {"_id": 2}, {"_id": 3, "qty": null}]"#,
            #"[{"$fill": {"output": {"qty": {"value": 0}}}}]"#, #"[{"_id": 1, "qty": 5}, {"_id": 2, "qty": 0}, {"_id": 3, "qty": 0}]"#),
        .aggregate(
            "$fill with the last observation", "manual: $fill (last observed value)",
            #"[{"_id": 1, "p": 10}, {"_id": 2}, {"_id": 3, "p": 12}, {"_id": 4, "p": null}]"#,
            #"[{"$fill": {"sortBy": {"_id": 1}, "output": {"p": {"method": "locf"}}}}]"#,
            #"[{"_id": 1, "p": 10}, {"_id": 2, "p": 10}, {"_id": 3, "p": 12}, {"_id": 4, "p": 12}]"#),
        .aggregate(
            "$fill linearly", "manual: $fill (linear interpolation)",
            #"[{"_id": 1, "t": 1, "v": 10}, {"_id": 2, "t": 2}, {"_id": 3, "t": 4, "v": 40}]"#,
            #"[{"$fill": {"sortBy": {"t": 1}, "output": {"v": {"method": "linear"}}}}]"#,
            #"[{"_id": 1, "t": 1, "v": 10}, {"_id": 2, "t": 2, "v": 20.0}, {"_id": 3, "t": 4, "v": 40}]"#),
        .aggregate(
            "$densify numbers", "manual: $densify (densify numeric data)", #"[{"_id": 1, "n": 1}, {"_id": 2, "n": 4}]"#,
            #"[{"$densify": {"field": "n", "range": {"step": 1, "bounds": "full"}}}, {"$project": {"_id": 0, "n": 1}}]"#,
            #"[{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}]"#),
        .aggregate(
            "$densify dates by the day", "manual: $densify (densify time series data)",
            #"[{"_id": 1, "d": {"$date": "2024-03-01T00:00:00Z"}}, {"_id": 2, "d": {"$date": "2024-03-04T00:00:00Z"}}]"#,
            #"[{"$densify": {"field": "d", "range": {"step": 1, "unit": "day", "bounds": "full"}}}, {"$project": {"_id": 0, "d": 1}}]"#,
            #"[{"d": {"$date": "2024-03-01T00:00:00Z"}}, {"d": {"$date": "2024-03-02T00:00:00Z"}}, {"d": {"$date": "2024-03-03T00:00:00Z"}}, {"d": {"$date": "2024-03-04T00:00:00Z"}}]"#
        ),
        .aggregate(
            "$densify within explicit bounds", "manual: $densify (bounds)", #"[{"_id": 1, "n": 2}]"#,
            #"[{"$densify": {"field": "n", "range": {"step": 2, "bounds": [0, 6]}}}, {"$project": {"_id": 0, "n": 1}}]"#,
            #"[{"n": 0}, {"n": 2}, {"n": 4}]"#),
        expr("$toDecimal", "manual: $toDecimal", #"{"$toDecimal": "$half"}"#, #"{"$numberDecimal": "2.5"}"#),
        expr("$toDecimal of a string", "manual: $toDecimal", #"{"$toDecimal": "12.75"}"#, #"{"$numberDecimal": "12.75"}"#),
        expr(
            "$dateTrunc in bins of hours", "manual: $dateTrunc (binSize)",
            #"{"$dateTrunc": {"date": \#(date("2024-03-14T10:20:30Z")), "unit": "hour", "binSize": 6}}"#,
            date("2024-03-14T06:00:00Z")),
        expr(
            "$dateTrunc in bins of months", "manual: $dateTrunc (binSize)",
            #"{"$dateTrunc": {"date": \#(date("2024-03-14T10:20:30Z")), "unit": "month", "binSize": 3}}"#,
            date("2024-01-01T00:00:00Z")),
        .error(
            "$bucketAuto with no buckets", "manual: $bucketAuto", Fixtures.values,
            .aggregate(#"[{"$bucketAuto": {"groupBy": "$num", "buckets": 0}}]"#), code: 40_243),
        .error(
            "$fill locf without sortBy", "manual: $fill", Fixtures.values, .aggregate(#"[{"$fill": {"output": {"num": {"method": "locf"}}}}]"#),
            code: 6_050_201),
    ]

    static let moreCases: [ConformanceCase] = [
        .aggregate(
            "$graphLookup", "manual: $graphLookup (within a single collection)", employees, foreign: employees,
            #"[{"$match": {"_id": 5}}, {"$graphLookup": {"from": "FOREIGN", "startWith": "$reportsTo", "connectFromField": "reportsTo", "connectToField": "name", "as": "chain"}}, {"$project": {"names": {"$sortArray": {"input": "$chain.name", "sortBy": 1}}}}]"#,
            #"[{"_id": 5, "names": ["Dev", "Eliot", "Ron"]}]"#),
        .aggregate(
            "$graphLookup with maxDepth and depthField", "manual: $graphLookup (maxDepth, depthField)", employees, foreign: employees,
            #"[{"$match": {"_id": 5}}, {"$graphLookup": {"from": "FOREIGN", "startWith": "$reportsTo", "connectFromField": "reportsTo", "connectToField": "name", "as": "chain", "maxDepth": 1, "depthField": "d"}}, {"$unwind": "$chain"}, {"$sort": {"chain.d": 1}}, {"$project": {"_id": 0, "n": "$chain.name", "d": "$chain.d"}}]"#,
            #"[{"n": "Ron", "d": {"$numberLong": "0"}}, {"n": "Eliot", "d": {"$numberLong": "1"}}]"#),
        .aggregate(
            "$graphLookup with restrictSearchWithMatch", "manual: $graphLookup (restrictSearchWithMatch)", employees, foreign: employees,
            #"[{"$match": {"_id": 5}}, {"$graphLookup": {"from": "FOREIGN", "startWith": "$reportsTo", "connectFromField": "reportsTo", "connectToField": "name", "as": "chain", "restrictSearchWithMatch": {"name": {"$ne": "Eliot"}}}}, {"$project": {"names": "$chain.name"}}]"#,
            #"[{"_id": 5, "names": ["Ron"]}]"#),
        .aggregate(
            "$redact prunes by level", "manual: $redact",
            #"[{"_id": 1, "level": 1, "secret": {"level": 5, "x": 1}, "items": [{"level": 1, "a": 1}, {"level": 5, "b": 2}]}]"#,
            #"[{"$redact": {"$cond": {"if": {"$lte": ["$level", 3]}, "then": "$$DESCEND", "else": "$$PRUNE"}}}]"#,
            #"[{"_id": 1, "level": 1, "items": [{"level": 1, "a": 1}]}]"#),
        .aggregate(
            "$redact keeps a whole document", "manual: $redact ($$KEEP)", #"[{"_id": 1, "ok": true, "sub": {"ok": false}}, {"_id": 2, "ok": false}]"#,
            #"[{"$redact": {"$cond": [{"$eq": ["$ok", true]}, "$$KEEP", "$$PRUNE"]}}]"#, #"[{"_id": 1, "ok": true, "sub": {"ok": false}}]"#),
        expr(
            "$setField", "manual: $setField (add fields that contain periods)",
            #"{"$setField": {"field": "a.b", "input": {"$literal": {"x": 1}}, "value": 2}}"#, #"{"x": 1, "a.b": 2}"#),
        expr(
            "$setField with $$REMOVE", "manual: $setField (remove fields)",
            #"{"$setField": {"field": "x", "input": {"$literal": {"x": 1, "y": 2}}, "value": "$$REMOVE"}}"#, #"{"y": 2}"#),
        expr("$unsetField", "manual: $unsetField", #"{"$unsetField": {"field": "x", "input": {"$literal": {"x": 1, "y": 2}}}}"#, #"{"y": 2}"#),
        expr(
            "$rand is a double in [0, 1)", "manual: $rand",
            #"{"$and": [{"$gte": [{"$rand": {}}, 0]}, {"$lt": [{"$rand": {}}, 1]}, {"$eq": [{"$type": {"$rand": {}}}, "double"]}]}"#, "true"),
        expr(
            "$setField with a $-prefixed name in $literal", "manual: $setField (add fields that start with a dollar sign)",
            #"{"$setField": {"field": {"$literal": "$price"}, "input": {"$literal": {"x": 1}}, "value": 5}}"#, #"{"x": 1, "$price": 5}"#),
        expr("$isoWeek", "manual: $isoWeek", #"{"$isoWeek": "$d"}"#, "9"),
        expr("$isoDayOfWeek (Monday is 1)", "manual: $isoDayOfWeek", #"{"$isoDayOfWeek": "$d"}"#, "5"),
        expr("$isoWeekYear at a year's edge", "manual: $isoWeekYear", #"{"$isoWeekYear": \#(date("2021-01-01T00:00:00Z"))}"#, "2020"),
    ]

    static let libraryErrorCases: [ConformanceCase] = [
        .error(
            "$switch with no match and no default", "manual: $switch", Fixtures.values,
            .aggregate(#"[{"$project": {"r": {"$switch": {"branches": [{"case": false, "then": 1}]}}}}]"#), code: 40066),
        .error(
            "$range with a zero step", "manual: $range", Fixtures.values, .aggregate(#"[{"$project": {"r": {"$range": [0, 5, 0]}}}]"#), code: 34449),
        .error(
            "$split of a number", "manual: $split", Fixtures.values, .aggregate(#"[{"$project": {"r": {"$split": ["$num", ","]}}}]"#), code: 40085),
        .error(
            "$strLenCP of a number", "manual: $strLenCP", Fixtures.values, .aggregate(#"[{"$project": {"r": {"$strLenCP": "$num"}}}]"#), code: 34471),
        .error("$sqrt of a negative number", "manual: $sqrt", Fixtures.values, .aggregate(#"[{"$project": {"r": {"$sqrt": -1}}}]"#), code: 28714),
        .error(
            "$reverseArray of a string", "manual: $reverseArray", Fixtures.values, .aggregate(#"[{"$project": {"r": {"$reverseArray": "$s"}}}]"#),
            code: 34435),
        .error(
            "$dateToString with an unknown specifier", "manual: $dateToString (format specifiers)", Fixtures.values,
            .aggregate(#"[{"$project": {"r": {"$dateToString": {"date": "$d", "format": "%Q"}}}}]"#), code: 18536),
        .error(
            "$let with an upper-case variable", "manual: $let (variable names)", Fixtures.values,
            .aggregate(#"[{"$project": {"r": {"$let": {"vars": {"X": 1}, "in": "$$X"}}}}]"#), code: 16867),
        .error(
            "$bucket boundaries out of order", "manual: $bucket", inv, .aggregate(#"[{"$bucket": {"groupBy": "$qty", "boundaries": [50, 0]}}]"#),
            code: 40194),
        .error(
            "$bucket value outside with no default", "manual: $bucket (default)", inv,
            .aggregate(#"[{"$bucket": {"groupBy": "$qty", "boundaries": [0, 50]}}]"#), code: 40066),
        .error("$sample of a negative size", "manual: $sample", inv, .aggregate(#"[{"$sample": {"size": -1}}]"#), code: 28747),
        .error("$sortByCount without a $", "manual: $sortByCount", inv, .aggregate(#"[{"$sortByCount": "status"}]"#), code: 40148),
        .error(
            "an unknown expression", "rule: unknown expression operator", Fixtures.values, .aggregate(#"[{"$project": {"r": {"$nope": 1}}}]"#),
            code: 168),
    ]
}
