// Conformance rows for the positional update operators (issue 14): `$` (the element the query
// matched), `$[]` (every element) and `$[<identifier>]` with `arrayFilters`, on the manual's own
// students collections, with the errors MongoDB gives when a position cannot be found.

import Foundation

extension Fixtures {
    /// manual: "$ (update)", "$[]", "$[<identifier>]" (students with numeric grades).
    public static let students = #"""
        [{"_id": 1, "grades": [85, 80, 80]}, {"_id": 2, "grades": [88, 90, 92]}, {"_id": 3, "grades": [85, 100, 90]}]
        """#
    /// manual: "$[<identifier>]" (grades of 100 and more).
    public static let highGrades = #"""
        [{"_id": 1, "grades": [95, 92, 90]}, {"_id": 2, "grades": [98, 100, 102]}, {"_id": 3, "grades": [95, 110, 100]}]
        """#
    /// manual: "$ (update)" (grades as documents).
    public static let gradeDocuments = #"""
        [{"_id": 4, "grades": [{"grade": 80, "mean": 75, "std": 8}, {"grade": 85, "mean": 90, "std": 5}, {"grade": 85, "mean": 85, "std": 8}]}]
        """#
}

extension ConformanceCase {
    static func positional(
        _ name: String, _ source: String, _ docs: String, many: Bool = false, _ filter: String, _ update: String,
        arrayFilters: String = "[]", after: String
    ) -> ConformanceCase {
        ConformanceCase(
            name: name, source: source, documents: docs, foreign: nil,
            operation: .arrayUpdate(many: many, filter: filter, update: update, arrayFilters: arrayFilters, after: after))
    }
}

extension Conformance {
    static let positionalCases: [ConformanceCase] = [
        .positional(
            "$ updates the first matched element", "manual: $ (update an array element)", Fixtures.students,
            #"{"_id": 1, "grades": 80}"#, #"{"$set": {"grades.$": 82}}"#,
            after: #"[{"_id": 1, "grades": [85, 82, 80]}, {"_id": 2, "grades": [88, 90, 92]}, {"_id": 3, "grades": [85, 100, 90]}]"#),
        .positional(
            "$ in every matched document", "manual: $ (update an array element)", Fixtures.students, many: true,
            #"{"grades": 85}"#, #"{"$inc": {"grades.$": 1}}"#,
            after: #"[{"_id": 1, "grades": [86, 80, 80]}, {"_id": 2, "grades": [88, 90, 92]}, {"_id": 3, "grades": [86, 100, 90]}]"#),
        .positional(
            "$ with a field of an embedded document", "manual: $ (update documents in an array)", Fixtures.gradeDocuments,
            #"{"_id": 4, "grades.grade": 85}"#, #"{"$set": {"grades.$.std": 6}}"#,
            after:
                #"[{"_id": 4, "grades": [{"grade": 80, "mean": 75, "std": 8}, {"grade": 85, "mean": 90, "std": 6}, {"grade": 85, "mean": 85, "std": 8}]}]"#
        ),
        .positional(
            "$ with $elemMatch", "manual: $ (update embedded documents using multiple field matches)", Fixtures.gradeDocuments,
            #"{"_id": 4, "grades": {"$elemMatch": {"grade": {"$lte": 90}, "mean": {"$gt": 80}}}}"#, #"{"$set": {"grades.$.std": 6}}"#,
            after:
                #"[{"_id": 4, "grades": [{"grade": 80, "mean": 75, "std": 8}, {"grade": 85, "mean": 90, "std": 6}, {"grade": 85, "mean": 85, "std": 8}]}]"#
        ),
        .positional(
            "$[] updates every element", "manual: $[] (update all elements in an array)", Fixtures.students, many: true, "{}",
            #"{"$inc": {"grades.$[]": 10}}"#,
            after: #"[{"_id": 1, "grades": [95, 90, 90]}, {"_id": 2, "grades": [98, 100, 102]}, {"_id": 3, "grades": [95, 110, 100]}]"#),
        .positional(
            "$[] on a field of every embedded document", "manual: $[] (update all documents in an array)", Fixtures.gradeDocuments, "{}",
            #"{"$inc": {"grades.$[].std": -2}}"#,
            after:
                #"[{"_id": 4, "grades": [{"grade": 80, "mean": 75, "std": 6}, {"grade": 85, "mean": 90, "std": 3}, {"grade": 85, "mean": 85, "std": 6}]}]"#
        ),
        .positional(
            "$[identifier] with arrayFilters", "manual: $[<identifier>] (update all array elements that match arrayFilters)",
            Fixtures.highGrades, many: true, "{}", #"{"$set": {"grades.$[element]": 100}}"#, arrayFilters: #"[{"element": {"$gte": 100}}]"#,
            after: #"[{"_id": 1, "grades": [95, 92, 90]}, {"_id": 2, "grades": [98, 100, 100]}, {"_id": 3, "grades": [95, 100, 100]}]"#),
        .positional(
            "$[identifier] on embedded documents", "manual: $[<identifier>] (update all documents that match arrayFilters)",
            Fixtures.gradeDocuments, "{}", #"{"$set": {"grades.$[elem].mean": 100}}"#, arrayFilters: #"[{"elem.grade": {"$gte": 85}}]"#,
            after:
                #"[{"_id": 4, "grades": [{"grade": 80, "mean": 75, "std": 8}, {"grade": 85, "mean": 100, "std": 5}, {"grade": 85, "mean": 100, "std": 8}]}]"#
        ),
        .positional(
            "$[identifier] with several conditions", "manual: $[<identifier>] (multiple conditions)", Fixtures.gradeDocuments, "{}",
            #"{"$inc": {"grades.$[elem].std": -1}}"#, arrayFilters: #"[{"elem.grade": {"$gte": 80}, "elem.std": {"$gt": 5}}]"#,
            after:
                #"[{"_id": 4, "grades": [{"grade": 80, "mean": 75, "std": 7}, {"grade": 85, "mean": 90, "std": 5}, {"grade": 85, "mean": 85, "std": 7}]}]"#
        ),
        .positional(
            "$[identifier] matching nothing changes nothing", "rule: $[<identifier>]", Fixtures.students, "{}",
            #"{"$set": {"grades.$[g]": 0}}"#, arrayFilters: #"[{"g": {"$gt": 1000}}]"#, after: Fixtures.students),
        .error(
            "$ without the array in the query", "manual: $ (positional operator did not find a match)", Fixtures.students,
            .update(#"{"_id": 1}"#, #"{"$set": {"grades.$": 1}}"#), code: 2),
        .error(
            "$[identifier] without its array filter", "manual: $[<identifier>]", Fixtures.students,
            .update(#"{"_id": 1}"#, #"{"$set": {"grades.$[x]": 1}}"#), code: 2),
        .error(
            "an array filter that is not used", "manual: $[<identifier>] (arrayFilters)", Fixtures.students,
            .arrayUpdate(#"{"_id": 1}"#, #"{"$set": {"grades.0": 1}}"#, arrayFilters: #"[{"x": 1}]"#), code: 9),
        .error(
            "an array filter identifier must start in lower case", "manual: $[<identifier>] (identifier)", Fixtures.students,
            .arrayUpdate(#"{"_id": 1}"#, #"{"$set": {"grades.$[X]": 1}}"#, arrayFilters: #"[{"X": 1}]"#), code: 2),
    ]
}
