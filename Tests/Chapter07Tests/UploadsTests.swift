// Chapter 07: multipart uploads stream to the temp folder under random names, with size and
// type checks, and the temp files are gone after every outcome.

import App
import BSON
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Responses
import TestSupport
import Testing
import Uploads

let png = MediaSamples.png
let jpeg = MediaSamples.jpeg
let mp4 = MediaSamples.mp4
let boundary = formBoundary

/// An app with one upload route; `seen` records the temp files as they were inside the scope.
final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var _files: [UploadedFile] = []
    var files: [UploadedFile] { lock.withLock { _files } }
    func record(_ files: [UploadedFile]) { lock.withLock { _files += files } }
}

func uploadApp(temp: String, seen: Seen, failAfterReceiving: Bool = false) -> some ApplicationProtocol {
    let uploads = Uploads(UploadSettings(tempFolder: temp, maxImageBytes: 1000, maxVideoBytes: 3000, maxFieldBytes: 200))
    return buildApplication(config: AppConfig(port: 0), logger: Logger(label: "test"), errors: ErrorMiddleware()) {
        router in
        router.post("upload") { request, _ in
            try await uploads.receive(request, files: [.image("avatar", required: true), .image("coverImage"), .video("videoFile")]) { form in
                seen.record(Array(form.files.values))
                for file in form.files.values {
                    // Inside the scope the file is on disk, complete.
                    let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? -1
                    guard size == file.size else { throw APIError(500, "temp file incomplete") }
                }
                if failAfterReceiving { throw APIError(502, "media storage failed") }
                return APIResponse(200, form.fields, "ok")
            }
        }
    }
}

