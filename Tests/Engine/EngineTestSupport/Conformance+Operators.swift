// Conformance rows for the query and update operators added after the first table (issue 14):
// $all, $type, $mod, the $bits family; $min, $max, $mul, $rename, $pop, $pullAll, and $push's
// $position, $sort and $slice. Each names the manual page its expectation comes from.

import Foundation

extension Fixtures {
    /// manual: "$type" (addressBook).
    public static let addressBook = #"""
        [{"_id": 1, "address": "2030 Martian Way", "zipCode": "90698345"},
         {"_id": 2, "address": "156 Lunar Place", "zipCode": {"$numberDouble": "43339374"}},
         {"_id": 3, "address": "2324 Pluto Place", "zipCode": {"$numberLong": "3921412"}},
         {"_id": 4, "address": "55 Saturn Ring", "zipCode": {"$numberInt": "88602117"}},
         {"_id": 5, "address": "104 Venus Drive", "zipCode": ["834847278", "834847279"]},
         {"_id": 6, "address": "nowhere"}]
        """#
    /// manual: "$bitsAllSet" and its siblings (a: 54, 20, 20.0, BinData 0x66).
    public static let bits = #"""
        [{"_id": 1, "a": 54}, {"_id": 2, "a": 20}, {"_id": 3, "a": 20.0}, {"_id": 4, "a": {"$binary": {"base64": "Zg==", "subType": "00"}}},
         {"_id": 5, "a": -1}, {"_id": 6, "a": 2.5}, {"_id": 7, "a": "54"}, {"_id": 8, "a": [54]}]
        """#
    /// manual: "$mod".
    public static let modInventory = #"""
        [{"_id": 1, "item": "abc123", "qty": 0}, {"_id": 2, "item": "xyz123", "qty": 5}, {"_id": 3, "item": "ijk123", "qty": 12},
         {"_id": 4, "item": "neg", "qty": -12}, {"_id": 5, "item": "frac", "qty": 12.9}, {"_id": 6, "item": "none"},
         {"_id": 7, "item": "text", "qty": "12"}, {"_id": 8, "item": "list", "qty": [1, 8]}]
        """#
    /// manual: "$all" (inventory with tags and qty).
    public static let allInventory = #"""
        [{"_id": 1, "code": "xyz", "tags": ["school", "book", "bag", "headphone", "appliance"],
          "qty": [{"size": "S", "num": 10, "color": "blue"}, {"size": "M", "num": 45, "color": "blue"}, {"size": "L", "num": 100, "color": "green"}]},
         {"_id": 2, "code": "abc", "tags": ["appliance", "school", "book"],
          "qty": [{"size": "6", "num": 100, "color": "green"}, {"size": "6", "num": 50, "color": "blue"}, {"size": "8", "num": 100, "color": "brown"}]},
         {"_id": 3, "code": "efg", "tags": ["school", "book"],
          "qty": [{"size": "S", "num": 10, "color": "blue"}, {"size": "M", "num": 100, "color": "blue"}, {"size": "L", "num": 100, "color": "green"}]},
         {"_id": 4, "code": "ijk", "tags": ["electronics", "school"], "qty": [{"size": "M", "num": 100, "color": "green"}]},
         {"_id": 5, "code": "one", "tags": "school"}]
        """#
}

extension Conformance {
    static let book = Fixtures.addressBook, bits = Fixtures.bits, mod = Fixtures.modInventory, all = Fixtures.allInventory
    /// The people fixture's two documents as text, for the `after` of update rows.
    static let person1 =
        #"{"_id": 1, "name": "a", "n": 1, "tags": ["x"], "sub": {"a": 1}, "scores": [1, 6, 8, 2], "items": [{"qty": 1}, {"qty": 10}]}"#
    static let person2 = #"{"_id": 2, "name": "b", "n": 2.5, "tags": [], "sub": {"a": 2}}"#

    static func person1(_ replacing: String, with text: String) -> String { person1.replacingOccurrences(of: replacing, with: text) }
    static func person2(_ replacing: String, with text: String) -> String { person2.replacingOccurrences(of: replacing, with: text) }

    static let operatorCases: [ConformanceCase] = queryOperatorCases + updateOperatorCases + operatorErrorCases

    static let queryOperatorCases: [ConformanceCase] = [
        // $type
        .find("$type by alias", "manual: $type (querying by data type)", book, #"{"zipCode": {"$type": "string"}}"#, [1, 5]),
        .find("$type by number", "manual: $type (querying by data type)", book, #"{"zipCode": {"$type": 2}}"#, [1, 5]),
        .find("$type double", "manual: $type (querying by data type)", book, #"{"zipCode": {"$type": "double"}}"#, [2]),
        .find("$type long", "manual: $type (querying by data type)", book, #"{"zipCode": {"$type": "long"}}"#, [3]),
        .find("$type int", "manual: $type (querying by data type)", book, #"{"zipCode": {"$type": 16}}"#, [4]),
        .find("$type number covers every numeric type", "manual: $type (number alias)", book, #"{"zipCode": {"$type": "number"}}"#, [2, 3, 4]),
        .find("$type with several types", "manual: $type (multiple data types)", book, #"{"zipCode": {"$type": ["string", "long"]}}"#, [1, 3, 5]),
        .find("$type array", "manual: $type (arrays)", book, #"{"zipCode": {"$type": "array"}}"#, [5]),
        .find("$type never matches a missing field", "rule: $type (missing fields)", book, #"{"zipCode": {"$type": "null"}}"#, []),
        .find("$type null matches an explicit null", "rule: $type (null)", Fixtures.nulls, #"{"item": {"$type": "null"}}"#, [1]),
        .find("$type object", "rule: $type (object)", inv, #"{"size": {"$type": "object"}}"#, [1, 2, 3, 4, 5]),
        .find("$not $type", "manual: $not", book, #"{"zipCode": {"$not": {"$type": "number"}}}"#, [1, 5, 6]),
        // $mod
        .find("$mod", "manual: $mod (use $mod to select documents)", mod, #"{"qty": {"$mod": [4, 0]}}"#, [1, 3, 4, 5, 8]),
        .find("$mod with a remainder", "rule: $mod", mod, #"{"qty": {"$mod": [4, 1]}}"#, [2, 8]),
        .find("$mod truncates a float divisor", "manual: $mod (floating point arguments)", mod, #"{"qty": {"$mod": [4.5, 0]}}"#, [1, 3, 4, 5, 8]),
        .find(
            "$mod of a negative dividend keeps its sign", "rule: $mod (the remainder takes the dividend's sign)", mod, #"{"qty": {"$mod": [5, -2]}}"#,
            [4]),
        .find("$mod never matches a string", "rule: $mod (numbers only)", mod, #"{"qty": {"$mod": [12, 0]}}"#, [1, 3, 4, 5]),
        // $all
        .find("$all strings", "manual: $all (use $all to match values)", all, #"{"tags": {"$all": ["appliance", "school", "book"]}}"#, [1, 2]),
        .find(
            "$all with $elemMatch", "manual: $all (use $all with $elemMatch)", all,
            #"{"qty": {"$all": [{"$elemMatch": {"size": "M", "num": {"$gt": 50}}}, {"$elemMatch": {"num": 100, "color": "green"}}]}}"#, [3, 4]),
        .find("$all on a dotted array path", "manual: $all (use $all with nested arrays)", all, #"{"qty.num": {"$all": [50]}}"#, [2]),
        .find("$all on a non-array field", "manual: $all (non-array field)", all, #"{"tags": {"$all": ["school"]}}"#, [1, 2, 3, 4, 5]),
        .find("$all with an empty list matches nothing", "manual: $all (empty array)", all, #"{"tags": {"$all": []}}"#, []),
        .find("$all of one value is equality", "manual: $all (equivalent to $and)", all, #"{"tags": {"$all": ["electronics"]}}"#, [4]),
        // the $bits family
        .find("$bitsAllSet positions", "manual: $bitsAllSet (bit position array)", bits, #"{"a": {"$bitsAllSet": [1, 5]}}"#, [1, 4, 5]),
        .find("$bitsAllSet mask", "manual: $bitsAllSet (integer bitmask)", bits, #"{"a": {"$bitsAllSet": 50}}"#, [1, 5]),
        .find(
            "$bitsAllSet BinData mask", "manual: $bitsAllSet (BinData bitmask)", bits,
            #"{"a": {"$bitsAllSet": {"$binary": {"base64": "MA==", "subType": "00"}}}}"#, [1, 5]),
        .find("$bitsAnySet positions", "manual: $bitsAnySet (bit position array)", bits, #"{"a": {"$bitsAnySet": [1, 5]}}"#, [1, 4, 5]),
        .find("$bitsAnySet mask", "manual: $bitsAnySet (integer bitmask)", bits, #"{"a": {"$bitsAnySet": 35}}"#, [1, 4, 5]),
        .find("$bitsAllClear positions", "manual: $bitsAllClear (bit position array)", bits, #"{"a": {"$bitsAllClear": [1, 5]}}"#, [2, 3]),
        .find("$bitsAllClear mask", "manual: $bitsAllClear (integer bitmask)", bits, #"{"a": {"$bitsAllClear": 35}}"#, [2, 3]),
        .find("$bitsAnyClear positions", "manual: $bitsAnyClear (bit position array)", bits, #"{"a": {"$bitsAnyClear": [1, 5]}}"#, [2, 3]),
        .find("$bitsAnyClear mask", "manual: $bitsAnyClear (integer bitmask)", bits, #"{"a": {"$bitsAnyClear": 35}}"#, [1, 2, 3, 4]),
        .find("negative numbers are sign-extended", "manual: $bitsAllSet (sign extension)", bits, #"{"a": {"$bitsAllSet": [200]}}"#, [5]),
    ]

    static let updateOperatorCases: [ConformanceCase] = [
        .update(
            "$min lowers", "manual: $min (use $min to compare numbers)", #"{"_id": 1}"#, #"{"$min": {"n": 0}}"#, matched: 1, modified: 1,
            after: "[\(person1(#""n": 1"#, with: #""n": 0"#)), \(person2)]"),
        .update(
            "$min keeps a smaller value", "manual: $min", #"{"_id": 1}"#, #"{"$min": {"n": 5}}"#, matched: 1, modified: 0,
            after: "[\(person1), \(person2)]"),
        .update(
            "$min sets a missing field", "manual: $min (behavior: field does not exist)", #"{"_id": 2}"#, #"{"$min": {"low": 3}}"#,
            after: "[\(person1), \(person2(#""sub": {"a": 2}}"#, with: #""sub": {"a": 2}, "low": 3}"#))]"),
        .update(
            "$min compares across types by BSON order", "manual: $min (comparison order)", #"{"_id": 2}"#, #"{"$min": {"n": null}}"#,
            after: "[\(person1), \(person2(#""n": 2.5"#, with: #""n": null"#))]"),
        .update(
            "$max raises", "manual: $max (use $max to compare numbers)", #"{"_id": 2}"#, #"{"$max": {"n": 3}}"#,
            after: "[\(person1), \(person2(#""n": 2.5"#, with: #""n": 3"#))]"),
        .update(
            "$max keeps a larger value", "manual: $max", #"{"_id": 2}"#, #"{"$max": {"n": 1}}"#, matched: 1, modified: 0,
            after: "[\(person1), \(person2)]"),
        .update(
            "$max on an embedded field", "manual: $max", #"{"_id": 1}"#, #"{"$max": {"sub.a": 7}}"#,
            after: "[\(person1(#""sub": {"a": 1}"#, with: #""sub": {"a": 7}"#)), \(person2)]"),
        .update(
            "$mul", "manual: $mul (multiply the value of a field)", #"{"_id": 1}"#, #"{"$mul": {"n": 3}}"#,
            after: "[\(person1(#""n": 1"#, with: #""n": 3"#)), \(person2)]"),
        .update(
            "$mul by a double", "manual: $mul (mixed types)", #"{"_id": 2}"#, #"{"$mul": {"n": 1.5}}"#,
            after: "[\(person1), \(person2(#""n": 2.5"#, with: #""n": 3.75"#))]"),
        .update(
            "$mul on a missing field sets 0", "manual: $mul (apply to a non-existing field)", #"{"_id": 2}"#, #"{"$mul": {"m": 4}}"#,
            after: "[\(person1), \(person2(#""sub": {"a": 2}}"#, with: #""sub": {"a": 2}, "m": 0}"#))]"),
        .update(
            "$rename a field", "manual: $rename (rename a field)", #"{"_id": 2}"#, #"{"$rename": {"name": "nick"}}"#,
            after: #"[\#(person1), {"_id": 2, "n": 2.5, "tags": [], "sub": {"a": 2}, "nick": "b"}]"#),
        .update(
            "$rename into an embedded document", "manual: $rename (rename a field in an embedded document)", #"{"_id": 2}"#,
            #"{"$rename": {"name": "sub.name"}}"#, after: #"[\#(person1), {"_id": 2, "n": 2.5, "tags": [], "sub": {"a": 2, "name": "b"}}]"#),
        .update(
            "$rename a missing field does nothing", "manual: $rename (rename a field that does not exist)", #"{"_id": 2}"#,
            #"{"$rename": {"nope": "other"}}"#, matched: 1, modified: 0, after: "[\(person1), \(person2)]"),
        .update(
            "$rename over an existing field replaces it", "manual: $rename (behavior)", #"{"_id": 2}"#, #"{"$rename": {"name": "n"}}"#,
            after: #"[\#(person1), {"_id": 2, "tags": [], "sub": {"a": 2}, "n": "b"}]"#),
        .update(
            "$pop the last element", "manual: $pop (remove the last item)", #"{"_id": 1}"#, #"{"$pop": {"scores": 1}}"#,
            after: "[\(person1("[1, 6, 8, 2]", with: "[1, 6, 8]")), \(person2)]"),
        .update(
            "$pop the first element", "manual: $pop (remove the first item)", #"{"_id": 1}"#, #"{"$pop": {"scores": -1}}"#,
            after: "[\(person1("[1, 6, 8, 2]", with: "[6, 8, 2]")), \(person2)]"),
        .update(
            "$pop an empty array changes nothing", "rule: $pop (empty array)", #"{"_id": 2}"#, #"{"$pop": {"tags": 1}}"#, matched: 1,
            modified: 0, after: "[\(person1), \(person2)]"),
        .update(
            "$pullAll", "manual: $pullAll", #"{"_id": 1}"#, #"{"$pullAll": {"scores": [1, 8]}}"#,
            after: "[\(person1("[1, 6, 8, 2]", with: "[6, 2]")), \(person2)]"),
        .update(
            "$push $each $sort", "manual: $push (use $push with multiple modifiers)", #"{"_id": 1}"#,
            #"{"$push": {"scores": {"$each": [3], "$sort": 1}}}"#, after: "[\(person1("[1, 6, 8, 2]", with: "[1, 2, 3, 6, 8]")), \(person2)]"),
        .update(
            "$push $each $slice from the end", "manual: $slice (slice from the end of the array)", #"{"_id": 1}"#,
            #"{"$push": {"scores": {"$each": [9], "$slice": -3}}}"#, after: "[\(person1("[1, 6, 8, 2]", with: "[8, 2, 9]")), \(person2)]"),
        .update(
            "$push $each $position", "manual: $position", #"{"_id": 1}"#, #"{"$push": {"scores": {"$each": [0], "$position": 0}}}"#,
            after: "[\(person1("[1, 6, 8, 2]", with: "[0, 1, 6, 8, 2]")), \(person2)]"),
        .update(
            "$push $position from the end", "manual: $position (negative index)", #"{"_id": 1}"#,
            #"{"$push": {"scores": {"$each": [7], "$position": -1}}}"#, after: "[\(person1("[1, 6, 8, 2]", with: "[1, 6, 8, 7, 2]")), \(person2)]"),
        .update(
            "$push $slice 0 empties the array", "manual: $slice (update array using slice only)", #"{"_id": 1}"#,
            #"{"$push": {"scores": {"$each": [], "$slice": 0}}}"#, after: "[\(person1("[1, 6, 8, 2]", with: "[]")), \(person2)]"),
        .update(
            "$push $sort documents by a field", "manual: $sort (sort array of documents by a field)", #"{"_id": 1}"#,
            #"{"$push": {"items": {"$each": [{"qty": 5}], "$sort": {"qty": -1}}}}"#,
            after: "[\(person1(#"[{"qty": 1}, {"qty": 10}]"#, with: #"[{"qty": 10}, {"qty": 5}, {"qty": 1}]"#)), \(person2)]"),
    ]

    static let operatorErrorCases: [ConformanceCase] = [
        .error(
            "$type with an unknown alias", "manual: $type (available types)", book, .find(#"{"zipCode": {"$type": "text"}}"#, projection: nil),
            code: 2),
        .error(
            "$type with an unknown code", "manual: $type (available types)", book, .find(#"{"zipCode": {"$type": 99}}"#, projection: nil), code: 2),
        .error("$mod with one element", "manual: $mod (not enough elements)", mod, .find(#"{"qty": {"$mod": [4]}}"#, projection: nil), code: 2),
        .error(
            "$mod with three elements", "manual: $mod (too many elements)", mod, .find(#"{"qty": {"$mod": [4, 1, 2]}}"#, projection: nil), code: 2),
        .error("$mod by zero", "rule: $mod (divisor)", mod, .find(#"{"qty": {"$mod": [0, 1]}}"#, projection: nil), code: 2),
        .error(
            "$bitsAllSet with a negative mask", "manual: $bitsAllSet (numeric bitmask)", bits, .find(#"{"a": {"$bitsAllSet": -1}}"#, projection: nil),
            code: 2),
        .error("$bitsAnySet with a string", "manual: $bitsAnySet", bits, .find(#"{"a": {"$bitsAnySet": "x"}}"#, projection: nil), code: 2),
        .error("$mul by a string", "manual: $mul", Fixtures.people, .update(#"{"_id": 1}"#, #"{"$mul": {"n": "x"}}"#), code: 14),
        .error("$mul on a string field", "manual: $mul", Fixtures.people, .update(#"{"_id": 1}"#, #"{"$mul": {"name": 2}}"#), code: 14),
        .error("$rename to itself", "manual: $rename", Fixtures.people, .update(#"{"_id": 1}"#, #"{"$rename": {"name": "name"}}"#), code: 2),
        .error("$rename of _id", "manual: $rename", Fixtures.people, .update(#"{"_id": 1}"#, #"{"$rename": {"_id": "id"}}"#), code: 66),
        .error(
            "$rename an array element", "manual: $rename (arrays)", Fixtures.people, .update(#"{"_id": 1}"#, #"{"$rename": {"items.0.qty": "q"}}"#),
            code: 2),
        .error("$pop with 2", "manual: $pop", Fixtures.people, .update(#"{"_id": 1}"#, #"{"$pop": {"scores": 2}}"#), code: 9),
        .error("$pop a non-array", "manual: $pop", Fixtures.people, .update(#"{"_id": 1}"#, #"{"$pop": {"name": 1}}"#), code: 14),
        .error("$pullAll without an array", "manual: $pullAll", Fixtures.people, .update(#"{"_id": 1}"#, #"{"$pullAll": {"scores": 1}}"#), code: 2),
        .error(
            "$push $slice not a number", "manual: $slice", Fixtures.people,
            .update(#"{"_id": 1}"#, #"{"$push": {"scores": {"$each": [1], "$slice": "x"}}}"#), code: 2),
        .error(
            "$push with an unknown modifier", "manual: $push (modifiers)", Fixtures.people,
            .update(#"{"_id": 1}"#, #"{"$push": {"scores": {"$each": [1], "$nope": 1}}}"#), code: 2),
        .error(
            "$currentDate with a string", "manual: $currentDate", Fixtures.people, .update(#"{"_id": 1}"#, #"{"$currentDate": {"at": "now"}}"#),
            code: 2),
    ]
}
