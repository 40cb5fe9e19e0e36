/* gateway: signed parameters (HMAC-SHA512 over the sorted, percent-encoded
 * parameters) and the "testgw" gateway's merchant side. */
#include "payment/gateway.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/util.h"

/* --- parameters ------------------------------------------------------------ */

int gw_params_add(struct gw_params *ps, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    if (nl == 0 || nl >= GW_MAX_NAME || vl >= GW_MAX_VALUE || ps->n >= GW_MAX_PARAMS ||
        gw_params_get(ps, name))
        return -1;
    memcpy(ps->p[ps->n].name, name, nl + 1);
    memcpy(ps->p[ps->n].value, value, vl + 1);
    ps->n++;
    return 0;
}

const char *gw_params_get(const struct gw_params *ps, const char *name)
{
    for (int i = 0; i < ps->n; i++)
        if (strcmp(ps->p[i].name, name) == 0)
            return ps->p[i].value;
    return NULL;
}

/* Decodes s[0..len) into out (cap bytes with the NUL). -1 on a bad escape,
 * a NUL byte, or overflow. */
static int form_decode(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= len)
                return -1; /* fewer than two characters follow */
            int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = hi * 16 + lo;
            i += 2;
        }
        if (c == 0 || o + 1 >= cap)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

int gw_params_parse(const char *text, size_t len, struct gw_params *ps)
{
    memset(ps, 0, sizeof *ps);
    if (len > GW_MAX_BODY)
        return -1;
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && text[end] != '&')
            end++;
        if (end > i) { /* empty pieces ("a=1&&b=2") are skipped */
            const char *eq = memchr(text + i, '=', end - i);
            size_t nl = eq ? (size_t)(eq - (text + i)) : end - i;
            char name[GW_MAX_NAME], value[GW_MAX_VALUE];
            if (nl == 0 || form_decode(text + i, nl, name, sizeof name) ||
                form_decode(eq ? eq + 1 : text + end, eq ? (size_t)(text + end - eq - 1) : 0,
                            value, sizeof value) ||
                gw_params_add(ps, name, value))
                return -1;
        }
        i = end + 1;
    }
    return 0;
}

/* --- canonical string and signature -------------------------------------- */

int gw_percent_encode(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int keep = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                   (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~';
        if (o + (keep ? 1 : 3) >= cap)
            return -1;
        if (keep) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    if (o >= cap)
        return -1;
    out[o] = '\0';
    return (int)o;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Writes the sorted, encoded pairs; with_hash includes secure_hash. */
static int write_pairs(const struct gw_params *ps, int with_hash, char *out, size_t cap)
{
    const char *names[GW_MAX_PARAMS];
    int n = 0;
    for (int i = 0; i < ps->n; i++)
        if (with_hash || strcmp(ps->p[i].name, GW_HASH_PARAM) != 0)
            names[n++] = ps->p[i].name;
    qsort(names, (size_t)n, sizeof names[0], by_name);
    size_t o = 0;
    if (cap == 0)
        return -1;
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        int k;
        if (i) {
            if (o + 1 >= cap)
                return -1;
            out[o++] = '&';
        }
        if ((k = gw_percent_encode(names[i], out + o, cap - o)) < 0)
            return -1;
        o += (size_t)k;
        if (o + 1 >= cap)
            return -1;
        out[o++] = '=';
        if ((k = gw_percent_encode(gw_params_get(ps, names[i]), out + o, cap - o)) < 0)
            return -1;
        o += (size_t)k;
    }
    out[o] = '\0';
    return (int)o;
}

int gw_canonical(const struct gw_params *ps, char *out, size_t cap)
{
    return write_pairs(ps, 0, out, cap);
}

int gw_encode(const struct gw_params *ps, char *out, size_t cap)
{
    return write_pairs(ps, 1, out, cap);
}

/* Big enough for every parameter at its longest, fully escaped. */
#define CANON_CAP ((size_t)GW_MAX_PARAMS * (GW_MAX_NAME + GW_MAX_VALUE) * 3 + GW_MAX_PARAMS * 2)

int gw_sign(const struct gw_params *ps, const char *secret, char *hex)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int rc = -1;
    char *canon = malloc(CANON_CAP);
    size_t sl = secret ? strlen(secret) : 0;
    hex[0] = '\0';
    if (!canon || sl == 0 || sl > 1024)
        goto out;
    int n = gw_canonical(ps, canon, CANON_CAP);
    if (n < 0)
        goto out;
    if (!HMAC(EVP_sha512(), secret, (int)sl, (const unsigned char *)canon, (size_t)n, md,
              &mdlen) ||
        mdlen != GW_HASH_HEX / 2)
        goto out;
    hex_encode(md, mdlen, hex);
    rc = 0;
out:
    free(canon);
    return rc;
}

int gw_params_sign(struct gw_params *ps, const char *secret)
{
    char hex[GW_HASH_HEX + 1];
    if (gw_sign(ps, secret, hex))
        return -1;
    for (int i = 0; i < ps->n; i++)
        if (strcmp(ps->p[i].name, GW_HASH_PARAM) == 0) {
            memcpy(ps->p[i].value, hex, sizeof hex);
            return 0;
        }
    return gw_params_add(ps, GW_HASH_PARAM, hex);
}

