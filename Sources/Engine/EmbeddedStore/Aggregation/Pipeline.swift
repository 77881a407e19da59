// Aggregation pipelines: each stage is parsed and checked before the first document flows
// ("parse once, evaluate many"), then documents pass through the stages in order.
//
// This file holds the stage kinds, the parse loop, `run`, and two thin dispatchers. Each family
// of stages parses and runs in a file of its own: Stages+Shaping ($match, $project, $unwind…),
// Stages+Ordering ($sort, $skip, $limit…), Stages+Grouping ($group, $bucket, $facet…),
// Stages+Joins ($lookup, $graphLookup, $unionWith), Stages+Windows ($setWindowFields, $fill,
// $densify) and Stages+Output ($out, $merge). A new stage is a case in `Stage`, a line in each
// dispatcher, and its parse and apply in its family's file.

import BSON

/// Gives `$lookup` the other collections of the same database, as snapshots.
protocol CollectionSource: Sendable {
    func snapshot(of collection: String) -> CollectionState
}

struct Pipeline: Sendable {
    indirect enum Stage: Sendable {
        case match(Filter)
        case project(Projection)
        case addFields([(String, Expression)])
        case unset(Projection)
        case unwind(path: [String], preserve: Bool, indexField: String?)
        case sort(SortSpec)
        case skip(Int)
        case limit(Int)
        case count(String)
        case group(id: Expression, accumulators: [(String, AccumulatorSpec, Expression)])
        case facet([(String, Pipeline)])
        case replaceRoot(Expression)
        case lookup(Lookup)
        case sample(Int)
        case redact(Expression)
        case setWindowFields(partitionBy: Expression?, sortBy: SortSpec?, outputs: [WindowOutput])
        case bucketAuto(groupBy: Expression, buckets: Int, output: [(String, AccumulatorSpec, Expression)])
        /// `$fill`: per output field, a value expression or a method ("locf", "linear").
        case fill(partitionBy: Expression?, sortBy: SortSpec?, outputs: [(String, Expression?, String?)])
        /// `$densify`: the numeric or date field, its step (milliseconds for dates), the bounds.
        case densify(field: [String], step: Double, unit: Double?, bounds: DensifyBounds, partitionFields: [String])
        /// `$out` / `$merge`: the last stage, which writes the results (EmbeddedCollection runs it).
        case write(Output)
        case graphLookup(GraphLookup)
        case unionWith(String, Pipeline?)
        case bucket(groupBy: Expression, boundaries: [BSONValue], defaultBucket: BSONValue?, output: [(String, AccumulatorSpec, Expression)])
        /// `$documents` (a database-level aggregate's first stage): these documents instead of a collection's.
        case documents([Document])
    }

    /// One `output` field of `$setWindowFields`: a window function over a window of the partition.
    struct WindowOutput: Sendable {
        enum Bound: Sendable {
            case unbounded, current
            case offset(Double)
        }
        enum Window: Sendable {
            case documents(Bound, Bound)
            /// Over the first sortBy field's value; `unit` (milliseconds) for dates.
            case range(Bound, Bound, unit: Double?)
        }
        let field: String
        let op: String
        let spec: AccumulatorSpec
        let argument: Expression
        let window: Window
        /// `$shift`: how far, and the value where there is no such document.
        var by = 0
        var fallback: Expression?
    }

    enum DensifyBounds: Sendable {
        case full, partition
        case range(BSONValue, BSONValue)
    }

    enum Output: Sendable {
        case out(String)
        case merge(into: String, on: [String], whenMatched: String, whenNotMatched: String)
    }

    struct GraphLookup: Sendable {
        let from: String
        let startWith: Expression
        let connectFromField: [String]
        let connectToField: String
        let `as`: String
        let maxDepth: Int?
        let depthField: String?
        let restrict: Filter?
    }

    struct Lookup: Sendable {
        let from: String
        let localField: [String]?
        let foreignField: String?
        let `as`: String
        let letVariables: [(String, Expression)]
        let pipeline: Pipeline?
    }

    let stages: [Stage]

    static func parse(_ stages: [Document]) throws(QueryError) -> Pipeline {
        var parsed: [Stage] = []
        for stage in stages {
            guard stage.count == 1, let (name, spec) = stage.first.map({ ($0.key, $0.value) }) else {
                throw QueryError(40323, "A pipeline stage specification object must contain exactly one field.")
            }
            if name == "$sortByCount" {
                // {$group: {_id: <expression>, count: {$sum: 1}}}, {$sort: {count: -1}}, as the manual defines it.
                if case .document(let d) = spec, d.first?.key.hasPrefix("$") != true {
                    throw QueryError(40_148, "the $sortByCount field must be an expression or a $-prefixed field path")
                }
                if case .string(let s) = spec, !s.hasPrefix("$") {
                    throw QueryError(40_148, "the $sortByCount field must be an expression or a $-prefixed field path")
                }
                parsed.append(.group(id: try Expression.parse(spec), accumulators: [("count", "$sum", .literal(1))]))
                parsed.append(.sort(try SortSpec.parse(["count": -1])))
                continue
            }
            if name == "$documents", !parsed.isEmpty {
                throw QueryError(40_602, "$documents is only valid as the first stage in a pipeline")
            }
            if case .write? = parsed.last {
                throw QueryError(40_601, "\(name == "$out" ? "$out" : "$merge") can only be the final stage in the pipeline")
            }
            parsed.append(try parseStage(name, spec))
        }
        return Pipeline(stages: parsed)
    }

