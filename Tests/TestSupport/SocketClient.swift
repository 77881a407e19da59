// A minimal HTTP client for talking to a chapter executable over a real socket.

import BSON
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

public struct HTTPReply: Sendable {
    public let status: Int
    public let body: Document
    public let headers: [String: String]
}

public enum TestHTTP {
    public static func send(
        _ method: String, port: Int, _ path: String, json: String? = nil, headers: [String: String] = [:]
    ) async throws -> HTTPReply {
        var headers = headers
        if json != nil { headers["Content-Type"] = "application/json" }
        return try await send(method, port: port, path, body: json.map { Data($0.utf8) }, headers: headers)
    }

    public static func send(_ method: String, port: Int, _ path: String, body: Data?, headers: [String: String]) async throws -> HTTPReply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        let session = URLSession(configuration: configuration)
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields { fields["\(key)".lowercased()] = "\(value)" }
        let body = data.isEmpty ? Document() : try Document(extendedJSON: String(decoding: data, as: UTF8.self))
        return HTTPReply(status: http.statusCode, body: body, headers: fields)
    }
}
