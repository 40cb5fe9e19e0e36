/* libFuzzer target for catalog/eform (and base/text underneath): feeds
 * arbitrary schema and data JSON through jansson, eform_check_schema and
 * eform_validate, and arbitrary bytes through text_fold.
 * Input: SCHEMA \0 DATA, or, without a NUL byte, one JSON text used both as
 * a schema and as data for a fixed schema with every field type.
 * Build and run: see docs/architecture.md ("Fuzzing"). */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/text.h"
#include "catalog/eform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_schema_text[] =
    "{\"sections\":[{\"title\":\"Thông tin\",\"fields\":["
    "{\"name\":\"t\",\"label\":\"Văn bản\",\"type\":\"text\",\"required\":true,\"max_length\":20,"
    "\"min_length\":2},"
    "{\"name\":\"ta\",\"label\":\"Ghi chú\",\"type\":\"textarea\"},"
    "{\"name\":\"d\",\"label\":\"Ngày\",\"type\":\"date\",\"min\":\"1900-01-01\",\"max\":\"today\"},"
    "{\"name\":\"d2\",\"label\":\"Ngày hẹn\",\"type\":\"date\",\"min\":\"today\"},"
    "{\"name\":\"i\",\"label\":\"Số\",\"type\":\"integer\",\"min\":-5,\"max\":100},"
    "{\"name\":\"y\",\"label\":\"Năm\",\"type\":\"year\",\"min\":1900,\"max\":\"today\"},"
    "{\"name\":\"s\",\"label\":\"Chọn\",\"type\":\"select\",\"required\":true,\"options\":["
    "{\"value\":\"nam\",\"label\":\"Nam\"},{\"value\":\"nu\",\"label\":\"Nữ\"}]},"
    "{\"name\":\"c\",\"label\":\"Số định danh\",\"type\":\"citizen_id\"},"
    "{\"name\":\"p\",\"label\":\"Điện thoại\",\"type\":\"phone\"},"
    "{\"name\":\"e\",\"label\":\"Email\",\"type\":\"email\"},"
    "{\"name\":\"k\",\"label\":\"Cam đoan\",\"type\":\"checkbox\",\"required\":true}]}]}";

static json_t *fixed_schema;

static json_t *load(const uint8_t *p, size_t n)
{
    return json_loadb((const char *)p, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
}

static void validate(const json_t *schema, const json_t *data, size_t seed)
{
    struct eform_error errs[8];
    /* a few valid "today" dates, including a leap day */
    static const int days[] = {20261127, 20240229, 19000101, 99991231};
    int today = days[seed % 4];
    int n = eform_validate(schema, data, (int)(seed / 4 % 2), today, errs, 8);

    for (int i = 0; i < n && i < 8; i++) {
        assert(errs[i].code != NULL);
        assert(strlen(errs[i].field) <= EFORM_MAX_NAME);
        assert(text_utf8_valid(errs[i].field, strlen(errs[i].field)));
        assert(text_utf8_valid(errs[i].message, strlen(errs[i].message)));
    }
}

static void fold(const uint8_t *p, size_t n)
{
    char *in = malloc(n + 1), *out = malloc(n + 1);
    int r;

    if (!in || !out)
        goto out;
    memcpy(in, p, n);
    in[n] = '\0';
    r = text_fold(in, out, n + 1);
    if (text_utf8_valid(in, strlen(in))) {
        /* valid input always folds into strlen + 1 bytes, to valid UTF-8 */
        assert(r >= 0 && (size_t)r <= strlen(in));
        assert(text_utf8_valid(out, (size_t)r));
        assert(text_utf8_chars(out) <= text_utf8_chars(in));
        /* folding is idempotent */
        memcpy(in, out, (size_t)r + 1);
        assert(text_fold(in, out, n + 1) == r && strcmp(in, out) == 0);
    } else {
        assert(r == TEXT_EINVAL);
    }
out:
    free(in);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    json_t *a = NULL, *b = NULL;
    char err[256];

    if (!fixed_schema) {
        fixed_schema = json_loads(fixed_schema_text, 0, NULL);
        assert(fixed_schema && eform_check_schema(fixed_schema, err, sizeof err) == 0);
    }
    if (size > 1 << 16)
        return 0;
    fold(data, nul ? (size_t)(nul - data) : size);
    if (nul) {
        a = load(data, (size_t)(nul - data));
        b = load(nul + 1, size - (size_t)(nul - data) - 1);
        if (a)
            eform_check_schema(a, err, sizeof err);
        if (a && b)
            validate(a, b, size);
        if (b)
            validate(fixed_schema, b, size);
    } else {
        a = load(data, size);
        if (a) {
            eform_check_schema(a, err, sizeof err);
            validate(fixed_schema, a, size);
        }
    }
    json_decref(a);
    json_decref(b);
    return 0;
}