@Suite struct Uploading {
    @Test func filesLandUnderRandomNamesAndAreGoneAfterTheAnswer() async throws {
        let temp = scratchPath("temp"), seen = Seen()
        try await uploadApp(temp: temp, seen: seen).test(.router) { client in
            let body = multipart(
                boundary, fields: [("fullName", "Asha Rao")],
                files: [("avatar", "../../../etc/passwd.png", png + [1, 2, 3]), ("videoFile", "talk.mp4", mp4)])
            let response = try await client.execute(uri: "/upload", method: .post, headers: formType, body: body)
            #expect(response.status == .ok)
            #expect(try Document(extendedJSON: String(buffer: response.body))["data"]?.documentValue?["fullName"] == "Asha Rao")
        }
        let files = seen.files.sorted { $0.field < $1.field }
        try #require(files.map(\.field) == ["avatar", "videoFile"])  // (then the two below may be read)
        #expect(files[0].size == png.count + 3 && files[0].format.mimeType == "image/png" && files[0].clientName == "../../../etc/passwd.png")
        #expect(files[1].format.name == "MP4")
        for file in files {
            #expect(
                URL(fileURLWithPath: file.path).deletingLastPathComponent().standardizedFileURL.path
                    == URL(fileURLWithPath: temp).standardizedFileURL.path)
            #expect(!file.path.contains("passwd") && !file.path.contains("talk"))
        }
        #expect(filesBelow(temp).isEmpty)
    }

    @Test(
        arguments: [
            ("wrong type", [("avatar", "cv.png", Array("%PDF-1.7 not an image".utf8))], 415, "avatar"),
            ("a video as an image", [("avatar", "a.png", mp4)], 415, "avatar"),
            ("an image as a video", [("avatar", "a.png", png), ("videoFile", "v.mp4", jpeg + [UInt8](repeating: 0, count: 20))], 415, "videoFile"),
            ("too large", [("avatar", "big.png", png + [UInt8](repeating: 7, count: 1000))], 413, "avatar"),
            ("video too large", [("avatar", "a.png", png), ("videoFile", "v.mp4", mp4 + [UInt8](repeating: 1, count: 3000))], 413, "videoFile"),
            ("unexpected field", [("avatar", "a.png", png), ("resume", "r.png", png)], 400, "resume"),
            ("the same field twice", [("avatar", "a.png", png), ("avatar", "b.png", png)], 400, "avatar"),
            ("required file missing", [("coverImage", "c.png", png)], 400, "avatar"),
        ] as [(String, [(String, String, [UInt8])], Int, String)])
    func refusedUploadsNameTheFieldAndLeaveNothing(_ name: String, _ files: [(String, String, [UInt8])], _ status: Int, _ field: String) async throws
    {
        let temp = scratchPath("temp")
        try await uploadApp(temp: temp, seen: Seen()).test(.router) { client in
            let response = try await client.execute(uri: "/upload", method: .post, headers: formType, body: multipart(boundary, files: files))
            #expect(Int(response.status.code) == status, "\(name)")
            let body = try Document(extendedJSON: String(buffer: response.body))
            #expect(body["errors"]?.arrayValue?.first?.documentValue?["field"]?.stringValue == field, "\(name)")
        }
        #expect(filesBelow(temp).isEmpty, "\(name)")
    }

    @Test func badBodiesAreClientErrorsAndLeaveNothing() async throws {
        let temp = scratchPath("temp")
        try await uploadApp(temp: temp, seen: Seen()).test(.router) { client in
            // Not multipart at all.
            let json = try await client.execute(
                uri: "/upload", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{}"))
            #expect(json.status == .unsupportedMediaType)
            // Cut off before the closing boundary: the file part never ends.
            let truncated = multipart(boundary, files: [("avatar", "a.png", png + [UInt8](repeating: 1, count: 100))], close: false)
            let cut = try await client.execute(uri: "/upload", method: .post, headers: formType, body: truncated)
            #expect(cut.status == .badRequest)
            // Text fields beyond their limit.
            let chatty = multipart(boundary, fields: [("bio", String(repeating: "x", count: 500))], files: [("avatar", "a.png", png)])
            #expect(try await client.execute(uri: "/upload", method: .post, headers: formType, body: chatty).status == .contentTooLarge)
            // An empty body, and a part without a name.
            #expect(try await client.execute(uri: "/upload", method: .post, headers: formType, body: ByteBuffer()).status == .badRequest)
            var nameless = ByteBuffer(string: "--\(boundary)\r\nContent-Disposition: form-data\r\n\r\nx\r\n--\(boundary)--\r\n")
            #expect(try await client.execute(uri: "/upload", method: .post, headers: formType, body: nameless).status == .badRequest)
            nameless.clear()
        }
        #expect(filesBelow(temp).isEmpty)
    }

    @Test func anEmptyFileInputIsNoFile() async throws {
        let temp = scratchPath("temp"), seen = Seen()
        try await uploadApp(temp: temp, seen: seen).test(.router) { client in
            let body = multipart(boundary, files: [("avatar", "a.jpg", jpeg), ("coverImage", "", [])])
            let response = try await client.execute(uri: "/upload", method: .post, headers: formType, body: body)
            #expect(response.status == .ok)
        }
        #expect(seen.files.map(\.field) == ["avatar"])
        #expect(seen.files.first?.format.fileExtension == "jpg")
    }

    @Test func whenTheRouteFailsAfterReceivingTheTempFilesStillGo() async throws {
        let temp = scratchPath("temp"), seen = Seen()
        try await uploadApp(temp: temp, seen: seen, failAfterReceiving: true).test(.router) { client in
            let body = multipart(boundary, files: [("avatar", "a.png", png)])
            let response = try await client.execute(uri: "/upload", method: .post, headers: formType, body: body)
            #expect(response.status == .badGateway)
        }
        #expect(seen.files.count == 1)
        #expect(filesBelow(temp).isEmpty)
    }

    /// Files this process has open in `folder`. A file still being received has no name yet
    /// (O_TMPFILE): /proc shows it as `<folder>/#<inode> (deleted)`.
    func openFiles(in folder: String) -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.filter { ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) ?? "").hasPrefix(folder + "/") }
            .count
    }

    @Test func aClientThatDisconnectsHalfwayLeavesNothing() async throws {
        let temp = scratchPath("temp"), seen = Seen()
        try await uploadApp(temp: temp, seen: seen).test(.live) { client in
            let port = try #require(client.port)
            let socket = try RawSocket(port: port, timeoutSeconds: 5)
            let start = "--\(boundary)\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\n\r\n"
            try socket.send(
                "POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=\(boundary)\r\nContent-Length: 100000\r\n\r\n"
                    + start)
            try socket.send(bytes: png + [UInt8](repeating: 1, count: 200))
            // The file is being written (open, still nameless, nothing visible in the folder)…
            for _ in 0..<300 where openFiles(in: temp) == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(openFiles(in: temp) == 1)
            #expect(filesBelow(temp).isEmpty)
            // …and when the client vanishes it is dropped: not open, not in the folder.
            socket.disconnect()
            for _ in 0..<300 where openFiles(in: temp) > 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(openFiles(in: temp) == 0)
            #expect(filesBelow(temp).isEmpty)
            // The server goes on serving.
            let body = multipart(boundary, files: [("avatar", "a.png", png)])
            let next = try await client.execute(uri: "/upload", method: .post, headers: formType, body: body)
            #expect(next.status == .ok)
        }
        #expect(seen.files.count == 1)
        #expect(filesBelow(temp).isEmpty)
    }

    @Test func formatsAreRecognisedByTheirFirstBytes() {
        #expect(FileKind.image.detect(png)?.name == "PNG")
        #expect(FileKind.image.detect(jpeg)?.name == "JPEG")
        #expect(FileKind.image.detect(Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0])?.name == "GIF")
        #expect(FileKind.image.detect(Array("RIFF".utf8) + [26, 0, 0, 0] + Array("WEBPVP8L".utf8))?.name == "WebP")
        #expect(FileKind.video.detect(mp4)?.name == "MP4")
        #expect(FileKind.video.detect([0, 0, 0, 20] + Array("ftypqt  ".utf8))?.name == "MOV")
        #expect(FileKind.video.detect([0x1A, 0x45, 0xDF, 0xA3, 0, 0, 0, 0, 0, 0, 0, 0])?.name == "WebM")
        #expect(FileKind.image.detect(mp4) == nil && FileKind.video.detect(png) == nil)
        #expect(FileKind.image.detect(Array("<svg xmlns=".utf8)) == nil)  // SVG can carry script: refused
        #expect(FileKind.image.detect([0xFF, 0xD8]) == nil)  // too short to tell
    }

    /// Magic bytes alone are not an image: the structure right after them must hold.
    @Test func imagesAreReadPastTheirMagic() {
        let script = Array("<script>alert(1)</script>".utf8) + [UInt8](repeating: 0x20, count: 20)
        #expect(FileKind.image.detect(Array(png.prefix(8)) + script) == nil)  // a PNG signature, then a script
        var badCRC = png
        badCRC[29] ^= 1
        #expect(FileKind.image.detect(badCRC) == nil)
        var zeroWidth = png
        zeroWidth[16...19] = [0, 0, 0, 0]
        #expect(FileKind.image.detect(zeroWidth) == nil)
        #expect(FileKind.image.detect([0xFF, 0xD8, 0xFF, 0x3C, 0, 16] + script) == nil)  // no such JPEG marker
        #expect(FileKind.image.detect(Array("GIF89a".utf8) + [0, 0, 0, 0] + script) == nil)  // a 0×0 GIF
        #expect(FileKind.image.detect(Array("RIFF".utf8) + [26, 0, 0, 0] + Array("WEBP<scr".utf8) + script) == nil)
    }

    @Test func settingsComeFromTheEnvironment() throws {
        let s = try UploadSettings { ["TEMP_DIR": "/tmp/x", "MAX_IMAGE_BYTES": "100"][$0] }
        #expect(s.tempFolder == "/tmp/x" && s.maxImageBytes == 100 && s.maxVideoBytes == 200_000_000)
        #expect(throws: ConfigError.self) { try UploadSettings { $0 == "MAX_VIDEO_BYTES" ? "lots" : nil } }
    }
}

