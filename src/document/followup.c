/* followup: the leaders' follow-up board of incoming documents
 * (document/followup.h, docs/documents.md "The follow-up board",
 * db/027_followup.sql). */
#include "document/followup.h"

#include <string.h>

#include "auth/permission.h"
#include "document/document.h"
#include "store/store.h"

static const char *const state_names[FU_NSTATES] = {"assigned", "handling", "on_time", "late",
                                                    "overdue"};

const char *followup_state_name(enum followup_state s)
{
    return (int)s >= 0 && (int)s < FU_NSTATES ? state_names[s] : "";
}

int followup_state_parse(const char *s)
{
    for (int i = 0; s && i < FU_NSTATES; i++)
        if (strcmp(s, state_names[i]) == 0)
            return i;
    return -1;
}

/* The stored state of a row of document_incoming i as the counters key it:
 * its status, or for a completed one on_time or late by the local (UTC+7,
 * as cal_local_ymd) day of completion against the deadline, the last day.
 * The counting and the drill-down both use this text, so they agree. */
#define FU_STATE_SQL                                                                               \
    "CASE WHEN i.status <> 'completed' THEN i.status"                                              \
    " WHEN date(i.completed_at + 25200, 'unixepoch') <= i.deadline THEN 'on_time'"                 \
    " ELSE 'late' END"
/* The rows on the board, and their lead unit: the unit named, or the
 * receiving unit when an officer leads. */
#define FU_ON_BOARD "i.status IN ('assigned', 'handling', 'completed') AND i.deadline IS NOT NULL"
#define FU_LEAD_UNIT "coalesce(i.lead_unit_id, d.unit_id)"

int followup_count(struct store *db, int64_t document_id, int delta)
{
    return store_exec_all(db,
                          "INSERT INTO followup_counts(unit_id, deadline, state, n)"
                          " SELECT " FU_LEAD_UNIT ", i.deadline, " FU_STATE_SQL ", ?2"
                          " FROM document_incoming i JOIN documents d ON d.id = i.document_id"
                          " WHERE i.document_id = ?1 AND " FU_ON_BOARD
                          " ON CONFLICT(unit_id, deadline, state) DO UPDATE SET n = n + excluded.n",
                          BIND_INT(document_id), BIND_INT(delta));
}

/* --- the board ----------------------------------------------------------- */

/* ?1 the account, ?2 today, ?3 ?4 the deadlines' bounds ('' for none), ?5
 * the state ('' for all). */
static const char board_sql[] =
    "WITH p(today, dfrom, dto, st) AS (SELECT ?2, ?3, ?4, ?5), " PERMISSION_SCOPE(
        "?1", "'" DOCUMENT_PERM_READ "'") ","
    " b AS (SELECT c.unit_id,"
    "  sum(CASE WHEN c.state = 'assigned' THEN c.n ELSE 0 END) AS assigned,"
    "  sum(CASE WHEN c.state = 'handling' THEN c.n ELSE 0 END) AS handling,"
    "  sum(CASE WHEN c.state IN ('assigned', 'handling') AND c.deadline < p.today"
    "   THEN c.n ELSE 0 END) AS overdue,"
    "  sum(CASE WHEN c.state = 'on_time' THEN c.n ELSE 0 END) AS on_time,"
    "  sum(CASE WHEN c.state = 'late' THEN c.n ELSE 0 END) AS late"
    "  FROM followup_counts c, p WHERE c.unit_id IN (SELECT id FROM scope)"
    "  AND (p.dfrom = '' OR c.deadline >= p.dfrom) AND (p.dto = '' OR c.deadline <= p.dto)"
    "  GROUP BY c.unit_id)"
    " SELECT b.unit_id, u.code, u.name, b.assigned, b.handling, b.overdue, b.on_time, b.late"
    " FROM b JOIN units u ON u.id = b.unit_id, p"
    " WHERE b.assigned + b.handling + b.on_time + b.late > 0"
    " AND (p.st = '' OR (CASE p.st WHEN 'assigned' THEN b.assigned WHEN 'handling' THEN b.handling"
    "  WHEN 'overdue' THEN b.overdue WHEN 'on_time' THEN b.on_time ELSE b.late END) > 0)"
    " ORDER BY u.path, u.id";

