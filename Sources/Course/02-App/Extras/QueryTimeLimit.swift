// Every database query a request makes has a time limit: `QUERY_TIMEOUT_MS` (3000). MongoDB
// calls it `maxTimeMS`; the limit reaches MongoDB as that, and the embedded store stops its
// scans and regex matches when it runs out. A query past it fails with
// `StorageError.timeout`, which chapter 03's error middleware answers as a 503.
//
// Without it, a search that the data makes slow holds a thread for as long as it runs.

import Hummingbird
import Storage

public struct QueryTimeLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limit: Duration

    public init(milliseconds: Int) { limit = .milliseconds(milliseconds) }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        try await QueryTimeLimit.$perQuery.withValue(limit) { try await next(request, context) }
    }
}
