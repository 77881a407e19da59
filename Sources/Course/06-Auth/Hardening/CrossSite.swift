// Cookies go with every request the browser makes to our site, whichever page asked: a form on
// evil.example that posts to `/api/v1/tweets` would carry the victim's `accessToken` cookie.
// That is cross-site request forgery. `SameSite=Lax` stops it between sites, but not between
// two ports of localhost, or two subdomains of one site: those count as the same *site*.
//
// So a request that changes something (POST, PUT, PATCH, DELETE) and signs in with a cookie
// must come from a page we trust: an `Origin` on the `CORS_ORIGIN` list or the server's own,
// and not a `Sec-Fetch-Site: cross-site` request. Anything else is 403 before the route runs.
// A client that sends `Authorization: Bearer` (curl, a mobile app, Swagger UI) is not affected:
// a forged page cannot make the browser add that header.

import App
import HTTPTypes
import Hummingbird
import Responses

public struct CrossSiteGuard: Sendable {
    let allowedOrigins: Set<String>

    /// `allowedOrigins`: `CORS_ORIGIN`'s list (`http://localhost:5173`); the server's own
    /// origin is always allowed.
    public init(allowedOrigins: [String]) { self.allowedOrigins = Set(allowedOrigins) }

    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!

    /// Throws 403 when an unsafe request that is signed in by cookie comes from another site.
    public func check(_ request: Request) throws {
        guard ![.get, .head, .options].contains(request.method) else { return }
        try refuseCrossSite(request)
    }

    /// Throws 403 when the request comes from a page of another site, whatever it carries: for
    /// login and register, where a page elsewhere could sign the victim's browser into the
    /// attacker's account (login CSRF), and for refresh.
    public func refuseCrossSite(_ request: Request) throws {
        if request.headers[Self.secFetchSite]?.lowercased() == "cross-site" {
            throw APIError.forbidden(
                "Cross-site request refused: send the token in an Authorization header, or call from an allowed origin")
        }
        guard let origin = request.headers[.origin] else { return }  // not from a browser page
        guard allowedOrigins.contains(origin) || Self.isOwn(origin, request) else {
            throw APIError.forbidden("Cross-site request refused: origin \(origin) is not allowed (CORS_ORIGIN)")
        }
    }

    /// Whether a page of another site sent the request, a GET included: an `<img>` elsewhere.
    public func isCrossSite(_ request: Request) -> Bool { (try? refuseCrossSite(request)) == nil }

    /// `refuseCrossSite` as a middleware, for the routes that sign a browser in.
    public var refusal: CrossSiteRefusal { CrossSiteRefusal(crossSite: self) }

    /// Whether `origin` (`http://host:port`) is this server as the request reached it (`Host`).
    static func isOwn(_ origin: String, _ request: Request) -> Bool {
        guard let host = request.head.authority else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }
}

/// 403 before the route runs for a request from a page of another site: see `CrossSiteGuard`.
public struct CrossSiteRefusal: RouterMiddleware {
    public typealias Context = AppRequestContext
    let crossSite: CrossSiteGuard

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        try crossSite.refuseCrossSite(request)
        return try await next(request, context)
    }
}
