// Chapter 03's server: chapter 02's app, plus the healthcheck answering in the API's shape, and
// a middleware that shows `next`. `main.swift` runs it; the tests build the very same one.
import App
import Database
import Hummingbird
import Logging
import Responses

public func buildChapter03(config: AppConfig, database: ConnectedDatabase, logger: Logger) -> some ApplicationProtocol {
    buildApplication(config: config, logger: logger, serves: "GET /api/v1/healthcheck, POST /api/v1/echo, /api/v1/cookies, static files") { router in
        router.add(middleware: ServerTimingMiddleware())
        HealthController(storage: database.storage).addRoutes(to: router)
        EchoController(cookies: config.cookies).addRoutes(to: router)
    }
}
