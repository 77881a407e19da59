// `app.use(express.static("public"))`: files under `public/` are served at `/`, so
// `public/logo.png` is `GET /logo.png`, with a content type from the extension.
//
// Paths are checked before any file is touched: `..`, encoded slashes and hidden files are
// refused, so a request can never read outside the folder. A missing file falls through to
// the routes, and so to the JSON 404.
//
// Every file goes out with `X-Content-Type-Options: nosniff`: the browser takes the content
// type we send and never guesses another: a "PNG" that is really HTML stays an image. The
// media folder, which holds what users uploaded, adds a Content-Security-Policy under which a
// file can run no script at all.
//
// Hummingbird's FileMiddleware reads the file, its ETag and its conditional requests; what goes
// in front of it is the part of byte ranges (RFC 9110 §14) it gets wrong at the edges, as of
// Hummingbird 2.28.1 (`getRangeFromHeaderValue`; an upstream report to file, with
// FrontendContract.byteRangesAnswerAsRFC9110Says as its cases): a range that starts past the
// end is 416 with `Content-Range: bytes */size` (not a negative length), `-100` is the last 100
// bytes, several ranges get the whole file (which RFC 9110 allows), and a HEAD
// ignores Range. A folder is never redirected to (`/media//videos` → `//videos/` would send the
// browser to another host): it is not found. Seeking in a `<video>` is a range request.

import Foundation
import HTTPTypes
import Hummingbird
import NIOFileSystem

public struct StaticFilesMiddleware<Context: RequestContext>: RouterMiddleware {
    let files: FileMiddleware<Context, LocalFileSystem>
    /// First path segments never served: `temp`, where uploads wait in `public/temp`, is not public.
    let hidden: Set<Substring>
    /// Whether the files are users' uploads, served with a policy that lets them run nothing.
    let untrusted: Bool

    /// The policy of users' files: nothing loads from them, and a page among them is sandboxed:
    /// no script, no forms, an origin of its own.
    public static var uploadsPolicy: String { "default-src 'none'; sandbox" }

    /// Serves `folder` at `/`, or at `urlBasePath`: chapter 08 serves the media folder at `/media`,
    /// except what lies under the `hidden` folders. `untrusted`: the files are users' uploads.
    /// The folder served, and the URL path it is served at ("" for `/`).
    let folder: String
    let urlBasePath: String

    public init(folder: String, urlBasePath: String? = nil, hidden: Set<Substring> = ["temp"], untrusted: Bool = false)
    {
        files = FileMiddleware(folder, urlBasePath: urlBasePath, searchForIndexHtml: false)
        self.hidden = hidden
        self.untrusted = untrusted
        self.folder = folder
        self.urlBasePath = urlBasePath.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? ""
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard request.method == .get || request.method == .head else { return try await next(request, context) }
        guard let first = Self.firstSegmentIfSafe(request.uri.path) else { throw HTTPError(.notFound) }
        if hidden.contains(first) { return try await next(request, context) }
        var request = request
        var unsatisfiable: Int?  // the file's size, when the one range asked for lies past its end
        if let range = request.headers[.range] {
            var head = request.head
            if request.method == .head {
                head.headerFields[.range] = nil  // ranges are for GET only
            } else if let size = await fileSize(request.uri.path) {
                switch ByteRange(range, size: size) {
                case .whole: head.headerFields[.range] = nil
                case .part(let part): head.headerFields[.range] = "bytes=\(part.lowerBound)-\(part.upperBound)"
                case .unsatisfiable:
                    head.headerFields[.range] = nil
                    // With If-Range, a file that changed is sent whole; ignoring the range is always allowed.
                    if request.headers[.ifRange] == nil { unsatisfiable = size }
                }
            }
            request = Request(head: head, body: request.body)
        }
        // Hummingbird's FileMiddleware asks the routes first and serves a file only when they
        // answer 404: a response is a file's unless the routes answered something else.
        var routesAnswered = false
        var response = try await files.handle(request, context: context) { request, context in
            let answer = try await next(request, context)
            if answer.status != .notFound { routesAnswered = true }
            return answer
        }
        guard !routesAnswered else { return response }
        // A folder: not found, never redirected to.
        if (300..<400).contains(response.status.code) && response.status != .notModified { throw HTTPError(.notFound) }
        if let size = unsatisfiable, response.status == .ok {
            response = Response(
                status: .rangeNotSatisfiable, headers: [.contentRange: "bytes */\(size)", .acceptRanges: "bytes"])
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        if untrusted { response.headers[.contentSecurityPolicy] = Self.uploadsPolicy }
        return response
    }

    /// The size of the regular file `path` names under the folder; nil when there is none.
    func fileSize(_ path: String) async -> Int? {
        guard path.hasPrefix(urlBasePath + "/"),
            let relative = String(path.dropFirst(urlBasePath.count)).removingPercentEncoding,
            !relative.contains("..")
        else { return nil }
        guard let info = try? await FileSystem.shared.info(forFileAt: FilePath(folder).appending(relative)),
            info.type == .regular
        else {
            return nil
        }
        return Int(info.size)
    }

    /// The first non-empty segment of the path, percent-decoded ("" for `/`), if the path may
    /// name a file under the folder: no `..` or hidden segment, no encoded slash or backslash, no
    /// NUL; `nil` otherwise. A path without `%` (nearly all) is read in one pass, with no copy.
    static func firstSegmentIfSafe(_ raw: String) -> Substring? {
        var path = raw
        if raw.utf8.contains(UInt8(ascii: "%")) {
            let lower = raw.lowercased()
            guard !lower.contains("%2f"), !lower.contains("%5c"), let decoded = raw.removingPercentEncoding else {
                return nil
            }
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

/// What a `Range` header asks of a file of `size` bytes (RFC 9110 §14.1.2): one satisfiable range,
/// clamped to the file; a range past its end; or the whole file, for a header that is not one
/// `bytes` range (another unit, bad syntax, several ranges: a server may ignore those).
enum ByteRange: Equatable {
    case whole
    case part(ClosedRange<Int>)
    case unsatisfiable

    init(_ header: String, size: Int) {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.lowercased().hasPrefix("bytes="), !text.contains(",") else {
            self = .whole
            return
        }
        let spec = text.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        let bounds = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        func number(_ s: Substring) -> Int? { s.isEmpty || !s.allSatisfy(\.isASCII) ? nil : Int(s) }
        guard bounds.count == 2 else {
            self = .whole
            return
        }
        switch (number(bounds[0]), number(bounds[1])) {
        case (nil, let suffix?) where bounds[0].isEmpty:  // `-N`: the last N bytes
            self = suffix == 0 || size == 0 ? .unsatisfiable : .part(max(0, size - suffix)...(size - 1))
        case (let first?, nil) where bounds[1].isEmpty:  // `N-`: from N to the end
            self = first >= size ? .unsatisfiable : .part(first...(size - 1))
        case (let first?, let last?) where first <= last:
            self = first >= size ? .unsatisfiable : .part(first...min(last, size - 1))
        default:
            self = .whole
        }
    }
}
