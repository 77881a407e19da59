// Aggregation expressions: `"$field"`, `"$$var"`, literals, objects, arrays and operators such
// as `{$size: "$subscribers"}`, parsed once into a tree and then evaluated per document.
//
// One evaluator serves `$expr` in filters, `$project` / `$addFields`, `$group`'s keys and
// accumulators, and `$lookup`'s `let`. Evaluation returns nil for "missing", which MongoDB
// distinguishes from null (a missing field is not written by `$project`).

import BSON
import Foundation

indirect enum Expression: Sendable {
    case literal(BSONValue)
    /// `$a.b`: a path in the current document.
    case field([String])
    /// `$$name.a.b`: a variable (ROOT, CURRENT, or one bound by let/as).
    case variable(String, [String])
    case object([(String, Expression)])
    case array([Expression])
    case op(String, [Expression])
    case cond(Expression, Expression, Expression)
    case filter(input: Expression, name: String, cond: Expression, limit: Expression?)
    case map(input: Expression, name: String, body: Expression)
    /// `$let`: variables bound for `in`.
    case letIn([(String, Expression)], Expression)
    /// `$switch`: the first branch whose case is true, else `default` (an error when there is none).
    case switchCase([(Expression, Expression)], Expression?)
    /// `$reduce`: `in` over `input`, with `$$value` (from `initialValue`) and `$$this`.
    case reduce(input: Expression, initial: Expression, body: Expression)

    static let operators: Set<String> = [
        "$size", "$ifNull", "$in", "$first", "$last", "$arrayElemAt", "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$cmp",
        "$and", "$or", "$not", "$add", "$subtract", "$multiply", "$divide", "$mod", "$concat", "$toString", "$sum",
        "$avg", "$max", "$min", "$toLower", "$toUpper", "$isArray", "$concatArrays", "$toObjectId", "$type",
    ]

    static func parse(_ value: BSONValue) throws(QueryError) -> Expression {
        switch value {
        case .string(let s) where s.hasPrefix("$$"):
            let parts = Paths.split(String(s.dropFirst(2)))
            guard let name = parts.first, !name.isEmpty else { throw QueryError(16869, "empty variable name") }
            return .variable(name, Array(parts.dropFirst()))
        case .string(let s) where s.hasPrefix("$"):
            guard s.count > 1 else { throw QueryError(16872, "'$' by itself is not a valid FieldPath") }
            return .field(Paths.split(String(s.dropFirst())))
        case .array(let a):
            var out: [Expression] = []
            for v in a { out.append(try parse(v)) }
            return .array(out)
        case .document(let d):
            if let key = d.first?.key, key.hasPrefix("$") {
                guard d.count == 1 else {
                    throw QueryError(
                        15983, "an expression specification must contain exactly one field, the name of the expression. Found \(d.count) fields")
                }
                return try parseOperator(key, d[key]!)
            }
            var fields: [(String, Expression)] = []
            for (k, v) in d {
                if k.hasPrefix("$") { throw QueryError(16410, "FieldPath field names may not start with '$'") }
                fields.append((k, try parse(v)))
            }
            return .object(fields)
        default:
            return .literal(value)
        }
    }

    private static func parseOperator(_ name: String, _ argument: BSONValue) throws(QueryError) -> Expression {
        switch name {
        case "$literal": return .literal(argument)
        case "$cond":
            if case .array(let a) = argument {
                guard a.count == 3 else { throw QueryError(16020, "Expression $cond takes exactly 3 arguments. \(a.count) were passed in.") }
                return .cond(try parse(a[0]), try parse(a[1]), try parse(a[2]))
            }
            guard case .document(let d) = argument, let i = d["if"], let t = d["then"], let e = d["else"] else {
                throw QueryError(17080, "Missing 'if', 'then' or 'else' parameter to $cond")
            }
            return .cond(try parse(i), try parse(t), try parse(e))
        case "$filter", "$map":
            guard case .document(let d) = argument, let input = d["input"] else {
                throw QueryError(28646, "\(name) requires an object with an 'input' field")
            }
            let variable = d["as"]?.stringValue ?? "this"
            if name == "$filter" {
                guard let cond = d["cond"] else { throw QueryError(28648, "Missing 'cond' parameter to $filter") }
                return .filter(input: try parse(input), name: variable, cond: try parse(cond), limit: try d["limit"].map(parse))
            }
            guard let body = d["in"] else { throw QueryError(16882, "Missing 'in' parameter to $map") }
            return .map(input: try parse(input), name: variable, body: try parse(body))
        case "$let":
            guard case .document(let d) = argument, case .document(let vars)? = d["vars"], let body = d["in"], d.count == 2 else {
                throw QueryError(16_876, "$let requires exactly 'vars' (an object) and 'in'")
            }
            var bound: [(String, Expression)] = []
            for (k, v) in vars {
                guard let first = k.first, first.isLowercase || first == "_" || !first.isASCII else {
                    throw QueryError(16_867, "'\(k)' starts with an invalid character for a user variable name")
                }
                bound.append((k, try parse(v)))
            }
            return .letIn(bound, try parse(body))
        case "$switch":
            guard case .document(let d) = argument, case .array(let branches)? = d["branches"] else {
                throw QueryError(40_061, "$switch requires at least one branch")
            }
            var parsed: [(Expression, Expression)] = []
            for b in branches {
                guard case .document(let branch) = b, let c = branch["case"], let t = branch["then"], branch.count == 2 else {
                    throw QueryError(40_064, "$switch requires each branch to be an object with 'case' and 'then'")
                }
                parsed.append((try parse(c), try parse(t)))
            }
            guard !parsed.isEmpty else { throw QueryError(40_061, "$switch requires at least one branch") }
            return .switchCase(parsed, try d["default"].map(parse))
        case "$reduce":
            guard case .document(let d) = argument, let input = d["input"], let initial = d["initialValue"], let body = d["in"] else {
                throw QueryError(40_075, "$reduce requires 'input', 'initialValue' and 'in'")
            }
            return .reduce(input: try parse(input), initial: try parse(initial), body: try parse(body))
        case "$meta":
            guard argument == "textScore" else {
                throw QueryError(17_308, "Unsupported argument to $meta: \(argument.json(.relaxedExtended)) (the embedded store knows textScore)")
            }
            return .field([TextQuery.scoreKey])
        case "$function", "$accumulator":
            throw QueryError(31_264, "\(name) (server-side JavaScript) is not supported by the embedded store: use MongoDB (MONGODB_URI) for it")
        case "$setField", "$unsetField":
            guard case .document(let d) = argument, var field = d["field"], let input = d["input"] else {
                throw QueryError(4_161_102, "\(name) requires 'field' and 'input' to be specified")
            }
            // A name that starts with `$` is written `{$literal: "$a"}`, so it is not read as a path.
            if case .document(let literal) = field, literal.count == 1, let inner = literal["$literal"] { field = inner }
            guard case .string = field else { throw QueryError(4_161_106, "\(name) requires 'field' to evaluate to a constant string") }
            if name == "$setField" {
                guard let value = d["value"] else { throw QueryError(4_161_103, "$setField requires 'value' to be specified") }
                return .op(name, [.literal(field), try parse(input), try parse(value)])
            }
            return .op("$setField", [.literal(field), try parse(input), .variable("REMOVE", [])])
        case "$rand":
            // {$rand: {}}: a double in [0, 1), a new one each time it is evaluated.
            guard case .document(let d) = argument, d.isEmpty else { throw QueryError(10_065, "$rand does not accept arguments") }
            return .op(name, [])
        case "$getField":
            // {$getField: "name"} or {$getField: {field, input}}: a field name read literally (dots and $ included).
            if case .document(let d) = argument, d.first?.key.hasPrefix("$") != true {
                guard let field = d["field"] else { throw QueryError(3_041_702, "$getField requires 'field' to be specified") }
                return .op(name, [try parse(field), try d["input"].map(parse) ?? .variable("CURRENT", [])])
            }
            return .op(name, [try parse(argument), .variable("CURRENT", [])])
        default:
            guard operators.contains(name) || Operators.library.contains(name) else { throw QueryError(168, "Unrecognized expression '\(name)'") }
            var args: [Expression] = []
            if case .array(let a) = argument {
                for v in a { args.append(try parse(v)) }
            } else {
                args = [try parse(argument)]
            }
            try checkArity(name, args.count)
            return .op(name, args)
        }
    }

    private static func checkArity(_ name: String, _ n: Int) throws(QueryError) {
        let exact: [String: Int] = [
            "$size": 1, "$first": 1, "$last": 1, "$not": 1, "$toString": 1, "$toLower": 1, "$toUpper": 1, "$isArray": 1,
            "$toObjectId": 1, "$type": 1, "$in": 2, "$arrayElemAt": 2, "$eq": 2, "$ne": 2, "$gt": 2, "$gte": 2, "$lt": 2,
            "$lte": 2, "$cmp": 2, "$subtract": 2, "$divide": 2, "$mod": 2,
        ]
        if let want = exact[name], want != n {
            throw QueryError(16020, "Expression \(name) takes exactly \(want) arguments. \(n) were passed in.")
        }
        if let range = Operators.libraryArity[name], !range.contains(n) {
            throw QueryError(
                16020,
                "Expression \(name) takes \(range.lowerBound == range.upperBound ? "exactly \(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)") arguments. \(n) were passed in."
            )
        }
        if name == "$ifNull", n < 2 { throw QueryError(1_257_300, "$ifNull needs at least two arguments, had: \(n)") }
    }
}

