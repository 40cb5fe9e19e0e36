/* queue: scoped dossier lists for officers. */
#include "dossier/queue.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/permission.h"
#include "base/text.h"
#include "base/util.h"
#include "calendar/calendar.h"
#include "dossier/dossier.h"
#include "dossier/status.h"
#include "store/store.h"

static const char *const views[] = {"new",        "due_today", "due_soon", "overdue",
                                    "supplement", "approval",  "mine",     "active",
                                    "all",        "to_assign", "to_return"};

int queue_view_valid(const char *view)
{
    for (size_t i = 0; i < ARRAY_LEN(views); i++)
        if (strcmp(view, views[i]) == 0)
            return 1;
    return 0;
}

/* Local midnight after now, in Unix seconds. */
static int64_t end_of_local_day(int64_t now)
{
    int64_t local = now + CAL_TZ_OFFSET;
    return local - local % 86400 + 86400 - CAL_TZ_OFFSET;
}

/* The shared FROM/WHERE: ?1 account, ?2 view, ?3 now, ?4 end of today,
 * ?5 end of "soon", ?6 code pattern or NULL, ?7 folded name pattern. */
/* The units the officer may read, worked out once per query (SQLite builds
 * it into a temporary index), instead of a subquery per dossier row. */
#define QUEUE_SCOPE "WITH " PERMISSION_SCOPE("?1", "'dossier.read'") " "

#define QUEUE_JOINS                                                                                \
    " FROM dossiers d JOIN procedures p ON p.id = d.procedure_id"                                  \
    " JOIN units u ON u.id = d.unit_id JOIN units cu ON cu.id = d.current_unit_id"                 \
    " JOIN workflow_states ws ON ws.workflow = p.workflow AND ws.state = d.state"                  \
    " WHERE d.code IS NOT NULL"                                                                    \
    " AND (?6 IS NULL OR d.code LIKE ?6 ESCAPE '\\' OR d.applicant_folded LIKE ?7 ESCAPE '\\')"   \
    QUEUE_DRILL

/* All dossiers in scope: found through the unit indexes. */
#define QUEUE_FROM QUEUE_JOINS " AND (d.current_unit_id IN scope OR d.unit_id IN scope)"

/* Open dossiers only (every view but "all"), and the finished ones whose
 * result waits to be handed back: found through the status index (this set
 * stays small while closed dossiers pile up over the years), then checked
 * against the scope; "+" keeps the planner off the unit indexes, which
 * would visit every dossier of every unit in scope. */
#define QUEUE_FROM_OPEN                                                                            \
    QUEUE_JOINS " AND (+d.current_unit_id IN scope OR +d.unit_id IN scope)"                        \
    " AND d.status_code IN (SELECT status_code FROM workflow_states"                               \
    "  WHERE clock IN ('running', 'paused') OR state = 'done')"

/* The reports' drill-down (struct queue_filter): ?10/?11 the receiving
 * unit's subtree as a path range, ?12 channel, ?13 result (early, on_time,
 * late: as stat_timeliness in report/stats.c: late after the appointment or
 * with an apology letter; local days are UTC+7 = 25200 s), ?14/?15 the
 * period, on the submission time, or on the time finished with a result. */
#define QUEUE_DRILL                                                                                \
    " AND (?10 IS NULL OR (u.path >= ?10 AND u.path < ?11))"                                       \
    " AND (?12 IS NULL OR d.channel = ?12)"                                                        \
    " AND (?13 IS NULL OR (d.status_code IN (9, 10) AND d.finished_at IS NOT NULL AND"             \
    "  CASE WHEN d.finished_at > d.due_at OR EXISTS (SELECT 1 FROM dossier_apologies a"          \
    "   WHERE a.dossier_id = d.id) THEN 'late'"                                                    \
    "   WHEN (d.finished_at + 25200) / 86400 < (d.due_at + 25200) / 86400 THEN 'early'"            \
    "   ELSE 'on_time' END = ?13))"                                                                \
    " AND (?14 IS NULL OR (CASE WHEN ?13 IS NULL THEN d.submitted_at ELSE d.finished_at END)"      \
    "  >= ?14)"                                                                                    \
    " AND (?15 IS NULL OR (CASE WHEN ?13 IS NULL THEN d.submitted_at ELSE d.finished_at END)"      \
    "  < ?15)"

