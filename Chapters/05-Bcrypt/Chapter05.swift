// Chapter 05's server: chapter 04's users collection with a save hook that hashes passwords
// (Sources/Course/05-Passwords), and two routes to try it: register an account, then check a
// password against it. `main.swift` runs it; the tests build the very same one.

import App
import Database
import Hummingbird
import Logging
import ModelRoutes
import Models
import Passwords
import Responses

struct PasswordCheck: Encodable, Sendable {
    let passwordCorrect: Bool
}

public func buildChapter05(config: AppConfig, database: ConnectedDatabase, logger: Logger) async throws
    -> some ApplicationProtocol
{
    try await Collections(database.database).createIndexes()
    let hasher = PasswordHasher(cost: try PasswordHasher.cost(from: config.settings["BCRYPT_COST"]))
    let users = Collections(database.database, userBeforeSave: hasher.hashOnSave).users
    return buildApplication(
        config: config, logger: logger,
        errors: ErrorMiddleware()
    ) { router in
        HealthController(storage: database.storage).addRoutes(to: router)

        router.post("api/v1/users/register") { request, context in
            let registration = try await request.decodeBody(as: User.Registration.self, context: context)
            let user = try await users.insert(User(registration))  // the save hook hashes the password
            return APIResponse(201, user.profile, "User registered successfully")
        }

        router.post("api/v1/users/check") { request, context in
            let login = try await request.decodeBody(as: User.Login.self, context: context)
            guard let user = try await users.findForLogin(login) else { throw APIError.notFound("User does not exist") }
            guard try await hasher.isPasswordCorrect(login.password, for: user) else {
                throw APIError.unauthorized("Invalid user credentials")
            }
            return APIResponse(200, PasswordCheck(passwordCorrect: true), "Password is correct")
        }
    }
}
