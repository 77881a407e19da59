// Aggregation stages that see each document beside its neighbours in a sorted partition:
// $setWindowFields, $fill and $densify, and the window arithmetic they share.
// Pipeline.swift parses a stage by name and runs it by kind; it sends these here.

import BSON

extension Pipeline {
    static func parseWindows(_ name: String, _ spec: BSONValue) throws(QueryError) -> Stage {
        switch name {
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
                    o.by = Int(Swift.max(Swift.min(by, Int64(Int32.max)), Int64(Int32.min)))  // past any partition: the default
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
        default: preconditionFailure("not a stage of this family: \(name)")
        }
    }

    static func applyWindows(_ stage: Stage, _ docs: [Document], _ source: any CollectionSource, _ variables: [String: BSONValue]) throws(QueryError)
        -> [Document]
    {
        switch stage {
        case .setWindowFields(let partitionBy, let sortBy, let outputs):
            return try Pipeline.windows(docs, partitionBy, sortBy, outputs, variables)
        case .fill(let partitionBy, let sortBy, let outputs):
            return try Pipeline.fill(docs, partitionBy, sortBy, outputs, variables)
        case .densify(let field, let step, let unit, let bounds, let partitionFields):
            return try Pipeline.densify(docs, field, step, unit, bounds, partitionFields)
        default: preconditionFailure("not a stage of this family: \(stage)")
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
            if isDate { return .datetime(BSONDate(millisecondsSince1970: Int64(exactly: x.rounded()) ?? (x < 0 ? .min : .max))) }
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
            var steps = 0
            while inclusiveUpper ? x <= upper : x < upper {
                // Every step must move, and their number is bounded: a step too small for the
                // values (1e-300 at 1e6) or a range too long would otherwise never end.
                steps += 1
                guard x + stride > x, steps <= 1_000_000, !isDate || abs(x) < 9.2e18 else {
                    throw QueryError(5_897_900, "$densify would generate more than a million documents")
                }
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
                case .offset(let n): return i + Int(Swift.max(-Double(count + 1), Swift.min(Double(count + 1), n)))  // past either end
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
