// The string operators of the expression library: `$split`, `$strLenCP`, `$strLenBytes`, `$substrCP`, …
// (the list and each one's arity: Operators+Library.swift).

import BSON
import Foundation

extension Operators {
    /// nil when `name` is not one of the string operators.
    static func applyString(_ name: String, _ values: [BSONValue?], _ v: BSONValue?) throws(QueryError) -> BSONValue?? {
        switch name {
        case "$split":
            guard let s = values[0], let d = values[1], !s.isNull, !d.isNull else { return .some(.null) }
            guard case .string(let text) = s else {
                throw QueryError(40085, "$split requires an expression that evaluates to a string as a first argument, found: \(s.typeName)")
            }
            guard case .string(let delimiter) = d else {
                throw QueryError(40086, "$split requires an expression that evaluates to a string as a second argument, found: \(d.typeName)")
            }
            guard !delimiter.isEmpty else { throw QueryError(40087, "$split requires a non-empty separator") }
            return .array(text.components(separatedBy: delimiter).map { .string($0) })
        case "$strLenCP", "$strLenBytes":
            guard case .string(let s)? = v else {
                throw QueryError(name == "$strLenCP" ? 34471 : 34473, "\(name) requires a string argument, found: \(typeName(v))")
            }
            return .int32(Int32(name == "$strLenCP" ? s.unicodeScalars.count : s.utf8.count))
        case "$substrCP", "$substr":
            guard let input = values[0], !input.isNull else { return .some("") }
            let scalars = Array(stringValue(input).unicodeScalars)
            guard let start = values[1]?.int64Value, let length = values[2]?.int64Value else {
                throw QueryError(34450, "\(name): starting index and length must be numeric")
            }
            guard start >= 0 else { throw QueryError(34455, "\(name): the starting index must be nonnegative integer.") }
            let from = min(Int(start), scalars.count)
            let to = length < 0 ? scalars.count : min(scalars.count, from + Int(min(length, Int64(Int32.max))))
            var out = String.UnicodeScalarView()
            out.append(contentsOf: scalars[from..<to])
            return .string(String(out))
        case "$indexOfCP":
            guard let input = values[0], !input.isNull else { return .some(.null) }
            guard case .string(let s) = input else {
                throw QueryError(40093, "$indexOfCP requires a string as the first argument, found: \(input.typeName)")
            }
            guard case .string(let find)? = values[1] else { throw QueryError(40094, "$indexOfCP requires a string as the second argument") }
            let hay = Array(s.unicodeScalars), needle = Array(find.unicodeScalars)
            // A start past the end finds nothing, whatever its size (clamped so `i + needle.count` cannot overflow).
            let start = values.count > 2 ? Int(Swift.min(values[2]?.int64Value ?? 0, Int64(hay.count + 1))) : 0
            let end = values.count > 3 ? min(hay.count, Int(values[3]?.int64Value ?? Int64(hay.count))) : hay.count
            guard start >= 0 else { throw QueryError(40097, "$indexOfCP requires a nonnegative start index") }
            if needle.isEmpty { return .int32(Int32(start <= end ? start : -1)) }
            var i = start
            while i + needle.count <= end {
                if Array(hay[i..<(i + needle.count)]) == needle { return .int32(Int32(i)) }
                i += 1
            }
            return .int32(-1)
        case "$trim", "$ltrim", "$rtrim":
            let args = try named(v, name, allowed: ["input", "chars"])
            guard let input = args["input"], !input.isNull else { return .some(.null) }
            guard case .string(let s) = input else { throw QueryError(50699, "\(name) requires its input to be a string, got \(input.typeName)") }
            var set = CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: "\0"))
            if let chars = args["chars"], !chars.isNull {
                guard case .string(let c) = chars else { throw QueryError(50700, "\(name) requires 'chars' to be a string") }
                set = CharacterSet(charactersIn: c)
            }
            var scalars = Substring(s).unicodeScalars[...]
            if name != "$rtrim" { while let f = scalars.first, set.contains(f) { scalars = scalars.dropFirst() } }
            if name != "$ltrim" { while let l = scalars.last, set.contains(l) { scalars = scalars.dropLast() } }
            return .string(String(String.UnicodeScalarView(scalars)))
        case "$replaceOne", "$replaceAll":
            let args = try named(v, name, allowed: ["input", "find", "replacement"])
            guard let input = args["input"], let find = args["find"], let replacement = args["replacement"] else { return .some(.null) }
            if input.isNull || find.isNull || replacement.isNull { return .some(.null) }
            guard case .string(let s) = input, case .string(let f) = find, case .string(let r) = replacement else {
                throw QueryError(51746, "\(name) requires that 'input', 'find' and 'replacement' be strings")
            }
            if name == "$replaceAll" { return .string(f.isEmpty ? s : s.replacingOccurrences(of: f, with: r)) }
            guard let range = s.range(of: f) else { return .string(s) }
            return .string(s.replacingCharacters(in: range, with: r))
        case "$regexMatch", "$regexFind", "$regexFindAll":
            return try regex(name, v)
        case "$strcasecmp":
            let a = values[0].map(stringValue)?.uppercased() ?? "", b = values[1].map(stringValue)?.uppercased() ?? ""
            return .int32(a < b ? -1 : (a == b ? 0 : 1))
        default:
            return nil
        }
    }
}
