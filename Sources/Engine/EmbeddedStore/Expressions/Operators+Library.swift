// The rest of the everyday expression operators, by family: strings, arrays and sets, objects,
// math, conversions, and dates (UTC, or the `timezone` given). Operators that take named
// arguments (`{input: ..., chars: ...}`) receive them as one evaluated document.

import BSON
import Foundation

extension Operators {
    static let library: Set<String> = [
        // strings
        "$split", "$strLenCP", "$strLenBytes", "$substrCP", "$substr", "$indexOfCP", "$trim", "$ltrim", "$rtrim", "$replaceOne", "$replaceAll",
        "$regexMatch", "$regexFind", "$regexFindAll", "$strcasecmp",
        // arrays and sets
        "$reverseArray", "$range", "$slice", "$indexOfArray", "$zip", "$setUnion", "$setIntersection", "$setDifference", "$setEquals",
        "$setIsSubset", "$anyElementTrue", "$allElementsTrue", "$sortArray", "$firstN", "$lastN", "$maxN", "$minN",
        // objects
        "$objectToArray", "$arrayToObject", "$mergeObjects", "$getField", "$setField",
        // math
        "$abs", "$ceil", "$floor", "$sqrt", "$exp", "$ln", "$log10", "$pow", "$round", "$trunc",
        // conversions
        "$toInt", "$toLong", "$toDouble", "$toBool", "$toDate", "$toDecimal", "$convert",
        // dates
        "$year", "$month", "$dayOfMonth", "$hour", "$minute", "$second", "$millisecond", "$dayOfWeek", "$dayOfYear", "$week",
        "$isoWeek", "$isoWeekYear", "$isoDayOfWeek",
        "$dateToString", "$dateFromString", "$dateAdd", "$dateSubtract", "$dateDiff", "$dateTrunc",
    ]

    static let libraryArity: [String: ClosedRange<Int>] = [
        "$split": 2...2, "$strLenCP": 1...1, "$strLenBytes": 1...1, "$substrCP": 3...3, "$substr": 3...3, "$indexOfCP": 2...4,
        "$strcasecmp": 2...2, "$reverseArray": 1...1, "$range": 2...3, "$slice": 2...3, "$indexOfArray": 2...4, "$setEquals": 2...100,
        "$setIsSubset": 2...2, "$setDifference": 2...2, "$anyElementTrue": 1...1, "$allElementsTrue": 1...1, "$objectToArray": 1...1,
        "$arrayToObject": 1...1, "$abs": 1...1, "$ceil": 1...1, "$floor": 1...1, "$sqrt": 1...1, "$exp": 1...1, "$ln": 1...1,
        "$log10": 1...1, "$pow": 2...2, "$round": 1...2, "$trunc": 1...2, "$toInt": 1...1, "$toLong": 1...1, "$toDouble": 1...1,
        "$toBool": 1...1, "$toDate": 1...1, "$toDecimal": 1...1,
    ]

    /// The most values `$range` makes (about 12 MB of BSON: a document may hold 16).
    static let maxRange: Int64 = 1_000_000
    /// The most units `$dateAdd` moves by (about 300 million years in milliseconds, past any date).
    static let maxDateSteps = 10_000_000_000_000_000
    /// Milliseconds since 1970 of year 0 and of year 10000 (UTC): `$dateToString`'s range.
    static let yearZero: Double = -62_167_219_200_000, yearTenThousand: Double = 253_402_300_800_000

    /// A date as BSON's milliseconds since 1970; nil when it lies past what 64 bits hold.
    static func milliseconds(_ date: Date) -> Int64? {
        Int64(exactly: (date.timeIntervalSince1970 * 1000).rounded())
    }

