// The ICU calls behind cicu.h (see there for why they live in C).
#include "cicu.h"
#include <limits.h>
#include <stdlib.h>
#include <unicode/uregex.h>
#include <unicode/utext.h>

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
