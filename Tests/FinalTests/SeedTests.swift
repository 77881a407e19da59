// `make seed`: the demo channel is there after one run, and a second run changes nothing.

import App
import Foundation
import Logging
import Models
import TestSupport
import Testing

@testable import Final

@Suite struct Seeding {
    @Test(arguments: TestBackend.available)
    func seedingTwiceChangesNothing(_ backend: TestBackend) async throws {
        let media = scratchPath("media")
        let config = AppConfig.testing(["MEDIA_DIR": media, "TEMP_DIR": scratchPath("temp")])
        let database = try await backend.connectedDatabase()
        let first = try await DemoData.seed(config: config, database: database, logger: Logger(label: "seed"))
        #expect(first == DemoData.Summary(users: 4, videos: 6, comments: 6, likes: 6, playlists: 1, tweets: 1, subscriptions: 3))
        let files = filesBelow(media)
        #expect(files.count == 4 + 6 * 2)  // avatars, videos and thumbnails
        let second = try await DemoData.seed(config: config, database: database, logger: Logger(label: "seed"))
        #expect(second == first)
        #expect(filesBelow(media) == files)
        // The demo accounts log in, and the videos carry their durations.
        let db = Collections(database.database)
        #expect(try await db.videos.findOne(["title": "The Final server"])?.duration == 8)
        #expect(try await db.users.findOne(["username": "asha"])?.password.hasPrefix("$2b$") == true)
    }

    /// Python's zlib and CRC-32 (an independent implementation) read the PNG the seed writes:
    /// every chunk's checksum holds, and the pixels are the ones drawn.
    @Test(.enabled(if: PythonHelpers.shouldRun, Comment(rawValue: PythonHelpers.skipReason)))
    func theDemoImagesAreRealPNGs() throws {
        let png = DemoData.Image.png(width: 3, height: 3, color: (10, 20, 30))
        let hex = png.map { String(format: "%02x", $0) }.joined()
        let pixels = try PythonHelpers.run(
            """
            import binascii, struct, sys, zlib
            data = bytes.fromhex(sys.argv[1]); assert data[:8] == b"\\x89PNG\\r\\n\\x1a\\n"; at = 8; idat = b""
            while at < len(data):
                (n,) = struct.unpack(">I", data[at:at + 4]); kind = data[at + 4:at + 8]; body = data[at + 8:at + 8 + n]
                assert struct.unpack(">I", data[at + 8 + n:at + 12 + n])[0] == binascii.crc32(kind + body), kind
                if kind == b"IDAT": idat += body
                at += 12 + n
            print(list(zlib.decompress(idat)))
            """, [hex])
        #expect(pixels == "[0, 10, 20, 30, 10, 20, 30, 10, 20, 30, 0, 70, 80, 90, 70, 80, 90, 70, 80, 90, 0, 10, 20, 30, 10, 20, 30, 10, 20, 30]")
    }
}
