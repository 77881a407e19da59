// Conformance rows for the stages that write ($out, $merge) and for index options (sparse,
// partial): what MongoDB's manual says they leave behind (issue 14).

import Foundation

extension ConformanceCase {
    static func into(_ name: String, _ source: String, _ docs: String, foreign: String? = nil, _ pipeline: String, _ target: String)
        -> ConformanceCase
    {
        ConformanceCase(name: name, source: source, documents: docs, foreign: foreign, operation: .aggregateInto(pipeline: pipeline, target: target))
    }

    static func indexed(_ name: String, _ source: String, _ docs: String, index: String, _ filter: String, _ ids: [Int]) -> ConformanceCase {
        var c = ConformanceCase(
            name: name, source: source, documents: docs, foreign: nil,
            operation: .find(filter: filter, sort: nil, skip: nil, limit: nil, ids: ids, ordered: false))
        c.indexes = [index]
        return c
    }
}

extension Conformance {
    static let orders = #"[{"_id": 1, "item": "tea", "qty": 2}, {"_id": 2, "item": "tea", "qty": 3}, {"_id": 3, "item": "cake", "qty": 1}]"#
    static let group = #"{"$group": {"_id": "$item", "total": {"$sum": "$qty"}}}"#

    static let writeCases: [ConformanceCase] = [
        .into(
            "$out writes the results", "manual: $out", orders, foreign: #"[{"_id": "old", "total": 99}]"#, #"[\#(group), {"$out": "FOREIGN"}]"#,
            #"[{"_id": "cake", "total": 1}, {"_id": "tea", "total": 5}]"#),
        .into(
            "$merge merges matched documents and inserts others", "manual: $merge (default behavior)", orders,
            foreign: #"[{"_id": "tea", "total": 0, "note": "kept"}, {"_id": "jam", "total": 4}]"#, #"[\#(group), {"$merge": {"into": "FOREIGN"}}]"#,
            #"[{"_id": "cake", "total": 1}, {"_id": "jam", "total": 4}, {"_id": "tea", "total": 5, "note": "kept"}]"#),
        .into(
            "$merge keepExisting and discard", "manual: $merge (whenMatched keepExisting, whenNotMatched discard)", orders,
            foreign: #"[{"_id": "tea", "total": 0}]"#,
            #"[\#(group), {"$merge": {"into": "FOREIGN", "whenMatched": "keepExisting", "whenNotMatched": "discard"}}]"#,
            #"[{"_id": "tea", "total": 0}]"#),
        .into(
            "$merge replace", "manual: $merge (whenMatched replace)", orders, foreign: #"[{"_id": "tea", "total": 0, "note": "gone"}]"#,
            #"[\#(group), {"$merge": {"into": "FOREIGN", "whenMatched": "replace", "whenNotMatched": "discard"}}]"#, #"[{"_id": "tea", "total": 5}]"#),
        .indexed(
            "a sparse unique index skips documents without the field", "manual: Sparse Indexes (unique and sparse)",
            #"[{"_id": 1}, {"_id": 2}, {"_id": 3, "phone": "1"}]"#, index: #"{"key": {"phone": 1}, "unique": true, "sparse": true}"#, "{}", [1, 2, 3]),
        .indexed(
            "a sparse index still lets a query find the documents it skips", "manual: Sparse Indexes (behavior)",
            #"[{"_id": 1}, {"_id": 2, "phone": "1"}]"#, index: #"{"key": {"phone": 1}, "sparse": true}"#, #"{"phone": null}"#, [1]),
        .indexed(
            "a partial unique index holds only its documents to uniqueness", "manual: Partial Indexes (with unique constraint)",
            #"[{"_id": 1, "email": "a@x", "active": false}, {"_id": 2, "email": "a@x", "active": false}, {"_id": 3, "email": "a@x", "active": true}]"#,
            index: #"{"key": {"email": 1}, "unique": true, "partialFilterExpression": {"active": true}}"#, #"{"email": "a@x"}"#, [1, 2, 3]),
    ]
}
