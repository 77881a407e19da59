// Chapter 08: both media backends, Cloudinary's signed API (against a local stand-in that checks
// every signature), and the routes that carry files: nothing orphaned, replaced assets deleted.

import AccountMedia
import App
import AsyncHTTPClient
import Auth
import BSON
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Media
import Models
import NIOCore
import Passwords
import Responses
import Storage
import TestSupport
import Testing
import Uploads

@testable import Chapter08

let png = MediaSamples.png

/// A temp file as chapter 07 leaves it.
func tempFile(_ bytes: [UInt8], kind: FileKind, in folder: String) throws -> UploadedFile {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let format = try #require(kind.detect(bytes))
    let path = folder + "/\(UUID().uuidString).\(format.fileExtension)"
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return UploadedFile(field: "f", path: path, size: bytes.count, format: format, clientName: "x")
}

@Suite struct LocalMediaStorage {
    @Test func storesServesByURLReadsVideoDurationsAndDeletes() async throws {
        let media = LocalMedia(folder: scratchPath("media")), temp = scratchPath("temp")
        let image = try await media.upload(try tempFile(png, kind: .image, in: temp), folder: "avatars")
        #expect(image.url.hasPrefix("/media/avatars/") && image.url.hasSuffix(".png") && image.resourceType == "image")
        #expect(filesBelow(media.folder) == [image.publicId])
        #expect(media.publicId(forURL: image.url) == image.publicId)
        let video = try await media.upload(try tempFile(MediaSamples.mp4(milliseconds: 12_345), kind: .video, in: temp), folder: "videos")
        #expect(video.duration == 12.345 && video.resourceType == "video")
        try await media.delete(publicId: image.publicId, resourceType: "image")
        try await media.delete(publicId: image.publicId, resourceType: "image")  // already gone: fine
        #expect(filesBelow(media.folder) == [video.publicId])
        for hostile in ["../../etc/passwd", "/etc/passwd", "avatars/../../x.png", "a/b/c.png"] {
            await #expect(throws: MediaError.self, "\(hostile)") { try await media.delete(publicId: hostile, resourceType: "image") }
        }
    }

    @Test func theBackendIsChosenFromTheEnvironment() throws {
        #expect((try connectMedia { _ in nil } as? LocalMedia)?.folder == "./data/media")
        // The media folder follows the data unless MEDIA_DIR says otherwise.
        #expect((try connectMedia { ["DATA_DIR": "/srv/videotube"][$0] } as? LocalMedia)?.folder == "/srv/videotube/media")
        #expect((try connectMedia { ["DATA_DIR": "/srv/videotube", "MEDIA_DIR": "/mnt/media"][$0] } as? LocalMedia)?.folder == "/mnt/media")
        let cloud = try connectMedia { ["CLOUDINARY_CLOUD_NAME": "demo", "CLOUDINARY_API_KEY": "k", "CLOUDINARY_API_SECRET": "s"][$0] }
        #expect(cloud.location == "Cloudinary (cloud demo)")
        #expect(throws: ConfigError.self) { try connectMedia { $0 == "CLOUDINARY_API_KEY" ? "k" : nil } }
    }
}

@Suite struct Cloudinary {
    @Test func theSignatureIsCloudinarysOwnExample() {
        // From Cloudinary's "Generating authentication signatures" documentation.
        let parameters = ["timestamp": "1315060510", "public_id": "sample_image", "eager": "w_400,h_300,c_pad|w_260,h_200,c_crop"]
        #expect(CloudinaryMedia.signature(parameters, secret: "abcd") == "bfd09f95f331f558cbd1320e67aa8d488770583e")
    }

