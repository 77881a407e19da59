// A collection in memory: its documents in insertion order, keyed by SQLite row id, and its
// hash indexes. It is a value type: a reader copies it (an O(1) reference copy) and reads that
// snapshot while the writer goes on; the writer's next change copies the storage only if a
// reader still holds the old one.

import BSON
import OrderedCollections

struct IndexSpec: Sendable, Equatable {
    let name: String
    let keys: Document
    let unique: Bool
    /// `sparse`, `partialFilterExpression`, `expireAfterSeconds`, as given (IndexOptions.extra).
    var options: Document = [:]
    var paths: [[String]] { keys.keys.map(Paths.split) }

    var sparse: Bool { options["sparse"] == true }
    /// A text index: it names the fields `$text` searches, and holds no entries of its own.
    var isText: Bool { keys.values.contains("text") }
    var expireAfterSeconds: Int? { options["expireAfterSeconds"]?.int64Value.map(Int.init) }
    /// Whether the index holds only some documents: then no query is answered from it.
    var isSelective: Bool { sparse || options["partialFilterExpression"] != nil || isText }

    var description: Document {
        var d: Document = ["v": 2, "key": .document(keys), "name": .string(name)]
        if unique && name != "_id_" { d["unique"] = true }
        for (k, v) in options { d[k] = v }
        return d
    }
}

struct HashIndex: Sendable {
    let spec: IndexSpec
    let paths: [[String]]
    /// A partial index's filter: only the documents it matches are indexed.
    let partial: Filter?
    /// The rows under each key (RowBucket.swift).
    var entries: [[ValueKey]: RowBucket] = [:]
    /// For a compound index: the rows by their first field's value alone, so that an equality
    /// on that field is answered from this index, as MongoDB answers from an index's prefix
    /// (`{subscriber: 1, channel: 1}` serves `{subscriber: x}`).
    var firstField: [ValueKey: RowBucket]?
    /// For an index on one field (other than _id): the documents in that field's sort order
    /// (SortedEntries.swift).
    var ordered: SortedEntries?
    /// How many documents hold an array (or several values) in that field: while any does, the
    /// order is MongoDB's multikey order, which a plain walk does not give, so no sort uses it.
    var multikeyDocuments = 0
    /// The index's collation (`createIndex` with `collation`): its string keys are that locale's
    /// sort keys, so equality and uniqueness follow its rules. Nil: byte order.
    let collation: Collation?
    /// For a compound index: how many documents hold an array in a field after the first (kept
    /// as one key, not one per element): while any does, a bucket is not every row with both values.
    var laterArrays = 0
    /// For an index on one field (other than _id): the trigrams of its texts, which answer a
    /// search for plain text in the field (Trigrams.swift).
    var trigrams: TrigramIndex?

    init(spec: IndexSpec) {
        self.spec = spec
        self.paths = spec.paths
        self.partial = spec.options["partialFilterExpression"]?.documentValue.flatMap { try? Filter.parse($0) }
        self.collation = spec.options["collation"]?.documentValue.flatMap { try? Collation.parse($0) }
        // The _id index stays a hash only: documents are kept in insertion order, which is _id
        // order for the ObjectIds the store makes, and a sort on _id alone is a bounded heap.
        if paths.count == 1, spec.name != "_id_", !spec.isText { ordered = SortedEntries() }
        if paths.count == 1, spec.name != "_id_", !spec.isSelective { trigrams = TrigramIndex() }
        if paths.count > 1, !spec.isText { firstField = [:] }
    }

    /// Whether an equality on the first field can be answered from this index: it holds every
    /// document (it is not sparse, partial or text), and its first field's rows (one-field, or
    /// compound with `firstField`).
    var answersEqualities: Bool { !spec.isSelective && (paths.count == 1 || firstField != nil) }

    /// A value's key in this index (a string's collation sort key when the index has a collation).
    func key(_ value: BSONValue?) -> ValueKey {
        if let collation, case .string(let text)? = value { return .string(collation.sortKey(text)) }
        return ValueKey(value)
    }

