// ICU's regular expressions and collators (Debian's libicu-dev), for the embedded store's $regex
// and for MongoDB's collation option.
//
// Foundation's NSRegularExpression runs ICU too, but cannot be stopped once a match starts:
// a pattern such as (a+)+$ can backtrack for minutes. ICU's own API can: a callback is asked
// every few thousand steps, and answering 0 stops the match (MongoDB's maxTimeMS).
//
// This header names no ICU type: Foundation brings the toolchain's own copy of ICU's headers
// into every Swift module, and Debian's would clash with them. ICU stays inside cicu.c.
#ifndef VIDEOTUBE_CICU_H
#define VIDEOTUBE_CICU_H
#include <stdint.h>

typedef struct vt_regex vt_regex;

enum {
    VT_REGEX_CASE_INSENSITIVE = 1,  // i
    VT_REGEX_MULTILINE = 2,         // m
    VT_REGEX_DOTALL = 4,            // s
    VT_REGEX_COMMENTS = 8,          // x
};

/// Called every few thousand matching steps: return 0 to stop the match.
typedef int (*vt_regex_keep_going)(void);

/// Compiles a UTF-8 pattern; NULL if it is not a valid pattern.
vt_regex *vt_regex_open(const char *pattern, int64_t length, uint32_t flags, vt_regex_keep_going keep_going);
void vt_regex_close(vt_regex *regex);
/// Sets the UTF-8 text to search (not copied: it must live until the next call). 0 when set.
int vt_regex_set_text(vt_regex *regex, const char *text, int64_t length);
/// The first match (first != 0) or the next one: 1 found, 0 none, -1 stopped by the callback,
/// -2 any other failure.
int vt_regex_find(vt_regex *regex, int first);
int32_t vt_regex_group_count(vt_regex *regex);
/// A group's UTF-8 offsets in the text (group 0: the whole match); -1 when it took no part.
int64_t vt_regex_start(vt_regex *regex, int32_t group);
int64_t vt_regex_end(vt_regex *regex, int32_t group);

typedef struct vt_collator vt_collator;

/// A collator for `locale` ("en_US", "fr"; ICU's names, as MongoDB's) with MongoDB's options:
/// strength 1-5, case_first 0 off / 1 upper / 2 lower, shifted (alternate: "shifted"),
/// punct (maxVariable: "punct"), backwards (French secondary order). NULL when ICU does not
/// know the locale or refuses an option.
vt_collator *vt_collator_open(
    const char *locale, int strength, int case_level, int case_first, int numeric_ordering, int shifted, int punct, int backwards);
void vt_collator_close(vt_collator *collator);
/// Compares two UTF-8 strings: -1, 0 or 1.
int vt_collator_compare(const vt_collator *collator, const char *a, int64_t a_length, const char *b, int64_t b_length);
/// The sort key of a UTF-8 string (strings equal under the collation have equal keys), written to
/// `out`; its length, or the length needed when `capacity` is too small, or -1 on failure.
int32_t vt_collator_sort_key(const vt_collator *collator, const char *text, int64_t length, uint8_t *out, int32_t capacity);

/// Case-folds UTF-8 text as ICU's case-insensitive matching does (full folding, the default
/// mapping) into `out`, for the embedded store's search index. Returns the folded length (the
/// length needed, when more than `capacity`). `*exact` becomes 0 when some character folds to
/// more than one ("ß" to "ss"): then only ICU itself can say where a match may start and end.
int64_t vt_fold_case(const char *text, int64_t length, uint8_t *out, int64_t capacity, int *exact);
/// Where `needle` first occurs in `text`, or -1 (glibc's memmem: a two-way search, linear in the
/// text).
int64_t vt_find_bytes(const uint8_t *text, int64_t length, const uint8_t *needle, int64_t needle_length);
#endif
