/// Chapter 07 — uploads, the way multer does them, and safer.
///
/// The course's `multer.middleware.js` stores every uploaded file on disk before the route runs:
///
/// ```js
/// const storage = multer.diskStorage({
///     destination: (req, file, cb) => cb(null, "./public/temp"),
///     filename: (req, file, cb) => cb(null, file.originalname),
/// })
/// router.route("/register").post(upload.fields([{ name: "avatar", maxCount: 1 }, { name: "coverImage", maxCount: 1 }]), registerUser)
/// ```
///
/// `Uploads.receive` does that job as a scope around the route's work. It streams the
/// `multipart/form-data` body through MultipartKit's parser chunk by chunk (a 200 MB video is
/// never held in memory), writes each expected file to the temp folder under a fresh random name,
/// checks each file's real type from its first bytes and its size as it arrives, collects the
/// text fields, and hands the route an `UploadedForm`. When the route's closure returns or
/// throws — or the client disconnects halfway, or a limit is crossed — every temp file it wrote
/// is deleted. Chapter 08 uploads the temp files to media storage inside that scope.
///
/// **Fixes** over the original: the client's file name never becomes a path (`../../app.js`,
/// or two users uploading `avatar.png` at once, overwrote files); sizes are limited (413); the
/// type is checked by content (415); temp files never outlive the request.
import App
import Foundation
import Hummingbird
import MultipartKit
import NIOCore
import NIOFileSystem

/// A file the route expects: multer's `{name: "avatar", maxCount: 1}`, plus what it must be.
public struct FileField: Sendable, Equatable {
    public let name: String
    public let kind: FileKind
    public let required: Bool

    public static func image(_ name: String, required: Bool = false) -> FileField { FileField(name: name, kind: .image, required: required) }
    public static func video(_ name: String, required: Bool = false) -> FileField { FileField(name: name, kind: .video, required: required) }
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

/// Where temp files go and how large they may be (`TEMP_DIR`, `MAX_IMAGE_BYTES`, `MAX_VIDEO_BYTES`).
public struct UploadSettings: Sendable, Equatable {
    public var tempFolder: String
    public var maxImageBytes: Int
    public var maxVideoBytes: Int
    /// All text fields of one form together, as chapter 02's limit for form bodies.
    public var maxFieldBytes: Int

    public init(tempFolder: String = "./public/temp", maxImageBytes: Int = 5_000_000, maxVideoBytes: Int = 200_000_000, maxFieldBytes: Int = AppConfig.bodyLimit) {
        self.tempFolder = tempFolder
        self.maxImageBytes = maxImageBytes
        self.maxVideoBytes = maxVideoBytes
        self.maxFieldBytes = maxFieldBytes
    }

    public init(_ lookup: (String) -> String?) throws(ConfigError) {
        func bytes(_ name: String, _ fallback: Int) throws(ConfigError) -> Int {
            guard let text = lookup(name), !text.isEmpty else { return fallback }
            guard let n = Int(text), n > 0 else { throw ConfigError("\(name) must be a positive number of bytes, not \"\(text)\"") }
            return n
        }
        self.init(
            tempFolder: lookup("TEMP_DIR").flatMap { $0.isEmpty ? nil : $0 } ?? "./public/temp",
            maxImageBytes: try bytes("MAX_IMAGE_BYTES", 5_000_000), maxVideoBytes: try bytes("MAX_VIDEO_BYTES", 200_000_000))
    }

    public func limit(for kind: FileKind) -> Int { kind == .image ? maxImageBytes : maxVideoBytes }
}

/// Why an upload was refused; each answers with its status and names the field.
public enum UploadError: Error, Equatable, Sendable, APIErrorRepresentable {
    case notMultipart
    case malformed
    /// The body stopped before it was complete (the client went away).
    case interrupted
    case unexpectedFile(String)
    case repeatedFile(String)
    case missingFile(String)
    case tooLarge(String, limit: Int)
    case wrongType(String, FileKind)
    case fieldsTooLarge(limit: Int)

    public var statusCode: Int {
        switch self {
        case .notMultipart, .wrongType: 415
        case .tooLarge, .fieldsTooLarge: 413
        case .malformed, .interrupted, .unexpectedFile, .repeatedFile, .missingFile: 400
        }
    }

