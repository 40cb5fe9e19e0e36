/* totp: liboath with base32 secrets. */
#include "auth/totp.h"

#include <liboath/oath.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_rc;

static void init(void) { init_rc = oath_init(); }

static int ready(void)
{
    pthread_once(&once, init);
    return init_rc == OATH_OK;
}

int totp_new_secret(char *b32, size_t cap)
{
    unsigned char raw[20];
    char *out = NULL;
    size_t len = 0;
    if (!ready() || random_bytes(raw, sizeof raw) ||
        oath_base32_encode((const char *)raw, sizeof raw, &out, &len) != OATH_OK)
        return -1;
    int rc = copy_str(b32, cap, out);
    free(out);
    return rc;
}

/* Decodes the base32 secret into a malloc'd buffer. */
static int decode(const char *b32, char **raw, size_t *len)
{
    if (!ready() || !b32 || strlen(b32) > TOTP_SECRET_B32_MAX)
        return -1;
    return oath_base32_decode(b32, strlen(b32), raw, len) == OATH_OK ? 0 : -1;
}

int64_t totp_check(const char *b32_secret, const char *code, int64_t now, int64_t last_step)
{
    char *raw;
    size_t len;
    if (!code || strlen(code) != 6 || strspn(code, "0123456789") != 6)
        return 0;
    if (decode(b32_secret, &raw, &len))
        return -1;
    int off = 0;
    int rc = oath_totp_validate2(raw, len, (time_t)now, TOTP_STEP, 0, 1, &off, code);
    free(raw);
    if (rc < 0)
        return 0;
    int64_t step = now / TOTP_STEP + off;
    return step > last_step ? step : 0;
}

int totp_code(const char *b32_secret, int64_t now, char code[7])
{
    char *raw;
    size_t len;
    if (decode(b32_secret, &raw, &len))
        return -1;
    int rc = oath_totp_generate(raw, len, (time_t)now, TOTP_STEP, 0, 6, code);
    free(raw);
    return rc == OATH_OK ? 0 : -1;
}

int totp_uri(const char *b32_secret, const char *login, char *out, size_t cap)
{
    int n = snprintf(out, cap, "otpauth://totp/motcua:%s?secret=%s&issuer=motcua&digits=6&period=30",
                     login, b32_secret);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}
