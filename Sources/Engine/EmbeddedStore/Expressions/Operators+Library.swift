// The rest of the everyday expression operators: their list, their arity, the dispatch to each
// family's file (strings, arrays and sets, objects, math, conversions, dates), and the helpers
// they share. Operators that take named arguments (`{input: ..., chars: ...}`) receive them as
// one evaluated document.

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

    /// nil when `name` is not one of these operators. Each family is in a file of its own:
    /// Operators+Strings, +Arrays, +Objects, +Math, +Conversions, +Dates.
    static func applyLibrary(_ name: String, _ values: [BSONValue?]) throws(QueryError) -> BSONValue?? {
        guard library.contains(name) else { return nil }
        let v = values.first ?? nil
        if let result = try applyString(name, values, v) { return result }
        if let result = try applyArray(name, values, v) { return result }
        if let result = try applyObject(name, values, v) { return result }
        if let result = try applyMath(name, values, v) { return result }
        if let result = try applyConversion(name, values, v) { return result }
        if let result = try applyDate(name, values, v) { return result }
        return nil
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

    static func regex(_ name: String, _ value: BSONValue?) throws(QueryError) -> BSONValue? {
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
