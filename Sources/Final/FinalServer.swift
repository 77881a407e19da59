// The Final server: the whole VideoTube API, composed from what the chapters built.
//
//     request → request log → CORS → errors → static files (+ /media) → routes
//     /api/v1/healthcheck                           chapter 03
//     /api/v1/users  login, sessions, tokens, …     chapter 06 (AuthController)
//     /api/v1/users  register, avatar, cover-image  chapter 08 (AccountMediaController)
//     ── public reading (a token, if sent, is verified: PublicReads.swift) ──
//     /api/v1/users/c/:username, /api/v1/videos     chapter 04 (BrowseController)
//     GET /videos/:videoId, /comments/:videoId, /tweets/user/:userId, /playlist/user/:userId,
//     /playlist/:playlistId                         this module's controllers
//     ── behind verifyJWT ──
//     /api/v1/users/history, /videos/…, /comments, /likes, /tweets, /subscriptions,
//     /playlist, /dashboard                         this module's controllers
//
// Every answer under /api/v1 has its media URLs made absolute by chapter 08's MediaLinks.
//
// `main.swift` runs it with `runServer`; the tests build the very same one.

import AccountMedia
import App
import Auth
import Database
import Hummingbird
import Logging
import Media
import ModelRoutes
import Models
import Responses
import Uploads

/// `media`: the storage the settings choose with `connectMedia`, unless one is given: a test's fake
/// Cloudinary).
public func buildFinalServer(
    config: AppConfig, database: ConnectedDatabase, logger: Logger, media: (any MediaStorage)? = nil
) async throws -> some ApplicationProtocol {
    let server = try await FinalRoutes(config: config, database: database, logger: logger, media: media)
    return buildApplication(router: server.router, config: config, logger: logger, about: server.about)
}

/// The Final server's router with every route, and where its data and media live, for the banner.
/// `buildFinalServer` serves it; the OpenAPI test compares its routes with the document.
struct FinalRoutes {
    let router: AppRouter
    let about: String

    /// `media` is the storage the settings choose with `connectMedia`, unless one is given.
    init(config: AppConfig, database: ConnectedDatabase, logger: Logger, media chosen: (any MediaStorage)? = nil)
        async throws
    {
        let accounts = try await AccountsSetup(config: config, database: database, logger: logger, media: chosen)
        let media = accounts.media
        let uploads = accounts.uploads
        let collections = accounts.collections
        let loginToBrowse = try requireLoginToBrowse(config.settings.lookup)
        let quota = try UploadQuota(config.settings.lookup, database: database.database)
        try await quota.createIndexes()
        about =
            "storage: \(database.place); media: \(media.location)" + (loginToBrowse ? "; reading needs a login" : "")
        router = buildRouter(config: config, errors: ErrorMiddleware()) { router in
            HealthController(storage: database.storage).addRoutes(to: router)
            DocsController(publicFolder: config.publicFolder).addRoutes(to: router)
            accounts.addRoutes(to: router)

            let api = router.group("api/v1").add(middleware: accounts.links)
            let secured = api.group().add(middleware: accounts.auth.verifyJWT)
            let reading =
                loginToBrowse ? secured : api.group().add(middleware: SignedInIfAny(verifyJWT: accounts.auth.verifyJWT))
            BrowseController(collections: collections, viewer: { $0.user?._id }).addRoutes(to: reading)
            HistoryController(collections: collections).addRoutes(to: secured.group("users"))
            VideoController(
                collections: collections, uploads: uploads, media: media, crossSite: accounts.auth.crossSite,
                quota: quota
            )
            .addRoutes(to: secured.group("videos"), reading: reading.group("videos"))
            CommentController(collections: collections).addRoutes(
                to: secured.group("comments"), reading: reading.group("comments"))
            LikeController(collections: collections).addRoutes(to: secured.group("likes"))
            TweetController(collections: collections).addRoutes(
                to: secured.group("tweets"), reading: reading.group("tweets"))
            SubscriptionController(collections: collections).addRoutes(to: secured.group("subscriptions"))
            PlaylistController(collections: collections).addRoutes(
                to: secured.group("playlist"), reading: reading.group("playlist"))
            DashboardController(collections: collections).addRoutes(to: secured.group("dashboard"))
        }
    }
}
