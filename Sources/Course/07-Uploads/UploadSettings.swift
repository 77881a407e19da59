// Chapter 07's settings and refusals: where temp files go, how large they may be, and why an
// upload is refused, each with its status code and the field it names.

import App
import Foundation
import Responses

/// Where temp files go and how large they may be: `TEMP_DIR`, `MAX_IMAGE_BYTES`, `MAX_VIDEO_BYTES`.
public struct UploadSettings: Sendable, Equatable {
    public var tempFolder: String
    public var maxImageBytes: Int
    public var maxVideoBytes: Int
    /// All text fields of one form together, names and values, as chapter 02's limit for form bodies.
    public var maxFieldBytes: Int
    /// `MAX_FORM_PARTS`: the most parts, fields and files, one form may have.
    public var maxParts: Int
    /// `MAX_PART_HEADER_BYTES`: the most bytes of headers one part may have.
    public var maxPartHeaderBytes: Int
    /// `UPLOAD_TIMEOUT`, 30 minutes: the seconds a whole upload may take. A client that keeps
    /// sending a byte now and then, never idle, still ends, with 408.
    public var timeout: Int

    public init(
        tempFolder: String = "./public/temp", maxImageBytes: Int = 5_000_000, maxVideoBytes: Int = 200_000_000,
        maxFieldBytes: Int = AppConfig.bodyLimit, maxParts: Int = 50, maxPartHeaderBytes: Int = 4096,
        timeout: Int = 1800
    ) {
        self.timeout = timeout
        self.tempFolder = tempFolder
        self.maxImageBytes = maxImageBytes
        self.maxVideoBytes = maxVideoBytes
        self.maxFieldBytes = maxFieldBytes
        self.maxParts = maxParts
        self.maxPartHeaderBytes = maxPartHeaderBytes
    }

    /// Reads `TEMP_DIR`, `MAX_IMAGE_BYTES`, `MAX_VIDEO_BYTES`, `MAX_FORM_PARTS` and
    /// `MAX_PART_HEADER_BYTES` through a `Settings` lookup.
    public init(_ lookup: (String) -> String?) throws(ConfigError) {
        func number(_ name: String, _ fallback: Int) throws(ConfigError) -> Int {
            guard let text = lookup(name) else { return fallback }
            guard let n = Int(text), n > 0 else {
                throw ConfigError("\(name) must be a positive number, not \"\(text)\"")
            }
            return n
        }
        self.init(
            tempFolder: lookup("TEMP_DIR") ?? "./public/temp",
            maxImageBytes: try number("MAX_IMAGE_BYTES", 5_000_000),
            maxVideoBytes: try number("MAX_VIDEO_BYTES", 200_000_000),
            maxParts: try number("MAX_FORM_PARTS", 50), maxPartHeaderBytes: try number("MAX_PART_HEADER_BYTES", 4096),
            timeout: try number("UPLOAD_TIMEOUT", 1800))
    }

    public func limit(for kind: FileKind) -> Int { kind == .image ? maxImageBytes : maxVideoBytes }

    /// The most a whole form for `files` may weigh: each file at its limit, the fields, and each
    /// part's headers and boundaries. A streamed body has no other cap, so this is it: 413 beyond.
    public func maxBodyBytes(for files: [FileField]) -> Int {
        files.reduce(0) { $0 + limit(for: $1.kind) } + maxFieldBytes + maxParts * (maxPartHeaderBytes + 200)
    }
}

/// Why an upload was refused; each answers with its status and names the field.
public enum UploadError: Error, Equatable, Sendable, APIErrorRepresentable {
    case notMultipart
    case malformed
    /// The body stopped before it was complete: the client went away.
    case interrupted
    case unexpectedFile(String)
    case repeatedFile(String)
    case missingFile(String)
    case tooLarge(String, limit: Int)
    case wrongType(String, FileKind)
    case fieldsTooLarge(limit: Int)
    case bodyTooLarge(limit: Int)
    case tooManyParts(limit: Int)
    case headersTooLarge(limit: Int)
    case timedOut(seconds: Int)

    public var statusCode: Int {
        switch self {
        case .notMultipart, .wrongType: 415
        case .tooLarge, .fieldsTooLarge, .bodyTooLarge: 413
        case .malformed, .interrupted, .unexpectedFile, .repeatedFile, .missingFile, .tooManyParts, .headersTooLarge:
            400
        case .timedOut: 408
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
        case .bodyTooLarge(let limit): "The form is larger than \(Self.megabytes(limit))"
        case .tooManyParts(let limit): "The form has more than \(limit) parts"
        case .headersTooLarge(let limit): "A part's headers are larger than \(limit) bytes"
        case .timedOut(let seconds): "The upload took longer than \(seconds) seconds"
        }
    }

    public var fieldErrors: [FieldError] {
        switch self {
        case .unexpectedFile(let f), .repeatedFile(let f), .missingFile(let f), .tooLarge(let f, _),
            .wrongType(let f, _):
            [FieldError(field: f, message: message)]
        default: []
        }
    }

    static func megabytes(_ bytes: Int) -> String {
        bytes % 1_000_000 == 0 ? "\(bytes / 1_000_000) MB" : String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }
}
