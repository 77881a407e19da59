// Chapter 04 — models.
//
// Creates the indexes, seeds a demo channel (idempotently), prints one page of its videos and
// its channel profile, then serves both over HTTP. The models are in Sources/Models, the
// routes in Sources/ModelsAPI.
import Api
import App
import BSON
import Logging
import Models
import ModelsAPI

await runServer(name: "chapter04", serves: "GET /api/v1/videos?page&limit, GET /api/v1/users/c/:username, GET /api/v1/healthcheck") { router, db, _ in
    let collections = Collections(db.database)
    HealthController(storage: db.storage).addRoutes(to: router)
    BrowseController(collections: collections).addRoutes(to: router.group("api/v1"))
} prepare: { db in
    let collections = Collections(db.database)
    try await collections.createIndexes()
    try await DemoChannel.seed(collections)
    let page = try await collections.videos.aggregatePaginate(VideoListQuery().pipeline, PageRequest(page: 1, limit: 5))
    print("Latest videos, page 1 of \(page.totalPages) (\(page.totalDocs) in all):")
    for video in page.docs {
        print("  \(video["title"]?.stringValue ?? "?") — \(video["views"]?.int64Value ?? 0) views, by \(video["owner"]?.documentValue?["username"]?.stringValue ?? "?")")
    }
    if let profile = try await ChannelProfile.find(username: DemoChannel.creator, viewer: nil, in: collections.users) {
        print("Channel \(profile.username): \(profile.subscribersCount) subscribers, follows \(profile.channelsSubscribedToCount)")
    }
}
