/* Tests of the reports: the definitions (early / on time / late, local
 * days, what each status change counts), period parsing, and a few hundred
 * dossiers driven through the real jobs (submission, walk-ins, workflow
 * steps, ratings) at chosen times: for many units and periods the report
 * from the counters must equal the report from a full scan of the raw rows,
 * and a rebuild from the history must give the very same counters. Also the
 * rating's refusals, the CSV and the XLSX. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "calendar/calendar.h"
#include "catalog/procedure.h"
#include "catalog/unit.h"
#include "cli/cli.h"
#include "dossier/documents.h"
#include "dossier/dossier.h"
#include "harness.h"
#include "report/export.h"
#include "report/rating.h"
#include "report/report.h"
#include "report/stats.h"
#include "store/migrate.h"
#include "store/store.h"
#include "workflow/workflow.h"

static char dir[256];
static struct store *db;
static struct cal *cal;
static int64_t citizen, officer;

/* Unix seconds of a local (UTC+7) date and time. */
static int64_t local(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return (int64_t)timegm(&tm) - CAL_TZ_OFFSET;
}

/* --- definitions --------------------------------------------------------------- */

TEST(timeliness_definitions)
{
    int64_t due = local(2025, 10, 7, 10, 0);
    CHECK_EQ_INT(stat_timeliness(due, due, 0), STAT_ON_TIME);
    CHECK_EQ_INT(stat_timeliness(due + 1, due, 0), STAT_LATE);
    CHECK_EQ_INT(stat_timeliness(local(2025, 10, 7, 0, 0), due, 0), STAT_ON_TIME);
    CHECK_EQ_INT(stat_timeliness(local(2025, 10, 7, 0, 0) - 1, due, 0), STAT_EARLY);
    CHECK_EQ_INT(stat_timeliness(local(2025, 9, 1, 8, 0), due, 0), STAT_EARLY);
    CHECK_EQ_INT(stat_timeliness(local(2025, 10, 9, 8, 0), due, 0), STAT_LATE);
    /* An apology letter means the first appointment was missed: late,
     * even when finished by the new appointment. */
    CHECK_EQ_INT(stat_timeliness(local(2025, 9, 1, 8, 0), due, 1), STAT_LATE);
    /* Local days, not UTC days: 17:00 UTC is local midnight. */
    CHECK_EQ_INT(stat_local_ymd(local(2025, 10, 1, 0, 0)), 20251001);
    CHECK_EQ_INT(stat_local_ymd(local(2025, 10, 1, 0, 0) - 1), 20250930);
    CHECK_EQ_INT(stat_local_ymd(local(2025, 12, 31, 23, 59)), 20251231);
}

TEST(what_each_change_counts)
{
    int64_t d[STAT_NFIGS], due = local(2025, 10, 7, 10, 0);
    struct stat_facts files = {.due_at = due, .has_files = 1}, none = {.due_at = due};
    struct stat_facts sorry = {.due_at = due + 86400, .apologized = 1};
    CHECK(stat_classify(0, 1, due, &files, d));
    CHECK_EQ_INT(d[STAT_RECEIVED], 1);
    CHECK_EQ_INT(d[STAT_WITH_FILES], 1);
    CHECK(stat_classify(0, 2, due, &none, d)); /* a walk-in: received at once */
    CHECK_EQ_INT(d[STAT_RECEIVED], 1);
    CHECK_EQ_INT(d[STAT_WITH_FILES], 0);
    CHECK(!stat_classify(1, 2, due, &none, d)); /* accepted: nothing new */
    CHECK(!stat_classify(5, 1, due, &none, d)); /* supplied: not a second receipt */
    CHECK(!stat_classify(4, 4, due, &none, d));
    CHECK(stat_classify(4, 5, due, &none, d));
    CHECK_EQ_INT(d[STAT_SUPPLEMENTS], 1);
    CHECK(stat_classify(4, 9, due + 60, &none, d));
    CHECK_EQ_INT(d[STAT_LATE], 1);
    CHECK_EQ_INT(d[STAT_LATE_APOLOGY], 0);
    CHECK_EQ_INT(d[STAT_ON_TIME] + d[STAT_EARLY], 0);
    CHECK(stat_classify(4, 9, due, &sorry, d));
    CHECK_EQ_INT(d[STAT_LATE] + d[STAT_LATE_APOLOGY], 2);
    CHECK(stat_classify(9, 10, due, &none, d));
    CHECK_EQ_INT(d[STAT_RETURNED], 1);
    CHECK(stat_classify(1, 3, due, &none, d) && d[STAT_REFUSED] == 1);
    CHECK(stat_classify(2, 7, due, &none, d) && d[STAT_WITHDRAWN] == 1);
    CHECK(stat_classify(4, 8, due, &none, d) && d[STAT_STOPPED] == 1);
}

