// Where the models meet HTTP: chapter 04's web side. `Models` itself knows no web.
//
// A model's `ValidationError` is the client's fault: 400, with every bad field listed in
// `errors`. Ids in paths must be ObjectIds, else 400 `Invalid videoId`, and page
// numbers come from the query string.

import App
import BSON
import Hummingbird
import Models
import Responses

extension ValidationError: APIErrorRepresentable {
    public var statusCode: Int { 400 }
    public var message: String { description }
    public var fieldErrors: [FieldError] { issues.map { FieldError(field: $0.field, message: $0.message) } }
}

/// A stored document that does not fit its model is the server's failure: 500. The detail, which
/// field of which document, goes only to the log.
extension StoredDocumentError: APIErrorRepresentable {
    public var statusCode: Int { 500 }
    public var message: String { "Internal Server Error" }
}

extension Parameters {
    /// The path parameter `name` as an ObjectId: 400 "Invalid <name>" when it is not one.
    /// The Node version let Mongoose throw a CastError, which became a 500.
    public func objectId(_ name: String) throws -> ObjectId {
        guard let text = self.get(name), let id = ObjectId(text) else { throw APIError.badRequest("Invalid \(name)") }
        return id
    }
}

extension Request {
    /// The query string's `page` and `limit`, validated; 1 and 10 when absent.
    public var pageRequest: PageRequest {
        get throws { try pageRequest(defaultLimit: 10) }
    }

    /// The same, with another `limit` when the query string gives none.
    public func pageRequest(defaultLimit: Int) throws -> PageRequest {
        let query = uri.queryParameters
        return try PageRequest(
            page: query["page"].map(String.init), limit: query["limit"].map(String.init) ?? String(defaultLimit))
    }
}
