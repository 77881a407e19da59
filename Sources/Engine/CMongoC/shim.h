// The whole C surface the project uses from libmongoc / libbson, plus three helpers.
//
// `bson_t` is declared 128-byte aligned, so Swift only ever sees `bson_t *` as an
// OpaquePointer and cannot place one on its stack. The project therefore never builds
// documents with libbson: it encodes BSON bytes in Swift (module BSON) and hands libbson
// those bytes (`bson_new_from_data`), reading replies back as bytes (`bson_get_data` +
// `vt_bson_len`). The helpers below are the only places a `bson_t` is allocated or read.
#ifndef VIDEOTUBE_CMONGOC_SHIM_H
#define VIDEOTUBE_CMONGOC_SHIM_H

#include <mongoc/mongoc.h>
#include <stdlib.h>

/// A heap `bson_t` suitably aligned, initialised empty: use it where libmongoc wants a
/// caller-allocated reply document. Free it with `vt_bson_free`.
static inline bson_t *vt_bson_alloc(void) {
    bson_t *b = (bson_t *)bson_aligned_alloc(BSON_ALIGNOF(bson_t), sizeof(bson_t));
    bson_init(b);
    return b;
}

/// Destroys a document from `vt_bson_alloc` (its buffer and the struct itself).
static inline void vt_bson_free(bson_t *b) {
    if (b == NULL) { return; }
    bson_destroy(b);
    bson_free(b);
}

/// The length in bytes of a document, for copying `bson_get_data(b)` out.
static inline uint32_t vt_bson_len(const bson_t *b) { return b->len; }

#endif
