// Aggregation pipelines: each stage is parsed and checked before the first document flows
// ("parse once, evaluate many"), then documents pass through the stages in order.
//
// `$lookup` reads other collections through a `CollectionSource` (a consistent snapshot) and
// uses a hash index on `foreignField` when there is one, so joining a page of videos to their
// owners costs the page, not the size of the users collection.

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
            if case .write? = parsed.last {
                throw QueryError(40_601, "\(name == "$out" ? "$out" : "$merge") can only be the final stage in the pipeline")
            }
            parsed.append(try parseStage(name, spec))
        }
        return Pipeline(stages: parsed)
    }

    private static func document(_ spec: BSONValue, _ stage: String) throws(QueryError) -> Document {
        guard case .document(let d) = spec else { throw QueryError(15955, "the \(stage) stage specification must be an object") }
        return d
    }

    /// `{field: {<accumulator>: <argument>}, ...}`, as `$group`, `$bucket` and `$bucketAuto` take them.
    private static func accumulatorFields(_ fields: Document) throws(QueryError) -> [(String, AccumulatorSpec, Expression)] {
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

    private static func positiveInteger(_ spec: BSONValue, _ stage: String, allowZero: Bool) throws(QueryError) -> Int {
        guard let n = spec.int64Value, spec.doubleValue.map({ $0 == $0.rounded() }) ?? false, allowZero ? n >= 0 : n > 0 else {
            throw QueryError(15958, "invalid argument to \(stage) stage: \(spec.json(.relaxedExtended))")
        }
        return Int(n)
    }

    private static func parseStage(_ name: String, _ spec: BSONValue) throws(QueryError) -> Stage {
        switch name {
        case "$match": return .match(try Filter.parse(try document(spec, name)))
        case "$project": return .project(try Projection.parse(try document(spec, name)))
        case "$addFields", "$set":
            var fields: [(String, Expression)] = []
            for (k, v) in try document(spec, name) {
                if k.hasPrefix("$") || k.isEmpty { throw QueryError(16410, "FieldPath field names may not start with '$'") }
                fields.append((k, try Expression.parse(v)))
            }
            return .addFields(fields)
        case "$unset":
            var names: [String] = []
            switch spec {
            case .string(let s): names = [s]
            case .array(let a):
                for v in a {
                    guard let s = v.stringValue else {
                        throw QueryError(31120, "$unset specification must be a string or an array containing only string values")
                    }
                    names.append(s)
                }
            default: throw QueryError(31002, "$unset specification must be a string or an array")
            }
            guard !names.isEmpty else { throw QueryError(31119, "$unset specification must be a string or an array with at least one field") }
            return .unset(try Projection.parse(Document(names.map { (key: $0, value: .int32(0)) })))
        case "$unwind":
            var path: String?, preserve = false, indexField: String?
            switch spec {
            case .string(let s): path = s
            case .document(let d):
                path = d["path"]?.stringValue
                preserve = d["preserveNullAndEmptyArrays"].map(Values.truthy) ?? false
                indexField = d["includeArrayIndex"]?.stringValue
            default: break
            }
            guard let path, path.hasPrefix("$"), path.count > 1 else {
                throw QueryError(28818, "path option to $unwind stage should be prefixed with a '$'")
            }
            return .unwind(path: Paths.split(String(path.dropFirst())), preserve: preserve, indexField: indexField)
        case "$sort": return .sort(try SortSpec.parse(try document(spec, name)))
        case "$changeStream":
            throw QueryError(40_573, "The $changeStream stage is only supported on replica sets: use MongoDB (MONGODB_URI) for it")
        case "$redact": return .redact(try Expression.parse(spec))
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
        case "$fill":
            let d = try document(spec, name)
            guard case .document(let outputs)? = d["output"] else { throw QueryError(6_050_203, "$fill requires 'output'") }
            var parsed: [(String, Expression?, String?)] = []
            for (field, value) in outputs {
                guard case .document(let o) = value else { throw QueryError(6_050_204, "$fill output '\(field)' must be an object") }
                if let v = o["value"] {
                    parsed.append((field, try Expression.parse(v), nil))
                } else if case .string(let method)? = o["method"], method == "locf" || method == "linear" {
                    parsed.append((field, nil, method))
                } else {
                    throw QueryError(6_050_205, "$fill output '\(field)' needs a 'value' or a 'method' of locf or linear")
                }
            }
            let sortBy = try d["sortBy"].map { v throws(QueryError) in try SortSpec.parse(try document(v, name)) }
            if parsed.contains(where: { $0.2 != nil }) && sortBy == nil { throw QueryError(6_050_201, "$fill methods require a sortBy") }
            return .fill(partitionBy: try d["partitionBy"].map(Expression.parse), sortBy: sortBy, outputs: parsed)
        case "$densify":
            let d = try document(spec, name)
            guard case .string(let field)? = d["field"], case .document(let range)? = d["range"], let stepValue = range["step"], stepValue.isNumber,
                Values.number(stepValue) > 0
            else { throw QueryError(5_733_402, "$densify requires 'field' and a 'range' with a positive 'step'") }
            var unit: Double?
            if let u = range["unit"]?.stringValue {
                let ms: [String: Double] = [
                    "millisecond": 1, "second": 1000, "minute": 60_000, "hour": 3_600_000, "day": 86_400_000, "week": 604_800_000,
                ]
                guard let factor = ms[u] else { throw QueryError(5_733_403, "$densify unit '\(u)' is not supported by the embedded store") }
                unit = factor
            }
            let bounds: DensifyBounds
            switch range["bounds"] {
            case .string("full")?: bounds = .full
            case .string("partition")?: bounds = .partition
            case .array(let b)? where b.count == 2: bounds = .range(b[0], b[1])
            default: throw QueryError(5_733_404, "$densify bounds must be 'full', 'partition' or [lower, upper]")
            }
            let partitionFields = (d["partitionByFields"]?.arrayValue ?? []).compactMap(\.stringValue)
            return .densify(field: Paths.split(field), step: Values.number(stepValue), unit: unit, bounds: bounds, partitionFields: partitionFields)
        case "$setWindowFields":
            let d = try document(spec, name)
            guard case .document(let outputs)? = d["output"] else {
                throw QueryError(40_414, "BSON field '$setWindowFields.output' is missing but a required field")
            }
            let sortBy = try d["sortBy"].map { v throws(QueryError) in try SortSpec.parse(try document(v, name)) }
            var parsed: [WindowOutput] = []
            for (field, value) in outputs {
                guard case .document(let f) = value, let op = f.keys.first(where: { $0 != "window" }), let arg = f[op] else {
                    throw QueryError(5_371_603, "$setWindowFields output '\(field)' must name one window function")
                }
                let ranking = ["$rank", "$denseRank", "$documentNumber"].contains(op)
                guard ranking || op == "$shift" || Accumulator.names.contains(op) else {
                    throw QueryError(5_371_604, "Unrecognized window function, \(op)")
                }
                if (ranking || op == "$shift") && sortBy == nil { throw QueryError(5_371_602, "\(op) requires a sortBy") }
                var window = WindowOutput.Window.documents(.unbounded, .unbounded)
                if case .document(let w)? = f["window"] {
                    func bound(_ v: BSONValue) throws(QueryError) -> WindowOutput.Bound {
                        switch v {
                        case .string("unbounded"): return .unbounded
                        case .string("current"): return .current
                        case _ where v.isNumber: return .offset(Values.number(v))
                        default: throw QueryError(5_371_601, "window bounds must be 'unbounded', 'current' or a number")
                        }
                    }
                    if case .array(let b)? = w["documents"], b.count == 2 {
                        window = .documents(try bound(b[0]), try bound(b[1]))
                    } else if case .array(let b)? = w["range"], b.count == 2 {
                        var unit: Double?
                        if let u = w["unit"]?.stringValue {
                            let ms: [String: Double] = [
                                "millisecond": 1, "second": 1000, "minute": 60_000, "hour": 3_600_000, "day": 86_400_000, "week": 604_800_000,
                            ]
                            guard let factor = ms[u] else {
                                throw QueryError(5_371_601, "unit '\(u)' is not supported by the embedded store's range windows")
                            }
                            unit = factor
                        }
                        guard sortBy?.keys.count == 1 else { throw QueryError(5_339_902, "Range-based windows require sortBy a single field") }
                        window = .range(try bound(b[0]), try bound(b[1]), unit: unit)
                    } else {
                        throw QueryError(5_371_601, "window must give 'documents' or 'range' as two bounds")
                    }
                }
                if op == "$shift" {
                    guard case .document(let sh) = arg, let output = sh["output"], let by = sh["by"]?.int64Value else {
                        throw QueryError(5_371_605, "$shift requires 'output' and an integer 'by'")
                    }
                    var o = WindowOutput(field: field, op: op, spec: AccumulatorSpec(op), argument: try Expression.parse(output), window: window)
                    o.by = Int(by)
                    o.fallback = try sh["default"].map(Expression.parse)
                    parsed.append(o)
                } else if ranking {
                    parsed.append(WindowOutput(field: field, op: op, spec: AccumulatorSpec(op), argument: .literal(.null), window: window))
                } else {
                    let (spec, expression) = try AccumulatorSpec.parse(op, arg)
                    parsed.append(WindowOutput(field: field, op: op, spec: spec, argument: expression, window: window))
                }
            }
            return .setWindowFields(partitionBy: try d["partitionBy"].map(Expression.parse), sortBy: sortBy, outputs: parsed)
        case "$out":
            switch spec {
            case .string(let coll) where !coll.isEmpty: return .write(.out(coll))
            case .document(let d):
                guard case .string(let coll)? = d["coll"] else { throw QueryError(16_990, "$out needs a collection name") }
                return .write(.out(coll))
            default: throw QueryError(16_990, "$out only supports a string or object argument, not \(spec.typeName)")
            }
        case "$merge":
            var into: String?, on = ["_id"], whenMatched = "merge", whenNotMatched = "insert"
            switch spec {
            case .string(let coll): into = coll
            case .document(let d):
                into = d["into"]?.stringValue ?? d["into"]?.documentValue?["coll"]?.stringValue
                switch d["on"] {
                case .string(let f)?: on = [f]
                case .array(let a)?: on = a.compactMap(\.stringValue)
                default: break
                }
                if let m = d["whenMatched"] {
                    guard let text = m.stringValue, ["merge", "replace", "keepExisting", "fail"].contains(text) else {
                        throw QueryError(
                            51_191,
                            "$merge whenMatched must be merge, replace, keepExisting or fail (pipelines are not supported by the embedded store)")
                    }
                    whenMatched = text
                }
                if let n = d["whenNotMatched"] {
                    guard let text = n.stringValue, ["insert", "discard", "fail"].contains(text) else {
                        throw QueryError(51_191, "$merge whenNotMatched must be insert, discard or fail")
                    }
                    whenNotMatched = text
                }
            default: break
            }
            guard let into, !into.isEmpty else { throw QueryError(51_178, "$merge 'into' field must be specified") }
            return .write(.merge(into: into, on: on, whenMatched: whenMatched, whenNotMatched: whenNotMatched))
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
        case "$sample":
            let d = try document(spec, name)
            guard let size = d["size"], d.count == 1 else { throw QueryError(28_749, "$sample stage must specify a size") }
            guard size.isNumber, let n = size.int64Value, n >= 0 else { throw QueryError(28_747, "size argument to $sample must not be negative") }
            return .sample(Int(n))
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
        case "$skip": return .skip(try positiveInteger(spec, name, allowZero: true))
        case "$limit": return .limit(try positiveInteger(spec, name, allowZero: false))
        case "$count":
            guard let field = spec.stringValue, !field.isEmpty, !field.hasPrefix("$"), !field.contains(".") else {
                throw QueryError(40156, "the count field must be a non-empty string that does not start with $ or contain '.'")
            }
            return .count(field)
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
        case "$replaceRoot", "$replaceWith":
            if name == "$replaceWith" { return .replaceRoot(try Expression.parse(spec)) }
            guard let root = try document(spec, name)["newRoot"] else { throw QueryError(40231, "no newRoot specified for the $replaceRoot stage") }
            return .replaceRoot(try Expression.parse(root))
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

    private static func apply(_ stage: Stage, _ docs: [Document], _ source: any CollectionSource, _ variables: [String: BSONValue]) throws(QueryError)
        -> [Document]
    {
        switch stage {
        case .match(let filter):
            var out: [Document] = []
            for d in docs where try filter.matches(d, variables: variables) { out.append(d) }
            return out
        case .project(let projection), .unset(let projection):
            var out: [Document] = []
            out.reserveCapacity(docs.count)
            for d in docs { out.append(try projection.apply(d, variables: variables)) }
            return out
        case .addFields(let fields):
            var out: [Document] = []
            out.reserveCapacity(docs.count)
            for d in docs {
                let context = EvalContext(d, variables: variables)
                var result = d
                for (path, e) in fields {
                    let parts = Paths.split(path)
                    let value = try e.evaluate(context)
                    if let value {
                        if case .object = e, case .document(let existing)? = Paths.get(result, parts[...]), case .document(let add) = value {
                            try Paths.set(&result, parts[...], .document(existing.merging(add)))
                        } else {
                            try Paths.set(&result, parts[...], value)
                        }
                    } else {
                        Paths.unset(&result, parts[...])
                    }
                }
                out.append(result)
            }
            return out
        case .unwind(let path, let preserve, let indexField):
            var out: [Document] = []
            for d in docs {
                let value = Paths.get(d, path[...])
                switch value {
                case .array(let a)? where !a.isEmpty:
                    for (i, element) in a.enumerated() {
                        var copy = d
                        try Paths.set(&copy, path[...], element)
                        if let indexField { copy[indexField] = .int64(Int64(i)) }
                        out.append(copy)
                    }
                case .array?, nil, .null?:
                    guard preserve else { continue }
                    var copy = d
                    if case .array? = value { Paths.unset(&copy, path[...]) }
                    if let indexField { copy[indexField] = .null }
                    out.append(copy)
                default:
                    var copy = d
                    if let indexField { copy[indexField] = .null }
                    out.append(copy)
                }
            }
            return out
        case .sort(let spec): return spec.sorted(docs)
        case .skip(let n): return Array(docs.dropFirst(n))
        case .limit(let n): return Array(docs.prefix(n))
        case .count(let field): return docs.isEmpty ? [] : [[field: .int32(Int32(docs.count))]]
        case .group(let idExpression, let accumulators):
            var order: [ValueKey] = []
            var groups: [ValueKey: (id: BSONValue, accs: [Accumulator])] = [:]
            for d in docs {
                let context = EvalContext(d, variables: variables)
                let id = try idExpression.evaluate(context) ?? .null
                let key = ValueKey(id)
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
        case .replaceRoot(let e):
            var out: [Document] = []
            for d in docs {
                guard case .document(let root)? = try e.evaluate(EvalContext(d, variables: variables)) else {
                    throw QueryError(40228, "'newRoot' expression must evaluate to an object, but resulting value was not an object")
                }
                out.append(root)
            }
            return out
        case .sample(let n):
            return Array(docs.shuffled().prefix(n))
        case .write:
            return docs  // written by the collection once the rest of the pipeline has run
        case .setWindowFields(let partitionBy, let sortBy, let outputs):
            return try Pipeline.windows(docs, partitionBy, sortBy, outputs, variables)
        case .bucketAuto(let groupBy, let buckets, let output):
            return try Pipeline.bucketAuto(docs, groupBy, buckets, output, variables)
        case .fill(let partitionBy, let sortBy, let outputs):
            return try Pipeline.fill(docs, partitionBy, sortBy, outputs, variables)
        case .densify(let field, let step, let unit, let bounds, let partitionFields):
            return try Pipeline.densify(docs, field, step, unit, bounds, partitionFields)
        case .redact(let e):
            var scope = variables
            scope["DESCEND"] = "descend"
            scope["PRUNE"] = "prune"
            scope["KEEP"] = "keep"
            let levels = scope
            func redact(_ d: Document) throws(QueryError) -> Document? {
                switch try e.evaluate(EvalContext(d, variables: levels)) {
                case .string("keep")?: return d
                case .string("prune")?: return nil
                case .string("descend")?:
                    var out = Document()
                    for (k, v) in d {
                        switch v {
                        case .document(let sub):
                            if let kept = try redact(sub) { out.append(k, .document(kept)) }
                        case .array(let items):
                            var kept: [BSONValue] = []
                            for item in items {
                                if case .document(let sub) = item {
                                    if let r = try redact(sub) { kept.append(.document(r)) }
                                } else {
                                    kept.append(item)
                                }
                            }
                            out.append(k, .array(kept))
                        default: out.append(k, v)
                        }
                    }
                    return out
                default:
                    throw QueryError(
                        17_053, "$redact's expression should not return anything aside from the variables $$KEEP, $$DESCEND, and $$PRUNE")
                }
            }
            var out: [Document] = []
            for d in docs { if let r = try redact(d) { out.append(r) } }
            return out
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
        }
    }
}

extension Pipeline {
    /// `$setWindowFields`: partitions (in partition-key order), each sorted by `sortBy`, and each
    /// output computed over its window of the partition. Windows are recomputed per document:
    /// fine for the sizes an embedded store serves.
    static func windows(
        _ docs: [Document], _ partitionBy: Expression?, _ sortBy: SortSpec?, _ outputs: [WindowOutput], _ variables: [String: BSONValue]
    ) throws(QueryError) -> [Document] {
        let ordered = try partitions(docs, by: partitionBy, sortedBy: sortBy, variables).sorted { Values.compare($0.key, $1.key) < 0 }
        var out: [Document] = []
        for (_, rows) in ordered {
            let sortKeys = rows.map { sortBy?.sortKey($0) ?? [] }
            // Ranks in one pass: rows are sorted, so ties are neighbours and share a rank.
            var ranks: [Int] = [], denseRanks: [Int] = []
            for i in rows.indices {
                if i > 0, Self.sameKey(sortKeys[i], sortKeys[i - 1]) {
                    ranks.append(ranks[i - 1])
                    denseRanks.append(denseRanks[i - 1])
                } else {
                    ranks.append(i + 1)
                    denseRanks.append((denseRanks.last ?? 0) + 1)
                }
            }
            var results = rows
            for output in outputs {
                for i in rows.indices {
                    let value: BSONValue
                    switch output.op {
                    case "$documentNumber": value = .int32(Int32(i + 1))
                    case "$rank": value = .int32(Int32(ranks[i]))
                    case "$denseRank": value = .int32(Int32(denseRanks[i]))
                    case "$shift":
                        let j = i + output.by
                        if rows.indices.contains(j) {
                            value = try output.argument.evaluate(EvalContext(rows[j], variables: variables)) ?? .null
                        } else {
                            value = try output.fallback?.evaluate(EvalContext(rows[i], variables: variables)) ?? .null
                        }
                    default:
                        var accumulator = Accumulator(output.spec)
                        for j in try Self.window(output.window, at: i, rows.count, sortKeys) {
                            accumulator.add(try output.argument.evaluate(EvalContext(rows[j], variables: variables)))
                        }
                        value = accumulator.result
                    }
                    try Paths.set(&results[i], Paths.split(output.field)[...], value)
                }
            }
            out += results
        }
        return out
    }

    /// `$bucketAuto`: the values sorted and cut into about `buckets` buckets of equal size, equal
    /// values never split; each bucket's `_id` is `{min, max}`, max being the next bucket's min
    /// (the last one's, its own largest value).
    static func bucketAuto(
        _ docs: [Document], _ groupBy: Expression, _ buckets: Int, _ output: [(String, AccumulatorSpec, Expression)], _ variables: [String: BSONValue]
    ) throws(QueryError) -> [Document] {
        var keyed: [(value: BSONValue, doc: Document)] = []
        for d in docs { keyed.append((try groupBy.evaluate(EvalContext(d, variables: variables)) ?? .null, d)) }
        keyed.sort { Values.compare($0.value, $1.value) < 0 }
        guard !keyed.isEmpty else { return [] }
        let size = max(1, Int((Double(keyed.count) / Double(buckets)).rounded()))
        var groups: [[(value: BSONValue, doc: Document)]] = []
        var i = 0
        while i < keyed.count {
            var end = groups.count == buckets - 1 ? keyed.count : min(keyed.count, i + size)
            while end < keyed.count && Values.compare(keyed[end].value, keyed[end - 1].value) == 0 { end += 1 }
            groups.append(Array(keyed[i..<end]))
            i = end
        }
        var out: [Document] = []
        for (g, group) in groups.enumerated() {
            let upper = g + 1 < groups.count ? groups[g + 1][0].value : group.last!.value
            var doc: Document = ["_id": ["min": group[0].value, "max": upper]]
            var accs = output.map { Accumulator($0.1) }
            for item in group {
                let context = EvalContext(item.doc, variables: variables)
                for (k, acc) in output.enumerated() { accs[k].add(try acc.2.evaluate(context)) }
            }
            for (k, acc) in output.enumerated() { doc.append(acc.0, accs[k].result) }
            out.append(doc)
        }
        return out
    }

    /// `$fill`: a missing or null output field gets its value expression, the last value seen
    /// in its sorted partition ("locf"), or the straight line between its neighbours ("linear").
    static func fill(
        _ docs: [Document], _ partitionBy: Expression?, _ sortBy: SortSpec?, _ outputs: [(String, Expression?, String?)],
        _ variables: [String: BSONValue]
    ) throws(QueryError) -> [Document] {
        var out: [Document] = []
        for (_, partition) in try partitions(docs, by: partitionBy, sortedBy: sortBy, variables) {
            var rows = partition
            for (field, value, method) in outputs {
                let path = Paths.split(field)
                let missing = { (d: Document) in Paths.get(d, path[...]).map(\.isNull) ?? true }
                if let value {
                    for i in rows.indices where missing(rows[i]) {
                        try Paths.set(&rows[i], path[...], try value.evaluate(EvalContext(rows[i], variables: variables)) ?? .null)
                    }
                } else if method == "locf" {
                    var last: BSONValue?
                    for i in rows.indices {
                        if missing(rows[i]) {
                            if let last { try Paths.set(&rows[i], path[...], last) }
                        } else {
                            last = Paths.get(rows[i], path[...])
                        }
                    }
                } else {
                    // linear: between the known values around each gap, along the sortBy field.
                    let x = { (d: Document) -> Double? in
                        switch sortBy?.sortKey(d).first ?? nil {
                        case .datetime(let t)?: return Double(t.millisecondsSince1970)
                        case let n? where n.isNumber: return Values.number(n)
                        default: return nil
                        }
                    }
                    let known = rows.indices.filter { !missing(rows[$0]) && Paths.get(rows[$0], path[...])?.isNumber == true }
                    for i in rows.indices where missing(rows[i]) {
                        guard let before = known.last(where: { $0 < i }), let after = known.first(where: { $0 > i }),
                            let x0 = x(rows[before]), let x1 = x(rows[after]), let xi = x(rows[i]), x1 != x0
                        else { continue }
                        let y0 = Values.number(Paths.get(rows[before], path[...])!), y1 = Values.number(Paths.get(rows[after], path[...])!)
                        try Paths.set(&rows[i], path[...], .double(y0 + (y1 - y0) * (xi - x0) / (x1 - x0)))
                    }
                }
            }
            out += rows
        }
        return out
    }

    /// `$densify`: documents added so that the field steps evenly through its range (per
    /// partition); the added ones hold only the field and the partition's fields.
    static func densify(
        _ docs: [Document], _ field: [String], _ step: Double, _ unit: Double?, _ bounds: DensifyBounds, _ partitionFields: [String]
    ) throws(QueryError) -> [Document] {
        let isDate = unit != nil
        let stride = step * (unit ?? 1)
        func number(_ v: BSONValue?) -> Double? {
            switch v {
            case .datetime(let d)?: return isDate ? Double(d.millisecondsSince1970) : nil
            case let n? where n.isNumber && !isDate: return Values.number(n)
            default: return nil
            }
        }
        func value(_ x: Double) -> BSONValue {
            if isDate { return .datetime(BSONDate(millisecondsSince1970: Int64(x))) }
            return x == x.rounded() && abs(x) < 2e9 ? .int32(Int32(x)) : .double(x)
        }
        var keys: [ValueKey] = []
        var partitions: [ValueKey: (fields: Document, docs: [Document])] = [:]
        for d in docs {
            var fields = Document()
            for f in partitionFields { fields.append(f, Paths.get(d, Paths.split(f)[...]) ?? .null) }
            let k = ValueKey(.document(fields))
            if partitions[k] == nil {
                keys.append(k)
                partitions[k] = (fields, [])
            }
            partitions[k]!.docs.append(d)
        }
        let all = docs.compactMap { number(Paths.get($0, field[...])) }
        var out: [Document] = []
        for k in keys {
            let (fields, rows) = partitions[k]!
            let sorted = rows.sorted { (number(Paths.get($0, field[...])) ?? .infinity) < (number(Paths.get($1, field[...])) ?? .infinity) }
            let values = sorted.compactMap { number(Paths.get($0, field[...])) }
            var lower: Double, upper: Double, inclusiveUpper: Bool
            switch bounds {
            case .full:
                guard let lo = all.min(), let hi = all.max() else { out += sorted; continue }
                (lower, upper, inclusiveUpper) = (lo, hi, true)
            case .partition:
                guard let lo = values.min(), let hi = values.max() else { out += sorted; continue }
                (lower, upper, inclusiveUpper) = (lo, hi, true)
            case .range(let a, let b):
                guard let lo = number(a), let hi = number(b) else { throw QueryError(5_733_405, "$densify bounds must match the field's type") }
                (lower, upper, inclusiveUpper) = (lo, hi, false)
            }
            var existing = Set(values)
            var generated: [Document] = []
            var x = lower
            while inclusiveUpper ? x <= upper : x < upper {
                if !existing.contains(x) {
                    var d = fields
                    try Paths.set(&d, field[...], value(x))
                    generated.append(d)
                    existing.insert(x)
                }
                x += stride
                if generated.count > 1_000_000 { throw QueryError(5_897_900, "$densify would generate more than a million documents") }
            }
            out += (sorted + generated).sorted { (number(Paths.get($0, field[...])) ?? .infinity) < (number(Paths.get($1, field[...])) ?? .infinity) }
        }
        return out
    }

    /// The documents grouped by `partitionBy` (one group when there is none), in the order the
    /// partitions first appear, each sorted by `sortBy`: what `$setWindowFields` and `$fill` work on.
    private static func partitions(_ docs: [Document], by partitionBy: Expression?, sortedBy sortBy: SortSpec?, _ variables: [String: BSONValue])
        throws(QueryError) -> [(key: BSONValue, rows: [Document])]
    {
        var keys: [ValueKey] = []
        var groups: [ValueKey: (key: BSONValue, rows: [Document])] = [:]
        for d in docs {
            let value = try partitionBy?.evaluate(EvalContext(d, variables: variables)) ?? .null
            let k = ValueKey(value)
            if groups[k] == nil {
                keys.append(k)
                groups[k] = (value, [])
            }
            groups[k]!.rows.append(d)
        }
        return keys.map { k in (groups[k]!.key, sortBy.map { $0.sorted(groups[k]!.rows) } ?? groups[k]!.rows) }
    }

    private static func sameKey(_ a: [BSONValue?], _ b: [BSONValue?]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { Values.compare($0, $1) == 0 }
    }

    /// The indices in the window of document `i`.
    private static func window(_ window: WindowOutput.Window, at i: Int, _ count: Int, _ keys: [[BSONValue?]]) throws(QueryError) -> [Int] {
        switch window {
        case .documents(let lower, let upper):
            func position(_ b: WindowOutput.Bound, _ unbounded: Int) -> Int {
                switch b {
                case .unbounded: return unbounded
                case .current: return i
                case .offset(let n): return i + Int(n)
                }
            }
            let lo = max(0, position(lower, 0)), hi = min(count - 1, position(upper, count - 1))
            return lo <= hi ? Array(lo...hi) : []
        case .range(let lower, let upper, let unit):
            func number(_ v: BSONValue?) -> Double? {
                switch v {
                case .datetime(let d)?: return Double(d.millisecondsSince1970)
                case let n? where n.isNumber: return Values.number(n)
                default: return nil
                }
            }
            guard let here = number(keys[i].first ?? nil) else {
                throw QueryError(5_429_414, "Invalid range: the sortBy value must be numeric or a date")
            }
            let scale = unit ?? 1
            func edge(_ b: WindowOutput.Bound, _ unbounded: Double) -> Double {
                switch b {
                case .unbounded: return unbounded
                case .current: return here
                case .offset(let n): return here + n * scale
                }
            }
            let lo = edge(lower, -.infinity), hi = edge(upper, .infinity)
            return (0..<count).filter { j in number(keys[j].first ?? nil).map { $0 >= lo && $0 <= hi } ?? false }
        }
    }
}

enum ErrorCodes {
    static let lookupLocalForeign = 4_570_300
    static let lookupPipeline = 4_570_301
}
