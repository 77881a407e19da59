// The object operators of the expression library: `$objectToArray`, `$arrayToObject`, `$mergeObjects`, `$getField`, …
// (the list and each one's arity: Operators+Library.swift).

import BSON
import Foundation

extension Operators {
    /// nil when `name` is not one of the object operators.
    static func applyObject(_ name: String, _ values: [BSONValue?], _ v: BSONValue?) throws(QueryError) -> BSONValue?? {
        switch name {
        case "$objectToArray":
            guard let input = v, !input.isNull else { return .some(.null) }
            guard case .document(let d) = input else { throw QueryError(40390, "$objectToArray requires a document input, found: \(input.typeName)") }
            return .array(d.map { .document(["k": .string($0.key), "v": $0.value]) })
        case "$arrayToObject":
            guard let input = v, !input.isNull else { return .some(.null) }
            guard case .array(let a) = input else { throw QueryError(40386, "$arrayToObject requires an array input, found: \(input.typeName)") }
            var out = Document()
            for item in a {
                let key: BSONValue?, value: BSONValue?
                switch item {
                case .array(let pair) where pair.count == 2: (key, value) = (pair[0], pair[1])
                case .document(let d) where d.count == 2 && d["k"] != nil && d["v"] != nil: (key, value) = (d["k"], d["v"])
                default: throw QueryError(40398, "$arrayToObject requires an array of [key, value] pairs or {k, v} documents")
                }
                guard case .string(let k)? = key else { throw QueryError(40395, "$arrayToObject requires keys to be strings") }
                out[k] = value
            }
            return .document(out)
        case "$mergeObjects":
            var out = Document()
            for value in values {
                switch value {
                case nil, .null?: continue
                case .document(let d)?: for (k, x) in d { out[k] = x }
                case let other?:
                    throw QueryError(
                        40400, "$mergeObjects requires object inputs, but input \(other.json(.relaxedExtended)) is of type \(other.typeName)")
                }
            }
            return .document(out)
        case "$getField":
            // Parsed into [field name, input] (the current document when no input is given).
            guard case .string(let field)? = values[0] else { throw QueryError(3_041_704, "$getField requires 'field' to evaluate to a string") }
            guard let input = values[1], !input.isNull else { return .some(.null) }
            guard case .document(let d) = input else { return .some(nil) }
            return .some(d[field])

        case "$setField":
            // [field, input, value]; a missing value ($$REMOVE) removes the field.
            guard case .string(let field)? = values[0] else { return .some(.null) }
            guard let input = values[1], !input.isNull else { return .some(.null) }
            guard case .document(var d) = input else { throw QueryError(4_161_105, "$setField requires 'input' to evaluate to an object") }
            if let value = values[2] { d[field] = value } else { d.removeValue(forKey: field) }
            return .document(d)
        default:
            return nil
        }
    }
}
