// `GET /api/v1/healthcheck`: is the server up, and can it reach its database? 200 when it
// can; 503 when the database does not answer within two seconds (a load balancer takes the
// instance out of rotation on 503).
import App
import Hummingbird
import Storage

public struct HealthController: Sendable {
    let storage: any Storage

    public init(storage: any Storage) { self.storage = storage }

    public func addRoutes(to router: AppRouter) {
        router.get("/api/v1/healthcheck", use: check)
    }

    public struct Status: Encodable, Sendable {
        public let status: String
        public let database: String
    }

    @Sendable func check(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Status> {
        let storage = self.storage
        let answered = await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await storage.ping()) != nil }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        guard answered else { throw APIError(503, "Database unavailable") }
        return APIResponse(200, Status(status: "ok", database: "up"), "OK")
    }
}
