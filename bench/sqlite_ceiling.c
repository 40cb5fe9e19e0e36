/* sqlite_ceiling: the storage ceilings for durable submissions, with the
 * pragmas the server's write connection uses (WAL, synchronous=FULL):
 *   inserts  raw rows, one transaction (and so one fsync) per row;
 *   submits  the rows a submission writes (the dossier, its counter, event,
 *            hold, hash-chained audit entry, notification and report
 *            counters), each job in a savepoint, in transactions of the
 *            writer's batch size: the work of the writer minus everything
 *            that is not a write (checks, reads, JSON, HTTP).
 * Also copies a live database (copy) and runs one-column queries for
 * bench/run (query) without needing the sqlite3 shell. */
#include <errno.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/stats_sql.h"

static const char usage[] =
    "usage: sqlite_ceiling inserts DB ROW_BYTES SECONDS MAX_ROWS\n"
    "         insert rows of about ROW_BYTES into a fresh table of DB, one commit\n"
    "         per row, for SECONDS or MAX_ROWS rows; print the rate\n"
    "       sqlite_ceiling submits DB IDS FIRST COUNT BATCH\n"
    "         write the rows of the submissions of drafts FIRST..FIRST+COUNT-1\n"
    "         (0-based lines of the file IDS; a line's last field is the dossier\n"
    "         id), BATCH jobs a transaction (a mean: may be fractional), each job\n"
    "         in a savepoint; print the rate\n"
    "       sqlite_ceiling copy SRC DST\n"
    "         copy database SRC (which may be in use) to DST with the backup API\n"
    "       sqlite_ceiling query DB SQL\n"
    "         print the first column of every result row (read-only)\n";

/* Vietnam's offset from UTC: the server's local day (dossier codes, report
 * counters) begins at 17:00 UTC. */
#define TZ_OFFSET (7 * 3600)

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "sqlite_ceiling: %s: %s\n", sql, err ? err : "?");
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

static int cmd_inserts(const char *path, const char *bytes_s, const char *secs_s,
                       const char *max_s)
{
    long bytes, secs, max;
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL;
    char *payload = NULL;
    int rc = 1;
    if (parse_long(bytes_s, 1, 1 << 20, &bytes) || parse_long(secs_s, 1, 600, &secs) ||
        parse_long(max_s, 1, 100000000, &max)) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    payload = malloc((size_t)bytes + 1);
    if (!payload)
        goto out;
    /* Text that does not compress to nothing: the row really is this big. */
    for (long i = 0; i < bytes; i++)
        payload[i] = (char)('a' + (i * 7 + i / 26) % 26);
    payload[bytes] = '\0';
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        fprintf(stderr, "sqlite_ceiling: cannot open %s\n", path);
        goto out;
    }
    sqlite3_busy_timeout(db, 10000);
    /* The same setup as the server's write connection (src/store). */
    if (exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;") ||
        exec(db, "DROP TABLE IF EXISTS ceiling;"
                 "CREATE TABLE ceiling (id INTEGER PRIMARY KEY, code TEXT UNIQUE, "
                 "state TEXT NOT NULL, created_at INTEGER NOT NULL, payload TEXT NOT NULL)"))
        goto out;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO ceiling(code, state, created_at, payload) "
                           "VALUES (?, 'submitted', ?, ?)",
                           -1, &ins, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite_ceiling: %s\n", sqlite3_errmsg(db));
        goto out;
    }
    double t0 = now_sec(), end = t0 + (double)secs, t1 = t0;
    long n = 0;
    while (n < max && (t1 = now_sec()) < end) {
        char code[64];
        snprintf(code, sizeof code, "000.00.00.H56-000000-%08ld", n + 1);
        if (exec(db, "BEGIN IMMEDIATE"))
            goto out;
        sqlite3_bind_text(ins, 1, code, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 2, (sqlite3_int64)time(NULL));
        sqlite3_bind_text(ins, 3, payload, (int)bytes, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            fprintf(stderr, "sqlite_ceiling: insert: %s\n", sqlite3_errmsg(db));
            goto out;
        }
        sqlite3_reset(ins);
        if (exec(db, "COMMIT"))
            goto out;
        n++;
    }
    t1 = now_sec();
    printf("ceiling rows=%ld row_bytes=%ld seconds=%.3f rate=%.1f\n", n, bytes, t1 - t0,
           (double)n / (t1 - t0));
    rc = 0;
out:
    sqlite3_finalize(ins);
    sqlite3_close(db);
    free(payload);
    return rc;
}

