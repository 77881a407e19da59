// `GET /api/v1/users/history`, behind verifyJWT: what the caller watched, most recent first.

import App
import Auth
import BSON
import Hummingbird
import ModelRoutes
import Models
import Responses

struct HistoryController: Sendable {
    let collections: Collections

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("history", use: history)
    }

    /// Videos that still exist and that the caller may see, each with its owner's summary.
    /// An array, as the course's `getWatchHistory` answers (`user[0].watchHistory`).
    @Sendable func history(_ request: Request, context: AppRequestContext) async throws -> APIList {
        let page = try await collections.watchHistory(of: try context.requireUser()._id, try request.listRequest)
        return APIList(page, "Watch history fetched successfully")
    }
}
