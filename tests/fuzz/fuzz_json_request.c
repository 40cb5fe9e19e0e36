/* Fuzzes the JSON request body parser and the string checks that every
 * handler applies to the fields it reads. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "http/jsonbody.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char msg[300];
    int status = 0;
    json_t *j = jsonbody_parse_object((const char *)data, size, &status, msg, sizeof msg);
    if (!j) {
        if (status != 400 && status != 413)
            __builtin_trap();
        return 0;
    }
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        const char *why = jsonbody_check_string(v, 1, 100);
        /* An accepted string must be valid, bounded text. */
        if (!why && (!json_is_string(v) || json_string_length(v) > 400))
            __builtin_trap();
    }
    json_decref(j);
    return 0;
}
