// Chapter 08 — media: uploads go on to Cloudinary, or to a local media folder.
//
// Chapter 06's user routes, with the contract's multipart register and the avatar and cover
// image updates (Sources/Accounts), on media storage chosen from the environment (Sources/Media):
// Cloudinary when CLOUDINARY_* is set, otherwise MEDIA_DIR served at /media.
import Accounts
import Api
import App
import Auth
import Logging
import Media
import Models
import ModelsAPI
import Passwords
import Uploads

await runServer(
    name: "chapter08",
    serves: "/api/v1/users: register (multipart), login, logout, refresh-token, change-password, current-user, update-account, avatar, cover-image, c/:username; GET /api/v1/videos; /media; GET /api/v1/healthcheck"
) { router, db, config in
    let logger = Logger(label: "chapter08")
    let env = { (name: String) in config.environment.get(name) }
    let setup = try AuthSetup(database: db.database, config: config, logger: logger)
    let auth = setup.auth
    let media = try connectMedia(env)
    logger.info("Media storage: \(media.location)")
    let accounts = AccountMediaController(users: setup.collections.users, uploads: Uploads(try UploadSettings(env)), media: media, verifyJWT: auth.verifyJWT)

    if let local = media as? LocalMedia { router.add(middleware: StaticFilesMiddleware(folder: local.folder, urlBasePath: LocalMedia.urlPath)) }
    HealthController(storage: db.storage).addRoutes(to: router)
    auth.addRoutes(to: router.group("api/v1/users"), jsonRegister: false)
    accounts.addRoutes(to: router.group("api/v1/users"))
    BrowseController(collections: setup.collections, viewer: { $0.user?._id }).addRoutes(to: router.group("api/v1").add(middleware: auth.verifyJWT))
} prepare: { db in
    try await Collections(db.database).createIndexes()
}
