// The array and set operators of the expression library: `$reverseArray`, `$range`, `$slice`, `$indexOfArray`, …
// (the list and each one's arity: Operators+Library.swift).

import BSON
import Foundation

extension Operators {
    /// nil when `name` is not one of the array and set operators.
    static func applyArray(_ name: String, _ values: [BSONValue?], _ v: BSONValue?) throws(QueryError) -> BSONValue?? {
        switch name {
        case "$reverseArray":
            guard let input = v, !input.isNull else { return .some(.null) }
            guard case .array(let a) = input else {
                throw QueryError(34435, "The argument to $reverseArray must be an array, but was of type: \(input.typeName)")
            }
            return .array(a.reversed())
        case "$range":
            guard let start = values[0]?.int64Value, let end = values[1]?.int64Value else {
                throw QueryError(34443, "$range requires a numeric starting value")
            }
            let step = values.count > 2 ? (values[2]?.int64Value ?? 1) : 1
            guard step != 0 else { throw QueryError(34449, "$range requires a non-zero step value") }
            // MongoDB's bounds: 32-bit values (so `i += step` cannot overflow), and a bounded array.
            guard Int32(exactly: start) != nil else {
                throw QueryError(34444, "$range requires a starting value that can be represented as a 32-bit integer")
            }
            guard Int32(exactly: end) != nil else {
                throw QueryError(34446, "$range requires an ending value that can be represented as a 32-bit integer")
            }
            guard Int32(exactly: step) != nil else {
                throw QueryError(34448, "$range requires a step value that can be represented as a 32-bit integer")
            }
            guard (end - start) / step <= Self.maxRange else {
                throw QueryError(146, "$range would make an array of more than \(Self.maxRange) values (ExceededMemoryLimit)")
            }
            var out: [BSONValue] = []
            var i = start
            while step > 0 ? i < end : i > end {
                out.append(.int32(Int32(i)))
                i += step
            }
            return .array(out)
        case "$slice":
            guard let input = values[0], !input.isNull else { return .some(.null) }
            guard case .array(let a) = input else {
                throw QueryError(28724, "First argument to $slice must be an array, but is of type: \(input.typeName)")
            }
            guard let first = values[1]?.int64Value else { throw QueryError(28725, "Second argument to $slice must be a numeric value") }
            if values.count == 2 {
                return .array(
                    first >= 0 ? Array(a.prefix(Int(min(first, Int64(a.count))))) : Array(a.suffix(Int(min(first.magnitude, UInt64(a.count))))))
            }
            guard let n = values[2]?.int64Value, n > 0 else { throw QueryError(28729, "Third argument to $slice must be positive") }
            let start = first >= 0 ? min(Int(first), a.count) : max(0, a.count + Int(max(first, -Int64(a.count))))
            return .array(Array(a[start..<min(a.count, start + Int(min(n, Int64(a.count))))]))
        case "$indexOfArray":
            guard let input = values[0], !input.isNull else { return .some(.null) }
            guard case .array(let a) = input else {
                throw QueryError(40090, "$indexOfArray requires an array as a first argument, found: \(input.typeName)")
            }
            let start = values.count > 2 ? Int(values[2]?.int64Value ?? 0) : 0
            let end = values.count > 3 ? min(a.count, Int(values[3]?.int64Value ?? Int64(a.count))) : a.count
            guard start >= 0 else { throw QueryError(40097, "$indexOfArray requires a nonnegative start index") }
            var i = start
            while i < end {
                if compareMissingLow(a[i], values[1]) == 0 { return .int32(Int32(i)) }
                i += 1
            }
            return .int32(-1)
        case "$zip":
            let args = try named(v, name, allowed: ["inputs", "useLongestLength", "defaults"])
            guard case .array(let inputs)? = args["inputs"] else { throw QueryError(34461, "inputs must be an array of expressions") }
            var arrays: [[BSONValue]] = []
            for input in inputs {
                if input.isNull { return .some(.null) }
                guard case .array(let a) = input else { throw QueryError(34468, "$zip found a non-array expression in input: \(input.typeName)") }
                arrays.append(a)
            }
            let longest = Values.truthy(args["useLongestLength"])
            var defaults: [BSONValue] = Array(repeating: .null, count: arrays.count)
            if case .array(let d)? = args["defaults"] {
                guard longest, d.count == arrays.count else {
                    throw QueryError(34466, "cannot specify defaults unless useLongestLength is true, and as many as the inputs")
                }
                defaults = d
            }
            let count = arrays.isEmpty ? 0 : (longest ? arrays.map(\.count).max()! : arrays.map(\.count).min()!)
            return .array((0..<count).map { i in .array(arrays.indices.map { j in i < arrays[j].count ? arrays[j][i] : defaults[j] }) })
        case "$setUnion", "$setIntersection", "$setDifference", "$setEquals", "$setIsSubset":
            var sets: [[BSONValue]] = []
            for value in values {
                if value == nil || value == .null {
                    if name == "$setUnion" || name == "$setIntersection" || name == "$setDifference" { return .some(.null) }
                    throw QueryError(17044, "All operands of \(name) must be arrays. One argument is of type: missing")
                }
                guard case .array(let a)? = value else {
                    throw QueryError(17044, "All operands of \(name) must be arrays. One argument is of type: \(typeName(value))")
                }
                sets.append(distinct(a))
            }
            let keys = sets.map { Set($0.map { ValueKey($0) }) }
            switch name {
            case "$setUnion": return .array(distinct(sets.flatMap { $0 }))
            case "$setIntersection":
                guard let first = sets.first else { return .array([]) }
                return .array(first.filter { e in keys.allSatisfy { $0.contains(ValueKey(e)) } })
            case "$setDifference": return .array(sets[0].filter { !keys[1].contains(ValueKey($0)) })
            case "$setEquals": return .bool(keys.dropFirst().allSatisfy { $0 == keys[0] })
            default: return .bool(keys[0].isSubset(of: keys[1]))
            }
        case "$anyElementTrue", "$allElementsTrue":
            guard case .array(let a)? = v else { throw QueryError(5_159_200, "\(name)'s argument must be an array, but is \(typeName(v))") }
            return .bool(name == "$anyElementTrue" ? a.contains(where: Values.truthy) : a.allSatisfy(Values.truthy))
        case "$sortArray":
            let args = try named(v, name, allowed: ["input", "sortBy"])
            guard let input = args["input"], !input.isNull else { return .some(.null) }
            guard case .array(let a) = input else { throw QueryError(2, "$sortArray requires an array as input, found: \(input.typeName)") }
            switch args["sortBy"] {
            case let n? where n.isNumber && (n.doubleValue == 1 || n.doubleValue == -1):
                let ascending = n.doubleValue == 1
                return .array(
                    a.enumerated().sorted { x, y in
                        let c = Values.compare(x.element, y.element)
                        return c != 0 ? (ascending ? c < 0 : c > 0) : x.offset < y.offset
                    }.map(\.element))
            case .document(let spec)?:
                let sort = try SortSpec.parse(spec)
                let docs = a.map { $0.documentValue ?? [:] }
                return .array(sort.sorted(docs).map(BSONValue.document))
            default:
                throw QueryError(2, "$sortArray requires sortBy to be 1, -1 or a sort specification")
            }
        case "$firstN", "$lastN", "$maxN", "$minN":
            let args = try named(v, name, allowed: ["n", "input"])
            guard let n = args["n"]?.int64Value, n > 0 else { throw QueryError(5_787_908, "\(name): 'n' must be a positive whole number") }
            guard let input = args["input"], !input.isNull else { return .some(.null) }
            guard case .array(let a) = input else { throw QueryError(5_788_200, "\(name): 'input' must be an array, found \(input.typeName)") }
            switch name {
            case "$firstN": return .array(Array(a.prefix(Int(n))))
            case "$lastN": return .array(Array(a.suffix(Int(n))))
            default:
                let kept = a.filter { !$0.isNull && $0 != .undefined }
                let sorted = kept.sorted { x, y in name == "$maxN" ? Values.compare(x, y) > 0 : Values.compare(x, y) < 0 }
                return .array(Array(sorted.prefix(Int(n))))
            }
        default:
            return nil
        }
    }
}
