// Aggregation stages that fold many documents into one per group: $group, $bucket, $bucketAuto,
// and $facet (several sub-pipelines over the same input). The accumulators are in Expressions/.
// Pipeline.swift parses a stage by name and runs it by kind; it sends these here.

import BSON

extension Pipeline {
    static func parseGrouping(_ name: String, _ spec: BSONValue) throws(QueryError) -> Stage {
        switch name {
        case "$bucketAuto":
            let d = try document(spec, name)
            guard let groupBy = d["groupBy"] else { throw QueryError(40_246, "$bucketAuto requires 'groupBy' and 'buckets' to be specified") }
            guard let b = d["buckets"], b.isNumber, let n = b.int64Value, n > 0 else {
                throw QueryError(40_243, "The $bucketAuto 'buckets' field must be greater than 0")
            }
            if d["granularity"] != nil { throw QueryError(40_257, "$bucketAuto's granularity is not supported by the embedded store") }
            var output: [(String, AccumulatorSpec, Expression)] = [("count", "$sum", .literal(1))]
            if case .document(let spec)? = d["output"] { output = try accumulatorFields(spec) }
            return .bucketAuto(groupBy: try Expression.parse(groupBy), buckets: Int(n), output: output)
        case "$bucket":
            let d = try document(spec, name)
            guard let groupBy = d["groupBy"], case .array(let boundaries)? = d["boundaries"] else {
                throw QueryError(40_198, "$bucket requires 'groupBy' and 'boundaries' to be specified")
            }
            guard boundaries.count >= 2 else { throw QueryError(40_192, "The $bucket 'boundaries' field must have at least 2 values") }
            for (a, b) in zip(boundaries, boundaries.dropFirst()) {
                guard Values.typeRank(a) == Values.typeRank(b) else {
                    throw QueryError(40_193, "All values in the 'boundaries' option to $bucket must have the same type")
                }
                guard Values.compare(a, b) < 0 else {
                    throw QueryError(40_194, "The 'boundaries' option to $bucket must be sorted in ascending order")
                }
            }
            if let fallback = d["default"], Values.typeRank(fallback) == Values.typeRank(boundaries[0]),
                Values.compare(fallback, boundaries[0]) >= 0 && Values.compare(fallback, boundaries.last!) < 0
            {
                throw QueryError(
                    40_199, "The $bucket 'default' field must be less than the lowest boundary or greater than or equal to the highest boundary")
            }
            var output: [(String, AccumulatorSpec, Expression)] = [("count", "$sum", .literal(1))]
            if case .document(let spec)? = d["output"] { output = try accumulatorFields(spec) }
            return .bucket(groupBy: try Expression.parse(groupBy), boundaries: boundaries, defaultBucket: d["default"], output: output)
        case "$group":
            let d = try document(spec, name)
            guard let idSpec = d["_id"] else { throw QueryError(15955, "a group specification must include an _id") }
            var fields = d
            fields.removeValue(forKey: "_id")
            return .group(id: try Expression.parse(idSpec), accumulators: try accumulatorFields(fields))
        case "$facet":
            var facets: [(String, Pipeline)] = []
            for (field, value) in try document(spec, name) {
                guard case .array(let items) = value else {
                    throw QueryError(40170, "arguments to $facet must be arrays, \(field) is type \(value.typeName)")
                }
                var docs: [Document] = []
                for item in items {
                    guard case .document(let d) = item else { throw QueryError(40171, "all elements of a $facet pipeline must be objects") }
                    docs.append(d)
                }
                facets.append((field, try parse(docs)))
            }
            guard !facets.isEmpty else { throw QueryError(40169, "the $facet specification must be a non-empty object") }
            return .facet(facets)
        default: preconditionFailure("not a stage of this family: \(name)")
        }
    }

    static func applyGrouping(_ stage: Stage, _ docs: [Document], _ source: any CollectionSource, _ variables: [String: BSONValue]) throws(QueryError)
        -> [Document]
    {
        switch stage {
        case .group(let idExpression, let accumulators):
            var order: [ValueKey] = []
            var groups: [ValueKey: (id: BSONValue, accs: [Accumulator])] = [:]
            for d in docs {
                let context = EvalContext(d, variables: variables)
                let id = try idExpression.evaluate(context) ?? .null
                let key = ValueKey(grouping: id)
                if groups[key] == nil {
                    order.append(key)
                    groups[key] = (id, accumulators.map { Accumulator($0.1) })
                }
                for (i, acc) in accumulators.enumerated() {
                    let value = try acc.2.evaluate(context)
                    groups[key]!.accs[i].add(value)
                }
            }
            return order.map { key in
                let g = groups[key]!
                var out: Document = ["_id": g.id]
                for (i, acc) in accumulators.enumerated() { out.append(acc.0, g.accs[i].result) }
                return out
            }
        case .facet(let facets):
            var out = Document()
            for (name, pipeline) in facets {
                out.append(name, .array(try pipeline.run(docs, source: source, variables: variables).map(BSONValue.document)))
            }
            return [out]
        case .bucketAuto(let groupBy, let buckets, let output):
            return try Pipeline.bucketAuto(docs, groupBy, buckets, output, variables)
        case .bucket(let groupBy, let boundaries, let defaultBucket, let output):
            var buckets: [Int: [Accumulator]] = [:]
            var fallback: [Accumulator]?
            for d in docs {
                let context = EvalContext(d, variables: variables)
                let value = try groupBy.evaluate(context) ?? .null
                var index: Int?
                if Values.typeRank(value) == Values.typeRank(boundaries[0]) {
                    index = (0..<(boundaries.count - 1)).first {
                        Values.compare(boundaries[$0], value) <= 0 && Values.compare(value, boundaries[$0 + 1]) < 0
                    }
                }
                if index == nil && defaultBucket == nil {
                    throw QueryError(40_066, "$switch could not find a matching branch for an input, and no default was specified.")
                }
                var accs = (index.map { buckets[$0] } ?? fallback) ?? output.map { Accumulator($0.1) }
                for (i, acc) in output.enumerated() { accs[i].add(try acc.2.evaluate(context)) }
                if let index { buckets[index] = accs } else { fallback = accs }
            }
            var out: [Document] = []
            for index in buckets.keys.sorted() {
                var doc: Document = ["_id": boundaries[index]]
                for (i, acc) in output.enumerated() { doc.append(acc.0, buckets[index]![i].result) }
                out.append(doc)
            }
            if let fallback, let defaultBucket {
                var doc: Document = ["_id": defaultBucket]
                for (i, acc) in output.enumerated() { doc.append(acc.0, fallback[i].result) }
                out.append(doc)
            }
            return out
        default: preconditionFailure("not a stage of this family: \(stage)")
        }
    }
}
