// Chapter 06's server: the user routes of the contract on chapter 04's models and chapter 05's
// hashing; the tokens, sessions and middleware are in Sources/Course/06-Auth. Register takes
// JSON here (uploads come with chapters 07 and 08). The channel profile and the video list now
// sit behind verifyJWT, so they know who is asking. `main.swift` runs it; the tests build the
// very same one.

import App
import Auth
import Database
import Hummingbird
import Logging
import ModelRoutes
import Models
import Responses

public func buildChapter06(config: AppConfig, database: ConnectedDatabase, logger: Logger) async throws
    -> some ApplicationProtocol
{
    let setup = try AuthSetup(database: database.database, config: config, logger: logger)
    try await setup.createIndexes()
    let auth = setup.auth
    return buildApplication(
        config: config, logger: logger,
        errors: ErrorMiddleware()
    ) { router in
        HealthController(storage: database.storage).addRoutes(to: router)
        let users = router.group("api/v1/users")
        // Register takes JSON here; chapter 08 registers with files.
        users.group().add(middleware: auth.crossSite.refusal).add(middleware: auth.throttle.middleware).post(
            "register", use: auth.register)
        auth.addRoutes(to: users)
        let secured = router.group("api/v1").add(middleware: auth.verifyJWT)
        BrowseController(collections: setup.collections, viewer: { $0.user?._id }).addRoutes(to: secured)
    }
}
