/* jsonbody: JSON request bodies. */
#include "http/jsonbody.h"

#include <stdio.h>
#include <string.h>

#include "base/text.h"

/* Depth of nesting, stopping early past the limit. */
static int depth_of(const json_t *j, int limit)
{
    if (limit < 0)
        return 1;
    int max = 0;
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v)
        {
            int d = depth_of(v, limit - 1);
            if (d > max)
                max = d;
            if (max > limit)
                break;
        }
    } else if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
            int d = depth_of(v, limit - 1);
            if (d > max)
                max = d;
            if (max > limit)
                break;
        }
    } else {
        return 0;
    }
    return max + 1;
}

json_t *jsonbody_parse_object(const char *body, size_t len, int *status, char *msg,
                              size_t msglen)
{
    if (len > JSONBODY_MAX) {
        *status = 413;
        snprintf(msg, msglen, "Dữ liệu gửi lên quá lớn (tối đa 64 KiB)");
        return NULL;
    }
    json_error_t err;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    *status = 400;
    if (!j) {
        snprintf(msg, msglen, "JSON không hợp lệ (dòng %d, cột %d): %s", err.line, err.column,
                 err.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        snprintf(msg, msglen, "Dữ liệu phải là một đối tượng JSON");
        return NULL;
    }
    if (depth_of(j, JSONBODY_MAX_DEPTH) > JSONBODY_MAX_DEPTH) {
        json_decref(j);
        snprintf(msg, msglen, "Dữ liệu JSON lồng nhau quá sâu");
        return NULL;
    }
    *status = 0;
    return j;
}

/* A control character that is not allowed: any, or for multi-line text
 * any but a line feed, a tab, or a carriage return before a line feed. */
static int bad_control(const char *p, int multiline)
{
    unsigned char c = (unsigned char)*p;
    if (c >= 0x20 && c != 0x7f)
        return 0;
    if (!multiline)
        return 1;
    return !(c == '\n' || c == '\t' || (c == '\r' && p[1] == '\n'));
}

static const char *check_string(const json_t *v, size_t minc, size_t maxc, int multiline)
{
    if (!json_is_string(v))
        return "bad_type";
    const char *s = json_string_value(v);
    size_t bytes = json_string_length(v);
    if (strlen(s) != bytes || !text_utf8_valid(s, bytes))
        return "bad_text";
    for (const char *p = s; *p; p++)
        if (bad_control(p, multiline))
            return "bad_text";
    size_t chars = text_utf8_chars(s);
    if (chars == 0 && minc > 0)
        return "required";
    if (chars < minc || chars > maxc)
        return "bad_length";
    return NULL;
}

const char *jsonbody_check_string(const json_t *v, size_t minc, size_t maxc)
{
    return check_string(v, minc, maxc, 0);
}

const char *jsonbody_check_text(const json_t *v, size_t minc, size_t maxc)
{
    return check_string(v, minc, maxc, 1);
}
