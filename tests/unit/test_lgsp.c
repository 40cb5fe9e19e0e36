/* Tests of the LGSP interface's logic on a demo data directory: the
 * organisations' tokens (only a hash kept, a wrong or revoked one refused
 * the same way), holding an envelope once per key, the queue and its
 * confirmation. The HTTP calls are tests/api/lgsp.test.mjs. */
#include <openssl/sha.h>

#include "base/util.h"
#include "exchange/edxml.h"
#include "node/lgsp.h"
#include "fixture.h"
#include "harness.h"

#define ORG_X "000.00.04.H56"
#define ORG_Y "000.01.91.H56"

struct add_args {
    const char *organ, *name;
    char token[LGSP_TOKEN_HEX + 1];
    struct derr err;
};

static int add_job(struct store *db, void *arg)
{
    struct add_args *a = arg;
    return lgsp_organ_add(db, a->organ, a->name, 1796000000, a->token, &a->err);
}

/* Adds organ; the refusal's code, or "ok" with the token in token. */
static const char *add(const char *organ, const char *name, char token[LGSP_TOKEN_HEX + 1])
{
    static char code[64];
    struct add_args a = {.organ = organ, .name = name};
    int rc = store_run(fx_db, add_job, &a);
    snprintf(code, sizeof code, "%s", rc == 0 ? "ok" : a.err.code ? a.err.code : "?");
    if (token)
        memcpy(token, a.token, sizeof a.token);
    derr_clear(&a.err);
    return code;
}

static const char *auth(const char *organ, const char *token)
{
    static char code[64];
    struct derr err = {0};
    int rc = lgsp_auth(fx_db, organ, token, &err);
    snprintf(code, sizeof code, "%s", rc == 0 ? "ok" : err.code ? err.code : "?");
    derr_clear(&err);
    return code;
}

TEST(tokens)
{
    char tx[LGSP_TOKEN_HEX + 1], ty[LGSP_TOKEN_HEX + 1], hex[65], stored[80];
    unsigned char md[SHA256_DIGEST_LENGTH];
    CHECK_EQ_STR(add(ORG_X, "Sở Tài chính", tx), "ok");
    CHECK_EQ_STR(add(ORG_Y, "Xã Nam Xuân", ty), "ok");
    CHECK_EQ_INT((int)strlen(tx), 64);
    CHECK(strcmp(tx, ty) != 0);
    /* Only the SHA-256 of the token is kept (computed here with OpenSSL's
     * one-shot SHA256, not the code under test's helper). */
    SHA256((const unsigned char *)tx, strlen(tx), md);
    hex_encode(md, sizeof md, hex);
    CHECK_EQ_STR(fx_text("SELECT token_sha256 FROM lgsp_organs WHERE organ = ?", ORG_X, stored,
                         sizeof stored),
                 hex);
    CHECK_EQ_INT(fx_int("SELECT count(*) FROM lgsp_organs WHERE token_sha256 = ?", tx), 0);

    CHECK_EQ_STR(add(ORG_X, "Lần hai", NULL), "organ_exists");
    CHECK_EQ_STR(add("000.00.04.h56", "Chữ thường", NULL), "bad_organ");
    CHECK_EQ_STR(add("", "Rỗng", NULL), "bad_organ");
    CHECK_EQ_STR(add("000.00.07.H56", "Tên\x01lạ", NULL), "bad_name");
    CHECK_EQ_STR(add("000.00.07.H56", "", NULL), "bad_name");

    CHECK_EQ_STR(auth(ORG_X, tx), "ok");
    CHECK_EQ_STR(auth(ORG_Y, ty), "ok");
    /* Another organisation's token, one character changed, a prefix, none,
     * an organisation not registered: one answer. */
    CHECK_EQ_STR(auth(ORG_X, ty), "unauthorized");
    char bad[LGSP_TOKEN_HEX + 1];
    memcpy(bad, tx, sizeof bad);
    bad[63] = bad[63] == '0' ? '1' : '0';
    CHECK_EQ_STR(auth(ORG_X, bad), "unauthorized");
    bad[32] = '\0';
    CHECK_EQ_STR(auth(ORG_X, bad), "unauthorized");
    CHECK_EQ_STR(auth(ORG_X, NULL), "unauthorized");
    CHECK_EQ_STR(auth(NULL, tx), "unauthorized");
    CHECK_EQ_STR(auth("000.00.09.H56", tx), "unauthorized");

    /* Revoked: refused; revoked again: unknown; added again: a new token. */
    struct derr err = {0};
    CHECK_EQ_INT(lgsp_organ_revoke(fx_db, ORG_Y, 1796000100, &err), 0);
    CHECK_EQ_STR(auth(ORG_Y, ty), "unauthorized");
    CHECK_EQ_INT(lgsp_organ_revoke(fx_db, ORG_Y, 1796000200, &err), -1);
    CHECK_EQ_STR(err.code, "unknown_organ");
    derr_clear(&err);
    char ty2[LGSP_TOKEN_HEX + 1];
    CHECK_EQ_STR(add(ORG_Y, "Xã Nam Xuân", ty2), "ok");
    CHECK(strcmp(ty, ty2) != 0);
    CHECK_EQ_STR(auth(ORG_Y, ty), "unauthorized");
    CHECK_EQ_STR(auth(ORG_Y, ty2), "ok");
}

