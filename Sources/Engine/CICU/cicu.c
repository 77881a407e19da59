// The ICU calls behind cicu.h (see there for why they live in C).
#define _GNU_SOURCE  // memmem
#include "cicu.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/ucol.h>
#include <unicode/ustring.h>
#include <unicode/uregex.h>
#include <unicode/utext.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

struct vt_regex {
    URegularExpression *regex;
    UText *text;
    vt_regex_keep_going keep_going;
};

static UBool U_CALLCONV ask(const void *context, int32_t steps) {
    (void)steps;
    const vt_regex *regex = (const vt_regex *)context;
    return regex->keep_going() ? 1 : 0;
}

vt_regex *vt_regex_open(const char *pattern, int64_t length, uint32_t flags, vt_regex_keep_going keep_going) {
    uint32_t icu = 0;
    if (flags & VT_REGEX_CASE_INSENSITIVE) icu |= UREGEX_CASE_INSENSITIVE;
    if (flags & VT_REGEX_MULTILINE) icu |= UREGEX_MULTILINE;
    if (flags & VT_REGEX_DOTALL) icu |= UREGEX_DOTALL;
    if (flags & VT_REGEX_COMMENTS) icu |= UREGEX_COMMENTS;
    UErrorCode status = U_ZERO_ERROR;
    UText source = UTEXT_INITIALIZER;
    utext_openUTF8(&source, pattern, length, &status);
    URegularExpression *compiled = uregex_openUText(&source, icu, NULL, &status);  // copies the pattern
    utext_close(&source);
    if (U_FAILURE(status) || compiled == NULL) {
        if (compiled) uregex_close(compiled);
        return NULL;
    }
    vt_regex *regex = calloc(1, sizeof(vt_regex));
    if (regex == NULL) {
        uregex_close(compiled);
        return NULL;
    }
    regex->regex = compiled;
    regex->keep_going = keep_going;
    if (keep_going) {
        // ICU counts its steps only under a time limit; the callback decides when to stop.
        uregex_setTimeLimit(compiled, INT32_MAX, &status);
        uregex_setMatchCallback(compiled, ask, regex, &status);
    }
    return regex;
}

void vt_regex_close(vt_regex *regex) {
    if (regex == NULL) return;
    if (regex->text) utext_close(regex->text);
    uregex_close(regex->regex);
    free(regex);
}

int vt_regex_set_text(vt_regex *regex, const char *text, int64_t length) {
    UErrorCode status = U_ZERO_ERROR;
    regex->text = utext_openUTF8(regex->text, text, length, &status);
    if (U_FAILURE(status)) return -1;
    uregex_setUText(regex->regex, regex->text, &status);
    return U_FAILURE(status) ? -1 : 0;
}

int vt_regex_find(vt_regex *regex, int first) {
    UErrorCode status = U_ZERO_ERROR;
    UBool found = first ? uregex_find64(regex->regex, 0, &status) : uregex_findNext(regex->regex, &status);
    if (status == U_REGEX_STOPPED_BY_CALLER || status == U_REGEX_TIME_OUT) return -1;
    if (U_FAILURE(status)) return -2;
    return found ? 1 : 0;
}

int32_t vt_regex_group_count(vt_regex *regex) {
    UErrorCode status = U_ZERO_ERROR;
    int32_t n = uregex_groupCount(regex->regex, &status);
    return U_FAILURE(status) ? 0 : n;
}

int64_t vt_regex_start(vt_regex *regex, int32_t group) {
    UErrorCode status = U_ZERO_ERROR;
    int64_t at = uregex_start64(regex->regex, group, &status);
    return U_FAILURE(status) ? -1 : at;
}

int64_t vt_regex_end(vt_regex *regex, int32_t group) {
    UErrorCode status = U_ZERO_ERROR;
    int64_t at = uregex_end64(regex->regex, group, &status);
    return U_FAILURE(status) ? -1 : at;
}

struct vt_collator {
    UCollator *collator;
};

