/* Payments: the gateways' signature (HMAC-SHA512 over the sorted,
 * percent-encoded parameters), form parsing, dates, the test gateway's
 * checkout and result, references and the VietQR of a payment. The
 * expected signatures were computed outside motcua with
 *   printf '%s' 'CANONICAL' | openssl dgst -sha512 -hmac 'motcua-test-secret-0123456789'
 * on the canonical strings written out by hand below. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "payment/gateway.h"
#include "payment/payment.h"
#include "payment/testgw.h"
#include "payment/vietqr.h"

#define SECRET "motcua-test-secret-0123456789"

static struct gw_params *params(void) { return calloc(1, sizeof(struct gw_params)); }

TEST(canonical_string_sorts_and_percent_encodes)
{
    struct gw_params *ps = params();
    char out[2048];
    /* Added out of order on purpose. */
    CHECK_EQ_INT(gw_params_add(ps, "txn_ref", "MC000042"), 0);
    CHECK_EQ_INT(gw_params_add(ps, "return_url", "http://127.0.0.1:8080/api/v1/payments/return"),
                 0);
    CHECK_EQ_INT(gw_params_add(ps, "amount", "8000"), 0);
    CHECK_EQ_INT(gw_params_add(ps, "order_info", "Thanh toan ho so 000.01.90.H56-261127-0001"),
                 0);
    CHECK_EQ_INT(gw_params_add(ps, "merchant", "MOTCUA-DEMO"), 0);
    CHECK(gw_canonical(ps, out, sizeof out) > 0);
    CHECK_EQ_STR(out, "amount=8000&merchant=MOTCUA-DEMO"
                      "&order_info=Thanh%20toan%20ho%20so%20000.01.90.H56-261127-0001"
                      "&return_url=http%3A%2F%2F127.0.0.1%3A8080%2Fapi%2Fv1%2Fpayments%2Freturn"
                      "&txn_ref=MC000042");
    char hex[GW_HASH_HEX + 1];
    CHECK_EQ_INT(gw_sign(ps, SECRET, hex), 0);
    CHECK_EQ_STR(hex, "0858d8b54609699cee97c5cf6d5197aaf1e07c4801d845c07898d4a445f0c8c6"
                      "cb5d2eaf24fa40f78a1c8008644051ef013be0b260ad78b63f57f2447a1d769b");
    /* secure_hash itself is never part of what is signed. */
    CHECK_EQ_INT(gw_params_sign(ps, SECRET), 0);
    CHECK(gw_canonical(ps, out, sizeof out) > 0);
    CHECK(strstr(out, "secure_hash") == NULL);
    CHECK_EQ_STR(gw_params_get(ps, GW_HASH_PARAM), hex);
    free(ps);
}

TEST(notification_signature_matches_openssl)
{
    struct gw_params *ps = params();
    char hex[GW_HASH_HEX + 1];
    gw_params_add(ps, "merchant", "MOTCUA-DEMO");
    gw_params_add(ps, "txn_ref", "MC000042");
    gw_params_add(ps, "amount", "8000");
    gw_params_add(ps, "gateway_txn", "TG000000000001");
    gw_params_add(ps, "response_code", "00");
    gw_params_add(ps, "pay_date", "20261127103000");
    gw_params_add(ps, "bank_code", "TESTBANK");
    CHECK_EQ_INT(gw_sign(ps, SECRET, hex), 0);
    CHECK_EQ_STR(hex, "3af0778fc323122f37bc5352fc663f41bec9b0aaebc77aa5b4b15e8ac74edd8b"
                      "4f3661943a7ee34fcb39c9503d0fdb878ca038d36c6a9cffb585b0f214e763e3");
    free(ps);
}

