// Chapter 06 — JWT: access and refresh tokens, and verifyJWT.
//
// The user routes of the contract on chapter 04's models and chapter 05's hashing; the
// tokens, sessions and middleware are in Sources/Auth. Register takes JSON here (uploads come
// with chapters 07 and 08). The channel profile and the video list now sit behind verifyJWT, so they
// know who is asking.
import Api
import App
import Auth
import Logging
import Models
import ModelsAPI
import Passwords

await runServer(
    name: "chapter06",
    serves: "/api/v1/users: register, login, logout, refresh-token, change-password, current-user, update-account, c/:username; GET /api/v1/videos; GET /api/v1/healthcheck"
) { router, db, config in
    let setup = try AuthSetup(database: db.database, config: config, logger: Logger(label: "chapter06"))
    let auth = setup.auth

    HealthController(storage: db.storage).addRoutes(to: router)
    auth.addRoutes(to: router.group("api/v1/users"))
    let secured = router.group("api/v1").add(middleware: auth.verifyJWT)
    BrowseController(collections: setup.collections, viewer: { $0.user?._id }).addRoutes(to: secured)
} prepare: { db in
    try await Collections(db.database).createIndexes()
}
