// A request body the server cannot use: too large (413), malformed or of the wrong shape (400,
// naming the field when there is one). `BodyDecoder` throws it for every such body, so a client's
// mistake is never mistaken for a server failure.
//
// It answers by itself, as any Hummingbird `HTTPResponseError` does: in chapter 02, with no error
// middleware yet, the client gets Hummingbird's own error JSON, `{"error": {"message": "..."}}`.
// Chapter 03's error middleware writes the same error in the API's shape, with the field listed
// under `errors`.

import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

public struct BodyError: HTTPResponseError, Sendable, Equatable {
    public let status: HTTPResponse.Status
    public let message: String
    /// The dotted path of the field at fault, such as "email" or "address.city", when there is one.
    public let field: String?

    public init(_ status: HTTPResponse.Status, _ message: String, field: String? = nil) {
        self.status = status
        self.message = message
        self.field = field
    }

    /// The body is above the limit (`AppConfig.bodyLimit`): 413, read no further than the limit.
    public static let tooLarge = BodyError(
        .contentTooLarge, "Request body is larger than \(AppConfig.bodyLimit / 1024) kB")

    /// A decoding failure, in words for the client that name the field without echoing internals.
    public init(_ error: DecodingError) {
        self.init(.badRequest, error.publicMessage, field: error.field)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try HTTPError(status, message: message).response(from: request, context: context)
    }
}

extension DecodingError {
    /// The dotted path of the field at fault ("email", "address.city"), when there is one.
    var field: String? {
        let path: [any CodingKey]
        switch self {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): path = c.codingPath
        case .keyNotFound(let key, let c): path = c.codingPath + [key]
        @unknown default: return nil
        }
        return path.isEmpty ? nil : path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    /// A message for the client that names the problem without echoing internals.
    var publicMessage: String {
        switch self {
        case .typeMismatch(let type, _):
            return "\(field ?? "body") must be \(Self.describe(type))"
        case .valueNotFound, .keyNotFound:
            return "\(field ?? "body") is required"
        case .dataCorrupted:
            return field == nil ? "Malformed request body" : "\(field!) is invalid"
        @unknown default:
            return "Invalid request body"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int32.Type, is Int64.Type, is Double.Type: "a number"
        default: type is any Collection.Type ? "an array" : "an object"
        }
    }
}
