// The OpenAPI document and the routes the server registers are equal, both ways; the document
// is served, and so is the page that reads it.

import App
import BSON
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
import Testing

@testable import Final

@Suite struct APIDocument {
    /// `GET /api/v1/videos/:videoId` → `get /api/v1/videos/{videoId}`.
    static func key(_ method: String, _ path: String) -> String {
        let segments = path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
        return method.lowercased() + " /" + segments.joined(separator: "/")
    }

    @Test func everyRegisteredRouteIsDocumentedAndEveryDocumentedRouteIsRegistered() async throws {
        let world = World(database: try await TestBackend.embedded.connectedDatabase(), mediaFolder: scratchPath("m"), tempFolder: scratchPath("t"))
        let router = try await FinalRoutes(config: .testing(), database: world.database, logger: Logger(label: "test")).router
        let routes = router.routes
        // The start-up line lists the first six paths and counts the rest.
        let paths = Set(routes.map { "\($0.path)" }).count
        #expect(servedRoutes(router).hasSuffix(", and \(paths - 6) more paths"), "\(servedRoutes(router))")
        let registered = Set(routes.map { Self.key($0.method.rawValue, "\($0.path)") })
        let documented = Set(OpenAPI.operations.map { "\($0.method) \($0.path)" })
        #expect(registered.subtracting(documented).sorted() == [], "registered but not documented")
        #expect(documented.subtracting(registered).sorted() == [], "documented but not registered")
        #expect(registered.count == OpenAPI.operations.count && registered.count >= 46)
        // Every path parameter of the document names one of the route's own.
        for op in OpenAPI.operations {
            let parameters = op.path.split(separator: "/").filter { $0.hasPrefix("{") }.count
            let described =
                (OpenAPI.document["paths"]?.documentValue?[op.path]?.documentValue?[op.method]?.documentValue?["parameters"]?.arrayValue ?? [])
                .filter { $0.documentValue?["in"] == "path" }.count
            #expect(parameters == described, "\(op.method) \(op.path)")
        }
    }

    @Test func theDocumentIsServedAsOpenAPI31AndThePageReadsIt() async throws {
        let (app, _) = try await finalApp(.embedded)
        try await app.test(.router) { client in
            let served = try await client.call(.get, "/api/v1/openapi.json")
            #expect(served.status == .ok && served.headers[.contentType]?.hasPrefix("application/json") == true)
            let document = try json(served.body)
            #expect(document["openapi"] == "3.1.0")
            #expect(document["paths"]?.documentValue?.count == Set(OpenAPI.operations.map(\.path)).count)
            let schemas = try #require(document["components"]?.documentValue?["schemas"]?.documentValue)
            // Every $ref names a schema that is there.
            let text = String(buffer: served.body)
            let refs = text.components(separatedBy: "#/components/schemas/").dropFirst().map { String($0.prefix { $0 != "\"" }) }
            #expect(!refs.isEmpty && refs.allSatisfy { schemas[$0] != nil }, "\(Set(refs).filter { schemas[$0] == nil })")
            let page = try await client.call(.get, "/api-docs")
            #expect(page.status == .ok && page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(String(buffer: page.body).contains("/api/v1/openapi.json") && String(buffer: page.body).contains("swagger-ui-bundle.js"))
        }
    }
}
