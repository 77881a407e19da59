// Aggregation stages that order and cut the stream: $sort, $skip, $limit, $count, $sample.
// ($sort followed by $limit keeps only the first k in order: see `Pipeline.run`.)
// Pipeline.swift parses a stage by name and runs it by kind; it sends these here.

import BSON

extension Pipeline {
    static func parseOrdering(_ name: String, _ spec: BSONValue) throws(QueryError) -> Stage {
        switch name {
        case "$sort": return .sort(try SortSpec.parse(try document(spec, name)))
        case "$sample":
            let d = try document(spec, name)
            guard let size = d["size"], d.count == 1 else { throw QueryError(28_749, "$sample stage must specify a size") }
            guard size.isNumber, let n = size.int64Value, n >= 0 else { throw QueryError(28_747, "size argument to $sample must not be negative") }
            return .sample(Int(n))
        case "$skip": return .skip(try positiveInteger(spec, name, allowZero: true))
        case "$limit": return .limit(try positiveInteger(spec, name, allowZero: false))
        case "$count":
            guard let field = spec.stringValue, !field.isEmpty, !field.hasPrefix("$"), !field.contains(".") else {
                throw QueryError(40156, "the count field must be a non-empty string that does not start with $ or contain '.'")
            }
            return .count(field)
        default: preconditionFailure("not a stage of this family: \(name)")
        }
    }

    static func applyOrdering(_ stage: Stage, _ docs: [Document], _ source: any CollectionSource, _ variables: [String: BSONValue]) throws(QueryError)
        -> [Document]
    {
        switch stage {
        case .sort(let spec): return spec.sorted(docs)
        case .skip(let n): return Array(docs.dropFirst(n))
        case .limit(let n): return Array(docs.prefix(n))
        case .count(let field): return docs.isEmpty ? [] : [[field: .int32(Int32(docs.count))]]
        case .sample(let n):
            return Array(docs.shuffled().prefix(n))
        default: preconditionFailure("not a stage of this family: \(stage)")
        }
    }
}
