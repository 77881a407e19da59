// Helpers every HTTP test uses: JSON bodies, multipart forms, tiny media files, scratch
// folders, and a fresh database as `runServer` hands it to a server's builder.

import App
import BSON
import Database
import EmbeddedStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Storage

/// A response body as a document.
public func json(_ buffer: ByteBuffer) throws -> Document { try Document(extendedJSON: String(buffer: buffer)) }

public let jsonHeaders: HTTPFields = [.contentType: "application/json"]
public func bearer(_ token: String?) -> HTTPFields { [.authorization: "Bearer \(token ?? "")"] }
public func cookie(_ name: String, _ value: String?) -> HTTPFields { [.cookie: "\(name)=\(value ?? "")"] }

extension Document {
    /// The `data` of an API answer, when it is an object.
    public var data: Document? { self["data"]?.documentValue }
}

extension TestClientProtocol {
    /// A request with an optional JSON body.
    @discardableResult
    public func call(_ method: HTTPRequest.Method, _ uri: String, json body: String? = nil, headers: HTTPFields = [:]) async throws
        -> HummingbirdTesting.TestResponse
    {
        var fields = headers
        if body != nil { fields[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) })
    }
}

// MARK: Multipart forms

/// The boundary `multipart(...)` uses by default, and the Content-Type that names it.
public let formBoundary = "----videotube-test-boundary"
public let formType: HTTPFields = [.contentType: "multipart/form-data; boundary=\(formBoundary)"]

/// A multipart body: text fields, then files as (field, filename, bytes); `close: false`
/// leaves out the final boundary (a body cut short).
public func multipart(
    _ boundary: String = formBoundary, fields: [(String, String)] = [], files: [(String, String, [UInt8])] = [], close: Bool = true
) -> ByteBuffer {
    var body = ByteBuffer()
    for (name, value) in fields {
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
    }
    for (name, filename, bytes) in files {
        body.writeString(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        body.writeBytes(bytes)
        body.writeString("\r\n")
    }
    if close { body.writeString("--\(boundary)--\r\n") }
    return body
}

// MARK: Tiny media files (real magic bytes, as uploads check them)

public enum MediaSamples {
    /// A real 1×1 PNG (transparent): signature, IHDR, IDAT, IEND, each with its CRC.
    public static let png: [UInt8] =
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [0, 0, 0, 13] + Array("IHDR".utf8) + [0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]
        + [0x1F, 0x15, 0xC4, 0x89] + [0, 0, 0, 11] + Array("IDAT".utf8) + [120, 156, 99, 96, 0, 2, 0, 0, 5, 0, 1] + [0x7A, 0x5E, 0xAB, 0x3F]
        + [0, 0, 0, 0] + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82]
    public static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16] + Array("JFIF".utf8) + [0, 1]
    /// An MP4 that says nothing of its length.
    public static let mp4: [UInt8] = [0, 0, 0, 24] + Array("ftypisom".utf8) + [0, 0, 2, 0]

    /// An MP4 whose `mvhd` box says it lasts `milliseconds` (ftyp, free, then moov/mvhd, version 0).
    public static func mp4(milliseconds: UInt32) -> [UInt8] {
        func be32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian, Array.init) }
        let ftyp = be32(16) + Array("ftypisom".utf8) + be32(0x200)
        let mvhdBody: [UInt8] = [0, 0, 0, 0] + be32(0) + be32(0) + be32(1000) + be32(milliseconds) + [UInt8](repeating: 0, count: 80)
        let mvhd = be32(UInt32(8 + mvhdBody.count)) + Array("mvhd".utf8) + mvhdBody
        let moov = be32(UInt32(8 + mvhd.count)) + Array("moov".utf8) + mvhd
        return ftyp + be32(16) + Array("free".utf8) + [UInt8](repeating: 0, count: 8) + moov
    }
}

// MARK: Folders and databases

/// A path for a new folder under the temporary directory (not created).
public func scratchPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
}

/// The files below `folder` (relative paths, sorted); none when it does not exist.
public func filesBelow(_ folder: String) -> [String] {
    (try? FileManager.default.subpathsOfDirectory(atPath: folder))?.filter { path in
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: folder + "/" + path, isDirectory: &isFolder) && !isFolder.boolValue
    }.sorted() ?? []
}

extension TestBackend {
    /// A fresh, empty database of this backend, as `runServer` hands it to a server's builder.
    public func connectedDatabase() async throws -> ConnectedDatabase {
        let database = try await freshDatabase()
        return ConnectedDatabase(storage: try await Backends.shared.storage(for: self), database: database, summary: "test database \(database.name)")
    }
}

extension AppConfig {
    /// A server's settings for tests: port 0 and these variables (plus fast bcrypt unless given).
    public static func testing(_ variables: [String: String] = [:]) -> AppConfig {
        // Tests log in far more often than a person: no rate limits unless a test sets them.
        var values = [
            "BCRYPT_COST": "4", "AUTH_RATE_LIMIT_PER_ADDRESS": "0", "AUTH_RATE_LIMIT_PER_ACCOUNT": "0", "AUTH_RATE_LIMIT_ACCOUNT_CEILING": "0",
            "AUTH_RATE_LIMIT_REFRESH": "0",
        ]
        values.merge(variables) { $1 }
        var config = AppConfig(port: 0, settings: Settings(values))
        config.corsOrigins = (values["CORS_ORIGIN"] ?? "").split(separator: ",").map(String.init)
        return config
    }
}