@Suite struct Chapter07Executable {
    @Test func theUploadRouteReportsWhatItReceivedAndKeepsNothing() async throws {
        let port = 28_000 + Int.random(in: 0..<2000)
        let server = try ChapterServer.start("Chapter07", port: port, environment: ["MAX_IMAGE_BYTES": "1000"])
        defer { server.stop() }
        let headers = ["Content-Type": "multipart/form-data; boundary=\(boundary)"]
        let body = multipart(boundary, fields: [("fullName", "Asha Rao")], files: [("avatar", "me.png", png), ("videoFile", "talk.mp4", mp4)])
        let ok = try await TestHTTP.send("POST", port: port, "/api/v1/uploads", body: Data(body.readableBytesView), headers: headers)
        #expect(ok.status == 200)
        let data = try #require(ok.body["data"]?.documentValue)
        #expect(data["fields"]?.documentValue?["fullName"] == "Asha Rao")
        let files = (data["files"]?.arrayValue ?? []).compactMap(\.documentValue)
        #expect(files.map { $0["field"]?.stringValue ?? "" } == ["avatar", "videoFile"])
        #expect(files.first?["mimeType"] == "image/png" && files.first?["originalName"] == "me.png")
        let big = multipart(boundary, files: [("avatar", "big.png", png + [UInt8](repeating: 0, count: 2000))])
        #expect(try await TestHTTP.send("POST", port: port, "/api/v1/uploads", body: Data(big.readableBytesView), headers: headers).status == 413)
        let temp = server.directory.appendingPathComponent("public/temp").path
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: temp)) ?? []).isEmpty)
    }
}