    @Test func uploadsAndDeletesAreSignedAndTheFileIsSent() async throws {
        let fake = FakeCloudinary()
        try await FakeCloudinary.app(fake, secret: "shh").test(.live) { client in
            let media = CloudinaryMedia(
                CloudinarySettings(cloudName: "demo", apiKey: "key", apiSecret: "shh", apiBase: "http://127.0.0.1:\(client.port!)"))
            let stored = try await media.upload(try tempFile(png, kind: .image, in: scratchPath("temp")), folder: "avatars")
            #expect(stored.url.hasPrefix("https://res.cloudinary.com/demo/image/upload/") && stored.publicId.hasPrefix("avatars/"))
            #expect(media.publicId(forURL: stored.url) == stored.publicId)
            try await media.delete(publicId: stored.publicId, resourceType: "image")
            let uploads = await fake.uploads
            #expect(uploads.count == 1 && uploads[0].folder == "avatars" && uploads[0].bytes > png.count)
            #expect(await fake.destroyed == [stored.publicId])

            let wrongSecret = CloudinaryMedia(
                CloudinarySettings(cloudName: "demo", apiKey: "key", apiSecret: "guess", apiBase: "http://127.0.0.1:\(client.port!)"))
            await #expect(throws: MediaError.self) {
                _ = try await wrongSecret.upload(try tempFile(png, kind: .image, in: scratchPath("temp")), folder: "avatars")
            }
            await fake.setFailing()
            await #expect(throws: MediaError.self) {
                _ = try await media.upload(try tempFile(png, kind: .image, in: scratchPath("temp")), folder: "avatars")
            }
        }
        // Cloudinary unreachable: a MediaError once connecting gives up (a short timeout here).
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .milliseconds(300))
        let impatient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let down = CloudinaryMedia(
            CloudinarySettings(cloudName: "demo", apiKey: "key", apiSecret: "shh", apiBase: "http://127.0.0.1:1"), client: impatient)
        await #expect(throws: MediaError.self) {
            _ = try await down.upload(try tempFile(png, kind: .image, in: scratchPath("temp")), folder: "avatars")
        }
        try await impatient.shutdown()
    }

    @Test func publicIdsComeBackFromTheURLsTheNodeVersionStored() {
        let media = CloudinaryMedia(CloudinarySettings(cloudName: "chai", apiKey: "k", apiSecret: "s"))
        #expect(media.publicId(forURL: "http://res.cloudinary.com/chai/image/upload/v1700000000/qwerty123.png") == "qwerty123")
        #expect(media.publicId(forURL: "https://res.cloudinary.com/chai/video/upload/v1/videos/talk.mp4") == "videos/talk")
        #expect(media.publicId(forURL: "https://example.com/chai.png") == nil)
    }
}

// MARK: The routes

/// A registration form's body: text fields, then files named after their field.
func form(_ fields: [(String, String)], files: [(String, [UInt8])]) -> ByteBuffer {
    multipart(fields: fields, files: files.map { ($0.0, "\($0.0).png", $0.1) })
}

let asha = [("fullName", "Asha Rao"), ("email", "asha@example.com"), ("username", "asha"), ("password", "chai aur code")]

@Suite struct AccountRoutes {
    struct Setup {
        let media: LocalMedia
        let temp: String
        let database: any StorageDatabase
    }

    /// Chapter 08's server on a fresh database, built by the function its `main.swift` runs,
    /// with local media and temp files in folders of the test's own.
    func app(_ backend: TestBackend) async throws -> (some ApplicationProtocol, Setup) {
        let connected = try await backend.connectedDatabase()
        let setup = Setup(media: LocalMedia(folder: scratchPath("media")), temp: scratchPath("temp"), database: connected.database)
        let config = AppConfig.testing([
            "MEDIA_DIR": setup.media.folder, "TEMP_DIR": setup.temp,
            "ACCESS_TOKEN_SECRET": String(repeating: "a", count: 32), "REFRESH_TOKEN_SECRET": String(repeating: "r", count: 32),
        ])
        let app = try await buildChapter08(config: config, database: connected, logger: Logger(label: "test"))
        return (app, setup)
    }

