/* Tests of the exchange message log's proof and retention (node/msglog.h):
 * the stamping of logged envelopes (one token per envelope, over its bytes;
 * a failure kept on the rows and retried only after the wait), the
 * retention's bounds, and the purge (old finished rows only; an envelope
 * file only when no remaining row names it; a dry run changes nothing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "harness.h"
#include "node/msglog.h"
#include "sign/tsa.h"
#include "sign/tsa_server.h"
#include "store/migrate.h"
#include "store/store.h"

static char dir[256], files[300];
static struct store *db;
static struct tsa_server *tsa;

static int64_t count(const char *sql)
{
    int64_t n = -1;
    store_query_int(db, sql, NULL, &n);
    return n;
}

static void text_of(const char *sql, char *out, size_t cap)
{
    struct store_stmt *st;
    out[0] = 0;
    if (store_prepare(db, sql, &st) == 0) {
        if (store_step(st) == STORE_ROW)
            copy_str(out, cap, store_col_text(st, 0));
        store_done(st);
    }
}

/* Stores data in the file store as the sender and inbox do; its hex into sha. */
static void put_file(const char *data, char sha[65])
{
    unsigned char h[32];
    char sub[400], path[500];
    sha256(data, strlen(data), h);
    hex_encode(h, 32, sha);
    snprintf(sub, sizeof sub, "%s/%.2s", files, sha);
    mkdir_p(sub);
    snprintf(path, sizeof path, "%s/%s", sub, sha);
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(data, f);
        fclose(f);
    }
}

static int file_exists(const char *sha)
{
    char path[500];
    snprintf(path, sizeof path, "%s/%.2s/%s", files, sha, sha);
    return access(path, F_OK) == 0;
}

/* A row of the log: direction, to, envelope (NULL: none), state, created_at. */
static void add_row(const char *dirn, const char *edxml_id, const char *to, const char *sha,
                    const char *state, int64_t at)
{
    int rc = store_exec_all(db,
                            "INSERT INTO exchange_messages(direction, kind, edxml_id, from_organ,"
                            " to_organ, envelope_sha256, state, created_at, updated_at)"
                            " VALUES (?, 'document', ?, '000.01.90.H56', ?, ?, ?, ?, ?)",
                            BIND_TEXT(dirn), BIND_TEXT(edxml_id), BIND_TEXT(to), BIND_TEXT(sha),
                            BIND_TEXT(state), BIND_INT(at), BIND_INT(at));
    CHECK_EQ_INT(rc, 0);
}

static int failing_stamp(void *ctx, const unsigned char *data, size_t len, unsigned char **token,
                         size_t *token_len)
{
    (void)ctx, (void)data, (void)len, (void)token, (void)token_len;
    return -1;
}

