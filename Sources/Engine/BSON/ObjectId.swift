// MongoDB's 12-byte document id: 4 bytes of creation time (seconds, big-endian),
// 5 random bytes chosen once per process, and a 3-byte counter.
//
// Because the time comes first, ids sort by creation time, which is why `_id` makes a good
// default sort. The API shows an id as 24 lowercase hex characters.

import Synchronization

public struct ObjectId: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Bytes 0..<8, big-endian.
    @usableFromInline let high: UInt64
    /// Bytes 8..<12, big-endian.
    @usableFromInline let low: UInt32

    /// A new, unique id stamped with the current time.
    public init() {
        let seconds = UInt32(truncatingIfNeeded: Int64(Clock.nowMilliseconds() / 1000))
        let counter = ObjectId.generator.withLock { state -> UInt32 in
            state.counter = (state.counter &+ 1) & 0xFF_FFFF
            return state.counter
        }
        let random = ObjectId.processUnique
        high = UInt64(seconds) << 32 | UInt64(random >> 8)
        low = UInt32(random & 0xFF) << 24 | counter
    }

    /// The id made of exactly these 12 bytes; nil for any other length.
    public init?<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        guard bytes.count == 12 else { return nil }
        var h: UInt64 = 0, l: UInt32 = 0
        for (i, byte) in bytes.enumerated() {
            if i < 8 { h = h << 8 | UInt64(byte) } else { l = l << 8 | UInt32(byte) }
        }
        high = h
        low = l
    }

    /// Parses 24 hex characters (either case). Anything else is nil: use this to validate ids
    /// that arrive in URLs before they go near a query.
    public init?(_ hex: String) {
        guard hex.utf8.count == 24 else { return nil }
        var h: UInt64 = 0, l: UInt32 = 0, i = 0
        for c in hex.utf8 {
            guard let nibble = ObjectId.nibble(c) else { return nil }
            if i < 16 { h = h << 4 | UInt64(nibble) } else { l = l << 4 | UInt32(nibble) }
            i += 1
        }
        high = h
        low = l
    }

    /// A deterministic id for a given time, e.g. as the lower bound of a range query on `_id`.
    public init(timestampSeconds: UInt32, rest: UInt64 = 0) {
        high = UInt64(timestampSeconds) << 32 | (rest >> 32)
        low = UInt32(truncatingIfNeeded: rest)
    }

    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(12)
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: low >> UInt32(shift))) }
        return out
    }

    /// Seconds since the Unix epoch at which the id was made.
    public var timestampSeconds: UInt32 { UInt32(truncatingIfNeeded: high >> 32) }

    /// The creation time as a BSON date (millisecond precision, whole seconds).
    public var timestamp: BSONDate { BSONDate(millisecondsSince1970: Int64(timestampSeconds) * 1000) }

    /// 24 lowercase hex characters.
    public var hex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 24)
        var v = high
        for i in stride(from: 15, through: 0, by: -1) { out[i] = digits[Int(v & 0xF)]; v >>= 4 }
        var w = low
        for i in stride(from: 23, through: 16, by: -1) { out[i] = digits[Int(w & 0xF)]; w >>= 4 }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }

    public static func < (lhs: ObjectId, rhs: ObjectId) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    // MARK: generation state

    private struct GeneratorState { var counter: UInt32 }
    private static let generator = Mutex(GeneratorState(counter: UInt32.random(in: 0...0xFF_FFFF)))
    /// 5 random bytes (in the low 40 bits), fixed for the life of the process.
    private static let processUnique: UInt64 = UInt64.random(in: 0...0xFF_FFFF_FFFF)

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
