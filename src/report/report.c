/* report: building a report from the counters (or from the raw rows), and
 * its JSON. */
#include "report/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar/calendar.h"
#include "dossier/status.h"
#include "store/store.h"

/* --- dates ------------------------------------------------------------------ */

static int valid_ymd(int y, int m, int d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 2000 || y > 2199 || m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

/* Days since 1970-01-01 of yyyymmdd. */
static int64_t day_number(int ymd)
{
    struct tm tm = {0};
    tm.tm_year = ymd / 10000 - 1900;
    tm.tm_mon = ymd / 100 % 100 - 1;
    tm.tm_mday = ymd % 100;
    return (int64_t)timegm(&tm) / 86400;
}

static int ymd_of_day(int64_t day)
{
    time_t t = (time_t)(day * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

int64_t report_local_midnight(int ymd) { return day_number(ymd) * 86400 - CAL_TZ_OFFSET; }

int report_parse_date(const char *s, int *ymd)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    int v[3] = {0, 0, 0};
    const int start[3] = {0, 5, 8}, len[3] = {4, 2, 2};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < len[k]; i++) {
            char c = s[start[k] + i];
            if (c < '0' || c > '9')
                return -1;
            v[k] = v[k] * 10 + (c - '0');
        }
    if (!valid_ymd(v[0], v[1], v[2]))
        return -1;
    *ymd = v[0] * 10000 + v[1] * 100 + v[2];
    return 0;
}

int report_period_days(int from_ymd, int to_ymd)
{
    return (int)(day_number(to_ymd) - day_number(from_ymd)) + 1;
}

int report_check_period(int from_ymd, int to_ymd, char *why, size_t whylen)
{
    if (from_ymd > to_ymd) {
        snprintf(why, whylen, "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc");
        return -1;
    }
    if (report_period_days(from_ymd, to_ymd) > REPORT_MAX_DAYS) {
        snprintf(why, whylen, "Kỳ báo cáo dài tối đa %d ngày (3 năm)", REPORT_MAX_DAYS);
        return -1;
    }
    return 0;
}

void report_format_ymd(int ymd, char *buf, size_t cap)
{
    snprintf(buf, cap, "%04d-%02d-%02d", ymd / 10000, ymd / 100 % 100, ymd % 100);
}

static int month_add(int ym, int n)
{
    int m = ym / 100 * 12 + ym % 100 - 1 + n;
    return m / 12 * 100 + m % 12 + 1;
}

static int month_last_day(int ym)
{
    int next = month_add(ym, 1);
    return ymd_of_day(day_number(next * 100 + 1) - 1);
}

/* --- derived figures ---------------------------------------------------------- */

int64_t report_received_by(const struct report_figs *g, int ch)
{
    int64_t n = 0;
    for (int a = 0; a < STAT_NL42; a++)
        for (int b = 0; b < STAT_NOLD; b++)
            n += g->recv[a][b][ch];
    return n;
}

int64_t report_handled(const struct report_figs *g)
{
    return g->f[STAT_EARLY] + g->f[STAT_ON_TIME] + g->f[STAT_LATE];
}

int64_t report_ratings(const struct report_figs *g)
{
    return g->f[STAT_RATED_VERY] + g->f[STAT_RATED_OK] + g->f[STAT_RATED_NOT];
}

int64_t report_satisfied(const struct report_figs *g)
{
    return g->f[STAT_RATED_VERY] + g->f[STAT_RATED_OK];
}

double report_rate(int64_t num, int64_t den) { return den > 0 ? (double)num / (double)den : -1; }

/* --- building ------------------------------------------------------------------ */

struct unit_slot {
    int64_t unit_id;
    int row;
};

struct builder {
    struct report *r;
    struct unit_slot *slots; /* every unit of the subtree -> its row, by unit id */
    size_t nslots;
    char lo[512], hi[512];   /* the subtree: lo <= units.path < hi */
};

static int slot_cmp(const void *a, const void *b)
{
    const struct unit_slot *x = a, *y = b;
    return x->unit_id < y->unit_id ? -1 : x->unit_id > y->unit_id;
}

static int row_cmp(const void *a, const void *b)
{
    const struct report_row *x = a, *y = b;
    if (x->own != y->own)
        return y->own - x->own;
    return strcmp(x->code, y->code);
}

static int row_of(const struct builder *b, int64_t unit_id)
{
    struct unit_slot key = {.unit_id = unit_id};
    const struct unit_slot *s = bsearch(&key, b->slots, b->nslots, sizeof key, slot_cmp);
    return s ? s->row : -1;
}

static int point_of(const struct report *r, int key)
{
    size_t lo = 0, hi = r->npoints;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->points[mid].key < key)
            lo = mid + 1;
        else if (r->points[mid].key > key)
            hi = mid;
        else
            return (int)mid;
    }
    return -1;
}

static void figs_add(struct report_figs *g, int ch, int l42, int old, const int64_t *f)
{
    for (int i = 0; i < STAT_NFIGS; i++)
        g->f[i] += f[i];
    g->recv[l42][old][ch] += f[STAT_RECEIVED];
    g->files[ch] += f[STAT_WITH_FILES];
}