TEST(period_parsing)
{
    int ymd = 0;
    char why[160];
    CHECK(report_parse_date("2024-02-29", &ymd) == 0 && ymd == 20240229);
    CHECK(report_parse_date("2025-02-29", &ymd) < 0);
    CHECK(report_parse_date("2025-2-01", &ymd) < 0);
    CHECK(report_parse_date("1999-12-31", &ymd) < 0);
    CHECK(report_parse_date("2025-13-01", &ymd) < 0);
    CHECK(report_parse_date("2025-01-01x", &ymd) < 0);
    CHECK(report_parse_date(NULL, &ymd) < 0);
    CHECK_EQ_INT(report_period_days(20251001, 20251231), 92);
    CHECK_EQ_INT(report_period_days(20240101, 20241231), 366);
    CHECK(report_check_period(20251002, 20251001, why, sizeof why) < 0);
    CHECK(report_check_period(20200101, 20231231, why, sizeof why) < 0);
    CHECK(report_check_period(20230101, 20251231, why, sizeof why) == 0);
}

/* --- a data set driven through the real jobs ------------------------------------- */

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static int64_t id_of(const char *sql, const char *arg)
{
    int64_t v = 0;
    return store_query_int(db, sql, arg, &v) == STORE_ROW ? v : 0;
}

#define COPY "2.000815.000.00.00.H56"  /* chứng thực bản sao: một phần, level 3, a file */
#define EXTRACT "2.000635.000.00.00.H56" /* trích lục hộ tịch: toàn trình, level 4, form only */

static json_t *form_for(const char *proc)
{
    if (strcmp(proc, COPY) == 0)
        return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "requester_name", "Lê Văn Hùng",
                         "requester_id_number", "038090012345", "requester_phone", "0903123456",
                         "document_name", "Bằng tốt nghiệp", "pages", 2, "copies_requested", 1);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:b}", "requester_name",
                     "Nguyễn Thị Mai", "requester_residence", "Phường Hạc Thành",
                     "requester_id_number", "038090012345", "requester_relationship", "Bản thân",
                     "record_type", "khai_sinh", "subject_name", "Nguyễn Thị Mai", "record_office",
                     "UBND phường Hạc Thành", "copies_requested", 1, "commitment", 1);
}

