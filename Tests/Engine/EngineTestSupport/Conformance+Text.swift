// Conformance rows for `$text` over a text index (issue 14), on the manual's articles: terms,
// phrases, negation, case and diacritic folding, and ordering by `{$meta: "textScore"}`. The
// searches avoid words that MongoDB's Snowball stemmer folds and the store's lighter one does not
// ("baking", "shopping"): notes/embedded-store.md says so.

import Foundation

extension Fixtures {
    /// manual: "$text" (articles).
    public static let articles = #"""
        [{"_id": 1, "subject": "coffee", "author": "xyz", "views": 50}, {"_id": 2, "subject": "Coffee Shopping", "author": "efg", "views": 5},
         {"_id": 3, "subject": "Baking a cake", "author": "abc", "views": 90}, {"_id": 4, "subject": "baking", "author": "xyz", "views": 100},
         {"_id": 5, "subject": "Café Con Leche", "author": "abc", "views": 200}, {"_id": 6, "subject": "Сырники", "author": "jkl", "views": 80},
         {"_id": 7, "subject": "coffee and cream", "author": "efg", "views": 10}, {"_id": 8, "subject": "Cafe con Leche", "author": "xyz", "views": 10}]
        """#
}

extension ConformanceCase {
    static func search(_ name: String, _ source: String, _ filter: String, _ ids: [Int], sort: String? = nil) -> ConformanceCase {
        var c = ConformanceCase(
            name: name, source: source, documents: Fixtures.articles, foreign: nil,
            operation: .find(filter: filter, sort: sort, skip: nil, limit: nil, ids: ids, ordered: sort != nil))
        c.indexes = [#"{"subject": "text"}"#]
        return c
    }
}

extension Conformance {
    static let textCases: [ConformanceCase] = [
        .search("$text one word", "manual: $text (search for a single word)", #"{"$text": {"$search": "coffee"}}"#, [1, 2, 7]),
        .search("$text any of the words", "manual: $text (match any of the search terms)", #"{"$text": {"$search": "coffee cake"}}"#, [1, 2, 3, 7]),
        .search("$text a phrase", "manual: $text (search a different language... / phrase)", #"{"$text": {"$search": "\"coffee shop\""}}"#, [2]),
        .search(
            "$text excludes a negated word", "manual: $text (exclude documents that contain a term)", #"{"$text": {"$search": "coffee -cream"}}"#,
            [1, 2]),
        .search("$text is case insensitive", "manual: $text (case insensitivity)", #"{"$text": {"$search": "COFFEE"}}"#, [1, 2, 7]),
        .search("$text folds diacritics", "manual: $text (diacritic insensitivity)", #"{"$text": {"$search": "cafe"}}"#, [5, 8]),
        .search(
            "$caseSensitive", "manual: $text (case sensitive search for a term)", #"{"$text": {"$search": "Coffee", "$caseSensitive": true}}"#, [2]),
        .search(
            "$diacriticSensitive", "manual: $text (diacritic sensitive search for a term)",
            #"{"$text": {"$search": "CAFÉ", "$diacriticSensitive": true}}"#, [5]),
        .search(
            "$text with another condition", "manual: $text (with other query operators)", #"{"$text": {"$search": "coffee"}, "views": {"$gt": 8}}"#,
            [1, 7]),
        .search(
            "sort by textScore", "manual: $text (sort by text search score)", #"{"$text": {"$search": "coffee"}}"#, [1, 2, 7],
            sort: #"{"score": {"$meta": "textScore"}}"#),
        .error(
            "$text without a text index", "manual: $text (requires a text index)", Fixtures.articles,
            .find(#"{"$text": {"$search": "coffee"}}"#, projection: nil), code: 27),
    ]
}
