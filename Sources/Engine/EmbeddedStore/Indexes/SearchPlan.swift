// How a filter's text search is answered from the trigrams of one-field indexes (Trigrams.swift).
//
// The planner looks for one part of the filter (a top-level condition, or one inside `$and`)
// that is a plain-text `$regex` on an indexed field, or an `$or` of such, one per field (the
// video list's `{$or: [{title: /x/i}, {description: /x/i}]}`). Its rows come from the indexes,
// checked; the rest of the filter is matched on those rows only. Whether that beats another plan
// is decided by how many candidates the trigrams give, before any is checked.

import BSON

struct SearchPlan {
    struct Branch {
        let index: HashIndex
        let search: LiteralSearch
        let path: [String]
        let regex: Regex
        var key: SearchMemo.Key { SearchMemo.Key(generation: index.trigrams!.generation, search: search) }
    }

    /// One per field searched; a row matches the searched part when it matches any branch.
    let branches: [Branch]
    /// The rest of the filter, matched on the rows the search gives.
    let residual: Filter
    /// How many candidates the trigrams give (before each is checked): the plan's cost.
    let estimate: Int
}

extension CollectionState {
    /// The plan for the filter's plain-text search, when an index can answer one; nil otherwise.
    func searchPlan(_ filter: Filter) -> SearchPlan? {
        var conjuncts: [Filter] = []
        Self.flatten(filter, into: &conjuncts)
        for (i, part) in conjuncts.enumerated() {
            guard let branches = searchBranches(part) else { continue }
            var rest = conjuncts
            rest.remove(at: i)
            let residual: Filter = rest.isEmpty ? .all : rest.count == 1 ? rest[0] : .and(rest)
            let estimate = branches.reduce(0) { sum, branch in
                let trigrams = branch.index.trigrams!
                return sum + trigrams.memo.candidateCount(branch.key) { trigrams.candidates(branch.search) }
            }
            return SearchPlan(branches: branches, residual: residual, estimate: estimate)
        }
        return nil
    }

    private static func flatten(_ filter: Filter, into out: inout [Filter]) {
        if case .and(let parts) = filter {
            for part in parts { flatten(part, into: &out) }
        } else {
            out.append(filter)
        }
    }

    /// The branches of a searched part: one plain-text regex on an indexed field, or an `$or` of them.
    private func searchBranches(_ part: Filter) -> [SearchPlan.Branch]? {
        switch part {
        case .field:
            return branch(part).map { [$0] }
        case .or(let alternatives):
            var out: [SearchPlan.Branch] = []
            for alternative in alternatives {
                var single = alternative
                if case .and(let parts) = alternative, parts.count == 1 { single = parts[0] }
                guard let b = branch(single) else { return nil }
                out.append(b)
            }
            return out
        default:
            return nil
        }
    }

    private func branch(_ part: Filter) -> SearchPlan.Branch? {
        guard case .field(let path, let predicate) = part else { return nil }
        let regex: Regex
        switch predicate {
        case .regex(let r): regex = r
        case .allOf(let ps) where ps.count == 1: if case .regex(let r) = ps[0] { regex = r } else { return nil }
        default: return nil
        }
        guard let search = LiteralSearch(regex.source),
            let index = indexes.first(where: { $0.paths == [path] && $0.trigrams != nil })
        else { return nil }
        return SearchPlan.Branch(index: index, search: search, path: path, regex: regex)
    }

    /// The rows (ascending) that match the plan's searched part: each candidate checked, once per
    /// version of the index (the page and the count of one request share the work).
    func searchedRows(_ plan: SearchPlan) throws(QueryError) -> [Int64] {
        var found = Set<Int64>()
        for branch in plan.branches {
            let trigrams = branch.index.trigrams!
            let rows = try trigrams.memo.rows(branch.key) { (kept: [Int64]?) throws(QueryError) -> SearchMemo.Checked in
                let candidates = kept ?? trigrams.candidates(branch.search)
                return SearchMemo.Checked(candidates: candidates.count, rows: try check(candidates, branch, trigrams))
            }.rows
            if plan.branches.count == 1 { return rows }
            found.formUnion(rows)
        }
        return found.sorted()
    }

    private func check(_ candidates: [Int64], _ branch: SearchPlan.Branch, _ trigrams: TrigramIndex) throws(QueryError) -> [Int64] {
        var out: [Int64] = []
        let byRegex = Filter.field(branch.path, .regex(branch.regex))
        for (n, row) in candidates.enumerated() {
            if n & 255 == 0 { try QueryBudget.check() }
            if branch.search.answeredByBytes, let indexed = trigrams.texts[row] {
                if indexed.text.contains(branch.search) { out.append(row) }
            } else if let document = rows[row], try byRegex.matches(document) {
                out.append(row)
            }
        }
        return out
    }

    /// The explain output's stage for a search plan: an index scan per field, joined by OR.
    func explainStage(_ plan: SearchPlan) -> Document {
        let scans: [BSONValue] = plan.branches.map { branch in
            [
                "stage": "IXSCAN", "indexName": .string(branch.index.spec.name), "keyPattern": .document(branch.index.spec.keys),
                "trigramSearch": .string(String(decoding: branch.search.needle, as: UTF8.self)),
            ]
        }
        let input: BSONValue = scans.count == 1 ? scans[0] : ["stage": "OR", "inputStages": .array(scans)]
        return ["stage": "FETCH", "inputStage": input]
    }
}
