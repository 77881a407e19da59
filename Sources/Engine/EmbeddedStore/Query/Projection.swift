// Projections, for `find` and the `$project` stage: inclusion (`{title: 1}`), exclusion
// (`{password: 0, refreshToken: 0}`) and, in inclusion mode, computed fields
// (`{subscribersCount: {$size: "$subscribers"}}`). `_id` is kept unless excluded. Mixing
// inclusion and exclusion (other than `_id`) is MongoDB's error 31254/31253.

import BSON

struct Projection: Sendable {
    /// A tree of paths: each node says include, exclude, compute, or descend.
    indirect enum Node: Sendable {
        case include
        case exclude
        case compute(Expression)
        case children([(String, Node)])
    }

    let root: [(String, Node)]
    let isExclusion: Bool
    let excludeId: Bool

    static func parse(_ spec: Document, allowComputed: Bool = true) throws(QueryError) -> Projection {
        guard !spec.isEmpty else { throw QueryError(51272, "projection specification must have at least one field") }
        var mode: Bool?  // true = exclusion
        var excludeId = false
        var root: [(String, Node)] = []

        func add(_ parts: ArraySlice<String>, _ node: Node, into tree: inout [(String, Node)]) throws(QueryError) {
            let first = parts.first!
            if parts.count == 1 {
                if let i = tree.firstIndex(where: { $0.0 == first }) {
                    if case .children = tree[i].1 { throw QueryError(31250, "Path collision at \(first)") }
                    tree[i].1 = node
                } else {
                    tree.append((first, node))
                }
                return
            }
            var children: [(String, Node)] = []
            if let i = tree.firstIndex(where: { $0.0 == first }) {
                guard case .children(let existing) = tree[i].1 else { throw QueryError(31249, "Path collision at \(parts.joined(separator: "."))") }
                children = existing
                try add(parts.dropFirst(), node, into: &children)
                tree[i].1 = .children(children)
            } else {
                try add(parts.dropFirst(), node, into: &children)
                tree.append((first, .children(children)))
            }
        }

        func walk(_ spec: Document, prefix: [String]) throws(QueryError) {
            for (key, value) in spec {
                let parts = prefix + Paths.split(key)
                if parts.contains(where: { $0.isEmpty || $0.hasPrefix("$") }) {
                    throw QueryError(16410, "FieldPath field names may not start with '$' or be empty: \(key)")
                }
                let isId = parts == ["_id"]
                let node: Node
                switch value {
                case .bool(let b): node = b ? .include : .exclude
                case .int32, .int64, .double, .decimal128: node = Values.number(value) == 0 ? .exclude : .include
                case .document(let d) where d.first.map({ !$0.key.hasPrefix("$") }) ?? true:
                    try walk(d, prefix: parts)
                    continue
                default:
                    guard allowComputed else { throw QueryError(2, "unsupported projection value for \(key)") }
                    node = .compute(try Expression.parse(value))
                }
                if isId {
                    if case .exclude = node { excludeId = true; continue }
                    if case .include = node { continue }
                }
                let exclusion: Bool
                switch node {
                case .exclude: exclusion = true
                default: exclusion = false
                }
                if let mode, mode != exclusion {
                    throw exclusion
                        ? QueryError(31254, "Cannot do exclusion on field \(parts.joined(separator: ".")) in inclusion projection")
                        : QueryError(31253, "Cannot do inclusion on field \(parts.joined(separator: ".")) in exclusion projection")
                }
                mode = exclusion
                try add(parts[...], node, into: &root)
            }
        }
        try walk(spec, prefix: [])
        return Projection(root: root, isExclusion: mode ?? excludeId, excludeId: excludeId)
    }

    func apply(_ document: Document, variables: [String: BSONValue] = [:]) throws(QueryError) -> Document {
        let context = EvalContext(document, variables: variables)
        if isExclusion {
            var out = Projection.exclude(document, root)
            if excludeId { out["_id"] = nil }
            return out
        }
        var out = Document()
        if !excludeId, let id = document["_id"] { out.append("_id", id) }
        try Projection.include(document, root, context, into: &out)
        return out
    }

    private static func exclude(_ document: Document, _ tree: [(String, Node)]) -> Document {
        var out = Document()
        for (key, value) in document {
            guard let node = tree.first(where: { $0.0 == key })?.1 else { out.append(key, value); continue }
            switch (node, value) {
            case (.exclude, _): continue
            case (.children(let sub), .document(let d)): out.append(key, .document(exclude(d, sub)))
            case (.children(let sub), .array(let a)):
                out.append(key, .array(a.map { if case .document(let d) = $0 { .document(exclude(d, sub)) } else { $0 } }))
            default: out.append(key, value)
            }
        }
        return out
    }

