// Chapter 08's server: chapter 06's user routes, with the contract's multipart register and the
// avatar and cover image updates (Sources/Course/08b-AccountMedia), on media storage chosen from
// the settings (Sources/Course/08a-Media): Cloudinary when CLOUDINARY_* is set, otherwise
// MEDIA_DIR served at /media. `main.swift` runs it; the tests build the very same one.

import AccountMedia
import App
import Auth
import Database
import Hummingbird
import Logging
import ModelRoutes
import Responses

public func buildChapter08(config: AppConfig, database: ConnectedDatabase, logger: Logger) async throws
    -> some ApplicationProtocol
{
    let accounts = try await AccountsSetup(config: config, database: database, logger: logger)
    logger.info("Media storage: \(accounts.media.location)")
    return buildApplication(
        config: config, logger: logger, about: "media: \(accounts.media.location)",
        errors: ErrorMiddleware()
    ) { router in
        HealthController(storage: database.storage).addRoutes(to: router)
        accounts.addRoutes(to: router)
        BrowseController(collections: accounts.collections, viewer: { $0.user?._id }).addRoutes(
            to: router.group("api/v1").add(middleware: accounts.auth.verifyJWT))
    }
}