    /// Whether a query may read this index's keys: both compare strings the same way (byte order,
    /// or the same collation).
    var servesQueryCollation: Bool { collation?.spec == Collation.current?.spec }

    /// The rows whose first field equals `key` (for a one-field index, its bucket).
    func rows(firstFieldEqualTo key: ValueKey) -> RowBucket? {
        paths.count == 1 ? entries[[key]] : firstField?[key]
    }

    /// The ordered entry of a document, and whether it is multikey, for a one-field index.
    private func orderedEntry(_ rowId: Int64, _ document: Document) -> (SortedEntries.Entry, multikey: Bool) {
        let values = Paths.candidates(document, paths[0])
        var multikey = values.count > 1
        if case .array? = values.first ?? nil { multikey = true }
        let key = multikey ? nil : (values.first ?? nil)
        return (SortedEntries.Entry(key: key, id: document["_id"], row: rowId), multikey)
    }

    /// The index keys of a document: one per element when the (first) field holds an array,
    /// as MongoDB's multikey indexes do; a missing field indexes as null.
    func keys(of document: Document) -> [[ValueKey]] {
        var result: [[ValueKey]] = [[]]
        for (i, parts) in paths.enumerated() {
            var values: [ValueKey] = []
            for candidate in Paths.candidates(document, parts) {
                if case .array(let a)? = candidate, i == 0 {
                    values += a.isEmpty ? [.null] : a.map { key($0) }
                } else {
                    values.append(key(candidate))
                }
            }
            if values.isEmpty { values = [.null] }
            var unique: [ValueKey] = []
            for v in values where !unique.contains(v) { unique.append(v) }
            result = result.flatMap { prefix in unique.map { prefix + [$0] } }
        }
        return result
    }

    /// Whether the document is in this index: a sparse index leaves out documents without any of
    /// its fields, a partial one those its filter does not match.
    func includes(_ document: Document) -> Bool {
        if spec.isText { return false }
        if spec.sparse && paths.allSatisfy({ Paths.candidates(document, $0).allSatisfy { $0 == nil } }) { return false }
        if let partial, !((try? partial.matches(document)) ?? false) { return false }
        return true
    }

    /// The document's keys in this index, or nil when the index leaves it out: computed once by
    /// an insert for both its unique check and its entries.
    func entryKeys(of document: Document) -> [[ValueKey]]? { includes(document) ? keys(of: document) : nil }

    mutating func insert(_ rowId: Int64, _ document: Document) { insert(rowId, document, keys: entryKeys(of: document)) }

    mutating func insert(_ rowId: Int64, _ document: Document, keys: [[ValueKey]]?) {
        guard let keys else { return }
        for key in keys {
            entries[key, default: .empty].insert(rowId)
            if firstField != nil { firstField![key[0], default: .empty].insert(rowId) }
        }
        if ordered != nil {
            let (entry, multikey) = orderedEntry(rowId, document)
            ordered!.insert(entry)
            if multikey { multikeyDocuments += 1 }
        }
        trigrams?.insert(rowId, TrigramIndex.entry(document, paths[0]))
        if holdsLaterArray(document) { laterArrays += 1 }
    }

    private func holdsLaterArray(_ document: Document) -> Bool {
        paths.dropFirst().contains { path in Paths.candidates(document, path).contains { if case .array? = $0 { true } else { false } } }
    }

    mutating func remove(_ rowId: Int64, _ document: Document) {
        guard includes(document) else { return }
        for key in keys(of: document) {
            entries[key]?.remove(rowId)
            if entries[key]?.isEmpty == true { entries[key] = nil }
            if firstField != nil {
                firstField![key[0]]?.remove(rowId)
                if firstField![key[0]]?.isEmpty == true { firstField![key[0]] = nil }
            }
        }
        if ordered != nil {
            let (entry, multikey) = orderedEntry(rowId, document)
            ordered!.remove(entry)
            if multikey { multikeyDocuments -= 1 }
        }
        trigrams?.remove(rowId)
        if holdsLaterArray(document) { laterArrays -= 1 }
    }

