// Chapter 03 — APIError and APIResponse (APIResponse.swift): every answer of the API has one of two shapes.
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
    public static func badRequest(_ message: String, errors: [FieldError] = []) -> APIError {
        APIError(400, message, errors: errors)
    }
    public static func unauthorized(_ message: String = "Unauthorized request") -> APIError { APIError(401, message) }
    public static func forbidden(_ message: String = "You are not allowed to do this") -> APIError {
        APIError(403, message)
    }
    public static func notFound(_ message: String) -> APIError { APIError(404, message) }
    public static func conflict(_ message: String) -> APIError { APIError(409, message) }
}
