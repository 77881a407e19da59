// `$text` and text indexes: the search box of the course's video list, as MongoDB answers it.
//
// A text index names the fields to search (`{title: "text", description: "text"}`); `$search` is
// split into terms (an OR), quoted phrases (each required) and `-negated` terms (each excluded).
// Words are compared lower-cased, without diacritics, and with English plurals folded (the first
// step of Porter's stemmer: "videos" finds "video"). MongoDB stems further (Snowball), so a few
// suffixes it folds are not folded here. The store does not keep an inverted index: a search reads
// the indexed fields of every document, which is fine at the sizes an embedded store serves.
//
// The score (`{$meta: "textScore"}`) counts, field by field, the query terms found, relative to the
// field's length: larger for more matches in shorter fields. Order by it; its values are not
// MongoDB's.

import BSON
import Foundation

struct TextQuery: Sendable {
    let terms: [String]
    let phrases: [String]
    let negated: [String]
    let caseSensitive: Bool
    let diacriticSensitive: Bool
    /// The text index's fields, bound when the query meets its collection.
    var fields: [[String]] = []

    /// The hidden field a matched document carries its score in, until the answer is written.
    static let scoreKey = "\u{1}textScore"

    static func parse(_ value: BSONValue) throws(QueryError) -> TextQuery {
        guard case .document(let d) = value else { throw QueryError(2, "$text expects an object") }
        guard case .string(let search)? = d["$search"] else { throw QueryError(2, "$search required in $text and must be a string") }
        for key in d.keys where !["$search", "$language", "$caseSensitive", "$diacriticSensitive"].contains(key) {
            throw QueryError(2, "extra fields in $text: \(key)")
        }
        if let language = d["$language"]?.stringValue, !["english", "en", "none"].contains(language) {
            throw QueryError(17262, "language override unsupported by the embedded store: \(language)")
        }
        let caseSensitive = d["$caseSensitive"].map(Values.truthy) ?? false
        let diacriticSensitive = d["$diacriticSensitive"].map(Values.truthy) ?? false
        var phrases: [String] = []
        var rest = search
        while let open = rest.firstIndex(of: "\""), let close = rest[rest.index(after: open)...].firstIndex(of: "\"") {
            let phrase = String(rest[rest.index(after: open)..<close])
            if !phrase.isEmpty { phrases.append(phrase) }
            rest.removeSubrange(open...close)
        }
        var terms: [String] = [], negated: [String] = []
        for word in rest.split(whereSeparator: { $0.isWhitespace }) {
            if word.hasPrefix("-") {
                negated += tokens(String(word.dropFirst()), caseSensitive, diacriticSensitive)
            } else {
                terms += tokens(String(word), caseSensitive, diacriticSensitive)
            }
        }
        return TextQuery(terms: terms, phrases: phrases, negated: negated, caseSensitive: caseSensitive, diacriticSensitive: diacriticSensitive)
    }

    /// Words of `text`, normalised as the query's are.
    static func tokens(_ text: String, _ caseSensitive: Bool, _ diacriticSensitive: Bool) -> [String] {
        var folded = text
        if !diacriticSensitive { folded = folded.folding(options: .diacriticInsensitive, locale: nil) }
        if !caseSensitive { folded = folded.lowercased() }
        return folded.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map { stem(String($0)) }
    }

    /// Porter's step 1a: sses -> ss, ies -> i, ss -> ss, s -> (nothing).
    static func stem(_ word: String) -> String {
        if word.hasSuffix("sses") { return String(word.dropLast(2)) }
        if word.hasSuffix("ies") { return String(word.dropLast(2)) }
        if word.hasSuffix("ss") { return word }
        if word.hasSuffix("s"), word.count > 3 { return String(word.dropLast()) }
        return word
    }

    /// The texts of the indexed fields (strings, and strings inside arrays).
    private func texts(_ document: Document) -> [String] {
        var out: [String] = []
        for path in fields {
            for value in Paths.candidates(document, path) {
                switch value {
                case .string(let s)?: out.append(s)
                case .array(let a)?: out += a.compactMap(\.stringValue)
                default: break
                }
            }
        }
        return out
    }

    /// The document's score, or nil when it does not match.
    func score(_ document: Document) -> Double? {
        let fieldTexts = texts(document)
        let fieldTokens = fieldTexts.map { Self.tokens($0, caseSensitive, diacriticSensitive) }
        let all = Set(fieldTokens.joined())
        if negated.contains(where: all.contains) { return nil }
        for phrase in phrases {
            let found = fieldTexts.contains { text in
                caseSensitive
                    ? text.contains(phrase)
                    : text.range(of: phrase, options: diacriticSensitive ? [.caseInsensitive] : [.caseInsensitive, .diacriticInsensitive]) != nil
            }
            if !found { return nil }
        }
        let matched = terms.filter(all.contains)
        if !terms.isEmpty && matched.isEmpty && phrases.isEmpty { return nil }
        if terms.isEmpty && phrases.isEmpty { return nil }
        var score = 0.0
        for tokens in fieldTokens where !tokens.isEmpty {
            let hits = tokens.filter { terms.contains($0) }.count
            if hits > 0 { score += Double(hits) / Double(tokens.count) + 0.5 }
        }
        return score + Double(phrases.count)
    }
}

extension Filter {
    /// The filter with its `$text` bound to the collection's text index fields; an error when it
    /// searches text and the collection has no text index (MongoDB's 27).
    func bindingText(_ fields: [[String]]?) throws(QueryError) -> Filter {
        switch self {
        case .text(var query):
            guard let fields else { throw QueryError(27, "text index required for $text query") }
            query.fields = fields
            return .text(query)
        case .and(let fs):
            var out: [Filter] = []
            for f in fs { out.append(try f.bindingText(fields)) }
            return .and(out)
        default: return self
        }
    }

    /// The filter's `$text` query, when it has one (top level or under `$and`).
    var textQuery: TextQuery? {
        switch self {
        case .text(let q): return q
        case .and(let fs): return fs.lazy.compactMap(\.textQuery).first
        default: return nil
        }
    }
}

extension CollectionState {
    /// The filter's `$text` search bound to the collection's text fields (for scoring matches).
    func textSearch(_ filter: Filter) -> TextQuery? {
        filter.textQuery.map { query in
            var bound = query
            bound.fields = textFields ?? []
            return bound
        }
    }

    /// The fields of the collection's text index, if it has one.
    var textFields: [[String]]? {
        guard let index = indexes.first(where: \.spec.isText) else { return nil }
        return index.spec.keys.compactMap { $0.value == "text" ? Paths.split($0.key) : nil }
    }
}

extension Array where Element == Document {
    /// Each document with its `$text` score in the hidden score field (for `{$meta: "textScore"}`).
    func scored(by query: TextQuery?) -> [Document] {
        guard let query else { return self }
        return map { d in
            var copy = d
            copy[TextQuery.scoreKey] = .double(query.score(d) ?? 0)
            return copy
        }
    }

    /// The documents without the hidden score field.
    func unscored() -> [Document] {
        map { d in
            guard d[TextQuery.scoreKey] != nil else { return d }
            var copy = d
            copy.removeValue(forKey: TextQuery.scoreKey)
            return copy
        }
    }
}