/* Adds one counted row: a unit's figures on a day (or month). */
static void add(struct builder *b, int64_t unit_id, int date, int ch, int l42, int old,
                const int64_t *f)
{
    struct report *r = b->r;
    int row = row_of(b, unit_id);
    if (row < 0 || ch < 0 || l42 < 0 || old < 0)
        return;
    figs_add(&r->rows[row].figs, ch, l42, old, f);
    figs_add(&r->total, ch, l42, old, f);
    int key = r->grain == REPORT_DAY ? date : (date > 999999 ? date / 100 : date);
    int p = point_of(r, key);
    if (p >= 0)
        figs_add(&r->points[p].figs, ch, l42, old, f);
}

/* The subtree's units: the own row, one row per direct child, and the
 * slot of every unit. */
static int load_units(struct store *db, struct builder *b)
{
    struct report *r = b->r;
    size_t len = strlen(r->unit.path);
    if (len == 0 || len >= sizeof b->lo || r->unit.path[len - 1] != '/')
        return STORE_ERR;
    memcpy(b->lo, r->unit.path, len + 1);
    memcpy(b->hi, r->unit.path, len + 1);
    b->hi[len - 1] = '0'; /* '/' + 1: every path that starts with lo sorts below */

    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "SELECT id, code, name, path, coalesce(parent_id, 0) FROM units"
                               " WHERE path >= ? AND path < ? ORDER BY path",
                               &st, BIND_TEXT(b->lo), BIND_TEXT(b->hi));
    if (rc)
        return rc;
    size_t cap = 64, rowcap = 16;
    b->slots = malloc(cap * sizeof *b->slots);
    r->rows = calloc(rowcap, sizeof *r->rows);
    r->nrows = 1;
    if (!b->slots || !r->rows) {
        store_done(st);
        return -1;
    }
    r->rows[0].unit_id = r->unit.id;
    r->rows[0].own = 1;
    snprintf(r->rows[0].code, sizeof r->rows[0].code, "%s", r->unit.code);
    snprintf(r->rows[0].name, sizeof r->rows[0].name, "%s", r->unit.name);
    /* First pass: slots hold the id of the direct child each unit is under. */
    while ((rc = store_step(st)) == STORE_ROW) {
        int64_t id = store_col_int(st, 0);
        const char *path = store_col_text(st, 3);
        int64_t under = 0;
        if (id != r->unit.id) {
            under = strtoll(path + len, NULL, 10);
            if (store_col_int(st, 4) == r->unit.id) {
                if (r->nrows == rowcap) {
                    struct report_row *nr = realloc(r->rows, rowcap * 2 * sizeof *nr);
                    if (!nr) {
                        rc = -1;
                        break;
                    }
                    memset(nr + rowcap, 0, rowcap * sizeof *nr);
                    r->rows = nr;
                    rowcap *= 2;
                }
                struct report_row *row = &r->rows[r->nrows++];
                row->unit_id = id;
                snprintf(row->code, sizeof row->code, "%s", store_col_text(st, 1));
                snprintf(row->name, sizeof row->name, "%s", store_col_text(st, 2));
            }
        }
        if (b->nslots == cap) {
            struct unit_slot *ns = realloc(b->slots, cap * 2 * sizeof *ns);
            if (!ns) {
                rc = -1;
                break;
            }
            b->slots = ns;
            cap *= 2;
        }
        b->slots[b->nslots++] = (struct unit_slot){.unit_id = id, .row = (int)under};
    }
    store_done(st);
    if (rc != STORE_DONE)
        return rc < 0 ? rc : STORE_ERR;
    qsort(r->rows, r->nrows, sizeof *r->rows, row_cmp);
    /* Children by id, to turn "under child id" into a row index. */
    struct unit_slot *kids = malloc((r->nrows ? r->nrows : 1) * sizeof *kids);
    if (!kids)
        return -1;
    for (size_t i = 0; i < r->nrows; i++)
        kids[i] = (struct unit_slot){.unit_id = r->rows[i].own ? 0 : r->rows[i].unit_id,
                                     .row = (int)i};
    qsort(kids, r->nrows, sizeof *kids, slot_cmp);
    for (size_t i = 0; i < b->nslots; i++) {
        struct unit_slot key = {.unit_id = b->slots[i].row};
        const struct unit_slot *k = bsearch(&key, kids, r->nrows, sizeof key, slot_cmp);
        b->slots[i].row = k ? k->row : 0;
    }
    free(kids);
    qsort(b->slots, b->nslots, sizeof *b->slots, slot_cmp);
    return 0;
}

static int make_points(struct report *r)
{
    if (r->grain == REPORT_DAY) {
        int64_t d0 = day_number(r->from_ymd), d1 = day_number(r->to_ymd);
        r->npoints = (size_t)(d1 - d0 + 1);
        r->points = calloc(r->npoints, sizeof *r->points);
        if (!r->points)
            return -1;
        for (size_t i = 0; i < r->npoints; i++)
            r->points[i].key = ymd_of_day(d0 + (int64_t)i);
    } else {
        int m0 = r->from_ymd / 100, m1 = r->to_ymd / 100;
        size_t n = 0;
        for (int m = m0; m <= m1; m = month_add(m, 1))
            n++;
        r->npoints = n;
        r->points = calloc(n, sizeof *r->points);
        if (!r->points)
            return -1;
        int m = m0;
        for (size_t i = 0; i < n; i++, m = month_add(m, 1))
            r->points[i].key = m;
    }
    return 0;
}

