// LineLogHandler, the handler every server logs through (RunServer.swift in chapter 02).

import Foundation
import Logging
import ServerSupport
import Testing

@Suite struct LineLogHandlerTests {
    /// The lines a handler writes to a file while `write` logs.
    func lines(_ write: (inout Logger) -> Void) throws -> [String] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString)").path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(descriptor >= 0)
        defer { unlink(path) }
        var logger = Logger(label: "videotube") { LineLogHandler(label: $0, descriptor: descriptor) }
        write(&logger)
        close(descriptor)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    @Test func oneLinePerMessageWithTimeLevelLabelAndSortedMetadata() throws {
        let before = Date()
        let out = try lines { logger in
            logger[metadataKey: "hb.request.id"] = "42"
            logger.info("GET /api/v1/healthcheck 200 0.1ms", metadata: ["a.first": "1"])
            logger.debug("below the level: not written")
            logger.notice("two", metadata: ["hb.request.id": "43"])
        }
        #expect(out.count == 3 && out[2].isEmpty, "\(out)")
        let first = try #require(out[0].wholeMatch(of: /(\S+) info videotube: GET \/api\/v1\/healthcheck 200 0\.1ms a\.first=1 hb\.request\.id=42/))
        // The timestamp is UTC, ISO 8601 with milliseconds, and the time of the call.
        let stamp = try #require(try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(String(first.1)))
        #expect(abs(stamp.timeIntervalSince(before)) < 5)
        #expect(first.1.hasSuffix("Z"))
        // A message's own metadata wins over the logger's.
        #expect(out[1].hasSuffix(" notice videotube: two hb.request.id=43"), "\(out[1])")
    }

    @Test func errorsAndLongLinesArriveWhole() throws {
        struct Broken: Error, CustomStringConvertible { var description: String { "disk on fire" } }
        let long = String(repeating: "x", count: 200_000)
        let out = try lines { logger in
            logger.log(level: .error, "failed", error: Broken())
            logger.warning("\(long)")
        }
        #expect(out[0].hasSuffix(" error videotube: failed error=disk on fire"), "\(out[0])")
        #expect(out[1].hasSuffix(" warning videotube: " + long))
    }
}
