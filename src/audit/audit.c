/* audit: hash-chained audit log. hash = SHA-256 over the previous hash and
 * the length-prefixed fields of the entry (id, at, actor, action, object
 * type, object id, detail), hex encoded. */
#include "audit/audit.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "store/store.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static void add_field(EVP_MD_CTX *ctx, const char *s)
{
    char len[24];
    size_t n = strlen(s);
    int k = snprintf(len, sizeof len, "%zu:", n);
    EVP_DigestUpdate(ctx, len, (size_t)k);
    EVP_DigestUpdate(ctx, s, n);
}

static void entry_hash(const char *prev, int64_t id, int64_t at, int64_t actor, const char *action,
                       const char *otype, const char *oid, const char *detail, char out[65])
{
    char num[64];
    unsigned char md[32];
    unsigned int mdlen = sizeof md;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    add_field(ctx, prev);
    snprintf(num, sizeof num, "%lld,%lld,%lld", (long long)id, (long long)at, (long long)actor);
    add_field(ctx, num);
    add_field(ctx, action);
    add_field(ctx, otype);
    add_field(ctx, oid);
    add_field(ctx, detail);
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    hex_encode(md, sizeof md, out);
}

int audit_append(struct store *db, const struct audit_entry *e)
{
    struct store_stmt *st;
    char prev[65] = ZERO_HASH, hash[65];
    int64_t id = 1;
    const char *detail = e->detail ? e->detail : "{}";
    int rc = store_prepare(db, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", &st);
    if (rc)
        return rc;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        id = store_col_int(st, 0) + 1;
        copy_str(prev, sizeof prev, store_col_text(st, 1));
    }
    store_done(st);
    if (rc < 0)
        return rc;

    int64_t at = now_unix();
    entry_hash(prev, id, at, e->actor_id, e->action, e->object_type, e->object_id, detail, hash);
    rc = store_prepare_all(db,
                           "INSERT INTO audit_log(id, at, actor_id, action, object_type, object_id,"
                           " detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           &st,
                           BIND_INT(id), BIND_INT(at), BIND_ID(e->actor_id), BIND_TEXT(e->action),
                           BIND_TEXT(e->object_type), BIND_TEXT(e->object_id), BIND_TEXT(detail),
                           BIND_TEXT(prev), BIND_TEXT(hash));
    if (rc)
        return rc;
    rc = store_step(st);
    store_done(st);
    return rc == STORE_DONE ? 0 : (rc < 0 ? rc : STORE_ERR);
}

int audit_object(struct store *db, int64_t actor_id, const char *action, const char *object_type,
                 int64_t object_id, const char *detail)
{
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)object_id);
    return audit_append(db, &(struct audit_entry){.actor_id = actor_id,
                                                  .action = action,
                                                  .object_type = object_type,
                                                  .object_id = oid,
                                                  .detail = detail});
}

int audit_object_json(struct store *db, int64_t actor_id, const char *action,
                      const char *object_type, int64_t object_id, json_t *detail)
{
    char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(detail);
    int rc = text ? audit_object(db, actor_id, action, object_type, object_id, text) : STORE_ERR;
    free(text);
    return rc;
}

int audit_verify(struct store *db, int64_t *checked, int64_t *bad_id, char *why, size_t whylen)
{
    struct store_stmt *st;
    char prev[65] = ZERO_HASH, hash[65];
    int64_t n = 0, expect_id = 0;
    int rc = store_prepare(db,
                           "SELECT id, at, coalesce(actor_id, 0), action, object_type,"
                           " object_id, detail, prev_hash, hash FROM audit_log ORDER BY id",
                           &st);
    if (rc)
        return rc;
    int broken = 0;
    while ((rc = store_step(st)) == STORE_ROW) {
        int64_t id = store_col_int(st, 0);
        if (expect_id && id != expect_id) {
            snprintf(why, whylen, "entries missing before this one (expected id %lld)",
                     (long long)expect_id);
            broken = 1;
        } else if (strcmp(store_col_text(st, 7), prev) != 0) {
            snprintf(why, whylen, "prev_hash does not match the previous entry's hash");
            broken = 1;
        } else {
            entry_hash(prev, id, store_col_int(st, 1), store_col_int(st, 2), store_col_text(st, 3),
                       store_col_text(st, 4), store_col_text(st, 5), store_col_text(st, 6), hash);
            if (strcmp(hash, store_col_text(st, 8)) != 0) {
                snprintf(why, whylen, "the entry's content does not match its hash");
                broken = 1;
            }
        }
        if (broken) {
            *bad_id = id;
            break;
        }
        copy_str(prev, sizeof prev, hash);
        expect_id = id + 1;
        n++;
    }
    store_done(st);
    *checked = n;
    if (broken)
        return 1;
    return rc < 0 ? rc : 0;
}
