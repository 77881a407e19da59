// How a storage error looks to a client. A duplicate key is the client's conflict (409, naming
// the field); an unreachable database is 503; a malformed query, or a document the collection's
// validator refuses, is the request's fault (400).
// The driver's own message never reaches the client: it is logged with the request id.

import App
import Storage

extension StorageError: APIErrorRepresentable {
    public var statusCode: Int {
        switch self {
        case .duplicateKey: 409
        case .unavailable, .timeout: 503
        case .invalidQuery, .documentValidation: 400
        case .commandFailed, .invalidConfiguration: 500
        }
    }

    public var message: String {
        switch self {
        case .duplicateKey(let info): "\(info.field ?? "value") already exists"
        case .unavailable: "Database unavailable, try again shortly"
        case .timeout: "The database took too long to answer; try again shortly, or narrow the search"
        case .invalidQuery: "Invalid query"
        case .documentValidation: "The document does not pass the collection's validation"
        case .commandFailed, .invalidConfiguration: "Internal Server Error"
        }
    }

    public var fieldErrors: [FieldError] {
        if case .duplicateKey(let info) = self, let field = info.field {
            return [FieldError(field: field, message: "\(field) already exists")]
        }
        return []
    }
}
