// The type conversions of the expression library: `$toInt`, `$toLong`, `$toDouble`, `$toBool`, …
// (the list and each one's arity: Operators+Library.swift).

import BSON
import Foundation

extension Operators {
    /// nil when `name` is not one of the type conversions.
    static func applyConversion(_ name: String, _ values: [BSONValue?], _ v: BSONValue?) throws(QueryError) -> BSONValue?? {
        switch name {
        case "$toInt", "$toLong", "$toDouble", "$toBool", "$toDate", "$toDecimal":
            let target = ["$toInt": "int", "$toLong": "long", "$toDouble": "double", "$toBool": "bool", "$toDate": "date", "$toDecimal": "decimal"][
                name]!
            guard let x = v, !x.isNull else { return .some(.null) }
            return try convert(x, to: target)
        case "$convert":
            let args = try named(v, name, allowed: ["input", "to", "onError", "onNull", "format", "base"])
            guard let input = args["input"], !input.isNull else { return args["onNull"].map { .some($0) } ?? .some(.null) }
            let target: String
            switch args["to"] {
            case .string(let s)?: target = s
            case let n? where n.isNumber: target = Filter.typeAliases.first { Double($0.value) == Values.number(n) }?.key ?? "?"
            default: throw QueryError(50_773, "$convert's 'to' argument must be a string or number")
            }
            do {
                return .some(try convert(input, to: target))
            } catch {
                if let onError = args["onError"] { return .some(onError) }
                throw error
            }
        default:
            return nil
        }
    }
}