#define VIEW_FILTER                                                                                \
    " AND (?2 = 'all'"                                                                             \
    "  OR (?2 = 'active' AND ws.clock IN ('running', 'paused'))"                                   \
    "  OR (?2 = 'new' AND d.state = 'submitted')"                                                  \
    "  OR (?2 = 'supplement' AND d.state = 'supplement')"                                          \
    "  OR (?2 = 'approval' AND d.state = 'awaiting_approval')"                                     \
    "  OR (?2 = 'to_assign' AND d.state = 'received')"                                            \
    "  OR (?2 = 'to_return' AND d.state = 'done')"                                                 \
    "  OR (?2 = 'mine' AND d.assignee_id = ?1 AND ws.clock IN ('running', 'paused'))"              \
    "  OR (?2 = 'due_today' AND ws.clock = 'running' AND d.due_at >= ?3 AND d.due_at < ?4)"        \
    "  OR (?2 = 'due_soon' AND ws.clock = 'running' AND d.due_at >= ?4 AND d.due_at < ?5)"         \
    "  OR (?2 = 'overdue' AND ws.clock = 'running' AND d.due_at < ?3))"

struct search {
    const char *code_pattern;   /* NULL for no search */
    const char *folded_pattern;
    const struct queue_filter *filter; /* NULL for none */
};

int queue_result_valid(const char *result)
{
    return strcmp(result, "early") == 0 || strcmp(result, "on_time") == 0 ||
           strcmp(result, "late") == 0;
}

static void bind_common(struct store_stmt *st, int64_t account, const char *view, int64_t now,
                        const struct search *q)
{
    int64_t eod = end_of_local_day(now);
    store_bind_int(st, 1, account);
    store_bind_text(st, 2, view);
    store_bind_int(st, 3, now);
    store_bind_int(st, 4, eod);
    store_bind_int(st, 5, eod + 2 * 86400);
    store_bind_text(st, 6, q->code_pattern);
    store_bind_text(st, 7, q->folded_pattern);
    const struct queue_filter *f = q->filter;
    char hi[QUEUE_PATH_MAX];
    if (f && f->unit_path && f->unit_path[0] && strlen(f->unit_path) < sizeof hi) {
        /* Paths end in '/'; '0' follows '/': every path under it sorts below. */
        size_t n = strlen(f->unit_path);
        memcpy(hi, f->unit_path, n + 1);
        hi[n - 1] = '0';
        store_bind_text(st, 10, f->unit_path);
        store_bind_text(st, 11, hi);
    } else {
        store_bind_null(st, 10);
        store_bind_null(st, 11);
    }
    store_bind_text(st, 12, f ? f->channel : NULL);
    store_bind_text(st, 13, f ? f->result : NULL);
    if (f && f->from > 0)
        store_bind_int(st, 14, f->from);
    else
        store_bind_null(st, 14);
    if (f && f->to > 0)
        store_bind_int(st, 15, f->to);
    else
        store_bind_null(st, 15);
}

static json_t *status_json(int code)
{
    const char *name = status_name(code);
    return name ? json_pack("{s:i, s:s}", "code", code, "name", name) : json_null();
}

static json_t *counts_json(struct store *db, int64_t account, const struct search *q, int64_t now)
{
    static const char *sql =
        QUEUE_SCOPE "SELECT"
        " sum(d.state = 'submitted'),"
        " sum(ws.clock = 'running' AND d.due_at >= ?3 AND d.due_at < ?4),"
        " sum(ws.clock = 'running' AND d.due_at >= ?4 AND d.due_at < ?5),"
        " sum(ws.clock = 'running' AND d.due_at < ?3),"
        " sum(d.state = 'supplement'),"
        " sum(d.state = 'awaiting_approval'),"
        " sum(d.assignee_id = ?1 AND ws.clock IN ('running', 'paused')),"
        " sum(ws.clock IN ('running', 'paused')),"
        " count(*), sum(d.state = 'received'), sum(d.state = 'done'), ?2" QUEUE_FROM_OPEN;
    struct store_stmt *st;
    json_t *o = json_object();
    if (store_prepare(db, sql, &st))
        return o;
    bind_common(st, account, "all", now, q);
    /* "all" is not counted on every page: closed dossiers are most of them. */
    if (store_step(st) == STORE_ROW)
        for (size_t i = 0; i < ARRAY_LEN(views); i++)
            json_object_set_new(o, views[i],
                                strcmp(views[i], "all") == 0
                                    ? json_null()
                                    : json_integer(store_col_int(st, (int)i)));
    store_done(st);
    return o;
}

json_t *queue_json(struct store *db, int64_t account_id, const char *view, const char *q,
                   int limit, int offset, int64_t now)
{
    return queue_json_filtered(db, account_id, view, q, NULL, limit, offset, now);
}