TEST(one_token_per_envelope_over_its_bytes)
{
    char err[256], sha[65], other[65], got[300];
    const char *envelope = "<edXML:Envelope>văn bản thử</edXML:Envelope>";
    put_file(envelope, sha);
    /* An envelope naming two local units: two rows, one envelope. */
    add_row("in", "A,2026/12/08,01/UBND-VP", "000.02.90.H56", sha, "received", 100);
    add_row("in", "A,2026/12/08,01/UBND-VP", "000.03.90.H56", sha, "received", 100);
    /* A row whose envelope is not in the file store, and one without. */
    snprintf(other, sizeof other, "%064d", 7);
    add_row("in", "B", "000.02.90.H56", other, "received", 100);
    add_row("out", "C", "000.02.90.H56", NULL, "pending", 100);
    /* A refusal: its bytes are not kept (docs/exchange.md "Receiving"), so it gets no token,
     * even when another row kept the same bytes. */
    add_row("in", "R", "000.02.90.H56", sha, "refused", 100);

    CHECK_EQ_INT(msglog_stamp_missing(db, files, tsa_server_timestamp_cb, tsa, 1000, 16, 600, err,
                                      sizeof err),
                 1);
    CHECK_EQ_INT(count("SELECT count(*) FROM exchange_messages WHERE tsa_token IS NOT NULL"), 2);
    CHECK_EQ_INT(count("SELECT count(DISTINCT tsa_token) FROM exchange_messages"
                       " WHERE tsa_token IS NOT NULL"),
                 1);
    CHECK_EQ_INT(count("SELECT count(*) FROM exchange_messages WHERE tsa_time IS NOT NULL"
                       " AND tsa_name <> '' AND tsa_error = ''"),
                 2);
    /* The token timestamps exactly the envelope's bytes, under the TSA's certificate. */
    struct store_stmt *st;
    CHECK_EQ_INT(store_prepare(db, "SELECT tsa_token FROM exchange_messages WHERE tsa_token"
                                   " IS NOT NULL LIMIT 1", &st), 0);
    CHECK_EQ_INT(store_step(st), STORE_ROW);
    int n = 0;
    const unsigned char *tok = store_col_blob(st, 0, &n);
    unsigned char h[32], wrong[32];
    sha256(envelope, strlen(envelope), h);
    memcpy(wrong, h, 32);
    wrong[0] ^= 1;
    X509_STORE *trust = X509_STORE_new();
    X509_STORE_add_cert(trust, tsa_server_cert(tsa));
    CHECK_EQ_INT(tsa_token_verify(tok, (size_t)n, h, trust, err, sizeof err), 0);
    CHECK_EQ_INT(tsa_token_verify(tok, (size_t)n, wrong, trust, err, sizeof err), -1);
    X509_STORE_free(trust);
    store_done(st);
    /* The missing file: kept as a failure, not tried again within the wait. */
    text_of("SELECT tsa_error FROM exchange_messages WHERE edxml_id = 'B'", got, sizeof got);
    CHECK(strstr(got, "cannot be read") != NULL);
    CHECK_EQ_INT(count("SELECT tsa_tried_at FROM exchange_messages WHERE edxml_id = 'B'"), 1000);
    CHECK_EQ_INT(msglog_stamp_missing(db, files, tsa_server_timestamp_cb, tsa, 1599, 16, 600, err,
                                      sizeof err),
                 0);
    CHECK_EQ_INT(count("SELECT tsa_tried_at FROM exchange_messages WHERE edxml_id = 'B'"), 1000);
    /* A TSA that refuses: the new envelope's row keeps why; B is tried again (its wait
     * is over) and fails again. */
    char third[65];
    put_file("<edXML:Envelope>thứ ba</edXML:Envelope>", third);
    add_row("out", "D", "000.02.90.H56", third, "delivered", 100);
    CHECK_EQ_INT(msglog_stamp_missing(db, files, failing_stamp, NULL, 1600, 16, 600, err,
                                      sizeof err),
                 0);
    text_of("SELECT tsa_error FROM exchange_messages WHERE edxml_id = 'D'", got, sizeof got);
    CHECK(strstr(got, "gave no token") != NULL);
    CHECK_EQ_INT(count("SELECT count(*) FROM exchange_messages WHERE tsa_tried_at = 1600"), 2);
    CHECK_EQ_INT(count("SELECT count(*) FROM exchange_messages WHERE edxml_id = 'D' AND"
                       " tsa_token IS NULL"),
                 1);
    /* A row that comes to name another envelope loses its token. */
    CHECK_EQ_INT(store_exec_all(db, "UPDATE exchange_messages SET envelope_sha256 = ? WHERE"
                                    " edxml_id LIKE 'A,%' AND to_organ = '000.03.90.H56'",
                                BIND_TEXT(third)),
                 0);
    CHECK_EQ_INT(count("SELECT count(*) FROM exchange_messages WHERE tsa_token IS NOT NULL"), 1);
    CHECK_EQ_INT(count("SELECT count(*) FROM exchange_messages WHERE edxml_id LIKE 'A,%' AND"
                       " tsa_time IS NULL AND tsa_name = ''"),
                 1);
    /* Nothing touched the row without an envelope. */
    CHECK_EQ_INT(count("SELECT count(*) FROM exchange_messages WHERE edxml_id = 'C' AND"
                       " tsa_token IS NULL AND tsa_tried_at IS NULL AND tsa_error = ''"),
                 1);
    CHECK_EQ_INT(store_exec(db, "DELETE FROM exchange_messages"), 0);
}