/* A submitted dossier: online by the citizen or registered at the desk. */
static int64_t submit(const char *proc, const char *unit, const char *channel, int64_t at,
                      int with_file)
{
    int walkin = strcmp(channel, "online") != 0;
    int with_id = walkin && rnd(2);
    struct dossier_create c = {.procedure_code = proc,
                               .unit_code = unit,
                               .owner_id = walkin ? 0 : citizen,
                               .applicant_id_number = with_id ? "038095001234" : NULL,
                               .received_by = walkin ? officer : 0,
                               .channel = channel,
                               .applicant_name = "Lê Văn Hùng"};
    if (store_run(db, dossier_create_job, &c)) {
        printf("  create failed: %s\n", c.err.code ? c.err.code : "");
        derr_clear(&c.err);
        return 0;
    }
    json_t *form = form_for(proc);
    struct dossier_save_form sf = {.id = c.id, .owner_id = walkin ? 0 : citizen,
                                   .actor_id = walkin ? officer : 0, .form = form};
    int rc = store_run(db, dossier_save_form_job, &sf);
    json_decref(form);
    derr_clear(&sf.err);
    if (rc == 0 && (with_file || strcmp(proc, COPY) == 0)) {
        struct dossier_file_op f = {.id = c.id, .owner_id = walkin ? 0 : citizen,
                                    .actor_id = walkin ? officer : 0, .size = 100};
        snprintf(f.name, sizeof f.name, "ban-chinh.pdf");
        snprintf(f.document_key, sizeof f.document_key, "%s",
                 strcmp(proc, COPY) == 0 ? "ban_chinh" : "van_ban_uy_quyen");
        snprintf(f.content_type, sizeof f.content_type, "application/pdf");
        memset(f.sha256, 'a', 64);
        rc = store_run(db, dossier_add_file_job, &f);
        derr_clear(&f.err);
        /* Uploaded before the (simulated) submission, as in life. */
        char q[160];
        snprintf(q, sizeof q, "UPDATE dossier_files SET uploaded_at = %lld WHERE dossier_id = %lld",
                 (long long)(at - 600), (long long)c.id);
        if (rc == 0)
            rc = store_exec(db, q);
    }
    struct dossier_submit s = {.id = c.id, .owner_id = walkin ? 0 : citizen,
                               .actor_id = walkin ? officer : 0, .cal = cal,
                               .today_ymd = stat_local_ymd(at), .now = at};
    if (rc == 0)
        rc = store_run(db, dossier_submit_job, &s);
    if (rc)
        printf("  submit failed: %s %s\n", s.err.code ? s.err.code : "", s.err.message);
    derr_clear(&s.err);
    return rc ? 0 : c.id;
}

static int step(int64_t id, const char *action, int64_t at, int by_owner)
{
    struct workflow_step s = {.dossier_id = id, .actor = by_owner ? ACTOR_OWNER : ACTOR_STAFF,
                              .actor_id = by_owner ? citizen : officer, .cal = cal, .now = at};
    snprintf(s.action, sizeof s.action, "%s", action);
    snprintf(s.note, sizeof s.note, "Ghi chú");
    snprintf(s.assignee, sizeof s.assignee, "quantri.tinh");
    int rc = store_run(db, workflow_step_job, &s);
    if (rc)
        printf("  step %s on %lld failed: %s\n", action, (long long)id,
               s.err.code ? s.err.code : "");
    derr_clear(&s.err);
    return rc;
}

static int64_t owner_of(int64_t id)
{
    int64_t v = 0;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    store_query_int(db, "SELECT coalesce(owner_id, 0) FROM dossiers WHERE id = ?", key, &v);
    return v;
}

static int64_t due_of(int64_t id)
{
    int64_t v = 0;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    store_query_int(db, "SELECT due_at FROM dossiers WHERE id = ?", key, &v);
    return v;
}

static int rate(int64_t id, int64_t owner, const char *level, int64_t at, const char **code)
{
    struct rating_job j = {.dossier_id = id, .owner_id = owner, .now = at};
    snprintf(j.level, sizeof j.level, "%s", level);
    snprintf(j.comment, sizeof j.comment, "Cán bộ nhiệt tình");
    int rc = store_run(db, rating_job, &j);
    if (code)
        *code = rc ? j.err.code : NULL;
    derr_clear(&j.err);
    return rc;
}

static int failures_building;

/* One dossier's life, its times chosen at random around the last quarter
 * of 2025 (also just outside it, and around local midnight). */
