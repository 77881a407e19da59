// Chapter 03 — APIResponse: the success shape, `{"statusCode": 200, "data": {...}, "message": "...",
// "success": true}`, as the course's `utils/APIResponse.js` class. A handler returns one; its failure
// twin, APIError, is thrown (APIError.swift).

import App
import Hummingbird
import ServerSupport

/// A successful answer: `success` is derived from the status, as in the course's class.
public struct APIResponse<Payload: Encodable & Sendable>: ResponseGenerator, Encodable, Sendable {
    public let statusCode: Int
    public let data: Payload
    public let message: String
    public var success: Bool { statusCode < 400 }

    public init(_ statusCode: Int = 200, _ data: Payload, _ message: String = "Success") {
        self.statusCode = statusCode
        self.data = data
        self.message = message
    }

    enum CodingKeys: String, CodingKey { case statusCode, data, message, success }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(statusCode, forKey: .statusCode)
        try c.encode(data, forKey: .data)
        try c.encode(message, forKey: .message)
        try c.encode(success, forKey: .success)
    }

    /// What Hummingbird sends when a handler returns this: `res.status(code).json(response)`.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        APIJSONEncoder.response(status: .init(code: statusCode), json: try json())
    }

    /// The body: the same four fields as `encode(to:)`, written as text around the payload's
    /// JSON by the engine's `JSONEnvelope` (faster than a keyed container; a test checks the two agree).
    public func json() throws -> String {
        JSONEnvelope.success(
            statusCode: statusCode, data: try APIJSONEncoder.json(data), message: message, success: success)
    }
}

/// `{}` as a response's data (the course answers logout and password changes with it).
public struct Empty: Encodable, Sendable {
    public init() {}
}
