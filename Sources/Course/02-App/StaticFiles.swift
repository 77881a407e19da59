// `app.use(express.static("public"))`: files under `public/` are served at `/`
// (`public/logo.png` → `GET /logo.png`), with a content type from the extension.
//
// Paths are checked before any file is touched: `..`, encoded slashes and hidden files are
// refused, so a request can never read outside the folder. A missing file falls through to
// the routes (and so to the JSON 404).
import Foundation
import Hummingbird

public struct StaticFilesMiddleware<Context: RequestContext>: RouterMiddleware {
    let files: FileMiddleware<Context, LocalFileSystem>
    /// First path segments never served: `temp`, where uploads wait (`public/temp`), is not public.
    let hidden: Set<Substring>

    /// Serves `folder` at `/`, or at `urlBasePath` (chapter 08 serves the media folder at `/media`),
    /// except what lies under the `hidden` folders.
    public init(folder: String, urlBasePath: String? = nil, hidden: Set<Substring> = ["temp"]) {
        files = FileMiddleware(folder, urlBasePath: urlBasePath, searchForIndexHtml: false)
        self.hidden = hidden
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head else { return try await next(request, context) }
        guard let first = Self.firstSegmentIfSafe(request.uri.path) else { throw HTTPError(.notFound) }
        if hidden.contains(first) { return try await next(request, context) }
        return try await files.handle(request, context: context, next: next)
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