    /// Whether a walk along this index gives `sort`'s order: the sort is on this one field, alone
    /// or with `_id` in the same direction, and no document is multikey here. Returns the
    /// direction to walk in.
    func serves(_ sort: SortSpec) -> Bool? {
        guard ordered != nil, multikeyDocuments == 0, !spec.isSelective, let (path, ascending) = sort.keys.first, path == paths[0] else { return nil }
        switch sort.keys.count {
        case 1: return ascending
        case 2 where sort.keys[1].0 == ["_id"] && sort.keys[1].1 == ascending: return ascending
        default: return nil
        }
    }

    /// The row that already holds one of `document`'s keys (other than `rowId` itself).
    func conflict(for document: Document, rowId: Int64) -> (key: [ValueKey], row: Int64)? {
        entryKeys(of: document).flatMap { conflict(keys: $0, rowId: rowId) }
    }

    func conflict(keys: [[ValueKey]], rowId: Int64) -> (key: [ValueKey], row: Int64)? {
        for key in keys {
            if let other = entries[key]?.first(where: { $0 != rowId }) { return (key, other) }
        }
        return nil
    }
}

struct CollectionState: Sendable {
    var rows: OrderedDictionary<Int64, Document> = [:]
    var nextRowId: Int64 = 1
    var indexes: [HashIndex] = [HashIndex(spec: IndexSpec(name: "_id_", keys: ["_id": 1], unique: true))]
    /// The collection's validator, when it has one (MongoDB's `validator` and its level and action).
    var validation: Validation?

    /// Rows whose `field` equals one of `values` (for an array, one of its elements), in natural
    /// order, when an index leading with that field can answer (one on the field alone before a
    /// compound one); nil when only a scan can.
    func rowIds(field: String, values: [BSONValue]) -> [Int64]? {
        equalityIndex(leadingWith: Paths.split(field)).map { Self.rowIds($0, values) }
    }

    /// The index an equality on `path` is answered from: one on that field alone, else a compound
    /// one that leads with it.
    private func equalityIndex(leadingWith path: [String]) -> HashIndex? {
        // An index answers only a query that compares strings as its keys do.
        let usable = indexes.filter { $0.paths[0] == path && $0.answersEqualities && $0.servesQueryCollation }
        return usable.first { $0.paths.count == 1 } ?? usable.first
    }

    private static func rowIds(_ index: HashIndex, _ values: [BSONValue]) -> [Int64] {
        var ids = Set<Int64>()
        forEachKey(index, values) { key in
            if let rows = index.rows(firstFieldEqualTo: key) { ids.formUnion(rows) }
        }
        return ids.sorted()
    }

    /// How many entries `rowIds` would gather (before removing repeats): the cost of that plan.
    private static func candidateCount(_ index: HashIndex, _ values: [BSONValue]) -> Int {
        var count = 0
        forEachKey(index, values) { key in count += index.rows(firstFieldEqualTo: key)?.count ?? 0 }
        return count
    }

    private static func forEachKey(_ index: HashIndex, _ values: [BSONValue], _ body: (ValueKey) -> Void) {
        for v in values {
            if case .array(let a) = v {
                for e in a { body(index.key(e)) }
            } else {
                body(index.key(v))
            }
        }
    }

    /// The index an equality in `filter` is best answered from: of the indexes leading with a
    /// field the filter fixes, the one that gives the fewest candidates, and how many.
    private func bestEquality(_ filter: Filter) -> (index: HashIndex, values: [BSONValue], count: Int)? {
        var best: (index: HashIndex, values: [BSONValue], count: Int)?
        for index in indexes where index.answersEqualities && index.servesQueryCollation {
            guard let values = filter.equalityValues(for: index.paths[0].joined(separator: ".")) else { continue }
            let count = Self.candidateCount(index, values)
            if count < (best?.count ?? .max) { best = (index, values, count) }
        }
        return best
    }

