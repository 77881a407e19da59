// Browsing: a channel's profile and the video list, each one aggregation pipeline
// (`Sources/Course/04a-Models/Queries.swift`) run through the storage interface.
//
// Chapter 04 serves them to anyone. From chapter 06 on they sit behind `verifyJWT`, and
// `viewer` reads the logged-in user from the request's context, which makes `isSubscribed`
// and "the owner also sees unpublished videos" work.

import App
import BSON
import Hummingbird
import Models
import Responses

public struct BrowseController: Sendable {
    let collections: Collections
    /// Who is asking, if anyone knows: from chapter 06 on, the verified user.
    let viewer: @Sendable (AppRequestContext) -> ObjectId?

    public init(collections: Collections, viewer: @escaping @Sendable (AppRequestContext) -> ObjectId? = { _ in nil }) {
        self.collections = collections
        self.viewer = viewer
    }

    /// `GET /users/c/:username` and `GET /videos` under `group`, such as `/api/v1`.
    public func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("users/c/:username", use: channel)
        group.get("videos", use: videos)
    }

    @Sendable func channel(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ChannelProfile> {
        let username = context.parameters.get("username") ?? ""
        guard
            let profile = try await ChannelProfile.find(
                username: username, viewer: viewer(context), in: collections.users)
        else {
            throw APIError.notFound("Channel does not exist")
        }
        return APIResponse(200, profile, "User channel fetched successfully")
    }

    @Sendable func videos(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Page<Document>> {
        let q = request.uri.queryParameters
        let list = try VideoListQuery(
            query: q["query"].map(String.init), sortBy: q["sortBy"].map(String.init),
            sortType: q["sortType"].map(String.init),
            userId: q["userId"].map(String.init), viewer: viewer(context))
        let page = try await list.page(try request.pageRequest, in: collections.videos)
        return APIResponse(200, page, "Videos fetched successfully")
    }
}