    @Test(arguments: TestBackend.available)
    func registerStoresTheAvatarAndAFailedRegistrationKeepsNoAsset(_ backend: TestBackend) async throws {
        let (app, setup) = try await app(backend)
        try await app.test(.router) { client in
            let created = try await client.execute(
                uri: "/api/v1/users/register", method: .post, headers: formType, body: form(asha, files: [("avatar", png), ("coverImage", png)]))
            #expect(created.status == .created)
            let user = try #require(try Document(extendedJSON: String(buffer: created.body))["data"]?.documentValue)
            #expect(
                user["avatar"]?.stringValue?.contains("/media/avatars/") == true
                    && user["coverImage"]?.stringValue?.contains("/media/covers/") == true)
            #expect(user["avatarId"] == nil && user["password"] == nil)
            #expect(filesBelow(setup.media.folder).count == 2)
            // The user keeps each asset's storage id, so a replaced or deleted one can leave storage.
            let stored = try #require(try await ModelCollection<User>(setup.database).findOne(["username": "asha"]))
            #expect(stored.avatarId?.hasPrefix("avatars/") == true && stored.coverImageId?.hasPrefix("covers/") == true)
            #expect(Set(filesBelow(setup.media.folder)) == Set([stored.avatarId, stored.coverImageId].compactMap { $0 }))

            // Taken username: 409, and the avatar it uploaded is deleted again.
            var again = asha
            again[1] = ("email", "other@example.com")
            let taken = try await client.execute(
                uri: "/api/v1/users/register", method: .post, headers: formType, body: form(again, files: [("avatar", png), ("coverImage", png)]))
            #expect(taken.status == .conflict)
            #expect(filesBelow(setup.media.folder).count == 2)  // both of its uploads deleted again
            // No avatar, a bad field, a weak password: 400 before anything is uploaded.
            var weak = asha
            weak[3] = ("password", "short")
            for (fields, files) in [
                (again, [(String, [UInt8])]()), ([("fullName", "")] + Array(again.dropFirst()), [("avatar", png)]), (weak, [("avatar", png)]),
            ] {
                let refused = try await client.execute(
                    uri: "/api/v1/users/register", method: .post, headers: formType, body: form(fields, files: files))
                #expect(refused.status == .badRequest)
            }
            #expect(filesBelow(setup.media.folder).count == 2)
        }
        #expect(filesBelow(setup.temp).isEmpty)
    }

    @Test(arguments: TestBackend.available)
    func aReplacedAvatarLeavesStorage(_ backend: TestBackend) async throws {
        let (app, setup) = try await app(backend)
        try await app.test(.router) { client in
            _ = try await client.execute(uri: "/api/v1/users/register", method: .post, headers: formType, body: form(asha, files: [("avatar", png)]))
            let first = filesBelow(setup.media.folder)
            let login = try await client.execute(
                uri: "/api/v1/users/login", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"username": "asha", "password": "chai aur code"}"#))
            let token = try #require(try Document(extendedJSON: String(buffer: login.body))["data"]?.documentValue?["accessToken"]?.stringValue)
            var headers = formType
            headers[.authorization] = "Bearer \(token)"
            let updated = try await client.execute(
                uri: "/api/v1/users/avatar", method: .patch, headers: headers, body: form([], files: [("avatar", png + [1])]))
            #expect(updated.status == .ok)
            let now = filesBelow(setup.media.folder)
            #expect(now.count == 1 && now != first)
            let cover = try await client.execute(
                uri: "/api/v1/users/cover-image", method: .patch, headers: headers, body: form([], files: [("coverImage", png)]))
            #expect(cover.status == .ok)
            #expect(filesBelow(setup.media.folder).count == 2)
            // Not logged in: 401, nothing stored.
            let anonymous = try await client.execute(
                uri: "/api/v1/users/avatar", method: .patch, headers: formType, body: form([], files: [("avatar", png)]))
            #expect(anonymous.status == .unauthorized)
            #expect(filesBelow(setup.media.folder).count == 2)
        }
        #expect(filesBelow(setup.temp).isEmpty)
    }
}