/* A checked document envelope from ORG_X (as exchange_inbox_check leaves it). */
static void envelope(struct exchange_inbox *in, const char *number)
{
    char id[96];
    memset(in, 0, sizeof *in);
    struct edxml *e = &in->e;
    e->kind = EDXML_DOCUMENT;
    e->from.organ_id = edxml_strdup(e, ORG_X);
    snprintf(id, sizeof id, "%s,2026/12/07,%s/VP", ORG_X, number);
    e->document_id = edxml_strdup(e, id);
    in->parsed = 2;
    in->len = 1234;
    in->now = 1796000300;
    in->directory_version = 1;
    memset(in->envelope_sha, 'a', 64);
    copy_str(in->sender_node, sizeof in->sender_node, "tinh");
    copy_str(in->v.signer, sizeof in->v.signer, "CN=Sở Tài chính");
}

struct hold_args {
    struct exchange_inbox *in;
    const char *organ;
    int rc;
};

static int hold_job(struct store *db, void *arg)
{
    struct hold_args *h = arg;
    h->rc = lgsp_hold(db, h->in, h->organ);
    return h->rc < 0 ? -1 : 0;
}

static int hold(struct exchange_inbox *in, const char *organ)
{
    struct hold_args h = {in, organ, -9};
    if (store_run(fx_db, hold_job, &h))
        return -1;
    return h.rc;
}

static const char *confirm(const char *organ, int64_t id, int *already)
{
    static char code[64];
    struct lgsp_confirm c = {.organ = organ, .doc_id = id, .now = 1796000400};
    int rc = store_run(fx_db, lgsp_confirm_job, &c);
    snprintf(code, sizeof code, "%s", rc == 0 ? "ok" : c.err.code ? c.err.code : "?");
    *already = c.already;
    derr_clear(&c.err);
    return code;
}

