// A collection's document validation: a filter every written document must match (MongoDB's
// `validator`), how strictly (`validationLevel`: strict, moderate, off) and what a mismatch does
// (`validationAction`: error, or warn and write anyway). Kept with the collection's state and in
// `_collections.options` on disk; checked by the write transaction on every insert and update.

import BSON
import Storage

struct Validation: Sendable {
    let options: CollectionOptions
    let filter: Filter

    init(_ options: CollectionOptions) throws(StorageError) {
        guard options.validationLevel.map({ ["off", "strict", "moderate"].contains($0) }) ?? true else {
            throw .invalidQuery(code: 2, message: "validationLevel must be off, strict or moderate")
        }
        guard options.validationAction.map({ ["error", "warn"].contains($0) }) ?? true else {
            throw .invalidQuery(code: 2, message: "validationAction must be error or warn")
        }
        do {
            filter = try Filter.parse(options.validator ?? [:])
        } catch {
            throw .invalidQuery(code: error.code, message: error.message)
        }
        self.options = options
    }

    /// Refuses `document` (written over `old`, for an update) when it does not match, unless the
    /// level is off, the level is moderate and `old` did not match either, or the action is warn.
    func check(_ document: Document, old: Document?) throws(StorageError) {
        let level = options.validationLevel ?? "strict"
        guard options.validator != nil, level != "off", (options.validationAction ?? "error") == "error" else { return }
        if level == "moderate", let old, (try? filter.matches(old)) != true { return }
        guard (try? filter.matches(document)) != true else { return }
        throw .documentValidation(errInfo: [
            "failingDocumentId": document["_id"] ?? .null,
            "details": [
                "operatorName": "$and", "reason": "the document does not match the collection's validator",
                "validator": .document(options.validator ?? [:]),
            ],
        ])
    }
}
