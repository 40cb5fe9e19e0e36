/* Tests of the store layer: migrations, the writer's group commit with
 * per-job savepoints, the audit hash chain, unit import and rate limits. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "catalog/unit.h"
#include "harness.h"
#include "http/jsonbody.h"
#include "store/migrate.h"
#include "store/store.h"
#include "store/writer.h"

static char dir[256];

static struct store *fresh_db(char *path, size_t cap)
{
    static int n;
    char err[256];
    struct store *db = NULL;
    snprintf(path, cap, "%s/t%d.db", dir, n++);
    if (store_open(path, 0, &db, err, sizeof err) || migrate_apply(db, err, sizeof err)) {
        printf("  cannot open %s: %s\n", path, err);
        return NULL;
    }
    return db;
}

static int64_t count(struct store *db, const char *sql)
{
    int64_t n = -1;
    store_query_int(db, sql, NULL, &n);
    return n;
}

TEST(migrations_are_recorded_and_idempotent)
{
    char path[300], err[256];
    struct store *db = fresh_db(path, sizeof path);
    CHECK(db != NULL);
    CHECK_EQ_INT(count(db, "SELECT max(version) FROM schema_version"), migrate_latest());
    CHECK_EQ_INT(migrate_apply(db, err, sizeof err), 0);
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM schema_version"), migrate_latest());
    store_close(db);
}

/* --- writer ----------------------------------------------------------- */

struct insert_arg {
    int value;
    int fail; /* insert, then fail: the row must roll back alone */
};

static int insert_job(struct store *db, void *arg)
{
    struct insert_arg *a = arg;
    struct store_stmt *st;
    if (store_prepare(db, "INSERT INTO settings(key, value) VALUES (?, 'x')", &st))
        return -1;
    char key[32];
    snprintf(key, sizeof key, "k%d", a->value);
    store_bind_text(st, 1, key);
    int rc = store_step(st);
    store_done(st);
    if (rc != STORE_DONE)
        return -1;
    return a->fail ? -7 : 0;
}

static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int done_count;

static void notify(struct write_job *job)
{
    pthread_mutex_lock(&done_lock);
    done_count++;
    pthread_cond_signal(&done_cond);
    pthread_mutex_unlock(&done_lock);
}

TEST(writer_batches_and_isolates_failing_jobs)
{
    char path[300], err[256];
    struct store *db = fresh_db(path, sizeof path);
    store_close(db);
    struct writer *w;
    CHECK_EQ_INT(writer_start(path, &w, err, sizeof err), 0);
    enum { N = 300 };
    static struct write_job jobs[N];
    static struct insert_arg args[N];
    done_count = 0;
    for (int i = 0; i < N; i++) {
        args[i] = (struct insert_arg){.value = i, .fail = i % 10 == 3};
        jobs[i] = (struct write_job){.fn = insert_job, .arg = &args[i], .notify = notify};
        CHECK_EQ_INT(writer_submit(w, &jobs[i]), 0);
    }
    pthread_mutex_lock(&done_lock);
    while (done_count < N)
        pthread_cond_wait(&done_cond, &done_lock);
    pthread_mutex_unlock(&done_lock);
    int failed = 0;
    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT(jobs[i].rc, args[i].fail ? -7 : 0);
        failed += args[i].fail;
    }
    struct writer_stats ws;
    writer_get_stats(w, &ws);
    CHECK_EQ_INT(ws.jobs, N);
    CHECK_EQ_INT(ws.failed_jobs, failed);
    CHECK(ws.batches >= 1 && ws.batches <= N);
    writer_stop(w);

    /* Every successful job's row is there, no failed job's row is. */
    CHECK_EQ_INT(store_open(path, 1, &db, err, sizeof err), 0);
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM settings"), N - failed);
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM settings WHERE key = 'k3'"), 0);
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM settings WHERE key = 'k4'"), 1);
    store_close(db);
}