static const char sql_daily[] =
    "SELECT s.unit_id, s.day, s.channel, s.level_d42, s.level_old, s.received, s.with_files,"
    " s.early, s.on_time, s.late, s.late_apology, s.refused, s.withdrawn, s.stopped, s.returned, s.supplements,"
    " s.rated_very, s.rated_ok, s.rated_not, s.paid_online, s.paid_desk"
    " FROM units u CROSS JOIN stat_daily s"
    " WHERE u.path >= ? AND u.path < ? AND s.unit_id = u.id AND s.day BETWEEN ? AND ?";
static const char sql_monthly[] =
    "SELECT s.unit_id, s.month, s.channel, s.level_d42, s.level_old, s.received, s.with_files,"
    " s.early, s.on_time, s.late, s.late_apology, s.refused, s.withdrawn, s.stopped, s.returned, s.supplements,"
    " s.rated_very, s.rated_ok, s.rated_not, s.paid_online, s.paid_desk"
    " FROM units u CROSS JOIN stat_monthly s"
    " WHERE u.path >= ? AND u.path < ? AND s.unit_id = u.id AND s.month BETWEEN ? AND ?";

/* Sums the counter rows of the subtree with date keys in [k0, k1]. */
static int sum_counters(struct store *db, struct builder *b, const char *sql, int k0, int k1)
{
    struct store_stmt *st;
    int rc = store_prepare_all(db, sql, &st,
                               BIND_TEXT(b->lo), BIND_TEXT(b->hi), BIND_INT(k0), BIND_INT(k1));
    if (rc)
        return rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        int64_t f[STAT_NFIGS];
        for (int i = 0; i < STAT_NFIGS; i++)
            f[i] = store_col_int(st, 5 + i);
        add(b, store_col_int(st, 0), (int)store_col_int(st, 1),
            stat_channel_index(store_col_text(st, 2)), stat_level42_index(store_col_text(st, 3)),
            stat_level_old_index(store_col_int(st, 4)), f);
    }
    store_done(st);
    return rc == STORE_DONE ? 0 : (rc < 0 ? rc : STORE_ERR);
}

static int from_counters(struct store *db, struct builder *b)
{
    struct report *r = b->r;
    if (r->grain == REPORT_DAY)
        return sum_counters(db, b, sql_daily, r->from_ymd, r->to_ymd);
    /* Whole months from stat_monthly, the rest day by day. */
    int m_first = r->from_ymd % 100 == 1 ? r->from_ymd / 100 : month_add(r->from_ymd / 100, 1);
    int m_last = r->to_ymd == month_last_day(r->to_ymd / 100) ? r->to_ymd / 100
                                                                : month_add(r->to_ymd / 100, -1);
    if (m_first > m_last)
        return sum_counters(db, b, sql_daily, r->from_ymd, r->to_ymd);
    int rc = sum_counters(db, b, sql_monthly, m_first, m_last);
    int first_day = m_first * 100 + 1, last_day = month_last_day(m_last);
    if (rc == 0 && r->from_ymd < first_day)
        rc = sum_counters(db, b, sql_daily, r->from_ymd, ymd_of_day(day_number(first_day) - 1));
    if (rc == 0 && r->to_ymd > last_day)
        rc = sum_counters(db, b, sql_daily, ymd_of_day(day_number(last_day) + 1), r->to_ymd);
    return rc;
}

/* --- the same from the raw rows ------------------------------------------------ */

/* Each query yields: unit, time, channel, level_d42, level_old, then what
 * to count. */
static const char scan_received[] =
    "SELECT d.unit_id, d.submitted_at, d.channel, p.level_d42, p.level_old,"
    " EXISTS (SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id"
    "  AND f.uploaded_at <= d.submitted_at)"
    " FROM dossiers d JOIN units u ON u.id = d.unit_id JOIN procedures p ON p.id = d.procedure_id"
    " WHERE u.path >= ?1 AND u.path < ?2 AND d.code IS NOT NULL"
    " AND d.submitted_at >= ?3 AND d.submitted_at < ?4";
static const char scan_finished[] =
    "SELECT d.unit_id, d.finished_at, d.channel, p.level_d42, p.level_old, d.status_code,"
    " coalesce(d.due_at, 0),"
    " EXISTS (SELECT 1 FROM dossier_apologies a WHERE a.dossier_id = d.id)"
    " FROM dossiers d JOIN units u ON u.id = d.unit_id JOIN procedures p ON p.id = d.procedure_id"
    " WHERE u.path >= ?1 AND u.path < ?2 AND d.status_code IN (3, 7, 8, 9, 10)"
    " AND d.finished_at >= ?3 AND d.finished_at < ?4";
