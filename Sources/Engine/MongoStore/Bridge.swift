// The bridge between the BSON module and libbson: bytes in, bytes out.
//
// Swift cannot put libbson's over-aligned `bson_t` on its stack, so it never builds one field
// by field. `withBSON` hands libbson our encoded bytes (`bson_new_from_data` copies them into a
// heap `bson_t`) and `Document(bson:)` copies a reply's bytes back out. Everything in between
// is libmongoc's business.

import BSON
import CMongoC
import Storage

/// Runs `body` with a temporary `bson_t *` holding `document`.
func withBSON<R>(_ document: Document, _ body: (OpaquePointer) throws(StorageError) -> R) throws(StorageError) -> R {
    let bytes = document.bsonBytes
    guard let bson = bytes.withUnsafeBufferPointer({ bson_new_from_data($0.baseAddress, $0.count) }) else {
        throw .invalidQuery(code: 22, message: "libbson rejected a document")  // InvalidBSON
    }
    defer { bson_destroy(bson) }
    return try body(bson)
}

/// Runs `body` with `bson_t *`s for each document, in order.
func withBSONArray<R>(_ documents: [Document], _ body: (UnsafeMutablePointer<OpaquePointer?>) throws(StorageError) -> R) throws(StorageError) -> R {
    var pointers: [OpaquePointer?] = []
    pointers.reserveCapacity(documents.count)
    defer { for p in pointers { bson_destroy(p) } }
    for document in documents {
        let bytes = document.bsonBytes
        guard let bson = bytes.withUnsafeBufferPointer({ bson_new_from_data($0.baseAddress, $0.count) }) else {
            throw .invalidQuery(code: 22, message: "libbson rejected a document")
        }
        pointers.append(bson)
    }
    return try pointers.withUnsafeMutableBufferPointer { buffer throws(StorageError) in try body(buffer.baseAddress!) }
}

extension Document {
    /// Copies a libbson document out into a Swift one.
    init(bson: OpaquePointer) throws(StorageError) {
        let buffer = UnsafeRawBufferPointer(start: bson_get_data(bson), count: Int(vt_bson_len(bson)))
        do {
            self = try Document(bsonBuffer: buffer)
        } catch {
            throw .commandFailed(code: 22, message: "malformed BSON from the server: \(error.message)")
        }
    }
}

/// A caller-owned reply document, for the libmongoc functions that fill one in.
final class Reply {
    let pointer: OpaquePointer = vt_bson_alloc()
    deinit { vt_bson_free(pointer) }
    func document() throws(StorageError) -> Document { try Document(bson: pointer) }
}

extension bson_error_t {
    var text: String {
        withUnsafeBytes(of: message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