TEST(writer_stop_runs_the_jobs_still_queued)
{
    char path[300], err[256];
    struct store *db = fresh_db(path, sizeof path);
    store_close(db);
    struct writer *w;
    CHECK_EQ_INT(writer_start(path, &w, err, sizeof err), 0);
    enum { N = 50 };
    static struct write_job jobs[N];
    static struct insert_arg args[N];
    done_count = 0;
    for (int i = 0; i < N; i++) {
        args[i] = (struct insert_arg){.value = 1000 + i};
        jobs[i] = (struct write_job){.fn = insert_job, .arg = &args[i], .notify = notify};
        writer_submit(w, &jobs[i]);
    }
    writer_stop(w); /* returns only after the queue is empty */
    CHECK_EQ_INT(done_count, N);
    CHECK_EQ_INT(store_open(path, 1, &db, err, sizeof err), 0);
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM settings"), N);
    store_close(db);
}

/* --- audit chain ------------------------------------------------------- */

static int append_three(struct store *db, void *arg)
{
    const char *actions[] = {"a.one", "a.two", "a.three"};
    for (int i = 0; i < 3; i++) {
        int rc = audit_append(db, &(struct audit_entry){.actor_id = i, .action = actions[i],
                                                        .object_type = "thing",
                                                        .object_id = "1",
                                                        .detail = "{\"n\":1}"});
        if (rc)
            return rc;
    }
    return 0;
}

TEST(audit_chain_verifies_and_names_the_first_tampered_entry)
{
    char path[300], why[200];
    int64_t checked = 0, bad = 0;
    struct store *db = fresh_db(path, sizeof path);
    CHECK_EQ_INT(store_run(db, append_three, NULL), 0);
    CHECK_EQ_INT(audit_verify(db, &checked, &bad, why, sizeof why), 0);
    CHECK_EQ_INT(checked, 3);

    CHECK_EQ_INT(store_exec(db, "UPDATE audit_log SET detail = '{\"n\":2}' WHERE id = 2"), 0);
    CHECK_EQ_INT(audit_verify(db, &checked, &bad, why, sizeof why), 1);
    CHECK_EQ_INT(bad, 2);
    CHECK_EQ_INT(checked, 1);
    store_close(db);
}

TEST(audit_chain_detects_a_deleted_entry)
{
    char path[300], why[200];
    int64_t checked = 0, bad = 0;
    struct store *db = fresh_db(path, sizeof path);
    CHECK_EQ_INT(store_run(db, append_three, NULL), 0);
    CHECK_EQ_INT(store_exec(db, "DELETE FROM audit_log WHERE id = 2"), 0);
    CHECK_EQ_INT(audit_verify(db, &checked, &bad, why, sizeof why), 1);
    CHECK_EQ_INT(bad, 3);
    store_close(db);
}

/* --- units --------------------------------------------------------------- */

struct import {
    const char *csv;
    int n;
    char err[300];
};

static int import_job(struct store *db, void *arg)
{
    struct import *im = arg;
    return unit_import_csv(db, im->csv, strlen(im->csv), &im->n, im->err, sizeof im->err);
}

TEST(unit_import_builds_paths_of_any_depth)
{
    char path[300];
    struct store *db = fresh_db(path, sizeof path);
    struct import im = {.csv = "code,name,level,parent_code\n"
                               "000.00.00.H56,UBND tỉnh Thanh Hóa,province,\n"
                               "000.00.03.H56,Sở Tư pháp,department,000.00.00.H56\n"
                               "000.03.01.H56,\"Phòng Hộ tịch, Quốc tịch\",office,000.00.03.H56\n"};
    CHECK_EQ_INT(store_run(db, import_job, &im), 0);
    CHECK_EQ_INT(im.n, 3);
    struct unit u, root, mid;
    CHECK_EQ_INT(unit_by_code(db, "000.03.01.H56", &u), STORE_ROW);
    CHECK_EQ_INT(unit_by_code(db, "000.00.00.H56", &root), STORE_ROW);
    CHECK_EQ_INT(unit_by_code(db, "000.00.03.H56", &mid), STORE_ROW);
    CHECK_EQ_STR(u.name, "Phòng Hộ tịch, Quốc tịch");
    CHECK_EQ_STR(u.parent_code, "000.00.03.H56");
    char want[128];
    snprintf(want, sizeof want, "/%lld/%lld/%lld/", (long long)root.id, (long long)mid.id,
             (long long)u.id);
    CHECK_EQ_STR(u.path, want);
    store_close(db);
}

