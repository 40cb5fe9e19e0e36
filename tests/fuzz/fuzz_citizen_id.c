/* libFuzzer target for auth/citizen_id: arbitrary strings and years through
 * citizen_id_check, with the result checked against the number's layout.
 * Input: two bytes for the current year, then the candidate string.
 * Build and run: see docs/architecture.md ("Fuzzing"). */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "auth/citizen_id.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[64];
    struct citizen_id_info info = {-1, -1, -1};
    const char *why = NULL;
    int year, rc;
    size_t n;

    if (size < 2)
        return 0;
    /* mostly sensible years, sometimes out of range */
    year = 1850 + (data[0] | data[1] << 8) % 8300;
    n = size - 2 < sizeof s - 1 ? size - 2 : sizeof s - 1;
    memcpy(s, data + 2, n);
    s[n] = '\0';
    rc = citizen_id_check(s, year, &info, &why);
    if (rc == 0) {
        assert(strlen(s) == CITIZEN_ID_LEN);
        for (int i = 0; i < CITIZEN_ID_LEN; i++)
            assert(s[i] >= '0' && s[i] <= '9');
        assert(citizen_id_province_name(info.province_code) != NULL);
        assert(info.province_code == (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0'));
        assert(info.birth_year <= year && info.birth_year >= year - CITIZEN_ID_MAX_AGE);
        assert(info.birth_year % 100 == (s[4] - '0') * 10 + (s[5] - '0'));
        assert(info.female == (s[3] - '0') % 2);
        assert(why == NULL);
    } else {
        assert(rc >= CITIZEN_ID_EYEAR && rc <= CITIZEN_ID_EINVAL);
        assert(why != NULL && why[0] != '\0');
        assert(info.birth_year == -1); /* untouched */
    }
    return 0;
}
