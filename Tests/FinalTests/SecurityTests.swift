// What an attacker with one ordinary account tried against the Final server, each a test that
// failed before its fix: a search that froze the server, invisible characters in names,
// unpublished videos leaking through playlists, a crafted MP4, uploads served for the browser
// to sniff, cross-site requests riding on cookies, sessions that refresh for ever.

import App
import BSON
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Models
import NIOCore
import Storage
import TestSupport
import Testing

@testable import Final
@testable import Media

@Suite struct Security {
    /// `(` or `*` followed by a combining mark is one `Character`: escaping by Characters let
    /// a live metacharacter through (400, or a pattern that backtracked for minutes). Escaped
    /// by scalars, any text is searched for literally.
    @Test(arguments: TestBackend.available)
    func searchTextIsNeverAPattern(_ backend: TestBackend) async throws {
        let (app, _) = try await finalApp(backend)
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let marks = String(repeating: "\u{301}", count: 1000)
            let crafted = try await client.upload(asha, title: "Combining (marks)", description: "x" + marks)
            #expect(crafted.status == .created)
            let evil = "\u{301}" + String(repeating: "*\u{301}", count: 3) + "Z"
            for query in ["(\u{301}", "*\u{301}", evil, "(a+)+$", ".*", "[", "\\"] {
                let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let answer = try await client.send(.get, "/api/v1/videos?query=\(encoded)", as: asha)
                #expect(answer.status == 200, "\(query.unicodeScalars.map { String($0.value, radix: 16) })")
                #expect(answer.body.docs.isEmpty)
            }
            let literal = try await client.send(.get, "/api/v1/videos?query=%28marks%29", as: asha)
            #expect(literal.body.docs.count == 1)  // "(marks)" is found as text
            // Lengths count scalars: 201 combining marks are 201, not one Character.
            let long = String(repeating: "\u{301}", count: 201).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            #expect(try await client.send(.get, "/api/v1/videos?query=a\(long)", as: asha).status == 400)
        }
    }

    /// Usernames are ASCII, checked scalar by scalar; names and titles refuse invisible and
    /// direction-changing characters, and are stored composed (NFC).
    @Test func namesHaveNoInvisibleCharacters() async throws {
        let (app, world) = try await finalApp(.embedded)
        try await app.test(.router) { client in
            _ = try await client.signUp("victim")
            for username in ["victim\u{200D}", "vic\u{0301}tim", "victím"] {
                let fields = [
                    ("fullName", "V"), ("email", "\(UUID().uuidString.prefix(6))@example.com"), ("username", username), ("password", "chai aur code"),
                ]
                let answer = try await client.execute(
                    uri: "/api/v1/users/register", method: .post, headers: formType,
                    body: multipart(fields: fields, files: [("avatar", "me.png", thumbnailPNG)]))
                #expect(answer.status == .badRequest, "\(username.unicodeScalars.map { $0.value })")
            }
            let asha = try await client.signUp("asha")
            let rlo = try await client.upload(asha, title: "evil\u{202E}gpj.exe")
            #expect(rlo.status == .badRequest)
            #expect(try json(rlo.body)["message"]?.stringValue?.contains("U+202E") == true)
            // Emoji written with a zero-width joiner stay allowed, and text is stored as NFC.
            let ok = try await client.upload(asha, title: "Cafe\u{301} 👩‍💻", description: "line one\nline two")
            #expect(ok.status == .created)
            let id = try #require(try json(ok.body).data?["_id"]?.stringValue)
            let stored = try await world.collections.videos.findById(try #require(ObjectId(id)))
            #expect(stored?.title == "Caf\u{E9} 👩‍💻" && stored?.title.unicodeScalars.count == 8)
        }
    }

    /// Another user's unpublished video does not exist for anyone else, in any answer: not in
    /// the playlist lists, not in the PATCH answers (not even its id).
    @Test(arguments: TestBackend.available)
    func playlistsShowOnlyVideosTheViewerMaySee(_ backend: TestBackend) async throws {
        let (app, _) = try await finalApp(backend)
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let ravi = try await client.signUp("ravi")
            let secret = try await client.publish(asha, title: "Soon")
            let open = try await client.publish(asha, title: "Out now")
            let list = try #require(
                try await client.send(.post, "/api/v1/playlist", as: ravi, json: #"{"name": "watch"}"#).body.data?["_id"]?.stringValue)
            #expect(try await client.send(.patch, "/api/v1/playlist/add/\(secret)/\(list)", as: ravi).status == 200)
            #expect(try await client.send(.patch, "/api/v1/playlist/add/\(open)/\(list)", as: ravi).status == 200)
            #expect(try await client.send(.patch, "/api/v1/videos/toggle/publish/\(secret)", as: asha).status == 200)  // unpublished now

            let answers = [
                try await client.send(.get, "/api/v1/playlist/user/\(ravi.id)", as: ravi).body,
                try await client.send(.patch, "/api/v1/playlist/\(list)", as: ravi, json: #"{"name": "renamed"}"#).body,
                try await client.send(.patch, "/api/v1/playlist/add/\(open)/\(list)", as: ravi).body,
                try await client.send(.get, "/api/v1/playlist/\(list)", as: ravi).body,
            ]
            for (i, answer) in answers.enumerated() {
                let text = answer.json(.relaxedExtended)
                #expect(!text.contains(secret), "answer \(i): \(text)")
                #expect(text.contains(open), "answer \(i)")
            }
            // The owner of the draft still sees it in Ravi's list (it is hers); Ravi does not.
            let hers = try await client.send(.get, "/api/v1/playlist/user/\(ravi.id)", as: asha).body.list.first
            #expect(hers?["totalVideos"]?.int64Value == 2)
            let his = try await client.send(.get, "/api/v1/playlist/user/\(ravi.id)", as: ravi).body.list.first
            #expect(his?["totalVideos"]?.int64Value == 1 && his?["videos"]?.arrayValue?.count == 1)
        }
    }

    /// Millions of 8-byte boxes used to cost one read each (a 20 MB file took up to a minute);
    /// the reader walks at most `maxBoxes` and reads 64 kB at a time.
    @Test func aCraftedMP4IsGivenUpOnAfterItsBoxLimit() async throws {
        let path = scratchPath("boxes.mp4")
        var bytes = [UInt8]()
        bytes.reserveCapacity(4 << 20)
        bytes += [0, 0, 0, 16] + Array("ftypisom".utf8) + [0, 0, 2, 0]
        while bytes.count < 4 << 20 { bytes += [0, 0, 0, 8] + Array("free".utf8) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try await VideoDuration.read(path) == nil)
        // A real file still has its duration.
        let clip = scratchPath("clip.mp4")
        try Data(clipMP4).write(to: URL(fileURLWithPath: clip))
        #expect(try await VideoDuration.read(clip) == 12.345)
    }

    /// Uploaded files are served as the type we say, and can run no script.
    @Test func servedMediaIsNotSniffedAndRunsNothing() async throws {
        let (app, _) = try await finalApp(.embedded)
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let me = try await client.send(.get, "/api/v1/users/current-user", as: asha)
            let avatar = try #require(me.body.data?["avatar"]?.stringValue)
            let served = try await client.execute(uri: mediaPath(avatar), method: .get)
            #expect(served.status == .ok, "\(avatar) \(served.headers)")
            #expect(served.headers[.xContentTypeOptions] == "nosniff")
            #expect(served.headers[.contentSecurityPolicy] == "default-src 'none'; sandbox")
            #expect(served.headers[.contentType] == "image/png")
        }
    }

    /// A page on another site cannot sign a browser in (login CSRF: the victim would then use the
    /// attacker's account), register, or refresh; and an `<img src>` of a video page elsewhere
    /// counts no view and writes no history. Clients that send no Origin (curl, apps) are not affected.
    @Test func signInsFromAnotherSiteAreRefusedAndItsViewsNotCounted() async throws {
        let (app, world) = try await finalApp(.embedded, ["CORS_ORIGIN": "http://localhost:5173"])
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let video = try await client.publish(asha)
            let login = #"{"username": "asha", "password": "chai aur code"}"#
            let forged: [HTTPFields] = [[.origin: "https://evil.example"], [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"]]
            for headers in forged {
                #expect(try await client.call(.post, "/api/v1/users/login", json: login, headers: headers).status == .forbidden)
                var form = formType
                for field in headers { form.append(field) }
                let register = try await client.execute(
                    uri: "/api/v1/users/register", method: .post, headers: form,
                    body: multipart(
                        fields: [("fullName", "Eve"), ("email", "eve@example.com"), ("username", "eve"), ("password", "chai aur code")],
                        files: [("avatar", "me.png", thumbnailPNG)]))
                #expect(register.status == .forbidden)
                #expect(
                    try await client.call(.post, "/api/v1/users/refresh-token", json: #"{"refreshToken": "x"}"#, headers: headers).status
                        == .forbidden)
                var watch = asha.auth
                for field in headers { watch.append(field) }
                #expect(try await client.call(.get, "/api/v1/videos/\(video)", headers: watch).status == .ok)  // it is shown
            }
            #expect(try await world.collections.videos.findOne(["title": "Chai aur Swift"])?.views == 0)
            #expect(try await world.collections.users.findOne(["username": "asha"])?.watchHistory.isEmpty == true)
            #expect(try await world.collections.users.count(["username": "eve"]) == 0)
            // The frontend's own origin, and clients that send none, sign in as before.
            #expect(try await client.call(.post, "/api/v1/users/login", json: login, headers: [.origin: "http://localhost:5173"]).status == .ok)
            #expect(try await client.call(.post, "/api/v1/users/login", json: login).status == .ok)
            #expect(try await client.call(.get, "/api/v1/videos/\(video)", headers: asha.auth).status == .ok)
            #expect(try await world.collections.videos.findOne(["title": "Chai aur Swift"])?.views == 1)
        }
    }

    /// One user cannot fill the disk: past `UPLOAD_QUOTA_MB` a day, `POST /videos` is 429 naming
    /// the limit, with `Retry-After`, and nothing of the refused upload is stored.
    @Test(arguments: TestBackend.available)
    func uploadsStopAtTheDailyQuota(_ backend: TestBackend) async throws {
        let perVideo = clipMP4.count + thumbnailPNG.count
        let quota = String(Double(perVideo) * 2.5 / 1_000_000)
        let (app, world) = try await finalApp(backend, ["UPLOAD_QUOTA_MB": quota])
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let ravi = try await client.signUp("ravi")
            #expect(try await client.upload(asha, title: "One").status == .created)
            #expect(try await client.upload(asha, title: "Two").status == .created)
            let before = filesBelow(world.mediaFolder)
            let third = try await client.upload(asha, title: "Three")
            #expect(third.status == .tooManyRequests)
            #expect(try json(third.body)["message"]?.stringValue?.contains("MB a day") == true)
            #expect(Int(third.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(filesBelow(world.mediaFolder) == before && filesBelow(world.tempFolder).isEmpty)
            #expect(try await client.upload(ravi, title: "His own quota").status == .created)  // per user
        }
        #expect(throws: ConfigError.self) { try UploadQuota({ $0 == "UPLOAD_QUOTA_MB" ? "lots" : nil }, database: world.database.database) }
    }

    /// A cookie-signed change from a page on another site is refused; a Bearer token, an
    /// allowed origin and the server's own origin are not.
    @Test func crossSiteRequestsWithCookiesAreRefused() async throws {
        let (app, _) = try await finalApp(.embedded, ["CORS_ORIGIN": "http://localhost:5173"])
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let cookie: HTTPFields = [.cookie: "accessToken=\(asha.access)"]
            func tweet(_ extra: HTTPFields) async throws -> TestResponse {
                var headers = extra
                headers[.contentType] = "application/json"
                return try await client.execute(
                    uri: "/api/v1/tweets", method: .post, headers: headers, body: ByteBuffer(string: #"{"content": "hi"}"#))
            }
            var evil = cookie
            evil[.origin] = "https://evil.example"
            let refused = try await tweet(evil)
            #expect(refused.status == .forbidden)
            #expect(try json(refused.body)["message"]?.stringValue?.hasPrefix("Cross-site request refused") == true)
            var sibling = cookie
            sibling[HTTPField.Name("Sec-Fetch-Site")!] = "cross-site"
            #expect(try await tweet(sibling).status == .forbidden)
            var port = cookie
            port[.origin] = "http://localhost:3000"  // another port of localhost: the same site, another origin
            #expect(try await tweet(port).status == .forbidden)

            var allowed = cookie
            allowed[.origin] = "http://localhost:5173"
            #expect(try await tweet(allowed).status == .created)
            var bearer = asha.auth
            bearer[.origin] = "https://evil.example"
            #expect(try await tweet(bearer).status == .created)
            #expect(try await tweet(cookie).status == .created)  // no Origin: not a browser page
            // Reading is not changing: a cross-site GET goes through.
            var read = cookie
            read[.origin] = "https://evil.example"
            #expect(try await client.execute(uri: "/api/v1/users/current-user", method: .get, headers: read).status == .ok)
        }
    }
}