/// A multipart body is streamed, so the 16 kB body limit never applies to it: these are its
/// bounds, each refused as it is crossed (before them, a flood of parts or one endless header
/// line grew memory until the process died).
@Suite struct MultipartBounds {
    @Test func aFloodOfPartsIsRefusedAtTheLimit() async throws {
        let temp = scratchPath("temp")
        try await uploadApp(temp: temp, seen: Seen()).test(.router) { client in
            let fields = (0..<60).map { ("f\($0)", "") }
            let response = try await client.execute(uri: "/upload", method: .post, headers: formType, body: multipart(fields: fields))
            #expect(response.status == .badRequest)
            #expect(try json(response.body)["message"] == "The form has more than 50 parts")
        }
        #expect(filesBelow(temp).isEmpty)
    }

    @Test func longHeadersAndAnEndlessHeaderLineAreRefused() async throws {
        let temp = scratchPath("temp")
        try await uploadApp(temp: temp, seen: Seen()).test(.router) { client in
            let longName = String(repeating: "n", count: 10_000) + ".png"
            let long = multipart(files: [("avatar", longName, png)])
            let refused = try await client.execute(uri: "/upload", method: .post, headers: formType, body: long)
            #expect(refused.status == .badRequest)
            #expect(try json(refused.body)["message"] == "A part's headers are larger than 4096 bytes")
            // A header line that never ends: refused once it is past the limit, not when memory runs out.
            let endless = ByteBuffer(string: "--\(formBoundary)\r\nX-Pad: " + String(repeating: "a", count: 200_000))
            let cut = try await client.execute(uri: "/upload", method: .post, headers: formType, body: endless)
            #expect(cut.status == .badRequest)
        }
        #expect(filesBelow(temp).isEmpty)
    }

    /// Every byte of a form is in a part (bounded by its limit), in a part's headers (bounded), or
    /// around the parts (bounded like headers); the whole body's cap is the sum, a backstop.
    @Test func theWholeBodyHasACapAndJunkAroundThePartsIsRefused() async throws {
        let settings = UploadSettings(maxImageBytes: 1000, maxVideoBytes: 3000, maxFieldBytes: 200, maxParts: 4, maxPartHeaderBytes: 200)
        #expect(settings.maxBodyBytes(for: [.image("a"), .video("v")]) == 1000 + 3000 + 200 + 4 * 400)
        let temp = scratchPath("temp")
        try await uploadApp(temp: temp, seen: Seen()).test(.router) { client in
            // Every part within its limits, then 300 kB of junk after the closing boundary.
            var body = multipart(files: [("avatar", "a.png", png)])
            body.writeString(String(repeating: "z", count: 300_000))
            let response = try await client.execute(uri: "/upload", method: .post, headers: formType, body: body)
            #expect([400, 413].contains(response.status.code), "\(String(buffer: response.body))")
        }
        #expect(filesBelow(temp).isEmpty)
    }

