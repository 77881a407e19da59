// `/api/v1/dashboard`, behind verifyJWT: the caller's channel in figures, and all its videos.

import App
import Auth
import BSON
import Exercises
import Hummingbird
import ModelRoutes
import Models
import Responses

struct DashboardController: Sendable {
    let collections: Collections

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("stats", use: stats)
        group.get("videos", use: videos)
    }

    /// `{totalVideos, totalViews, totalSubscribers, totalLikes}`, counted in the database.
    @Sendable func stats(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ChannelStats> {
        APIResponse(
            200, try await collections.channelStats(of: try context.requireUser()._id),
            "Channel stats fetched successfully")
    }

    /// The caller's videos, unpublished included, with `likesCount` and `commentsCount`.
    @Sendable func videos(_ request: Request, context: AppRequestContext) async throws -> APIList {
        let page = try await collections.channelVideos(of: try context.requireUser()._id, try request.listRequest)
        return APIList(page, "Channel videos fetched successfully")
    }
}
