// What frontends written for the course's backend rely on, each a test: reading without a login,
// arrays where the course answers arrays (the total in `X-Total-Count`), media URLs a page on
// another origin can load, byte ranges a `<video>` can seek with, and CORS open to a frontend's
// dev server when nothing is configured.

import Auth
import BSON
import Database
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Models
import NIOCore
import Storage
import TestSupport
import Testing

@testable import AccountMedia
@testable import App
@testable import Final

@Suite struct FrontendContract {
    @Test(arguments: TestBackend.available)
    func readingIsPublicAndASignedInReaderIsStillKnown(_ backend: TestBackend) async throws {
        let (app, world) = try await finalApp(backend)
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let ravi = try await client.signUp("ravi")
            let video = try await client.publish(asha)
            let draft = try await client.publish(asha, title: "Draft")
            _ = try await client.send(.patch, "/api/v1/videos/toggle/publish/\(draft)", as: asha)
            _ = try await client.send(.post, "/api/v1/comments/\(video)", as: ravi, json: #"{"content": "First!"}"#)
            _ = try await client.send(.post, "/api/v1/tweets", as: asha, json: #"{"content": "New video out"}"#)
            let playlist = try await client.send(.post, "/api/v1/playlist", as: asha, json: #"{"name": "Mine"}"#).body.data?["_id"]?.stringValue ?? ""
            _ = try await client.send(.patch, "/api/v1/playlist/add/\(video)/\(playlist)", as: asha)
            _ = try await client.send(.post, "/api/v1/likes/toggle/v/\(video)", as: ravi)

            // Nobody signed in: every read answers, and nothing is liked or subscribed.
            let list = try await client.send(.get, "/api/v1/videos", as: nil)
            #expect(list.status == 200 && list.body.docs.map { $0["_id"]?.stringValue } == [video])  // the draft is not there
            let watched = try await client.send(.get, "/api/v1/videos/\(video)", as: nil)
            #expect(watched.status == 200 && watched.body.data?["isLiked"] == false && watched.body.data?["likesCount"]?.int64Value == 1)
            #expect(try await world.collections.videos.findOne(["title": "Chai aur Swift"])?.views == 0)  // only a signed-in view counts
            #expect(try await client.send(.get, "/api/v1/videos/\(draft)", as: nil).status == 404)
            let comments = try await client.send(.get, "/api/v1/comments/\(video)", as: nil)
            #expect(comments.status == 200 && comments.body.docs.first?["content"] == "First!" && comments.body.docs.first?["isLiked"] == false)
            let channel = try await client.send(.get, "/api/v1/users/c/asha", as: nil)
            #expect(channel.status == 200 && channel.body.data?["isSubscribed"] == false && channel.body.data?["email"] == nil)
            let tweets = try await client.send(.get, "/api/v1/tweets/user/\(asha.id)", as: nil)
            #expect(tweets.status == 200 && tweets.body.list.map { $0["content"] } == ["New video out"])
            let playlists = try await client.send(.get, "/api/v1/playlist/user/\(asha.id)", as: nil)
            #expect(playlists.status == 200 && playlists.body.list.first?["totalVideos"]?.int64Value == 1)
            #expect(try await client.send(.get, "/api/v1/playlist/\(playlist)", as: nil).body.data?["totalVideos"]?.int64Value == 1)

            // Writing still needs a login; a token that is sent is checked (a bad one is 401, so a frontend refreshes).
            #expect(try await client.send(.post, "/api/v1/comments/\(video)", as: nil, json: #"{"content": "x"}"#).status == 401)
            #expect(try await client.send(.post, "/api/v1/likes/toggle/v/\(video)", as: nil).status == 401)
            #expect(try await client.send(.post, "/api/v1/tweets", as: nil, json: #"{"content": "x"}"#).status == 401)
            #expect(try await client.call(.get, "/api/v1/videos", headers: bearer("not-a-token")).status == .unauthorized)

            // Signed in, the same routes know the reader: the like, and the view in the history.
            let mine = try await client.send(.get, "/api/v1/videos/\(video)", as: ravi)
            #expect(mine.body.data?["isLiked"] == true && mine.body.data?["views"]?.int64Value == 1)
            #expect(try await client.send(.get, "/api/v1/users/history", as: ravi).body.list.map { $0["_id"]?.stringValue } == [video])
            #expect(try await client.send(.get, "/api/v1/videos/\(draft)", as: asha).status == 200)  // her own draft
        }
    }

    @Test func requireLoginToBrowseRestoresTheCourseRule() async throws {
        let (app, _) = try await finalApp(.embedded, ["REQUIRE_LOGIN_TO_BROWSE": "1"])
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            let video = try await client.publish(asha)
            for path in [
                "/api/v1/videos", "/api/v1/videos/\(video)", "/api/v1/comments/\(video)", "/api/v1/users/c/asha", "/api/v1/tweets/user/\(asha.id)",
            ] {
                #expect(try await client.send(.get, path, as: nil).status == 401, "\(path)")
                #expect(try await client.send(.get, path, as: asha).status == 200, "\(path)")
            }
        }
        #expect(throws: ConfigError.self) { try requireLoginToBrowse { $0 == "REQUIRE_LOGIN_TO_BROWSE" ? "maybe" : nil } }
        #expect(try requireLoginToBrowse { _ in nil } == false)
    }

    /// The course answers arrays for every list but videos and comments; each stays one bounded page.
    @Test(arguments: TestBackend.available)
    func listsAreArraysWithTheirTotalInAHeader(_ backend: TestBackend) async throws {
        let (app, _) = try await finalApp(backend)
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            for n in 1...3 { _ = try await client.send(.post, "/api/v1/tweets", as: asha, json: #"{"content": "tweet \#(n)"}"#) }
            let all = try await client.call(.get, "/api/v1/tweets/user/\(asha.id)", headers: asha.auth)
            #expect(try all.headers[APIList.totalCount] == "3" && (json(all.body)).list.map { $0["content"] } == ["tweet 3", "tweet 2", "tweet 1"])
            let first = try await client.call(.get, "/api/v1/tweets/user/\(asha.id)?limit=2", headers: asha.auth)
            #expect(try first.headers[APIList.totalCount] == "3" && (json(first.body)).list.count == 2)
            let second = try await client.call(.get, "/api/v1/tweets/user/\(asha.id)?limit=2&page=2", headers: asha.auth)
            #expect(try (json(second.body)).list.map { $0["content"] } == ["tweet 1"])
            #expect(try await client.send(.get, "/api/v1/tweets/user/\(asha.id)?limit=101", as: asha).status == 400)
            // Arrays everywhere the course has them…
            for path in [
                "/api/v1/users/history", "/api/v1/likes/videos", "/api/v1/dashboard/videos", "/api/v1/playlist/user/\(asha.id)",
                "/api/v1/subscriptions/c/\(asha.id)", "/api/v1/subscriptions/u/\(asha.id)",
            ] {
                let answer = try await client.call(.get, path, headers: asha.auth)
                #expect(try json(answer.body)["data"]?.arrayValue != nil && answer.headers[APIList.totalCount] != nil, "\(path)")
            }
            // …and the aggregate-paginate object where the course has mongoose-aggregate-paginate.
            let video = try await client.publish(asha)
            for path in ["/api/v1/videos", "/api/v1/comments/\(video)"] {
                #expect(try await client.send(.get, path, as: asha).body.data?["totalDocs"] != nil, "\(path)")
            }
        }
    }

    /// A frontend on vite's :5173 loads `<img src={user.avatar}>` from the API's origin: the URL
    /// must be absolute. The database keeps the path, so moving the server breaks nothing.
    @Test func mediaURLsAreAbsoluteAndOnlyComposedWhenAnswering() async throws {
        let (app, world) = try await finalApp(.embedded, ["TRUSTED_PROXIES": "127.0.0.1"])
        try await app.test(.live) { client in
            let asha = try await client.signUp("asha")
            let me = try await client.send(.get, "/api/v1/users/current-user", as: asha).body.data
            let avatar = try #require(me?["avatar"]?.stringValue)
            #expect(avatar.hasPrefix("http://") && avatar.contains("/media/avatars/"), "\(avatar)")
            let stored = try #require(try await world.collections.users.findOne(["username": "asha"])?.avatar)
            #expect(stored.hasPrefix("/media/avatars/") && avatar.hasSuffix(stored))
            #expect(try await client.execute(uri: mediaPath(avatar), method: .get).status == .ok)
            // Behind a trusted proxy, the host and scheme the client used.
            var forwarded = asha.auth
            forwarded[MediaLinks.forwardedHost] = "tube.example"
            forwarded[MediaLinks.forwardedProto] = "https"
            let proxied = try await client.call(.get, "/api/v1/users/current-user", headers: forwarded)
            #expect(try json(proxied.body).data?["avatar"]?.stringValue == "https://tube.example" + stored)
            // Videos and the owner summaries inside lists, too.
            let video = try json(try await client.upload(asha).body).data
            #expect(video?["videoFile"]?.stringValue?.hasPrefix("http://") == true && video?["thumbnail"]?.stringValue?.hasPrefix("http://") == true)
            let list = try await client.send(.get, "/api/v1/videos", as: nil).body.docs.first
            #expect(list?["owner"]?.documentValue?["avatar"]?.stringValue == avatar)
        }
        // PUBLIC_URL wins over the request's host; an untrusted client's X-Forwarded-Host is ignored.
        let (behind, _) = try await finalApp(.embedded, ["PUBLIC_URL": "https://videotube.example.com/"])
        try await behind.test(.live) { client in
            let asha = try await client.signUp("asha")
            var headers = asha.auth
            headers[MediaLinks.forwardedHost] = "evil.example"
            let avatar = try json(try await client.call(.get, "/api/v1/users/current-user", headers: headers).body).data?["avatar"]?.stringValue
            #expect(avatar?.hasPrefix("https://videotube.example.com/media/avatars/") == true, "\(avatar ?? "")")
        }
    }

    @Test func mediaLinksChangeOnlyMediaFieldsAndTrustNoOddHost() throws {
        let json = #"{"title":"/media/x","avatar":"/media/a.png","owner":{"avatar":"/media/b.png"},"coverImage":"","note":"\"avatar\":\"/media/c"}"#
        let out = MediaLinks.absolute(json, base: "http://h:1")
        #expect(
            out
                == #"{"title":"/media/x","avatar":"http://h:1/media/a.png","owner":{"avatar":"http://h:1/media/b.png"},"coverImage":"","note":"\"avatar\":\"/media/c"}"#
        )
        for host in ["localhost:8000", "127.0.0.1:8000", "[::1]:8000", "api.example.com"] {
            #expect(MediaLinks.isAuthority(Substring(host)), "\(host)")
        }
        for host in ["a\"b", "a/b", "a b", "", "a\\b", "é.example"] { #expect(!MediaLinks.isAuthority(Substring(host)), "\(host)") }
        #expect(throws: ConfigError.self) { try MediaLinks({ $0 == "PUBLIC_URL" ? "ftp://x" : nil }, trustedProxies: TrustedProxies()) }
        #expect(throws: ConfigError.self) { try MediaLinks({ $0 == "PUBLIC_URL" ? "https://x\"y" : nil }, trustedProxies: TrustedProxies()) }
        #expect(
            try MediaLinks({ $0 == "PUBLIC_URL" ? "https://a.example/tube/" : nil }, trustedProxies: TrustedProxies()).publicURL
                == "https://a.example/tube")
    }

    /// `<video>` seeks with Range requests. Each edge case through the real server (RFC 9110 §14).
    @Test func byteRangesAnswerAsRFC9110Says() async throws {
        let (app, world) = try await finalApp(.embedded)
        let size = 152_047
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        try FileManager.default.createDirectory(atPath: world.mediaFolder + "/videos", withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: world.mediaFolder + "/videos/clip.mp4"))
        try await app.test(.live) { client in
            func get(_ range: String?, method: HTTPRequest.Method = .get, _ extra: HTTPFields = [:]) async throws -> TestResponse {
                var headers = extra
                if let range { headers[.range] = range }
                return try await client.execute(uri: "/media/videos/clip.mp4", method: method, headers: headers)
            }
            let whole = try await get(nil)
            #expect(whole.status == .ok && Array(buffer: whole.body) == bytes && whole.headers[.acceptRanges] == "bytes")
            for past in ["bytes=200000-", "bytes=\(size)-", "bytes=\(size)-\(size + 10)", "bytes=-0"] {
                let answer = try await get(past)
                #expect(answer.status == .rangeNotSatisfiable && answer.headers[.contentRange] == "bytes */\(size)", "\(past)")
            }
            let tail = try await get("bytes=-100")
            #expect(tail.status == .partialContent && Array(buffer: tail.body) == Array(bytes.suffix(100)))
            #expect(tail.headers[.contentRange] == "bytes \(size - 100)-\(size - 1)/\(size)")
            let first = try await get("bytes=0-0")
            #expect(first.status == .partialContent && Array(buffer: first.body) == [bytes[0]] && first.headers[.contentLength] == "1")
            let clamped = try await get("bytes=100-999999")
            #expect(clamped.status == .partialContent && Array(buffer: clamped.body) == Array(bytes[100...]))
            #expect(clamped.headers[.contentRange] == "bytes 100-\(size - 1)/\(size)")
            for ignored in ["bytes=0-0,10-20", "items=0-1", "bytes=5-1", "bytes=x-"] {
                let answer = try await get(ignored)
                #expect(answer.status == .ok && answer.body.readableBytes == size, "\(ignored)")
            }
            let head = try await get("bytes=0-9", method: .head)
            #expect(head.status == .ok && head.headers[.contentLength] == String(size) && head.body.readableBytes == 0)
            let eTag = try #require(whole.headers[.eTag])
            #expect(try await get("bytes=0-9", [.ifRange: eTag]).status == .partialContent)
            #expect(try await get("bytes=0-9", [.ifRange: #"W/"changed""#]).status == .ok)
            #expect(try await get("bytes=999999-", [.ifRange: #"W/"changed""#]).status == .ok)
            // A folder is not found, never a redirect (`//videos/` is another host to a browser).
            for folder in ["/media//videos", "/media/videos"] {
                let answer = try await client.execute(uri: folder, method: .get)
                #expect(answer.status == .notFound && answer.headers[.location] == nil, "\(folder)")
            }
        }
    }

    @Test func corsLetsAFrontendDevServerInWhenNothingIsSet() async throws {
        let unset = try AppConfig(Settings([:]))
        #expect(unset.corsOrigins == ["http://localhost:5173", "http://127.0.0.1:5173"] && unset.corsDefaulted)
        let none = try AppConfig(Settings(["CORS_ORIGIN": "none"]))
        #expect(none.corsOrigins.isEmpty && !none.corsDefaulted)
        let set = try AppConfig(Settings(["CORS_ORIGIN": "https://tube.example"]))
        #expect(set.corsOrigins == ["https://tube.example"] && !set.corsDefaulted)
        // A page may read a list's total across origins.
        let (app, _) = try await finalApp(.embedded, ["CORS_ORIGIN": "http://localhost:5173"])
        try await app.test(.router) { client in
            let asha = try await client.signUp("asha")
            var headers = asha.auth
            headers[.origin] = "http://localhost:5173"
            let answer = try await client.call(.get, "/api/v1/tweets/user/\(asha.id)", headers: headers)
            #expect(answer.headers[.accessControlAllowOrigin] == "http://localhost:5173")
            #expect(answer.headers[.accessControlExposeHeaders] == "X-Total-Count")
        }
    }
}
