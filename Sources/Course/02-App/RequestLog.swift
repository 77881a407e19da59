// One log line per request: method, path, status and duration, with the request id Hummingbird
// puts in every request's logger metadata, e.g.
// `POST /api/v1/users/login 200 3.1ms hb.request.id=4f2e...`. The id is also sent back as
// `X-Request-Id`, so a user's bug report can be matched to the log line (and to any error
// detail logged with it).

import HTTPTypes
import Hummingbird
import Logging

public struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            // No error middleware below (chapter 02): the error answers as Hummingbird would,
            // here, so the line below and the request id are written for it too.
            response = try error.response(from: request, context: context)
        } catch {
            // Only reached when nothing turned the error into a response: log it and let
            // Hummingbird answer 500.
            context.logger.error("\(request.method) \(request.uri.path) failed: \(error)")
            throw error
        }
        response.headers[.requestID] = context.id
        context.logger.info(
            "\(request.method) \(request.uri.path) \(response.status.code) \(Self.milliseconds(since: start))ms")
        return response
    }
}

extension RequestLogMiddleware {
    /// The time since `start` in milliseconds with one decimal, "3.1" (integer arithmetic:
    /// no Foundation formatting on every request).
    static func milliseconds(since start: ContinuousClock.Instant) -> String {
        let elapsed = (ContinuousClock.now - start).components
        let tenths = elapsed.seconds * 10_000 + elapsed.attoseconds / 100_000_000_000_000
        return "\(tenths / 10).\(tenths % 10)"
    }
}

extension HTTPField.Name {
    public static let requestID = Self("X-Request-Id")!
}