static void one_dossier(void)
{
    static const char *const units[] = {"000.01.90.H56", "000.02.90.H56", "000.03.90.H56"};
    const char *unit = units[rnd(3)];
    const char *proc = rnd(2) ? COPY : EXTRACT;
    unsigned c = rnd(10);
    const char *channel = c < 6 ? "online" : c < 9 ? "desk" : "post";
    int64_t t = local(2025, 9, 20, 0, 0) + (int64_t)rnd(112 * 24 * 60) * 60;
    int64_t id = submit(proc, unit, channel, t, rnd(2));
    if (!id) {
        failures_building++;
        return;
    }
    int online = strcmp(channel, "online") == 0;
    int64_t owner = owner_of(id);
    t += 600 + rnd(4 * 3600);
    unsigned fate = rnd(20);
    int rc = 0;
    if (online && fate == 0) {
        rc = step(id, "refuse", t, 0);
        goto done;
    }
    if (online && fate == 1) {
        rc = step(id, "withdraw", t, 1);
        goto done;
    }
    if (online)
        rc = step(id, "accept", t, 0);
    if (rc == 0 && fate == 2) {
        rc = step(id, "stop", t + 60, 0);
        goto done;
    }
    if (rc == 0 && fate >= 3 && fate <= 5) { /* a supplement request and its answer */
        rc = step(id, "request_supplement", t + 60, 0);
        t += 86400 + rnd(3 * 86400);
        if (rc == 0)
            rc = step(id, "supply_at_desk", t, 0);
    }
    if (rc == 0)
        rc = step(id, "assign", t + 120, 0);
    if (rc == 0 && fate == 6) /* left open: overdue or not as of the report */
        goto done;
    if (rc == 0)
        rc = step(id, "propose", t + 180, 0);
    /* Sometimes late: an apology letter with a new appointment first. */
    if (rc == 0 && fate == 7) {
        int64_t at = due_of(id) + 3600;
        struct apology_job a = {.dossier_id = id, .officer_id = officer, .now = at,
                                .new_due_at = at + 3 * 86400};
        snprintf(a.reason, sizeof a.reason, "Cần xác minh thêm");
        rc = store_run(db, apology_record_job, &a);
        if (rc)
            printf("  apology failed: %s\n", a.err.code ? a.err.code : "");
        derr_clear(&a.err);
        t = at;
    }
    /* Finish around the appointment: early, on its day, or after it. */
    int64_t due = due_of(id);
    int64_t fin = rnd(3) == 0 ? due - rnd(3 * 3600) : t + 240 + rnd(5 * 86400);
    if (fin < t + 240)
        fin = t + 240;
    if (rc == 0)
        rc = step(id, "approve", fin, 0);
    if (rc == 0 && rnd(10) < 7) {
        int64_t back = fin + 60 + rnd(2 * 86400);
        rc = step(id, "return_result", back, 0);
        if (rc == 0 && owner && rnd(10) < 6) {
            static const char *const levels[] = {"rat_hai_long", "hai_long", "khong_hai_long"};
            rc = rate(id, owner, levels[rnd(3)], back + 60 + rnd(3 * 86400), NULL);
        }
    }
done:
    if (rc)
        failures_building++;
}

static char *table_dump(const char *sql)
{
    struct store_stmt *st;
    size_t cap = 1 << 16, len = 0;
    char *out = calloc(1, cap);
    if (!out || store_prepare(db, sql, &st))
        return out;
    while (store_step(st) == STORE_ROW) {
        char line[512];
        int n = snprintf(line, sizeof line, "%s|%lld|%lld|%lld|%lld|%lld|%lld|%lld|%lld\n",
                         store_col_text(st, 0), (long long)store_col_int(st, 1),
                         (long long)store_col_int(st, 2), (long long)store_col_int(st, 3),
                         (long long)store_col_int(st, 4), (long long)store_col_int(st, 5),
                         (long long)store_col_int(st, 6), (long long)store_col_int(st, 7),
                         (long long)store_col_int(st, 8));
        if (len + (size_t)n + 1 > cap) {
            cap *= 2;
            char *p = realloc(out, cap);
            if (!p)
                break;
            out = p;
        }
        memcpy(out + len, line, (size_t)n + 1);
        len += (size_t)n;
    }
    store_done(st);
    return out;
}

#define DUMP_DAILY                                                                                 \
    "SELECT unit_id || '/' || day || '/' || procedure_id || '/' || channel || '/' || level_d42"    \
    " || '/' || level_old || '/' || received || '/' || with_files || '/' || refused || '/'"       \
    " || late_apology, early, on_time, late, withdrawn, stopped, returned, supplements,"           \
    " rated_very * 100 + rated_ok * 10 + rated_not FROM stat_daily"                                \
    " WHERE received + with_files + early + on_time + late + refused + withdrawn + stopped"        \
    " + returned + supplements + rated_very + rated_ok + rated_not > 0"                            \
    " ORDER BY unit_id, day, procedure_id, channel, level_d42, level_old"
