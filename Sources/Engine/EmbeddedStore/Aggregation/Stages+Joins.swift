// Aggregation stages that read other collections: $lookup (with a hash index on `foreignField`
// when there is one, so a page of videos joins its owners for the page's cost), $graphLookup and
// $unionWith, each through the consistent snapshot a `CollectionSource` gives.
// Pipeline.swift parses a stage by name and runs it by kind; it sends these here.

import BSON

extension Pipeline {
    static func parseJoins(_ name: String, _ spec: BSONValue) throws(QueryError) -> Stage {
        switch name {
        case "$graphLookup":
            let d = try document(spec, name)
            guard case .string(let from)? = d["from"] else { throw QueryError(40_105, "from was not specified") }
            guard let startWith = d["startWith"] else { throw QueryError(40_105, "startWith was not specified") }
            guard case .string(let connectFrom)? = d["connectFromField"] else { throw QueryError(40_105, "connectFromField was not specified") }
            guard case .string(let connectTo)? = d["connectToField"] else { throw QueryError(40_105, "connectToField was not specified") }
            guard case .string(let asField)? = d["as"] else { throw QueryError(40_105, "as was not specified") }
            var maxDepth: Int?
            if let m = d["maxDepth"] {
                guard m.isNumber, let n = m.int64Value, n >= 0 else { throw QueryError(40_101, "maxDepth requires a nonnegative argument") }
                maxDepth = Int(n)
            }
            var restrict: Filter?
            if let r = d["restrictSearchWithMatch"] {
                guard case .document(let f) = r else { throw QueryError(40_185, "restrictSearchWithMatch must be an object") }
                restrict = try Filter.parse(f)
            }
            return .graphLookup(
                GraphLookup(
                    from: from, startWith: try Expression.parse(startWith), connectFromField: Paths.split(connectFrom), connectToField: connectTo,
                    as: asField, maxDepth: maxDepth, depthField: d["depthField"]?.stringValue, restrict: restrict))
        case "$unionWith":
            switch spec {
            case .string(let coll): return .unionWith(coll, nil)
            case .document(let d):
                guard case .string(let coll)? = d["coll"] else {
                    throw QueryError(40_414, "BSON field '$unionWith.coll' is missing but a required field")
                }
                var stages: [Document] = []
                if case .array(let items)? = d["pipeline"] {
                    for item in items {
                        guard case .document(let stage) = item else {
                            throw QueryError(40_323, "each element of the 'pipeline' array must be an object")
                        }
                        stages.append(stage)
                    }
                }
                return .unionWith(coll, try parse(stages))
            default: throw QueryError(40_414, "$unionWith requires a collection name or {coll, pipeline}")
            }
        case "$lookup":
            let d = try document(spec, name)
            guard let from = d["from"]?.stringValue, let asField = d["as"]?.stringValue else {
                throw QueryError(40321, "$lookup requires 'from' and 'as' fields")
            }
            let local = d["localField"]?.stringValue, foreign = d["foreignField"]?.stringValue
            if (local == nil) != (foreign == nil) {
                throw QueryError(ErrorCodes.lookupLocalForeign, "$lookup requires both or neither of 'localField' and 'foreignField' to be specified")
            }
            var letVariables: [(String, Expression)] = []
            if case .document(let lets)? = d["let"] {
                for (k, v) in lets { letVariables.append((k, try Expression.parse(v))) }
            }
            var sub: Pipeline?
            if let p = d["pipeline"] {
                guard case .array(let items) = p else { throw QueryError(ErrorCodes.lookupPipeline, "$lookup pipeline must be an array") }
                var docs: [Document] = []
                for item in items {
                    guard case .document(let doc) = item else {
                        throw QueryError(ErrorCodes.lookupPipeline, "all elements of a $lookup pipeline must be objects")
                    }
                    docs.append(doc)
                }
                sub = try parse(docs)
            }
            if local == nil && sub == nil {
                throw QueryError(
                    ErrorCodes.lookupLocalForeign, "$lookup requires either 'pipeline' or both 'localField' and 'foreignField' to be specified")
            }
            return .lookup(
                Lookup(from: from, localField: local.map(Paths.split), foreignField: foreign, as: asField, letVariables: letVariables, pipeline: sub))
        default: preconditionFailure("not a stage of this family: \(name)")
        }
    }

