// What the Final server's tests share: the server on a fresh database with media and temp files
// in folders of the test's own, and a client that registers, logs in and uploads as a front end
// would.

import App
import BSON
import Database
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Models
import NIOCore
import Storage
import TestSupport
import Testing

@testable import Final

/// The Final server under test, and where to look at what it did.
struct World {
    let database: ConnectedDatabase
    let mediaFolder: String
    let tempFolder: String
    var collections: Collections { Collections(database.database) }
}

/// The Final server, built by the function its `main.swift` runs, on a fresh database.
func finalApp(_ backend: TestBackend, _ variables: [String: String] = [:]) async throws -> (some ApplicationProtocol, World) {
    let world = World(database: try await backend.connectedDatabase(), mediaFolder: scratchPath("media"), tempFolder: scratchPath("temp"))
    var settings = [
        "MEDIA_DIR": world.mediaFolder, "TEMP_DIR": world.tempFolder,
        "ACCESS_TOKEN_SECRET": String(repeating: "a", count: 32), "REFRESH_TOKEN_SECRET": String(repeating: "r", count: 32),
    ]
    settings.merge(variables) { $1 }
    let app = try await buildFinalServer(config: .testing(settings), database: world.database, logger: Logger(label: "final-test"))
    return (app, world)
}

/// A signed-in user as a client holds them.
struct Account {
    let id: String
    let username: String
    let access: String
    var auth: HTTPFields { [.authorization: "Bearer \(access)"] }
}

let thumbnailPNG = MediaSamples.png
let clipMP4 = MediaSamples.mp4(milliseconds: 12_345)

extension TestClientProtocol {
    /// Registers (multipart, with an avatar) and logs in.
    func signUp(_ username: String) async throws -> Account {
        let fields = [
            ("fullName", username.capitalized), ("email", "\(username)@example.com"), ("username", username), ("password", "chai aur code"),
        ]
        let registered = try await execute(
            uri: "/api/v1/users/register", method: .post, headers: formType,
            body: multipart(fields: fields, files: [("avatar", "me.png", thumbnailPNG)]))
        try #require(registered.status == .created, "register \(username): \(String(buffer: registered.body))")
        let login = try await call(.post, "/api/v1/users/login", json: #"{"username": "\#(username)", "password": "chai aur code"}"#)
        let data = try #require(try json(login.body).data)
        let user = try #require(data["user"]?.documentValue)
        return Account(id: user["_id"]?.stringValue ?? "", username: username, access: data["accessToken"]?.stringValue ?? "")
    }

    /// Uploads a video; returns the response.
    func upload(
        _ account: Account, title: String = "Chai aur Swift", description: String = "A first video", video: [UInt8] = clipMP4,
        thumbnail: [UInt8] = thumbnailPNG
    ) async throws -> TestResponse {
        var headers = formType
        headers[.authorization] = "Bearer \(account.access)"
        return try await execute(
            uri: "/api/v1/videos", method: .post, headers: headers,
            body: multipart(
                fields: [("title", title), ("description", description)],
                files: [("videoFile", "clip.mp4", video), ("thumbnail", "t.png", thumbnail)]))
    }

    /// Uploads a video and returns its id.
    func publish(_ account: Account, title: String = "Chai aur Swift") async throws -> String {
        let response = try await upload(account, title: title)
        try #require(response.status == .created, "\(String(buffer: response.body))")
        return try json(response.body).data?["_id"]?.stringValue ?? ""
    }

    /// A JSON request as `account`; returns the status and the body.
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, as account: Account?, json body: String? = nil) async throws -> (
        status: Int, body: Document
    ) {
        let response = try await call(method, uri, json: body, headers: account?.auth ?? [:])
        return (Int(response.status.code), try json(response.body))
    }
}

/// The path of a media URL the API gave (absolute since MediaLinks), to ask the server under test.
func mediaPath(_ url: String) -> String {
    guard let start = url.range(of: "/media/") else { return url }
    return String(url[start.lowerBound...])
}

extension Document {
    /// `data.docs` of a page (the video list, a video's comments: the aggregate-paginate object).
    var docs: [Document] { data?["docs"]?.arrayValue?.compactMap(\.documentValue) ?? [] }
    /// `data` of a list the course answers as an array (history, liked videos, tweets, …).
    var list: [Document] { self["data"]?.arrayValue?.compactMap(\.documentValue) ?? [] }
}
