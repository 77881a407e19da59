// `/api/v1/tweets`: short posts on a channel. Anyone may read a user's tweets; writing is behind
// verifyJWT.

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

    func addRoutes(to group: RouterGroup<AppRequestContext>, reading: RouterGroup<AppRequestContext>) {
        group.post("", use: create)
        reading.get("user/:userId", use: list)
        group.patch(":tweetId", use: update)
        group.delete(":tweetId", use: delete)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Tweet> {
        // EXERCISE 9.4: createTweet
        let body = try await request.decodeBody(as: ContentBody.self, context: context)
        let tweet = Tweet(content: body.content ?? "", owner: try context.requireUser()._id)
        return APIResponse(201, try await collections.tweets.insert(tweet), "Tweet created successfully")
        // END EXERCISE 9.4
    }

    /// `GET /tweets/user/:userId?page&limit`: newest first, owner summaries, `likesCount`, `isLiked`.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIList {
        // EXERCISE 9.12: getUserTweets: a user's tweets, newest first
        let owner = try await collections.requireUser(context, "userId")
        let page = try await collections.tweets(of: owner, viewer: context.user?._id, try request.listRequest)
        return APIList(page, "Tweets fetched successfully")
        // END EXERCISE 9.12
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Tweet> {
        // EXERCISE 9.13: updateTweet: only its owner changes it
        let tweet = try await collections.requireTweet(context)
        let after = try await changeContent(
            of: tweet._id, owner: tweet.owner, in: collections.tweets, rule: Tweet.contentRule, request, context,
            what: "tweet")
        return APIResponse(200, after, "Tweet updated successfully")
        // END EXERCISE 9.13
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Empty> {
        // EXERCISE 9.14: deleteTweet: only its owner, and its likes go with it
        let tweet = try await collections.requireTweet(context)
        try requireOwner(tweet.owner, context, "tweets")
        try await collections.deleteLiked(tweet._id, in: collections.tweets, target: "tweet")
        return APIResponse(200, Empty(), "Tweet deleted successfully")
        // END EXERCISE 9.14
    }
}
