// The one place where a thrown error becomes the API's error JSON:
//
//     {"statusCode": 413, "data": null, "message": "...", "success": false, "errors": []}
//
// Every handler and middleware simply `throw`s; this middleware, near the top of the chain
// (chapter 02's `buildApplication` puts it after CORS, so error answers carry CORS headers too),
// catches and answers. It is the Swift form of the course's `asyncHandler` plus Express's
// error handler: Hummingbird already forwards an `async throws` handler's error up the chain,
// so no handler wraps itself in do/catch.
//
// What each error becomes:
// - an error that describes itself (`APIErrorRepresentable`: `APIError`, storage errors): its status and message;
// - a body chapter 02 could not use (`BodyError`): 413 too large, 400 malformed, naming the field;
// - Hummingbird's `HTTPError` (unknown route 404, wrong media type 415, ...): its status;
// - anything else: 500 "Internal Server Error", the detail only in the log, with the request id.

import App
import Exercises
import HTTPTypes
import Hummingbird
import Logging

/// An error that knows its HTTP status, its public message and its per-field problems.
public protocol APIErrorRepresentable: Error {
    var statusCode: Int { get }
    var message: String { get }
    var fieldErrors: [FieldError] { get }
    /// Seconds after which trying again makes sense (429 and 503): sent as `Retry-After`.
    var retryAfter: Int? { get }
}

extension APIErrorRepresentable {
    public var fieldErrors: [FieldError] { [] }
    public var retryAfter: Int? { nil }
}

/// One invalid field, as listed in an error body's `errors`.
public struct FieldError: Codable, Sendable, Equatable {
    public var field: String
    public var message: String
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// The error body of every failed request: the one definition of its shape.
public struct ErrorBody: Encodable, Sendable {
    public let statusCode: Int
    public let message: String
    public let errors: [FieldError]

    public init(statusCode: Int, message: String, errors: [FieldError]) {
        self.statusCode = statusCode
        self.message = message
        self.errors = errors
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(statusCode, forKey: .statusCode)
        try c.encodeNil(forKey: .data)  // "data": null, written, not omitted
        try c.encode(message, forKey: .message)
        try c.encode(false, forKey: .success)
        try c.encode(errors, forKey: .errors)
    }

    enum CodingKeys: String, CodingKey { case statusCode, data, message, success, errors }
}

public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        // EXERCISE 3.1: asyncHandler: every thrown error becomes the API's error JSON
        do {
            return try await next(request, context)
        } catch {
            let body = Self.describe(error, request: request, context: context)
            var response = Self.response(body)
            if let wait = (error as? any APIErrorRepresentable)?.retryAfter {
                response.headers[.retryAfter] = String(wait)
            }
            return response
        }
        // END EXERCISE 3.1
    }

    static func describe(_ error: any Error, request: Request, context: Context) -> ErrorBody {
        switch error {
        case let e as any APIErrorRepresentable:
            if e.statusCode >= 500 { context.logger.error("\(e.statusCode) \(e.message): \(error)") }
            return ErrorBody(statusCode: e.statusCode, message: e.message, errors: e.fieldErrors)
        case let e as BodyError:
            return ErrorBody(
                statusCode: Int(e.status.code), message: e.message,
                errors: e.field.map { [FieldError(field: $0, message: e.message)] } ?? [])
        case let e as HTTPError:
            let status = Int(e.status.code)
            return ErrorBody(
                statusCode: status,
                message: e.body
                    ?? (status == 404
                        ? "Route \(request.method) \(request.uri.path) not found" : e.status.reasonPhrase),
                errors: [])
        case let e as any HTTPResponseError:
            return ErrorBody(statusCode: Int(e.status.code), message: e.status.reasonPhrase, errors: [])
        default:
            context.logger.error("500 unhandled error: \(String(reflecting: error))")
            return ErrorBody(statusCode: 500, message: "Internal Server Error", errors: [])
        }
    }

    static func response(_ body: ErrorBody) -> Response {
        let json =
            (try? APIJSONEncoder.json(body))
            ?? #"{"statusCode":500,"data":null,"message":"Internal Server Error","success":false,"errors":[]}"#
        return APIJSONEncoder.response(status: .init(code: body.statusCode), json: json)
    }
}