static const char scan_events[] =
    "SELECT d.unit_id, e.at, d.channel, p.level_d42, p.level_old, e.status_code"
    " FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id"
    " JOIN units u ON u.id = d.unit_id JOIN procedures p ON p.id = d.procedure_id"
    " WHERE u.path >= ?1 AND u.path < ?2 AND e.status_code IN (5, 10)"
    " AND e.at >= ?3 AND e.at < ?4";
static const char scan_ratings[] =
    "SELECT d.unit_id, r.rated_at, d.channel, p.level_d42, p.level_old, r.level"
    " FROM dossier_ratings r JOIN dossiers d ON d.id = r.dossier_id"
    " JOIN units u ON u.id = d.unit_id JOIN procedures p ON p.id = d.procedure_id"
    " WHERE u.path >= ?1 AND u.path < ?2 AND r.rated_at >= ?3 AND r.rated_at < ?4";

static const char scan_payments[] =
    "SELECT d.unit_id, q.paid_at, d.channel, p.level_d42, p.level_old, q.method"
    " FROM payments q JOIN dossiers d ON d.id = q.dossier_id"
    " JOIN units u ON u.id = d.unit_id JOIN procedures p ON p.id = d.procedure_id"
    " WHERE u.path >= ?1 AND u.path < ?2 AND q.status = 'paid'"
    " AND q.paid_at >= ?3 AND q.paid_at < ?4";

enum scan_kind { SCAN_RECEIVED, SCAN_FINISHED, SCAN_EVENTS, SCAN_RATINGS, SCAN_PAYMENTS };

static int scan_one(struct store *db, struct builder *b, const char *sql, enum scan_kind kind)
{
    struct report *r = b->r;
    struct store_stmt *st;
    int rc = store_prepare_all(db, sql, &st,
                               BIND_TEXT(b->lo), BIND_TEXT(b->hi), BIND_INT(r->from_ts),
                               BIND_INT(r->to_ts));
    if (rc)
        return rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        int64_t f[STAT_NFIGS] = {0}, t = store_col_int(st, 1);
        int fig = -1;
        switch (kind) {
        case SCAN_RECEIVED:
            f[STAT_RECEIVED] = 1;
            f[STAT_WITH_FILES] = store_col_int(st, 5) ? 1 : 0;
            break;
        case SCAN_FINISHED: {
            int64_t status = store_col_int(st, 5);
            int apologized = (int)store_col_int(st, 7);
            fig = status == STATUS_REFUSED   ? STAT_REFUSED
                  : status == STATUS_WITHDRAWN ? STAT_WITHDRAWN
                  : status == STATUS_STOPPED ? STAT_STOPPED
                                : stat_timeliness(t, store_col_int(st, 6), apologized);
            if (fig == STAT_LATE && apologized)
                f[STAT_LATE_APOLOGY] = 1;
            break;
        }
        case SCAN_EVENTS:
            fig = store_col_int(st, 5) == 5 ? STAT_SUPPLEMENTS : STAT_RETURNED;
            break;
        case SCAN_RATINGS:
            fig = stat_rating_fig(store_col_text(st, 5));
            break;
        case SCAN_PAYMENTS:
            fig = stat_payment_fig(store_col_text(st, 5));
            break;
        }
        if (fig >= 0)
            f[fig] = 1;
        add(b, store_col_int(st, 0), stat_local_ymd(t), stat_channel_index(store_col_text(st, 2)),
            stat_level42_index(store_col_text(st, 3)), stat_level_old_index(store_col_int(st, 4)),
            f);
    }
    store_done(st);
    return rc == STORE_DONE ? 0 : (rc < 0 ? rc : STORE_ERR);
}

static int from_scan(struct store *db, struct builder *b)
{
    int rc = scan_one(db, b, scan_received, SCAN_RECEIVED);
    if (rc == 0)
        rc = scan_one(db, b, scan_finished, SCAN_FINISHED);
    if (rc == 0)
        rc = scan_one(db, b, scan_events, SCAN_EVENTS);
    if (rc == 0)
        rc = scan_one(db, b, scan_ratings, SCAN_RATINGS);
    if (rc == 0)
        rc = scan_one(db, b, scan_payments, SCAN_PAYMENTS);
    return rc;
}

/* --- as of now ---------------------------------------------------------------- */

/* Open dossiers (national status 1, 2, 4, 5, 6 with the clock running or
 * paused) and, of those, overdue (running, past the appointment), from the
 * dossiers themselves: the open set is small and indexed by unit and
 * status. */
static int add_pending(struct store *db, struct builder *b)
{
    struct report *r = b->r;
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "SELECT d.unit_id, count(*), sum(ws.clock = 'running' AND d.due_at < ?3)"
                               " FROM units u CROSS JOIN dossiers d"
                               " JOIN procedures p ON p.id = d.procedure_id"
                               " JOIN workflow_states ws ON ws.workflow = p.workflow"
                               "  AND ws.state = d.state"
                               " WHERE u.path >= ?1 AND u.path < ?2 AND d.unit_id = u.id"
                               " AND d.status_code IN (1, 2, 4, 5, 6)"
                               " AND ws.clock IN ('running', 'paused') GROUP BY d.unit_id",
                               &st, BIND_TEXT(b->lo), BIND_TEXT(b->hi), BIND_INT(r->as_of));
    if (rc)
        return rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        int row = row_of(b, store_col_int(st, 0));
        int64_t n = store_col_int(st, 1), late = store_col_int(st, 2);
        if (row < 0)
            continue;
        r->rows[row].figs.pending += n;
        r->rows[row].figs.overdue += late;
        r->total.pending += n;
        r->total.overdue += late;
    }
    store_done(st);
    return rc == STORE_DONE ? 0 : (rc < 0 ? rc : STORE_ERR);
}

