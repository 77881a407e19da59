// Reading is public, as on every video site: the video list, a published video, its comments, a
// channel's profile, a user's tweets and playlists answer without a login. The course puts every
// route behind `verifyJWT` (`router.use(verifyJWT)` in each routes file); frontends written for it
// call `GET /videos` on their home page before anyone signs in, and got 401.
//
// A signed-in caller is still recognised on these routes: a token, when one comes, is checked
// exactly as `verifyJWT` checks it (a bad or expired one is 401, so the frontend refreshes it),
// and the answers add `isLiked` / `isSubscribed`; only a signed-in view enters a history.
// `REQUIRE_LOGIN_TO_BROWSE=1` restores the course's rule: these routes sit behind `verifyJWT`.

import App
import Auth
import BSON
import HTTPTypes
import Hummingbird
import Models
import Responses

/// `verifyJWT` when the request carries a token; the route runs anonymously when it carries none.
struct SignedInIfAny: RouterMiddleware {
    typealias Context = AppRequestContext
    let verifyJWT: VerifyJWT

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard VerifyJWT.accessToken(in: request) != nil else { return try await next(request, context) }
        return try await verifyJWT.handle(request, context: context, next: next)
    }
}

/// `REQUIRE_LOGIN_TO_BROWSE`: `1`/`true`/`yes` gives the course's login-for-everything; unset,
/// `0`/`false`/`no` makes reading public.
func requireLoginToBrowse(_ lookup: (String) -> String?) throws(ConfigError) -> Bool {
    guard let text = lookup("REQUIRE_LOGIN_TO_BROWSE")?.lowercased() else { return false }
    switch text {
    case "1", "true", "yes": return true
    case "0", "false", "no": return false
    default: throw ConfigError("REQUIRE_LOGIN_TO_BROWSE must be 1 or 0, not \"\(text)\"")
    }
}

/// A list the course answers as a plain array (watch history, liked videos, a user's tweets and
/// playlists, subscribers, subscriptions, dashboard videos): `data` is one page of it, and the
/// total goes in the `X-Total-Count` header for a client that wants to page. Only the video list
/// and a video's comments keep the aggregate-paginate object, as in the course.
struct APIList: ResponseGenerator {
    /// How many items a list answers when `limit` is not given: the whole of most lists, still
    /// bounded (the most a page may hold). A frontend that `.map`s the array sees everything.
    static let defaultLimit = PageRequest.maxLimit
    static let totalCount = HTTPField.Name("X-Total-Count")!

    let page: Page<Document>
    let message: String

    init(_ page: Page<Document>, _ message: String) {
        self.page = page
        self.message = message
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try APIResponse(200, page.docs, message).response(from: request, context: context)
        response.headers[Self.totalCount] = String(page.totalDocs)
        return response
    }
}

extension Request {
    /// `page` and `limit` for a list answered as an array; `limit` defaults to `APIList.defaultLimit`.
    var listRequest: PageRequest {
        get throws { try pageRequest(defaultLimit: APIList.defaultLimit) }
    }
}
