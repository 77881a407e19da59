// `/api/v1/subscriptions`, behind verifyJWT: subscribe to a channel with a toggle, a channel's
// subscribers, and the channels a user follows. An unknown channel or user is 404 everywhere.

import App
import Auth
import BSON
import Exercises
import Hummingbird
import ModelRoutes
import Models
import Responses

struct SubscriptionController: Sendable {
    let collections: Collections

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("c/:channelId", use: toggle)
        group.get("c/:channelId", use: subscribers)
        group.get("u/:subscriberId", use: channels)
    }

    struct Subscribed: Encodable, Sendable { let subscribed: Bool }

    @Sendable func toggle(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Subscribed> {
        // EXERCISE 9.19: toggleSubscription: a channel that exists
        let channel = try await collections.requireUser(context, "channelId", "Channel")
        let me = try context.requireUser()._id
        let subscribed = try await collections.toggleSubscription(me, to: channel)
        return APIResponse(200, Subscribed(subscribed: subscribed), subscribed ? "Subscribed" : "Unsubscribed")
        // END EXERCISE 9.19
    }

    /// `GET /subscriptions/c/:channelId?page&limit`: who subscribes to the channel, newest first.
    @Sendable func subscribers(_ request: Request, context: AppRequestContext) async throws -> APIList {
        // EXERCISE 9.20: getUserChannelSubscribers: who subscribes to a channel
        let channel = try await collections.requireUser(context, "channelId", "Channel")
        let page = try await collections.subscriptionList(
            where: "channel", is: channel, show: "subscriber", try request.listRequest)
        return APIList(page, "Subscribers fetched successfully")
        // END EXERCISE 9.20
    }

    /// `GET /subscriptions/u/:subscriberId?page&limit`: the channels the user follows, newest first.
    @Sendable func channels(_ request: Request, context: AppRequestContext) async throws -> APIList {
        // EXERCISE 9.21: getSubscribedChannels: the channels a user follows
        let subscriber = try await collections.requireUser(context, "subscriberId")
        let page = try await collections.subscriptionList(
            where: "subscriber", is: subscriber, show: "channel", try request.listRequest)
        return APIList(page, "Subscribed channels fetched successfully")
        // END EXERCISE 9.21
    }
}