TEST(utf8_and_reserved_characters_are_escaped)
{
    struct gw_params *ps = params();
    char out[512], hex[GW_HASH_HEX + 1];
    gw_params_add(ps, "z", "1");
    gw_params_add(ps, "note", "Lệ phí + ~._-");
    CHECK(gw_canonical(ps, out, sizeof out) > 0);
    CHECK_EQ_STR(out, "note=L%E1%BB%87%20ph%C3%AD%20%2B%20~._-&z=1");
    CHECK_EQ_INT(gw_sign(ps, SECRET, hex), 0);
    CHECK_EQ_STR(hex, "e77a7706a1f69f55707bc99b97d38919513bf1485cc76ac68db7fb8cd1bd9239"
                      "082c629ff556578b91cee51628894dff502798c7e0cceffdb3dca36846dff969");
    free(ps);
}

TEST(verify_refuses_tampering_and_wrong_keys)
{
    struct gw_params *ps = params();
    gw_params_add(ps, "txn_ref", "MC000042");
    gw_params_add(ps, "amount", "8000");
    CHECK_EQ_INT(gw_verify(ps, SECRET), 0); /* no secure_hash at all */
    CHECK_EQ_INT(gw_params_sign(ps, SECRET), 0);
    CHECK_EQ_INT(gw_verify(ps, SECRET), 1);
    CHECK_EQ_INT(gw_verify(ps, "another-secret-0123456789"), 0);
    CHECK_EQ_INT(gw_verify(ps, ""), 0);
    /* Upper-case hex is the same signature. */
    char *h = ps->p[2].value;
    for (char *c = h; *c; c++)
        if (*c >= 'a' && *c <= 'f')
            *c = (char)(*c - 'a' + 'A');
    CHECK_EQ_INT(gw_verify(ps, SECRET), 1);
    /* A changed amount breaks it. */
    snprintf(ps->p[1].value, GW_MAX_VALUE, "800");
    CHECK_EQ_INT(gw_verify(ps, SECRET), 0);
    snprintf(ps->p[1].value, GW_MAX_VALUE, "8000");
    CHECK_EQ_INT(gw_verify(ps, SECRET), 1);
    /* An added parameter breaks it too. */
    gw_params_add(ps, "extra", "x");
    CHECK_EQ_INT(gw_verify(ps, SECRET), 0);
    /* A truncated signature is refused. */
    struct gw_params *p2 = params();
    gw_params_add(p2, "a", "1");
    gw_params_add(p2, GW_HASH_PARAM, "abcd");
    CHECK_EQ_INT(gw_verify(p2, SECRET), 0);
    free(p2);
    free(ps);
}

