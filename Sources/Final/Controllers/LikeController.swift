// `/api/v1/likes`, behind verifyJWT: like and unlike videos, comments and tweets, and the
// videos one likes. A toggle on something that does not exist for the viewer is 404; one may
// like one's own things.

import App
import Auth
import BSON
import Exercises
import Hummingbird
import ModelRoutes
import Models
import Responses

struct LikeController: Sendable {
    let collections: Collections

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("toggle/v/:videoId", use: toggleVideo)
        group.post("toggle/c/:commentId", use: toggleComment)
        group.post("toggle/t/:tweetId", use: toggleTweet)
        group.get("videos", use: likedVideos)
    }

    struct Liked: Encodable, Sendable { let isLiked: Bool }

    @Sendable func toggleVideo(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Liked> {
        // EXERCISE 9.15: toggleVideoLike: like, or unlike, a video the viewer may see
        let video = try await collections.requireVideo(context)
        return try await toggle(.video(video._id), context)
        // END EXERCISE 9.15
    }

    @Sendable func toggleComment(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Liked> {
        // EXERCISE 9.16: toggleCommentLike: like, or unlike, a comment
        let comment = try await collections.requireComment(context)
        return try await toggle(.comment(comment._id), context)
        // END EXERCISE 9.16
    }

    @Sendable func toggleTweet(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Liked> {
        // EXERCISE 9.17: toggleTweetLike: like, or unlike, a tweet
        let tweet = try await collections.requireTweet(context)
        return try await toggle(.tweet(tweet._id), context)
        // END EXERCISE 9.17
    }

    func toggle(_ target: Like.Target, _ context: AppRequestContext) async throws -> APIResponse<Liked> {
        let isLiked = try await collections.toggleLike(target, by: try context.requireUser()._id)
        return APIResponse(200, Liked(isLiked: isLiked), isLiked ? "Liked" : "Unliked")
    }

    /// `GET /likes/videos?page&limit`: the liked videos the viewer may still see, newest like first.
    @Sendable func likedVideos(_ request: Request, context: AppRequestContext) async throws -> APIList {
        let page = try await collections.likedVideos(by: try context.requireUser()._id, try request.listRequest)
        return APIList(page, "Liked videos fetched successfully")
    }
}
