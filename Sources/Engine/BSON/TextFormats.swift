// Exact text forms for dates and decimal128 values.
//
// Written by hand because both must be exact to the last digit over the whole BSON range:
// dates are Int64 milliseconds (a `Date` is a Double and rounds), and decimal128 text follows
// the BSON decimal128 spec, which no Foundation type implements.

/// ISO-8601 in UTC: `2024-03-01T09:05:07.042Z`, as JavaScript's `toISOString()` writes it.
enum ISO8601 {
    static func format(_ ms: Int64) -> String {
        let (days, msOfDay) = floorDivMod(ms, 86_400_000)
        let (y, m, d) = civilFromDays(days)
        let h = msOfDay / 3_600_000, mi = msOfDay / 60_000 % 60, s = msOfDay / 1000 % 60, f = msOfDay % 1000
        let year = y >= 0 && y <= 9999 ? pad(y, 4) : (y < 0 ? "-" : "+") + pad(abs(y), 6)
        return "\(year)-\(pad(m, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(f, 3))Z"
    }

    /// Parses `YYYY-MM-DD`, optionally followed by `THH:MM[:SS[.fff]]` and `Z` or `±HH[:]MM`.
    /// Without a zone, UTC is assumed (as MongoDB's `$dateFromString` does).
    static func parse(_ text: String) -> Int64? {
        let c = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int64? {
            guard i + n <= c.count else { return nil }
            var v: Int64 = 0
            for k in 0..<n {
                let ch = c[i + k]
                guard ch >= 48 && ch <= 57 else { return nil }
                v = v * 10 + Int64(ch - 48)
            }
            i += n
            return v
        }
        func expect(_ ch: Character) -> Bool {
            guard i < c.count, c[i] == ch.asciiValue! else { return false }
            i += 1
            return true
        }
        guard let y = digits(4), expect("-"), let mo = digits(2), expect("-"), let d = digits(2),
            (1...12).contains(mo), (1...31).contains(d)
        else { return nil }
        var h: Int64 = 0, mi: Int64 = 0, s: Int64 = 0, frac: Int64 = 0
        var offsetMinutes: Int64 = 0
        if i < c.count {
            guard expect("T") || expect(" ") else { return nil }
            guard let hh = digits(2), expect(":"), let mm = digits(2) else { return nil }
            h = hh
            mi = mm
            if expect(":") {
                guard let ss = digits(2) else { return nil }
                s = ss
                if expect(".") {
                    var scale: Int64 = 100, any = false
                    while i < c.count, c[i] >= 48, c[i] <= 57 {
                        frac += Int64(c[i] - 48) * scale
                        scale /= 10
                        i += 1
                        any = true
                    }
                    guard any else { return nil }
                }
            }
            if expect("Z") {
            } else if i < c.count, c[i] == 43 || c[i] == 45 {  // + or -
                let sign: Int64 = c[i] == 45 ? -1 : 1
                i += 1
                guard let oh = digits(2) else { return nil }
                _ = expect(":")
                guard let om = digits(2) else { return nil }
                offsetMinutes = sign * (oh * 60 + om)
            }
            guard i == c.count, h < 24, mi < 60, s < 61 else { return nil }
        }
        let days = daysFromCivil(y, mo, d)
        return ((days * 24 + h) * 60 + mi - offsetMinutes) * 60_000 + s * 1000 + frac
    }

    private static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    private static func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    // Howard Hinnant's civil-calendar algorithms (public domain), proleptic Gregorian.
    private static func civilFromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    private static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

/// decimal128 ↔ text, following the BSON decimal128 specification's to-string rules.
enum Decimal128Text {
    private static let exponentBias = 6176
    private static let maxCoefficient = UInt128(9_999_999_999_999_999) * UInt128(1_000_000_000_000_000_000) + UInt128(999_999_999_999_999_999)

    static func format(_ v: BSONDecimal128) -> String {
        let negative = v.high >> 63 == 1
        let sign = negative ? "-" : ""
        let combination = (v.high >> 58) & 0x1F
        if combination == 0x1F { return "NaN" }
        if combination == 0x1E { return sign + "Infinity" }
        var exponent: Int
        var coefficient: UInt128
        if (v.high >> 61) & 0x3 == 0x3 {
            // Coefficients that would need the implicit 100 prefix exceed 34 digits: non-canonical, zero.
            exponent = Int((v.high >> 47) & 0x3FFF) - exponentBias
            coefficient = 0
        } else {
            exponent = Int((v.high >> 49) & 0x3FFF) - exponentBias
            coefficient = UInt128(v.high & 0x1_FFFF_FFFF_FFFF) << 64 | UInt128(v.low)
            if coefficient > maxCoefficient { coefficient = 0 }
        }
        let digits = String(coefficient)
        let adjusted = exponent + digits.count - 1
        if exponent > 0 || adjusted < -6 {
            var out = sign + String(digits.first!)
            if digits.count > 1 { out += "." + digits.dropFirst() }
            return out + "E" + (adjusted >= 0 ? "+" : "") + String(adjusted)
        }
        if exponent == 0 { return sign + digits }
        let point = digits.count + exponent  // digits before the decimal point
        if point > 0 {
            return sign + digits.prefix(point) + "." + digits.dropFirst(point)
        }
        return sign + "0." + String(repeating: "0", count: -point) + digits
    }

    static func parse(_ text: String) -> BSONDecimal128? {
        var s = Substring(text)
        var negative = false
        if s.first == "-" || s.first == "+" {
            negative = s.first == "-"
            s = s.dropFirst()
        }
        let signBit: UInt64 = negative ? 1 << 63 : 0
        switch s.lowercased() {
        case "nan": return BSONDecimal128(low: 0, high: 0x7C00_0000_0000_0000)
        case "inf", "infinity": return BSONDecimal128(low: 0, high: 0x7800_0000_0000_0000 | signBit)
        default: break
        }
        var mantissa = s
        var exponent = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let ex = Int(s[s.index(after: e)...]) else { return nil }
            exponent = ex
            mantissa = s[..<e]
        }
        var coefficient: UInt128 = 0
        var digitCount = 0, seenPoint = false, any = false
        for ch in mantissa {
            if ch == "." {
                guard !seenPoint else { return nil }
                seenPoint = true
                continue
            }
            guard let d = ch.wholeNumberValue, ch.isASCII else { return nil }
            any = true
            if coefficient != 0 || d != 0 { digitCount += 1 }
            guard digitCount <= 34 else { return nil }
            coefficient = coefficient * 10 + UInt128(d)
            if seenPoint { exponent -= 1 }
        }
        guard any else { return nil }
        let biased = exponent + exponentBias
        guard biased >= 0, biased <= 12287 else { return nil }
        let high = signBit | UInt64(biased) << 49 | UInt64(truncatingIfNeeded: coefficient >> 64)
        return BSONDecimal128(low: UInt64(truncatingIfNeeded: coefficient), high: high)
    }
}
