// Chapter 08's wiring in one place, which the Final server builds on: chapter 06's auth set-up,
// the media storage and upload limits the settings choose, and the routes that need them.
// `buildChapter08` and `buildFinalServer` both start from it, so the two cannot wire accounts
// differently.

import App
import Auth
import Database
import Hummingbird
import Logging
import Media
import Models
import Uploads

public struct AccountsSetup: Sendable {
    /// Chapter 06's collections, password hasher and auth routes, with the indexes created.
    public let authSetup: AuthSetup
    public let media: any MediaStorage
    public let uploads: Uploads
    /// Media URLs made absolute in JSON answers, from `PUBLIC_URL` or the request's host.
    public let links: MediaLinksMiddleware

    /// `media` is the storage the settings choose (`connectMedia`), unless one is given (a test's).
    public init(config: AppConfig, database: ConnectedDatabase, logger: Logger, media chosen: (any MediaStorage)? = nil)
        async throws
    {
        authSetup = try AuthSetup(database: database.database, config: config, logger: logger)
        try await authSetup.createIndexes()
        media = try chosen ?? connectMedia(config.settings.lookup)
        uploads = Uploads(try UploadSettings(config.settings.lookup))
        links = MediaLinksMiddleware(
            try MediaLinks(config.settings.lookup, trustedProxies: authSetup.auth.throttle.trustedProxies))
    }

    public var auth: AuthController { authSetup.auth }
    public var collections: Collections { authSetup.collections }

    /// The media folder at `/media` when media is local (Cloudinary serves its own), then the
    /// user routes on `/api/v1/users`: chapter 06's and this chapter's multipart ones, their
    /// media URLs made absolute.
    public func addRoutes(to router: AppRouter) {
        if let local = media as? LocalMedia {
            router.add(
                middleware: StaticFilesMiddleware(
                    folder: local.folder, urlBasePath: LocalMedia.urlPath, untrusted: true))
        }
        let users = router.group("api/v1/users").add(middleware: links)
        auth.addRoutes(to: users)
        AccountMediaController(
            users: collections.users, uploads: uploads, media: media, verifyJWT: auth.verifyJWT, throttle: auth.throttle
        )
        .addRoutes(to: users)
    }
}
