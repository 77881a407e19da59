// Chapter 07 — uploads, the way multer does them, and safer.
//
// The course's `multer.middleware.js` stores every uploaded file on disk before the route runs:
//
// ```js
// const storage = multer.diskStorage({
//     destination: (req, file, cb) => cb(null, "./public/temp"),
//     filename: (req, file, cb) => cb(null, file.originalname),
// })
// router.route("/register").post(
//     upload.fields([{ name: "avatar", maxCount: 1 }, { name: "coverImage", maxCount: 1 }]),
//     registerUser)
// ```
//
// `Uploads.receive` does that job as a scope around the route's work. It streams the
// `multipart/form-data` body through MultipartKit's parser chunk by chunk (a 200 MB video is
// never held in memory), writes each expected file to the temp folder under a fresh random name,
// checks each file's real type from its first bytes and its size as it arrives, collects the
// text fields, and hands the route an `UploadedForm`. When the route's closure returns or
// throws — or the client disconnects halfway, or a limit is crossed — every temp file it wrote
// is deleted. Chapter 08 uploads the temp files to media storage inside that scope.
//
// **Fixes** over the original: the client's file name never becomes a path (`../../app.js`,
// or two users uploading `avatar.png` at once, overwrote files); sizes are limited (413); the
// type is checked by content (415); temp files never outlive the request.

import App
import Exercises
import Foundation
import Hummingbird

public struct Uploads: Sendable {
    public let settings: UploadSettings

    public init(_ settings: UploadSettings) { self.settings = settings }

    /// Receives the form, runs `body` with it, and deletes every temp file afterwards, whatever
    /// happened: success, a thrown error, a refused file, or the client going away.
    public func receive<T>(_ request: Request, files expected: [FileField], _ body: (UploadedForm) async throws -> T)
        async throws -> T
    {
        // EXERCISE 7.2: receive the form, run the route, always delete the temp files
        let receiver = Receiver(settings: settings, expected: expected)
        do {
            let form = try await receiver.read(request)
            let result = try await body(form)
            await receiver.removeAll()
            return result
        } catch {
            await receiver.removeAll()
            throw error
        }
        // END EXERCISE 7.2
    }
}

/// A file the route expects: multer's `{name: "avatar", maxCount: 1}`, plus what it must be.
public struct FileField: Sendable, Equatable {
    public let name: String
    public let kind: FileKind
    public let required: Bool

    public static func image(_ name: String, required: Bool = false) -> FileField {
        FileField(name: name, kind: .image, required: required)
    }
    public static func video(_ name: String, required: Bool = false) -> FileField {
        FileField(name: name, kind: .video, required: required)
    }
}

/// One stored temp file.
public struct UploadedFile: Sendable, Equatable {
    public let field: String
    /// Where it is: `<TEMP_DIR>/<random>.<ext>`.
    public let path: String
    public let size: Int
    public let format: FileKind.Format
    /// The name the client gave, for display only; it never reaches the file system.
    public let clientName: String

    public init(field: String, path: String, size: Int, format: FileKind.Format, clientName: String) {
        self.field = field
        self.path = path
        self.size = size
        self.format = format
        self.clientName = clientName
    }
}

/// What a multipart form carried, once its files are safely on disk.
public struct UploadedForm: Sendable {
    public var fields: [String: String]
    public var files: [String: UploadedFile]
}
