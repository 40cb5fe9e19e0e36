/* Data-sharing services on one data directory (the API test runs two
 * nodes): the registry, the access list, and the provider's side with the
 * demo seals and a directory listing Hạc Thành and Quảng Phú: an allowed
 * call (the 200 with its signed answer is in tests/api/exchange-sharing),
 * a replay, a service not allowed, a unit outside the directory, a changed byte, a stale time, an
 * oversized body, no directory; each logged, refusals with the reason. */
#include <jansson.h>
#include <openssl/cms.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "base/util.h"
#include "dossier/shared_status.h"
#include "exchange/directory.h"
#include "exchange/sharing.h"
#include "sign/keys.h"
#include "sign/signer.h"

#include "fixture.h"
#include "harness.h"
#include "testca.h"

#define DEPT "000.00.04.H56" /* Sở Tài chính: a demo seal, in no node of the directory */
#define NONCE1 "00112233445566778899aabbccddeeff"
#define NONCE2 "ffeeddccbbaa99887766554433221100"

static int64_t t_now;

static int64_t calls(const char *result)
{
    return fx_int("SELECT count(*) FROM exchange_calls WHERE result = ?", result);
}

/* Serves req in a transaction, as the writer does; the status. */
static int serve(const char *service, const void *req, size_t len, struct sharing_served *out)
{
    CHECK(store_begin(fx_db) == 0);
    int rc = sharing_serve(fx_db, fx_dir, service, req, len, t_now, out);
    CHECK_EQ_INT(rc, 0);
    CHECK(store_commit(fx_db) == 0);
    return out->status;
}

static unsigned char *request(const char *from, const char *service, const char *nonce,
                              int64_t when, size_t *len)
{
    struct derr err = {0};
    unsigned char *out = NULL;
    json_t *params = json_pack("{s:s}", "code", "KHONG-CO");
    CHECK(sharing_request_sign(fx_db, fx_dir, from, FX_COMMUNE2, service, params, nonce, when,
                               &out, len, &err) == 0);
    json_decref(params);
    return out;
}

TEST(registry_and_access)
{
    struct derr err = {0};
    static const struct sharing_service twin = {"dossier-status", "", NULL};
    CHECK_EQ_INT(app_offer_services(), 0);
    CHECK_EQ_INT(app_offer_services(), 0); /* again: nothing added */
    size_t n;
    sharing_services(&n);
    CHECK_EQ_INT(n, 2);
    CHECK(sharing_service_find("dossier-status") == &dossier_status_service);
    CHECK(sharing_service_find("documents-sent") != NULL);
    CHECK(sharing_service_find("khac") == NULL);
    CHECK_EQ_INT(sharing_offer(&twin), -1); /* another service with that name */

    CHECK(sharing_allow(fx_db, "dossier-status", FX_COMMUNE, t_now, &err) == 0);
    CHECK(sharing_allow(fx_db, "dossier-status", FX_COMMUNE, t_now, &err) == 0);
    CHECK_EQ_INT(fx_int("SELECT count(*) FROM exchange_service_access", NULL), 1);
    CHECK(sharing_allow(fx_db, "khac", FX_COMMUNE, t_now, &err) == -1);
    CHECK_EQ_STR(err.code, "unknown_service");
    CHECK(sharing_allow(fx_db, "dossier-status", "x'; --", t_now, &err) == -1);
    CHECK_EQ_STR(err.code, "bad_organ");
    CHECK(sharing_allow(fx_db, "documents-sent", DEPT, t_now, &err) == 0);
    CHECK(sharing_deny(fx_db, "documents-sent", DEPT, &err) == 0);
    CHECK(sharing_deny(fx_db, "documents-sent", DEPT, &err) == -1);
    CHECK_EQ_STR(err.code, "not_allowed");
    json_t *j = sharing_access_json(fx_db, "dossier-status");
    CHECK(j && json_array_size(j) == 1);
    json_t *organs = json_object_get(json_array_get(j, 0), "organs");
    CHECK_EQ_INT(json_array_size(organs), 1);
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(organs, 0), "organ")),
                 FX_COMMUNE);
    json_decref(j);
}

/* A directory of two nodes (Hạc Thành, Quảng Phú), signed with the demo
 * province's seal and installed. */