    static func document(_ spec: BSONValue, _ stage: String) throws(QueryError) -> Document {
        guard case .document(let d) = spec else { throw QueryError(15955, "the \(stage) stage specification must be an object") }
        return d
    }

    /// `{field: {<accumulator>: <argument>}, ...}`, as `$group`, `$bucket` and `$bucketAuto` take them.
    static func accumulatorFields(_ fields: Document) throws(QueryError) -> [(String, AccumulatorSpec, Expression)] {
        var out: [(String, AccumulatorSpec, Expression)] = []
        for (field, value) in fields {
            guard case .document(let acc) = value, acc.count == 1, let (op, arg) = acc.first.map({ ($0.key, $0.value) }) else {
                throw QueryError(40234, "The field '\(field)' must be an accumulator object")
            }
            guard Accumulator.names.contains(op) else { throw QueryError(15952, "unknown group operator '\(op)'") }
            let (spec, expression) = try AccumulatorSpec.parse(op, arg)
            out.append((field, spec, expression))
        }
        return out
    }

    static func positiveInteger(_ spec: BSONValue, _ stage: String, allowZero: Bool) throws(QueryError) -> Int {
        guard let n = spec.int64Value, spec.doubleValue.map({ $0 == $0.rounded() }) ?? false, allowZero ? n >= 0 : n > 0 else {
            throw QueryError(15958, "invalid argument to \(stage) stage: \(spec.json(.relaxedExtended))")
        }
        return Int(n)
    }

    private static func parseStage(_ name: String, _ spec: BSONValue) throws(QueryError) -> Stage {
        switch name {
        case "$match", "$project", "$addFields", "$set", "$unset", "$unwind", "$redact", "$replaceRoot", "$replaceWith", "$documents":
            return try parseShaping(name, spec)
        case "$sort", "$sample", "$skip", "$limit", "$count": return try parseOrdering(name, spec)
        case "$bucketAuto", "$bucket", "$group", "$facet": return try parseGrouping(name, spec)
        case "$graphLookup", "$unionWith", "$lookup": return try parseJoins(name, spec)
        case "$fill", "$densify", "$setWindowFields": return try parseWindows(name, spec)
        case "$out", "$merge": return try parseOutput(name, spec)
        case "$changeStream":
            throw QueryError(40_573, "The $changeStream stage is only supported on replica sets: use MongoDB (MONGODB_URI) for it")
        default:
            throw QueryError(40324, "Unrecognized pipeline stage name: '\(name)'")
        }
    }

    /// Runs the pipeline over `input` (already in the collection's natural order).
    func run(_ input: [Document], source: any CollectionSource, variables: [String: BSONValue] = [:]) throws(QueryError) -> [Document] {
        var docs = input
        for (i, stage) in stages.enumerated() {
            // $sort followed by [$skip] $limit only needs the first skip + limit in order.
            if case .sort(let spec) = stage, let k = Pipeline.limitAfter(stages[(i + 1)...]) {
                docs = spec.first(k, of: docs)
                continue
            }
            docs = try Pipeline.apply(stage, docs, source, variables)
        }
        return docs
    }

    /// skip + limit when the stages right after a $sort are `$limit` or `$skip, $limit`.
    static func limitAfter(_ next: ArraySlice<Stage>) -> Int? {
        var skipped = 0
        for stage in next.prefix(2) {
            switch stage {
            case .skip(let n): skipped = n
            case .limit(let n):
                let (k, overflow) = skipped.addingReportingOverflow(n)
                return overflow ? nil : k  // a skip near Int.max: no shortcut, and no trap
            default: return nil
            }
        }
        return nil
    }

    static func apply(_ stage: Stage, _ docs: [Document], _ source: any CollectionSource, _ variables: [String: BSONValue]) throws(QueryError)
        -> [Document]
    {
        switch stage {
        case .match, .project, .unset, .addFields, .unwind, .replaceRoot, .redact, .documents: return try applyShaping(stage, docs, source, variables)
        case .sort, .skip, .limit, .count, .sample: return try applyOrdering(stage, docs, source, variables)
        case .group, .facet, .bucket, .bucketAuto: return try applyGrouping(stage, docs, source, variables)
        case .lookup, .graphLookup, .unionWith: return try applyJoins(stage, docs, source, variables)
        case .setWindowFields, .fill, .densify: return try applyWindows(stage, docs, source, variables)
        case .write: return try applyOutput(stage, docs, source, variables)
        }
    }
}

/// Codes MongoDB gives errors that have no name in its manual.
enum ErrorCodes {
    static let lookupLocalForeign = 4_570_300
    static let lookupPipeline = 4_570_301
    /// A stage an update pipeline may not use (MongoDB's InvalidOptions).
    static let updatePipelineStage = 72
}
