// Chapter 02's server: chapter 02's app (Sources/Course/02-App) with the routes that show what
// its middleware does to a request. `main.swift` runs it; the tests build the very same one.

import App
import Database
import Hummingbird
import Logging

public func buildChapter02(config: AppConfig, database: ConnectedDatabase, logger: Logger) -> some ApplicationProtocol {
    buildApplication(config: config, logger: logger) { router in
        EchoController(cookies: config.cookies).addRoutes(to: router)
    }
}