TEST(retention_bounds)
{
    struct derr e = {0};
    int y = 0;
    CHECK_EQ_INT(msglog_retention_get(db, &y), STORE_DONE);
    CHECK_EQ_INT(y, 10);
    CHECK_EQ_INT(msglog_retention_set(db, 0, 5, &e), -1);
    CHECK_EQ_STR(e.code, "bad_retention");
    CHECK_EQ_INT(msglog_retention_set(db, 101, 5, &e), -1);
    CHECK_EQ_INT(count("SELECT count(*) FROM exchange_retention"), 0);
    CHECK_EQ_INT(msglog_retention_set(db, 100, 5, &e), 0);
    CHECK_EQ_INT(msglog_retention_set(db, 1, 6, &e), 0);
    CHECK_EQ_INT(msglog_retention_get(db, &y), STORE_ROW);
    CHECK_EQ_INT(y, 1);
    derr_clear(&e);
}

TEST(purge_keeps_what_is_young_or_still_to_send)
{
    char err[256], a[65], b[65], c[65];
    struct msglog_purge p;
    struct derr e = {0};
    int64_t now = 2000000000, year = MSGLOG_YEAR;
    CHECK_EQ_INT(msglog_retention_set(db, 2, now, &e), 0);
    put_file("<a/>", a);
    put_file("<b/>", b);
    put_file("<c/>", c);
    add_row("out", "old-a", "X", a, "delivered", now - 3 * year);   /* goes, a stays: */
    add_row("in", "young-a", "X", a, "received", now - year);       /* named here */
    add_row("in", "old-b", "X", b, "refused", now - 3 * year);      /* goes with b */
    add_row("out", "old-pending", "X", c, "pending", now - 3 * year); /* stays, and c */
    add_row("out", "old-sending", "Y", NULL, "sending", now - 3 * year);
    add_row("out", "old-failed", "Z", NULL, "failed", now - 2 * year - 60); /* goes */

    CHECK_EQ_INT(msglog_purge(db, files, now, 1, &p, err, sizeof err), 0);
    CHECK_EQ_INT(p.rows, 3);
    CHECK_EQ_INT(p.files, 1);
    CHECK_EQ_INT(p.years, 2);
    CHECK_EQ_INT(count("SELECT count(*) FROM exchange_messages"), 6);
    CHECK(file_exists(b));

    CHECK_EQ_INT(msglog_purge(db, files, now, 0, &p, err, sizeof err), 0);
    CHECK_EQ_INT(p.rows, 3);
    CHECK_EQ_INT(p.files, 1);
    CHECK_EQ_INT(count("SELECT count(*) FROM exchange_messages WHERE edxml_id IN"
                       " ('young-a', 'old-pending', 'old-sending')"),
                 3);
    CHECK_EQ_INT(count("SELECT count(*) FROM exchange_messages"), 3);
    CHECK(file_exists(a));
    CHECK(!file_exists(b));
    CHECK(file_exists(c));
    CHECK_EQ_INT(msglog_purge(db, files, now, 0, &p, err, sizeof err), 0);
    CHECK_EQ_INT(p.rows, 0);
    derr_clear(&e);
}

int main(void)
{
    char err[256], path[400];
    int generated = 0;
    snprintf(dir, sizeof dir, "/tmp/motcua-msglog-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    snprintf(files, sizeof files, "%s/files", dir);
    snprintf(path, sizeof path, "%s/t.db", dir);
    if (store_open(path, 0, &db, err, sizeof err) || migrate_apply(db, err, sizeof err) ||
        tsa_server_open_demo(NULL, NULL, &tsa, &generated, err, sizeof err)) {
        printf("setup: %s\n", err);
        return 1;
    }
    RUN(one_token_per_envelope_over_its_bytes);
    RUN(retention_bounds);
    RUN(purge_keeps_what_is_young_or_still_to_send);
    tsa_server_free(tsa);
    store_close(db);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("cannot remove %s\n", dir);
    return harness_done();
}
