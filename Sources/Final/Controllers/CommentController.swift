// `/api/v1/comments`: a video's comments, paginated, for anyone to read; and its signed-in
// viewers' own comments to add, change and delete, behind verifyJWT.

import App
import Auth
import BSON
import Exercises
import Hummingbird
import ModelRoutes
import Models
import Responses

struct CommentController: Sendable {
    let collections: Collections

    func addRoutes(to group: RouterGroup<AppRequestContext>, reading: RouterGroup<AppRequestContext>) {
        reading.get(":videoId", use: list)
        group.post(":videoId", use: add)
        group.patch("c/:commentId", use: update)
        group.delete("c/:commentId", use: delete)
    }

    /// `GET /comments/:videoId?page&limit`: newest first, owner summaries, `likesCount`, `isLiked`.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Page<Document>> {
        // EXERCISE 9.9: getVideoComments: a page of a video's comments
        let video = try await collections.requireVideo(context)
        let page = try await collections.comments(on: video._id, viewer: context.user?._id, try request.pageRequest)
        return APIResponse(200, page, "Comments fetched successfully")
        // END EXERCISE 9.9
    }

    @Sendable func add(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Comment> {
        // EXERCISE 9.2: addComment: a comment on a video the viewer may see
        let video = try await collections.requireVideo(context)
        let body = try await request.decodeBody(as: ContentBody.self, context: context)
        let comment = Comment(content: body.content ?? "", video: video._id, owner: try context.requireUser()._id)
        return APIResponse(201, try await collections.comments.insert(comment), "Comment added successfully")
        // END EXERCISE 9.2
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Comment> {
        // EXERCISE 9.10: updateComment: only its owner changes it
        let comment = try await collections.requireComment(context)
        let after = try await changeContent(
            of: comment._id, owner: comment.owner, in: collections.comments, rule: Comment.contentRule, request,
            context, what: "comment")
        return APIResponse(200, after, "Comment updated successfully")
        // END EXERCISE 9.10
    }

    /// `DELETE /comments/c/:commentId`: the likes on it first, then the comment.
    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Empty> {
        // EXERCISE 9.11: deleteComment: only its owner, and its likes go with it
        let comment = try await collections.requireComment(context)
        try requireOwner(comment.owner, context, "comments")
        try await collections.deleteLiked(comment._id, in: collections.comments, target: "comment")
        return APIResponse(200, Empty(), "Comment deleted successfully")
        // END EXERCISE 9.11
    }
}
