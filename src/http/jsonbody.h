/* jsonbody: parsing and checking JSON request bodies, without HTTP types,
 * so that it can be fuzzed on its own. */
#ifndef MOTCUA_JSONBODY_H
#define MOTCUA_JSONBODY_H

#include <jansson.h>
#include <stddef.h>

#define JSONBODY_MAX (64 * 1024)
#define JSONBODY_MAX_DEPTH 16

/* Parses body as one JSON object of at most JSONBODY_MAX bytes, nested at
 * most JSONBODY_MAX_DEPTH deep, without duplicate keys. On failure returns
 * NULL, sets *status (400 or 413) and a Vietnamese message in msg. */
json_t *jsonbody_parse_object(const char *body, size_t len, int *status, char *msg,
                              size_t msglen);

/* Checks a string value: valid UTF-8, no NUL, no control characters, and
 * between minc and maxc characters. Returns NULL if fine, else a reason
 * code: "bad_type", "bad_text", "required", "bad_length". */
const char *jsonbody_check_string(const json_t *v, size_t minc, size_t maxc);

/* The same for multi-line text (a complaint, an answer, an officer's
 * note): line feeds, CR LF pairs and tabs are allowed, other control
 * characters are not. A line break counts as one character per byte. */
const char *jsonbody_check_text(const json_t *v, size_t minc, size_t maxc);

#endif
