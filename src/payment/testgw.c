/* testgw: the test gateway's side: checkout checks, its ledger, signed
 * results, the server-to-server notification. */
#include "payment/testgw.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "store/store.h"

int testgw_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int text_ok(const char *s, size_t max)
{
    if (!s || !s[0] || strlen(s) > max)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

int testgw_read_checkout(const struct gateway_config *cfg, const struct gw_params *ps,
                         int64_t now, struct testgw_order *o)
{
    memset(o, 0, sizeof *o);
    if (!gw_verify(ps, cfg->secret))
        return GW_BAD_SIGNATURE;
    const char *merchant = gw_params_get(ps, "merchant"), *ref = gw_params_get(ps, "txn_ref");
    const char *amount = gw_params_get(ps, "amount"), *info = gw_params_get(ps, "order_info");
    const char *ret = gw_params_get(ps, "return_url"), *exp = gw_params_get(ps, "expire_date");
    const char *cmd = gw_params_get(ps, "command"), *cur = gw_params_get(ps, "currency");
    long amt;
    if (!merchant || strcmp(merchant, cfg->merchant) != 0)
        return GW_WRONG_MERCHANT;
    if (!cmd || strcmp(cmd, "pay") != 0 || !cur || strcmp(cur, "VND") != 0 ||
        !text_ok(ref, sizeof o->txn_ref - 1) || !amount ||
        parse_long(amount, 1, 999999999999L, &amt) || !text_ok(info, sizeof o->order_info - 1) ||
        !text_ok(ret, sizeof o->return_url - 1) ||
        (strncmp(ret, "http://", 7) != 0 && strncmp(ret, "https://", 8) != 0) ||
        (o->expire_at = gw_parse_time(exp)) < 0)
        return GW_MALFORMED;
    copy_str(o->merchant, sizeof o->merchant, merchant);
    copy_str(o->txn_ref, sizeof o->txn_ref, ref);
    copy_str(o->order_info, sizeof o->order_info, info);
    copy_str(o->return_url, sizeof o->return_url, ret);
    o->amount = amt;
    return now > o->expire_at ? TESTGW_EXPIRED : GW_OK;
}

int testgw_result_params(const struct gateway_config *cfg, const struct testgw_order *o,
                         const char *gateway_txn, int paid, int64_t paid_at, struct gw_params *out)
{
    char amount[24], date[15];
    memset(out, 0, sizeof *out);
    snprintf(amount, sizeof amount, "%lld", (long long)o->amount);
    gw_format_time(paid_at, date);
    if (gw_params_add(out, "merchant", cfg->merchant) ||
        gw_params_add(out, "txn_ref", o->txn_ref) || gw_params_add(out, "amount", amount) ||
        gw_params_add(out, "gateway_txn", gateway_txn) ||
        gw_params_add(out, "response_code", paid ? "00" : "24") ||
        gw_params_add(out, "pay_date", date) || gw_params_add(out, "bank_code", "TESTBANK") ||
        gw_params_sign(out, cfg->secret))
        return -1;
    return 0;
}

int testgw_new_txn(char out[64])
{
    unsigned char raw[12];
    if (random_bytes(raw, sizeof raw))
        return -1;
    memcpy(out, "TG", 2);
    for (int i = 0; i < 12; i++)
        out[2 + i] = (char)('0' + raw[i] % 10);
    out[14] = '\0';
    return 0;
}

int testgw_record_job(struct store *db, void *arg)
{
    struct testgw_record *s = arg;
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "SELECT gateway_txn, paid_at FROM gateway_records"
                               " WHERE gateway = 'testgw' AND txn_ref = ? ORDER BY id LIMIT 1",
                               &st, BIND_TEXT(s->txn_ref));
    if (rc)
        return rc;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        copy_str(s->gateway_txn, sizeof s->gateway_txn, store_col_text(st, 0));
        s->paid_at = store_col_int(st, 1);
    }
    store_done(st);
    if (rc != STORE_DONE)
        return rc == STORE_ROW ? 0 : rc;
    if ((rc = store_prepare_all(db,
                                "INSERT INTO gateway_records(gateway, gateway_txn, txn_ref, amount,"
                                " paid_at, recorded_at) VALUES ('testgw', ?, ?, ?, ?, ?)",
                                &st,
                                BIND_TEXT(s->gateway_txn), BIND_TEXT(s->txn_ref),
                                BIND_INT(s->amount), BIND_INT(s->now), BIND_INT(s->now))))
        return rc;
    rc = store_step(st);
    store_done(st);
    if (rc != STORE_DONE)
        return rc < 0 ? rc : STORE_ERR;
    s->paid_at = s->now;
    return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *arg) { return size * n; }

int testgw_post(const char *url, const char *body, long *status, char *err, size_t errlen)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    int rc = -1;
    *status = 0;
    if (!c) {
        snprintf(err, errlen, "cannot start libcurl");
        return -1;
    }
    h = curl_slist_append(h, "Content-Type: application/x-www-form-urlencoded");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        snprintf(err, errlen, "%s", curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    rc = 0;
out:
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return rc;
}
