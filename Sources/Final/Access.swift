// Who may see and who may change what, in one place: the Final server rules' "404 before 403".
// A thing that does not exist for the viewer (a missing id, an unpublished video of someone
// else) is 404 on every route that names it; a thing that exists but is someone else's is 403
// on every route that changes it.

import App
import Auth
import BSON
import Hummingbird
import ModelRoutes
import Models
import Responses

extension Collections {
    /// The video `:name` names, if the viewer may see it; 404 otherwise.
    func requireVideo(_ context: AppRequestContext, _ name: String = "videoId") async throws -> Video {
        let id = try context.parameters.objectId(name)
        guard let video = try await visibleVideo(id, viewer: context.user?._id) else {
            throw APIError.notFound("Video not found")
        }
        return video
    }

    /// The comment `:commentId` names, if its video is visible to the viewer; 404 otherwise.
    func requireComment(_ context: AppRequestContext) async throws -> Comment {
        let id = try context.parameters.objectId("commentId")
        guard let comment = try await comments.findById(id),
            try await visibleVideo(comment.video, viewer: context.user?._id) != nil
        else { throw APIError.notFound("Comment not found") }
        return comment
    }

    func requireTweet(_ context: AppRequestContext) async throws -> Tweet {
        guard let tweet = try await tweets.findById(try context.parameters.objectId("tweetId")) else {
            throw APIError.notFound("Tweet not found")
        }
        return tweet
    }

    func requirePlaylist(_ context: AppRequestContext) async throws -> Playlist {
        guard let playlist = try await playlists.findById(try context.parameters.objectId("playlistId")) else {
            throw APIError.notFound("Playlist not found")
        }
        return playlist
    }

    /// The user `:name` names; 404 when there is none.
    func requireUser(_ context: AppRequestContext, _ name: String, _ what: String = "User") async throws -> ObjectId {
        let id = try context.parameters.objectId(name)
        guard try await users.count(["_id": .objectId(id)]) == 1 else { throw APIError.notFound("\(what) not found") }
        return id
    }
}

/// The `{content}` body of a comment or a tweet being written.
struct ContentBody: Decodable { var content: String? }

/// `PATCH` of a comment's or a tweet's content, for its owner: the body's `content`, checked by
/// `rule`, replaces the old one; the document after is the answer.
func changeContent<M: Model>(
    of id: ObjectId, owner: ObjectId, in collection: ModelCollection<M>, rule: TextRule, _ request: Request,
    _ context: AppRequestContext,
    what: String
) async throws -> M {
    try requireOwner(owner, context, what + "s")
    let body = try await request.decodeBody(as: ContentBody.self, context: context)
    let content = try rule.normalize(body.content ?? "")
    guard let after = try await collection.updateById(id, ["$set": ["content": .string(content)]]) else {
        throw APIError.notFound("\(what.prefix(1).uppercased() + what.dropFirst()) not found")
    }
    return after
}

/// 403 unless the signed-in user owns it.
func requireOwner(_ owner: ObjectId, _ context: AppRequestContext, _ what: String) throws {
    guard owner == (try context.requireUser()._id) else {
        throw APIError.forbidden("You can only change your own \(what)")
    }
}

/// A text field a partial update may carry: normalised and checked by `rule` when present.
func changed(_ value: String?, _ rule: TextRule, _ set: inout Document, _ v: inout Validator) {
    guard var text = value else { return }
    v.apply(rule, to: &text)
    set[rule.field] = .string(text)
}