    /// nil when `name` is not one of these operators.
    static func applyLibrary(_ name: String, _ values: [BSONValue?]) throws(QueryError) -> BSONValue?? {
        guard library.contains(name) else { return nil }
        let v = values.first ?? nil
        switch name {
        // MARK: Strings
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

        // MARK: Arrays and sets
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

        // MARK: Objects
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

        // MARK: Math
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

        // MARK: Conversions
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

        // MARK: Dates
        case "$isoWeek", "$isoWeekYear", "$isoDayOfWeek":
            let (date, zone) = try dateArgument(v, name)
            guard let date else { return .some(.null) }
            var iso = Calendar(identifier: .iso8601)
            iso.timeZone = zone
            switch name {
            case "$isoWeek": return .int32(Int32(iso.component(.weekOfYear, from: date)))
            case "$isoWeekYear": return .int64(Int64(iso.component(.yearForWeekOfYear, from: date)))
            default: return .int32(Int32((iso.component(.weekday, from: date) + 5) % 7 + 1))  // Monday 1 ... Sunday 7
            }
        case "$year", "$month", "$dayOfMonth", "$hour", "$minute", "$second", "$millisecond", "$dayOfWeek", "$dayOfYear", "$week":
            let (date, zone) = try dateArgument(v, name)
            guard let date else { return .some(.null) }
            let c = calendar(zone).dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
            let ms = Int(((date.timeIntervalSince1970 * 1000).rounded(.down)).truncatingRemainder(dividingBy: 1000) + 1000) % 1000
            switch name {
            case "$year": return .int32(Int32(c.year!))
            case "$month": return .int32(Int32(c.month!))
            case "$dayOfMonth": return .int32(Int32(c.day!))
            case "$hour": return .int32(Int32(c.hour!))
            case "$minute": return .int32(Int32(c.minute!))
            case "$second": return .int32(Int32(c.second!))
            case "$millisecond": return .int32(Int32(ms))
            case "$dayOfWeek": return .int32(Int32(c.weekday!))
            case "$dayOfYear": return .int32(Int32(calendar(zone).ordinality(of: .day, in: .year, for: date)!))
            default: return .int32(Int32(week(of: date, zone)))
            }
        case "$dateToString":
            let args = try named(v, name, allowed: ["date", "format", "timezone", "onNull"])
            guard let value = args["date"], !value.isNull else { return .some(args["onNull"] ?? .null) }
            let zone = try timezone(args["timezone"])
            guard let date = dateValue(value) else { throw QueryError(16006, "can't convert from BSON type \(value.typeName) to Date") }
            guard (Self.yearZero..<Self.yearTenThousand).contains(date.timeIntervalSince1970 * 1000) else {
                throw QueryError(18537, "Could not convert date to string: date component was outside the supported range of 0-9999")
            }
            var format = "%Y-%m-%dT%H:%M:%S.%LZ"
            if let f = args["format"] {
                guard case .string(let s) = f else { throw QueryError(18533, "$dateToString requires that 'format' be a string") }
                format = s
            }
            return .string(try formatDate(date, format, zone))
        case "$dateFromString":
            let args = try named(v, name, allowed: ["dateString", "format", "timezone", "onError", "onNull"])
            guard let input = args["dateString"], !input.isNull else { return .some(args["onNull"] ?? .null) }
            guard case .string(let text) = input else {
                if let onError = args["onError"] { return .some(onError) }
                throw QueryError(241, "$dateFromString requires that 'dateString' be a string, found: \(input.typeName)")
            }
            let zone = try timezone(args["timezone"])
            if let date = parseDate(text, format: args["format"]?.stringValue, zone) {
                return .datetime(BSONDate(millisecondsSince1970: Int64((date.timeIntervalSince1970 * 1000).rounded())))
            }
            if let onError = args["onError"] { return .some(onError) }
            throw QueryError(241, "Error parsing date string '\(text)'")
        case "$dateAdd", "$dateSubtract":
            let args = try named(v, name, allowed: ["startDate", "unit", "amount", "timezone"])
            guard let start = args["startDate"], let unit = args["unit"], let amount = args["amount"] else { return .some(.null) }
            if start.isNull || unit.isNull || amount.isNull { return .some(.null) }
            guard let date = dateValue(start) else { throw QueryError(5_166_403, "\(name) requires startDate to be convertible to a date") }
            guard let n = amount.int64Value, amount.doubleValue == amount.doubleValue?.rounded() else {
                throw QueryError(5_166_405, "\(name) expects integer amount of time units")
            }
            let component = try calendarUnit(unit, name)
            let zone = try timezone(args["timezone"])
            let (field, scale) = component
            // Checked: an amount like 2^62 years overflows the arithmetic, and then the date range.
            let signed = name == "$dateSubtract" ? (n == .min ? nil : -n) : n
            guard let signed, case let (step, overflow) = Int(signed).multipliedReportingOverflow(by: scale), !overflow,
                abs(step) <= Self.maxDateSteps
            else { throw QueryError(5_166_406, "\(name) overflowed") }
            let moved: Date?
            if field == .nanosecond {
                moved = date.addingTimeInterval(Double(step) / 1000)
            } else {
                moved = calendar(zone).date(byAdding: field, value: step, to: date)
            }
            guard let moved, let milliseconds = Self.milliseconds(moved) else { throw QueryError(5_166_406, "\(name) overflowed") }
            return .datetime(BSONDate(millisecondsSince1970: milliseconds))
        case "$dateDiff":
            let args = try named(
                v, name, allowed: ["startDate", "endDate", "unit", "timezone", "startOfWeek"])
            guard let s = args["startDate"], let e = args["endDate"], let unit = args["unit"], !s.isNull, !e.isNull, !unit.isNull else {
                return .some(.null)
            }
            guard let start = dateValue(s), let end = dateValue(e) else {
                throw QueryError(5_166_307, "$dateDiff requires startDate and endDate to be dates")
            }
            let zone = try timezone(args["timezone"])
            let (field, scale) = try calendarUnit(unit, name)
            if field == .nanosecond || field == .second || field == .minute || field == .hour || field == .day {
                let a = try truncate(start, unit: unit, zone), b = try truncate(end, unit: unit, zone)
                let perUnit: Double = field == .nanosecond ? 0.001 : field == .second ? 1 : field == .minute ? 60 : field == .hour ? 3600 : 86400
                if field == .day {
                    guard let days = calendar(zone).dateComponents([.day], from: a, to: b).day else {
                        throw QueryError(5_166_309, "$dateDiff overflowed")
                    }
                    return .int64(Int64(days))
                }
                guard let units = Int64(exactly: ((b.timeIntervalSince1970 - a.timeIntervalSince1970) / perUnit).rounded()) else {
                    throw QueryError(5_166_309, "$dateDiff overflowed")
                }
                return .int64(units)
            }
            let a = try truncate(start, unit: unit, zone), b = try truncate(end, unit: unit, zone)
            if field == .weekOfYear {
                guard let weeks = Int64(exactly: ((b.timeIntervalSince1970 - a.timeIntervalSince1970) / 604_800).rounded()) else {
                    throw QueryError(5_166_309, "$dateDiff overflowed")
                }
                return .int64(weeks)
            }
            let ca = calendar(zone).dateComponents([.year, .month], from: a), cb = calendar(zone).dateComponents([.year, .month], from: b)
            guard let ya = ca.year, let yb = cb.year, let ma = ca.month, let mb = cb.month else {
                throw QueryError(5_166_309, "$dateDiff overflowed")
            }
            let months = (yb - ya) * 12 + (mb - ma)
            return .int64(Int64(months / scale))
        case "$dateTrunc":
            let args = try named(v, name, allowed: ["date", "unit", "binSize", "timezone", "startOfWeek"])
            guard let d = args["date"], let unit = args["unit"], !d.isNull, !unit.isNull else { return .some(.null) }
            guard let date = dateValue(d) else { throw QueryError(5_439_012, "$dateTrunc requires 'date' to be a date") }
            var binSize: Int64 = 1
            if let bin = args["binSize"] {
                guard bin.isNumber, let n = bin.int64Value, n > 0 else {
                    throw QueryError(5_439_017, "$dateTrunc requires 'binSize' to be a positive integer")
                }
                binSize = n
            }
            let zone = try timezone(args["timezone"])
            var truncated = try truncate(date, unit: unit, zone)
            if binSize > 1 {
                // Bins count from 2000-01-01T00:00:00 in the time zone, as MongoDB's do.
                let c = calendar(zone)
                // (weeks from the first Sunday, 2000-01-02, as with the default startOfWeek)
                let reference = c.date(from: DateComponents(year: 2000, month: 1, day: unit.stringValue == "week" ? 2 : 1))!
                let (field, scale) = try calendarUnit(unit, name)
                if field == .month {
                    let months = c.dateComponents([.month], from: reference, to: truncated).month! / scale
                    let binned = Int((Double(months) / Double(binSize)).rounded(.down)) * Int(binSize) * scale
                    truncated = c.date(byAdding: .month, value: binned, to: reference)!
                } else {
                    let seconds: [String: Double] = ["millisecond": 0.001, "second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604_800]
                    let width = (seconds[unit.stringValue ?? ""] ?? 1) * Double(binSize)
                    let elapsed = truncated.timeIntervalSince(reference)
                    truncated = reference.addingTimeInterval((elapsed / width).rounded(.down) * width)
                }
            }
            guard let milliseconds = Self.milliseconds(truncated) else { throw QueryError(5_439_018, "$dateTrunc overflowed") }
            return .datetime(BSONDate(millisecondsSince1970: milliseconds))
        default:
            return nil
        }
    }

    // MARK: Helpers

    /// A named-argument operator's document, checked for unknown fields.
    /// An argument the caller needs but the document lacks evaluated to a missing field: the
    /// callers read it as null, as MongoDB does.
    static func named(_ value: BSONValue?, _ name: String, allowed: Set<String>) throws(QueryError) -> Document {
        guard case .document(let d)? = value else { throw QueryError(5_173_600, "\(name) expects an object of named arguments") }
        if let unknown = d.keys.first(where: { !allowed.contains($0) }) {
            throw QueryError(5_173_601, "\(name) found an unknown argument: \(unknown)")
        }
        return d
    }

    /// The array's distinct elements, in order of first appearance.
    static func distinct(_ items: [BSONValue]) -> [BSONValue] {
        var seen = Set<ValueKey>()
        return items.filter { seen.insert(ValueKey($0)).inserted }
    }

    private static func regex(_ name: String, _ value: BSONValue?) throws(QueryError) -> BSONValue? {
        let args = try named(value, name, allowed: ["input", "regex", "options"])
        var pattern = "", flags = args["options"]?.stringValue ?? ""
        switch args["regex"] {
        case .string(let p)?: pattern = p
        case .regex(let r)?:
            pattern = r.pattern
            if !r.options.isEmpty {
                if !flags.isEmpty { throw QueryError(51075, "\(name): regex options specified in both 'regex' and 'options'") }
                flags = r.options
            }
        case nil, .null?: return name == "$regexMatch" ? false : (name == "$regexFind" ? .null : .array([]))
        default: throw QueryError(51105, "\(name) needs 'regex' to be of type string or regex")
        }
        guard case .string(let input)? = args["input"] else {
            if args["input"] == nil || args["input"] == .null { return name == "$regexMatch" ? false : (name == "$regexFind" ? .null : .array([])) }
            throw QueryError(51104, "\(name) needs 'input' to be of type string")
        }
        let compiled: Pattern
        do { compiled = try Pattern(pattern, options: flags) } catch .invalidFlag(let f) {
            throw QueryError(51108, "\(name) invalid flag in regex options: \(f)")
        } catch {
            throw QueryError(51111, "\(name): invalid regular expression \(pattern)")
        }
        let utf8 = Array(input.utf8)
        func text(_ range: Range<Int>) -> String { String(decoding: utf8[range], as: UTF8.self) }
        func describe(_ m: Pattern.Match) -> BSONValue {
            // idx counts code points, as MongoDB's does: the lead bytes before the match.
            let offset = utf8[..<m.range.lowerBound].reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
            let captures: [BSONValue] = m.groups.map { $0.map { .string(text($0)) } ?? .null }
            return ["match": .string(text(m.range)), "idx": .int32(Int32(offset)), "captures": .array(captures)]
        }
        switch name {
        case "$regexMatch": return .bool(try compiled.first(in: input) != nil)
        case "$regexFind": return try compiled.first(in: input).map(describe) ?? .null
        default: return .array(try compiled.all(in: input).map(describe))
        }
    }

    static func convert(_ x: BSONValue, to target: String) throws(QueryError) -> BSONValue {
        func fail() -> QueryError { QueryError(241, "Unsupported conversion from \(x.typeName) to \(target) in $convert with no onError value") }
        switch target {
        case "int", "long":
            let wide = target == "long"
            switch x {
            case .bool(let b): return wide ? .int64(b ? 1 : 0) : .int32(b ? 1 : 0)
            case .int32(let i): return wide ? .int64(Int64(i)) : x
            case .int64(let i):
                if wide { return x }
                guard let n = Int32(exactly: i) else {
                    throw QueryError(241, "Conversion would overflow target type in $convert with no onError value: \(i)")
                }
                return .int32(n)
            case .double(let d):
                guard d.isFinite, let n = Int64(exactly: d.rounded(.towardZero)) else {
                    throw QueryError(241, "Conversion would overflow target type in $convert with no onError value: \(d)")
                }
                if wide { return .int64(n) }
                guard let i = Int32(exactly: n) else {
                    throw QueryError(241, "Conversion would overflow target type in $convert with no onError value: \(d)")
                }
                return .int32(i)
            case .string(let s):
                guard let n = Int64(s.trimmingCharacters(in: .whitespaces)) else {
                    throw QueryError(241, "Failed to parse number '\(s)' in $convert with no onError value")
                }
                if wide { return .int64(n) }
                guard let i = Int32(exactly: n) else {
                    throw QueryError(241, "Failed to parse number '\(s)' in $convert with no onError value: Overflow")
                }
                return .int32(i)
            case .datetime(let d) where wide: return .int64(d.millisecondsSince1970)
            default: throw fail()
            }
        case "double":
            switch x {
            case .bool(let b): return .double(b ? 1 : 0)
            case _ where x.isNumber: return .double(Values.number(x))
            case .string(let s):
                guard let d = Double(s.trimmingCharacters(in: .whitespaces)) else {
                    throw QueryError(241, "Failed to parse number '\(s)' in $convert with no onError value")
                }
                return .double(d)
            case .datetime(let d): return .double(Double(d.millisecondsSince1970))
            default: throw fail()
            }
        case "bool":
            switch x {
            case .bool: return x
            case _ where x.isNumber: return .bool(Values.number(x) != 0)
            default: return .bool(true)  // strings, objects, arrays, dates... are true
            }
        case "string": return .string(stringValue(x))
        case "date":
            switch x {
            case .datetime: return x
            case .int64(let ms): return .datetime(BSONDate(millisecondsSince1970: ms))
            case .double(let d):
                guard d.isFinite, let ms = Int64(exactly: d.rounded(.towardZero)) else { throw fail() }
                return .datetime(BSONDate(millisecondsSince1970: ms))
            case .objectId(let o): return .datetime(o.timestamp)
            case .string(let s):
                guard let date = parseDate(s, format: nil, TimeZone(identifier: "UTC")!) else {
                    throw QueryError(241, "Error parsing date string '\(s)'")
                }
                return .datetime(BSONDate(millisecondsSince1970: Int64((date.timeIntervalSince1970 * 1000).rounded())))
            default: throw fail()
            }
        case "decimal":
            switch x {
            case .decimal128: return x
            case .bool(let b): return .decimal128(BSONDecimal128(b ? "1" : "0")!)
            case .int32(let i): return .decimal128(BSONDecimal128(String(i))!)
            case .int64(let i): return .decimal128(BSONDecimal128(String(i))!)
            case .double(let d):
                guard let dec = BSONDecimal128(d.description) else { throw fail() }
                return .decimal128(dec)
            case .string(let s):
                guard let dec = BSONDecimal128(s.trimmingCharacters(in: .whitespaces)) else {
                    throw QueryError(241, "Failed to parse number '\(s)' in $convert with no onError value")
                }
                return .decimal128(dec)
            case .datetime(let d): return .decimal128(BSONDecimal128(String(d.millisecondsSince1970))!)
            default: throw fail()
            }
        case "objectId":
            guard case .string(let s) = x, let o = ObjectId(s) else {
                if case .objectId = x { return x }
                throw fail()
            }
            return .objectId(o)
        default:
            throw QueryError(2, "Unknown type name: \(target)")
        }
    }

    // Dates

    static func calendar(_ zone: TimeZone) -> Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = zone
        c.firstWeekday = 1
        return c
    }