#define DUMP_MONTHLY                                                                               \
    "SELECT unit_id || '/' || month || '/' || procedure_id || '/' || channel || '/' || level_d42"  \
    " || '/' || level_old || '/' || received || '/' || with_files || '/' || refused || '/'"       \
    " || late_apology, early, on_time, late, withdrawn, stopped, returned, supplements,"           \
    " rated_very * 100 + rated_ok * 10 + rated_not FROM stat_monthly"                              \
    " WHERE received + with_files + early + on_time + late + refused + withdrawn + stopped"        \
    " + returned + supplements + rated_very + rated_ok + rated_not > 0"                            \
    " ORDER BY unit_id, month, procedure_id, channel, level_d42, level_old"

static int64_t as_of(void) { return local(2026, 1, 5, 9, 0); }

/* Counters and full scan agree on every figure, unit row and point. */
static int same_report(const char *code, int from, int to)
{
    struct unit u;
    struct report a, b;
    if (unit_by_code(db, code, &u) != STORE_ROW)
        return 0;
    int rc = report_build(db, &u, from, to, as_of(), REPORT_COUNTERS, &a);
    rc |= report_build(db, &u, from, to, as_of(), REPORT_SCAN, &b);
    json_t *ja = report_json(&a), *jb = report_json(&b);
    json_object_del(ja, "source");
    json_object_del(jb, "source");
    int same = rc == 0 && json_equal(ja, jb);
    if (!same) {
        char *sa = json_dumps(json_object_get(ja, "totals"), JSON_COMPACT);
        char *sb = json_dumps(json_object_get(jb, "totals"), JSON_COMPACT);
        printf("  %s %d..%d differs:\n  counters %s\n  scan     %s\n", code, from, to, sa, sb);
        free(sa);
        free(sb);
    }
    json_decref(ja);
    json_decref(jb);
    report_free(&a);
    report_free(&b);
    return same;
}

TEST(counters_equal_a_full_scan)
{
    for (int i = 0; i < 260; i++)
        one_dossier();
    CHECK_EQ_INT(failures_building, 0);
    int64_t n = 0;
    store_query_int(db, "SELECT count(*) FROM dossiers WHERE code IS NOT NULL", NULL, &n);
    CHECK(n >= 250);
    /* The province (its communes are direct children), one commune, partial
     * and whole months, a day, a year (month grain), a quarter (day grain). */
    CHECK(same_report("000.00.00.H56", 20251001, 20251231));
    CHECK(same_report("000.00.00.H56", 20250915, 20260110));
    CHECK(same_report("000.00.00.H56", 20250101, 20261231));
    CHECK(same_report("000.00.00.H56", 20251101, 20251130));
    CHECK(same_report("000.00.00.H56", 20251017, 20251017));
    CHECK(same_report("000.00.00.H56", 20251001, 20251115));
    CHECK(same_report("000.01.90.H56", 20251001, 20251231));
    CHECK(same_report("000.02.90.H56", 20250920, 20251231));
    CHECK(same_report("000.03.90.H56", 20251105, 20260131));
    CHECK(same_report("000.00.03.H56", 20251001, 20251231)); /* nothing there */
}