static const char *const figure_names[] = {"assigned", "handling", "overdue", "on_time", "late"};
#define NFIGURES 5

static json_t *figures(const int64_t v[NFIGURES])
{
    json_t *j = json_object();
    for (int i = 0; j && i < NFIGURES; i++)
        json_object_set_new(j, figure_names[i], json_integer(v[i]));
    if (j)
        json_object_set_new(j, "total", json_integer(v[0] + v[1] + v[3] + v[4]));
    return j;
}

static const char *state_arg(int state)
{
    return state < 0 ? "" : followup_state_name((enum followup_state)state);
}

json_t *followup_board_json(struct store *db, int64_t account_id,
                            const struct followup_filter *f)
{
    struct store_stmt *st;
    int64_t totals[NFIGURES] = {0};
    json_t *units = json_array();
    int rc;
    if (!units || store_prepare_all(db, board_sql, &st, BIND_INT(account_id),
                                    BIND_TEXT(f->today), BIND_TEXT(f->from), BIND_TEXT(f->to),
                                    BIND_TEXT(state_arg(f->state)))) {
        json_decref(units);
        return NULL;
    }
    while ((rc = store_step(st)) == STORE_ROW) {
        int64_t v[NFIGURES];
        for (int i = 0; i < NFIGURES; i++) {
            v[i] = store_col_int(st, 3 + i);
            totals[i] += v[i];
        }
        json_t *row = figures(v);
        if (row)
            json_object_set_new(row, "unit",
                                json_pack("{sI ss ss}", "id", (json_int_t)store_col_int(st, 0),
                                          "code", store_col_text(st, 1), "name",
                                          store_col_text(st, 2)));
        json_array_append_new(units, row);
    }
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(units);
        return NULL;
    }
    return json_pack("{s:o s:o}", "units", units, "totals", figures(totals));
}

/* --- the drill-down ------------------------------------------------------ */

/* ?1 the unit, ?2 today, ?3 ?4 the deadlines' bounds, ?5 the state, ?6 ?7
 * the page. The rows are those the counters count, computed from the
 * documents themselves. */
#define UNIT_ROWS                                                                                  \
    "WITH p(today, dfrom, dto, st) AS (SELECT ?2, ?3, ?4, ?5),"                                    \
    " r AS (SELECT d.id, d.unit_id, d.summary, coalesce(d.notation, '') AS notation, i.number,"   \
    "  i.status, " FU_STATE_SQL " AS state, i.deadline, i.lead_account_id, i.assigned_at,"        \
    "  i.completed_at, d.source_id"                                                               \
    "  FROM document_incoming i JOIN documents d ON d.id = i.document_id"                         \
    "  WHERE " FU_ON_BOARD " AND " FU_LEAD_UNIT " = ?1),"                                         \
    " q AS (SELECT r.*, r.state IN ('assigned', 'handling') AND r.deadline < p.today AS late_now" \
    "  FROM r, p WHERE (p.dfrom = '' OR r.deadline >= p.dfrom)"                                   \
    "  AND (p.dto = '' OR r.deadline <= p.dto))"                                                  \
    " SELECT "
#define UNIT_WHERE                                                                                 \
    " FROM q, p WHERE p.st = '' OR q.state = p.st OR (p.st = 'overdue' AND q.late_now)"

static const char unit_count_sql[] = UNIT_ROWS "count(*)" UNIT_WHERE;
static const char unit_page_sql[] =
    UNIT_ROWS "q.id, q.unit_id, q.summary, q.notation, q.number, q.status, q.state, q.late_now,"
              " q.deadline, q.lead_account_id,"
              " coalesce((SELECT full_name FROM accounts WHERE id = q.lead_account_id), ''),"
              " q.assigned_at, q.completed_at,"
              " coalesce((SELECT u.name FROM documents s JOIN units u ON u.id = s.unit_id"
              "  WHERE s.id = q.source_id), '')" UNIT_WHERE
              " ORDER BY q.deadline, q.id LIMIT ?6 OFFSET ?7";

/* The exchange's code of a status name (document/incoming.h). */
static const char *code_of(const char *status)
{
    return strcmp(status, "assigned") == 0   ? "04"
           : strcmp(status, "handling") == 0 ? "05"
                                             : "06";
}

