// Chapter 08's server: chapter 06's user routes, with the contract's multipart register and the
// avatar and cover image updates (Sources/Course/08-AccountMedia), on media storage chosen from
// the settings (Sources/Course/08-Media): Cloudinary when CLOUDINARY_* is set, otherwise
// MEDIA_DIR served at /media. `main.swift` runs it; the tests build the very same one.

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

public func buildChapter08(config: AppConfig, database: ConnectedDatabase, logger: Logger) async throws -> some ApplicationProtocol {
    let setup = try AuthSetup(database: database.database, config: config, logger: logger)
    try await setup.createIndexes()
    let auth = setup.auth
    let media = try connectMedia(config.settings.lookup)
    logger.info("Media storage: \(media.location)")
    let uploads = Uploads(try UploadSettings(config.settings.lookup))
    let accounts = AccountMediaController(
        users: setup.collections.users, uploads: uploads, media: media, verifyJWT: auth.verifyJWT, throttle: auth.throttle)
    return buildApplication(
        config: config, logger: logger,
        serves: "/api/v1/users: register (multipart), login, logout, refresh-token, change-password, current-user, update-account, "
            + "avatar, cover-image, c/:username; GET /api/v1/videos; /media; GET /api/v1/healthcheck",
        errors: ErrorMiddleware()
    ) { router in
        if let local = media as? LocalMedia {
            router.add(middleware: StaticFilesMiddleware(folder: local.folder, urlBasePath: LocalMedia.urlPath, untrusted: true))
        }
        HealthController(storage: database.storage).addRoutes(to: router)
        auth.addRoutes(to: router.group("api/v1/users"))
        accounts.addRoutes(to: router.group("api/v1/users"))
        BrowseController(collections: setup.collections, viewer: { $0.user?._id }).addRoutes(
            to: router.group("api/v1").add(middleware: auth.verifyJWT))
    }
}
