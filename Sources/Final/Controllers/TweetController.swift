// `/api/v1/tweets` (behind verifyJWT): short posts on a channel.

import App
import Auth
import BSON
import Exercises
import Hummingbird
import ModelRoutes
import Models
import Responses

struct TweetController: Sendable {
    let collections: Collections

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("", use: create)
        group.get("user/:userId", use: list)
        group.patch(":tweetId", use: update)
        group.delete(":tweetId", use: delete)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Tweet> {
        // EXERCISE 9.4: createTweet
        // Hint: Decode a `ContentBody`, insert a `Tweet(content:owner:)` for the signed-in user, answer 201 "Tweet created
        //   successfully".
        // Graded by: FinalTests.FinalFlow, FinalTests.FinalRules/anUnpublished
        // Stub: throw ExerciseNotDone("9.4")
        let body = try await request.decodeBody(as: ContentBody.self, context: context)
        let tweet = Tweet(content: body.content ?? "", owner: try context.requireUser()._id)
        return APIResponse(201, try await collections.tweets.insert(tweet), "Tweet created successfully")
        // END EXERCISE 9.4
    }

    /// `GET /tweets/user/:userId?page&limit`: newest first, owner summaries, `likesCount`, `isLiked`.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Page<Document>> {
        let owner = try await collections.requireUser(context, "userId")
        let page = try await collections.tweets(of: owner, viewer: try context.requireUser()._id, try request.pageRequest)
        return APIResponse(200, page, "Tweets fetched successfully")
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Tweet> {
        let tweet = try await collections.requireTweet(context)
        let after = try await changeContent(
            of: tweet._id, owner: tweet.owner, in: collections.tweets, rule: Tweet.contentRule, request, context, what: "tweet")
        return APIResponse(200, after, "Tweet updated successfully")
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Empty> {
        let tweet = try await collections.requireTweet(context)
        try requireOwner(tweet.owner, context, "tweets")
        try await collections.deleteLiked(tweet._id, in: collections.tweets, target: "tweet")
        return APIResponse(200, Empty(), "Tweet deleted successfully")
    }
}