    static func timezone(_ value: BSONValue?) throws(QueryError) -> TimeZone {
        guard let value, !value.isNull else { return TimeZone(identifier: "UTC")! }
        guard case .string(let name) = value else { throw QueryError(40517, "timezone must evaluate to a string, found \(value.typeName)") }
        if let zone = TimeZone(identifier: name) { return zone }
        // "+05:30", "-0800", "+03"
        let digits = name.dropFirst().filter(\.isNumber)
        if let sign = name.first, sign == "+" || sign == "-", [2, 4].contains(digits.count), let n = Int(digits) {
            let seconds = (digits.count == 2 ? n * 3600 : (n / 100) * 3600 + (n % 100) * 60) * (sign == "-" ? -1 : 1)
            if let zone = TimeZone(secondsFromGMT: seconds) { return zone }
        }
        throw QueryError(40485, "unrecognized time zone identifier: \"\(name)\"")
    }

    static func dateValue(_ value: BSONValue) -> Date? {
        switch value {
        case .datetime(let d): return Date(timeIntervalSince1970: Double(d.millisecondsSince1970) / 1000)
        case .objectId(let o): return Date(timeIntervalSince1970: Double(o.timestampSeconds))
        case .timestamp(let t): return Date(timeIntervalSince1970: Double(t.seconds))
        default: return nil
        }
    }

