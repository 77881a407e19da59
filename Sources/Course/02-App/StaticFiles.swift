// `app.use(express.static("public"))`: files under `public/` are served at `/`
// (`public/logo.png` → `GET /logo.png`), with a content type from the extension.
//
// Paths are checked before any file is touched: `..`, encoded slashes and hidden files are
// refused, so a request can never read outside the folder. A missing file falls through to
// the routes (and so to the JSON 404).
//
// Every file goes out with `X-Content-Type-Options: nosniff`: the browser takes the content
// type we send and never guesses another (a "PNG" that is really HTML stays an image). The
// media folder, which holds what users uploaded, adds a Content-Security-Policy under which a
// file can run no script at all.

import Foundation
import HTTPTypes
import Hummingbird

public struct StaticFilesMiddleware<Context: RequestContext>: RouterMiddleware {
    let files: FileMiddleware<Context, LocalFileSystem>
    /// First path segments never served: `temp`, where uploads wait (`public/temp`), is not public.
    let hidden: Set<Substring>
    /// Whether the files are users' uploads, served with a policy that lets them run nothing.
    let untrusted: Bool

    /// The policy of users' files: nothing loads from them, and a page among them is sandboxed
    /// (no script, no forms, its own origin).
    public static var uploadsPolicy: String { "default-src 'none'; sandbox" }

    /// Serves `folder` at `/`, or at `urlBasePath` (chapter 08 serves the media folder at `/media`),
    /// except what lies under the `hidden` folders. `untrusted`: the files are users' uploads.
    public init(folder: String, urlBasePath: String? = nil, hidden: Set<Substring> = ["temp"], untrusted: Bool = false) {
        files = FileMiddleware(folder, urlBasePath: urlBasePath, searchForIndexHtml: false)
        self.hidden = hidden
        self.untrusted = untrusted
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head else { return try await next(request, context) }
        guard let first = Self.firstSegmentIfSafe(request.uri.path) else { throw HTTPError(.notFound) }
        if hidden.contains(first) { return try await next(request, context) }
        // Hummingbird's FileMiddleware asks the routes first and serves a file only when they
        // answer 404: a response is a file's unless the routes answered something else.
        var routesAnswered = false
        var response = try await files.handle(request, context: context) { request, context in
            let answer = try await next(request, context)
            if answer.status != .notFound { routesAnswered = true }
            return answer
        }
        guard !routesAnswered else { return response }
        response.headers[.xContentTypeOptions] = "nosniff"
        if untrusted { response.headers[.contentSecurityPolicy] = Self.uploadsPolicy }
        return response
    }

    /// The first non-empty segment of the path, percent-decoded ("" for `/`), if the path may
    /// name a file under the folder: no `..` or hidden segment, no encoded slash or backslash, no
    /// NUL; `nil` otherwise. A path without `%` (nearly all) is read in one pass, with no copy.
    static func firstSegmentIfSafe(_ raw: String) -> Substring? {
        var path = raw
        if raw.utf8.contains(UInt8(ascii: "%")) {
            let lower = raw.lowercased()
            guard !lower.contains("%2f"), !lower.contains("%5c"), let decoded = raw.removingPercentEncoding else { return nil }
            path = decoded
        }
        let bytes = path.utf8
        var first: Substring?
        var segmentStart = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "/") {
                if first == nil, segmentStart < index { first = path[segmentStart..<index] }
                segmentStart = bytes.index(after: index)
            } else if byte == UInt8(ascii: "\\") || byte == 0 || (byte == UInt8(ascii: ".") && index == segmentStart) {
                return nil
            }
            index = bytes.index(after: index)
        }
        if first == nil, segmentStart < bytes.endIndex { first = path[segmentStart...] }
        return first ?? ""
    }
}