TEST(the_figures_add_up)
{
    struct unit u;
    struct report r;
    CHECK(unit_by_code(db, "000.00.00.H56", &u) == STORE_ROW);
    CHECK(report_build(db, &u, 20251001, 20251231, as_of(), REPORT_COUNTERS, &r) == 0);
    CHECK_EQ_INT(r.grain, REPORT_DAY);
    CHECK_EQ_INT(r.npoints, 92);
    CHECK(r.total.f[STAT_RECEIVED] > 100);
    CHECK(report_handled(&r.total) > 30);
    CHECK(r.total.f[STAT_EARLY] > 0 && r.total.f[STAT_ON_TIME] > 0 && r.total.f[STAT_LATE] > 0);
    CHECK(r.total.f[STAT_LATE_APOLOGY] > 0);
    CHECK(report_ratings(&r.total) > 0);
    CHECK(report_received_by(&r.total, STAT_CH_DESK) > 0);
    CHECK(report_received_by(&r.total, STAT_CH_POST) > 0);
    /* Rows (own + children) and points each sum to the total. */
    struct report_figs rows = {0}, points = {0};
    for (size_t i = 0; i < r.nrows; i++)
        for (int k = 0; k < STAT_NFIGS; k++)
            rows.f[k] += r.rows[i].figs.f[k];
    for (size_t i = 0; i < r.npoints; i++)
        for (int k = 0; k < STAT_NFIGS; k++)
            points.f[k] += r.points[i].figs.f[k];
    for (int k = 0; k < STAT_NFIGS; k++) {
        CHECK_EQ_INT(rows.f[k], r.total.f[k]);
        CHECK_EQ_INT(points.f[k], r.total.f[k]);
    }
    CHECK(r.rows[0].own);
    CHECK_EQ_INT(r.nrows, 180); /* the province itself and its 179 direct children */
    /* Received, independently: dossiers submitted in the local quarter. */
    int64_t n = 0;
    char q[32];
    snprintf(q, sizeof q, "%lld", (long long)local(2025, 10, 1, 0, 0));
    store_query_int(db,
                    "SELECT count(*) FROM dossiers WHERE submitted_at >= CAST(?1 AS INTEGER)"
                    " AND submitted_at < CAST(?1 AS INTEGER) + 92 * 86400",
                    q, &n);
    CHECK_EQ_INT(r.total.f[STAT_RECEIVED], n);
    /* Month grain for a year. */
    struct report y;
    CHECK(report_build(db, &u, 20250101, 20251231, as_of(), REPORT_COUNTERS, &y) == 0);
    CHECK_EQ_INT(y.grain, REPORT_MONTH);
    CHECK_EQ_INT(y.npoints, 12);
    CHECK_EQ_INT(y.points[9].key, 202510);
    int64_t sum = 0;
    for (int m = 9; m < 12; m++)
        sum += y.points[m].figs.f[STAT_RECEIVED];
    CHECK_EQ_INT(sum, r.total.f[STAT_RECEIVED]);
    report_free(&y);
    report_free(&r);
}

TEST(a_rebuild_gives_the_same_counters)
{
    char *d1 = table_dump(DUMP_DAILY), *m1 = table_dump(DUMP_MONTHLY);
    int64_t events = 0;
    CHECK(store_begin(db) == 0);
    CHECK(stats_rebuild(db, &events) == 0);
    CHECK(store_commit(db) == 0);
    CHECK(events > 1000);
    char *d2 = table_dump(DUMP_DAILY), *m2 = table_dump(DUMP_MONTHLY);
    CHECK(d1 && d2 && strlen(d1) > 1000 && strcmp(d1, d2) == 0);
    CHECK(m1 && m2 && strlen(m1) > 500 && strcmp(m1, m2) == 0);
    free(d1);
    free(d2);
    free(m1);
    free(m2);
}