    public var message: String {
        switch self {
        case .notMultipart: "Send the form as multipart/form-data"
        case .malformed: "Malformed multipart body"
        case .interrupted: "The upload was interrupted"
        case .unexpectedFile(let f): "Unexpected file field \(f)"
        case .repeatedFile(let f): "Send one file as \(f)"
        case .missingFile(let f): "\(f) file is required"
        case .tooLarge(let f, let limit): "\(f) is larger than \(Self.megabytes(limit))"
        case .wrongType(let f, let kind): "\(f) must be \(kind.accepted)"
        case .fieldsTooLarge(let limit): "Form fields are larger than \(limit / 1024) kB"
        }
    }

    public var fieldErrors: [FieldError] {
        switch self {
        case .unexpectedFile(let f), .repeatedFile(let f), .missingFile(let f), .tooLarge(let f, _), .wrongType(let f, _):
            [FieldError(field: f, message: message)]
        default: []
        }
    }

    static func megabytes(_ bytes: Int) -> String {
        bytes % 1_000_000 == 0 ? "\(bytes / 1_000_000) MB" : String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }
}

public struct Uploads: Sendable {
    public let settings: UploadSettings

    public init(_ settings: UploadSettings) { self.settings = settings }

    /// Receives the form, runs `body` with it, and deletes every temp file afterwards, whatever
    /// happened: success, a thrown error, a refused file, or the client going away.
    public func receive<T>(_ request: Request, files expected: [FileField], _ body: (UploadedForm) async throws -> T) async throws -> T {
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
    }
}

/// One request's parse: MultipartKit's parser reports headers, body bytes and part ends through
/// callbacks; they are queued as events and handled (with file writes) after each chunk.
final class Receiver {
    enum Event {
        case header(String, String)
        case body(ByteBuffer)
        case partEnd
    }

    enum Part {
        case text(name: String, bytes: [UInt8])
        case file(FileField, clientName: String, head: [UInt8], size: Int, output: Output?)
        case skipped  // a file input left empty by the browser (no name, no bytes)
    }

    struct Output {
        let handle: WriteFileHandle
        let path: FilePath
        let format: FileKind.Format
    }

    let settings: UploadSettings
    let expected: [String: FileField]
    var events: [Event] = []
    var headers: [(String, String)] = []
    var part: Part?
    var fields: [String: String] = [:]
    var fieldBytes = 0
    var files: [String: UploadedFile] = [:]
    var written: [FilePath] = []
    var open: WriteFileHandle?

