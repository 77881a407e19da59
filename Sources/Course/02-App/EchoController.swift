// Chapter 02's routes: they show what the middleware did to a request.
//
// - `POST /api/v1/echo` answers with the body as the server parsed it (JSON or URL-encoded,
//   nested keys and all) and the cookies it received.
// - `POST /api/v1/cookies/:name` sets a cookie with the auth cookies' attributes;
//   `DELETE /api/v1/cookies/:name` clears it; `GET /api/v1/cookies` lists what the browser sent.

import BSON
import Foundation
import Hummingbird

public struct EchoController: Sendable {
    let cookies: CookieSettings

    public init(cookies: CookieSettings) { self.cookies = cookies }

    public func addRoutes(to router: AppRouter) {
        router.post("/api/v1/echo", use: echo)
        router.get("/api/v1/cookies", use: list)
        router.post("/api/v1/cookies/:name", use: set)
        router.delete("/api/v1/cookies/:name", use: clear)
    }

    struct Echo: ResponseEncodable {
        let body: BSONValue
        /// In the order the request sent them.
        let cookies: Document
    }

    @Sendable func echo(_ request: Request, context: AppRequestContext) async throws -> Echo {
        let body = try await request.decodeBody(as: BSONValue.self, context: context)
        return Echo(body: body, cookies: Self.cookieValues(request))
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Echo {
        Echo(body: .null, cookies: Self.cookieValues(request))
    }

    struct SetCookie: Decodable {
        let value: String
        let maxAge: Int?
    }

    @Sendable func set(_ request: Request, context: AppRequestContext) async throws -> Response {
        let name = try Self.cookieName(context)
        let input = try await request.decodeBody(as: SetCookie.self, context: context)
        let cookie = try cookies.cookie(name, input.value, maxAge: input.maxAge ?? 86_400)
        var response = Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: .init(string: #"{"set":"\#(name)"}"#)))
        response.setCookieInOrder(cookie)
        return response
    }

    @Sendable func clear(_ request: Request, context: AppRequestContext) async throws -> Response {
        let name = try Self.cookieName(context)
        let cookie = try cookies.clearing(name)
        var response = Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: .init(string: #"{"cleared":"\#(name)"}"#)))
        response.setCookieInOrder(cookie)
        return response
    }

    /// The `:name` path parameter, percent-decoded: `a%3Bb` is the invalid name `a;b`.
    static func cookieName(_ context: AppRequestContext) throws -> String {
        let raw = try context.parameters.require("name")
        return raw.removingPercentEncoding ?? raw
    }

    /// Every cookie the request carries. (Routes read one cookie with `request.cookies["name"]`;
    /// Hummingbird's `Cookies` has no way to list them all, which this demo route needs.)
    static func cookieValues(_ request: Request) -> Document {
        var out = Document()
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard let name = parts.first?.trimmingCharacters(in: .whitespaces), !name.isEmpty else { continue }
                out[name] = .string(parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : "")
            }
        }
        return out
    }
}
