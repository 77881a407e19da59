// Chapter 07's server: `POST /api/v1/uploads` takes a multipart form with any text fields and
// up to four files (avatar, coverImage, thumbnail: images; videoFile: a video), streams them
// into TEMP_DIR under random names with size and type checks (Sources/Course/07-Uploads), and
// answers with what it received, as multer's `req.body` and `req.files` would show it. The temp
// files are deleted when the answer is ready: chapter 08 is where they go on to media storage.
// `main.swift` runs it; the tests build the very same one.

import App
import Database
import Hummingbird
import Logging
import Responses
import Uploads

struct Received: Encodable, Sendable {
    struct File: Encodable, Sendable {
        let field: String
        let originalName: String
        let format: String
        let mimeType: String
        let size: Int
    }
    let fields: [String: String]
    let files: [File]
}

public func buildChapter07(config: AppConfig, database: ConnectedDatabase, logger: Logger) throws
    -> some ApplicationProtocol
{
    let uploads = Uploads(try UploadSettings(config.settings.lookup))
    let accepted: [FileField] = [.image("avatar"), .image("coverImage"), .image("thumbnail"), .video("videoFile")]
    return buildApplication(
        config: config, logger: logger,
        errors: ErrorMiddleware()
    ) { router in
        HealthController(storage: database.storage).addRoutes(to: router)
        router.post("api/v1/uploads") { request, _ in
            try await uploads.receive(request, files: accepted) { form in
                let files = form.files.values.sorted { $0.field < $1.field }.map {
                    Received.File(
                        field: $0.field, originalName: $0.clientName, format: $0.format.name,
                        mimeType: $0.format.mimeType, size: $0.size)
                }
                return APIResponse(
                    200, Received(fields: form.fields, files: files),
                    "Received \(files.count) file(s); temp files removed")
            }
        }
    }
}
