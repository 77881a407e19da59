// The app, built the way the course's `app.js` builds it: one function that adds each piece
// in order, then the routes. Every arrow below is one middleware a learner can open:
//
//     request → request log (+ id) → CORS → [errors] → static files → routes
//
// `[errors]` is the slot for chapter 03's error middleware, which writes every failure in the
// API's shape. Chapter 02 leaves it empty: an error then answers as Hummingbird's own
// `{"error": {"message": ...}}` (the request log still writes its line and its id).
//
// Body parsing is not a middleware here: a route decodes its body when it needs it, through
// the context's `BodyDecoder`, which enforces the 16 kB limit. Cookies are parsed lazily by
// `request.cookies`.

import Hummingbird
import Logging

public typealias AppRouter = Router<AppRequestContext>

/// Builds the application: middleware in the order of `app.js`, then `addRoutes` adds the
/// routes of the chapter or the Final server under the router. Once it listens it logs one line,
/// `Server is running at http://HOST:PORT — <the routes>; static files from public/`.
public func buildApplication(
    config: AppConfig,
    logger: Logger,
    about: String? = nil,
    errors: (any MiddlewareProtocol<Request, Response, AppRequestContext>)? = nil,
    addRoutes: (AppRouter) throws -> Void
) rethrows -> some ApplicationProtocol {
    buildApplication(
        router: try buildRouter(config: config, errors: errors, addRoutes: addRoutes), config: config, logger: logger,
        about: about)
}

/// The router alone: the middleware in the order of `app.js`, with `errors` in its slot when
/// given, then the routes `addRoutes` adds.
public func buildRouter(
    config: AppConfig, errors: (any MiddlewareProtocol<Request, Response, AppRequestContext>)? = nil,
    addRoutes: (AppRouter) throws -> Void
) rethrows -> AppRouter {
    let router = AppRouter(context: AppRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: QueryTimeLimitMiddleware(milliseconds: config.queryTimeout))
    router.add(middleware: CORSMiddleware(allowedOrigins: config.corsOrigins))
    if let errors { router.add(middleware: errors) }
    router.add(middleware: StaticFilesMiddleware(folder: config.publicFolder))
    try addRoutes(router)
    return router
}

/// The application serving `router` on the configured address. Its start-up line lists the
/// routes the router really has, then `about`: where the data and the media live, say.
public func buildApplication(router: AppRouter, config: AppConfig, logger: Logger, about: String? = nil)
    -> some ApplicationProtocol
{
    let serves = [servedRoutes(router), "static files from \(config.publicFolder)/", about].compactMap { $0 }.joined(
        separator: "; ")
    return Application(
        router: router,
        server: config.server,  // with the idle and request-head timeouts (Timeouts.swift)
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "videotube"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? config.port
            logger.notice("Server is running at http://\(config.host):\(port) — \(serves)")
            if config.corsDefaulted {
                let origins = AppConfig.devOrigins.joined(separator: " and ")
                logger.notice(
                    """
                    CORS_ORIGIN is not set: frontends at \(origins) may call the API with cookies \
                    (set CORS_ORIGIN to change)
                    """)
            }
        },
        logger: logger
    )
}

/// The routes for the start-up line, read from the router so the line cannot drift from it:
/// each path once, with its methods, in Express's notation (`DELETE|POST /api/v1/cookies/:name`).
/// Past `limit` paths the rest are counted, not listed; the Final server's are in /api-docs.
public func servedRoutes(_ router: AppRouter, limit: Int = 6) -> String {
    var paths: [String] = []
    var methods: [String: [String]] = [:]
    for route in servedRouteList(router) {
        if methods[route.path] == nil { paths.append(route.path) }
        methods[route.path, default: []].append(route.method)
    }
    let shown = paths.prefix(limit).map { "\(methods[$0, default: []].joined(separator: "|")) \($0)" }
    let more = paths.count - shown.count
    return shown.joined(separator: ", ") + (more > 0 ? ", and \(more) more paths" : "")
}

/// Every route of `router` as (method, path), the path in Express's notation, in the order added.
public func servedRouteList(_ router: AppRouter) -> [(method: String, path: String)] {
    router.routes.map { route in
        (route.method.rawValue, route.path.description.replacing("{", with: ":").replacing("}", with: ""))
    }
}
