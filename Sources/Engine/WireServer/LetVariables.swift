// `let` (MongoDB 5.0): constants a command gives its filters and pipelines, which they read as
// `$$name`, e.g. `find` with `{filter: {$expr: {$eq: ["$_id", "$$id"]}}, let: {id: 1}}`. The
// store already evaluates variables (`$let`, `$lookup`'s `let`), so the wire server binds them
// there: each `$$name` an expression reads becomes `{$let: {vars: {name: <its expression>}, in:
// "$$name…"}}` (a `let` value is an expression: `{$literal: "$x"}` is the string "$x"). Only expressions are rewritten: in a filter, what `$expr` holds (elsewhere a
// query compares with the literal string "$$name", as MongoDB's does); in a pipeline, every stage,
// and `$match` as a filter.

import BSON

struct LetVariables {
    let values: Document

    /// The command's `let`, if it has one.
    init?(_ command: Document) throws {
        guard let value = command["let"] else { return nil }
        guard case .document(let values) = value else { throw CommandError(14, "TypeMismatch", "'let' must be an object") }
        self.values = values
    }

    func filter(_ filter: Document) -> Document {
        var out = Document()
        for (key, value) in filter {
            out.append(key, key == "$expr" ? expression(value) : filterValue(value))
        }
        return out
    }

    private func filterValue(_ value: BSONValue) -> BSONValue {
        switch value {
        case .document(let d): return .document(filter(d))
        case .array(let items): return .array(items.map(filterValue))
        default: return value
        }
    }

    func pipeline(_ stages: [Document]) -> [Document] {
        stages.map { stage in
            guard let (name, spec) = stage.first.map({ ($0.key, $0.value) }), stage.count == 1 else { return stage }
            if name == "$match", case .document(let query) = spec { return ["$match": .document(filter(query))] }
            return [name: expression(spec)]
        }
    }

    func expression(_ value: BSONValue) -> BSONValue {
        switch value {
        case .string(let text) where text.hasPrefix("$$"):
            let name = String(text.dropFirst(2).prefix { $0 != "." })
            guard let bound = values[name] else { return value }
            return ["$let": ["vars": .document([name: bound]), "in": value]]
        case .document(let d):
            if d.count == 1, d.first?.key == "$literal" { return value }
            var out = Document()
            for (key, inner) in d { out.append(key, expression(inner)) }
            return .document(out)
        case .array(let items):
            return .array(items.map(expression))
        default:
            return value
        }
    }
}
