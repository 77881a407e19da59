// A local video's duration is read from the client's file: crafted or random bytes must give
// "no duration" or a number, never a crash (before this test, a 64-bit box size overflowed and a
// short `mvhd` box hit a precondition).

import Foundation
import TestSupport
import Testing

@testable import Media

@Suite struct VideoDurationRobustness {
    func be32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian, Array.init) }
    func be64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.bigEndian, Array.init) }

    func duration(of bytes: [UInt8]) async throws -> Double? {
        let path = scratchPath("clip") + ".mp4"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { unlink(path) }
        return try await VideoDuration.read(path)
    }

    @Test func craftedBoxesAreNoDurationNotACrash() async throws {
        let ftyp = be32(16) + Array("ftypisom".utf8) + be32(0x200)
        // A box claiming a 64-bit size near Int64.max: the next offset would overflow.
        #expect(try await duration(of: ftyp + be32(1) + Array("free".utf8) + be64(UInt64(Int64.max) - 4)) == nil)
        // An mvhd box with one byte of body.
        let shortMvhd = be32(9) + Array("mvhd".utf8) + [0]
        #expect(try await duration(of: ftyp + be32(UInt32(8 + shortMvhd.count)) + Array("moov".utf8) + shortMvhd) == nil)
        // A zero timescale.
        let body: [UInt8] = [0, 0, 0, 0] + be32(0) + be32(0) + be32(0) + be32(5000)
        let mvhd = be32(UInt32(8 + body.count)) + Array("mvhd".utf8) + body
        #expect(try await duration(of: ftyp + be32(UInt32(8 + mvhd.count)) + Array("moov".utf8) + mvhd) == nil)
        // And a good one still reads.
        #expect(try await duration(of: MediaSamples.mp4(milliseconds: 2500)) == 2.5)
    }

    @Test func thousandsOfRandomBoxStructuresNeverCrash() async throws {
        var generator = SplitMix64(seed: 2026)
        let types = ["ftyp", "moov", "mvhd", "free", "mdat", "trak"].map { Array($0.utf8) }
        var read = 0
        for _ in 0..<2000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 1...5, using: &generator) {
                let size: [UInt8] =
                    switch Int.random(in: 0..<4, using: &generator) {
                    case 0: be32(UInt32.random(in: 0...64, using: &generator))
                    case 1: be32(1) + [UInt8](be64(UInt64.random(in: 0...UInt64.max, using: &generator)))
                    case 2: be32(0)
                    default: be32(UInt32.random(in: 0...UInt32.max, using: &generator))
                    }
                bytes += size.prefix(4) + types.randomElement(using: &generator)! + size.dropFirst(4)
                bytes += (0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            }
            _ = try await duration(of: bytes)
            read += 1
        }
        #expect(read == 2000)
    }
}
