// The conformance suite: MongoDB behaviour as a table of cases (documents, operation,
// expected result), each with the source of its expectation. The embedded store runs it
// always; with `MONGODB_TEST_URI` set, the MongoDB backend runs the very same table, so anyone
// with a server can check parity.
//
// Sources: "manual" cases come from the MongoDB manual's own examples (the page is named);
// "rule" cases are reasoned from a rule the manual states (named too).

import BSON
import Foundation
import Storage
import Testing

public struct ConformanceCase: Sendable, CustomTestStringConvertible {
    public enum Operation: Sendable {
        /// find: filter, options; expected _ids (in order when `ordered`).
        case find(filter: String, sort: String?, skip: Int?, limit: Int?, ids: [Int], ordered: Bool)
        /// find one document by _id with a projection; expected document.
        case project(id: Int, projection: String, expected: String)
        /// updateOne/updateMany/replaceOne, then the whole collection sorted by _id.
        case update(kind: UpdateKind, filter: String, update: String, upsert: Bool, matched: Int?, modified: Int?, after: String)
        /// findOneAndUpdate / findOneAndReplace: the document it returns (nil: none), then the collection.
        case findAndModify(filter: String, update: String, upsert: Bool, returnNew: Bool, value: String?, after: String)
        /// aggregate ending in `$out`/`$merge` into FOREIGN; then FOREIGN's documents sorted by _id.
        case aggregateInto(pipeline: String, target: String)
        /// updateOne/updateMany with `arrayFilters`, then the whole collection sorted by _id.
        case arrayUpdate(many: Bool, filter: String, update: String, arrayFilters: String, after: String)
        /// aggregate; expected documents in order. `foreign` docs go to the collection named "FOREIGN".
        case aggregate(pipeline: String, expected: String)
        /// deleteOne / deleteMany, then the remaining _ids.
        case delete(many: Bool, filter: String, deleted: Int, remaining: [Int])
        /// Any of the above that must fail with an invalid-query error (and this code, if given).
        case error(Failing, code: Int?)
    }

    public enum UpdateKind: Sendable { case one, many, replace }
    public enum Failing: Sendable {
        case find(String, projection: String?)
        case update(String, String)
        case aggregate(String)
        /// An updateOne with `arrayFilters`.
        case arrayUpdate(String, String, arrayFilters: String)
    }

    public let name: String
    public let source: String
    public let documents: String
    public let foreign: String?
    public let operation: Operation
    /// Indexes to create before the operation: a key pattern, or `{"key": ..., <options>}` (JSON).
    public var indexes: [String] = []
    /// MongoDB's `collation` for the operation (the task's `QueryCollation`), as JSON; nil: byte order.
    public var collation: String?

    public var testDescription: String { name }
}

// MARK: Fixtures

