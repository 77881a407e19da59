// A stand-in for Cloudinary's upload and destroy API, for the tests of chapter 08 and the Final
// server: it checks what the real one checks (the signature, the API key, that a file arrived)
// and records what it was asked to do.

import Foundation
import Hummingbird
import Media
import NIOCore

/// A stand-in for Cloudinary's API that checks what the real one checks: the signature over the
/// signed parameters, the API key, and that a file arrived.
public actor FakeCloudinary {
    public private(set) var uploads: [(folder: String, bytes: Int)] = []
    public private(set) var destroyed: [String] = []
    public private(set) var failUploads = false

    public init() {}
    func recordUpload(_ folder: String, _ bytes: Int) { uploads.append((folder, bytes)) }
    func recordDestroy(_ id: String) { destroyed.append(id) }
    public func setFailing() { failUploads = true }

    /// The stand-in as an application (`.test(.live)` gives it a port); `secret` is the API secret it checks.
    public static func app(_ fake: FakeCloudinary, secret: String) -> some ApplicationProtocol {
        let router = Router()
        router.post("v1_1/:cloud/:type/upload") { request, context -> Response in
            if await fake.failUploads {
                _ = try await request.body.collect(upTo: 10_000_000)
                return Response(status: .internalServerError)
            }
            let body = try await request.body.collect(upTo: 10_000_000)
            let text = String(decoding: body.readableBytesView, as: UTF8.self)
            func field(_ name: String) -> String? {
                guard let r = text.range(of: "name=\"\(name)\"\r\n\r\n") else { return nil }
                return String(text[r.upperBound...].prefix { $0 != "\r\n" })  // "\r\n" is one Character in Swift
            }
            guard let folder = field("folder"), let timestamp = field("timestamp"), field("api_key") == "key",
                field("signature") == CloudinaryMedia.signature(["folder": folder, "timestamp": timestamp], secret: secret),
                let file = text.range(of: "name=\"file\"; filename=")
            else { return Response(status: .unauthorized) }
            await fake.recordUpload(folder, text.distance(from: file.upperBound, to: text.endIndex))
            let type = context.parameters.get("type")!
            let id = "\(folder)/\(UUID().uuidString.prefix(8))"
            let json =
                #"{"secure_url": "https://res.cloudinary.com/demo/\#(type)/upload/v1712345678/\#(id).png", "public_id": "\#(id)", "resource_type": "\#(type)", "duration": 4.5}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        router.post("v1_1/:cloud/:type/destroy") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 10_000))
            var form: [String: String] = [:]
            for pair in body.split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                if kv.count == 2 { form[kv[0]] = kv[1] }
            }
            guard let id = form["public_id"], let ts = form["timestamp"],
                form["signature"] == CloudinaryMedia.signature(["public_id": id, "timestamp": ts], secret: secret)
            else { return Response(status: .unauthorized) }
            await fake.recordDestroy(id)
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"result":"ok"}"#)))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }
}
