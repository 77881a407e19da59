// What can go wrong in storage, typed so that callers can answer precisely: a duplicate key
// becomes HTTP 409, an unreachable database 503, a malformed query 400. The messages are
// meant for logs and learners; the HTTP layer decides what a client sees.

import BSON

public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A unique index refused a write (MongoDB code 11000).
    case duplicateKey(DuplicateKeyInfo)
    /// The database cannot be reached: no server, wrong host, refused connection, bad credentials.
    case unavailable(String)
    /// The database was reached but did not answer in time.
    case timeout(String)
    /// A filter, update, projection, sort or pipeline is malformed (MongoDB's code kept).
    case invalidQuery(code: Int, message: String)
    /// Any other error the database reported (code and message kept).
    case commandFailed(code: Int, message: String)
    /// The configuration is wrong before anything was sent (e.g. an unparsable URI).
    case invalidConfiguration(String)
    /// A write the collection's validator refused (MongoDB code 121), with MongoDB's `errInfo`.
    case documentValidation(errInfo: Document)

    /// MongoDB's numeric error code where one applies (11000 for duplicates).
    public var code: Int {
        switch self {
        case .duplicateKey: 11000
        case .unavailable: 6  // HostUnreachable
        case .timeout: 50  // MaxTimeMSExpired
        case .invalidQuery(let code, _), .commandFailed(let code, _): code
        case .invalidConfiguration: 2  // BadValue
        case .documentValidation: 121  // DocumentValidationFailure
        }
    }

    public var description: String {
        switch self {
        case .duplicateKey(let info): info.message
        case .unavailable(let m): "database unavailable: \(m)"
        case .timeout(let m): "database timed out: \(m)"
        case .invalidQuery(let code, let m): "invalid query (code \(code)): \(m)"
        case .commandFailed(let code, let m): "database error (code \(code)): \(m)"
        case .invalidConfiguration(let m): "invalid database configuration: \(m)"
        case .documentValidation: "Document failed validation"
        }
    }
}

public struct DuplicateKeyInfo: Sendable, Equatable {
    /// The index keys, e.g. `{email: 1}`; nil when the server did not say.
    public var keyPattern: Document?
    /// The clashing values, e.g. `{email: "a@b.c"}`; nil when the server did not say.
    public var keyValue: Document?
    public var message: String

    public init(keyPattern: Document?, keyValue: Document?, message: String) {
        self.keyPattern = keyPattern
        self.keyValue = keyValue
        self.message = message
    }

    /// The first field of the clashing key, e.g. "email": what a 409 message names.
    public var field: String? { keyPattern?.first?.key ?? keyValue?.first?.key }
}
