/* Fuzzes the JSON request body parser (http/jsonbody) and the string checks
 * that every handler applies to the fields it reads. jansson itself is not
 * built with coverage, so the seeds (tests/fuzz/corpus/fuzz_json_request:
 * the bodies the pages and the API tests send) and the dictionary do the
 * work of reaching its branches.
 *
 * Checked: a refusal is 400 or 413 with a message; an accepted body is an
 * object no deeper than JSONBODY_MAX_DEPTH (counted here); and for every
 * string anywhere in it, jsonbody_check_string and jsonbody_check_text
 * accept only valid UTF-8 without NUL, with the control characters each
 * allows, and within the length asked (characters counted here). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "http/jsonbody.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(x)                                                                \
  do {                                                                         \
    if (!(x))                                                                  \
      __builtin_trap();                                                        \
  } while (0)

/* Characters as the length rules count them (valid UTF-8): code points,
 * from the bytes that do not continue a sequence, less the combining marks
 * U+0300-U+036F (CC 80..CC BF, CD 80..CD AF). */
static size_t chars_of(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i],
                  next = i + 1 < n ? (unsigned char)s[i + 1] : 0;
    if ((c & 0xc0) == 0x80)
      continue;
    if (c == 0xcc || (c == 0xcd && next >= 0x80 && next <= 0xaf))
      continue;
    k++;
  }
  return k;
}

/* What the checks promise about a string they accept. */
static void accepted_string(const json_t *v, size_t minc, size_t maxc,
                            int multiline) {
  MUST(json_is_string(v));
  const char *s = json_string_value(v);
  size_t n = json_string_length(v);
  MUST(strlen(s) == n);
  MUST(text_utf8_valid(s, n));
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != 0x7f)
      continue;
    MUST(multiline);
    MUST(c == '\n' || c == '\t' || (c == '\r' && s[i + 1] == '\n'));
  }
  size_t k = chars_of(s, n);
  MUST(k >= minc && k <= maxc);
}

static void check_value(const json_t *v, size_t i) {
  /* bounds that vary with the position, including 0 and 1 */
  size_t minc = i % 3, maxc = 1 + i % 400;
  const char *why = jsonbody_check_string(v, minc, maxc);
  if (!why)
    accepted_string(v, minc, maxc, 0);
  else
    MUST(!strcmp(why, "bad_type") || !strcmp(why, "bad_text") ||
         !strcmp(why, "required") || !strcmp(why, "bad_length"));
  why = jsonbody_check_text(v, minc, maxc);
  if (!why)
    accepted_string(v, minc, maxc, 1);
  if (!json_is_string(v))
    MUST(why && !strcmp(why, "bad_type"));
}

/* Walks every value; returns the depth (a scalar is 0). */
static int walk(const json_t *j, size_t *count) {
  int max = 0, d;
  check_value(j, (*count)++);
  if (json_is_object(j)) {
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)j, key, v) {
      MUST(text_utf8_valid(key, strlen(key)));
      if ((d = walk(v, count)) > max)
        max = d;
    }
    return max + 1;
  }
  if (json_is_array(j)) {
    size_t i;
    json_t *v;
    json_array_foreach(j, i, v) {
      if ((d = walk(v, count)) > max)
        max = d;
    }
    return max + 1;
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char msg[300];
  int status = 0;
  size_t count = 0;

  msg[0] = '\0';
  json_t *j =
      jsonbody_parse_object((const char *)data, size, &status, msg, sizeof msg);
  if (!j) {
    MUST(status == 400 || status == 413);
    MUST(msg[0] != '\0' && memchr(msg, '\0', sizeof msg));
    MUST(status == 413 || size <= JSONBODY_MAX);
    return 0;
  }
  MUST(size <= JSONBODY_MAX);
  MUST(json_is_object(j));
  MUST(walk(j, &count) <= JSONBODY_MAX_DEPTH);
  json_decref(j);
  return 0;
}
