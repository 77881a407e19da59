// Chapter 04's server: creates the indexes, seeds a demo channel (idempotently), logs one page
// of its videos and its channel profile, then serves both. The models are in
// Sources/Course/04a-Models, the routes in Sources/Course/04b-ModelRoutes. `main.swift` runs it;
// the tests build the very same one.

import App
import BSON
import Database
import Hummingbird
import Logging
import ModelRoutes
import Models
import Responses

public func buildChapter04(config: AppConfig, database: ConnectedDatabase, logger: Logger) async throws
    -> some ApplicationProtocol
{
    let collections = Collections(database.database)
    try await collections.createIndexes()
    try await DemoChannel.seed(collections)
    let page = try await VideoListQuery().page(PageRequest(page: 1, limit: 5), in: collections.videos)
    logger.info("Latest videos, page 1 of \(page.totalPages) (\(page.totalDocs) in all):")
    for video in page.docs {
        let owner = video["owner"]?.documentValue?["username"]?.stringValue ?? "?"
        logger.info("  \(video["title"]?.stringValue ?? "?") — \(video["views"]?.int64Value ?? 0) views, by \(owner)")
    }
    if let profile = try await ChannelProfile.find(username: DemoChannel.creator, viewer: nil, in: collections.users) {
        logger.info(
            """
            Channel \(profile.username): \(profile.subscribersCount) subscribers, \
            follows \(profile.channelsSubscribedToCount)
            """)
    }
    return buildApplication(
        config: config, logger: logger,
        errors: ErrorMiddleware()
    ) { router in
        HealthController(storage: database.storage).addRoutes(to: router)
        BrowseController(collections: collections).addRoutes(to: router.group("api/v1"))
    }
}
