/* Tests for audit: the hash chain on a fresh database. Entries are appended,
 * the chain verified, then tampered with (a field, the stored hashes, a
 * deleted row, reordered rows, an entry whose hash was recomputed by the
 * tamperer): verification names the first broken entry every time. The
 * hash format is recomputed here from its description in audit.c. */
#include "audit/audit.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "store/migrate.h"
#include "store/store.h"

#define N 5

static char dir[256];

static struct store *fresh_db(void)
{
    static int n;
    char path[300], err[256];
    struct store *db = NULL;
    snprintf(path, sizeof path, "%s/a%d.db", dir, n++);
    if (store_open(path, 0, &db, err, sizeof err) || migrate_apply(db, err, sizeof err)) {
        printf("  cannot open %s: %s\n", path, err);
        return NULL;
    }
    return db;
}

static int append_n(struct store *db, void *arg)
{
    static const char *const actions[N] = {"dossier.submit", "dossier.accept", "dossier.assign",
                                           "dossier.approve", "dossier.return"};
    (void)arg;
    for (int i = 0; i < N; i++) {
        char oid[8], detail[32];
        snprintf(oid, sizeof oid, "%d", 100 + i);
        snprintf(detail, sizeof detail, "{\"step\":%d}", i + 1);
        int rc = audit_append(db, &(struct audit_entry){.actor_id = i, /* 0: the system */
                                                        .action = actions[i],
                                                        .object_type = "dossier",
                                                        .object_id = oid,
                                                        .detail = i == 4 ? NULL : detail});
        if (rc)
            return rc;
    }
    return 0;
}

/* A database with N entries, checked intact. */
static struct store *chain(void)
{
    struct store *db = fresh_db();
    int64_t checked = -1, bad = -1;
    char why[200];
    if (!db)
        return NULL;
    CHECK_EQ_INT(store_run(db, append_n, NULL), 0);
    CHECK_EQ_INT(audit_verify(db, &checked, &bad, why, sizeof why), 0);
    CHECK_EQ_INT(checked, N);
    return db;
}

/* Verifies; expects a break at entry `at` after `intact` good entries. */
static void expect_broken(struct store *db, int64_t at, int64_t intact, const char *reason)
{
    int64_t checked = -1, bad = -1;
    char why[200] = "";
    CHECK_EQ_INT(audit_verify(db, &checked, &bad, why, sizeof why), 1);
    CHECK_EQ_INT(bad, at);
    CHECK_EQ_INT(checked, intact);
    if (!strstr(why, reason))
        printf("  reason \"%s\", expected it to say \"%s\"\n", why, reason);
    CHECK(strstr(why, reason) != NULL);
}

static void hash_field(EVP_MD_CTX *ctx, const char *s)
{
    char len[24];
    int k = snprintf(len, sizeof len, "%zu:", strlen(s));
    EVP_DigestUpdate(ctx, len, (size_t)k);
    EVP_DigestUpdate(ctx, s, strlen(s));
}

/* SHA-256 (hex) over the length-prefixed previous hash, "id,at,actor",
 * action, object type, object id and detail: the format audit.c states. */
