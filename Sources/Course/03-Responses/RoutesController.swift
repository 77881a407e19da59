// `GET /api/v1/routes`: the routes this server serves, read from its own router, in Express's
// notation (`GET /api/v1/videos/:videoId`). The start-up line shortens the same list; this is the
// whole of it, for a person (or `make whatsnew`) asking a running chapter what it serves. Every
// server from chapter 03 on has it, next to the healthcheck.

import App
import Hummingbird

public enum RoutesController {
    public struct Route: Encodable, Sendable {
        public let method: String
        public let path: String
    }

    /// Adds the route; it lists whatever `router` holds when it is asked, itself included.
    public static func addRoutes(to router: AppRouter) {
        let table = RouteTable(router)
        router.get("api/v1/routes") { _, _ in
            APIResponse(200, table.routes, "Routes of this server")
        }
    }
}

/// The router, read once the server runs. A router is not `Sendable` because routes are added
/// to it while it is built; by the time a request asks, nothing changes it any more. (It is held
/// strongly: the application keeps only the responder built from it. Router and route live as
/// long as the server.)
final class RouteTable: @unchecked Sendable {
    private let router: AppRouter
    init(_ router: AppRouter) { self.router = router }

    var routes: [RoutesController.Route] {
        servedRouteList(router).map { RoutesController.Route(method: $0.method, path: $0.path) }
    }
}
