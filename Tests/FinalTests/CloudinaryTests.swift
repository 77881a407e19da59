// The Final server on Cloudinary (a local stand-in that checks every signature): the same routes,
// the other media backend. Durations come from Cloudinary's answer; a replaced thumbnail and a
// deleted video's files are destroyed there.

import App
import BSON
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Media
import TestSupport
import Testing

@testable import Final

@Suite struct FinalOnCloudinary {
    @Test(arguments: TestBackend.available)
    func videosGoToCloudinaryAndLeaveIt(_ backend: TestBackend) async throws {
        let fake = FakeCloudinary()
        try await FakeCloudinary.app(fake, secret: "shh").test(.live) { cloud in
            let media = CloudinaryMedia(
                CloudinarySettings(cloudName: "demo", apiKey: "key", apiSecret: "shh", apiBase: "http://127.0.0.1:\(cloud.port!)"))
            let config = AppConfig.testing(["TEMP_DIR": scratchPath("temp")])
            let app = try await buildFinalServer(
                config: config, database: try await backend.connectedDatabase(), logger: Logger(label: "t"), media: media)
            try await app.test(.router) { client in
                let asha = try await client.signUp("asha")
                let uploaded = try await client.upload(asha)
                #expect(uploaded.status == .created)
                let video = try #require(try json(uploaded.body).data)
                #expect(video["duration"]?.doubleValue == 4.5)  // what Cloudinary measured
                #expect(video["videoFile"]?.stringValue?.hasPrefix("https://res.cloudinary.com/demo/video/upload/") == true)
                let id = try #require(video["_id"]?.stringValue)
                let firstThumbnail = try #require(video["thumbnailId"]?.stringValue)
                #expect(await fake.uploads.map(\.folder) == ["avatars", "videos", "thumbnails"])

                var headers = formType
                headers[.authorization] = "Bearer \(asha.access)"
                let patched = try await client.execute(
                    uri: "/api/v1/videos/\(id)", method: .patch, headers: headers, body: multipart(files: [("thumbnail", "t.png", thumbnailPNG)]))
                #expect(patched.status == .ok)
                let secondThumbnail = try #require(try json(patched.body).data?["thumbnailId"]?.stringValue)
                #expect(await fake.destroyed == [firstThumbnail])

                #expect(try await client.send(.delete, "/api/v1/videos/\(id)", as: asha).status == 200)
                #expect(await fake.destroyed == [firstThumbnail, video["videoFileId"]?.stringValue ?? "?", secondThumbnail])
            }
        }
    }
}