/* --- submits: the rows of a submission, batched as the writer does ----- */

/* What the writes of one submission need to know of its draft, read before
 * the clock starts: the server reads it inside the job, the ceiling does
 * not (it measures the writes). */
struct draft {
    int64_t id, unit_id, procedure_id, owner_id;
    int has_files, level_old;
    char unit_code[64], level_d42[16];
    char name[256], address[512], phone[32], email[256], folded[256];
};

/* The applicant as the server takes it (src/dossier/dossier.c
 * applicant_field and default_contact): the form field the procedure names,
 * else what the dossier or the owner's account says. The folded name is
 * lower-cased ASCII only, where the server also strips the diacritics: the
 * same column, a few bytes longer here. */
static const char draft_sql[] =
    "SELECT d.unit_id, u.code, d.procedure_id, coalesce(d.owner_id, 0), p.level_d42, p.level_old,"
    " EXISTS (SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id),"
    " coalesce(nullif(json_extract(d.form, '$.' || json_extract(p.applicant, '$.name')), ''),"
    "  nullif(d.applicant_name, ''), a.full_name, ''),"
    " coalesce(nullif(json_extract(d.form, '$.' || json_extract(p.applicant, '$.address')), ''),"
    "  d.applicant_address),"
    " coalesce(nullif(json_extract(d.form, '$.' || json_extract(p.applicant, '$.phone')), ''),"
    "  nullif(d.applicant_phone, ''), a.phone, ''),"
    " coalesce(nullif(json_extract(d.form, '$.' || json_extract(p.applicant, '$.email')), ''),"
    "  nullif(d.applicant_email, ''), a.email, '')"
    " FROM dossiers d JOIN units u ON u.id = d.unit_id JOIN procedures p ON p.id = d.procedure_id"
    " LEFT JOIN accounts a ON a.id = d.owner_id WHERE d.id = ? AND d.state = 'draft'";

/* The statements of a batch and of one job, with the server's SQL
 * (src/store/writer.c, src/dossier/dossier.c, src/audit/audit.c,
 * src/notify/notify.c, src/report/stats.c), each prepared once as the
 * server's statement cache does. */
enum {
    S_BEGIN, S_COMMIT, S_SAVEPOINT, S_RELEASE, S_COUNTER, S_UPDATE, S_EVENT, S_HOLD, S_AUDIT,
    S_OUTBOX, S_DAILY, S_MONTHLY, S_N
};

#define NFIGS STATS_SQL_NFIGS

static const char *const job_sql[S_N] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_SAVEPOINT] = "SAVEPOINT job",
    [S_RELEASE] = "RELEASE job",
    [S_COUNTER] = "INSERT INTO dossier_counters(unit_id, day, last) VALUES (?, ?, 1)"
                  " ON CONFLICT(unit_id, day) DO UPDATE SET last = last + 1 RETURNING last",
    [S_UPDATE] = "UPDATE dossiers SET code = ?, state = ?, status_code = ?,"
                 " submitted_at = ?, due_at = ?5, first_due_at = ?5, updated_at = ?,"
                 " applicant_name = ?, applicant_address = ?, applicant_phone = ?,"
                 " applicant_email = ?, current_unit_id = unit_id, applicant_folded = ?"
                 " WHERE id = ?",
    [S_EVENT] = "INSERT INTO dossier_events(dossier_id, at, action, from_state, state,"
                " status_code, note, actor_id, unit_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [S_HOLD] = "INSERT INTO dossier_holds(dossier_id, unit_id, from_at)"
               " SELECT id, unit_id, ? FROM dossiers WHERE id = ?",
    [S_AUDIT] = "INSERT INTO audit_log(id, at, actor_id, action, object_type, object_id,"
                " detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [S_OUTBOX] = "INSERT INTO notify_outbox(dossier_id, event_id, channel, recipient,"
                 " subject, body, next_attempt_at, created_at)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?7, ?7)"
                 " ON CONFLICT(event_id, channel) DO NOTHING",
    [S_DAILY] = STATS_UPSERT_DAILY_SQL,
    [S_MONTHLY] = STATS_UPSERT_MONTHLY_SQL,
};

/* Everything a run of jobs shares: the statements, the head of the audit
 * chain (the server reads it back from audit_log in every job; here it is
 * kept in memory) and the notification text. */
struct batch_run {
    sqlite3 *db;
    sqlite3_stmt *st[S_N];
    EVP_MD_CTX *md;
    int64_t audit_id;
    char audit_hash[65];
    char subject[256];
    char *body;
};

