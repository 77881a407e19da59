// Aggregation stages that reshape each document: $match, $project, $addFields/$set, $unset,
// $unwind, $replaceRoot/$replaceWith, $redact (one document in, at most one out; $unwind: one
// per array element); and $documents, which stands in for a collection. Pipeline.swift parses a stage by name and runs it by kind; it sends these here.

import BSON

extension Pipeline {
    static func parseShaping(_ name: String, _ spec: BSONValue) throws(QueryError) -> Stage {
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
        case "$redact": return .redact(try Expression.parse(spec))
        case "$replaceRoot", "$replaceWith":
            if name == "$replaceWith" { return .replaceRoot(try Expression.parse(spec)) }
            guard let root = try document(spec, name)["newRoot"] else { throw QueryError(40231, "no newRoot specified for the $replaceRoot stage") }
            return .replaceRoot(try Expression.parse(root))
        case "$documents":
            guard case .array(let items) = spec else { throw QueryError(5_858_203, "$documents must take an array of objects") }
            var docs: [Document] = []
            for item in items {
                guard case .document(let d) = item else { throw QueryError(5_858_203, "$documents must take an array of objects") }
                docs.append(d)
            }
            return .documents(docs)
        default: preconditionFailure("not a stage of this family: \(name)")
        }
    }

    static func applyShaping(_ stage: Stage, _ docs: [Document], _ source: any CollectionSource, _ variables: [String: BSONValue]) throws(QueryError)
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
        case .replaceRoot(let e):
            var out: [Document] = []
            for d in docs {
                guard case .document(let root)? = try e.evaluate(EvalContext(d, variables: variables)) else {
                    throw QueryError(40228, "'newRoot' expression must evaluate to an object, but resulting value was not an object")
                }
                out.append(root)
            }
            return out
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
        case .documents(let given):
            return given
        default: preconditionFailure("not a stage of this family: \(stage)")
        }
    }
}

// MARK: Pipeline-style updates

extension Pipeline {
    /// The stages an update pipeline may use, as MongoDB allows them.
    static let updateStages: Set<String> = ["$addFields", "$set", "$project", "$unset", "$replaceRoot", "$replaceWith"]

    /// A pipeline-style update (`[{$set: …}, …]`): only the stages that reshape one document.
    static func parseUpdate(_ stages: [Document]) throws(QueryError) -> Pipeline {
        for stage in stages {
            if let name = stage.first?.key, !updateStages.contains(name) {
                throw QueryError(ErrorCodes.updatePipelineStage, "\(name) is not allowed to be used within an update")
            }
        }
        return try parse(stages)
    }

    /// Runs an update pipeline over one stored document. The result keeps the document's `_id`
    /// (first, as MongoDB writes it); a pipeline that changes it is refused, as MongoDB does.
    func applyUpdate(to document: Document) throws(QueryError) -> Document {
        let out = try run([document], source: NoCollections())
        guard out.count == 1, var result = out.first else {
            throw QueryError(ErrorCodes.updatePipelineStage, "an update pipeline must leave one document")
        }
        guard let id = document["_id"] else { return result }
        if let changed = result["_id"], !Values.equal(changed, id) {
            throw QueryError(
                66, "After applying the update, the (immutable) field '_id' was found to have been altered to _id: \(changed.json(.relaxedExtended))")
        }
        result = Document([(key: "_id", value: id)] + result.elements.filter { $0.key != "_id" })
        return result
    }
}

/// An update pipeline's stages read no other collection (`parseUpdate` allows none that does).
private struct NoCollections: CollectionSource {
    func snapshot(of collection: String) -> CollectionState {
        preconditionFailure("an update pipeline read another collection: \(collection)")
    }
}