    /// A date operator's argument: a date, or {date, timezone}.
    static func dateArgument(_ value: BSONValue?, _ name: String) throws(QueryError) -> (Date?, TimeZone) {
        switch value {
        case nil, .null?, .undefined?: return (nil, TimeZone(identifier: "UTC")!)
        case .document(let d)? where d["date"] != nil:
            let zone = try timezone(d["timezone"])
            guard let date = d["date"], !date.isNull else { return (nil, zone) }
            guard let parsed = dateValue(date) else { throw QueryError(16006, "can't convert from BSON type \(date.typeName) to Date") }
            return (parsed, zone)
        case let v?:
            guard let parsed = dateValue(v) else { throw QueryError(16006, "can't convert from BSON type \(v.typeName) to Date") }
            return (parsed, TimeZone(identifier: "UTC")!)
        }
    }

    /// `$week`: weeks start on Sunday; days before the year's first Sunday are week 0.
    static func week(of date: Date, _ zone: TimeZone) -> Int {
        let c = calendar(zone)
        let dayOfYear = c.ordinality(of: .day, in: .year, for: date)! - 1
        let weekday = c.component(.weekday, from: date) - 1  // 0 = Sunday
        return (dayOfYear - weekday + 7) / 7
    }

    static func calendarUnit(_ unit: BSONValue, _ name: String) throws(QueryError) -> (Calendar.Component, Int) {
        switch unit.stringValue {
        case "year": return (.month, 12)
        case "quarter": return (.month, 3)
        case "month": return (.month, 1)
        case "week": return (.weekOfYear, 1)
        case "day": return (.day, 1)
        case "hour": return (.hour, 1)
        case "minute": return (.minute, 1)
        case "second": return (.second, 1)
        case "millisecond": return (.nanosecond, 1)
        default: throw QueryError(5_439_014, "\(name): unknown time unit value: \(unit.json(.relaxedExtended))")
        }
    }

