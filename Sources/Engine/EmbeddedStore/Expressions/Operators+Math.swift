// The arithmetic operators of the expression library: `$abs`, `$ceil`, `$floor`, `$sqrt`, …
// (the list and each one's arity: Operators+Library.swift).

import BSON
import Foundation

extension Operators {
    /// nil when `name` is not one of the arithmetic operators.
    static func applyMath(_ name: String, _ values: [BSONValue?], _ v: BSONValue?) throws(QueryError) -> BSONValue?? {
        switch name {
        case "$abs", "$ceil", "$floor", "$sqrt", "$exp", "$ln", "$log10":
            guard let x = v, !x.isNull else { return .some(.null) }
            guard x.isNumber else { throw QueryError(28765, "\(name) only supports numeric types, not \(x.typeName)") }
            switch name {
            case "$abs":
                if case .int32(let i) = x { return i == Int32.min ? .int64(-Int64(i)) : .int32(abs(i)) }
                if case .int64(let i) = x { return i == Int64.min ? .double(-Double(i)) : .int64(abs(i)) }
                return .double(abs(Values.number(x)))
            case "$ceil", "$floor":
                if case .int32 = x { return x }
                if case .int64 = x { return x }
                return .double(name == "$ceil" ? Values.number(x).rounded(.up) : Values.number(x).rounded(.down))
            case "$sqrt":
                guard Values.number(x) >= 0 else { throw QueryError(28714, "$sqrt's argument must be greater than or equal to 0") }
                return .double(Values.number(x).squareRoot())
            case "$exp": return .double(Foundation.exp(Values.number(x)))
            case "$ln":
                guard Values.number(x) > 0 else { throw QueryError(28766, "$ln's argument must be a positive number, but is \(Values.number(x))") }
                return .double(Foundation.log(Values.number(x)))
            default:
                guard Values.number(x) > 0 else { throw QueryError(28761, "$log10's argument must be a positive number, but is \(Values.number(x))") }
                return .double(Foundation.log10(Values.number(x)))
            }
        case "$pow":
            guard let b = values[0], let e = values[1], !b.isNull, !e.isNull else { return .some(.null) }
            guard b.isNumber, e.isNumber else { throw QueryError(28762, "$pow's arguments must be numeric") }
            if Values.number(b) == 0 && Values.number(e) < 0 { throw QueryError(28764, "$pow cannot take a base of 0 and a negative exponent") }
            if let bi = b.int64Value, let ei = e.int64Value, !b.isDouble, !e.isDouble, ei >= 0 {
                var result: Int64 = 1
                var overflow = false
                for _ in 0..<min(ei, 64) where !overflow { (result, overflow) = result.multipliedReportingOverflow(by: bi) }
                if !overflow && ei <= 64 { return Arithmetic.integer(result, wide: b.isInt64 || e.isInt64) }
            }
            return .double(Foundation.pow(Values.number(b), Values.number(e)))
        case "$round", "$trunc":
            guard let x = values[0], !x.isNull else { return .some(.null) }
            guard x.isNumber else { throw QueryError(51081, "\(name) only supports numeric types, not \(x.typeName)") }
            let place = values.count > 1 ? Int(values[1]?.int64Value ?? 0) : 0
            guard (-20...100).contains(place) else { throw QueryError(51083, "cannot apply \(name) with precision value \(place)") }
            if place >= 0, !x.isDouble { return x }
            let scale = Foundation.pow(10.0, Double(place))
            let scaled = Values.number(x) * scale
            let rounded = name == "$round" ? scaled.rounded(.toNearestOrEven) : scaled.rounded(.towardZero)
            let result = rounded / scale
            if !x.isDouble, let i = Int64(exactly: result) { return Arithmetic.integer(i, wide: x.isInt64) }
            return .double(result)
        default:
            return nil
        }
    }
}