vt_collator *vt_collator_open(
    const char *locale, int strength, int case_level, int case_first, int numeric_ordering, int shifted, int punct, int backwards) {
    static const UColAttributeValue strengths[] = {UCOL_PRIMARY, UCOL_SECONDARY, UCOL_TERTIARY, UCOL_QUATERNARY, UCOL_IDENTICAL};
    if (strength < 1 || strength > 5) return NULL;
    UErrorCode status = U_ZERO_ERROR;
    UCollator *collator = ucol_open(locale, &status);
    if (U_FAILURE(status) || collator == NULL) {
        if (collator) ucol_close(collator);
        return NULL;
    }
    // ICU falls back from a locale it does not know ("zz" to root, "no-such-locale" to "no");
    // MongoDB refuses those: the locale must be the one ICU found, up to its "@" keywords.
    const char *valid = ucol_getLocaleByType(collator, ULOC_VALID_LOCALE, &status);
    size_t asked = strcspn(locale, "@"), found = valid ? strcspn(valid, "@") : 0;
    if (U_FAILURE(status) || valid == NULL || asked != found || strncmp(locale, valid, asked) != 0) {
        ucol_close(collator);
        return NULL;
    }
    status = U_ZERO_ERROR;
    ucol_setAttribute(collator, UCOL_STRENGTH, strengths[strength - 1], &status);
    ucol_setAttribute(collator, UCOL_CASE_LEVEL, case_level ? UCOL_ON : UCOL_OFF, &status);
    ucol_setAttribute(collator, UCOL_CASE_FIRST, case_first == 1 ? UCOL_UPPER_FIRST : case_first == 2 ? UCOL_LOWER_FIRST : UCOL_OFF, &status);
    ucol_setAttribute(collator, UCOL_NUMERIC_COLLATION, numeric_ordering ? UCOL_ON : UCOL_OFF, &status);
    ucol_setAttribute(collator, UCOL_ALTERNATE_HANDLING, shifted ? UCOL_SHIFTED : UCOL_NON_IGNORABLE, &status);
    if (shifted) ucol_setMaxVariable(collator, punct ? UCOL_REORDER_CODE_PUNCTUATION : UCOL_REORDER_CODE_SPACE, &status);
    ucol_setAttribute(collator, UCOL_FRENCH_COLLATION, backwards ? UCOL_ON : UCOL_OFF, &status);
    if (U_FAILURE(status)) {
        ucol_close(collator);
        return NULL;
    }
    vt_collator *out = malloc(sizeof *out);
    if (out == NULL) {
        ucol_close(collator);
        return NULL;
    }
    out->collator = collator;
    return out;
}

void vt_collator_close(vt_collator *collator) {
    if (collator == NULL) return;
    ucol_close(collator->collator);
    free(collator);
}

int vt_collator_compare(const vt_collator *collator, const char *a, int64_t a_length, const char *b, int64_t b_length) {
    if (a_length > INT32_MAX || b_length > INT32_MAX) return 0;
    UErrorCode status = U_ZERO_ERROR;
    UCollationResult order = ucol_strcollUTF8(collator->collator, a, (int32_t)a_length, b, (int32_t)b_length, &status);
    return order == UCOL_LESS ? -1 : order == UCOL_GREATER ? 1 : 0;
}

int32_t vt_collator_sort_key(const vt_collator *collator, const char *text, int64_t length, uint8_t *out, int32_t capacity) {
    if (length > INT32_MAX / 2) return -1;
    UErrorCode status = U_ZERO_ERROR;
    int32_t units = 0;
    u_strFromUTF8(NULL, 0, &units, text, (int32_t)length, &status);  // how many UTF-16 units
    if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) return -1;
    UChar *wide = malloc(sizeof(UChar) * (size_t)(units + 1));
    if (wide == NULL) return -1;
    status = U_ZERO_ERROR;
    u_strFromUTF8(wide, units + 1, NULL, text, (int32_t)length, &status);
    int32_t size = U_FAILURE(status) ? -1 : ucol_getSortKey(collator->collator, wide, units, out, capacity);
    free(wide);
    return size;
}

int64_t vt_fold_case(const char *text, int64_t length, uint8_t *out, int64_t capacity, int *exact) {
    int64_t written = 0;
    *exact = 1;
    for (int64_t i = 0; i < length;) {
        uint8_t byte = (uint8_t)text[i];
        if (byte < 0x80) {  // ASCII: the common case, folded here
            if (written < capacity) out[written] = (byte >= 'A' && byte <= 'Z') ? (uint8_t)(byte + 32) : byte;
            written++;
            i++;
            continue;
        }
        UChar32 c;
        int32_t at = 0, left = length - i > INT32_MAX ? INT32_MAX : (int32_t)(length - i);
        U8_NEXT((const uint8_t *)text + i, at, left, c);
        i += at;
        if (c < 0) c = 0xFFFD;
        UChar one[2], folded[8];
        int32_t n = 0;
        U16_APPEND_UNSAFE(one, n, c);
        UErrorCode status = U_ZERO_ERROR;
        int32_t m = u_strFoldCase(folded, 8, one, n, U_FOLD_CASE_DEFAULT, &status);
        if (U_FAILURE(status) || m > 8) {
            folded[0] = one[0];
            folded[1] = one[1];
            m = n;
        }
        int points = 0;
        for (int32_t j = 0; j < m;) {
            UChar32 f;
            U16_NEXT(folded, j, m, f);
            uint8_t bytes[4];
            int32_t k = 0;
            U8_APPEND_UNSAFE(bytes, k, f);
            for (int32_t b = 0; b < k; b++, written++) {
                if (written < capacity) out[written] = bytes[b];
            }
            points++;
        }
        if (points > 1) *exact = 0;
    }
    return written;
}

int64_t vt_find_bytes(const uint8_t *text, int64_t length, const uint8_t *needle, int64_t needle_length) {
    if (needle_length == 0) return 0;
    if (length <= 0) return -1;
    const uint8_t *found = memmem(text, (size_t)length, needle, (size_t)needle_length);
    return found ? (int64_t)(found - text) : -1;
}
