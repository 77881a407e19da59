// The date operators (UTC, or the `timezone` given) of the expression library: `$isoWeek`, `$isoWeekYear`, `$isoDayOfWeek`, `$year`, …
// (the list and each one's arity: Operators+Library.swift).

import BSON
import Foundation

extension Operators {
    /// nil when `name` is not one of the date operators (UTC, or the `timezone` given).
    static func applyDate(_ name: String, _ values: [BSONValue?], _ v: BSONValue?) throws(QueryError) -> BSONValue?? {
        switch name {
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
}
