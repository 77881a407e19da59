// What `index.js` does, once for every chapter and the Final server: load `.env`, connect the
// database, build the app, listen on `PORT`, and on SIGINT/SIGTERM stop gracefully: in-flight
// requests finish, then the database closes. A request still running after `SHUTDOWN_GRACE`
// seconds is abandoned, so the process always ends. Any start-up failure is one clear log line
// and exit status 1: a bad setting, a database down, an index that cannot be built, a port taken.

import Database
import Foundation
import Hummingbird
import Logging
import ServerSupport
import Storage

/// Builds a server from its settings and its opened database. Every server (each chapter from
/// 02, and the Final server) has exactly one such function; its `main.swift` passes it to
/// `runServer`, and its tests call the very same function.
public typealias ServerBuilder<App: ApplicationProtocol> = (AppConfig, ConnectedDatabase, Logger) async throws -> App

/// Runs the server that `build` makes, under the log label `name`, until SIGINT or SIGTERM.
public func runServer<App: ApplicationProtocol>(name: String, build: ServerBuilder<App>) async -> Never {
    let (config, db, logger) = await start(name)
    let app: App
    do {
        app = try await build(config, db, logger)  // settings read, indexes created: or no server
    } catch {
        await db.close()
        fail(logger, error is any StartupSettingError ? "configuration: \(error)" : "start-up failed: \(error)")
    }

    let deadline = ShutdownDeadline(seconds: config.shutdownGrace, logger: logger)
    do {
        try await app.runService()  // returns after SIGINT/SIGTERM, once in-flight requests are done
    } catch {
        await db.close()
        let text = "\(error)"
        if text.contains("Address already in use") {
            fail(logger, "port \(config.port) is already in use: stop the other server or set PORT in .env")
        }
        fail(logger, "server stopped: \(text)")
    }
    await db.close()
    logger.notice("Server stopped gracefully; database closed")
    withExtendedLifetime(deadline) { exit(0) }
}

/// The end of a graceful stop: SIGTERM or SIGINT starts Hummingbird's graceful shutdown, which
/// refuses new connections and lets requests in flight finish, and this starts a clock beside it.
/// A request that never finishes, from a client that stopped sending its body or a handler stuck
/// on something, would hold the process for good, and systemd or a container platform would end
/// it with SIGKILL; instead, after the grace period the process logs it and exits with status 1.
final class ShutdownDeadline {
    private let sources: [any DispatchSourceSignal]

    init(seconds: Int, logger: Logger) {
        sources = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)  // delivered to the sources below (and to Hummingbird's), not to the default action
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(seconds)) {
                    logger.error(
                        """
                        requests still running \(seconds) s after the stop signal (SHUTDOWN_GRACE): \
                        exiting without them
                        """)
                    exit(1)
                }
            }
            source.resume()
            return source
        }
    }
}

/// Runs a one-off task (the Final server's `seed`) with the settings and database a server gets,
/// then closes the database: exit status 0, or 1 with one clear line.
public func runTask(name: String, _ task: (AppConfig, ConnectedDatabase, Logger) async throws -> Void) async -> Never {
    let (config, db, logger) = await start(name)
    do {
        try await task(config, db, logger)
    } catch {
        await db.close()
        fail(logger, "\(name) failed: \(error)")
    }
    await db.close()
    exit(0)
}

/// Settings (`.env` under the environment), then the database, as `index.js` does first. The
/// logger logs at `LOG_LEVEL` from then on, one line at a time through `LineLogHandler`.
private func start(_ name: String) async -> (AppConfig, ConnectedDatabase, Logger) {
    LoggingSystem.bootstrap(LineLogHandler.standardOutput)
    var logger = Logger(label: name)
    let settings: Settings
    do { settings = try await Settings.load() } catch { fail(logger, "cannot read .env: \(error)") }
    let config: AppConfig
    do { config = try AppConfig(settings) } catch { fail(logger, "configuration: \(error)") }
    logger.logLevel = config.logLevel
    let db: ConnectedDatabase
    do { db = try await connectDB(DatabaseConfig(settings), logger: logger) } catch { fail(logger, "\(error)") }
    logger.notice("\(db.summary)")
    return (config, db, logger)
}

private func fail(_ logger: Logger, _ message: String) -> Never {
    logger.error("\(message)")
    exit(1)
}

/// A setting that does not parse (`PORT=abc`, `BCRYPT_COST=99`): reported as "configuration: …".
public protocol StartupSettingError: Error {}

extension ConfigError: StartupSettingError {}
