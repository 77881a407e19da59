/// What `index.js` does, once for every chapter and the Final server: load `.env`, connect the
/// database, build the app, listen on `PORT` and say where, and on SIGINT/SIGTERM stop
/// gracefully (in-flight requests finish, then the database closes). `prepare` runs once the
/// database is open and before the server listens (chapter 04 creates its indexes there). Any
/// start-up failure (bad setting, database down, index that cannot be built, port taken) is one
/// clear log line and exit status 1.
import Database
import Foundation
import Hummingbird
import Logging
import Storage

public func runServer(
    name: String,
    serves: String,
    addRoutes: (AppRouter, ConnectedDatabase, AppConfig) throws -> Void,
    prepare: (ConnectedDatabase) async throws -> Void = { _ in }
) async -> Never {
    let logger = Logger(label: name)
    func fail(_ message: String) -> Never {
        logger.error("\(message)")
        exit(1)
    }
    let env: Environment
    do {
        env = try await Environment.dotEnv().merging(with: Environment())  // real variables win
    } catch {
        fail("cannot read .env: \(error)")
    }
    let config: AppConfig
    do { config = try AppConfig(env) } catch { fail("configuration: \(error)") }

    let db: ConnectedDatabase
    do { db = try await connectDB(DatabaseConfig { env.get($0) }, logger: logger) } catch { fail("\(error)") }
    logger.info("\(db.summary)")
    do {
        try await prepare(db)  // e.g. create indexes: the server does not listen without them
    } catch {
        await db.storage.close()
        fail("start-up failed: \(error)")
    }

    var setupError: (any Error)?  // a route's settings that do not parse (e.g. BCRYPT_COST)
    let app = buildApplication(
        config: config, logger: logger,
        onServerRunning: { logger.info("Server is running at http://\(config.host):\(config.port) — \(serves)") }
    ) { router in
        do { try addRoutes(router, db, config) } catch { setupError = error }
    }
    if let setupError {
        await db.storage.close()
        fail("configuration: \(setupError)")
    }

    do {
        try await app.runService()  // returns after SIGINT/SIGTERM, once in-flight requests are done
    } catch {
        await db.storage.close()
        let text = "\(error)"
        if text.contains("Address already in use") {
            fail("port \(config.port) is already in use: stop the other server or set PORT in .env")
        }
        fail("server stopped: \(text)")
    }
    await db.storage.close()
    logger.info("Server stopped gracefully; database closed")
    exit(0)
}