/* Complaints and suggestions answered and rated in the period. */
static int add_feedback(struct store *db, struct builder *b)
{
    struct report *r = b->r;
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "SELECT coalesce(sum(f.answered_at >= ?2 AND f.answered_at < ?3), 0),"
                               " coalesce(sum(f.answered_at >= ?2 AND f.answered_at < ?3 AND"
                               "  f.answered_at <= f.due_at), 0),"
                               " coalesce(sum(f.rated_at >= ?2 AND f.rated_at < ?3), 0),"
                               " coalesce(sum(f.rated_at >= ?2 AND f.rated_at < ?3 AND"
                               "  f.rating IN ('rat_hai_long', 'hai_long')), 0)"
                               " FROM feedback f JOIN units u ON u.id = f.unit_id"
                               " WHERE substr(u.path, 1, length(?1)) = ?1",
                               &st,
                               BIND_TEXT(r->unit.path), BIND_INT(r->from_ts), BIND_INT(r->to_ts));
    if (rc)
        return rc;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        r->feedback_answered = store_col_int(st, 0);
        r->feedback_on_time = store_col_int(st, 1);
        r->feedback_rated = store_col_int(st, 2);
        r->feedback_satisfied = store_col_int(st, 3);
    }
    store_done(st);
    return rc == STORE_ROW ? 0 : (rc < 0 ? rc : STORE_ERR);
}

static int add_catalog(struct store *db, struct builder *b)
{
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "SELECT count(DISTINCT p.id),"
                               " count(DISTINCT CASE WHEN p.level_d42 = 'toan_trinh' THEN p.id END)"
                               " FROM units u JOIN procedure_units pu ON pu.unit_id = u.id"
                               " JOIN procedures p ON p.id = pu.procedure_id"
                               " WHERE u.path >= ? AND u.path < ?",
                               &st, BIND_TEXT(b->lo), BIND_TEXT(b->hi));
    if (rc)
        return rc;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        b->r->procedures = store_col_int(st, 0);
        b->r->procedures_full = store_col_int(st, 1);
    }
    store_done(st);
    return rc == STORE_ROW ? 0 : (rc < 0 ? rc : STORE_ERR);
}

int report_build(struct store *db, const struct unit *u, int from_ymd, int to_ymd, int64_t now,
                 enum report_source src, struct report *r)
{
    struct builder b = {.r = r};
    memset(r, 0, sizeof *r);
    r->unit = *u;
    r->from_ymd = from_ymd;
    r->to_ymd = to_ymd;
    r->from_ts = report_local_midnight(from_ymd);
    r->to_ts = report_local_midnight(to_ymd) + 86400;
    r->as_of = now;
    r->source = src;
    r->grain = report_period_days(from_ymd, to_ymd) <= REPORT_DAY_GRAIN_MAX ? REPORT_DAY
                                                                              : REPORT_MONTH;
    int rc = load_units(db, &b);
    if (rc == 0)
        rc = make_points(r);
    if (rc == 0)
        rc = src == REPORT_COUNTERS ? from_counters(db, &b) : from_scan(db, &b);
    if (rc == 0)
        rc = add_pending(db, &b);
    if (rc == 0)
        rc = add_catalog(db, &b);
    if (rc == 0)
        rc = add_feedback(db, &b);
    if (rc == 0 && src == REPORT_COUNTERS) {
        int64_t flag = 0;
        int q = store_query_int(db, "SELECT count(*) FROM settings WHERE key = ?",
                                "report.rebuild_needed", &flag);
        rc = q == STORE_ROW ? 0 : (q < 0 ? q : STORE_ERR);
        r->incomplete = flag > 0;
    }
    free(b.slots);
    return rc;
}

void report_free(struct report *r)
{
    free(r->rows);
    free(r->points);
    r->rows = NULL;
    r->points = NULL;
    r->nrows = r->npoints = 0;
}

/* --- QĐ 766 ------------------------------------------------------------------------ */

const char *const report_group_titles[REPORT_GROUPS] = {
    "Công khai, minh bạch",
    "Tiến độ, kết quả giải quyết",
    "Cung cấp dịch vụ trực tuyến",
    "Số hóa hồ sơ",
    "Mức độ hài lòng",
};