TEST(form_parsing)
{
    struct gw_params *ps = params();
    const char *ok = "a=1&b=x%20y+z&&c=&d=%C3%A9";
    CHECK_EQ_INT(gw_params_parse(ok, strlen(ok), ps), 0);
    CHECK_EQ_INT(ps->n, 4);
    CHECK_EQ_STR(gw_params_get(ps, "b"), "x y z");
    CHECK_EQ_STR(gw_params_get(ps, "c"), "");
    CHECK_EQ_STR(gw_params_get(ps, "d"), "é");
    static const char *const bad[] = {"a=%4", "a=%zz", "a=1&a=2", "a=%00", "=1", "a=%"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(gw_params_parse(bad[i], strlen(bad[i]), ps), -1);
    /* Too many parameters. */
    char many[1024];
    size_t used = 0;
    for (int i = 0; i < GW_MAX_PARAMS + 1; i++)
        used += (size_t)snprintf(many + used, sizeof many - used, "%sp%d=1", i ? "&" : "", i);
    CHECK_EQ_INT(gw_params_parse(many, strlen(many), ps), -1);
    /* A value over the limit. */
    char *longv = malloc(GW_MAX_VALUE + 8);
    memcpy(longv, "a=", 2);
    memset(longv + 2, 'x', GW_MAX_VALUE);
    longv[GW_MAX_VALUE + 2] = '\0';
    CHECK_EQ_INT(gw_params_parse(longv, strlen(longv), ps), -1);
    free(longv);
    /* Round trip through the encoder. */
    struct gw_params *back = params();
    char enc[1024];
    gw_params_parse(ok, strlen(ok), ps);
    CHECK(gw_encode(ps, enc, sizeof enc) > 0);
    CHECK_EQ_STR(enc, "a=1&b=x%20y%20z&c=&d=%C3%A9");
    CHECK_EQ_INT(gw_params_parse(enc, strlen(enc), back), 0);
    CHECK_EQ_STR(gw_params_get(back, "b"), "x y z");
    free(back);
    free(ps);
}

TEST(gateway_dates_are_vietnam_time)
{
    char s[15];
    /* 2026-11-27 03:30:00 UTC is 10:30 in Vietnam. */
    gw_format_time(1795750200, s);
    CHECK_EQ_STR(s, "20261127103000");
    CHECK_EQ_INT(gw_parse_time("20261127103000"), 1795750200);
    CHECK_EQ_INT(gw_parse_time("2026112710300"), -1);
    CHECK_EQ_INT(gw_parse_time("20261327103000"), -1);
    CHECK_EQ_INT(gw_parse_time("2026112710300x"), -1);
    CHECK_EQ_INT(gw_parse_time(NULL), -1);
}

static const struct gateway_config CFG = {
    .merchant = "MOTCUA-DEMO", .secret = SECRET, .url = "http://127.0.0.1:8080/test-gateway/pay"};

TEST(testgw_checkout_round_trip)
{
    char url[4096];
    struct gateway_order o = {.txn_ref = "MC000042",
                              .amount = 8000,
                              .order_info = "Thanh toan phi le phi ho so 000.01.90.H56-261127-0001",
                              .return_url = "http://127.0.0.1:8080/api/v1/payments/return",
                              .now = 1795750200,
                              .expire_at = 1795750200 + 900};
    CHECK_EQ_INT(gateway_testgw.checkout_url(&CFG, &o, url, sizeof url), 0);
    CHECK_EQ_INT(strncmp(url, "http://127.0.0.1:8080/test-gateway/pay?amount=8000&", 51), 0);
    struct gw_params *ps = params();
    const char *q = strchr(url, '?') + 1;
    CHECK_EQ_INT(gw_params_parse(q, strlen(q), ps), 0);
    struct testgw_order got;
    CHECK_EQ_INT(testgw_read_checkout(&CFG, ps, o.now + 10, &got), GW_OK);
    CHECK_EQ_STR(got.txn_ref, "MC000042");
    CHECK_EQ_INT(got.amount, 8000);
    CHECK_EQ_STR(got.return_url, o.return_url);
    CHECK_EQ_INT(testgw_read_checkout(&CFG, ps, o.expire_at + 1, &got), TESTGW_EXPIRED);
    struct gateway_config other = CFG;
    other.secret = "another-secret-0123456789";
    CHECK_EQ_INT(testgw_read_checkout(&other, ps, o.now, &got), GW_BAD_SIGNATURE);
    /* A lower amount in the URL: the signature no longer holds. */
    for (int i = 0; i < ps->n; i++)
        if (strcmp(ps->p[i].name, "amount") == 0)
            snprintf(ps->p[i].value, GW_MAX_VALUE, "80");
    CHECK_EQ_INT(testgw_read_checkout(&CFG, ps, o.now, &got), GW_BAD_SIGNATURE);
    free(ps);
}

TEST(testgw_result_is_read_by_the_merchant_side)
{
    struct testgw_order o = {.merchant = "MOTCUA-DEMO", .txn_ref = "MC000042", .amount = 8000};
    struct gw_params *ps = params();
    struct gateway_result r;
    CHECK_EQ_INT(testgw_result_params(&CFG, &o, "TG000000000001", 1, 1795750200, ps), 0);
    /* The same parameters as the openssl-checked notification above. */
    CHECK_EQ_STR(gw_params_get(ps, GW_HASH_PARAM),
                 "3af0778fc323122f37bc5352fc663f41bec9b0aaebc77aa5b4b15e8ac74edd8b"
                 "4f3661943a7ee34fcb39c9503d0fdb878ca038d36c6a9cffb585b0f214e763e3");
    CHECK_EQ_INT(gateway_testgw.read_result(&CFG, ps, &r), GW_OK);
    CHECK_EQ_STR(r.txn_ref, "MC000042");
    CHECK_EQ_STR(r.gateway_txn, "TG000000000001");
    CHECK_EQ_INT(r.amount, 8000);
    CHECK_EQ_INT(r.paid, 1);
    CHECK_EQ_INT(r.paid_at, 1795750200);
    struct gateway_config other = CFG;
    other.merchant = "SOMEONE-ELSE";
    CHECK_EQ_INT(gateway_testgw.read_result(&other, ps, &r), GW_WRONG_MERCHANT);
    CHECK_EQ_INT(testgw_result_params(&CFG, &o, "TG000000000002", 0, 1795750200, ps), 0);
    CHECK_EQ_INT(gateway_testgw.read_result(&CFG, ps, &r), GW_OK);
    CHECK_EQ_STR(r.response_code, "24");
    CHECK_EQ_INT(r.paid, 0);
    /* Signed but malformed: no such amount. */
    struct gw_params *bad = params();
    gw_params_add(bad, "merchant", "MOTCUA-DEMO");
    gw_params_add(bad, "txn_ref", "MC000042");
    gw_params_add(bad, "amount", "-5");
    gw_params_add(bad, "gateway_txn", "TG1");
    gw_params_add(bad, "response_code", "00");
    gw_params_add(bad, "pay_date", "20261127103000");
    gw_params_sign(bad, SECRET);
    CHECK_EQ_INT(gateway_testgw.read_result(&CFG, bad, &r), GW_MALFORMED);
    CHECK(gateway_find("testgw") == &gateway_testgw);
    CHECK(gateway_find("vnpay") == NULL);
    free(bad);
    free(ps);
}

TEST(references_and_vietqr_of_a_payment)
{
    char ref[PAYMENT_REF_MAX], err[256], qr[VIETQR_MAX];
    payment_reference(42, ref);
    CHECK_EQ_STR(ref, "MC000042");
    payment_reference(12345678, ref);
    CHECK_EQ_STR(ref, "MC12345678");
    CHECK_EQ_INT(payment_configure(NULL, "short", 0, "http://127.0.0.1:8080", err, sizeof err),
                 -1);
    CHECK_EQ_INT(payment_configure(NULL, SECRET, 0, "http://127.0.0.1:8080", err, sizeof err),
                 0);
    const struct payment_config *c = payment_config();
    CHECK_EQ_STR(c->bank_bin, "970415");
    CHECK_EQ_INT(c->bank_demo, 1);
    CHECK_EQ_STR(c->gateway_url, "http://127.0.0.1:8080/test-gateway/pay");
    struct payment p = {.id = 42, .amount = 8000};
    payment_reference(p.id, p.reference);
    int n = payment_vietqr(&p, qr, sizeof qr);
    CHECK(n > 0);
    CHECK(strstr(qr, "0006970415") != NULL);
    CHECK(strstr(qr, "0112113366668888") != NULL);
    CHECK(strstr(qr, "54048000") != NULL);
    CHECK(strstr(qr, "62120808MC000042") != NULL);
    char crc[5];
    snprintf(crc, sizeof crc, "%04X", vietqr_crc16(qr, (size_t)n - 4));
    CHECK_EQ_STR(qr + n - 4, crc);
    char *png = payment_qr_png_data_url(qr, 264);
    CHECK(png && strncmp(png, "data:image/png;base64,iVBORw0KGgo", 33) == 0);
    free(png);
    /* A missing configuration file is an error, not a silent default. */
    CHECK_EQ_INT(payment_configure("/nonexistent/payment.json", SECRET, 0, "", err, sizeof err),
                 -1);
}

int main(void)
{
    RUN(canonical_string_sorts_and_percent_encodes);
    RUN(notification_signature_matches_openssl);
    RUN(utf8_and_reserved_characters_are_escaped);
    RUN(verify_refuses_tampering_and_wrong_keys);
    RUN(form_parsing);
    RUN(gateway_dates_are_vietnam_time);
    RUN(testgw_checkout_round_trip);
    RUN(testgw_result_is_read_by_the_merchant_side);
    RUN(references_and_vietqr_of_a_payment);
    return harness_done();
}
