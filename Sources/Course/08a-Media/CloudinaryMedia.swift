// Media on Cloudinary, through its upload API, which the `cloudinary` npm package calls:
// `POST https://api.cloudinary.com/v1_1/<cloud>/<image|video>/upload` and `…/destroy`, each
// signed with the API secret. The file streams from the temp folder into the request body, so a
// 200 MB video is never in memory.

import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOFileSystem
import Uploads

public struct CloudinarySettings: Sendable, Equatable {
    public var cloudName: String
    public var apiKey: String
    public var apiSecret: String
    /// Cloudinary's API; tests point it at a local stand-in.
    public var apiBase: String

    public init(cloudName: String, apiKey: String, apiSecret: String, apiBase: String = "https://api.cloudinary.com") {
        self.cloudName = cloudName
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.apiBase = apiBase
    }
}

public struct CloudinaryMedia: MediaStorage {
    public let settings: CloudinarySettings
    let client: HTTPClient

    public init(_ settings: CloudinarySettings, client: HTTPClient = CloudinaryMedia.client) {
        self.settings = settings
        self.client = client
    }

    /// One client for the process. Connecting gives up after 10 seconds (the default waits far
    /// longer, retrying, while the user's request hangs); a slow upload may take 2 minutes between
    /// bytes before it is abandoned.
    public static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(120))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public var location: String { "Cloudinary (cloud \(settings.cloudName))" }

    /// Cloudinary's signature: the signed parameters sorted by name as `a=1&b=2`, the API secret
    /// appended, SHA-1 in hex. (`api_key`, `file` and `resource_type` are not signed.)
    public static func signature(_ parameters: [String: String], secret: String) -> String {
        let text = parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&") + secret
        return Insecure.SHA1.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    func endpoint(_ resourceType: String, _ action: String) -> String {
        "\(settings.apiBase)/v1_1/\(settings.cloudName)/\(resourceType)/\(action)"
    }

    /// The signed form fields of a request: `parameters`, `api_key` and `signature`.
    func signed(_ parameters: [String: String]) -> [(String, String)] {
        let timestamped = parameters.merging(["timestamp": String(Int(Date().timeIntervalSince1970))]) { a, _ in a }
        return timestamped.sorted { $0.key < $1.key }
            + [("api_key", settings.apiKey), ("signature", Self.signature(timestamped, secret: settings.apiSecret))]
    }

    struct UploadAnswer: Decodable {
        let secure_url: String
        let public_id: String
        let resource_type: String
        let duration: Double?
    }

    public func upload(_ file: UploadedFile, folder: String) async throws -> StoredMedia {
        let kind = file.format.kind.rawValue
        let boundary = "videotube-\(UUID().uuidString)"
        var head = ByteBuffer()
        for (name, value) in signed(["folder": folder]) {
            head.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        head.writeString(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; "
                + "filename=\"upload.\(file.format.fileExtension)\"\r\n"
        )
        head.writeString("Content-Type: \(file.format.mimeType)\r\n\r\n")
        let tail = ByteBuffer(string: "\r\n--\(boundary)--\r\n")

        let (status, body) = try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(file.path)) { handle in
            var request = HTTPClientRequest(url: endpoint(kind, "upload"))
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
            let parts = MultipartStream(head: head, file: handle.readChunks(in: 0..<Int64(file.size)), tail: tail)
            request.body = .stream(parts, length: .known(Int64(head.readableBytes + file.size + tail.readableBytes)))
            return try await send(request)
        }
        guard status == 200, let answer = try? JSONDecoder().decode(UploadAnswer.self, from: Data(buffer: body)) else {
            throw MediaError("Cloudinary upload answered \(status): \(String(buffer: body).prefix(300))")
        }
        return StoredMedia(
            url: answer.secure_url, publicId: answer.public_id, resourceType: answer.resource_type,
            duration: answer.duration)
    }

    /// `https://res.cloudinary.com/<cloud>/image/upload/v1712345678/avatars/abc123.png` →
    /// `avatars/abc123`: the version and the extension are not part of the id.
    public func publicId(forURL url: String) -> String? {
        guard let range = url.range(of: "/\(settings.cloudName)/"),
            let upload = url.range(of: "/upload/", range: range.upperBound..<url.endIndex)
        else { return nil }
        var parts = url[upload.upperBound...].split(separator: "/").map(String.init)
        if let first = parts.first, first.hasPrefix("v"), first.dropFirst().allSatisfy(\.isNumber) {
            parts.removeFirst()
        }
        guard var last = parts.popLast() else { return nil }
        if let dot = last.lastIndex(of: ".") { last = String(last[..<dot]) }
        return (parts + [last]).joined(separator: "/")
    }

    public func delete(publicId: String, resourceType: String) async throws {
        var request = HTTPClientRequest(url: endpoint(resourceType == "video" ? "video" : "image", "destroy"))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let form = signed(["public_id": publicId]).map { "\($0.0)=\(Self.formEncode($0.1))" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: form))
        let (status, body) = try await send(request)
        // {"result": "ok"}, or {"result": "not found"} for an asset already gone: both are done.
        guard status == 200 else {
            throw MediaError("Cloudinary destroy answered \(status): \(String(buffer: body).prefix(300))")
        }
    }

    func send(_ request: HTTPClientRequest) async throws -> (Int, ByteBuffer) {
        do {
            let response = try await client.execute(request, timeout: .seconds(300))
            return (Int(response.status.code), try await response.body.collect(upTo: 1 << 20))
        } catch let error as MediaError {
            throw error
        } catch {
            throw MediaError("Cloudinary unreachable: \(error)")
        }
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// The request body: the form's head, the file's chunks as they are read, the closing boundary.
struct MultipartStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let head: ByteBuffer
    let file: FileChunks
    let tail: ByteBuffer

    struct AsyncIterator: AsyncIteratorProtocol {
        var stage = 0
        let head: ByteBuffer
        var file: FileChunks.AsyncIterator
        let tail: ByteBuffer

        mutating func next() async throws -> ByteBuffer? {
            switch stage {
            case 0:
                stage = 1
                return head
            case 1:
                if let chunk = try await file.next() { return chunk }
                stage = 2
                return tail
            default:
                return nil
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(head: head, file: file.makeAsyncIterator(), tail: tail)
    }
}