/* Steps a statement without result rows and resets it. */
static int step_done(struct batch_run *r, int which)
{
    int s = sqlite3_step(r->st[which]);
    sqlite3_reset(r->st[which]);
    if (s == SQLITE_DONE)
        return 0;
    fprintf(stderr, "sqlite_ceiling: %.60s...: %s\n", job_sql[which], sqlite3_errmsg(r->db));
    return -1;
}

static void add_field(EVP_MD_CTX *md, const char *s)
{
    char len[24];
    size_t n = strlen(s);
    int k = snprintf(len, sizeof len, "%zu:", n);
    EVP_DigestUpdate(md, len, (size_t)k);
    EVP_DigestUpdate(md, s, n);
}

/* The audit entry's hash as src/audit/audit.c computes it: SHA-256 over
 * the previous hash and the length-prefixed fields, hex encoded. */
static void audit_hash(struct batch_run *r, int64_t id, int64_t at, int64_t actor,
                       const char *oid, const char *detail, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    char num[64];
    unsigned char d[32];
    unsigned int dlen = sizeof d;
    EVP_DigestInit_ex(r->md, EVP_sha256(), NULL);
    add_field(r->md, r->audit_hash);
    snprintf(num, sizeof num, "%lld,%lld,%lld", (long long)id, (long long)at, (long long)actor);
    add_field(r->md, num);
    add_field(r->md, "dossier.submit");
    add_field(r->md, "dossier");
    add_field(r->md, oid);
    add_field(r->md, detail);
    EVP_DigestFinal_ex(r->md, d, &dlen);
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}

