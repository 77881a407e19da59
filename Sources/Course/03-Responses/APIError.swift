// Chapter 03 — APIError and APIResponse: every answer of the API has one of two shapes.
//
//     success: {"statusCode": 200, "data": {...}, "message": "...", "success": true}
//     failure: {"statusCode": 404, "data": null, "message": "...", "success": false, "errors": [...]}
//
// The course writes them as two classes (`utils/APIError.js`, `utils/APIResponse.js`). A handler
// returns an `APIResponse` or throws an `APIError`; the error middleware (ErrorMiddleware.swift) turns
// whatever was thrown into the failure shape, so no handler writes its own do/catch.

import App
import BSON
import Hummingbird

public struct APIError: Error, APIErrorRepresentable, Encodable, Sendable, Equatable {
    public let statusCode: Int
    public let message: String
    public let errors: [FieldError]

    public init(_ statusCode: Int, _ message: String = "Something went wrong", errors: [FieldError] = []) {
        self.statusCode = statusCode
        self.message = message
        self.errors = errors
    }

    public var fieldErrors: [FieldError] { errors }
    /// Always false: an APIError is a failure.
    public var success: Bool { false }

    /// The failure shape, exactly as the error middleware writes it.
    public func encode(to encoder: any Encoder) throws {
        try ErrorBody(statusCode: statusCode, message: message, errors: errors).encode(to: encoder)
    }

    // The errors the routes throw most, by name.
    public static func badRequest(_ message: String, errors: [FieldError] = []) -> APIError { APIError(400, message, errors: errors) }
    public static func unauthorized(_ message: String = "Unauthorized request") -> APIError { APIError(401, message) }
    public static func forbidden(_ message: String = "You are not allowed to do this") -> APIError { APIError(403, message) }
    public static func notFound(_ message: String) -> APIError { APIError(404, message) }
    public static func conflict(_ message: String) -> APIError { APIError(409, message) }
}

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

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        APIJSONEncoder.response(status: .init(code: statusCode), json: try json())
    }

    /// The body: the envelope written around the payload's own JSON, field by field in the
    /// order `encode(to:)` gives (a test checks that the two agree). Every answer has this
    /// envelope, and through the encoder's keyed container it cost as much as a small payload.
    public func json() throws -> String {
        var out = #"{"statusCode":"#
        out += String(statusCode)
        out += #","data":"#
        out += try APIJSONEncoder.json(data)
        out += #","message":"#
        out += BSONValue.string(message).json(.api)
        out += success ? #","success":true}"# : #","success":false}"#
        return out
    }
}

/// `{}` as a response's data (the course answers logout and password changes with it).
public struct Empty: Encodable, Sendable {
    public init() {}
}
