// CORS with credentials, as `app.use(cors({origin: process.env.CORS_ORIGIN, credentials: true}))`.
//
// A browser page on another origin may call the API, and send its cookies, only if the
// response names that exact origin and allows credentials. A preflight (`OPTIONS` with
// `Access-Control-Request-Method`) is answered here, without reaching the routes.
//
// Written here rather than taken from Hummingbird's CORSMiddleware because the allowed
// origins are a list read at run time (`CORS_ORIGIN=a,b`), and an origin that is not on the
// list must get no CORS headers at all.

import Exercises
import HTTPTypes
import Hummingbird

public struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowedOrigins: Set<String>
    let allowMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
    let allowHeaders = "Accept, Authorization, Content-Type, Origin, X-Requested-With"

    public init(allowedOrigins: [String]) { self.allowedOrigins = Set(allowedOrigins) }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        // EXERCISE 2.1: CORS with credentials: answer the preflight, name the allowed origin
        guard let origin = request.headers[.origin], allowedOrigins.contains(origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var response = Response(status: .noContent)
            response.headers[.accessControlAllowMethods] = allowMethods
            response.headers[.accessControlAllowHeaders] = request.headers[.accessControlRequestHeaders] ?? allowHeaders
            response.headers[.accessControlMaxAge] = "600"
            addCORSHeaders(&response, origin: origin)
            return response
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            // A failure gets the headers too, or the browser hides it from the page. (With
            // chapter 03's error middleware below, failures already arrive here as responses.)
            response = try error.response(from: request, context: context)
        }
        addCORSHeaders(&response, origin: origin)
        return response
        // END EXERCISE 2.1
    }

    private func addCORSHeaders(_ response: inout Response, origin: String) {
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlAllowCredentials] = "true"
        // A page may read this header of ours, a list's total in the Final server; others it may not.
        response.headers[.accessControlExposeHeaders] = "X-Total-Count"
        response.headers[values: .vary].append("Origin")
    }
}
