/* text: UTF-8 checks and Vietnamese text folding for search and length rules.
 * Folding turns "ĐĂNG KÝ Khai Sinh" into "dang ky khai sinh" so that a search
 * typed without diacritics (không dấu) finds the accented names. */
#ifndef MOTCUA_TEXT_H
#define MOTCUA_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define TEXT_EINVAL (-1) /* invalid UTF-8, or a NULL argument */
#define TEXT_ENOSPC (-2) /* out buffer too small */

/* Folds UTF-8 text for search: removes Vietnamese diacritics (the five tones
 * and the marks of â ă ê ô ơ ư, precomposed or as combining marks U+0300–
 * U+036F), maps đ/Đ to d, folds other Latin-1 accented letters the same way,
 * lowercases ASCII, turns every run of whitespace (ASCII and U+00A0, U+2000–
 * U+200A, U+202F, U+3000) into one space and drops leading and trailing
 * whitespace. Other characters are copied unchanged. The result is never
 * longer than the input, so cap = strlen(utf8) + 1 always suffices.
 * Writes a NUL-terminated string to out. Returns its length in bytes,
 * TEXT_EINVAL on invalid UTF-8 (out is then ""), TEXT_ENOSPC if cap is too
 * small (out is then "" when cap > 0). */
int text_fold(const char *utf8, char *out, size_t cap);

/* Returns 1 if s[0..len) is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF), else 0. A NUL byte counts as valid
 * (U+0000); callers that forbid control characters check them separately. */
int text_utf8_valid(const char *s, size_t len);

/* Decodes one code point from s[0..len) into *cp. Returns the number of bytes
 * it used (1–4), or TEXT_EINVAL if the bytes there are not well-formed UTF-8
 * (or len is 0). */
int text_utf8_decode(const char *s, size_t len, uint32_t *cp /* OUT */);

/* Number of characters in a NUL-terminated UTF-8 string, as used by
 * max-length rules: code points, not counting combining marks U+0300–U+036F
 * (so "ế" counts 1 whether precomposed or decomposed). On invalid UTF-8 each
 * byte that is not a continuation byte counts as one. */
size_t text_utf8_chars(const char *s);

/* Writes a SQL LIKE pattern "%<s>%" with %, _ and \ in s escaped by a
 * backslash (use with ESCAPE '\'). Returns 0, or -1 if it does not fit. */
int text_like_contains(const char *s, char *out, size_t cap);

#endif