int gw_verify(const struct gw_params *ps, const char *secret)
{
    const char *given = gw_params_get(ps, GW_HASH_PARAM);
    char want[GW_HASH_HEX + 1];
    if (!given || strlen(given) != GW_HASH_HEX || gw_sign(ps, secret, want))
        return 0;
    unsigned diff = 0;
    for (int i = 0; i < GW_HASH_HEX; i++) {
        char c = given[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        diff |= (unsigned)(c ^ want[i]);
    }
    return diff == 0;
}

/* --- dates ------------------------------------------------------------------- */

void gw_format_time(int64_t t, char out[15])
{
    time_t local = (time_t)(t + 7 * 3600);
    struct tm tm;
    gmtime_r(&local, &tm);
    char buf[64];
    snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02d", (tm.tm_year + 1900) % 10000,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    copy_str(out, 15, buf);
}

int64_t gw_parse_time(const char *s)
{
    int v[6], widths[6] = {4, 2, 2, 2, 2, 2};
    if (!s || strlen(s) != 14 || strspn(s, "0123456789") != 14)
        return -1;
    for (int i = 0, pos = 0; i < 6; pos += widths[i], i++) {
        v[i] = 0;
        for (int k = 0; k < widths[i]; k++)
            v[i] = v[i] * 10 + (s[pos + k] - '0');
    }
    if (v[0] < 2000 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 ||
        v[4] > 59 || v[5] > 59)
        return -1;
    struct tm tm = {.tm_year = v[0] - 1900, .tm_mon = v[1] - 1, .tm_mday = v[2],
                    .tm_hour = v[3], .tm_min = v[4], .tm_sec = v[5]};
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    return (int64_t)t - 7 * 3600;
}

/* --- testgw: the merchant's side --------------------------------------------- */

static int testgw_checkout_url(const struct gateway_config *cfg, const struct gateway_order *o,
                               char *out, size_t cap)
{
    struct gw_params *ps = calloc(1, sizeof *ps);
    char amount[24], created[15], expires[15];
    int rc = -1;
    if (!ps || !cfg->url || !cfg->url[0])
        goto out;
    snprintf(amount, sizeof amount, "%lld", (long long)o->amount);
    gw_format_time(o->now, created);
    gw_format_time(o->expire_at, expires);
    if (gw_params_add(ps, "version", "1") || gw_params_add(ps, "command", "pay") ||
        gw_params_add(ps, "merchant", cfg->merchant) ||
        gw_params_add(ps, "txn_ref", o->txn_ref) || gw_params_add(ps, "amount", amount) ||
        gw_params_add(ps, "currency", "VND") || gw_params_add(ps, "order_info", o->order_info) ||
        gw_params_add(ps, "return_url", o->return_url) ||
        gw_params_add(ps, "create_date", created) || gw_params_add(ps, "expire_date", expires) ||
        gw_params_add(ps, "locale", "vn") || gw_params_sign(ps, cfg->secret))
        goto out;
    int n = snprintf(out, cap, "%s?", cfg->url);
    if (n < 0 || (size_t)n >= cap || gw_encode(ps, out + n, cap - (size_t)n) < 0)
        goto out;
    rc = 0;
out:
    free(ps);
    return rc;
}

static int charset_ok(const char *s, size_t min, size_t max, const char *allowed)
{
    size_t n = s ? strlen(s) : 0;
    return s && n >= min && n <= max && strspn(s, allowed) == n;
}

#define ALNUM "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

static int testgw_read_result(const struct gateway_config *cfg, const struct gw_params *ps,
                              struct gateway_result *r)
{
    memset(r, 0, sizeof *r);
    if (!gw_verify(ps, cfg->secret))
        return GW_BAD_SIGNATURE;
    const char *merchant = gw_params_get(ps, "merchant");
    const char *ref = gw_params_get(ps, "txn_ref"), *txn = gw_params_get(ps, "gateway_txn");
    const char *amount = gw_params_get(ps, "amount"), *code = gw_params_get(ps, "response_code");
    const char *date = gw_params_get(ps, "pay_date");
    long amt;
    if (!merchant || strcmp(merchant, cfg->merchant) != 0)
        return GW_WRONG_MERCHANT;
    if (!charset_ok(ref, 1, sizeof r->txn_ref - 1, ALNUM) ||
        !charset_ok(txn, 1, sizeof r->gateway_txn - 1, ALNUM "-") ||
        !charset_ok(code, 2, 2, "0123456789") || !amount ||
        parse_long(amount, 1, 999999999999L, &amt) || (r->paid_at = gw_parse_time(date)) < 0)
        return GW_MALFORMED;
    copy_str(r->txn_ref, sizeof r->txn_ref, ref);
    copy_str(r->gateway_txn, sizeof r->gateway_txn, txn);
    copy_str(r->response_code, sizeof r->response_code, code);
    r->amount = amt;
    r->paid = strcmp(code, "00") == 0;
    return GW_OK;
}

const struct payment_gateway gateway_testgw = {
    .name = "testgw",
    .checkout_url = testgw_checkout_url,
    .read_result = testgw_read_result,
};

const struct payment_gateway *gateway_find(const char *name)
{
    static const struct payment_gateway *const all[] = {&gateway_testgw};
    for (size_t i = 0; i < ARRAY_LEN(all); i++)
        if (name && strcmp(all[i]->name, name) == 0)
            return all[i];
    return NULL;
}
