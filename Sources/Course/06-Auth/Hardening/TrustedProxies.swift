// `TRUSTED_PROXIES`: the reverse proxies whose `X-Forwarded-For` (and `X-Forwarded-Host`,
// `X-Forwarded-Proto`) the server believes. Each entry is one address (`127.0.0.1`) or a range in
// CIDR notation (`10.0.0.0/8`, `fd00::/8`): behind a cloud load balancer the proxy is any address of
// a subnet. Anything else is a start-up error, so a typo cannot quietly trust nobody (or everybody).
//
// The rate limits count an IPv6 client by its /64, the block one subscriber is given: counting
// single IPv6 addresses would let one client try from 2^64 of them.

import App
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

public struct TrustedProxies: Sendable, Equatable {
    struct Range: Sendable, Equatable {
        let bytes: [UInt8]
        let prefix: Int
    }
    let ranges: [Range]

    /// Nobody is trusted: `X-Forwarded-*` headers are ignored.
    public init() { ranges = [] }

    /// Entries such as `127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`.
    public init(_ entries: [String]) throws(ConfigError) {
        var ranges: [Range] = []
        for entry in entries {
            let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
            guard let bytes = Self.bytes(parts[0]) else {
                throw ConfigError(
                    "TRUSTED_PROXIES: \"\(entry)\" is not an IP address or a CIDR range (e.g. 10.0.0.0/8)")
            }
            let bits = bytes.count * 8
            guard let prefix = parts.count == 2 ? Int(parts[1]) : bits, (0...bits).contains(prefix) else {
                throw ConfigError("TRUSTED_PROXIES: \"\(entry)\" has a prefix length outside 0-\(bits)")
            }
            ranges.append(Range(bytes: bytes, prefix: prefix))
        }
        self.ranges = ranges
    }

    public var isEmpty: Bool { ranges.isEmpty }

    /// Whether `address`, as the socket or a proxy reports it, lies in one of the ranges.
    public func contains(_ address: String) -> Bool {
        guard !ranges.isEmpty, let bytes = Self.bytes(address) else { return false }
        return ranges.contains { range in
            guard range.bytes.count == bytes.count else { return false }
            var bits = range.prefix
            for (a, b) in zip(range.bytes, bytes) where bits > 0 {
                let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if a & mask != b & mask { return false }
                bits -= 8
            }
            return true
        }
    }

    /// The address's bytes: 4 for IPv4, 16 for IPv6. An IPv4-mapped IPv6 address is IPv4.
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return Array(bytes[12...])
        }
        return bytes
    }

    /// What the rate limits count: an IPv4 address as it is, an IPv6 address by its /64.
    public static func bucket(_ address: String) -> String {
        guard let bytes = bytes(address), bytes.count == 16 else { return address }
        let groups = stride(from: 0, to: 8, by: 2).map {
            String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
        }
        return groups.joined(separator: ":") + "::/64"
    }
}
