// A middleware is a function with a `next`: it may act before the rest of the chain runs,
// after it, or instead of it (by not calling `next`). Express passes `next` as a callback;
// here it is an `async` function to await, so "after" is simply the next line.
//
// `ServerTimingMiddleware` acts after: it measures what the rest of the chain took and says
// so in a `Server-Timing` header (browsers' developer tools show it). Chapter 06's `verifyJWT`
// acts instead: it answers 401 without calling `next` when the token is bad.

import HTTPTypes
import Hummingbird

public struct ServerTimingMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now  // before
        var response = try await next(request, context)  // the rest of the chain
        let elapsed = ContinuousClock.now - start  // after
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        response.headers[.serverTiming] = "app;dur=\(String(format: "%.2f", ms))"
        return response
    }
}

extension HTTPField.Name {
    static let serverTiming = Self("Server-Timing")!
}