    init(settings: UploadSettings, expected: [FileField]) {
        self.settings = settings
        self.expected = Dictionary(expected.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    func read(_ request: Request) async throws -> UploadedForm {
        guard let boundary = Self.boundary(request.headers[.contentType]) else { throw UploadError.notMultipart }
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { [unowned self] name, value in events.append(.header(name, value)) }
        parser.onBody = { [unowned self] buffer in events.append(.body(buffer)) }
        parser.onPartComplete = { [unowned self] in events.append(.partEnd) }
        var parts = 0
        var chunks = request.body.makeAsyncIterator()
        while let chunk = try await Self.next(&chunks) {
            do { try parser.execute(chunk) } catch { throw UploadError.malformed }
            for event in events {
                if case .partEnd = event { parts += 1 }
                try await handle(event)
            }
            events.removeAll(keepingCapacity: true)
        }
        // A body cut off before its closing boundary leaves a part open (or none at all).
        guard part == nil, headers.isEmpty, parts > 0 else { throw UploadError.malformed }
        for field in expected.values.sorted(by: { $0.name < $1.name }) where field.required && files[field.name] == nil {
            throw UploadError.missingFile(field.name)
        }
        return UploadedForm(fields: fields, files: files)
    }

    func handle(_ event: Event) async throws {
        switch event {
        case .header(let name, let value):
            headers.append((name, value))
        case .body(var buffer):
            if part == nil { part = try start() }
            try await feed(buffer.readBytes(length: buffer.readableBytes) ?? [])
        case .partEnd:
            if part == nil { part = try start() }
            try await finish()
        }
    }

    /// The next chunk of the body; a connection that breaks off is `.interrupted`.
    static func next(_ chunks: inout RequestBody.AsyncIterator) async throws -> ByteBuffer? {
        do { return try await chunks.next() } catch { throw UploadError.interrupted }
    }

    /// A new part, from its `Content-Disposition: form-data; name="…"; filename="…"`.
    func start() throws -> Part {
        defer { headers.removeAll() }
        guard let disposition = headers.first(where: { $0.0.lowercased() == "content-disposition" })?.1,
            let parameters = Self.parameters(disposition), let name = parameters["name"], !name.isEmpty
        else { throw UploadError.malformed }
        guard let clientName = parameters["filename"] else { return .text(name: name, bytes: []) }
        guard let field = expected[name] else {
            // Browsers send an empty part for a file input left empty: not a file at all.
            if clientName.isEmpty { return .skipped }
            throw UploadError.unexpectedFile(name)
        }
        guard files[name] == nil else { throw UploadError.repeatedFile(name) }
        return .file(field, clientName: clientName, head: [], size: 0, output: nil)
    }

    func feed(_ bytes: [UInt8]) async throws {
        switch part {
        case .text(let name, var text):
            fieldBytes += bytes.count
            guard fieldBytes <= settings.maxFieldBytes else { throw UploadError.fieldsTooLarge(limit: settings.maxFieldBytes) }
            text += bytes
            part = .text(name: name, bytes: text)
        case .file(let field, let clientName, var head, var size, var output):
            size += bytes.count
            guard size <= settings.limit(for: field.kind) else { throw UploadError.tooLarge(field.name, limit: settings.limit(for: field.kind)) }
            if let output {
                try await output.handle.write(contentsOf: bytes, toAbsoluteOffset: Int64(size - bytes.count))
            } else {
                head += bytes
                if head.count >= FileKind.sniffLength {
                    output = try await create(field, head: head)
                    head = []
                }
            }
            part = .file(field, clientName: clientName, head: head, size: size, output: output)
        case .skipped:
            guard bytes.isEmpty else { throw UploadError.malformed }
        case nil:
            throw UploadError.malformed
        }
    }

    func finish() async throws {
        switch part {
        case .text(let name, let bytes):
            fields[name] = String(decoding: bytes, as: UTF8.self)
        case .file(let field, let clientName, let head, let size, var output):
            if size == 0, clientName.isEmpty {
                break  // an empty file input
            }
            if output == nil { output = try await create(field, head: head) }  // a file shorter than the sniff length
            guard let output else { throw UploadError.malformed }
            try await output.handle.close()
            open = nil
            files[field.name] = UploadedFile(field: field.name, path: output.path.string, size: size, format: output.format, clientName: clientName)
        case .skipped, nil:
            break
        }
        part = nil
    }

    /// Checks the leading bytes, then opens `<temp>/<random>.<ext>` and writes them.
    func create(_ field: FileField, head: [UInt8]) async throws -> Output {
        guard let format = field.kind.detect(head) else { throw UploadError.wrongType(field.name, field.kind) }
        let folder = FilePath(settings.tempFolder)
        try await FileSystem.shared.createDirectory(at: folder, withIntermediateDirectories: true, permissions: nil)
        let path = folder.appending("\(UUID().uuidString.lowercased()).\(format.fileExtension)")
        let handle = try await FileSystem.shared.openFile(forWritingAt: path, options: .newFile(replaceExisting: false))
        written.append(path)
        open = handle
        try await handle.write(contentsOf: head, toAbsoluteOffset: 0)
        return Output(handle: handle, path: path, format: format)
    }

    /// Discards the file being written and deletes every finished one. A file is written
    /// "transactionally" (NIOFileSystem opens it with Linux's `O_TMPFILE`): it has no name until
    /// it is closed with its changes made visible, so a half-received file is dropped by closing
    /// it without them, and is never seen by anyone, even if the process dies. `unlink` is one
    /// quick system call, made directly so that a cancelled task cannot skip it.
    func removeAll() async {
        if let open { try? await open.close(makeChangesVisible: false) }
        open = nil
        for path in written { unlink(path.string) }
        written.removeAll()
    }

    /// The boundary of a `multipart/form-data` Content-Type, if that is what it is.
    static func boundary(_ contentType: String?) -> String? {
        guard let contentType, let parameters = parameters(contentType),
            contentType.lowercased().hasPrefix("multipart/form-data"), let boundary = parameters["boundary"],
            (1...70).contains(boundary.count)
        else { return nil }
        return boundary
    }

    /// `value; key=token; key="quoted \"text\""` → the keys (lowercased) and their values.
    static func parameters(_ header: String) -> [String: String]? {
        var result: [String: String] = [:]
        var rest = Substring(header)
        guard let first = rest.firstIndex(of: ";") else { return [:] }
        rest = rest[rest.index(after: first)...]
        while !rest.isEmpty {
            rest = rest.drop(while: { $0 == " " || $0 == ";" })
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                var closed = false
                while let ch = rest.first {
                    rest = rest.dropFirst()
                    if escaped { value.append(ch); escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { closed = true; break } else { value.append(ch) }
                }
                guard closed else { return nil }
            } else {
                let end = rest.firstIndex(of: ";") ?? rest.endIndex
                value = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            result[key] = value
        }
        return result
    }
}
