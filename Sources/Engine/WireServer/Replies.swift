// Replies in MongoDB's error shapes: `{ok: 0, errmsg, code, codeName}` for a command, and one
// entry of `writeErrors` for a write, with StorageError mapped to MongoDB's codes.

import BSON
import Storage

extension CommandProcessor {
    static func error(_ code: Int, _ codeName: String, _ message: String) -> Document {
        ["ok": 0.0, "errmsg": .string(message), "code": .int32(Int32(code)), "codeName": .string(codeName)]
    }

    static func error(_ e: StorageError) -> Document {
        var reply = error(e.code, codeName(e), message(e))
        if case .duplicateKey(let info) = e {
            if let p = info.keyPattern { reply["keyPattern"] = .document(p) }
            if let v = info.keyValue { reply["keyValue"] = .document(v) }
        }
        if case .documentValidation(let errInfo) = e { reply["errInfo"] = .document(errInfo) }
        return reply
    }

    static func writeError(index: Int, _ error: any Error) -> Document {
        let base: Document
        switch error {
        case let e as StorageError: base = self.error(e)
        case let e as CommandError: base = self.error(e.code, e.codeName, e.message)
        default: base = self.error(1, "InternalError", "\(error)")
        }
        var out: Document = ["index": .int32(Int32(index)), "code": base["code"]!, "errmsg": base["errmsg"]!]
        if let p = base["keyPattern"] { out["keyPattern"] = p }
        if let v = base["keyValue"] { out["keyValue"] = v }
        if let info = base["errInfo"] { out["errInfo"] = info }
        return out
    }

    static func message(_ e: StorageError) -> String {
        switch e {
        case .duplicateKey(let info): info.message
        case .documentValidation: "Document failed validation"
        case .invalidQuery(_, let m), .commandFailed(_, let m), .unavailable(let m), .timeout(let m), .invalidConfiguration(let m): m
        }
    }

    static func codeName(_ e: StorageError) -> String {
        let names: [Int: String] = [
            2: "BadValue", 9: "FailedToParse", 14: "TypeMismatch", 26: "NamespaceNotFound", 28: "PathNotViable",
            40: "ConflictingUpdateOperators", 43: "CursorNotFound", 48: "NamespaceExists", 50: "MaxTimeMSExpired",
            59: "CommandNotFound", 66: "ImmutableField", 67: "CannotCreateIndex", 73: "InvalidNamespace", 85: "IndexOptionsConflict",
            86: "IndexKeySpecsConflict", 121: "DocumentValidationFailure", 166: "CommandNotSupportedOnView", 168: "InvalidPipelineOperator",
            11000: "DuplicateKey",
        ]
        return names[e.code] ?? "Location\(e.code)"
    }
}

struct CommandError: Error {
    let code: Int
    let codeName: String
    let message: String
    init(_ code: Int, _ codeName: String, _ message: String) {
        self.code = code
        self.codeName = codeName
        self.message = message
    }
}