static int install_directory(void)
{
    struct signer *prov = NULL;
    struct derr err = {0};
    EVP_PKEY *k[2] = {tc_key(), tc_key()};
    char issued[32], expires[32];
    time_t a = (time_t)(t_now - 86400), b = (time_t)(t_now + 86400 * 30);
    struct tm tm;
    strftime(issued, sizeof issued, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&a, &tm));
    strftime(expires, sizeof expires, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&b, &tm));
    json_t *nodes = json_array();
    const char *units[2] = {FX_COMMUNE, FX_COMMUNE2};
    for (int i = 0; i < 2; i++) {
        X509 *c = tc_cert(k[i], i ? "node b" : "node a", "Thanh Hóa", NULL, k[i], t_now - 86400,
                          t_now + 86400 * 30, TC_SIGN);
        char *pem = tc_pem(c);
        json_array_append_new(
            nodes, json_pack("{s:s,s:s,s:s,s:s,s:b,s:n,s:s,s:[s]}", "id", i ? "b" : "a",
                             "name", "Nút thử", "address",
                             i ? "http://127.0.0.1:9/" : "http://127.0.0.1:8", "level",
                             "commune", "hub", 0, "upstream", "certificate", pem, "units",
                             units[i]));
        free(pem);
        X509_free(c);
        EVP_PKEY_free(k[i]);
    }
    json_t *doc = json_pack("{s:i,s:s,s:s,s:s,s:o}", "version", 1, "issued_at", issued,
                            "expires_at", expires, "issuer", FX_PROVINCE, "nodes", nodes);
    char *src = json_dumps(doc, 0);
    json_decref(doc);
    unsigned char *cms = NULL;
    size_t len = 0;
    int rc = keys_signer(fx_db, fx_dir, fx_unit(FX_PROVINCE), 0, t_now, &prov, &err) ||
             directory_sign(src, strlen(src), prov, &cms, &len, &err) ||
             directory_install(fx_db, fx_dir, FX_PROVINCE, cms, len, "test", t_now, NULL, &err);
    if (rc)
        printf("directory: %s (%s)\n", err.message, err.code ? err.code : "");
    signer_free(prov);
    free(src);
    free(cms);
    return rc;
}

TEST(provider)
{
    struct sharing_served out;
    size_t len, l2, l3, l4, l5;
    unsigned char *req = request(FX_COMMUNE, "dossier-status", NONCE1, t_now, &len);
    CHECK(req != NULL);
    if (!req)
        return;

    /* no directory yet: refused, logged, the nonce not spent */
    CHECK_EQ_INT(serve("dossier-status", req, len, &out), 503);
    CHECK_EQ_STR(out.err.code, "no_directory");
    sharing_served_free(&out);
    CHECK_EQ_INT(calls("no_directory"), 1);
    CHECK_EQ_INT(fx_int("SELECT count(*) FROM exchange_nonces", NULL), 0);
    CHECK(install_directory() == 0);

    /* allowed; the dossier is unknown: the service's own refusal */
    CHECK_EQ_INT(serve("dossier-status", req, len, &out), 404);
    CHECK_EQ_STR(out.err.code, "not_found");
    sharing_served_free(&out);
    /* the same request again */
    CHECK_EQ_INT(serve("dossier-status", req, len, &out), 409);
    CHECK_EQ_STR(out.err.code, "replay");
    sharing_served_free(&out);

    /* a service Hạc Thành is not allowed */
    unsigned char *r2 = request(FX_COMMUNE, "documents-sent", NONCE2, t_now, &l2);
    CHECK_EQ_INT(serve("documents-sent", r2, l2, &out), 403);
    CHECK_EQ_STR(out.err.code, "not_allowed");
    sharing_served_free(&out);
    /* signed by a unit the directory does not list */
    unsigned char *r3 = request(DEPT, "dossier-status", NONCE2, t_now, &l3);
    CHECK_EQ_INT(serve("dossier-status", r3, l3, &out), 403);
    CHECK_EQ_STR(out.err.code, "unknown_sender");
    sharing_served_free(&out);
    /* ten minutes old */
    unsigned char *r4 = request(FX_COMMUNE, "dossier-status", NONCE2, t_now - 600, &l4);
    CHECK_EQ_INT(serve("dossier-status", r4, l4, &out), 422);
    CHECK_EQ_STR(out.err.code, "stale");
    sharing_served_free(&out);
    /* a changed byte: the code asked for */
    unsigned char *r5 = request(FX_COMMUNE, "dossier-status", NONCE2, t_now, &l5);
    unsigned char *p = r5 ? memmem(r5, l5, "KHONG-CO", 8) : NULL;
    CHECK(p != NULL);
    if (p) {
        p[0] = 'X';
        CHECK_EQ_INT(serve("dossier-status", r5, l5, &out), 422);
        CHECK_EQ_STR(out.err.code, "signature_invalid");
        sharing_served_free(&out);
        CHECK_EQ_INT(fx_int("SELECT count(*) FROM exchange_calls WHERE result = "
                            "'signature_invalid' AND request IS NULL",
                            NULL),
                     1);
    }
    /* over 64 KiB, and not CMS */
    unsigned char *big = calloc(1, SHARING_MAX_REQUEST + 1);
    CHECK_EQ_INT(serve("dossier-status", big, SHARING_MAX_REQUEST + 1, &out), 413);
    sharing_served_free(&out);
    CHECK_EQ_INT(serve("dossier-status", "{}", 2, &out), 422);
    CHECK_EQ_STR(out.err.code, "not_cms");
    sharing_served_free(&out);
    free(big);

    CHECK_EQ_INT(fx_int("SELECT count(*) FROM exchange_calls WHERE side = 'provider'", NULL), 9);
    CHECK_EQ_INT(calls("ok"), 0);
    free(req);
    free(r2);
    free(r3);
    free(r4);
    free(r5);
}

int main(void)
{
    if (fx_open("sharing"))
        return 1;
    t_now = now_unix();
    RUN(registry_and_access);
    RUN(provider);
    fx_close();
    return harness_done();
}
