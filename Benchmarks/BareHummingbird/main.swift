// `make bench`: the healthcheck's JSON on bare Hummingbird, no middleware and no database, the
// floor our own stack is measured against (Benchmarks/http_bench.py). Same body, same bytes as
// the Final server's healthcheck when the database is up.

import Foundation
import Hummingbird
import Logging

struct Status: ResponseEncodable {
    struct Data: Encodable { let status: String, database: String }
    let statusCode: Int
    let data: Data
    let message: String
    let success: Bool
}

let router = Router()
router.get("/api/v1/healthcheck") { _, _ in
    Status(statusCode: 200, data: .init(status: "ok", database: "up"), message: "OK", success: true)
}
let port = Int(ProcessInfo.processInfo.environment["PORT"] ?? "") ?? 8080
let app = Application(
    router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
    onServerRunning: { channel in Logger(label: "bare").notice("Server is running at http://127.0.0.1:\(channel.localAddress?.port ?? port)") })
try await app.runService()