    /// The parser reports each `\r` of such a file on its own; the bytes of one received chunk are
    /// written together, and the file arrives intact.
    @Test func aFileOfCarriageReturnsArrivesIntact() async throws {
        let temp = scratchPath("temp"), seen = Seen()
        let video = mp4 + [UInt8](repeating: 0x0D, count: 2500)
        try await uploadApp(temp: temp, seen: seen).test(.router) { client in
            let body = multipart(files: [("avatar", "a.png", png), ("videoFile", "v.mp4", video)])
            let response = try await client.execute(uri: "/upload", method: .post, headers: formType, body: body)
            #expect(response.status == .ok)
        }
        let stored = seen.files.first(where: { $0.field == "videoFile" })
        #expect(stored?.size == video.count)
    }
}

@Suite struct SlowUploads {
    /// A connection with an upload's request head and the start of its file part sent, the rest
    /// (100,000 bytes announced) still to come.
    func startUpload(port: Int) throws -> RawSocket {
        let socket = try RawSocket(port: port, timeoutSeconds: 20)
        let head = "--\(formBoundary)\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\n\r\n"
        try socket.send(
            "POST /api/v1/uploads HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=\(formBoundary)\r\n"
                + "Content-Length: 100000\r\nConnection: close\r\n\r\n" + head)
        return socket
    }

    /// A client that stops halfway through a file is dropped after HTTP_IDLE_TIMEOUT, and the
    /// half-written temp file goes with it.
    @Test func aStalledUploadIsDroppedAndLeavesNoTempFile() async throws {
        let port = 29_000 + Int.random(in: 0..<1000)
        let server = try ChapterServer.start("Chapter07", port: port, environment: ["HTTP_IDLE_TIMEOUT": "1"])
        defer { server.stop() }
        let socket = try startUpload(port: port)
        try socket.send(bytes: png + [UInt8](repeating: 1, count: 2000))
        _ = try socket.receiveAll()  // returns when the server closes the connection
        #expect(socket.closedByPeer)
        try await Task.sleep(for: .milliseconds(300))
        let temp = server.directory.appendingPathComponent("public/temp").path
        #expect(filesBelow(temp).isEmpty)
    }

    /// A client that keeps sending a little (never idle) is stopped by UPLOAD_TIMEOUT: 408.
    @Test func aTricklingUploadEndsWith408() async throws {
        let port = 30_000 + Int.random(in: 0..<1000)
        let server = try ChapterServer.start("Chapter07", port: port, environment: ["UPLOAD_TIMEOUT": "1", "HTTP_IDLE_TIMEOUT": "30"])
        defer { server.stop() }
        let socket = try startUpload(port: port)
        try socket.send(bytes: png)
        let sender = Task {
            for _ in 0..<30 {
                try? await Task.sleep(for: .milliseconds(200))
                try? socket.send(bytes: [1, 2, 3])
            }
        }
        let reply = try socket.receiveAll()
        sender.cancel()
        #expect(reply.hasPrefix("HTTP/1.1 408"), "\(reply.prefix(200))")
        #expect(reply.contains("The upload took longer than 1 seconds"))
        try await Task.sleep(for: .milliseconds(300))
        #expect(filesBelow(server.directory.appendingPathComponent("public/temp").path).isEmpty)
    }
}

@Suite struct MagicBytesFuzzing {
    /// The content check reads the client's first bytes: any bytes at all give a format or none,
    /// never a trap (20,000 random heads from a seeded generator, and every prefix of each magic).
    @Test func anyLeadingBytesAreAFormatOrNone() {
        var state: UInt64 = 2026
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let magics: [[UInt8]] = [
            png, jpeg, mp4, Array("GIF89a\u{1}\0\u{1}\0RIFF".utf8), Array("RIFF\u{1A}\0\0\0WEBPVP8L".utf8), [0x1A, 0x45, 0xDF, 0xA3],
        ]
        var found = 0
        for _ in 0..<20_000 {
            var head = (0..<Int(next() % 24)).map { _ in UInt8(truncatingIfNeeded: next()) }
            if next() % 2 == 0, let magic = magics.randomElement() { head = Array(magic.prefix(Int(next() % UInt64(magic.count + 2)))) + head }
            for kind in FileKind.allCases where kind.detect(head) != nil { found += 1 }
        }
        #expect(found > 0)  // the generator does reach real formats
        for magic in magics {
            for n in 0...magic.count { _ = FileKind.image.detect(Array(magic.prefix(n))); _ = FileKind.video.detect(Array(magic.prefix(n))) }
        }
    }
}