json_t *followup_unit_json(struct store *db, int64_t unit_id, const struct followup_filter *f,
                           int limit, int offset)
{
    struct store_stmt *st;
    int64_t total = 0;
    const char *state = state_arg(f->state);
    int rc = store_int(db, unit_count_sql, &total, BIND_INT(unit_id), BIND_TEXT(f->today),
                       BIND_TEXT(f->from), BIND_TEXT(f->to), BIND_TEXT(state));
    if (rc != STORE_ROW)
        return NULL;
    json_t *items = json_array();
    if (!items || store_prepare_all(db, unit_page_sql, &st, BIND_INT(unit_id),
                                    BIND_TEXT(f->today), BIND_TEXT(f->from), BIND_TEXT(f->to),
                                    BIND_TEXT(state), BIND_INT(limit), BIND_INT(offset))) {
        json_decref(items);
        return NULL;
    }
    while ((rc = store_step(st)) == STORE_ROW) {
        const char *status = store_col_text(st, 5);
        json_t *lead = store_col_is_null(st, 9)
                           ? json_null()
                           : json_pack("{sI ss}", "id", (json_int_t)store_col_int(st, 9), "name",
                                       store_col_text(st, 10));
        json_array_append_new(
            items,
            json_pack("{sI sI ss ss s:o ss ss ss sb ss s:o s:o s:o ss}", "id",
                      (json_int_t)store_col_int(st, 0), "unit_id",
                      (json_int_t)store_col_int(st, 1), "summary", store_col_text(st, 2),
                      "notation", store_col_text(st, 3), "number",
                      store_col_is_null(st, 4) ? json_null() : json_integer(store_col_int(st, 4)),
                      "status", status, "code", code_of(status), "state", store_col_text(st, 6),
                      "overdue", (int)store_col_int(st, 7), "deadline", store_col_text(st, 8),
                      "lead", lead, "assigned_at",
                      store_col_is_null(st, 11) ? json_null()
                                                : json_integer(store_col_int(st, 11)),
                      "completed_at",
                      store_col_is_null(st, 12) ? json_null()
                                                : json_integer(store_col_int(st, 12)),
                      "sender", store_col_text(st, 13)));
    }
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(items);
        return NULL;
    }
    return json_pack("{s:o sI si si}", "items", items, "total", (json_int_t)total, "limit",
                     limit, "offset", offset);
}

/* --- the leader's choices ------------------------------------------------ */

json_t *followup_assignees_json(struct store *db, int64_t unit_id)
{
    struct store_stmt *st;
    json_t *officers = json_array(), *units = json_array();
    int rc = STORE_ERR;
    if (!officers || !units)
        goto fail;
    if (store_prepare_all(db,
                          "SELECT DISTINCT a.id, a.full_name FROM accounts a"
                          " JOIN " PERMISSION_GRANTS("'document.handle'") " g"
                          " ON g.account_id = a.id"
                          " JOIN units su ON su.id = g.unit_id JOIN units du ON du.id = ?1"
                          " WHERE a.disabled = 0 AND" PERMISSION_SUBTREE("su", "du")
                          " ORDER BY a.full_name, a.id LIMIT 500",
                          &st, BIND_INT(unit_id)))
        goto fail;
    while ((rc = store_step(st)) == STORE_ROW)
        json_array_append_new(officers, json_pack("{sI ss}", "id", (json_int_t)store_col_int(st, 0),
                                                  "name", store_col_text(st, 1)));
    store_done(st);
    if (rc != STORE_DONE)
        goto fail;
    if (store_prepare_all(db,
                          "SELECT u.id, u.code, u.name FROM units t JOIN units u"
                          " ON" PERMISSION_SUBTREE("t", "u") " WHERE t.id = ?1"
                          " ORDER BY u.path, u.id LIMIT 500",
                          &st, BIND_INT(unit_id)))
        goto fail;
    while ((rc = store_step(st)) == STORE_ROW)
        json_array_append_new(units, json_pack("{sI ss ss}", "id", (json_int_t)store_col_int(st, 0),
                                               "code", store_col_text(st, 1), "name",
                                               store_col_text(st, 2)));
    store_done(st);
    if (rc != STORE_DONE)
        goto fail;
    return json_pack("{s:o s:o}", "officers", officers, "units", units);
fail:
    json_decref(officers);
    json_decref(units);
    return NULL;
}