size_t report_indicators(const struct report *r, struct report_indicator *out, size_t max)
{
    const struct report_figs *g = &r->total;
    int64_t recv = g->f[STAT_RECEIVED], handled = report_handled(g);
    int64_t online = report_received_by(g, STAT_CH_ONLINE);
    int64_t full = 0, full_online = 0, lv[STAT_NOLD] = {0}, lv_online[STAT_NOLD] = {0};
    for (int o = 0; o < STAT_NOLD; o++)
        for (int c = 0; c < STAT_NCH; c++) {
            full += g->recv[STAT_L42_FULL][o][c];
            lv[o] += g->recv[STAT_L42_FULL][o][c] + g->recv[STAT_L42_PART][o][c];
        }
    for (int o = 0; o < STAT_NOLD; o++) {
        full_online += g->recv[STAT_L42_FULL][o][STAT_CH_ONLINE];
        lv_online[o] = g->recv[STAT_L42_FULL][o][STAT_CH_ONLINE] +
                       g->recv[STAT_L42_PART][o][STAT_CH_ONLINE];
    }
    int64_t paper = g->f[STAT_RECEIVED] - online;
    int64_t paper_files = g->files[STAT_CH_DESK] + g->files[STAT_CH_POST];
    const struct report_indicator all[] = {
        {1, "cong_khai_tien_do", "Hồ sơ được công khai tiến độ giải quyết (tra cứu theo mã hồ sơ)",
         1, 0, recv, recv,
         "Mọi hồ sơ đã nộp đều có mã và tra cứu công khai được trạng thái, không lộ thông tin cá"
         " nhân."},
        {1, "tthc_cong_khai", "Số thủ tục hành chính các đơn vị đang công khai, tiếp nhận trên cổng",
         1, 1, r->procedures, 0, "Theo danh mục thủ tục tại thời điểm lập báo cáo."},
        {1, "dong_bo_cong_quoc_gia", "Hồ sơ được đồng bộ lên Cổng Dịch vụ công quốc gia", 0, 0, 0,
         0, "Chưa có dữ liệu: motcua chưa kết nối, đồng bộ với Cổng Dịch vụ công quốc gia."},
        {2, "dung_han", "Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn", 1, 0,
         g->f[STAT_EARLY] + g->f[STAT_ON_TIME], handled,
         "Trên số hồ sơ đã giải quyết xong (trạng thái 9) trong kỳ."},
        {2, "truoc_han", "Tỷ lệ hồ sơ giải quyết trước hạn", 1, 0, g->f[STAT_EARLY], handled,
         "Xong trước ngày hẹn trả kết quả."},
        {2, "qua_han", "Tỷ lệ hồ sơ giải quyết quá hạn", 1, 0, g->f[STAT_LATE], handled,
         "Xong sau thời điểm hẹn trả kết quả."},
        {2, "dang_qua_han", "Tỷ lệ hồ sơ đang giải quyết đã quá hạn", 1, 0, g->overdue, g->pending,
         "Tại thời điểm lập báo cáo."},
        {2, "xin_loi_tre_han", "Tỷ lệ hồ sơ quá hạn có văn bản xin lỗi và hẹn lại ngày trả kết quả",
         1, 0, g->f[STAT_LATE_APOLOGY], g->f[STAT_LATE],
         "Phiếu xin lỗi và hẹn lại ngày trả, trên số hồ sơ giải quyết quá hạn trong kỳ."},
        {3, "tiep_nhan_truc_tuyen", "Tỷ lệ hồ sơ tiếp nhận trực tuyến", 1, 0, online, recv,
         "Trên tổng số hồ sơ tiếp nhận trong kỳ."},
        {3, "truc_tuyen_toan_trinh", "Tỷ lệ hồ sơ trực tuyến của thủ tục trực tuyến toàn trình",
         1, 0, full_online, full, "Nghị định 42/2022/NĐ-CP."},
        {3, "truc_tuyen_muc_do_4", "Tỷ lệ hồ sơ trực tuyến của thủ tục mức độ 4", 1, 0,
         lv_online[2], lv[2], "Thang cũ, Nghị định 43/2011/NĐ-CP."},
        {3, "truc_tuyen_muc_do_3", "Tỷ lệ hồ sơ trực tuyến của thủ tục mức độ 3", 1, 0,
         lv_online[1], lv[1], "Thang cũ, Nghị định 43/2011/NĐ-CP."},
        {3, "tthc_toan_trinh", "Tỷ lệ thủ tục cung cấp dịch vụ công trực tuyến toàn trình", 1, 0,
         r->procedures_full, r->procedures, "Theo danh mục thủ tục tại thời điểm lập báo cáo."},
        {3, "thanh_toan_truc_tuyen", "Tỷ lệ hồ sơ thanh toán phí, lệ phí trực tuyến", 1, 0,
         g->f[STAT_PAID_ONLINE], g->f[STAT_PAID_ONLINE] + g->f[STAT_PAID_DESK],
         "Qua cổng thanh toán hoặc chuyển khoản (VietQR), trên số khoản phí, lệ phí đã nộp"
         " trong kỳ."},
        {4, "so_hoa_khi_tiep_nhan", "Tỷ lệ hồ sơ có thành phần hồ sơ điện tử khi tiếp nhận", 1, 0,
         g->f[STAT_WITH_FILES], recv, "Hồ sơ có tệp đính kèm (bản điện tử, bản quét)."},
        {4, "so_hoa_truc_tiep", "Tỷ lệ hồ sơ nộp trực tiếp, qua bưu chính được số hóa", 1, 0,
         paper_files, paper, "Có bản quét khi cán bộ tiếp nhận đăng ký hồ sơ."},
        {4, "ket_qua_dien_tu", "Tỷ lệ kết quả giải quyết được cấp bản điện tử", 0, 0, 0, 0,
         "Chưa có dữ liệu: motcua chưa lưu kết quả giải quyết dạng điện tử."},
        {4, "tai_su_dung_du_lieu", "Tỷ lệ hồ sơ sử dụng lại dữ liệu đã số hóa", 0, 0, 0, 0,
         "Chưa có dữ liệu: chưa có kho dữ liệu số hóa dùng chung."},
        {5, "hai_long", "Tỷ lệ hài lòng trong tiếp nhận, giải quyết thủ tục hành chính", 1, 0,
         report_satisfied(g), report_ratings(g),
         "Rất hài lòng và hài lòng trên tổng số lượt đánh giá trong kỳ."},
        {5, "luot_danh_gia", "Số lượt người dân, doanh nghiệp đánh giá", 1, 1, report_ratings(g),
         0, "Đánh giá sau khi nhận kết quả."},
        {5, "pakn_dung_han", "Tỷ lệ phản ánh, kiến nghị được xử lý đúng hạn", 1, 0,
         r->feedback_on_time, r->feedback_answered,
         "Trả lời trong 10 ngày làm việc, trên số phản ánh, kiến nghị đã trả lời trong kỳ."},
        {5, "hai_long_pakn", "Mức độ hài lòng về xử lý phản ánh, kiến nghị", 1, 0,
         r->feedback_satisfied, r->feedback_rated,
         "Rất hài lòng và hài lòng trên số lượt đánh giá câu trả lời trong kỳ."},
    };
    size_t n = sizeof all / sizeof all[0];
    if (n > max)
        n = max;
    memcpy(out, all, n * sizeof *out);
    return n;
}