    /// The documents the filter matches in `sort`'s order, read along an index that gives that
    /// order, stopping after `limit`, and how many documents it read; nil when no index gives it,
    /// or when an equality index picks out few enough candidates that sorting those is cheaper
    /// than walking the order.
    func matchingInOrder(_ unbound: Filter, sort: SortSpec, limit: Int = .max) throws(QueryError) -> (
        rows: [(Int64, Document)], examined: Int, index: HashIndex
    )? {
        let filter = try unbound.bindingText(textFields)
        guard Collation.current == nil, let index = indexes.first(where: { $0.serves(sort) != nil }), let ascending = index.serves(sort)
        else { return nil }
        // An equality index's candidates, or a search's, are sorted instead when that reads
        // less: a walk that stops after `limit` matches reads about limit × rows / candidates
        // documents.
        func sortingIsCheaper(_ candidates: Int) -> Bool {
            let (product, overflow) = limit.multipliedReportingOverflow(by: rows.count)
            return candidates <= (overflow ? .max : product / max(1, candidates))
        }
        if let best = bestEquality(filter), sortingIsCheaper(best.count) { return nil }
        // A search with many matches: walk, and take the rows its index checked (the count of
        // the same request reuses them) instead of running the regex on each.
        var searched: Set<Int64>?
        var residual = filter
        if let plan = searchPlan(filter) {
            if sortingIsCheaper(plan.estimate) { return nil }
            searched = Set(try searchedRows(plan))
            residual = plan.residual
        }
        var out: [(Int64, Document)] = []
        var examined = 0
        guard limit > 0 else { return (out, 0, index) }
        try index.ordered!.walk(ascending: ascending) { (row: Int64) throws(QueryError) -> Bool in
            if let searched, !searched.contains(row) { return true }
            guard let document = rows[row] else { return true }
            examined += 1
            if try residual.matches(document) { out.append((row, document)) }
            return out.count < limit
        }
        return (out, examined, index)
    }

    /// The filter's search plan, when the planner reads the search's candidates rather than an
    /// equality index's: when they are no more.
    func chosenSearch(_ filter: Filter) -> SearchPlan? {
        guard let plan = searchPlan(filter), plan.estimate <= (bestEquality(filter)?.count ?? .max) else { return nil }
        return plan
    }

    /// The index an equality in `filter` is answered from, and the rows it gives (what
    /// `matching` reads), when there is one.
    func equalityCandidates(_ filter: Filter) -> (HashIndex, [Int64])? {
        bestEquality(filter).map { best in (best.index, Self.rowIds(best.index, best.values)) }
    }

    /// How many documents the filter matches. An equality on an indexed field, or an `$or` of
    /// equalities on indexed fields (the video list's "published, or the viewer's own"), is
    /// counted from the indexes as MongoDB's COUNT_SCAN would, without reading the documents
    /// of its largest branch: that branch counts as the size of its index bucket, and only the
    /// other branches' (few) candidates are read, to count those it does not already hold.
    /// Anything else is counted by matching.
    func count(_ unbound: Filter) throws(QueryError) -> Int {
        let filter = try unbound.bindingText(textFields)
        if let counted = try countFromIndexes(filter) { return counted }
        return try matching(filter).count
    }

    /// The count, from indexes, when they can give it; nil when matching must.
    func countFromIndexes(_ filter: Filter) throws(QueryError) -> Int? {
        guard Collation.current == nil else { return nil }
        let branches: [Filter]
        switch filter {
        case .or(let fs): branches = fs
        case .and(let fs) where fs.count == 1: return try countFromIndexes(fs[0])
        default: branches = [filter]
        }
        let buckets = branches.map(exactRows)
        // Two equalities a compound index holds together ("published, or mine" with
        // {owner, isPublished}): |A| + |B| − |A and B|, three bucket sizes, nothing read.
        if buckets.count == 2, let a = buckets[0], let b = buckets[1], let both = sharedCount(branches[0], branches[1]) {
            return a.count + b.count - both
        }
        // Every branch an exact bucket: the size of their union, from the buckets alone.
        if buckets.allSatisfy({ $0 != nil }) { return Self.unionCount(buckets.map { $0! }) }
        guard let largest = buckets.indices.filter({ buckets[$0] != nil }).max(by: { buckets[$0]!.count < buckets[$1]!.count }) else {
            return nil
        }
        // Otherwise the largest exact bucket counts as its size, and the other branches'
        // candidates are read to count those it does not hold.
        var others = Set<Int64>()
        for (i, branch) in branches.enumerated() where i != largest {
            guard let (_, ids) = equalityCandidates(branch) else { return nil }
            others.formUnion(ids)
        }
        var more = 0
        for id in others where !buckets[largest]!.contains(id) {
            guard let document = rows[id] else { continue }
            if try filter.matches(document) { more += 1 }
        }
        return buckets[largest]!.count + more
    }