    static func applyJoins(_ stage: Stage, _ docs: [Document], _ source: any CollectionSource, _ variables: [String: BSONValue]) throws(QueryError)
        -> [Document]
    {
        switch stage {
        case .graphLookup(let g):
            let foreign = Array(source.snapshot(of: g.from).rows.values)
            let toParts = Paths.split(g.connectToField)
            var out: [Document] = []
            for d in docs {
                var frontier: [BSONValue] = []
                switch try g.startWith.evaluate(EvalContext(d, variables: variables)) {
                case .array(let a)?: frontier = a
                case let v?: frontier = [v]
                case nil: frontier = []
                }
                var found: [Document] = []
                var seen = Set<ValueKey>()
                var depth = 0
                while !frontier.isEmpty && (g.maxDepth.map { depth <= $0 } ?? true) {
                    let predicate = Filter.Predicate.in(frontier, [])
                    var next: [BSONValue] = []
                    for candidate in foreign where predicate.test(Paths.candidates(candidate, toParts)) {
                        if let restrict = g.restrict, !(try restrict.matches(candidate)) { continue }
                        guard seen.insert(ValueKey(candidate["_id"] ?? .null)).inserted else { continue }
                        var hit = candidate
                        if let depthField = g.depthField { hit[depthField] = .int64(Int64(depth)) }
                        found.append(hit)
                        for value in Paths.candidates(candidate, g.connectFromField) {
                            if case .array(let a)? = value { next += a } else if let value { next.append(value) }
                        }
                    }
                    frontier = next
                    depth += 1
                }
                var copy = d
                try Paths.set(&copy, Paths.split(g.as)[...], .array(found.map(BSONValue.document)))
                out.append(copy)
            }
            return out
        case .unionWith(let coll, let pipeline):
            let others = Array(source.snapshot(of: coll).rows.values)
            return docs + (try pipeline?.run(others, source: source, variables: variables) ?? others)
        case .lookup(let lookup):
            let foreign = source.snapshot(of: lookup.from)
            var out: [Document] = []
            out.reserveCapacity(docs.count)
            for d in docs {
                var matched: [Document]
                if let localField = lookup.localField, let foreignField = lookup.foreignField {
                    var locals: [BSONValue] = []
                    for c in Paths.candidates(d, localField) {
                        switch c {
                        case .array(let a)?: locals += a.isEmpty ? [.null] : a
                        case let v?: locals.append(v)
                        case nil: locals.append(.null)
                        }
                    }
                    if let indexed = foreign.documents(field: foreignField, values: locals), !locals.contains(where: \.isNull) {
                        matched = indexed
                    } else {
                        let predicate = Filter.Predicate.in(locals, [])
                        let parts = Paths.split(foreignField)
                        matched = foreign.rows.values.filter { predicate.test(Paths.candidates($0, parts)) }
                    }
                } else {
                    matched = Array(foreign.rows.values)
                }
                if let pipeline = lookup.pipeline {
                    var scope = variables
                    let context = EvalContext(d, variables: variables)
                    for (name, e) in lookup.letVariables { scope[name] = try e.evaluate(context) ?? .null }
                    matched = try pipeline.run(matched, source: source, variables: scope)
                }
                var copy = d
                try Paths.set(&copy, Paths.split(lookup.as)[...], .array(matched.map(BSONValue.document)))
                out.append(copy)
            }
            return out
        default: preconditionFailure("not a stage of this family: \(stage)")
        }
    }
}
