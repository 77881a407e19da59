// `verifyJWT`: the middleware in front of every route that needs a logged-in user.
//
// ```js
// const token = req.cookies?.accessToken || req.header("Authorization")?.replace("Bearer ", "")
// const decoded = jwt.verify(token, process.env.ACCESS_TOKEN_SECRET)
// const user = await User.findById(decoded?._id).select("-password -refreshToken")
// if (!user) throw new ApiError(401, "Invalid Access Token")
// req.user = user
// next()
// ```
//
// Here: the token comes from the `accessToken` cookie or an `Authorization: Bearer` header;
// it must be HS256, signed with `ACCESS_TOKEN_SECRET` and unexpired; the user it names must
// still exist, and so must the session it names (`sid`): logging out or changing the password
// kills the access tokens already issued at once, not when they expire. User and session come
// back in one query, as the user alone did in the original. The user, without password, goes
// into the request's context (`context.user`), and the route runs. Anything else is a 401 and
// the route never runs. A token from the cookie on a request that changes something must also
// come from an allowed page: see Hardening/CrossSite.swift.

import App
import BSON
import Exercises
import Hummingbird
import Models
import Responses

public struct VerifyJWT: RouterMiddleware {
    public typealias Context = AppRequestContext
    let sessions: SessionStore
    public let crossSite: CrossSiteGuard

    public init(sessions: SessionStore, crossSite: CrossSiteGuard = CrossSiteGuard(allowedOrigins: [])) {
        self.sessions = sessions
        self.crossSite = crossSite
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        // EXERCISE 6.2: verifyJWT: token, verify, user and session into the context
        guard let (token, fromCookie) = Self.accessToken(in: request) else {
            throw APIError.unauthorized("Unauthorized request")
        }
        if fromCookie { try crossSite.check(request) }
        let claims: AccessClaims
        do {
            claims = try await sessions.tokens.verifyAccess(token)
        } catch {
            throw APIError.unauthorized(error == .expired ? "Access token expired" : "Invalid access token")
        }
        guard let userId = ObjectId(claims._id), let sessionId = claims.sid.flatMap(ObjectId.init),
            let user = try await sessions.signedInUser(userId, session: sessionId)
        else { throw APIError.unauthorized("Invalid access token") }
        var context = context
        context.identity = SignedIn(user: user, session: sessionId)  // req.user = user
        return try await next(request, context)
        // END EXERCISE 6.2
    }

    /// The cookie first, then `Authorization: Bearer <token>`, the scheme in any case; and
    /// whether it was the cookie.
    public static func accessToken(in request: Request) -> (String, fromCookie: Bool)? {
        if let cookie = request.cookies["accessToken"]?.value, !cookie.isEmpty { return (cookie, true) }
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : (token, false)
    }
}

/// Who `verifyJWT` let through: the user and the session their token belongs to.
public struct SignedIn: Sendable {
    public let user: PublicUser
    public let session: ObjectId
}

extension AppRequestContext {
    /// The user `verifyJWT` let through, on routes behind it: Express's `req.user`.
    public var user: PublicUser? { (identity as? SignedIn)?.user }

    /// The verified user; a route behind `verifyJWT` always has one.
    public func requireUser() throws -> PublicUser {
        guard let user else { throw APIError.unauthorized("Unauthorized request") }
        return user
    }

    /// The verified user and their session.
    public func requireSignedIn() throws -> SignedIn {
        guard let signedIn = identity as? SignedIn else { throw APIError.unauthorized("Unauthorized request") }
        return signedIn
    }
}
