// `make seed` (`videotube seed`): a small demo channel to click around at once — four users, six
// videos with their media, comments, likes, a playlist, a tweet and subscriptions — written
// through the same models, hooks and media storage as the API. Running it again changes
// nothing: every document is looked for by its natural key first, and media is stored only for
// documents that are new.

import App
import Auth
import BSON
import Database
import Foundation
import Logging
import Media
import Models
import Uploads

enum DemoData {
    /// Every demo account's password; the log says so.
    static let password = "chai aur code"
    static let creator = "chaiaurcode"
    static let people = [
        (creator, "Chai aur Code", (232, 110, 40)), ("asha", "Asha Rao", (40, 120, 200)),
        ("ravi", "Ravi Kumar", (60, 160, 90)),
        ("meera", "Meera Iyer", (150, 70, 170)),
    ]
    static let videos = [
        ("Swift on the server", "Why a backend in Swift, and what Hummingbird gives us.", 5_000),
        ("Connecting to MongoDB", "libmongoc, the embedded store, and failing fast.", 4_000),
        ("Models and indexes", "Codable schemas, unique indexes and aggregate pagination.", 6_000),
        ("bcrypt and JWT", "Hashing on save, tokens, sessions per device.", 7_000),
        ("Uploads and media", "Streaming multipart bodies, Cloudinary or a local folder.", 3_000),
        ("The Final server", "Every route, the rules, and deploying it.", 8_000),
    ]

    /// How many documents of each kind there are after seeding.
    struct Summary: Equatable {
        var users = 0, videos = 0, comments = 0, likes = 0, playlists = 0, tweets = 0, subscriptions = 0
    }

    static func seed(config: AppConfig, database: ConnectedDatabase, logger: Logger) async throws -> Summary {
        let setup = try AuthSetup(database: database.database, config: config, logger: logger)
        try await setup.createIndexes()
        let db = setup.collections
        let media = try connectMedia(config.settings.lookup)
        let uploads = try UploadSettings(config.settings.lookup)

        var users: [String: User] = [:]
        for (username, fullName, color) in people {
            if let existing = try await db.users.findOne(["username": .string(username)]) {
                users[username] = existing
                continue
            }
            let avatar = try await store(
                Image.png(width: 96, height: 96, color: color), kind: .image, in: media, folder: "avatars",
                temp: uploads)
            var user = User(
                username: username, email: "\(username)@example.com", fullName: fullName, avatar: avatar.url,
                password: password)
            user.avatarId = avatar.publicId
            users[username] = try await db.users.insert(user)  // the save hook hashes the password
        }
        let owner = users[creator]!

        var videoIds: [ObjectId] = []
        for (index, (title, description, milliseconds)) in videos.enumerated() {
            if let existing = try await db.videos.findOne(["owner": .objectId(owner._id), "title": .string(title)]) {
                videoIds.append(existing._id)
                continue
            }
            let shade = (40 + index * 30, 90, 200 - index * 25)
            let file = try await store(
                Image.mp4(milliseconds: UInt32(milliseconds)), kind: .video, in: media, folder: "videos", temp: uploads)
            let thumbnail = try await store(
                Image.png(width: 160, height: 90, color: shade), kind: .image, in: media, folder: "thumbnails",
                temp: uploads)
            var video = Video(
                videoFile: file.url, thumbnail: thumbnail.url, title: title, description: description,
                duration: file.duration ?? 0,
                views: (index * 37) % 100, owner: owner._id)
            video.videoFileId = file.publicId
            video.thumbnailId = thumbnail.publicId
            videoIds.append(try await db.videos.insert(video)._id)
        }

        for viewer in ["asha", "ravi", "meera"] {
            try await db.subscriptions.insertIfAbsent(
                Subscription(subscriber: users[viewer]!._id, channel: owner._id), matching: ["subscriber", "channel"])
        }
        let remarks = [("asha", "This finally made async/await click."), ("ravi", "Can you cover deployment next?")]
        for video in videoIds.prefix(3) {
            for (who, text) in remarks {
                try await db.comments.insertIfAbsent(
                    Comment(content: text, video: video, owner: users[who]!._id),
                    matching: ["video", "owner", "content"])
            }
            for who in ["asha", "meera"] {
                try await db.likes.insertIfAbsent(
                    Like(target: .video(video), likedBy: users[who]!._id), matching: ["video", "likedBy"])
            }
        }
        try await db.playlists.insertIfAbsent(
            Playlist(
                name: "Backend basics", description: "Start here", videos: Array(videoIds.prefix(3)),
                owner: users["asha"]!._id),
            matching: ["owner", "name"])
        try await db.tweets.insertIfAbsent(
            Tweet(content: "A new series starts today: backends in Swift.", owner: owner._id),
            matching: ["owner", "content"])

        return Summary(
            users: try await db.users.count(), videos: try await db.videos.count(),
            comments: try await db.comments.count(),
            likes: try await db.likes.count(), playlists: try await db.playlists.count(),
            tweets: try await db.tweets.count(),
            subscriptions: try await db.subscriptions.count())
    }