/// What an expression is evaluated against: the current document and the variables in scope.
struct EvalContext {
    var current: BSONValue
    var variables: [String: BSONValue]

    init(_ document: Document, variables: [String: BSONValue] = [:]) {
        current = .document(document)
        self.variables = variables
        self.variables["ROOT"] = current
    }
}

extension Expression {
    func evaluate(_ ctx: EvalContext) throws(QueryError) -> BSONValue? {
        switch self {
        case .literal, .field, .variable: break  // no work: no time check
        default: try QueryBudget.check()
        }
        switch self {
        case .literal(let v): return v
        case .field(let parts): return Paths.value(ctx.current, parts[...])
        case .variable(let name, let parts):
            let base: BSONValue?
            switch name {
            case "CURRENT": base = ctx.current
            case "REMOVE": return nil
            default:
                guard let v = ctx.variables[name] else { throw QueryError(17276, "Use of undefined variable: \(name)") }
                base = v
            }
            return Paths.value(base, parts[...])
        case .object(let fields):
            var d = Document()
            for (k, e) in fields {
                if let v = try e.evaluate(ctx) { d.append(k, v) }
            }
            return .document(d)
        case .array(let items):
            var out: [BSONValue] = []
            for e in items { out.append(try e.evaluate(ctx) ?? .null) }
            return .array(out)
        case .cond(let i, let t, let e):
            return Values.truthy(try i.evaluate(ctx)) ? try t.evaluate(ctx) : try e.evaluate(ctx)
        case .filter(let input, let name, let cond, let limit):
            guard let array = try arrayArgument(input, ctx, "$filter") else { return .null }
            var max = Int.max
            if let limit, let l = try limit.evaluate(ctx)?.int64Value { max = Int(l) }
            var out: [BSONValue] = []
            var scope = ctx
            for element in array where out.count < max {
                scope.variables[name] = element
                if Values.truthy(try cond.evaluate(scope)) { out.append(element) }
            }
            return .array(out)
        case .map(let input, let name, let body):
            guard let array = try arrayArgument(input, ctx, "$map") else { return .null }
            var out: [BSONValue] = []
            var scope = ctx
            for element in array {
                scope.variables[name] = element
                out.append(try body.evaluate(scope) ?? .null)
            }
            return .array(out)
        case .op(let name, let args):
            return try Operators.apply(name, args, ctx)
        case .letIn(let bound, let body):
            var scope = ctx
            for (name, e) in bound { scope.variables[name] = try e.evaluate(ctx) ?? .null }
            return try body.evaluate(scope)
        case .switchCase(let branches, let fallback):
            for (c, t) in branches where Values.truthy(try c.evaluate(ctx)) { return try t.evaluate(ctx) }
            guard let fallback else {
                throw QueryError(40_066, "$switch could not find a matching branch for an input, and no default was specified.")
            }
            return try fallback.evaluate(ctx)
        case .reduce(let input, let initial, let body):
            guard let array = try arrayArgument(input, ctx, "$reduce") else { return .null }
            var scope = ctx
            var value = try initial.evaluate(ctx) ?? .null
            for element in array {
                scope.variables["value"] = value
                scope.variables["this"] = element
                value = try body.evaluate(scope) ?? .null
            }
            return value
        }
    }

    /// The input of $filter/$map: an array, or nil for null/missing; anything else is an error.
    private func arrayArgument(_ e: Expression, _ ctx: EvalContext, _ op: String) throws(QueryError) -> [BSONValue]? {
        switch try e.evaluate(ctx) {
        case .array(let a)?: return a
        case nil, .null?: return nil
        case let v?: throw QueryError(28651, "input to \(op) must be an array not \(v.typeName)")
        }
    }
}