TEST(hold_and_confirm)
{
    struct exchange_inbox in;
    /* ORG_Y is registered (test tokens); a unit that is not one is left to the inbox. */
    envelope(&in, "15");
    CHECK_EQ_INT(hold(&in, FX_COMMUNE), 0);
    CHECK_EQ_INT(in.created + in.duplicates, 0);
    CHECK_EQ_INT(hold(&in, ORG_Y), 1);
    CHECK_EQ_INT(in.created, 1);
    /* The same key again (a replay): held once. */
    CHECK_EQ_INT(hold(&in, ORG_Y), 1);
    CHECK_EQ_INT(in.created, 1);
    CHECK_EQ_INT(in.duplicates, 1);
    exchange_inbox_clear(&in);
    CHECK_EQ_INT(fx_int("SELECT count(*) FROM lgsp_pending WHERE organ = ?", ORG_Y), 1);
    CHECK_EQ_INT(fx_int("SELECT count(*) FROM exchange_messages WHERE to_organ = ? AND"
                        " direction = 'in' AND state = 'received' AND document_id IS NULL",
                        ORG_Y),
                 1);

    json_t *p = lgsp_pending_json(fx_db, ORG_Y, NULL);
    CHECK(p && json_array_size(p) == 1);
    const char *doc = json_string_value(json_object_get(json_array_get(p, 0), "docId"));
    long id = 0;
    CHECK(doc && parse_long(doc, 1, 1000000, &id) == 0);
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(p, 0), "DocumentId")),
                 ORG_X ",2026/12/07,15/VP");
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(p, 0), "messagetype")), "edoc");
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(p, 0), "created_time")),
                 "2026-11-30T00:58:20Z");
    json_decref(p);
    p = lgsp_pending_json(fx_db, ORG_Y, "status");
    CHECK(p && json_array_size(p) == 0);
    json_decref(p);

    /* Known to its sender and its recipient only. */
    CHECK_EQ_INT(lgsp_document_known(fx_db, ORG_X, ORG_X ",2026/12/07,15/VP"), 1);
    CHECK_EQ_INT(lgsp_document_known(fx_db, ORG_Y, ORG_X ",2026/12/07,15/VP"), 1);
    CHECK_EQ_INT(lgsp_document_known(fx_db, FX_COMMUNE, ORG_X ",2026/12/07,15/VP"), 0);
    CHECK_EQ_INT(lgsp_document_known(fx_db, ORG_X, ORG_X ",2026/12/07,16/VP"), 0);

    /* Only its organisation sees and confirms it; confirming twice is fine. */
    char sha[65];
    int64_t size = 0;
    CHECK_EQ_INT(lgsp_envelope(fx_db, ORG_X, id, sha, &size), STORE_DONE);
    CHECK_EQ_INT(lgsp_envelope(fx_db, ORG_Y, id, sha, &size), STORE_ROW);
    CHECK_EQ_INT((int)size, 1234);
    int already = -1;
    CHECK_EQ_STR(confirm(ORG_X, id, &already), "not_found");
    CHECK_EQ_STR(confirm(ORG_Y, id + 1, &already), "not_found");
    CHECK_EQ_STR(confirm(ORG_Y, id, &already), "ok");
    CHECK_EQ_INT(already, 0);
    CHECK_EQ_STR(confirm(ORG_Y, id, &already), "ok");
    CHECK_EQ_INT(already, 1);
    p = lgsp_pending_json(fx_db, ORG_Y, NULL);
    CHECK(p && json_array_size(p) == 0);
    json_decref(p);
    CHECK_EQ_INT(fx_int("SELECT confirmed_at FROM lgsp_pending WHERE organ = ?", ORG_Y),
                 1796000400);
}

TEST(organ_codes)
{
    CHECK_EQ_INT(lgsp_organ_valid("000.00.04.H56"), 1);
    CHECK_EQ_INT(lgsp_organ_valid("G22"), 1);
    CHECK_EQ_INT(lgsp_organ_valid(""), 0);
    CHECK_EQ_INT(lgsp_organ_valid("000.00.04.h56"), 0);
    CHECK_EQ_INT(lgsp_organ_valid("000 00"), 0);
    CHECK_EQ_INT(lgsp_organ_valid("0123456789012345678901234567890"), 1); /* 31 */
    CHECK_EQ_INT(lgsp_organ_valid("01234567890123456789012345678901"), 0); /* 32 */
}

int main(void)
{
    if (fx_open("lgsp"))
        return 1;
    RUN(organ_codes);
    RUN(tokens);
    RUN(hold_and_confirm);
    fx_close();
    return harness_done();
}
