// Media URLs a frontend can use as they come: absolute, as Cloudinary's are.
//
// The course stores Cloudinary's answer, `https://res.cloudinary.com/…/video.mp4`, and every
// frontend written for it does `<video src={video.videoFile}>`. The local media folder's files
// are at `/media/…` on this server; a frontend on its own origin (vite's :5173 against the API's
// :8000) would resolve that path against itself and find nothing. So the path is what is stored
// (moving the server to another address breaks nothing), and the address is added when answering:
//
//     stored:   "avatar": "/media/avatars/6f1c….png"
//     answered: "avatar": "http://localhost:8000/media/avatars/6f1c….png"
//
// The address is `PUBLIC_URL` when set, as a deployment behind a proxy sets it, otherwise the
// request's own `Host` (and, from a `TRUSTED_PROXIES` address only, `X-Forwarded-Host` and
// `X-Forwarded-Proto`). Cloudinary's URLs are absolute already and pass untouched.

import App
import Auth
import Database
import Foundation
import HTTPTypes
import Hummingbird
import Media
import NIOCore

public struct MediaLinks: Sendable {
    /// The JSON fields that hold media URLs.
    static let fields = ["avatar", "coverImage", "videoFile", "thumbnail"]

    /// `PUBLIC_URL` without its trailing `/`, when set.
    public let publicURL: String?
    /// Proxies whose `X-Forwarded-Host` and `X-Forwarded-Proto` are believed: `TRUSTED_PROXIES`.
    let trustedProxies: TrustedProxies

    public init(publicURL: String? = nil, trustedProxies: TrustedProxies = TrustedProxies()) {
        self.publicURL = publicURL
        self.trustedProxies = trustedProxies
    }

    /// Reads `PUBLIC_URL` (e.g. `https://videotube.example.com`): http or https, a host, an
    /// optional port and path, nothing that would need escaping in JSON.
    public init(_ lookup: (String) -> String?, trustedProxies: TrustedProxies) throws(ConfigError) {
        guard var url = lookup("PUBLIC_URL") else {
            self.init(trustedProxies: trustedProxies)
            return
        }
        while url.hasSuffix("/") { url.removeLast() }
        let parts = url.split(separator: "://", maxSplits: 1)
        guard parts.count == 2, parts[0] == "http" || parts[0] == "https" else {
            throw ConfigError("PUBLIC_URL must start with http:// or https://, not \"\(url)\"")
        }
        let rest = parts[1]
        let authority = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard Self.isAuthority(authority),
            rest.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._~/:[]%".contains($0)) })
        else {
            throw ConfigError("PUBLIC_URL must be a URL like https://videotube.example.com, not \"\(url)\"")
        }
        self.init(publicURL: url, trustedProxies: trustedProxies)
    }

    /// Where this request reached the server, as `scheme://host[:port]`; nil when its host is
    /// missing or not a plain host name or address; then the paths stay as stored.
    func base(of request: Request, from socket: String?) -> String? {
        if let publicURL { return publicURL }
        var scheme = "http"
        var host = request.head.authority  // the Host header
        if let socket, trustedProxies.contains(socket) {
            if let forwarded = request.headers[Self.forwardedHost]?.split(separator: ",").first {
                host = forwarded.trimmingCharacters(in: .whitespaces)
            }
            if let proto = request.headers[Self.forwardedProto]?.split(separator: ",").first?.trimmingCharacters(
                in: .whitespaces
            ).lowercased(),
                proto == "https" || proto == "http"
            {
                scheme = proto
            }
        }
        guard let host, Self.isAuthority(Substring(host)) else { return nil }
        return "\(scheme)://\(host)"
    }

    /// `name`, `name:port`, `1.2.3.4:port` or `[::1]:port`: nothing else may reach the JSON.
    static func isAuthority(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 255 else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-.:[]".contains($0)) }
    }

    /// The JSON text with every stored media path in a media field made absolute. A path is
    /// matched with its field name and quotes (`"avatar":"/media/`): inside a JSON string a quote
    /// is always escaped, so user text can never look like one.
    static func absolute(_ json: String, base: String) -> String {
        let path = LocalMedia.urlPath + "/"
        guard json.contains("\":\"" + path) else { return json }
        var out = json
        for field in fields {
            out = out.replacingOccurrences(of: "\"\(field)\":\"\(path)", with: "\"\(field)\":\"\(base)\(path)")
        }
        return out
    }

    static let forwardedHost = HTTPField.Name("X-Forwarded-Host")!
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
}

/// Makes the media paths in a JSON answer absolute with `MediaLinks`, for the routes it is added to.
public struct MediaLinksMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let links: MediaLinks

    public init(_ links: MediaLinks) { self.links = links }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var response = try await next(request, context)
        guard response.headers[.contentType]?.hasPrefix("application/json") == true,
            let base = links.base(of: request, from: context.remoteAddress?.ipAddress)
        else { return response }
        // Every JSON answer here is one buffer (APIJSONEncoder); it is read back whole.
        let collector = BodyCollector()
        try await response.body.write(collector)
        let json = MediaLinks.absolute(String(buffer: collector.buffer), base: base)
        let buffer = ByteBuffer(string: json)
        response.headers[.contentLength] = String(buffer.readableBytes)
        response.body = .init(byteBuffer: buffer)
        return response
    }
}

/// A response body writer that keeps what it is given.
final class BodyCollector: ResponseBodyWriter, @unchecked Sendable {
    var buffer = ByteBuffer()
    func write(_ buffer: ByteBuffer) async throws {
        var copy = buffer
        self.buffer.writeBuffer(&copy)
    }
    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
