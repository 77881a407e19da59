// $out and $merge: the last stage, which writes the pipeline's results to a collection. Parsing
// checks the options here; EmbeddedCollection does the write, so running the stage passes the
// documents through. Pipeline.swift parses a stage by name and runs it by kind; it sends these here.

import BSON

extension Pipeline {
    static func parseOutput(_ name: String, _ spec: BSONValue) throws(QueryError) -> Stage {
        switch name {
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
        default: preconditionFailure("not a stage of this family: \(name)")
        }
    }

    static func applyOutput(_ stage: Stage, _ docs: [Document], _ source: any CollectionSource, _ variables: [String: BSONValue]) throws(QueryError)
        -> [Document]
    {
        switch stage {
        case .write:
            return docs  // written by the collection once the rest of the pipeline has run
        default: preconditionFailure("not a stage of this family: \(stage)")
        }
    }
}
