// What every benchmark needs: a median timer, a unit-aware format, and the process's memory.

import Foundation

/// Median microseconds per call of `body` over `rounds` rounds of `iterations` calls.
public func measure(iterations: Int, rounds: Int = 5, _ body: (Int) async throws -> Void) async throws -> Double {
    var samples: [Double] = []
    for r in 0..<rounds {
        let start = ContinuousClock.now
        for i in 0..<iterations { try await body(r * iterations + i) }
        let elapsed = ContinuousClock.now - start
        samples.append(
            Double(elapsed.components.attoseconds) / 1e12 / Double(iterations) + Double(elapsed.components.seconds) * 1e6 / Double(iterations))
    }
    return samples.sorted()[samples.count / 2]
}

public func residentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kb / 1024
}

public func format(_ us: Double) -> String { us >= 1000 ? String(format: "%8.2f ms", us / 1000) : String(format: "%8.1f µs", us) }