/* --- JSON ------------------------------------------------------------------------- */

static json_t *rate_json(int64_t num, int64_t den)
{
    double v = report_rate(num, den);
    return v < 0 ? json_null() : json_real(v);
}

json_t *report_figs_json(const struct report_figs *g, int with_pending)
{
    int64_t recv = g->f[STAT_RECEIVED], online = report_received_by(g, STAT_CH_ONLINE);
    int64_t handled = report_handled(g);
    json_t *o = json_object();
    json_object_set_new(o, "received", json_integer(recv));
    json_object_set_new(o, "online", json_integer(online));
    json_object_set_new(o, "desk", json_integer(report_received_by(g, STAT_CH_DESK)));
    json_object_set_new(o, "post", json_integer(report_received_by(g, STAT_CH_POST)));
    json_object_set_new(o, "online_share", rate_json(online, recv));
    json_object_set_new(o, "with_files", json_integer(g->f[STAT_WITH_FILES]));
    json_object_set_new(o, "handled", json_integer(handled));
    json_object_set_new(o, "early", json_integer(g->f[STAT_EARLY]));
    json_object_set_new(o, "on_time", json_integer(g->f[STAT_ON_TIME]));
    json_object_set_new(o, "late", json_integer(g->f[STAT_LATE]));
    json_object_set_new(o, "late_apology", json_integer(g->f[STAT_LATE_APOLOGY]));
    json_object_set_new(o, "on_time_rate",
                        rate_json(g->f[STAT_EARLY] + g->f[STAT_ON_TIME], handled));
    json_object_set_new(o, "early_rate", rate_json(g->f[STAT_EARLY], handled));
    json_object_set_new(o, "late_rate", rate_json(g->f[STAT_LATE], handled));
    json_object_set_new(o, "refused", json_integer(g->f[STAT_REFUSED]));
    json_object_set_new(o, "withdrawn", json_integer(g->f[STAT_WITHDRAWN]));
    json_object_set_new(o, "stopped", json_integer(g->f[STAT_STOPPED]));
    json_object_set_new(o, "returned", json_integer(g->f[STAT_RETURNED]));
    json_object_set_new(o, "supplements", json_integer(g->f[STAT_SUPPLEMENTS]));
    if (with_pending) {
        json_object_set_new(o, "pending", json_integer(g->pending));
        json_object_set_new(o, "overdue", json_integer(g->overdue));
    }
    json_object_set_new(o, "ratings", json_integer(report_ratings(g)));
    json_object_set_new(o, "rat_hai_long", json_integer(g->f[STAT_RATED_VERY]));
    json_object_set_new(o, "hai_long", json_integer(g->f[STAT_RATED_OK]));
    json_object_set_new(o, "khong_hai_long", json_integer(g->f[STAT_RATED_NOT]));
    json_object_set_new(o, "satisfaction_rate", rate_json(report_satisfied(g), report_ratings(g)));
    int64_t paid = g->f[STAT_PAID_ONLINE] + g->f[STAT_PAID_DESK];
    json_object_set_new(o, "fees_paid", json_integer(paid));
    json_object_set_new(o, "fees_paid_online", json_integer(g->f[STAT_PAID_ONLINE]));
    json_object_set_new(o, "fees_paid_online_share", rate_json(g->f[STAT_PAID_ONLINE], paid));
    return o;
}