public enum Fixtures {
    /// manual: "Query Documents", "Query on Embedded/Nested Documents", "Query an Array".
    public static let inventory = #"""
        [{"_id": 1, "item": "journal", "qty": 25, "size": {"h": 14, "w": 21, "uom": "cm"}, "status": "A", "tags": ["blank", "red"], "dim": [14, 21]},
         {"_id": 2, "item": "notebook", "qty": 50, "size": {"h": 8.5, "w": 11, "uom": "in"}, "status": "A", "tags": ["red", "blank"], "dim": [14, 21]},
         {"_id": 3, "item": "paper", "qty": 100, "size": {"h": 8.5, "w": 11, "uom": "in"}, "status": "D", "tags": ["red", "blank", "plain"], "dim": [14, 21]},
         {"_id": 4, "item": "planner", "qty": 75, "size": {"h": 22.85, "w": 30, "uom": "cm"}, "status": "D", "tags": ["blank", "red"], "dim": [22.85, 30]},
         {"_id": 5, "item": "postcard", "qty": 45, "size": {"h": 10, "w": 15.25, "uom": "cm"}, "status": "A", "tags": ["blue"], "dim": [10, 15.25]}]
        """#
    /// manual: "Query an Array of Embedded Documents".
    public static let instock = #"""
        [{"_id": 1, "item": "journal", "instock": [{"warehouse": "A", "qty": 5}, {"warehouse": "C", "qty": 15}]},
         {"_id": 2, "item": "notebook", "instock": [{"warehouse": "C", "qty": 5}]},
         {"_id": 3, "item": "paper", "instock": [{"warehouse": "A", "qty": 60}, {"warehouse": "B", "qty": 15}]},
         {"_id": 4, "item": "planner", "instock": [{"warehouse": "A", "qty": 40}, {"warehouse": "B", "qty": 5}]},
         {"_id": 5, "item": "postcard", "instock": [{"warehouse": "B", "qty": 15}, {"warehouse": "C", "qty": 35}]}]
        """#
    /// manual: "Query for Null or Missing Fields".
    public static let nulls = #"[{"_id": 1, "item": null}, {"_id": 2}]"#
    /// rule: "Comparison/Sort Order" — one value of each type bracket.
    public static let mixed = #"""
        [{"_id": 1, "v": null}, {"_id": 2, "v": 1}, {"_id": 3, "v": "a"}, {"_id": 4, "v": {"x": 1}}, {"_id": 5, "v": [1, 2]},
         {"_id": 6, "v": {"$oid": "65f0a1b2c3d4e5f601234567"}}, {"_id": 7, "v": true}, {"_id": 8, "v": {"$date": "2024-01-01T00:00:00Z"}},
         {"_id": 9}, {"_id": 10, "v": 2.5}, {"_id": 11, "v": {"$numberLong": "3"}}]
        """#
    /// manual: "$regex" examples (products).
    public static let products = #"""
        [{"_id": 100, "sku": "abc123", "description": "Single line description."},
         {"_id": 101, "sku": "abc789", "description": "First line\nSecond line"},
         {"_id": 102, "sku": "xyz456", "description": "Many spaces before     line"},
         {"_id": 103, "sku": "xyz789", "description": "Multiple\nline description"}]
        """#
    /// manual: "$elemMatch (query)" examples.
    public static let scores = #"[{"_id": 1, "results": [82, 85, 88]}, {"_id": 2, "results": [75, 88, 89]}]"#
    /// manual: "$group" examples (sales), prices as plain numbers.
    public static let sales = #"""
        [{"_id": 1, "item": "abc", "price": 10, "quantity": 2, "date": {"$date": "2014-03-01T08:00:00Z"}},
         {"_id": 2, "item": "jkl", "price": 20, "quantity": 1, "date": {"$date": "2014-03-01T09:00:00Z"}},
         {"_id": 3, "item": "xyz", "price": 5, "quantity": 10, "date": {"$date": "2014-03-15T09:00:00Z"}},
         {"_id": 4, "item": "xyz", "price": 5, "quantity": 20, "date": {"$date": "2014-04-04T11:21:39.736Z"}},
         {"_id": 5, "item": "abc", "price": 10, "quantity": 10, "date": {"$date": "2014-04-04T21:23:13.331Z"}}]
        """#
    /// manual: "$lookup" equality-match example (orders, inventory).
    public static let orders = #"""
        [{"_id": 1, "item": "almonds", "price": 12, "quantity": 2}, {"_id": 2, "item": "pecans", "price": 20, "quantity": 1}, {"_id": 3}]
        """#
    public static let lookupInventory = #"""
        [{"_id": 1, "sku": "almonds", "description": "product 1", "instock": 120}, {"_id": 2, "sku": "bread", "description": "product 2", "instock": 80},
         {"_id": 3, "sku": "cashews", "description": "product 3", "instock": 60}, {"_id": 4, "sku": "pecans", "description": "product 4", "instock": 70},
         {"_id": 5, "sku": null, "description": "Incomplete"}, {"_id": 6}]
        """#
    /// manual: "$unwind" examples (clothing sizes), with the edge cases it lists.
    public static let sizes = #"""
        [{"_id": 1, "item": "ABC", "sizes": ["S", "M"]}, {"_id": 2, "item": "EFG", "sizes": []}, {"_id": 3, "item": "IJK", "sizes": null},
         {"_id": 4, "item": "LMN"}, {"_id": 5, "item": "XYZ", "sizes": "L"}]
        """#
    /// For updates.
    public static let people = #"""
        [{"_id": 1, "name": "a", "n": 1, "tags": ["x"], "sub": {"a": 1}, "scores": [1, 6, 8, 2], "items": [{"qty": 1}, {"qty": 10}]},
         {"_id": 2, "name": "b", "n": 2.5, "tags": [], "sub": {"a": 2}}]
        """#
    /// For expressions: one document with one of each kind of value.
    public static let values = #"""
        [{"_id": 1, "a": [1, 2, 3], "s": "tube", "n": null, "num": 10, "half": 2.5, "d": {"$date": "2024-03-01T00:00:00Z"},
          "o": {"$oid": "65f0a1b2c3d4e5f601234567"}, "docs": [{"k": 1, "v": "x"}, {"k": 2, "v": "y"}]}]
        """#
    /// A channel profile as the course computes it: users and their subscriptions.
    public static let users = #"""
        [{"_id": 1, "username": "chai"}, {"_id": 2, "username": "code"}, {"_id": 3, "username": "viewer"}]
        """#
    public static let subscriptions = #"""
        [{"_id": 10, "subscriber": 2, "channel": 1}, {"_id": 11, "subscriber": 3, "channel": 1}, {"_id": 12, "subscriber": 1, "channel": 2}]
        """#
}

// MARK: The cases

extension ConformanceCase {
    static func find(_ name: String, _ source: String, _ docs: String, _ filter: String, _ ids: [Int]) -> ConformanceCase {
        ConformanceCase(
            name: name, source: source, documents: docs, foreign: nil,
            operation: .find(filter: filter, sort: nil, skip: nil, limit: nil, ids: ids, ordered: false))
    }
    static func sorted(
        _ name: String, _ source: String, _ docs: String, _ filter: String, sort: String, skip: Int? = nil, limit: Int? = nil, _ ids: [Int]
    ) -> ConformanceCase {
        ConformanceCase(
            name: name, source: source, documents: docs, foreign: nil,
            operation: .find(filter: filter, sort: sort, skip: skip, limit: limit, ids: ids, ordered: true))
    }
    static func project(_ name: String, _ source: String, _ docs: String, id: Int, _ projection: String, _ expected: String) -> ConformanceCase {
        ConformanceCase(
            name: name, source: source, documents: docs, foreign: nil, operation: .project(id: id, projection: projection, expected: expected))
    }
    static func update(
        _ name: String, _ source: String, _ filter: String, _ update: String, upsert: Bool = false,
        matched: Int? = nil, modified: Int? = nil, after: String
    ) -> ConformanceCase {
        .update(name, source, .one, filter, update, upsert: upsert, matched: matched, modified: modified, after: after)
    }
    static func update(
        _ name: String, _ source: String, _ kind: UpdateKind, _ filter: String, _ update: String, upsert: Bool = false,
        matched: Int? = nil, modified: Int? = nil, after: String
    ) -> ConformanceCase {
        ConformanceCase(
            name: name, source: source, documents: Fixtures.people, foreign: nil,
            operation: .update(kind: kind, filter: filter, update: update, upsert: upsert, matched: matched, modified: modified, after: after))
    }
    static func aggregate(_ name: String, _ source: String, _ docs: String, foreign: String? = nil, _ pipeline: String, _ expected: String)
        -> ConformanceCase
    {
        ConformanceCase(name: name, source: source, documents: docs, foreign: foreign, operation: .aggregate(pipeline: pipeline, expected: expected))
    }
    static func delete(_ name: String, _ source: String, many: Bool, _ filter: String, deleted: Int, remaining: [Int]) -> ConformanceCase {
        ConformanceCase(
            name: name, source: source, documents: Fixtures.inventory, foreign: nil,
            operation: .delete(many: many, filter: filter, deleted: deleted, remaining: remaining))
    }
    static func findAndModify(
        _ name: String, _ source: String, _ filter: String, _ update: String, upsert: Bool = false, returnNew: Bool = true, value: String?,
        after: String
    ) -> ConformanceCase {
        ConformanceCase(
            name: name, source: source, documents: Fixtures.people, foreign: nil,
            operation: .findAndModify(filter: filter, update: update, upsert: upsert, returnNew: returnNew, value: value, after: after))
    }
    /// Any case, run with a collation.
    static func collated(_ collation: String, _ c: ConformanceCase) -> ConformanceCase {
        var c = c
        c.collation = collation
        return c
    }
    static func error(_ name: String, _ source: String, _ docs: String, _ failing: Failing, code: Int?) -> ConformanceCase {
        ConformanceCase(name: name, source: source, documents: docs, foreign: nil, operation: .error(failing, code: code))
    }
}

public enum Conformance {
    public static let cases: [ConformanceCase] =
        queryCases + optionCases + updateCases + aggregationCases + expressionCases + errorCases + operatorCases + libraryCases
        + positionalCases + textCases + writeCases + collationCases

    static let inv = Fixtures.inventory, stock = Fixtures.instock, mixed = Fixtures.mixed

    static let queryCases: [ConformanceCase] = [
        .find("empty filter matches all", "manual: Query Documents (select all)", inv, "{}", [1, 2, 3, 4, 5]),
        .find("equality on a field", "manual: Query Documents (equality)", inv, #"{"status": "D"}"#, [3, 4]),
        .find("$in", "manual: Query Documents (query operators)", inv, #"{"status": {"$in": ["A", "D"]}}"#, [1, 2, 3, 4, 5]),
        .find("implicit AND", "manual: Query Documents (AND)", inv, #"{"status": "A", "qty": {"$lt": 30}}"#, [1]),
        .find("$or", "manual: Query Documents (OR)", inv, #"{"$or": [{"status": "A"}, {"qty": {"$lt": 30}}]}"#, [1, 2, 5]),
        .find(
            "AND with $or and $regex", "manual: Query Documents (AND and OR)", inv,
            #"{"status": "A", "$or": [{"qty": {"$lt": 30}}, {"item": {"$regex": "^p"}}]}"#, [1, 5]),
        .find("embedded document exact match", "manual: Query on Embedded Documents", inv, #"{"size": {"h": 14, "w": 21, "uom": "cm"}}"#, [1]),
        .find(
            "embedded document match is order-sensitive", "manual: Query on Embedded Documents (field order)", inv,
            #"{"size": {"w": 21, "h": 14, "uom": "cm"}}"#, []),
        .find("dotted path equality", "manual: Query on Nested Field", inv, #"{"size.uom": "in"}"#, [2, 3]),
        .find("dotted path with $lt", "manual: Query on Nested Field (operators)", inv, #"{"size.h": {"$lt": 15}}"#, [1, 2, 3, 5]),
        .find("dotted paths AND", "manual: Query on Nested Field (AND)", inv, #"{"size.h": {"$lt": 15}, "size.uom": "in", "status": "D"}"#, [3]),
        .find("array exact match is order-sensitive", "manual: Query an Array (match an array)", inv, #"{"tags": ["red", "blank"]}"#, [2]),
        .find("array contains element", "manual: Query an Array (element)", inv, #"{"tags": "red"}"#, [1, 2, 3, 4]),
        .find("array element $gt", "manual: Query an Array (conditions on elements)", inv, #"{"dim": {"$gt": 25}}"#, [4]),
        .find(
            "compound conditions on array elements may use different elements", "manual: Query an Array (compound filter)", inv,
            #"{"dim": {"$gt": 15, "$lt": 20}}"#, [1, 2, 3, 5]),
        .find(
            "$elemMatch on array of numbers", "manual: Query an Array (one element satisfies all)", inv,
            #"{"dim": {"$elemMatch": {"$gt": 22, "$lt": 30}}}"#, [4]),
        .find("array index position", "manual: Query an Array (by index position)", inv, #"{"dim.1": {"$gt": 25}}"#, [4]),
        .find("$size", "manual: Query an Array (by length)", inv, #"{"tags": {"$size": 3}}"#, [3]),
        .find("$ne", "manual: $ne", inv, #"{"qty": {"$ne": 50}}"#, [1, 3, 4, 5]),
        .find("$nin", "manual: $nin", inv, #"{"qty": {"$nin": [25, 50]}}"#, [3, 4, 5]),
        .find("$gte", "manual: $gte", inv, #"{"qty": {"$gte": 50}}"#, [2, 3, 4]),
        .find("$lte", "manual: $lte", inv, #"{"qty": {"$lte": 45}}"#, [1, 5]),
        .find("$not with $gt", "manual: $not", inv, #"{"qty": {"$not": {"$gt": 50}}}"#, [1, 2, 5]),
        .find("$nor", "manual: $nor", inv, #"{"$nor": [{"status": "A"}, {"qty": {"$lt": 80}}]}"#, [3]),
        .find("explicit $and on one field", "manual: $and", inv, #"{"$and": [{"qty": {"$gt": 20}}, {"qty": {"$lt": 60}}]}"#, [1, 2, 5]),
        .find("regex literal", "manual: $regex (pattern)", inv, #"{"item": {"$regularExpression": {"pattern": "^p", "options": ""}}}"#, [3, 4, 5]),
        .find("$regex with $options i", "manual: $regex (case insensitive)", inv, #"{"item": {"$regex": "^P", "$options": "i"}}"#, [3, 4, 5]),
        .find(
            "$in with a regex", "manual: $in (with regular expressions)", inv,
            #"{"item": {"$in": [{"$regularExpression": {"pattern": "^j", "options": ""}}, "paper"]}}"#, [1, 3]),
        .find(
            "$not with a regex", "manual: $not (regular expressions)", inv,
            #"{"item": {"$not": {"$regularExpression": {"pattern": "^p", "options": ""}}}}"#, [1, 2]),
        .find("$exists true on a nested field", "manual: $exists", inv, #"{"size.uom": {"$exists": true}}"#, [1, 2, 3, 4, 5]),
        .find("$exists false on a missing field", "manual: $exists", inv, #"{"color": {"$exists": false}}"#, [1, 2, 3, 4, 5]),
        .find("$eq", "manual: $eq", inv, #"{"qty": {"$eq": 100}}"#, [3]),
        .find("$expr comparing two computed values", "manual: $expr", inv, #"{"$expr": {"$gt": ["$qty", {"$multiply": ["$size.h", 5]}]}}"#, [2, 3]),
        .find("array index equality", "manual: Query an Array (by index position)", inv, #"{"tags.0": "red"}"#, [2, 3]),
        .find("$in with an empty array matches nothing", "rule: $in (any of the values)", inv, #"{"qty": {"$in": []}}"#, []),
        .find("$in on an array field", "manual: $in (match values in an array)", inv, #"{"tags": {"$in": ["blue", "plain"]}}"#, [3, 5]),
        .find("double equality", "rule: Comparison/Sort Order (numbers)", inv, #"{"size.h": 8.5}"#, [2, 3]),
        .find("long equals int", "rule: Comparison/Sort Order (numeric types compare by value)", inv, #"{"qty": {"$numberLong": "25"}}"#, [1]),
        .find("double equals int", "rule: Comparison/Sort Order (numeric types compare by value)", inv, #"{"qty": 25.0}"#, [1]),
        .find(
            "array of documents exact element", "manual: Query an Array of Embedded Documents", stock, #"{"instock": {"warehouse": "A", "qty": 5}}"#,
            [1]),
        .find(
            "array of documents element order-sensitive", "manual: Query an Array of Embedded Documents (field order)", stock,
            #"{"instock": {"qty": 5, "warehouse": "A"}}"#, []),
        .find(
            "array of documents by index and field", "manual: Query an Array of Embedded Documents (index position)", stock,
            #"{"instock.0.qty": {"$lte": 20}}"#, [1, 2, 5]),
        .find(
            "array of documents by field of any element", "manual: Query an Array of Embedded Documents (field in any element)", stock,
            #"{"instock.qty": {"$lte": 20}}"#, [1, 2, 3, 4, 5]),
        .find(
            "$elemMatch on documents, all conditions on one element", "manual: Query an Array of Embedded Documents ($elemMatch)", stock,
            #"{"instock": {"$elemMatch": {"qty": 5, "warehouse": "A"}}}"#, [1]),
        .find(
            "$elemMatch with a range", "manual: Query an Array of Embedded Documents ($elemMatch range)", stock,
            #"{"instock": {"$elemMatch": {"qty": {"$gt": 10, "$lte": 20}}}}"#, [1, 3, 5]),
        .find(
            "range across elements without $elemMatch", "manual: Query an Array of Embedded Documents (combination of elements)", stock,
            #"{"instock.qty": {"$gt": 10, "$lte": 20}}"#, [1, 3, 4, 5]),
        .find(
            "two dotted conditions on different elements", "manual: Query an Array of Embedded Documents (combination of elements)", stock,
            #"{"instock.qty": 5, "instock.warehouse": "A"}"#, [1, 4]),
        .find("$size on an array of documents", "manual: $size", stock, #"{"instock": {"$size": 1}}"#, [2]),
        .find("dotted field through an array", "manual: Query an Array of Embedded Documents", stock, #"{"instock.warehouse": "B"}"#, [3, 4, 5]),
        .find(
            "$exists through index of an array", "rule: $exists with dotted array index", stock, #"{"instock.1.warehouse": {"$exists": true}}"#,
            [1, 3, 4, 5]),
        .find("null matches null and missing", "manual: Query for Null or Missing Fields (equality)", Fixtures.nulls, #"{"item": null}"#, [1, 2]),
        .find(
            "$exists false finds only the missing", "manual: Query for Null or Missing Fields (existence)", Fixtures.nulls,
            #"{"item": {"$exists": false}}"#, [2]),
        .find(
            "$ne null excludes null and missing", "rule: $ne (documents where field does not equal)", Fixtures.nulls, #"{"item": {"$ne": null}}"#, []),
        .find("$eq null", "manual: Query for Null or Missing Fields", Fixtures.nulls, #"{"item": {"$eq": null}}"#, [1, 2]),
        .find("$in with null", "rule: $in with null matches missing", Fixtures.nulls, #"{"item": {"$in": [null]}}"#, [1, 2]),
        .find("$gte null matches null and missing", "rule: Comparison/Sort Order (null)", Fixtures.nulls, #"{"item": {"$gte": null}}"#, [1, 2]),
        .find("$gt null matches nothing", "rule: Comparison/Sort Order (null)", Fixtures.nulls, #"{"item": {"$gt": null}}"#, []),
        .find(
            "$gt only compares within the number bracket", "rule: Comparison/Sort Order (type bracketing)", mixed, #"{"v": {"$gt": 1}}"#, [5, 10, 11]),
        .find("$gte on strings only matches strings", "rule: Comparison/Sort Order (type bracketing)", mixed, #"{"v": {"$gte": "a"}}"#, [3]),
        .find("$lt on strings only matches strings", "rule: Comparison/Sort Order (type bracketing)", mixed, #"{"v": {"$lt": "z"}}"#, [3]),
        .find("$gt on ObjectIds", "rule: Comparison/Sort Order (ObjectId)", mixed, #"{"v": {"$gt": {"$oid": "000000000000000000000000"}}}"#, [6]),
        .find("$lt on dates", "rule: Comparison/Sort Order (Date)", mixed, #"{"v": {"$lt": {"$date": "2030-01-01T00:00:00Z"}}}"#, [8]),
        .find("boolean equality", "rule: equality", mixed, #"{"v": true}"#, [7]),
        .find("number matches a scalar and an array containing it", "manual: Query an Array (element)", mixed, #"{"v": 1}"#, [2, 5]),
        .find("whole array equality", "manual: Query an Array (match an array)", mixed, #"{"v": [1, 2]}"#, [5]),
        .find("embedded document equality", "manual: Query on Embedded Documents", mixed, #"{"v": {"x": 1}}"#, [4]),
        .find(
            "$exists true includes null", "manual: $exists (null values exist)", mixed, #"{"v": {"$exists": true}}"#,
            [1, 2, 3, 4, 5, 6, 7, 8, 10, 11]),
        .find("null equality on mixed types", "manual: Query for Null or Missing Fields", mixed, #"{"v": null}"#, [1, 9]),
        .find("$in across types", "manual: $in", mixed, #"{"v": {"$in": [2.5, "a"]}}"#, [3, 10]),
        .find(
            "$lte on numbers of every width and arrays", "rule: Comparison/Sort Order (numbers, arrays)", mixed, #"{"v": {"$lte": 3}}"#,
            [2, 5, 10, 11]),
        .find("$size on mixed types", "manual: $size", mixed, #"{"v": {"$size": 2}}"#, [5]),
        .find("$regex anchored at the end", "manual: $regex (perform a LIKE match)", Fixtures.products, #"{"sku": {"$regex": "789$"}}"#, [101, 103]),
        .find("$regex with i", "manual: $regex (case-insensitive)", Fixtures.products, #"{"sku": {"$regex": "^ABC", "$options": "i"}}"#, [100, 101]),
        .find(
            "$regex with m anchors each line", "manual: $regex (multiline match)", Fixtures.products,
            #"{"description": {"$regex": "^S", "$options": "m"}}"#, [100, 101]),
        .find(
            "$regex without m anchors the string", "manual: $regex (multiline match)", Fixtures.products, #"{"description": {"$regex": "^S"}}"#, [100]
        ),
        .find(
            "$regex with s lets dot match newlines", "manual: $regex (use the . dot character to match new line)", Fixtures.products,
            #"{"description": {"$regex": "m.*line", "$options": "si"}}"#, [102, 103]),
        .find(
            "$regex without s stops at newlines", "manual: $regex (use the . dot character to match new line)", Fixtures.products,
            #"{"description": {"$regex": "m.*line", "$options": "i"}}"#, [102]),
        .find(
            "$regex with x ignores pattern whitespace", "manual: $regex (ignore white spaces in pattern)", Fixtures.products,
            #"{"sku": {"$regex": "abc 123", "$options": "x"}}"#, [100]),
        .find(
            "$nin with a regex", "manual: $nin", Fixtures.products,
            #"{"sku": {"$nin": [{"$regularExpression": {"pattern": "^xyz", "options": ""}}]}}"#, [100, 101]),
        .find(
            "$elemMatch requires one element to satisfy all", "manual: $elemMatch (element match)", Fixtures.scores,
            #"{"results": {"$elemMatch": {"$gte": 80, "$lt": 85}}}"#, [1]),
        .find(
            "without $elemMatch elements may differ", "manual: Query an Array (compound filter)", Fixtures.scores,
            #"{"results": {"$gte": 80, "$lt": 85}}"#, [1, 2]),
        .find("$elemMatch with one condition", "manual: $elemMatch", Fixtures.scores, #"{"results": {"$elemMatch": {"$gt": 88}}}"#, [2]),
        .find("$expr with $in on a field", "manual: $expr", inv, #"{"$expr": {"$in": ["blue", "$tags"]}}"#, [5]),
        .find("$or with $exists and equality", "manual: $or", inv, #"{"$or": [{"color": {"$exists": true}}, {"status": "D"}]}"#, [3, 4]),
    ]

    static let optionCases: [ConformanceCase] = [
        .sorted("sort descending", "manual: cursor.sort()", inv, "{}", sort: #"{"qty": -1}"#, [3, 4, 2, 5, 1]),
        .sorted("sort on two keys", "manual: cursor.sort() (multiple fields)", inv, "{}", sort: #"{"status": 1, "qty": -1}"#, [2, 5, 1, 3, 4]),
        .sorted(
            "sort on a dotted path with a tie-breaker", "manual: cursor.sort() (embedded field)", inv, "{}", sort: #"{"size.h": 1, "_id": -1}"#,
            [3, 2, 5, 1, 4]),
        .sorted(
            "ascending array sort uses the smallest element", "manual: cursor.sort() (array field, ascending)", inv, "{}",
            sort: #"{"tags": 1, "_id": 1}"#, [1, 2, 3, 4, 5]),
        .sorted(
            "descending array sort uses the largest element", "manual: cursor.sort() (array field, descending)", inv, "{}",
            sort: #"{"tags": -1, "_id": -1}"#, [4, 3, 2, 1, 5]),
        .sorted("skip and limit after sort", "manual: cursor.skip() / cursor.limit()", inv, "{}", sort: #"{"_id": 1}"#, skip: 1, limit: 2, [2, 3]),
        .sorted("limit after ascending sort", "manual: cursor.limit()", inv, "{}", sort: #"{"qty": 1}"#, limit: 2, [1, 5]),
        .sorted(
            "sort across type brackets", "rule: Comparison/Sort Order", mixed, "{}", sort: #"{"v": 1, "_id": 1}"#,
            [1, 9, 2, 5, 10, 11, 3, 4, 6, 7, 8]),
        .sorted(
            "descending sort across type brackets", "rule: Comparison/Sort Order", mixed, "{}", sort: #"{"v": -1, "_id": 1}"#,
            [8, 7, 6, 4, 3, 11, 10, 5, 2, 1, 9]),
        .sorted("filter then sort", "manual: cursor.sort()", inv, #"{"status": "A"}"#, sort: #"{"item": -1}"#, [5, 2, 1]),
        .sorted("skip past the end", "manual: cursor.skip()", inv, "{}", sort: #"{"_id": 1}"#, skip: 10, []),
        .project(
            "inclusion keeps _id", "manual: Project Fields (specified fields and _id)", inv, id: 1, #"{"item": 1, "status": 1}"#,
            #"{"_id": 1, "item": "journal", "status": "A"}"#),
        .project("inclusion without _id", "manual: Project Fields (suppress _id)", inv, id: 1, #"{"item": 1, "_id": 0}"#, #"{"item": "journal"}"#),
        .project(
            "exclusion", "manual: Project Fields (exclude fields)", inv, id: 1, #"{"status": 0, "tags": 0, "dim": 0, "size": 0, "qty": 0}"#,
            #"{"_id": 1, "item": "journal"}"#),
        .project(
            "inclusion of an embedded field", "manual: Project Fields (embedded document fields)", inv, id: 1, #"{"size.uom": 1}"#,
            #"{"_id": 1, "size": {"uom": "cm"}}"#),
        .project(
            "exclusion of an embedded field", "manual: Project Fields (suppress embedded field)", inv, id: 1,
            #"{"size.uom": 0, "tags": 0, "dim": 0}"#, #"{"_id": 1, "item": "journal", "qty": 25, "size": {"h": 14, "w": 21}, "status": "A"}"#),
        .project(
            "inclusion through an array of documents", "manual: Project Fields (embedded documents in an array)", stock, id: 1,
            #"{"item": 1, "instock.qty": 1}"#, #"{"_id": 1, "item": "journal", "instock": [{"qty": 5}, {"qty": 15}]}"#),
        .project(
            "false excludes, true includes", "manual: Project Fields (boolean values)", inv, id: 5, #"{"item": true, "qty": true, "_id": false}"#,
            #"{"item": "postcard", "qty": 45}"#),
        .project(
            "-password style exclusions", "rule: Project Fields (exclude fields)",
            #"[{"_id": 1, "username": "u", "password": "h", "refreshToken": "t"}]"#, id: 1, #"{"password": 0, "refreshToken": 0}"#,
            #"{"_id": 1, "username": "u"}"#),
        .project("only _id excluded", "manual: Project Fields (suppress _id)", Fixtures.nulls, id: 1, #"{"_id": 0}"#, #"{"item": null}"#),
    ]

    static let updateCases: [ConformanceCase] = [
        .update(
            "$set a top-level field", "manual: $set", #"{"_id": 1}"#, #"{"$set": {"name": "z"}}"#, matched: 1, modified: 1,
            after:
                #"[{"_id": 1, "name": "z", "n": 1, "tags": ["x"], "sub": {"a": 1}, "scores": [1, 6, 8, 2], "items": [{"qty": 1}, {"qty": 10}]}, {"_id": 2, "name": "b", "n": 2.5, "tags": [], "sub": {"a": 2}}]"#
        ),
        .update(
            "$set creates embedded documents", "manual: $set (fields in embedded documents)", #"{"_id": 2}"#, #"{"$set": {"sub.b.c": 3}}"#,
            after: #"[\#(p1), {"_id": 2, "name": "b", "n": 2.5, "tags": [], "sub": {"a": 2, "b": {"c": 3}}}]"#),
        .update(
            "$set an array element", "manual: $set (elements in arrays)", #"{"_id": 1}"#, #"{"$set": {"tags.0": "y"}}"#,
            after:
                #"[{"_id": 1, "name": "a", "n": 1, "tags": ["y"], "sub": {"a": 1}, "scores": [1, 6, 8, 2], "items": [{"qty": 1}, {"qty": 10}]}, \#(p2)]"#
        ),
        .update(
            "$set past the end of an array pads with null", "rule: $set (array index beyond length)", #"{"_id": 2}"#, #"{"$set": {"tags.2": "w"}}"#,
            after: #"[\#(p1), {"_id": 2, "name": "b", "n": 2.5, "tags": [null, null, "w"], "sub": {"a": 2}}]"#),
        .update(
            "$unset a field", "manual: $unset", #"{"_id": 2}"#, #"{"$unset": {"sub": ""}}"#,
            after: #"[\#(p1), {"_id": 2, "name": "b", "n": 2.5, "tags": []}]"#),
        .update(
            "$unset an embedded field", "manual: $unset", #"{"_id": 2}"#, #"{"$unset": {"sub.a": ""}}"#,
            after: #"[\#(p1), {"_id": 2, "name": "b", "n": 2.5, "tags": [], "sub": {}}]"#),
        .update(
            "$unset a missing field modifies nothing", "manual: $unset (field does not exist)", #"{"_id": 2}"#, #"{"$unset": {"nope": ""}}"#,
            matched: 1, modified: 0,
            after: #"[\#(p1), \#(p2)]"#),
        .update(
            "$inc an int", "manual: $inc", #"{"_id": 1}"#, #"{"$inc": {"n": 2}}"#,
            after:
                #"[{"_id": 1, "name": "a", "n": 3, "tags": ["x"], "sub": {"a": 1}, "scores": [1, 6, 8, 2], "items": [{"qty": 1}, {"qty": 10}]}, \#(p2)]"#
        ),
        .update(
            "$inc a double", "manual: $inc", #"{"_id": 2}"#, #"{"$inc": {"n": 1}}"#,
            after: #"[\#(p1), {"_id": 2, "name": "b", "n": 3.5, "tags": [], "sub": {"a": 2}}]"#),
        .update(
            "$inc a missing field sets it", "manual: $inc (field does not exist)", #"{"_id": 2}"#, #"{"$inc": {"m": 5}}"#,
            after: #"[\#(p1), {"_id": 2, "name": "b", "n": 2.5, "tags": [], "sub": {"a": 2}, "m": 5}]"#),
        .update(
            "$inc a negative amount", "manual: $inc", #"{"_id": 1}"#, #"{"$inc": {"sub.a": -3}}"#,
            after:
                #"[{"_id": 1, "name": "a", "n": 1, "tags": ["x"], "sub": {"a": -2}, "scores": [1, 6, 8, 2], "items": [{"qty": 1}, {"qty": 10}]}, \#(p2)]"#
        ),
        .update(
            "$push a value", "manual: $push", #"{"_id": 1}"#, #"{"$push": {"tags": "y"}}"#,
            after:
                #"[{"_id": 1, "name": "a", "n": 1, "tags": ["x", "y"], "sub": {"a": 1}, "scores": [1, 6, 8, 2], "items": [{"qty": 1}, {"qty": 10}]}, \#(p2)]"#
        ),
        .update(
            "$push with $each", "manual: $push ($each)", #"{"_id": 1}"#, #"{"$push": {"tags": {"$each": ["y", "z"]}}}"#,
            after:
                #"[{"_id": 1, "name": "a", "n": 1, "tags": ["x", "y", "z"], "sub": {"a": 1}, "scores": [1, 6, 8, 2], "items": [{"qty": 1}, {"qty": 10}]}, \#(p2)]"#
        ),
        .update(
            "$push to a missing field creates the array", "manual: $push (field absent)", #"{"_id": 2}"#, #"{"$push": {"list": 1}}"#,
            after: #"[\#(p1), {"_id": 2, "name": "b", "n": 2.5, "tags": [], "sub": {"a": 2}, "list": [1]}]"#),
        .update(
            "$addToSet an existing value changes nothing", "manual: $addToSet (value already present)", #"{"_id": 1}"#,
            #"{"$addToSet": {"tags": "x"}}"#, matched: 1, modified: 0,
            after: #"[\#(p1), \#(p2)]"#),
        .update(
            "$addToSet with $each skips duplicates", "manual: $addToSet ($each)", #"{"_id": 1}"#,
            #"{"$addToSet": {"tags": {"$each": ["x", "y", "y"]}}}"#,
            after:
                #"[{"_id": 1, "name": "a", "n": 1, "tags": ["x", "y"], "sub": {"a": 1}, "scores": [1, 6, 8, 2], "items": [{"qty": 1}, {"qty": 10}]}, \#(p2)]"#
        ),
        .update(
            "$pull a value", "manual: $pull (remove all items that equal a value)", #"{"_id": 1}"#, #"{"$pull": {"tags": "x"}}"#,
            after:
                #"[{"_id": 1, "name": "a", "n": 1, "tags": [], "sub": {"a": 1}, "scores": [1, 6, 8, 2], "items": [{"qty": 1}, {"qty": 10}]}, \#(p2)]"#
        ),
        .update(
            "$pull with a condition", "manual: $pull (remove all items that match a condition)", #"{"_id": 1}"#,
            #"{"$pull": {"scores": {"$gte": 6}}}"#,
            after: #"[{"_id": 1, "name": "a", "n": 1, "tags": ["x"], "sub": {"a": 1}, "scores": [1, 2], "items": [{"qty": 1}, {"qty": 10}]}, \#(p2)]"#
        ),
        .update(
            "$pull documents matching a query", "manual: $pull (remove items from an array of documents)", #"{"_id": 1}"#,
            #"{"$pull": {"items": {"qty": {"$lt": 5}}}}"#,
            after: #"[{"_id": 1, "name": "a", "n": 1, "tags": ["x"], "sub": {"a": 1}, "scores": [1, 6, 8, 2], "items": [{"qty": 10}]}, \#(p2)]"#),
        .update(
            "updateMany", "manual: db.collection.updateMany()", .many, "{}", #"{"$set": {"flag": true}}"#, matched: 2, modified: 2,
            after:
                #"[{"_id": 1, "name": "a", "n": 1, "tags": ["x"], "sub": {"a": 1}, "scores": [1, 6, 8, 2], "items": [{"qty": 1}, {"qty": 10}], "flag": true}, {"_id": 2, "name": "b", "n": 2.5, "tags": [], "sub": {"a": 2}, "flag": true}]"#
        ),
        .update(
            "updateOne touches only the first match", "manual: db.collection.updateOne()", #"{"n": {"$gt": 0}}"#, #"{"$set": {"flag": true}}"#,
            matched: 1, modified: 1,
            after:
                #"[{"_id": 1, "name": "a", "n": 1, "tags": ["x"], "sub": {"a": 1}, "scores": [1, 6, 8, 2], "items": [{"qty": 1}, {"qty": 10}], "flag": true}, \#(p2)]"#
        ),
        .update(
            "no match, no upsert", "manual: db.collection.updateOne()", #"{"_id": 9}"#, #"{"$set": {"x": 1}}"#, matched: 0, modified: 0,
            after: #"[\#(p1), \#(p2)]"#),
        .update(
            "upsert copies the filter's equality fields", "manual: db.collection.updateOne() (upsert)", #"{"_id": 3, "name": "c"}"#,
            #"{"$set": {"n": 9}}"#, upsert: true, matched: 0, modified: 0,
            after: #"[\#(p1), \#(p2), {"_id": 3, "name": "c", "n": 9}]"#),
        .update(
            "upsert applies $setOnInsert", "manual: $setOnInsert", #"{"_id": 4}"#, #"{"$set": {"a": 1}, "$setOnInsert": {"created": true}}"#,
            upsert: true,
            after: #"[\#(p1), \#(p2), {"_id": 4, "a": 1, "created": true}]"#),
        .update(
            "$setOnInsert is ignored on update", "manual: $setOnInsert", #"{"_id": 2}"#, #"{"$set": {"a": 1}, "$setOnInsert": {"created": true}}"#,
            upsert: true, matched: 1, modified: 1,
            after: #"[\#(p1), {"_id": 2, "name": "b", "n": 2.5, "tags": [], "sub": {"a": 2}, "a": 1}]"#),
        .update(
            "upsert with an operator filter does not copy it", "manual: Upsert with operator expressions", #"{"n": {"$gt": 100}, "name": "big"}"#,
            #"{"$set": {"_id": 5}}"#, upsert: true,
            after: #"[\#(p1), \#(p2), {"_id": 5, "name": "big"}]"#),
        .update(
            "replaceOne keeps _id", "manual: db.collection.replaceOne()", .replace, #"{"_id": 1}"#, #"{"name": "r"}"#, matched: 1, modified: 1,
            after: #"[{"_id": 1, "name": "r"}, \#(p2)]"#),
        .update(
            "replaceOne with upsert", "manual: db.collection.replaceOne() (upsert)", .replace, #"{"_id": 7}"#, #"{"name": "new"}"#, upsert: true,
            after: #"[\#(p1), \#(p2), {"_id": 7, "name": "new"}]"#),
        .update(
            "$set the same value modifies nothing", "rule: nModified counts changed documents", #"{"_id": 1}"#, #"{"$set": {"name": "a"}}"#,
            matched: 1, modified: 0,
            after: #"[\#(p1), \#(p2)]"#),
        .update(
            "several operators at once", "manual: Update Operators", #"{"_id": 2}"#,
            #"{"$set": {"name": "bb"}, "$inc": {"n": 0.5}, "$push": {"tags": "t"}, "$unset": {"sub": ""}}"#,
            after: #"[\#(p1), {"_id": 2, "name": "bb", "n": 3.0, "tags": ["t"]}]"#),
        .delete(
            "deleteOne removes the first match", "manual: db.collection.deleteOne()", many: false, #"{"status": "D"}"#, deleted: 1,
            remaining: [1, 2, 4, 5]),
        .delete(
            "deleteMany removes every match", "manual: db.collection.deleteMany()", many: true, #"{"status": "A"}"#, deleted: 3, remaining: [3, 4]),
        .delete(
            "deleteMany with no match", "manual: db.collection.deleteMany()", many: true, #"{"status": "Z"}"#, deleted: 0, remaining: [1, 2, 3, 4, 5]),
    ]
    static let p1 = #"{"_id": 1, "name": "a", "n": 1, "tags": ["x"], "sub": {"a": 1}, "scores": [1, 6, 8, 2], "items": [{"qty": 1}, {"qty": 10}]}"#
    static let p2 = #"{"_id": 2, "name": "b", "n": 2.5, "tags": [], "sub": {"a": 2}}"#

    static let sales = Fixtures.sales

    static let aggregationCases: [ConformanceCase] = [
        .aggregate(
            "$group with $sum of a product", "manual: $group (group by item having)", sales,
            #"[{"$group": {"_id": "$item", "total": {"$sum": {"$multiply": ["$price", "$quantity"]}}}}, {"$sort": {"_id": 1}}]"#,
            #"[{"_id": "abc", "total": 120}, {"_id": "jkl", "total": 20}, {"_id": "xyz", "total": 150}]"#),
        .aggregate(
            "$group null counts everything", "manual: $group (count the number of documents)", sales,
            #"[{"$group": {"_id": null, "count": {"$sum": 1}}}]"#, #"[{"_id": null, "count": 5}]"#),
        .aggregate(
            "$avg", "manual: $avg (use in $group)", sales,
            #"[{"$group": {"_id": "$item", "avgQuantity": {"$avg": "$quantity"}}}, {"$sort": {"_id": 1}}]"#,
            #"[{"_id": "abc", "avgQuantity": 6.0}, {"_id": "jkl", "avgQuantity": 1.0}, {"_id": "xyz", "avgQuantity": 15.0}]"#),
        .aggregate(
            "$min and $max", "manual: $min / $max (use in $group)", sales,
            #"[{"$group": {"_id": "$item", "lo": {"$min": "$quantity"}, "hi": {"$max": "$quantity"}}}, {"$sort": {"_id": 1}}]"#,
            #"[{"_id": "abc", "lo": 2, "hi": 10}, {"_id": "jkl", "lo": 1, "hi": 1}, {"_id": "xyz", "lo": 10, "hi": 20}]"#),
        .aggregate(
            "$first and $last after a sort", "manual: $first / $last (use in $group)", sales,
            #"[{"$sort": {"date": 1}}, {"$group": {"_id": "$item", "first": {"$first": "$_id"}, "last": {"$last": "$_id"}}}, {"$sort": {"_id": 1}}]"#,
            #"[{"_id": "abc", "first": 1, "last": 5}, {"_id": "jkl", "first": 2, "last": 2}, {"_id": "xyz", "first": 3, "last": 4}]"#),
        .aggregate(
            "$push keeps order and duplicates", "manual: $push (use in $group)", sales,
            #"[{"$sort": {"_id": 1}}, {"$group": {"_id": null, "items": {"$push": "$item"}}}]"#,
            #"[{"_id": null, "items": ["abc", "jkl", "xyz", "xyz", "abc"]}]"#),
        .aggregate(
            "$addToSet removes duplicates", "manual: $addToSet (use in $group)", sales,
            #"[{"$group": {"_id": null, "items": {"$addToSet": "$item"}}}, {"$project": {"_id": 0, "n": {"$size": "$items"}}}]"#,
            #"[{"n": 3}]"#),
        .aggregate(
            "$group by a computed key", "manual: $group (group by day)", sales,
            #"[{"$group": {"_id": {"$concat": ["$item", "-x"]}, "n": {"$sum": 1}}}, {"$sort": {"_id": -1}}]"#,
            #"[{"_id": "xyz-x", "n": 2}, {"_id": "jkl-x", "n": 1}, {"_id": "abc-x", "n": 2}]"#),
        .aggregate(
            "$sum ignores non-numbers", "manual: $sum (non-numeric values are ignored)", #"[{"_id": 1, "v": 1}, {"_id": 2, "v": "x"}, {"_id": 3}]"#,
            #"[{"$group": {"_id": null, "s": {"$sum": "$v"}}}]"#, #"[{"_id": null, "s": 1}]"#),
        .aggregate(
            "$group on no input yields nothing", "rule: $group outputs one document per group", sales,
            #"[{"$match": {"item": "none"}}, {"$group": {"_id": null, "n": {"$sum": 1}}}]"#, "[]"),
        .aggregate("$match then $count", "manual: $count", sales, #"[{"$match": {"item": "xyz"}}, {"$count": "n"}]"#, #"[{"n": 2}]"#),
        .aggregate(
            "$count of nothing is no document", "manual: $count (empty input)", sales, #"[{"$match": {"item": "none"}}, {"$count": "n"}]"#, "[]"),
        .aggregate(
            "$project with a computed field", "manual: $project (include computed fields)", sales,
            #"[{"$match": {"_id": {"$lte": 2}}}, {"$sort": {"_id": 1}}, {"$project": {"_id": 0, "item": 1, "total": {"$multiply": ["$price", "$quantity"]}}}]"#,
            #"[{"item": "abc", "total": 20}, {"item": "jkl", "total": 20}]"#),
        .aggregate(
            "$addFields", "manual: $addFields", sales,
            #"[{"$match": {"_id": 3}}, {"$addFields": {"total": {"$multiply": ["$price", "$quantity"]}}}, {"$project": {"date": 0}}]"#,
            #"[{"_id": 3, "item": "xyz", "price": 5, "quantity": 10, "total": 50}]"#),
        .aggregate(
            "$set is $addFields", "manual: $set (aggregation)", sales,
            #"[{"$match": {"_id": 2}}, {"$set": {"item": "JKL", "tag.kind": "single"}}, {"$project": {"item": 1, "tag": 1}}]"#,
            #"[{"_id": 2, "item": "JKL", "tag": {"kind": "single"}}]"#),
        .aggregate(
            "$addFields merges into an embedded document", "manual: $addFields (adding fields to an embedded document)", inv,
            #"[{"$match": {"_id": 1}}, {"$addFields": {"size": {"depth": 3}}}, {"$project": {"size": 1}}]"#,
            #"[{"_id": 1, "size": {"h": 14, "w": 21, "uom": "cm", "depth": 3}}]"#),
        .aggregate(
            "$unset stage", "manual: $unset (aggregation)", sales,
            #"[{"$match": {"_id": 1}}, {"$unset": ["date", "price"]}]"#, #"[{"_id": 1, "item": "abc", "quantity": 2}]"#),
        .aggregate(
            "$sort, $skip, $limit", "manual: $skip / $limit", sales,
            #"[{"$sort": {"quantity": -1}}, {"$skip": 1}, {"$limit": 2}, {"$project": {"_id": 1}}]"#, #"[{"_id": 3}, {"_id": 5}]"#),
        .aggregate(
            "$facet with count and top", "manual: $facet", sales,
            #"[{"$facet": {"count": [{"$count": "n"}], "top": [{"$sort": {"quantity": -1}}, {"$limit": 1}, {"$project": {"_id": 1}}]}}]"#,
            #"[{"count": [{"n": 5}], "top": [{"_id": 4}]}]"#),
        .aggregate(
            "$facet pagination in one round trip", "rule: aggregate pagination (count + page via $facet)", sales,
            #"[{"$sort": {"_id": 1}}, {"$facet": {"meta": [{"$count": "totalDocs"}], "docs": [{"$skip": 2}, {"$limit": 2}, {"$project": {"_id": 1}}]}}]"#,
            #"[{"meta": [{"totalDocs": 5}], "docs": [{"_id": 3}, {"_id": 4}]}]"#),
        .aggregate(
            "$unwind an array", "manual: $unwind (unwind array)", Fixtures.sizes,
            #"[{"$unwind": "$sizes"}, {"$project": {"item": 0}}]"#, #"[{"_id": 1, "sizes": "S"}, {"_id": 1, "sizes": "M"}, {"_id": 5, "sizes": "L"}]"#
        ),
        .aggregate(
            "$unwind preserveNullAndEmptyArrays", "manual: $unwind (preserveNullAndEmptyArrays)", Fixtures.sizes,
            #"[{"$unwind": {"path": "$sizes", "preserveNullAndEmptyArrays": true}}, {"$project": {"item": 0}}]"#,
            #"[{"_id": 1, "sizes": "S"}, {"_id": 1, "sizes": "M"}, {"_id": 2}, {"_id": 3, "sizes": null}, {"_id": 4}, {"_id": 5, "sizes": "L"}]"#),
        .aggregate(
            "$unwind includeArrayIndex", "manual: $unwind (includeArrayIndex)", Fixtures.sizes,
            #"[{"$match": {"_id": 1}}, {"$unwind": {"path": "$sizes", "includeArrayIndex": "i"}}, {"$project": {"item": 0}}]"#,
            #"[{"_id": 1, "sizes": "S", "i": {"$numberLong": "0"}}, {"_id": 1, "sizes": "M", "i": {"$numberLong": "1"}}]"#),
        .aggregate(
            "$replaceRoot with an embedded document", "manual: $replaceRoot", inv,
            #"[{"$match": {"_id": {"$in": [1, 2]}}}, {"$sort": {"_id": 1}}, {"$replaceRoot": {"newRoot": "$size"}}]"#,
            #"[{"h": 14, "w": 21, "uom": "cm"}, {"h": 8.5, "w": 11, "uom": "in"}]"#),
        .aggregate(
            "$replaceWith a computed document", "manual: $replaceWith", sales,
            #"[{"$match": {"_id": 1}}, {"$replaceWith": {"item": "$item", "n": "$quantity"}}]"#, #"[{"item": "abc", "n": 2}]"#),
        .aggregate(
            "$lookup equality match", "manual: $lookup (single equality join)", Fixtures.orders, foreign: Fixtures.lookupInventory,
            #"[{"$sort": {"_id": 1}}, {"$lookup": {"from": "FOREIGN", "localField": "item", "foreignField": "sku", "as": "inventory_docs"}}, {"$project": {"_id": 1, "ids": "$inventory_docs._id"}}]"#,
            #"[{"_id": 1, "ids": [1]}, {"_id": 2, "ids": [4]}, {"_id": 3, "ids": [5, 6]}]"#),
        .aggregate(
            "$lookup with let and a pipeline", "manual: $lookup (join conditions and subqueries)", Fixtures.orders, foreign: Fixtures.lookupInventory,
            #"[{"$match": {"_id": {"$lte": 2}}}, {"$sort": {"_id": 1}}, {"$lookup": {"from": "FOREIGN", "let": {"it": "$item", "q": "$quantity"}, "pipeline": [{"$match": {"$expr": {"$and": [{"$eq": ["$sku", "$$it"]}, {"$gte": ["$instock", "$$q"]}]}}}, {"$project": {"_id": 0, "sku": 1}}], "as": "stock"}}, {"$project": {"stock": 1}}]"#,
            #"[{"_id": 1, "stock": [{"sku": "almonds"}]}, {"_id": 2, "stock": [{"sku": "pecans"}]}]"#),
        .aggregate(
            "$lookup with localField and a pipeline", "manual: $lookup (correlated subqueries using concise syntax)", Fixtures.orders,
            foreign: Fixtures.lookupInventory,
            #"[{"$match": {"_id": 1}}, {"$lookup": {"from": "FOREIGN", "localField": "item", "foreignField": "sku", "pipeline": [{"$project": {"_id": 0, "description": 1}}], "as": "d"}}, {"$project": {"d": 1}}]"#,
            #"[{"_id": 1, "d": [{"description": "product 1"}]}]"#),
        .aggregate(
            "$lookup with an array localField", "manual: $lookup (use $lookup with an array)", #"[{"_id": 1, "videos": [4, 1, 9]}]"#,
            foreign: Fixtures.lookupInventory,
            #"[{"$lookup": {"from": "FOREIGN", "localField": "videos", "foreignField": "_id", "as": "v"}}, {"$project": {"ids": "$v._id"}}]"#,
            #"[{"_id": 1, "ids": [1, 4]}]"#),
        .aggregate(
            "channel profile: counts and isSubscribed", "rule: the course's getUserChannelProfile pipeline", Fixtures.users,
            foreign: Fixtures.subscriptions,
            #"[{"$match": {"username": "chai"}}, {"$lookup": {"from": "FOREIGN", "localField": "_id", "foreignField": "channel", "as": "subscribers"}}, {"$lookup": {"from": "FOREIGN", "localField": "_id", "foreignField": "subscriber", "as": "subscribedTo"}}, {"$addFields": {"subscribersCount": {"$size": "$subscribers"}, "channelsSubscribedToCount": {"$size": "$subscribedTo"}, "isSubscribed": {"$cond": {"if": {"$in": [3, "$subscribers.subscriber"]}, "then": true, "else": false}}}}, {"$project": {"username": 1, "subscribersCount": 1, "channelsSubscribedToCount": 1, "isSubscribed": 1}}]"#,
            #"[{"_id": 1, "username": "chai", "subscribersCount": 2, "channelsSubscribedToCount": 1, "isSubscribed": true}]"#),
        .aggregate(
            "nested $lookup pipelines", "manual: $lookup (multiple joins)", Fixtures.users, foreign: Fixtures.subscriptions,
            #"[{"$match": {"_id": 2}}, {"$lookup": {"from": "FOREIGN", "localField": "_id", "foreignField": "subscriber", "as": "subs", "pipeline": [{"$project": {"_id": 0, "channel": 1}}]}}, {"$project": {"subs": 1}}]"#,
            #"[{"_id": 2, "subs": [{"channel": 1}]}]"#),
        .aggregate(
            "$match with $expr and $$ROOT", "manual: Variables in Aggregation Expressions ($$ROOT)", sales,
            #"[{"$match": {"$expr": {"$eq": ["$$ROOT.item", "jkl"]}}}, {"$project": {"_id": 1}}]"#, #"[{"_id": 2}]"#),
        .aggregate(
            "$project of a field path through an array", "rule: field paths through arrays yield arrays", stock,
            #"[{"$match": {"_id": 1}}, {"$project": {"w": "$instock.warehouse"}}]"#, #"[{"_id": 1, "w": ["A", "C"]}]"#),
    ]

    static let vals = Fixtures.values
    static func expr(_ name: String, _ source: String, _ expression: String, _ expected: String) -> ConformanceCase {
        .aggregate(name, source, vals, #"[{"$project": {"_id": 0, "r": \#(expression)}}]"#, #"[{"r": \#(expected)}]"#)
    }

    static let expressionCases: [ConformanceCase] = [
        expr("$size expression", "manual: $size (aggregation)", #"{"$size": "$a"}"#, "3"),
        expr("$cond array form", "manual: $cond", #"{"$cond": [{"$gte": ["$num", 5]}, "big", "small"]}"#, #""big""#),
        expr("$cond object form", "manual: $cond", #"{"$cond": {"if": "$n", "then": 1, "else": 2}}"#, "2"),
        expr("$ifNull on null", "manual: $ifNull", #"{"$ifNull": ["$n", "default"]}"#, #""default""#),
        expr("$ifNull on missing", "manual: $ifNull", #"{"$ifNull": ["$missing", "default"]}"#, #""default""#),
        expr("$ifNull keeps a value", "manual: $ifNull", #"{"$ifNull": ["$s", "default"]}"#, #""tube""#),
        expr("$in expression", "manual: $in (aggregation)", #"{"$in": [2, "$a"]}"#, "true"),
        expr("$first", "manual: $first (array operator)", #"{"$first": "$a"}"#, "1"),
        expr("$last", "manual: $last (array operator)", #"{"$last": "$a"}"#, "3"),
        expr("$arrayElemAt", "manual: $arrayElemAt", #"{"$arrayElemAt": ["$a", 1]}"#, "2"),
        expr("$arrayElemAt negative", "manual: $arrayElemAt (negative index)", #"{"$arrayElemAt": ["$a", -1]}"#, "3"),
        expr("$eq across numeric types", "manual: $eq (aggregation)", #"{"$eq": ["$num", 10.0]}"#, "true"),
        expr("$eq missing vs null is false", "rule: $eq (aggregation) compares missing as its own value", #"{"$eq": ["$missing", null]}"#, "false"),
        expr("$ne expression", "manual: $ne (aggregation)", #"{"$ne": ["$s", "tv"]}"#, "true"),
        expr("$gt", "manual: $gt (aggregation)", #"{"$gt": ["$num", 9]}"#, "true"),
        expr("$lte on strings", "manual: $lte (aggregation)", #"{"$lte": ["$s", "tube"]}"#, "true"),
        expr("$and", "manual: $and (aggregation)", #"{"$and": [{"$gt": ["$num", 1]}, "$s"]}"#, "true"),
        expr("$or with null", "manual: $or (aggregation)", #"{"$or": ["$n", false]}"#, "false"),
        expr("$not", "manual: $not (aggregation)", #"{"$not": [{"$eq": ["$s", "tube"]}]}"#, "false"),
        expr("$add numbers", "manual: $add", #"{"$add": ["$num", 5, "$half"]}"#, "17.5"),
        expr("$add a date and milliseconds", "manual: $add (date)", #"{"$add": ["$d", 86400000]}"#, #"{"$date": "2024-03-02T00:00:00Z"}"#),
        expr("$subtract", "manual: $subtract", #"{"$subtract": ["$num", 3]}"#, "7"),
        expr("$subtract two dates", "manual: $subtract (two dates)", #"{"$subtract": [{"$add": ["$d", 1000]}, "$d"]}"#, #"{"$numberLong": "1000"}"#),
        expr("$multiply", "manual: $multiply", #"{"$multiply": ["$num", "$half"]}"#, "25.0"),
        expr("$divide", "manual: $divide", #"{"$divide": ["$num", 4]}"#, "2.5"),
        expr("$concat", "manual: $concat", #"{"$concat": ["$s", "-", "video"]}"#, #""tube-video""#),
        expr("$concat with null is null", "manual: $concat (null argument)", #"{"$concat": ["$s", "$n"]}"#, "null"),
        expr("$toString of an ObjectId", "manual: $toString", #"{"$toString": "$o"}"#, #""65f0a1b2c3d4e5f601234567""#),
        expr("$toString of a number", "manual: $toString", #"{"$toString": "$num"}"#, #""10""#),
        expr("$filter", "manual: $filter", #"{"$filter": {"input": "$a", "as": "x", "cond": {"$gte": ["$$x", 2]}}}"#, "[2, 3]"),
        expr(
            "$filter documents", "manual: $filter", #"{"$filter": {"input": "$docs", "cond": {"$eq": ["$$this.v", "y"]}}}"#, #"[{"k": 2, "v": "y"}]"#),
        expr("$map", "manual: $map", #"{"$map": {"input": "$a", "as": "x", "in": {"$multiply": ["$$x", 10]}}}"#, "[10, 20, 30]"),
        expr("$sum of an array", "manual: $sum (in $project)", #"{"$sum": "$a"}"#, "6"),
        expr("$sum of several arguments", "manual: $sum (in $project)", #"{"$sum": ["$num", "$half", "$s"]}"#, "12.5"),
        expr("$literal keeps a $ string", "manual: $literal", #"{"$literal": "$num"}"#, #""$num""#),
        expr("object expression", "manual: Expression Objects", #"{"x": "$num", "y": {"$size": "$a"}}"#, #"{"x": 10, "y": 3}"#),
        expr("array expression", "manual: Expressions (arrays)", #"["$num", "$s"]"#, #"[10, "tube"]"#),
        expr(
            "$size of a $filter", "rule: composed expressions", #"{"$size": {"$filter": {"input": "$docs", "cond": {"$gt": ["$$this.k", 0]}}}}"#, "2"),
    ]

    static let errorCases: [ConformanceCase] = [
        .error("unknown query operator", "rule: unknown operator (BadValue)", inv, .find(#"{"qty": {"$foo": 1}}"#, projection: nil), code: 2),
        .error(
            "unknown top-level operator", "rule: unknown top level operator (BadValue)", inv, .find(#"{"$foo": [{"a": 1}]}"#, projection: nil),
            code: 2),
        .error("empty $or", "manual: $or (nonempty array)", inv, .find(#"{"$or": []}"#, projection: nil), code: 2),
        .error("$in needs an array", "manual: $in", inv, .find(#"{"qty": {"$in": 5}}"#, projection: nil), code: 2),
        .error("$and needs objects", "manual: $and", inv, .find(#"{"$and": [1]}"#, projection: nil), code: 2),
        .error("invalid regex", "rule: $regex must compile", inv, .find(#"{"item": {"$regex": "("}}"#, projection: nil), code: 51091),
        .error(
            "mixed inclusion and exclusion", "manual: Projection Restrictions", inv, .find("{}", projection: #"{"item": 1, "status": 0}"#),
            code: 31254),
        .error(
            "mixed exclusion and inclusion", "manual: Projection Restrictions", inv, .find("{}", projection: #"{"status": 0, "item": 1}"#),
            code: 31253),
        .error("$inc a string", "manual: $inc (non-numeric field)", Fixtures.people, .update(#"{"_id": 1}"#, #"{"$inc": {"name": 1}}"#), code: 14),
        .error("$inc by a string", "manual: $inc", Fixtures.people, .update(#"{"_id": 1}"#, #"{"$inc": {"n": "x"}}"#), code: 14),
        .error(
            "$push onto a non-array", "manual: $push (field is not an array)", Fixtures.people, .update(#"{"_id": 1}"#, #"{"$push": {"name": "q"}}"#),
            code: 2),
        .error("changing _id", "manual: Field Order (_id immutable)", Fixtures.people, .update(#"{"_id": 1}"#, #"{"$set": {"_id": 5}}"#), code: 66),
        .error(
            "conflicting update paths", "rule: update operators may not touch the same path", Fixtures.people,
            .update(#"{"_id": 1}"#, #"{"$set": {"n": 1}, "$inc": {"n": 1}}"#), code: 40),
        .error(
            "unknown update operator", "rule: unknown modifier (FailedToParse)", Fixtures.people, .update(#"{"_id": 1}"#, #"{"$foo": {"n": 1}}"#),
            code: nil),
        .error(
            "update without operators", "manual: db.collection.updateOne() (update document)", Fixtures.people, .update(#"{"_id": 1}"#, #"{"n": 1}"#),
            code: nil),
        .error("$set through a scalar", "rule: PathNotViable", Fixtures.people, .update(#"{"_id": 1}"#, #"{"$set": {"name.first": "x"}}"#), code: 28),
        .error("unknown stage", "rule: unrecognized pipeline stage", sales, .aggregate(#"[{"$foo": {}}]"#), code: 40324),
        .error("unknown expression", "rule: unrecognized expression", sales, .aggregate(#"[{"$project": {"x": {"$foo": 1}}}]"#), code: 168),
        .error(
            "$size of a non-array", "manual: $size (aggregation, argument must be an array)", sales,
            .aggregate(#"[{"$project": {"x": {"$size": "$item"}}}]"#), code: 17124),
        .error(
            "unknown accumulator", "rule: unknown group operator", sales, .aggregate(#"[{"$group": {"_id": null, "x": {"$foo": 1}}}]"#), code: 15952),
        .error("$limit zero", "manual: $limit (positive integer)", sales, .aggregate(#"[{"$limit": 0}]"#), code: 15958),
        .error("$divide by zero", "manual: $divide", sales, .aggregate(#"[{"$project": {"x": {"$divide": ["$price", 0]}}}]"#), code: 2),
        .error(
            "$replaceRoot to a non-document", "manual: $replaceRoot (newRoot must be a document)", sales,
            .aggregate(#"[{"$replaceRoot": {"newRoot": "$item"}}]"#), code: 40228),
        .error("stage with two fields", "rule: a stage has exactly one field", sales, .aggregate(#"[{"$match": {}, "$limit": 1}]"#), code: 40323),
        .error("$unwind path without $", "manual: $unwind (path must start with $)", sales, .aggregate(#"[{"$unwind": "item"}]"#), code: 28818),
        .error("$count with a dot", "manual: $count (field name)", sales, .aggregate(#"[{"$count": "a.b"}]"#), code: 40156),
    ]
}