    /// How many rows are in at least one of the sets: the largest's size, and the rows of the
    /// others it does not hold (each looked up, never read). Two sets, the common case, cost a
    /// look-up per row of the smaller.
    private static func unionCount(_ sets: [RowBucket]) -> Int {
        let bySize = sets.sorted { $0.count > $1.count }
        guard let largest = bySize.first else { return 0 }
        if bySize.count == 2 {
            let smaller = bySize[1]
            var shared = 0
            for row in smaller where largest.contains(row) { shared += 1 }
            return largest.count + smaller.count - shared
        }
        var more = Set<Int64>()
        for set in bySize.dropFirst() {
            for row in set where !largest.contains(row) { more.insert(row) }
        }
        return largest.count + more.count
    }

    /// How many rows match both top-level equalities, from a two-field index on exactly their
    /// fields: the size of the bucket of both values; nil when there is no such index.
    private func sharedCount(_ first: Filter, _ second: Filter) -> Int? {
        guard case .field(let a, .eq(let va)) = first, case .field(let b, .eq(let vb)) = second, a != b else { return nil }
        for index in indexes where index.paths.count == 2 && !index.spec.isSelective && index.servesQueryCollation && index.laterArrays == 0 {
            if index.paths == [a, b] { return index.entries[[index.key(va), index.key(vb)]]?.count ?? 0 }
            if index.paths == [b, a] { return index.entries[[index.key(vb), index.key(va)]]?.count ?? 0 }
        }
        return nil
    }

    /// The rows a top-level equality matches, when an index holds exactly them: that value's
    /// bucket. Only for values whose index key is equality itself (not doubles, where NaN is not
    /// equal to itself, nor null, arrays or documents, which match more than their key); nil
    /// otherwise.
    private func exactRows(_ filter: Filter) -> RowBucket? {
        guard case .field(let parts, .eq(let value)) = filter, parts.count == 1 else { return nil }
        switch value {
        case .bool, .string, .objectId, .int32, .int64, .datetime: break
        default: return nil
        }
        guard let index = equalityIndex(leadingWith: parts) else { return nil }
        return index.rows(firstFieldEqualTo: index.key(value)) ?? .empty
    }

    func documents(field: String, values: [BSONValue]) -> [Document]? {
        rowIds(field: field, values: values).map { $0.compactMap { rows[$0] } }
    }

    /// The documents the filter matches (the first `limit` of them, in natural order, when
    /// given), using an index for a top-level equality where it can.
    func matching(_ unbound: Filter, limit: Int = .max) throws(QueryError) -> [(Int64, Document)] {
        var filter = try unbound.bindingText(textFields)
        var candidates: [(Int64, Document)]?
        if let plan = chosenSearch(filter) {
            candidates = try searchedRows(plan).compactMap { id in rows[id].map { (id, $0) } }
            filter = plan.residual
        } else {
            candidates = equalityCandidates(filter).map { _, ids in ids.compactMap { id in rows[id].map { (id, $0) } } }
        }
        var out: [(Int64, Document)] = []
        guard limit > 0 else { return out }
        if let candidates {
            for (id, doc) in candidates where try filter.matches(doc) {
                out.append((id, doc))
                if out.count == limit { break }
            }
        } else {
            for (id, doc) in rows where try filter.matches(doc) {
                out.append((id, doc))
                if out.count == limit { break }
            }
        }
        return out
    }
}
