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
        let raw = request.uri.path
        let decoded = raw.removingPercentEncoding ?? raw
        let segments = decoded.split(separator: "/", omittingEmptySubsequences: false)
        let safe =
            !raw.lowercased().contains("%2f") && !raw.lowercased().contains("%5c") && !decoded.contains("\\") && !decoded.contains("\0")
            && !segments.contains { $0 == ".." || ($0.hasPrefix(".") && !$0.isEmpty) }
        guard safe else { throw HTTPError(.notFound) }
        if segments.count > 1, hidden.contains(segments[1]) { return try await next(request, context) }
        return try await files.handle(request, context: context, next: next)
    }
}