TEST(unit_import_keeps_abbreviations_for_document_numbers)
{
    char path[300];
    struct store *db = fresh_db(path, sizeof path);
    struct import im = {.csv = "code,name,level,parent_code,demo_code,abbreviation\n"
                               "000.00.00.H56,UBND tỉnh Thanh Hóa,province,,0,UBND\n"
                               "000.00.10.H56,Sở Giáo dục và Đào tạo,department,000.00.00.H56,1,"
                               "SGDĐT\n"};
    CHECK_EQ_INT(store_run(db, import_job, &im), 0);
    struct unit u;
    CHECK_EQ_INT(unit_by_code(db, "000.00.10.H56", &u), STORE_ROW);
    CHECK_EQ_STR(u.abbreviation, "SGDĐT");
    /* A later import without the column keeps it; one with it changes it. */
    struct import again = {.csv = "code,name,level,parent_code\n"
                                  "000.00.10.H56,Sở GD&ĐT,department,000.00.00.H56\n"};
    CHECK_EQ_INT(store_run(db, import_job, &again), 0);
    CHECK_EQ_INT(unit_by_code(db, "000.00.10.H56", &u), STORE_ROW);
    CHECK_EQ_STR(u.name, "Sở GD&ĐT");
    CHECK_EQ_STR(u.abbreviation, "SGDĐT");
    struct import renamed = {.csv = "code,name,level,parent_code,demo_code,abbreviation\n"
                                    "000.00.10.H56,Sở GD&ĐT,department,000.00.00.H56,1,SGD\n"};
    CHECK_EQ_INT(store_run(db, import_job, &renamed), 0);
    CHECK_EQ_INT(unit_by_code(db, "000.00.10.H56", &u), STORE_ROW);
    CHECK_EQ_STR(u.abbreviation, "SGD");
    store_close(db);
}

TEST(unit_import_refuses_bad_lines_and_changes_nothing)
{
    char path[300];
    struct store *db = fresh_db(path, sizeof path);
    const char *bad[] = {
        "code,name,level,parent_code\n000.00.00.H56,A,province,\n12.34,B,commune,\n",
        "code,name,level,parent_code\n000.00.00.H56,A,province,\n000.00.01.H56,B,planet,\n",
        "code,name,level,parent_code\n000.00.01.H56,B,commune,000.00.09.H56\n",
        "name,code\nA,000.00.00.H56\n",
        "code,name,level,parent_code\n000.00.00.H56,\"unterminated,province,\n",
        "code,name,level,parent_code\n000.00.00.H56,A,province,,0,UB-ND\n",
        "code,name,level,parent_code\n000.00.00.H56,A,province,,0,UBND/TH\n",
        "code,name,level,parent_code\n000.00.00.H56,A,province,,0,AAAAAAAAAAAAAAAAAAAAAAAAA\n",
        "code,name,level,parent_code\n000.00.00.H56,A,province,,0,UBND,x,y\n",
    };
    const char *expect[] = {"line 3", "line 3", "line 2", "line 1", "line 2",
                            "line 2: the abbreviation 'UB-ND'", "line 2: the abbreviation",
                            "line 2: the abbreviation", "line 2: expected"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct import im = {.csv = bad[i]};
        CHECK(store_run(db, import_job, &im) != 0);
        CHECK(strstr(im.err, expect[i]) != NULL);
        CHECK_EQ_INT(count(db, "SELECT count(*) FROM units"), 0);
    }
    store_close(db);
}