static void expected_hash(const char *prev, long long id, long long at, long long actor,
                          const char *action, const char *otype, const char *oid,
                          const char *detail, char out[65])
{
    unsigned char md[32];
    unsigned int n = sizeof md;
    char num[64];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    hash_field(ctx, prev);
    snprintf(num, sizeof num, "%lld,%lld,%lld", id, at, actor);
    hash_field(ctx, num);
    hash_field(ctx, action);
    hash_field(ctx, otype);
    hash_field(ctx, oid);
    hash_field(ctx, detail);
    EVP_DigestFinal_ex(ctx, md, &n);
    EVP_MD_CTX_free(ctx);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Reads one row's hashing inputs and recomputes its hash independently. */
static void recompute(struct store *db, int64_t id, char out[65])
{
    struct store_stmt *st;
    out[0] = '\0';
    CHECK_EQ_INT(store_prepare(db,
                               "SELECT id, at, coalesce(actor_id, 0), action, object_type,"
                               " object_id, detail, prev_hash FROM audit_log WHERE id = ?",
                               &st),
                 0);
    store_bind_int(st, 1, id);
    CHECK_EQ_INT(store_step(st), STORE_ROW);
    expected_hash(store_col_text(st, 7), store_col_int(st, 0), store_col_int(st, 1),
                  store_col_int(st, 2), store_col_text(st, 3), store_col_text(st, 4),
                  store_col_text(st, 5), store_col_text(st, 6), out);
    store_done(st);
}

static int64_t value(struct store *db, const char *sql)
{
    int64_t v = -1;
    store_query_int(db, sql, NULL, &v);
    return v;
}

TEST(empty_chain_is_intact)
{
    struct store *db = fresh_db();
    int64_t checked = -1, bad = -1;
    char why[200];
    CHECK_EQ_INT(audit_verify(db, &checked, &bad, why, sizeof why), 0);
    CHECK_EQ_INT(checked, 0);
    store_close(db);
}

TEST(entries_chain_by_the_documented_hash)
{
    struct store *db = chain();
    char want[65], got[65] = "";
    struct store_stmt *st;
    if (!db)
        return;
    /* The first entry chains to 64 zeros; each next one to the one before. */
    CHECK_EQ_INT(value(db, "SELECT count(*) FROM audit_log WHERE id = 1 AND prev_hash ="
                           " '0000000000000000000000000000000000000000000000000000000000000000'"),
                 1);
    CHECK_EQ_INT(value(db, "SELECT count(*) FROM audit_log a JOIN audit_log b ON b.id = a.id + 1"
                           " WHERE b.prev_hash = a.hash"),
                 N - 1);
    /* The system (actor 0) is stored as NULL; a NULL detail as "{}". */
    CHECK_EQ_INT(value(db, "SELECT count(*) FROM audit_log WHERE id = 1 AND actor_id IS NULL"), 1);
    CHECK_EQ_INT(value(db, "SELECT count(*) FROM audit_log WHERE id = 5 AND detail = '{}'"), 1);
    for (int64_t id = 1; id <= N; id++) {
        recompute(db, id, want);
        CHECK_EQ_INT(store_prepare(db, "SELECT hash FROM audit_log WHERE id = ?", &st), 0);
        store_bind_int(st, 1, id);
        if (store_step(st) == STORE_ROW)
            snprintf(got, sizeof got, "%s", store_col_text(st, 0));
        store_done(st);
        CHECK_EQ_STR(got, want);
    }
    store_close(db);
}

/* Each hashed field of entry 3, changed: the chain breaks at 3. */
TEST(a_tampered_field_breaks_the_chain_at_its_entry)
{
    static const char *const edits[] = {
        "UPDATE audit_log SET at = at + 1 WHERE id = 3",
        "UPDATE audit_log SET actor_id = 99 WHERE id = 3",
        "UPDATE audit_log SET action = 'dossier.withdraw' WHERE id = 3",
        "UPDATE audit_log SET object_type = 'account' WHERE id = 3",
        "UPDATE audit_log SET object_id = '999' WHERE id = 3",
        "UPDATE audit_log SET detail = '{\"step\":30}' WHERE id = 3",
        "UPDATE audit_log SET hash = '" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        "' WHERE id = 3",
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        struct store *db = chain();
        if (!db)
            return;
        CHECK_EQ_INT(store_exec(db, edits[i]), 0);
        expect_broken(db, 3, 2, "does not match its hash");
        store_close(db);
    }
    /* A changed link to the previous entry. */
    struct store *db = chain();
    if (!db)
        return;
    CHECK_EQ_INT(store_exec(db, "UPDATE audit_log SET prev_hash = (SELECT hash FROM audit_log"
                                " WHERE id = 1) WHERE id = 3"),
                 0);
    expect_broken(db, 3, 2, "prev_hash");
    store_close(db);
}

/* A tamperer who also recomputes the entry's own hash still breaks the link
 * from the next entry. */
TEST(a_rehashed_entry_breaks_the_chain_at_the_next)
{
    struct store *db = chain();
    char h[65], sql[200];
    if (!db)
        return;
    CHECK_EQ_INT(store_exec(db, "UPDATE audit_log SET detail = '{\"step\":0}' WHERE id = 3"), 0);
    recompute(db, 3, h);
    snprintf(sql, sizeof sql, "UPDATE audit_log SET hash = '%s' WHERE id = 3", h);
    CHECK_EQ_INT(store_exec(db, sql), 0);
    expect_broken(db, 4, 3, "prev_hash");
    store_close(db);
}

TEST(a_deleted_entry_breaks_the_chain)
{
    struct store *db = chain();
    if (!db)
        return;
    CHECK_EQ_INT(store_exec(db, "DELETE FROM audit_log WHERE id = 3"), 0);
    expect_broken(db, 4, 2, "missing");
    store_close(db);
    /* The first one: the second no longer links to the zero hash. */
    db = chain();
    if (!db)
        return;
    CHECK_EQ_INT(store_exec(db, "DELETE FROM audit_log WHERE id = 1"), 0);
    expect_broken(db, 2, 0, "prev_hash");
    store_close(db);
}

TEST(reordered_entries_break_the_chain)
{
    struct store *db = chain();
    if (!db)
        return;
    /* Entries 2 and 3 swap places (their ids are exchanged). */
    CHECK_EQ_INT(store_exec(db, "UPDATE audit_log SET id = -2 WHERE id = 2;"
                                "UPDATE audit_log SET id = 2 WHERE id = 3;"
                                "UPDATE audit_log SET id = 3 WHERE id = -2;"),
                 0);
    expect_broken(db, 2, 1, "prev_hash");
    store_close(db);
    /* The same content under different ids (contents swapped, ids kept). */
    db = chain();
    if (!db)
        return;
    CHECK_EQ_INT(store_exec(db, "CREATE TEMP TABLE t AS SELECT * FROM audit_log WHERE id IN (2, 3);"
                                "UPDATE audit_log SET (at, actor_id, action, object_type,"
                                " object_id, detail, prev_hash, hash) = (SELECT at, actor_id,"
                                " action, object_type, object_id, detail, prev_hash, hash FROM t"
                                " WHERE t.id = 5 - audit_log.id) WHERE id IN (2, 3);"),
                 0);
    expect_broken(db, 2, 1, "prev_hash");
    store_close(db);
}

TEST(an_unreadable_log_is_an_error_not_a_break)
{
    struct store *db = fresh_db();
    int64_t checked = -1, bad = -1;
    char why[200] = "";
    if (!db)
        return;
    CHECK_EQ_INT(store_exec(db, "DROP TABLE audit_log"), 0);
    CHECK(audit_verify(db, &checked, &bad, why, sizeof why) < 0);
    CHECK_EQ_INT(bad, -1);
    store_close(db);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/motcua-test-audit-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(empty_chain_is_intact);
    RUN(entries_chain_by_the_documented_hash);
    RUN(a_tampered_field_breaks_the_chain_at_its_entry);
    RUN(a_rehashed_entry_breaks_the_chain_at_the_next);
    RUN(a_deleted_entry_breaks_the_chain);
    RUN(reordered_entries_break_the_chain);
    RUN(an_unreadable_log_is_an_error_not_a_break);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("  (could not remove %s)\n", dir);
    return harness_done();
}