/* {online, desk, post, total, online_share} of received dossiers. */
static json_t *channels_json(const int64_t n[STAT_NCH])
{
    int64_t total = n[0] + n[1] + n[2];
    return json_pack("{s:I, s:I, s:I, s:I, s:o}", "total", (json_int_t)total, "online",
                     (json_int_t)n[STAT_CH_ONLINE], "desk", (json_int_t)n[STAT_CH_DESK], "post",
                     (json_int_t)n[STAT_CH_POST], "online_share",
                     rate_json(n[STAT_CH_ONLINE], total));
}

static json_t *levels_json(const struct report_figs *g)
{
    json_t *d42 = json_object(), *old = json_object();
    for (int a = 0; a < STAT_NL42; a++) {
        int64_t n[STAT_NCH] = {0};
        for (int b = 0; b < STAT_NOLD; b++)
            for (int c = 0; c < STAT_NCH; c++)
                n[c] += g->recv[a][b][c];
        json_object_set_new(d42, stat_level42_names[a], channels_json(n));
    }
    for (int b = 0; b < STAT_NOLD; b++) {
        int64_t n[STAT_NCH] = {0};
        char key[4];
        for (int a = 0; a < STAT_NL42; a++)
            for (int c = 0; c < STAT_NCH; c++)
                n[c] += g->recv[a][b][c];
        snprintf(key, sizeof key, "%d", b + 2);
        json_object_set_new(old, key, channels_json(n));
    }
    return json_pack("{s:o, s:o}", "decree_42", d42, "decree_43", old);
}

static json_t *qd766_json(const struct report *r)
{
    struct report_indicator ind[32];
    size_t n = report_indicators(r, ind, 32);
    json_t *groups = json_array();
    for (int gi = 1; gi <= REPORT_GROUPS; gi++) {
        json_t *list = json_array();
        for (size_t i = 0; i < n; i++) {
            if (ind[i].group != gi)
                continue;
            json_t *o = json_pack("{s:s, s:s, s:b, s:s, s:s}", "key", ind[i].key, "title",
                                  ind[i].title, "available", ind[i].available, "kind",
                                  ind[i].is_count ? "count" : "ratio", "note", ind[i].note);
            if (ind[i].available) {
                json_object_set_new(o, "value", ind[i].is_count ? json_integer(ind[i].num)
                                                                : rate_json(ind[i].num, ind[i].den));
                json_object_set_new(o, "numerator", json_integer(ind[i].num));
                if (!ind[i].is_count)
                    json_object_set_new(o, "denominator", json_integer(ind[i].den));
            }
            json_array_append_new(list, o);
        }
        json_array_append_new(groups, json_pack("{s:i, s:s, s:o}", "group", gi, "title",
                                                report_group_titles[gi - 1], "indicators", list));
    }
    return json_pack("{s:s, s:o}", "note",
                     "Chỉ số theo Quyết định 766/QĐ-TTg: báo cáo tính các tỷ lệ mà dữ liệu của"
                     " hệ thống cho phép; chỉ tiêu ghi \"Chưa có dữ liệu\" cần dữ liệu hệ thống"
                     " chưa có. Điểm số theo thang 100 chưa được tính.",
                     "groups", groups);
}

json_t *report_json(const struct report *r)
{
    char from[16], to[16];
    report_format_ymd(r->from_ymd, from, sizeof from);
    report_format_ymd(r->to_ymd, to, sizeof to);
    json_t *units = json_array(), *points = json_array();
    for (size_t i = 0; i < r->nrows; i++) {
        json_t *o = report_figs_json(&r->rows[i].figs, 1);
        json_object_set_new(o, "code", json_string(r->rows[i].code));
        json_object_set_new(o, "name", json_string(r->rows[i].name));
        json_object_set_new(o, "own", json_boolean(r->rows[i].own));
        json_array_append_new(units, o);
    }
    for (size_t i = 0; i < r->npoints; i++) {
        json_t *o = report_figs_json(&r->points[i].figs, 0);
        char key[16];
        int k = r->points[i].key;
        if (r->grain == REPORT_DAY)
            report_format_ymd(k, key, sizeof key);
        else
            snprintf(key, sizeof key, "%04d-%02d", k / 100, k % 100);
        json_object_set_new(o, "period", json_string(key));
        json_array_append_new(points, o);
    }
    return json_pack(
        "{s:{s:s, s:s, s:s}, s:{s:s, s:s, s:i}, s:o, s:s, s:b, s:o, s:o, s:o, s:o, s:{s:s, s:o}}",
        "unit", "code", r->unit.code, "name", r->unit.name, "level", r->unit.level, "period",
        "from", from, "to", to, "days", report_period_days(r->from_ymd, r->to_ymd), "as_of",
        cal_json_iso(r->as_of), "source", r->source == REPORT_COUNTERS ? "counters" : "scan",
        "incomplete", r->incomplete, "totals", report_figs_json(&r->total, 1), "received_by_level",
        levels_json(&r->total), "qd766", qd766_json(r), "units", units, "series", "grain",
        r->grain == REPORT_DAY ? "day" : "month", "points", points);
}