TEST(ratings_are_checked)
{
    const char *code = NULL;
    int64_t id = submit(COPY, "000.01.90.H56", "online", local(2025, 11, 3, 8, 0), 0);
    CHECK(id > 0);
    CHECK(rate(id, citizen, "hai_long", local(2025, 11, 3, 9, 0), &code) != 0);
    CHECK_EQ_STR(code, "not_returned");
    CHECK(step(id, "accept", local(2025, 11, 3, 9, 0), 0) == 0);
    CHECK(step(id, "assign", local(2025, 11, 3, 9, 1), 0) == 0);
    CHECK(step(id, "propose", local(2025, 11, 3, 9, 2), 0) == 0);
    CHECK(step(id, "approve", local(2025, 11, 3, 9, 3), 0) == 0);
    CHECK(step(id, "return_result", local(2025, 11, 3, 10, 0), 0) == 0);
    CHECK(rate(id, officer, "hai_long", local(2025, 11, 3, 11, 0), &code) != 0);
    CHECK_EQ_STR(code, "not_found");
    CHECK(rate(id, citizen, "tam_duoc", local(2025, 11, 3, 11, 0), &code) != 0);
    CHECK_EQ_STR(code, "invalid_level");
    CHECK(rate(id, citizen, "khong_hai_long", local(2025, 11, 3, 11, 0), &code) == 0);
    CHECK(rate(id, citizen, "hai_long", local(2025, 11, 3, 11, 5), &code) != 0);
    CHECK_EQ_STR(code, "already_rated");
    json_t *j = rating_json(db, id);
    CHECK(j && strcmp(json_string_value(json_object_get(json_object_get(j, "rating"), "level")),
                      "khong_hai_long") == 0);
    CHECK(json_is_false(json_object_get(j, "can_rate")));
    json_decref(j);
    CHECK(same_report("000.01.90.H56", 20251103, 20251103));
    struct unit u;
    struct report r;
    CHECK(unit_by_code(db, "000.01.90.H56", &u) == STORE_ROW);
    CHECK(report_build(db, &u, 20251103, 20251103, as_of(), REPORT_COUNTERS, &r) == 0);
    CHECK(r.total.f[STAT_RATED_NOT] >= 1);
    report_free(&r);
}

TEST(csv_and_xlsx)
{
    struct unit u;
    struct report r;
    CHECK(unit_by_code(db, "000.00.00.H56", &u) == STORE_ROW);
    CHECK(report_build(db, &u, 20251001, 20251231, as_of(), REPORT_COUNTERS, &r) == 0);
    char *csv = NULL;
    size_t len = 0;
    CHECK(report_csv(&r, &csv, &len) == 0);
    CHECK(csv && len > 100 && memcmp(csv, "\xEF\xBB\xBF", 3) == 0);
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += csv[i] == '\n';
    CHECK_EQ_INT(lines, (int)r.nrows + 2);
    /* A name with a comma is quoted. */
    CHECK(csv && strstr(csv, "\"Sở Văn hóa, Thể thao và Du lịch tỉnh Thanh Hóa\""));
    char total[64];
    snprintf(total, sizeof total, ",Tổng cộng,%lld,", (long long)r.total.f[STAT_RECEIVED]);
    CHECK(csv && strstr(csv, total));
    free(csv);
    unsigned char *x = NULL;
    CHECK(report_xlsx(&r, &x, &len) == 0);
    CHECK(x && len > 5000 && memcmp(x, "PK\x03\x04", 4) == 0);
    free(x);
    char name[200];
    report_file_name(&r, "xlsx", name, sizeof name);
    CHECK_EQ_STR(name, "bao-cao-000.00.00.H56-2025-10-01-2025-12-31.xlsx");
    report_free(&r);
}

int main(void)
{
    RUN(timeliness_definitions);
    RUN(what_each_change_counts);
    RUN(period_parsing);

    snprintf(dir, sizeof dir, "/tmp/motcua-test-report-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char *argv[] = {"init", "--data", dir, "--demo", NULL};
    char path[400], err[256];
    snprintf(path, sizeof path, "%s/motcua.db", dir);
    cal = cal_new_default();
    if (app_listen_all() || cmd_init(4, argv) != 0 || !cal || store_open(path, 0, &db, err, sizeof err) ||
        migrate_apply(db, err, sizeof err)) {
        printf("setup failed\n");
        return 1;
    }
    citizen = id_of("SELECT id FROM accounts WHERE login = ?", "038095001234");
    officer = id_of("SELECT id FROM accounts WHERE login = ?", "quantri.tinh");
    RUN(counters_equal_a_full_scan);
    RUN(the_figures_add_up);
    RUN(a_rebuild_gives_the_same_counters);
    RUN(ratings_are_checked);
    RUN(csv_and_xlsx);
    store_close(db);
    cal_free(cal);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("could not remove %s\n", dir);
    return harness_done();
}
