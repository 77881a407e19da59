// Conformance rows for the stages that write ($out, $merge), for index options (sparse,
// partial), and for updates made of a pipeline and findOneAndReplace: what MongoDB's manual says
// they leave behind (issues 14 and 24).

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
        // Updates with an aggregation pipeline (MongoDB 4.2+): the new value is computed from the document.
        .update(
            "a pipeline update computes a field from others", "manual: Updates with Aggregation Pipeline ($set)", #"{"_id": 2}"#,
            #"[{"$set": {"next": {"$add": ["$n", 1]}, "label": {"$concat": ["$name", "!"]}}}]"#, matched: 1, modified: 1,
            after: #"[\#(p1), {"_id": 2, "name": "b", "n": 2.5, "tags": [], "sub": {"a": 2}, "next": 3.5, "label": "b!"}]"#),
        .update(
            "a pipeline update with $unset and $set in order, on many", "manual: Updates with Aggregation Pipeline ($unset)", .many, "{}",
            #"[{"$unset": ["tags", "scores", "items"]}, {"$set": {"sub.a": {"$multiply": ["$sub.a", 10]}}}]"#, matched: 2, modified: 2,
            after: #"[{"_id": 1, "name": "a", "n": 1, "sub": {"a": 10}}, {"_id": 2, "name": "b", "n": 2.5, "sub": {"a": 20}}]"#),
        .update(
            "a pipeline update with $replaceWith keeps the _id", "manual: Updates with Aggregation Pipeline ($replaceWith)", #"{"_id": 2}"#,
            #"[{"$replaceWith": {"$mergeObjects": [{"n": 0, "extra": true}, "$sub"]}}]"#, matched: 1, modified: 1,
            after: #"[\#(p1), {"_id": 2, "n": 0, "extra": true, "a": 2}]"#),
        .update(
            "a pipeline upsert starts from the query's equality fields", "manual: Updates with Aggregation Pipeline (upsert)",
            #"{"_id": 3, "name": "c"}"#, #"[{"$set": {"greeting": {"$concat": ["hi ", "$name"]}}}]"#, upsert: true, matched: 0, modified: 0,
            after:
                #"[\#(p1), {"_id": 2, "name": "b", "n": 2.5, "tags": [], "sub": {"a": 2}}, {"_id": 3, "name": "c", "greeting": "hi c"}]"#),
        .error(
            "a pipeline update may not change the _id", "manual: Updates with Aggregation Pipeline (_id is immutable)", Fixtures.people,
            .update(#"{"_id": 2}"#, #"[{"$set": {"_id": 9}}]"#), code: 66),
        .error(
            "a pipeline update may not use $match", "manual: Updates with Aggregation Pipeline (allowed stages)", Fixtures.people,
            .update(#"{"_id": 2}"#, #"[{"$match": {"n": 2.5}}]"#), code: 72),
        // The pipeline libmongoc's countDocuments sends, which the embedded store answers from its count.
        .aggregate(
            "a $match and a counting $group", "manual: db.collection.countDocuments() (how it is run)", orders,
            #"[{"$match": {"item": "tea"}}, {"$group": {"_id": 1, "n": {"$sum": 1}}}]"#, #"[{"_id": 1, "n": 2}]"#),
        .aggregate(
            "a counting $group over no documents gives none", "manual: $group (no input documents)", orders,
            #"[{"$match": {"item": "jam"}}, {"$group": {"_id": null, "n": {"$sum": 1}}}]"#, "[]"),
        // findOneAndReplace: findAndModify with a replacement document.
        .findAndModify(
            "findOneAndReplace returns the replacement and keeps the _id", "manual: db.collection.findOneAndReplace()", #"{"name": "b"}"#,
            #"{"name": "bee", "n": 3}"#, value: #"{"_id": 2, "name": "bee", "n": 3}"#,
            after: #"[\#(p1), {"_id": 2, "name": "bee", "n": 3}]"#),
        .findAndModify(
            "findOneAndReplace with upsert inserts the replacement", "manual: db.collection.findOneAndReplace() (upsert)",
            #"{"_id": 7}"#, #"{"name": "new"}"#, upsert: true, returnNew: false, value: nil,
            after: #"[\#(p1), {"_id": 2, "name": "b", "n": 2.5, "tags": [], "sub": {"a": 2}}, {"_id": 7, "name": "new"}]"#),
        .findAndModify(
            "findOneAndUpdate with a pipeline", "manual: db.collection.findOneAndUpdate() (aggregation pipeline)", #"{"_id": 2}"#,
            #"[{"$set": {"n": {"$multiply": ["$n", 2]}}}]"#, returnNew: false,
            value: #"{"_id": 2, "name": "b", "n": 2.5, "tags": [], "sub": {"a": 2}}"#,
            after: #"[\#(p1), {"_id": 2, "name": "b", "n": 5.0, "tags": [], "sub": {"a": 2}}]"#),
    ]
}
