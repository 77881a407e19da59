// What a server with logins builds from its settings, in one place (chapter 06, chapter 08 and
// the Final server use it): token settings (`ACCESS_TOKEN_*`, `REFRESH_TOKEN_*`), the password
// hasher (`BCRYPT_COST`), the collections with the users' hash-on-save hook, the sessions, and
// the auth routes with their `verifyJWT`.

import App
import Logging
import Models
import Passwords
import Storage

public struct AuthSetup: Sendable {
    public let collections: Collections
    public let hasher: PasswordHasher
    public let auth: AuthController

    /// Settings that do not parse throw (the server does not start); missing secrets are
    /// replaced by random ones with a warning in the log.
    public init(database: any StorageDatabase, config: AppConfig, logger: Logger) throws {
        let env = config.settings.lookup
        var warnings: [String] = []
        let tokens = TokenService(try TokenSettings(env, warnings: &warnings))
        for warning in warnings { logger.warning("\(warning)") }
        hasher = PasswordHasher(
            cost: try PasswordHasher.cost(from: env("BCRYPT_COST")),
            queueLimit: try PasswordHasher.queueLimit(from: env("BCRYPT_QUEUE_LIMIT")))
        collections = Collections(database, userBeforeSave: hasher.hashOnSave)
        let sessions = SessionStore(
            users: collections.users, sessions: ModelCollection(database), tokens: tokens, hasher: hasher)
        auth = AuthController(
            sessions: sessions, cookies: config.cookies, throttle: try Throttle(env, database: database),
            crossSite: CrossSiteGuard(allowedOrigins: config.corsOrigins))
    }

    /// Every index the server needs: the models' (`Collections`) and the sessions'. Runs at
    /// start-up, before the server listens.
    public func createIndexes() async throws {
        try await collections.createIndexes()
        try await auth.sessions.createIndexes()
        try await auth.throttle.createIndexes()
    }
}