    /// The start of the `unit` that holds `date` (weeks start on Sunday).
    static func truncate(_ date: Date, unit: BSONValue, _ zone: TimeZone) throws(QueryError) -> Date {
        let c = calendar(zone)
        switch unit.stringValue {
        case "millisecond": return Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        case "second": return c.dateInterval(of: .second, for: date)!.start
        case "minute": return c.dateInterval(of: .minute, for: date)!.start
        case "hour": return c.dateInterval(of: .hour, for: date)!.start
        case "day": return c.startOfDay(for: date)
        case "week": return c.dateInterval(of: .weekOfYear, for: date)!.start
        case "month": return c.dateInterval(of: .month, for: date)!.start
        case "quarter":
            let month = c.component(.month, from: date)
            let start = c.dateInterval(of: .year, for: date)!.start
            return c.date(byAdding: .month, value: (month - 1) / 3 * 3, to: start)!
        case "year": return c.dateInterval(of: .year, for: date)!.start
        default: throw QueryError(5_439_014, "unknown time unit value: \(unit.json(.relaxedExtended))")
        }
    }

    static func formatDate(_ date: Date, _ format: String, _ zone: TimeZone) throws(QueryError) -> String {
        let c = calendar(zone)
        let parts = c.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let ms = Int((date.timeIntervalSince1970 * 1000).rounded(.down)) - Int((date.timeIntervalSince1970).rounded(.down)) * 1000
        func pad(_ n: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        var out = ""
        var chars = format.makeIterator()
        while let ch = chars.next() {
            guard ch == "%" else {
                out.append(ch)
                continue
            }
            guard let spec = chars.next() else { throw QueryError(18535, "Unmatched '%' at end of format string") }
            switch spec {
            case "Y": out += pad(parts.year!, 4)
            case "m": out += pad(parts.month!, 2)
            case "d": out += pad(parts.day!, 2)
            case "H": out += pad(parts.hour!, 2)
            case "M": out += pad(parts.minute!, 2)
            case "S": out += pad(parts.second!, 2)
            case "L": out += pad(ms, 3)
            case "j": out += pad(c.ordinality(of: .day, in: .year, for: date)!, 3)
            case "w": out += String(parts.weekday!)
            case "u": out += String(parts.weekday! == 1 ? 7 : parts.weekday! - 1)
            case "U": out += pad(week(of: date, zone), 2)
            case "z":
                let seconds = zone.secondsFromGMT(for: date)
                out += (seconds < 0 ? "-" : "+") + pad(abs(seconds) / 3600, 2) + pad(abs(seconds) % 3600 / 60, 2)
            case "Z": out += String(zone.secondsFromGMT(for: date) / 60)
            case "%": out += "%"
            default: throw QueryError(18536, "Invalid format character '%\(spec)' in format string")
            }
        }
        return out
    }

    /// ISO 8601 text (with or without time, fraction and offset), or text in a `%Y-%m-%d…` format.
    static func parseDate(_ text: String, format: String?, _ zone: TimeZone) -> Date? {
        if let format {
            let pattern = format.replacingOccurrences(of: "%Y", with: "yyyy").replacingOccurrences(of: "%m", with: "MM")
                .replacingOccurrences(of: "%d", with: "dd").replacingOccurrences(of: "%H", with: "HH").replacingOccurrences(of: "%M", with: "mm")
                .replacingOccurrences(of: "%S", with: "ss").replacingOccurrences(of: "%L", with: "SSS").replacingOccurrences(of: "%z", with: "xx")
                .replacingOccurrences(of: "%%", with: "%")
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = zone
            formatter.dateFormat = pattern
            return formatter.date(from: text)
        }
        let iso = ISO8601DateFormatter()
        iso.timeZone = zone
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime],
        ] {
            iso.formatOptions = options
            if let d = iso.date(from: text) { return d }
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        for pattern in ["yyyy-MM-dd'T'HH:mm:ss.SSS", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd"] {
            formatter.dateFormat = pattern
            if let d = formatter.date(from: text) { return d }
        }
        return nil
    }
}