TEST(unit_codes_follow_qd20_shape)
{
    CHECK(unit_code_valid("000.00.00.H56"));
    CHECK(unit_code_valid("000.17.22.H56"));
    CHECK(unit_code_valid("000.00.00.G22"));
    CHECK(!unit_code_valid("000.00.00.Z56"));
    CHECK(!unit_code_valid("000.00.00.H5"));
    CHECK(!unit_code_valid("000-00-00-H56"));
    CHECK(!unit_code_valid(""));
}

/* --- rate limiting ---------------------------------------------------------- */

/* --- JSON bodies ------------------------------------------------------------- */

TEST(json_bodies_are_bounded_objects)
{
    char msg[300];
    int status;
    json_t *j = jsonbody_parse_object("{\"a\":\"b\"}", 9, &status, msg, sizeof msg);
    CHECK(j != NULL);
    json_decref(j);
    CHECK(jsonbody_parse_object("[1]", 3, &status, msg, sizeof msg) == NULL);
    CHECK_EQ_INT(status, 400);
    CHECK(jsonbody_parse_object("{\"a\":1,\"a\":2}", 13, &status, msg, sizeof msg) == NULL);
    CHECK_EQ_INT(status, 400);
    CHECK(jsonbody_parse_object("{", 1, &status, msg, sizeof msg) == NULL);
    CHECK_EQ_INT(status, 400);
    char deep[200];
    int n = 0;
    n += snprintf(deep + n, sizeof deep - (size_t)n, "{\"a\":");
    for (int i = 0; i < 20; i++)
        n += snprintf(deep + n, sizeof deep - (size_t)n, "[");
    for (int i = 0; i < 20; i++)
        n += snprintf(deep + n, sizeof deep - (size_t)n, "]");
    n += snprintf(deep + n, sizeof deep - (size_t)n, "}");
    CHECK(jsonbody_parse_object(deep, (size_t)n, &status, msg, sizeof msg) == NULL);
    CHECK_EQ_INT(status, 400);
    static char big[JSONBODY_MAX + 2];
    memset(big, ' ', sizeof big);
    CHECK(jsonbody_parse_object(big, sizeof big, &status, msg, sizeof msg) == NULL);
    CHECK_EQ_INT(status, 413);
}

TEST(json_strings_are_checked_for_text_and_length)
{
    json_t *ok = json_string("Nguyễn Văn An"), *ctl = json_string("a\tb"), *num = json_integer(1);
    json_t *empty = json_string(""), *nul = json_stringn("a\0b", 3);
    CHECK(jsonbody_check_string(ok, 1, 13) == NULL);
    CHECK_EQ_STR(jsonbody_check_string(ok, 1, 12), "bad_length");
    CHECK_EQ_STR(jsonbody_check_string(ctl, 1, 10), "bad_text");
    CHECK_EQ_STR(jsonbody_check_string(num, 1, 10), "bad_type");
    CHECK_EQ_STR(jsonbody_check_string(empty, 1, 10), "required");
    CHECK_EQ_STR(jsonbody_check_string(nul, 1, 10), "bad_text");
    /* Multi-line text: line feeds, CR LF and tabs; no lone CR, no other controls. */
    json_t *lines = json_string("Thiếu:\r\n- bản sao\n\t- ảnh"), *cr = json_string("a\rb");
    json_t *bell = json_string("a\ab"), *nl = json_string("\n");
    CHECK(jsonbody_check_text(lines, 1, 100) == NULL);
    CHECK(jsonbody_check_text(ctl, 1, 10) == NULL);
    CHECK_EQ_STR(jsonbody_check_string(lines, 1, 100), "bad_text");
    CHECK_EQ_STR(jsonbody_check_text(cr, 1, 10), "bad_text");
    CHECK_EQ_STR(jsonbody_check_text(bell, 1, 10), "bad_text");
    CHECK_EQ_STR(jsonbody_check_text(nul, 1, 10), "bad_text");
    CHECK_EQ_STR(jsonbody_check_text(ok, 1, 12), "bad_length");
    CHECK(jsonbody_check_text(nl, 1, 1) == NULL);
    json_decref(ok);
    json_decref(ctl);
    json_decref(num);
    json_decref(empty);
    json_decref(nul);
    json_decref(lines);
    json_decref(cr);
    json_decref(bell);
    json_decref(nl);
}