json_t *queue_json_filtered(struct store *db, int64_t account_id, const char *view, const char *q,
                            const struct queue_filter *filter, int limit, int offset, int64_t now)
{
    char code_pattern[256], folded[256], folded_pattern[600];
    struct search search = {NULL, NULL, filter};
    if (q && *q && text_like_contains(q, code_pattern, sizeof code_pattern) == 0 &&
        text_fold(q, folded, sizeof folded) >= 0 &&
        text_like_contains(folded, folded_pattern, sizeof folded_pattern) == 0) {
        search.code_pattern = code_pattern;
        search.folded_pattern = folded_pattern;
    }
#define LIST_COLUMNS                                                                               \
    "SELECT d.id, d.code, d.state, d.status_code, p.code, p.name, u.code, u.name,"                 \
    " cu.code, cu.name, d.channel, d.submitted_at, d.due_at, coalesce(d.first_due_at, 0),"         \
    " d.applicant_name, ws.title, ws.clock, coalesce(d.assignee_id, 0), count(*) OVER ()"
#define LIST_ORDER                                                                                 \
    " ORDER BY CASE WHEN ws.clock = 'running' THEN d.due_at END IS NULL, d.due_at, d.id"           \
    " LIMIT ?8 OFFSET ?9"
    static const char *sql_all = QUEUE_SCOPE LIST_COLUMNS QUEUE_FROM VIEW_FILTER LIST_ORDER;
    static const char *sql_open =
        QUEUE_SCOPE LIST_COLUMNS QUEUE_FROM_OPEN VIEW_FILTER LIST_ORDER;
    const char *sql = strcmp(view, "all") == 0 ? sql_all : sql_open;
    struct store_stmt *st;
    if (store_prepare(db, sql, &st))
        return NULL;
    bind_common(st, account_id, view, now, &search);
    store_bind_int(st, 8, limit);
    store_bind_int(st, 9, offset);
    json_t *items = json_array();
    int64_t total = 0;
    int rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        int64_t due = store_col_int(st, 12);
        int running = strcmp(store_col_text(st, 16), "running") == 0;
        json_array_append_new(
            items,
            json_pack("{s:I, s:s, s:s, s:s, s:o, s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s}, s:s,"
                      " s:o, s:o, s:o, s:s, s:s, s:b, s:b}",
                      "id", (json_int_t)store_col_int(st, 0), "code", store_col_text(st, 1),
                      "state", store_col_text(st, 2), "state_title", store_col_text(st, 15),
                      "status", status_json((int)store_col_int(st, 3)), "procedure", "code",
                      store_col_text(st, 4), "name", store_col_text(st, 5), "unit", "code",
                      store_col_text(st, 6), "name", store_col_text(st, 7), "current_unit",
                      "code", store_col_text(st, 8), "name", store_col_text(st, 9), "channel",
                      store_col_text(st, 10), "submitted_at", cal_json_iso(store_col_int(st, 11)),
                      "due_at", cal_json_iso(due), "first_due_at", cal_json_iso(store_col_int(st, 13)),
                      "applicant_name", store_col_text(st, 14), "clock", store_col_text(st, 16),
                      "overdue", running && due < now, "assigned_to_me",
                      store_col_int(st, 17) == account_id));
        total = store_col_int(st, 18);
    }
    store_done(st);
    if (rc < 0) {
        json_decref(items);
        return NULL;
    }
    return json_pack("{s:o, s:I, s:o}", "items", items, "total", (json_int_t)total, "counts",
                     counts_json(db, account_id, &search, now));
}

static json_t *holds_json(struct store *db, int64_t id)
{
    struct store_stmt *st;
    json_t *list = json_array();
    if (store_prepare_all(db,
                          "SELECT u.code, u.name, h.from_at, coalesce(h.to_at, 0) FROM dossier_holds h"
                          " JOIN units u ON u.id = h.unit_id WHERE h.dossier_id = ? ORDER BY h.id",
                          &st, BIND_INT(id)))
        return list;
    while (store_step(st) == STORE_ROW)
        json_array_append_new(list, json_pack("{s:{s:s, s:s}, s:o, s:o}", "unit", "code",
                                              store_col_text(st, 0), "name",
                                              store_col_text(st, 1), "from",
                                              cal_json_iso(store_col_int(st, 2)), "to",
                                              cal_json_iso(store_col_int(st, 3))));
    store_done(st);
    return list;
}