    private static func include(_ document: Document, _ tree: [(String, Node)], _ context: EvalContext, into out: inout Document) throws(QueryError) {
        // Included fields keep the document's order; computed fields follow in the spec's order.
        for (key, value) in document where key != "_id" || tree.contains(where: { $0.0 == "_id" }) {
            guard let node = tree.first(where: { $0.0 == key })?.1 else { continue }
            switch (node, value) {
            case (.include, _): out[key] = value
            case (.children(let sub), .document(let d)):
                var inner = Document()
                try include(d, sub, context, into: &inner)
                out[key] = .document(inner)
            case (.children(let sub), .array(let a)):
                var items: [BSONValue] = []
                for element in a {
                    guard case .document(let d) = element else { continue }
                    var inner = Document()
                    try include(d, sub, context, into: &inner)
                    items.append(.document(inner))
                }
                out[key] = .array(items)
            default: continue
            }
        }
        for (key, node) in tree {
            switch node {
            case .compute(let e):
                if let v = try e.evaluate(context) { out[key] = v } else { out[key] = nil }
            case .children(let sub) where containsComputed(sub):
                var inner = out[key]?.documentValue ?? Document()
                for (k, n) in sub { if case .compute(let e) = n, let v = try e.evaluate(context) { inner[k] = v } }
                out[key] = .document(inner)
            default: continue
            }
        }
    }

    private static func containsComputed(_ tree: [(String, Node)]) -> Bool {
        tree.contains { if case .compute = $0.1 { true } else { false } }
    }
}

/// Sort specs (`{createdAt: -1, _id: 1}`): compare key by key; an array field sorts by its
/// smallest element ascending and its largest descending; missing sorts as null.
struct SortSpec: Sendable {
    let keys: [([String], Bool)]  // path, ascending

    static func parse(_ spec: Document) throws(QueryError) -> SortSpec {
        guard !spec.isEmpty else { throw QueryError(15976, "$sort stage must have at least one sort key") }
        var keys: [([String], Bool)] = []
        for (key, value) in spec {
            if case .document(let d) = value, d["$meta"] != nil {
                // {score: {$meta: "textScore"}}: the best matches first.
                guard d["$meta"] == "textScore" else { throw QueryError(31138, "Illegal $meta sort: \(value.json(.relaxedExtended))") }
                keys.append(([TextQuery.scoreKey], false))
                continue
            }
            guard let n = value.int64Value, n == 1 || n == -1 else {
                throw QueryError(15975, "$sort key ordering must be 1 (for ascending) or -1 (for descending)")
            }
            keys.append((Paths.split(key), n == 1))
        }
        return SortSpec(keys: keys)
    }

    func sortKey(_ document: Document) -> [BSONValue?] {
        keys.map { parts, ascending in
            if parts.count == 1 {
                let value = document[parts[0]]
                if case .array? = value {} else { return value }
            }
            var best: BSONValue?
            var first = true
            for candidate in Paths.candidates(document, parts) {
                let values: [BSONValue?]
                if case .array(let a)? = candidate { values = a.isEmpty ? [nil] : a } else { values = [candidate] }
                for v in values {
                    if first { best = v; first = false; continue }
                    let c = Values.compare(v, best)
                    if ascending ? c < 0 : c > 0 { best = v }
                }
            }
            return best
        }
    }

    private typealias Entry = (index: Int, key: [BSONValue?])

    /// Whether `a` comes before `b` (ties keep their input order, so the sort is stable).
    private func before(_ a: Entry, _ b: Entry) -> Bool {
        for (i, (_, ascending)) in keys.enumerated() {
            let c = Values.compare(a.key[i], b.key[i])
            if c != 0 { return ascending ? c < 0 : c > 0 }
        }
        return a.index < b.index
    }

    /// Stable sort.
    func sorted(_ documents: [Document]) -> [Document] {
        documents.indices.map { (index: $0, key: sortKey(documents[$0])) }.sorted(by: before).map { documents[$0.index] }
    }

    /// The first `k` documents in sort order, without sorting them all: a bounded heap keeps the
    /// best `k` seen so far (MongoDB does the same when `$limit` follows `$sort`).
    func first(_ k: Int, of documents: [Document]) -> [Document] {
        guard k > 0 else { return [] }
        guard k < documents.count / 4 else { return Array(sorted(documents).prefix(k)) }
        var heap: [Entry] = []  // a max-heap: the root is the worst of the best k
        heap.reserveCapacity(k)
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var worst = i
                if l < heap.count, before(heap[worst], heap[l]) { worst = l }
                if r < heap.count, before(heap[worst], heap[r]) { worst = r }
                if worst == i { return }
                heap.swapAt(i, worst)
                i = worst
            }
        }
        for index in documents.indices {
            let entry = (index: index, key: sortKey(documents[index]))
            if heap.count < k {
                heap.append(entry)
                var i = heap.count - 1
                while i > 0, before(heap[(i - 1) / 2], heap[i]) {
                    heap.swapAt(i, (i - 1) / 2)
                    i = (i - 1) / 2
                }
            } else if before(entry, heap[0]) {
                heap[0] = entry
                siftDown(0)
            }
        }
        return heap.sorted(by: before).map { documents[$0.index] }
    }
}
