// Chapter 03's server: chapter 02's app with the error middleware in its slot (every failure now
// answers in the API's shape), the healthcheck answering in that shape, and a middleware that
// shows `next`. `main.swift` runs it; the tests build the very same one.

import App
import Database
import Hummingbird
import Logging
import Responses

public func buildChapter03(config: AppConfig, database: ConnectedDatabase, logger: Logger) -> some ApplicationProtocol {
    buildApplication(
        config: config, logger: logger,
        errors: ErrorMiddleware()
    ) { router in
        router.add(middleware: ServerTimingMiddleware())
        HealthController(storage: database.storage).addRoutes(to: router)
        EchoController(cookies: config.cookies).addRoutes(to: router)
    }
}