/* The officers' history: who did what, where, and why. */
static json_t *staff_history_json(struct store *db, int64_t id)
{
    struct store_stmt *st;
    json_t *list = json_array();
    if (store_prepare_all(db,
                          "SELECT e.at, coalesce(e.status_code, 0), e.note, e.action, e.state,"
                          " coalesce(a.login, ''), coalesce(a.full_name, ''), coalesce(a.kind, ''),"
                          " coalesce(u.code, ''), coalesce(u.name, ''),"
                          " coalesce((SELECT t.title FROM workflow_transitions t"
                          "  WHERE t.workflow = p.workflow AND t.from_state = e.from_state"
                          "  AND t.action = e.action), '')"
                          " FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id"
                          " JOIN procedures p ON p.id = d.procedure_id"
                          " LEFT JOIN accounts a ON a.id = e.actor_id"
                          " LEFT JOIN units u ON u.id = e.unit_id WHERE e.dossier_id = ? ORDER BY e.id",
                          &st, BIND_INT(id)))
        return list;
    while (store_step(st) == STORE_ROW) {
        const char *title = store_col_text(st, 10);
        if (!title[0] && strcmp(store_col_text(st, 3), "submit") == 0)
            title = "Nộp hồ sơ";
        if (!title[0] && strcmp(store_col_text(st, 3), "apology") == 0)
            title = "Xin lỗi và hẹn lại ngày trả kết quả";
        json_t *e = json_pack("{s:o, s:o, s:s, s:s, s:s, s:s}", "at",
                              cal_json_iso(store_col_int(st, 0)), "status",
                              status_json((int)store_col_int(st, 1)), "note",
                              store_col_text(st, 2), "action", store_col_text(st, 3),
                              "action_title", title, "state", store_col_text(st, 4));
        json_object_set_new(e, "actor",
                            store_col_text(st, 5)[0]
                                ? json_pack("{s:s, s:s, s:s}", "login", store_col_text(st, 5),
                                            "full_name", store_col_text(st, 6), "kind",
                                            store_col_text(st, 7))
                                : json_null());
        json_object_set_new(e, "unit",
                            store_col_text(st, 8)[0]
                                ? json_pack("{s:s, s:s}", "code", store_col_text(st, 8), "name",
                                            store_col_text(st, 9))
                                : json_null());
        json_array_append_new(list, e);
    }
    store_done(st);
    return list;
}

json_t *queue_dossier_json(struct store *db, int64_t dossier_id)
{
    struct dossier d;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)dossier_id);
    if (dossier_find(db, key, 0, &d) != STORE_ROW)
        return NULL;
    json_t *o = dossier_json(db, &d, 1);
    if (!o)
        return NULL;
    struct store_stmt *st;
    if (store_prepare(db,
                      "SELECT d.applicant_name, d.applicant_address, d.applicant_phone,"
                      " d.applicant_email, ws.title, ws.clock, cu.code, cu.name,"
                      " coalesce(a.login, ''), coalesce(a.full_name, ''),"
                      " coalesce(d.applicant_id_number, '')"
                      " FROM dossiers d JOIN procedures p ON p.id = d.procedure_id"
                      " JOIN workflow_states ws ON ws.workflow = p.workflow AND ws.state = d.state"
                      " JOIN units cu ON cu.id = coalesce(d.current_unit_id, d.unit_id)"
                      " LEFT JOIN accounts a ON a.id = d.assignee_id WHERE d.id = ?",
                      &st) == 0) {
        store_bind_int(st, 1, dossier_id);
        if (store_step(st) == STORE_ROW) {
            json_object_set_new(o, "applicant",
                                json_pack("{s:s, s:s, s:s, s:s, s:s}", "name",
                                          store_col_text(st, 0), "address", store_col_text(st, 1),
                                          "phone", store_col_text(st, 2), "email",
                                          store_col_text(st, 3), "id_number",
                                          store_col_text(st, 10)));
            json_object_set_new(o, "state_title", json_string(store_col_text(st, 4)));
            json_object_set_new(o, "clock", json_string(store_col_text(st, 5)));
            json_object_set_new(o, "current_unit", json_pack("{s:s, s:s}", "code",
                                                             store_col_text(st, 6), "name",
                                                             store_col_text(st, 7)));
            json_object_set_new(o, "assignee",
                                store_col_text(st, 8)[0]
                                    ? json_pack("{s:s, s:s}", "login", store_col_text(st, 8),
                                                "full_name", store_col_text(st, 9))
                                    : json_null());
        }
        store_done(st);
    }
    json_object_set_new(o, "finished_at", cal_json_iso(d.finished_at));
    json_object_set_new(o, "on_time", d.finished_at ? json_boolean(d.finished_at <= d.due_at)
                                                    : json_null());
    json_object_set_new(o, "remaining_minutes",
                        d.remaining_minutes >= 0 ? json_integer(d.remaining_minutes)
                                                 : json_null());
    json_object_set_new(o, "holds", holds_json(db, dossier_id));
    json_object_set_new(o, "history", staff_history_json(db, dossier_id));
    return o;
}