static int local_ymd(int64_t t)
{
    time_t local = (time_t)(t + TZ_OFFSET);
    struct tm tm;
    gmtime_r(&local, &tm);
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

/* One submission's writes, in the server's order, inside a savepoint. */
static int submit_one(struct batch_run *r, const struct draft *d)
{
    sqlite3_stmt **st = r->st;
    int64_t now = (int64_t)time(NULL), n = 0;
    /* The server's calendar finds the appointment (working hours, holidays):
     * computing, not writing; any time of the same width does here. */
    int64_t due = now + 86400;
    int ymd = local_ymd(now);
    char day[8], code[96], oid[24], detail[200], hash[65];
    snprintf(day, sizeof day, "%06d", ymd % 1000000);
    if (step_done(r, S_SAVEPOINT))
        return -1;

    sqlite3_bind_int64(st[S_COUNTER], 1, d->unit_id);
    sqlite3_bind_text(st[S_COUNTER], 2, day, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st[S_COUNTER]) == SQLITE_ROW)
        n = sqlite3_column_int64(st[S_COUNTER], 0);
    if (n <= 0 || step_done(r, S_COUNTER))
        return -1;
    snprintf(code, sizeof code, "%s-%s-%04lld", d->unit_code, day, (long long)n);

    sqlite3_stmt *u = st[S_UPDATE];
    sqlite3_bind_text(u, 1, code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(u, 2, "submitted", -1, SQLITE_STATIC);
    sqlite3_bind_int(u, 3, 1);
    sqlite3_bind_int64(u, 4, now);
    sqlite3_bind_int64(u, 5, due);
    sqlite3_bind_int64(u, 6, now);
    sqlite3_bind_text(u, 7, d->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(u, 8, d->address, -1, SQLITE_STATIC);
    sqlite3_bind_text(u, 9, d->phone, -1, SQLITE_STATIC);
    sqlite3_bind_text(u, 10, d->email, -1, SQLITE_STATIC);
    sqlite3_bind_text(u, 11, d->folded, -1, SQLITE_STATIC);
    sqlite3_bind_int64(u, 12, d->id);
    if (step_done(r, S_UPDATE))
        return -1;

    sqlite3_stmt *e = st[S_EVENT];
    sqlite3_bind_int64(e, 1, d->id);
    sqlite3_bind_int64(e, 2, now);
    sqlite3_bind_text(e, 3, "submit", -1, SQLITE_STATIC);
    sqlite3_bind_text(e, 4, "draft", -1, SQLITE_STATIC);
    sqlite3_bind_text(e, 5, "submitted", -1, SQLITE_STATIC);
    sqlite3_bind_int(e, 6, 1);
    sqlite3_bind_text(e, 7, "Nộp hồ sơ trực tuyến", -1, SQLITE_STATIC);
    if (d->owner_id)
        sqlite3_bind_int64(e, 8, d->owner_id);
    else
        sqlite3_bind_null(e, 8);
    sqlite3_bind_null(e, 9);
    if (step_done(r, S_EVENT))
        return -1;
    int64_t event_id = sqlite3_last_insert_rowid(r->db);

    sqlite3_bind_int64(st[S_HOLD], 1, now);
    sqlite3_bind_int64(st[S_HOLD], 2, d->id);
    if (step_done(r, S_HOLD))
        return -1;

    int64_t aid = r->audit_id + 1;
    snprintf(oid, sizeof oid, "%lld", (long long)d->id);
    snprintf(detail, sizeof detail, "{\"code\":\"%s\",\"due_at\":%lld}", code, (long long)due);
    audit_hash(r, aid, now, d->owner_id, oid, detail, hash);
    sqlite3_stmt *a = st[S_AUDIT];
    sqlite3_bind_int64(a, 1, aid);
    sqlite3_bind_int64(a, 2, now);
    if (d->owner_id)
        sqlite3_bind_int64(a, 3, d->owner_id);
    else
        sqlite3_bind_null(a, 3);
    sqlite3_bind_text(a, 4, "dossier.submit", -1, SQLITE_STATIC);
    sqlite3_bind_text(a, 5, "dossier", -1, SQLITE_STATIC);
    sqlite3_bind_text(a, 6, oid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(a, 7, detail, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(a, 8, r->audit_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(a, 9, hash, -1, SQLITE_TRANSIENT);
    if (step_done(r, S_AUDIT))
        return -1;
    r->audit_id = aid;
    memcpy(r->audit_hash, hash, sizeof hash);

    /* The server writes to an address it accepts; SMS only with a gateway,
     * which the benchmark's server has not. */
    if (strchr(d->email, '@')) {
        sqlite3_stmt *o = st[S_OUTBOX];
        sqlite3_bind_int64(o, 1, d->id);
        sqlite3_bind_int64(o, 2, event_id);
        sqlite3_bind_text(o, 3, "email", -1, SQLITE_STATIC);
        sqlite3_bind_text(o, 4, d->email, -1, SQLITE_STATIC);
        sqlite3_bind_text(o, 5, r->subject, -1, SQLITE_STATIC);
        sqlite3_bind_text(o, 6, r->body, -1, SQLITE_STATIC);
        sqlite3_bind_int64(o, 7, now);
        if (step_done(r, S_OUTBOX))
            return -1;
    }

    /* The report counters: received, and with electronic files. */
    for (int w = S_DAILY; w <= S_MONTHLY; w++) {
        sqlite3_stmt *c = st[w];
        sqlite3_bind_int64(c, 1, d->unit_id);
        sqlite3_bind_int(c, 2, w == S_DAILY ? ymd : ymd / 100);
        sqlite3_bind_int64(c, 3, d->procedure_id);
        sqlite3_bind_text(c, 4, "online", -1, SQLITE_STATIC);
        sqlite3_bind_text(c, 5, d->level_d42, -1, SQLITE_STATIC);
        sqlite3_bind_int(c, 6, d->level_old);
        for (int i = 0; i < NFIGS; i++)
            sqlite3_bind_int(c, 7 + i, i == 0 ? 1 : i == 1 ? d->has_files : 0);
        if (step_done(r, w))
            return -1;
    }
    return step_done(r, S_RELEASE);
}

/* Reads lines FIRST.. of path (the dossier id is each line's last field)
 * and what their writes need; the caller frees *out. */
static int load_drafts(sqlite3 *db, const char *path, long first, long count,
                       struct draft **out)
{
    FILE *f = fopen(path, "r");
    struct draft *ds = calloc((size_t)count, sizeof *ds);
    sqlite3_stmt *q = NULL;
    char line[512];
    long lineno = 0, n = 0;
    int rc = -1;
    if (!f || !ds) {
        fprintf(stderr, "sqlite_ceiling: cannot read %s\n", path);
        goto out;
    }
    if (sqlite3_prepare_v2(db, draft_sql, -1, &q, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite_ceiling: %s\n", sqlite3_errmsg(db));
        goto out;
    }
    while (n < count && fgets(line, sizeof line, f)) {
        if (lineno++ < first)
            continue;
        line[strcspn(line, "\n")] = '\0';
        const char *last = strrchr(line, ' ');
        long id;
        if (parse_long(last ? last + 1 : line, 1, 0x7fffffffL, &id)) {
            fprintf(stderr, "sqlite_ceiling: %s:%ld: no dossier id\n", path, lineno);
            goto out;
        }
        struct draft *d = &ds[n];
        sqlite3_bind_int64(q, 1, id);
        int s = sqlite3_step(q);
        if (s != SQLITE_ROW) {
            fprintf(stderr, "sqlite_ceiling: dossier %ld: %s\n", id,
                    s == SQLITE_DONE ? "not a draft" : sqlite3_errmsg(db));
            goto out;
        }
        d->id = id;
        d->unit_id = sqlite3_column_int64(q, 0);
        snprintf(d->unit_code, sizeof d->unit_code, "%s", sqlite3_column_text(q, 1));
        d->procedure_id = sqlite3_column_int64(q, 2);
        d->owner_id = sqlite3_column_int64(q, 3);
        snprintf(d->level_d42, sizeof d->level_d42, "%s", sqlite3_column_text(q, 4));
        d->level_old = sqlite3_column_int(q, 5);
        d->has_files = sqlite3_column_int(q, 6);
        snprintf(d->name, sizeof d->name, "%s", sqlite3_column_text(q, 7));
        snprintf(d->address, sizeof d->address, "%s", sqlite3_column_text(q, 8));
        snprintf(d->phone, sizeof d->phone, "%s", sqlite3_column_text(q, 9));
        snprintf(d->email, sizeof d->email, "%s", sqlite3_column_text(q, 10));
        size_t i = 0;
        for (; d->name[i] && i + 1 < sizeof d->folded; i++)
            d->folded[i] = (char)(d->name[i] >= 'A' && d->name[i] <= 'Z' ? d->name[i] + 32
                                                                         : d->name[i]);
        d->folded[i] = '\0';
        sqlite3_reset(q);
        n++;
    }
    if (n < count) {
        fprintf(stderr, "sqlite_ceiling: %s has %ld lines, not %ld\n", path, lineno,
                first + count);
        goto out;
    }
    *out = ds;
    ds = NULL;
    rc = 0;
out:
    sqlite3_finalize(q);
    if (f)
        fclose(f);
    free(ds);
    return rc;
}

/* The head of the audit chain and the text of the newest notification (a
 * submission's, when the database comes from a server that took some). */
static int load_shared(struct batch_run *r)
{
    sqlite3_stmt *q = NULL;
    int rc = -1;
    snprintf(r->audit_hash, sizeof r->audit_hash, "%064d", 0);
    if (sqlite3_prepare_v2(r->db, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", -1,
                           &q, NULL) != SQLITE_OK)
        goto out;
    if (sqlite3_step(q) == SQLITE_ROW) {
        r->audit_id = sqlite3_column_int64(q, 0);
        snprintf(r->audit_hash, sizeof r->audit_hash, "%s", sqlite3_column_text(q, 1));
    }
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT subject, body FROM notify_outbox ORDER BY id DESC LIMIT 1", -1,
                           &q, NULL) != SQLITE_OK)
        goto out;
    if (sqlite3_step(q) == SQLITE_ROW) {
        snprintf(r->subject, sizeof r->subject, "%s", sqlite3_column_text(q, 0));
        r->body = strdup((const char *)sqlite3_column_text(q, 1));
    } else {
        /* No message yet: one of the usual size (about 480 bytes). */
        snprintf(r->subject, sizeof r->subject, "Hồ sơ 000.00.00.H56-000000-0000: Mới đăng ký");
        r->body = malloc(481);
        if (r->body) {
            memset(r->body, 'x', 480);
            r->body[480] = '\0';
        }
    }
    rc = r->body ? 0 : -1;
out:
    if (rc)
        fprintf(stderr, "sqlite_ceiling: %s\n", sqlite3_errmsg(r->db));
    sqlite3_finalize(q);
    return rc;
}

static int cmd_submits(const char *path, const char *ids, const char *first_s,
                       const char *count_s, const char *batch_s)
{
    long first, count;
    double batch = 0;
    char *end = NULL;
    struct batch_run r;
    struct draft *ds = NULL;
    int rc = 1;
    memset(&r, 0, sizeof r);
    errno = 0;
    if (*batch_s)
        batch = strtod(batch_s, &end);
    if (parse_long(first_s, 0, 100000000, &first) || parse_long(count_s, 1, 10000000, &count) ||
        !end || *end || errno || !(batch >= 1 && batch <= 100000)) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    if (sqlite3_open_v2(path, &r.db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite_ceiling: cannot open %s\n", path);
        goto out;
    }
    sqlite3_busy_timeout(r.db, 10000);
    sqlite3_extended_result_codes(r.db, 1);
    /* The same setup as the server's write connection (src/store). */
    if (exec(r.db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"))
        goto out;
    if (load_drafts(r.db, ids, first, count, &ds) || load_shared(&r))
        goto out;
    for (int i = 0; i < S_N; i++)
        if (sqlite3_prepare_v3(r.db, job_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &r.st[i], NULL) !=
            SQLITE_OK) {
            fprintf(stderr, "sqlite_ceiling: %s: %s\n", job_sql[i], sqlite3_errmsg(r.db));
            goto out;
        }
    if (!(r.md = EVP_MD_CTX_new()))
        goto out;

    /* round(COUNT / B) transactions of whole jobs, their sizes differing by
     * one at most: their mean is as close to the writer's fractional mean
     * as COUNT allows. */
    long nbatches = (long)((double)count / batch + 0.5);
    if (nbatches < 1)
        nbatches = 1;
    long done = 0, batches = 0;
    double t0 = now_sec();
    while (done < count) {
        long upto = (long)((double)(batches + 1) * (double)count / (double)nbatches + 0.5);
        if (upto > count || batches + 1 == nbatches)
            upto = count;
        if (upto <= done)
            upto = done + 1;
        if (step_done(&r, S_BEGIN))
            goto out;
        for (; done < upto; done++)
            if (submit_one(&r, &ds[done]))
                goto out;
        if (step_done(&r, S_COMMIT))
            goto out;
        batches++;
    }
    double secs = now_sec() - t0;
    printf("batched jobs=%ld batches=%ld batch=%.2f seconds=%.3f rate=%.1f\n", done, batches,
           (double)done / (double)batches, secs, (double)done / secs);
    rc = 0;
out:
    for (int i = 0; i < S_N; i++)
        sqlite3_finalize(r.st[i]);
    EVP_MD_CTX_free(r.md);
    free(r.body);
    free(ds);
    sqlite3_close(r.db);
    return rc;
}

/* --- copy ------------------------------------------------------------- */

/* A consistent copy of a database another process may be writing: the
 * backup API reads it in one read transaction. */
static int cmd_copy(const char *src, const char *dst)
{
    sqlite3 *from = NULL, *to = NULL;
    sqlite3_backup *b = NULL;
    int rc = 1;
    if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_open_v2(dst, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK) {
        fprintf(stderr, "sqlite_ceiling: cannot open %s or %s\n", src, dst);
        goto out;
    }
    sqlite3_busy_timeout(from, 10000);
    sqlite3_busy_timeout(to, 10000);
    if (!(b = sqlite3_backup_init(to, "main", from, "main"))) {
        fprintf(stderr, "sqlite_ceiling: backup: %s\n", sqlite3_errmsg(to));
        goto out;
    }
    int s = sqlite3_backup_step(b, -1);
    s = sqlite3_backup_finish(b) == SQLITE_OK && s == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    if (s != SQLITE_OK) {
        fprintf(stderr, "sqlite_ceiling: backup of %s failed: %s\n", src, sqlite3_errmsg(to));
        goto out;
    }
    if (exec(to, "PRAGMA journal_mode=WAL; PRAGMA wal_checkpoint(TRUNCATE);"))
        goto out;
    rc = 0;
out:
    sqlite3_close(from);
    sqlite3_close(to);
    return rc;
}

static int cmd_query(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = 1, s;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite_ceiling: cannot open %s\n", path);
        goto out;
    }
    sqlite3_busy_timeout(db, 10000);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite_ceiling: %s\n", sqlite3_errmsg(db));
        goto out;
    }
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        printf("%s\n", v ? (const char *)v : "");
    }
    if (s != SQLITE_DONE) {
        fprintf(stderr, "sqlite_ceiling: %s\n", sqlite3_errmsg(db));
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "inserts") == 0)
        return cmd_inserts(argv[2], argv[3], argv[4], argv[5]);
    if (argc == 7 && strcmp(argv[1], "submits") == 0)
        return cmd_submits(argv[2], argv[3], argv[4], argv[5], argv[6]);
    if (argc == 4 && strcmp(argv[1], "copy") == 0)
        return cmd_copy(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "query") == 0)
        return cmd_query(argv[2], argv[3]);
    fprintf(stderr, "%s", usage);
    return 2;
}
