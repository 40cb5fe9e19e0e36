/* libFuzzer target for sign/pdf_verify: any bytes as a signed PDF, checked
 * without trusted roots (so no signature can come out valid). Checked:
 * nothing crashes or leaks; a readable file gets a report whose verdict
 * agrees with the return value and with each signature's status, and
 * whose byte ranges lie inside the file. */
#include <assert.h>
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "sign/pdf_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *r = NULL;
    char err[256] = "";
    int rc = pdfv_verify(data, size, NULL, &r, err, sizeof err);
    if (rc < 0) {
        assert(!r && err[0]);
        return 0;
    }
    assert(r && (rc == 0 || rc == 1));
    const char *verdict = json_string_value(json_object_get(r, "verdict"));
    assert(verdict);
    assert((rc == 0) == (strcmp(verdict, "valid") == 0));
    json_t *sigs = json_object_get(r, "signatures"), *s;
    size_t i;
    json_array_foreach(sigs, i, s)
    {
        const char *st = json_string_value(json_object_get(s, "status"));
        assert(st && strcmp(st, "valid") != 0); /* nothing is trusted */
        json_int_t end = json_integer_value(json_object_get(s, "covered_bytes"));
        assert(end >= 0 && (size_t)end <= size);
        if (strcmp(st, "invalid") == 0)
            assert(json_string_value(json_object_get(s, "problem")));
    }
    if (json_array_size(sigs) == 0)
        assert(strcmp(verdict, "unsigned") == 0);
    json_decref(r);
    return 0;
}