static int read_pair(struct store_stmt *st, void *out)
{
    int64_t *v = out;
    v[0] = store_col_is_null(st, 0) ? -1 : store_col_int(st, 0);
    v[1] = store_col_is_null(st, 1) ? -1 : store_col_int(st, 1);
    return STORE_ROW;
}

TEST(typed_binds_run_whole_statements)
{
    char path[400];
    struct store *db = fresh_db(path, sizeof path);
    CHECK(db != NULL);
    if (!db)
        return;
    CHECK_EQ_INT(store_exec(db, "CREATE TABLE t(a INTEGER, b INTEGER, s TEXT)"), 0);
    /* BIND_ID: 0 is NULL; BIND_TEXT(NULL) and BIND_NULL too. */
    CHECK_EQ_INT(store_exec_all(db, "INSERT INTO t VALUES (?, ?, ?)", BIND_INT(0), BIND_ID(0),
                                BIND_TEXT(NULL)),
                 0);
    CHECK_EQ_INT(store_exec_all(db, "INSERT INTO t VALUES (?, ?, ?)", BIND_INT(7), BIND_ID(9),
                                BIND_TEXT("bảy")),
                 0);
    CHECK_EQ_INT(store_exec_all(db, "INSERT INTO t VALUES (?, ?, ?)", BIND_INT(8), BIND_NULL,
                                BIND_TEXT("tám")),
                 0);
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM t WHERE b IS NULL"), 2);
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM t WHERE s IS NULL"), 1);
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM t WHERE a = 0"), 1); /* BIND_INT(0) is 0 */
    /* One row, read by a callback; none; an integer. */
    int64_t pair[2] = {0, 0}, n = 0;
    CHECK_EQ_INT(store_one(db, "SELECT a, b FROM t WHERE s = ?", read_pair, pair,
                           BIND_TEXT("bảy")),
                 STORE_ROW);
    CHECK_EQ_INT(pair[0], 7);
    CHECK_EQ_INT(pair[1], 9);
    CHECK_EQ_INT(store_one(db, "SELECT a, b FROM t WHERE s = ?", read_pair, pair,
                           BIND_TEXT("chín")),
                 STORE_DONE);
    CHECK_EQ_INT(store_int(db, "SELECT sum(a) FROM t WHERE a >= ? AND a <= ?", &n, BIND_INT(7),
                           BIND_INT(8)),
                 STORE_ROW);
    CHECK_EQ_INT(n, 15);
    /* A statement that returns a row is not something to execute; an error
     * is reported, not ignored, and the connection stays usable. */
    CHECK_EQ_INT(store_exec_all(db, "SELECT a FROM t WHERE a = ?", BIND_INT(7)), STORE_ERR);
    CHECK(store_exec_all(db, "INSERT INTO nowhere VALUES (?)", BIND_INT(1)) < 0);
    struct store_stmt *st = (struct store_stmt *)1;
    CHECK(store_prepare_all(db, "SELECT a FROM t WHERE a = ?", &st, BIND_INT(1), BIND_INT(2)) <
          0); /* one parameter, two values */
    CHECK(st == NULL);
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM t"), 3);
    store_close(db);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/motcua-test-store-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(migrations_are_recorded_and_idempotent);
    RUN(writer_batches_and_isolates_failing_jobs);
    RUN(writer_stop_runs_the_jobs_still_queued);
    RUN(audit_chain_verifies_and_names_the_first_tampered_entry);
    RUN(audit_chain_detects_a_deleted_entry);
    RUN(unit_import_builds_paths_of_any_depth);
    RUN(unit_import_keeps_abbreviations_for_document_numbers);
    RUN(unit_import_refuses_bad_lines_and_changes_nothing);
    RUN(unit_codes_follow_qd20_shape);
    RUN(json_bodies_are_bounded_objects);
    RUN(json_strings_are_checked_for_text_and_length);
    RUN(typed_binds_run_whole_statements);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("  (could not remove %s)\n", dir);
    return harness_done();
}