    /// Writes `bytes` as a temp file, as an upload would, and stores it in media storage.
    static func store(
        _ bytes: [UInt8], kind: FileKind, in media: any MediaStorage, folder: String, temp: UploadSettings
    ) async throws -> StoredMedia {
        guard let format = kind.detect(bytes) else { throw MediaError("demo \(kind) is not recognised") }
        try FileManager.default.createDirectory(atPath: temp.tempFolder, withIntermediateDirectories: true)
        let path = temp.tempFolder + "/seed-\(UUID().uuidString.lowercased()).\(format.fileExtension)"
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw MediaError("cannot write \(path)")
        }
        defer { unlink(path) }
        return try await media.upload(
            UploadedFile(field: folder, path: path, size: bytes.count, format: format, clientName: "demo"),
            folder: folder)
    }

    /// Tiny media, made here: real PNG images (a colour with a lighter band), and MP4 containers
    /// whose movie header gives their duration (the demo has no footage; upload a real clip to
    /// watch one).
    enum Image {
        static func png(width: Int, height: Int, color: (Int, Int, Int)) -> [UInt8] {
            var raw: [UInt8] = []
            for y in 0..<height {
                raw.append(0)  // filter: none
                let light = y >= height / 3 && y < height * 2 / 3
                for _ in 0..<width {
                    raw += [color.0, color.1, color.2].map { UInt8(light ? min(255, $0 + 60) : $0) }
                }
            }
            func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
                let body = Array(type.utf8) + data
                return be32(UInt32(data.count)) + body + be32(crc32(body))
            }
            let header = be32(UInt32(width)) + be32(UInt32(height)) + [8, 2, 0, 0, 0]  // 8-bit RGB
            return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header)
                + chunk("IDAT", zlibStored(raw)) + chunk("IEND", [])
        }

        static func mp4(milliseconds: UInt32) -> [UInt8] {
            let ftyp = be32(20) + Array("ftypisom".utf8) + be32(0x200) + Array("mp41".utf8)
            let mvhdBody: [UInt8] =
                [0, 0, 0, 0] + be32(0) + be32(0) + be32(1000) + be32(milliseconds) + [UInt8](repeating: 0, count: 80)
            let mvhd = be32(UInt32(8 + mvhdBody.count)) + Array("mvhd".utf8) + mvhdBody
            return ftyp + be32(UInt32(8 + mvhd.count)) + Array("moov".utf8) + mvhd
        }

        static func be32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }

        /// zlib around "stored" (uncompressed) deflate blocks: valid, and small enough here.
        static func zlibStored(_ data: [UInt8]) -> [UInt8] {
            var out: [UInt8] = [0x78, 0x01]
            var offset = 0
            repeat {
                let n = min(65_535, data.count - offset)
                let last: UInt8 = offset + n == data.count ? 1 : 0
                out += [last, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
                out += data[offset..<offset + n]
                offset += n
            } while offset < data.count
            var a: UInt32 = 1
            var b: UInt32 = 0
            for byte in data {
                a = (a + UInt32(byte)) % 65_521
                b = (b + a) % 65_521
            }
            return out + be32(b << 16 | a)
        }

        static let crcTable: [UInt32] = (0..<256).map { n in
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            return c
        }

        static func crc32(_ bytes: [UInt8]) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
            return c ^ 0xFFFF_FFFF
        }
    }
}
