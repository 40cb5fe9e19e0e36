/* workflow: loading workflows and roles, permission checks scoped to the
 * unit tree, and applying one action to a dossier. */
#include "workflow/workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/account.h"
#include "auth/permission.h"
#include "base/jsonload.h"
#include "base/util.h"
#include "calendar/calendar.h"
#include "catalog/unit.h"
#include "dossier/changes.h"
#include "dossier/dossier.h"
#include "dossier/status.h"
#include "store/store.h"

#define MAX_NAME 48
#define MAX_LIST 256 /* workflows or roles in one file */

static int valid_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n < MAX_NAME && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.") == n;
}


/* --- loading -------------------------------------------------------------- */

static int has_state(json_t *states, const char *name)
{
    size_t i;
    json_t *s;
    json_array_foreach(states, i, s)
    {
        if (strcmp(json_string_value(json_object_get(s, "state")), name) == 0)
            return 1;
    }
    return 0;
}

static int check_states(json_t *states, char *err, size_t errlen)
{
    size_t i;
    json_t *s;
    if (!json_is_array(states) || json_array_size(states) == 0 || json_array_size(states) > 64) {
        snprintf(err, errlen, "states must be an array of 1 to 64 entries");
        return -1;
    }
    json_array_foreach(states, i, s)
    {
        const char *name, *title, *clock;
        int code;
        if (json_unpack(s, "{s:s, s:i, s:s, s:s}", "state", &name, "status_code", &code, "title",
                        &title, "clock", &clock) ||
            !valid_name(name) || code < STATUS_DRAFT || code > STATUS_MAX ||
            (strcmp(clock, "none") && strcmp(clock, "running") && strcmp(clock, "paused") &&
             strcmp(clock, "stopped"))) {
            snprintf(err, errlen, "state %zu needs state, status_code (0-10), title, clock", i);
            return -1;
        }
    }
    if (!has_state(states, "draft") || !has_state(states, "submitted")) {
        snprintf(err, errlen, "a workflow needs the states draft and submitted");
        return -1;
    }
    return 0;
}

static int check_transition(json_t *states, json_t *t, size_t i, char *err, size_t errlen)
{
    const char *from, *action, *to, *actor, *title;
    if (json_unpack(t, "{s:s, s:s, s:s, s:s, s:s}", "from", &from, "action", &action, "to", &to,
                    "actor", &actor, "title", &title)) {
        snprintf(err, errlen, "transition %zu needs from, action, to, actor, title", i);
        return -1;
    }
    const char *perm = json_string_value(json_object_get(t, "permission"));
    const char *param = json_string_value(json_object_get(t, "param"));
    if (!has_state(states, from) || (strcmp(to, "@resume") && !has_state(states, to))) {
        snprintf(err, errlen, "transition %zu (%s) names an unknown state", i, action);
        return -1;
    }
    if (!valid_name(action) || (strcmp(actor, "owner") && strcmp(actor, "staff") &&
                                strcmp(actor, "system"))) {
        snprintf(err, errlen, "transition %zu: bad action name or actor", i);
        return -1;
    }
    if (strcmp(actor, "staff") == 0 && !valid_name(perm)) {
        snprintf(err, errlen, "transition %zu (%s): staff steps need a permission", i, action);
        return -1;
    }
    if (param && strcmp(param, "") && strcmp(param, "assignee") && strcmp(param, "unit")) {
        snprintf(err, errlen, "transition %zu (%s): param must be assignee or unit", i, action);
        return -1;
    }
    json_t *signs = json_object_get(t, "signs_result");
    if (signs && (!json_is_boolean(signs) || (json_is_true(signs) && strcmp(actor, "staff")))) {
        snprintf(err, errlen, "transition %zu (%s): signs_result is true or false, on staff steps",
                 i, action);
        return -1;
    }
    return 0;
}

/* A string member of a loaded entry ("" if absent). */
static const char *member(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

static int store_workflow(struct store *db, const char *name, json_t *states, json_t *trans)
{
    size_t i;
    json_t *s;
    int rc = store_exec_all(db, "DELETE FROM workflow_states WHERE workflow = ?", BIND_TEXT(name));
    if (rc == 0)
        rc = store_exec_all(db, "DELETE FROM workflow_transitions WHERE workflow = ?",
                            BIND_TEXT(name));
    json_array_foreach(states, i, s)
    {
        if (rc)
            break;
        rc = store_exec_all(db,
                            "INSERT INTO workflow_states(workflow, state, status_code, title,"
                            " clock) VALUES (?, ?, ?, ?, ?)",
                            BIND_TEXT(name), BIND_TEXT(member(s, "state")),
                            BIND_INT(json_integer_value(json_object_get(s, "status_code"))),
                            BIND_TEXT(member(s, "title")), BIND_TEXT(member(s, "clock")));
    }
    json_array_foreach(trans, i, s)
    {
        if (rc)
            break;
        rc = store_exec_all(db,
                            "INSERT INTO workflow_transitions(workflow, from_state, action,"
                            " to_state, actor, permission, param, needs_note, title,"
                            " signs_result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            BIND_TEXT(name), BIND_TEXT(member(s, "from")),
                            BIND_TEXT(member(s, "action")), BIND_TEXT(member(s, "to")),
                            BIND_TEXT(member(s, "actor")), BIND_TEXT(member(s, "permission")),
                            BIND_TEXT(member(s, "param")),
                            BIND_INT(json_is_true(json_object_get(s, "needs_note"))),
                            BIND_TEXT(member(s, "title")),
                            BIND_INT(json_is_true(json_object_get(s, "signs_result"))));
    }
    return rc;
}

int workflow_load_json(struct store *db, const char *text, size_t len, char *err, size_t errlen)
{
    json_t *list, *w;
    json_t *root = jsonload_list(text, len, "workflows", MAX_LIST, &list, err, errlen);
    size_t i;
    int rc = 0;
    if (!root)
        return -1;
    json_array_foreach(list, i, w)
    {
        const char *name = json_string_value(json_object_get(w, "name"));
        json_t *states = json_object_get(w, "states"), *trans = json_object_get(w, "transitions");
        char why[300] = "";
        if (!valid_name(name)) {
            snprintf(err, errlen, "workflow %zu: bad name", i);
            rc = -1;
            break;
        }
        rc = check_states(states, why, sizeof why);
        size_t k;
        json_t *t;
        if (rc == 0 && !json_is_array(trans)) {
            snprintf(why, sizeof why, "transitions must be an array");
            rc = -1;
        }
        json_array_foreach(trans, k, t)
        {
            if (rc == 0)
                rc = check_transition(states, t, k, why, sizeof why);
        }
        if (rc) {
            snprintf(err, errlen, "workflow %s: %s", name, why);
            break;
        }
        if ((rc = store_workflow(db, name, states, trans))) {
            snprintf(err, errlen, "workflow %s: cannot store: %s", name, store_errmsg(db));
            break;
        }
    }
    json_decref(root);
    return rc ? -1 : 0;
}

int roles_load_json(struct store *db, const char *text, size_t len, char *err, size_t errlen)
{
    json_t *list, *r, *p;
    json_t *root = jsonload_list(text, len, "roles", MAX_LIST, &list, err, errlen);
    size_t i, k;
    int rc = 0;
    if (!root)
        return -1;
    json_array_foreach(list, i, r)
    {
        const char *name = json_string_value(json_object_get(r, "name"));
        const char *title = json_string_value(json_object_get(r, "title"));
        json_t *perms = json_object_get(r, "permissions");
        if (rc)
            break;
        if (!valid_name(name) || !title || !json_is_array(perms)) {
            snprintf(err, errlen, "role %zu needs name, title and permissions", i);
            rc = -1;
            break;
        }
        rc = store_exec_all(db,
                            "INSERT INTO roles(name, title) VALUES (?, ?) ON CONFLICT(name)"
                            " DO UPDATE SET title = excluded.title",
                            BIND_TEXT(name), BIND_TEXT(title));
        if (rc == 0)
            rc = store_exec_all(db, "DELETE FROM role_permissions WHERE role = ?",
                                BIND_TEXT(name));
        json_array_foreach(perms, k, p)
        {
            if (rc)
                break;
            if (!valid_name(json_string_value(p))) {
                snprintf(err, errlen, "role %s: bad permission %zu", name, k);
                rc = -1;
                break;
            }
            rc = store_exec_all(db,
                                "INSERT OR IGNORE INTO role_permissions(role, permission)"
                                " VALUES (?, ?)",
                                BIND_TEXT(name), BIND_TEXT(json_string_value(p)));
        }
        if (rc && !err[0])
            snprintf(err, errlen, "role %s: cannot store: %s", name, store_errmsg(db));
    }
    json_decref(root);
    return rc ? -1 : 0;
}

/* --- one step ----------------------------------------------------------------- */

struct transition {
    char to[MAX_NAME], actor[8], permission[MAX_NAME], param[16], title[128];
    int needs_note;
};

static int find_transition(struct store *db, const struct dossier *d, const char *action,
                           struct transition *t)
{
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "SELECT to_state, actor, permission, param, needs_note, title"
                               " FROM workflow_transitions WHERE workflow = ? AND from_state = ?"
                               " AND action = ?",
                               &st, BIND_TEXT(d->workflow), BIND_TEXT(d->state), BIND_TEXT(action));
    if (rc)
        return rc;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        copy_str(t->to, sizeof t->to, store_col_text(st, 0));
        copy_str(t->actor, sizeof t->actor, store_col_text(st, 1));
        copy_str(t->permission, sizeof t->permission, store_col_text(st, 2));
        copy_str(t->param, sizeof t->param, store_col_text(st, 3));
        t->needs_note = (int)store_col_int(st, 4);
        copy_str(t->title, sizeof t->title, store_col_text(st, 5));
    }
    store_done(st);
    return rc;
}

int workflow_state_info(struct store *db, const struct dossier *d, const char *state,
                        char *title, size_t titlecap, char *clock, size_t clockcap)
{
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "SELECT title, clock FROM workflow_states WHERE workflow = ? AND"
                               " state = ?",
                               &st, BIND_TEXT(d->workflow), BIND_TEXT(state));
    if (rc)
        return rc;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        copy_str(title, titlecap, store_col_text(st, 0));
        copy_str(clock, clockcap, store_col_text(st, 1));
    }
    store_done(st);
    return rc;
}

static int state_status(struct store *db, const struct dossier *d, const char *state)
{
    int64_t code = -1;
    struct store_stmt *st;
    if (store_prepare_all(db,
                          "SELECT status_code FROM workflow_states WHERE workflow = ? AND state = ?",
                          &st, BIND_TEXT(d->workflow), BIND_TEXT(state)))
        return -1;
    if (store_step(st) == STORE_ROW)
        code = store_col_int(st, 0);
    store_done(st);
    return (int)code;
}

/* Is the actor allowed to take this transition on this dossier? */
static int check_actor(struct store *db, struct workflow_step *s, const struct dossier *d,
                       const struct transition *t)
{
    int owner_step = strcmp(t->actor, "owner") == 0, staff_step = strcmp(t->actor, "staff") == 0;
    if ((s->actor == ACTOR_OWNER && !owner_step) || (s->actor == ACTOR_STAFF && !staff_step) ||
        (s->actor == ACTOR_SYSTEM && strcmp(t->actor, "system") != 0))
        return derr_set(&s->err, DERR_STATE, "action_not_allowed",
                        "Bạn không thể thực hiện thao tác này ở trạng thái hiện tại", NULL);
    if (s->actor == ACTOR_STAFF) {
        int can = permission_can(db, s->actor_id, t->permission, d->current_unit_id);
        if (can < 0)
            return derr_set(&s->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
        if (!can)
            return derr_set(&s->err, DERR_FORBIDDEN, "forbidden",
                            "Vai trò của bạn không được thực hiện thao tác này", NULL);
    }
    return 0;
}

/* Officer named by login who may process dossiers of the unit. */
static int find_assignee(struct store *db, struct workflow_step *s, const struct dossier *d,
                         int64_t *id)
{
    int64_t aid = 0;
    if (!s->assignee[0] ||
        account_id_by_login(db, s->assignee, "staff", ACCOUNT_ENABLED, &aid) != STORE_ROW)
        return derr_set(&s->err, DERR_INVALID, "unknown_assignee",
                        "Không có cán bộ này", "assignee");
    if (permission_can(db, aid, "dossier.process", d->current_unit_id) != 1)
        return derr_set(&s->err, DERR_INVALID, "assignee_not_allowed",
                        "Cán bộ này không xử lý hồ sơ của đơn vị", "assignee");
    *id = aid;
    return 0;
}

static int find_target_unit(struct store *db, struct workflow_step *s, const struct dossier *d,
                            int64_t *id)
{
    struct unit u;
    if (!s->unit_code[0] || unit_by_code(db, s->unit_code, &u) != STORE_ROW)
        return derr_set(&s->err, DERR_INVALID, "unknown_unit", "Không có đơn vị này", "unit");
    if (u.id == d->current_unit_id)
        return derr_set(&s->err, DERR_INVALID, "same_unit", "Hồ sơ đang ở đơn vị này", "unit");
    *id = u.id;
    return 0;
}

/* Moves the clock between running, paused and stopped. */
static int move_clock(struct store *db, struct workflow_step *s, const struct dossier *d,
                      const char *from_clock, const char *to_clock, int64_t *due,
                      int64_t *remaining, int64_t *finished)
{
    *due = d->due_at;
    *remaining = -1;
    *finished = 0;
    if (strcmp(from_clock, "running") == 0 && strcmp(to_clock, "paused") == 0) {
        int64_t left = d->due_at > s->now ? cal_working_minutes_left(s->cal, s->now, d->due_at)
                                          : 0;
        if (left < 0)
            return derr_set(&s->err, DERR_INTERNAL, "internal", "Lỗi tính thời gian", NULL);
        *remaining = left;
    } else if (strcmp(from_clock, "paused") == 0 && strcmp(to_clock, "running") == 0) {
        int64_t left = d->remaining_minutes > 0 ? d->remaining_minutes : 0;
        *due = cal_due(s->cal, s->now, left, -1);
        if (*due < 0)
            return derr_set(&s->err, DERR_INTERNAL, "internal", "Lỗi tính ngày hẹn", NULL);
    } else if (strcmp(from_clock, "paused") == 0) {
        *remaining = d->remaining_minutes;
    }
    /* Finished when it first stops (done), not again when the result is
     * handed over: lateness is measured at the first stop. */
    if (strcmp(to_clock, "stopped") == 0)
        *finished = strcmp(from_clock, "stopped") == 0 ? d->finished_at : s->now;
    return 0;
}

static int move_hold(struct store *db, const struct dossier *d, int64_t to_unit, int64_t now)
{
    int rc = store_exec_all(db,
                            "UPDATE dossier_holds SET to_at = ? WHERE dossier_id = ? AND"
                            " to_at IS NULL", BIND_INT(now), BIND_INT(d->id));
    if (rc)
        return rc;
    return store_exec_all(db,
                          "INSERT INTO dossier_holds(dossier_id, unit_id, from_at) VALUES (?, ?, ?)",
                          BIND_INT(d->id), BIND_INT(to_unit), BIND_INT(now));
}

struct step_change {
    const char *to_state;
    int status;
    int64_t due, remaining, finished, assignee, unit;
    const char *resume_state;
};

static int save_step(struct store *db, const struct dossier *d, const struct step_change *c)
{
    return store_exec_all(db,
                          "UPDATE dossiers SET state = ?, status_code = ?, due_at = ?,"
                          " remaining_minutes = ?, resume_state = ?, finished_at = ?,"
                          " assignee_id = ?, current_unit_id = ?, updated_at = ? WHERE id = ?",
                          BIND_TEXT(c->to_state), BIND_INT(c->status), BIND_INT(c->due),
                          c->remaining >= 0 ? BIND_INT(c->remaining) : BIND_NULL,
                          BIND_TEXT(c->resume_state && c->resume_state[0] ? c->resume_state
                                                                          : NULL),
                          BIND_ID(c->finished), BIND_ID(c->assignee), BIND_INT(c->unit),
                          BIND_INT(now_unix()), BIND_INT(d->id));
}

static int load_dossier(struct store *db, struct workflow_step *s, struct dossier *d)
{
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)s->dossier_id);
    int rc = dossier_find(db, key, 0, d);
    if (rc < 0)
        return derr_set(&s->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    /* Owners see their drafts (and get "not allowed in this state"); officers
     * never see drafts. */
    int visible = rc == STORE_ROW;
    if (visible && s->actor == ACTOR_OWNER)
        visible = d->owner_id == s->actor_id;
    else if (visible && s->actor == ACTOR_STAFF)
        visible = d->code[0] &&
                  permission_sees(db, s->actor_id, d->unit_id, d->current_unit_id) == 1;
    if (!visible)
        return derr_set(&s->err, DERR_NOT_FOUND, "not_found", "Không tìm thấy hồ sơ", NULL);
    return 0;
}

int workflow_step_job(struct store *db, void *arg)
{
    struct workflow_step *s = arg;
    struct dossier d;
    struct transition t;
    char from_title[128], from_clock[16], to_title[128], to_clock[16];
    if (load_dossier(db, s, &d))
        return -1;
    int rc = find_transition(db, &d, s->action, &t);
    if (rc == STORE_DONE)
        return derr_set(&s->err, DERR_STATE, "action_not_allowed",
                        "Không thể thực hiện thao tác này ở trạng thái hiện tại của hồ sơ", NULL);
    if (rc < 0)
        return derr_set(&s->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    if (check_actor(db, s, &d, &t))
        return -1;
    if (t.needs_note && !s->note[0])
        return derr_set(&s->err, DERR_INVALID, "required", "Vui lòng ghi rõ lý do", "note");

    struct step_change c = {.assignee = d.assignee_id, .unit = d.current_unit_id};
    c.to_state = strcmp(t.to, "@resume") == 0 ? d.resume_state : t.to;
    if (!c.to_state[0])
        return derr_set(&s->err, DERR_INTERNAL, "internal", "Không rõ trạng thái trở lại", NULL);
    if (strcmp(t.param, "assignee") == 0 && find_assignee(db, s, &d, &c.assignee))
        return -1;
    if (strcmp(t.param, "unit") == 0 && find_target_unit(db, s, &d, &c.unit))
        return -1;
    c.status = state_status(db, &d, c.to_state);
    if (c.status < 0 ||
        workflow_state_info(db, &d, d.state, from_title, sizeof from_title, from_clock,
                            sizeof from_clock) != STORE_ROW ||
        workflow_state_info(db, &d, c.to_state, to_title, sizeof to_title, to_clock,
                            sizeof to_clock) != STORE_ROW)
        return derr_set(&s->err, DERR_INTERNAL, "internal", "Quy trình không đầy đủ", NULL);
    if (move_clock(db, s, &d, from_clock, to_clock, &c.due, &c.remaining, &c.finished))
        return -1;
    c.resume_state = strcmp(to_clock, "paused") == 0
                         ? (strcmp(from_clock, "paused") == 0 ? d.resume_state : d.state)
                         : NULL;
    if (strcmp(t.param, "unit") == 0) /* the new unit assigns its own officer */
        c.assignee = 0;

    rc = save_step(db, &d, &c);
    if (rc == 0 && c.unit != d.current_unit_id)
        rc = move_hold(db, &d, c.unit, s->now);
    if (rc == 0)
        rc = dossier_add_event(db, d.id, s->now, s->action, d.state, c.to_state, c.status,
                               s->note, s->actor_id, d.current_unit_id);
    if (rc == 0) {
        rc = audit_object_json(db, s->actor_id, "dossier.step", "dossier", d.id,
                               json_pack("{s:s, s:s, s:s, s:I}", "action", s->action, "from",
                                         d.state, "to", c.to_state, "due_at", (json_int_t)c.due));
    }
    if (rc == 0) {
        struct dossier_change ch = {.dossier_id = d.id,
                                    .code = d.code,
                                    .action = s->action,
                                    .from_state = d.state,
                                    .to_state = c.to_state,
                                    .from_status = d.status_code,
                                    .to_status = c.status,
                                    .at = s->now,
                                    .actor_id = s->actor_id};
        rc = dossier_changed(db, &ch);
    }
    if (rc)
        return derr_set(&s->err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    copy_str(s->new_state, sizeof s->new_state, c.to_state);
    return 0;
}

int workflow_step_signs(struct store *db, const struct dossier *d, const char *action,
                        char *permission, size_t cap)
{
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "SELECT signs_result, permission FROM workflow_transitions"
                               " WHERE workflow = ? AND from_state = ? AND action = ?"
                               " AND actor = 'staff'",
                               &st, BIND_TEXT(d->workflow), BIND_TEXT(d->state), BIND_TEXT(action));
    if (rc)
        return rc;
    rc = store_step(st);
    int signs = 0;
    if (rc == STORE_ROW) {
        signs = store_col_int(st, 0) != 0;
        copy_str(permission, cap, store_col_text(st, 1));
    }
    store_done(st);
    if (rc != STORE_ROW && rc != STORE_DONE)
        return rc;
    return signs;
}

json_t *workflow_actions_json(struct store *db, const struct dossier *d, enum actor_kind actor,
                              int64_t actor_id)
{
    struct store_stmt *st;
    json_t *list = json_array();
    if (store_prepare_all(db,
                          "SELECT action, title, needs_note, param, actor, permission"
                          " FROM workflow_transitions WHERE workflow = ? AND from_state = ?"
                          " ORDER BY rowid",
                          &st, BIND_TEXT(d->workflow), BIND_TEXT(d->state)))
        return list;
    struct {
        char action[MAX_NAME], title[128], param[16], actor[8], permission[MAX_NAME];
        int needs_note;
    } rows[32];
    int n = 0;
    while (n < 32 && store_step(st) == STORE_ROW) {
        copy_str(rows[n].action, sizeof rows[n].action, store_col_text(st, 0));
        copy_str(rows[n].title, sizeof rows[n].title, store_col_text(st, 1));
        rows[n].needs_note = (int)store_col_int(st, 2);
        copy_str(rows[n].param, sizeof rows[n].param, store_col_text(st, 3));
        copy_str(rows[n].actor, sizeof rows[n].actor, store_col_text(st, 4));
        copy_str(rows[n].permission, sizeof rows[n].permission, store_col_text(st, 5));
        n++;
    }
    store_done(st);
    /* permission_can reuses statements, so it runs after this loop is done. */
    for (int i = 0; i < n; i++) {
        int ok = actor == ACTOR_OWNER ? strcmp(rows[i].actor, "owner") == 0
                 : actor == ACTOR_STAFF
                     ? strcmp(rows[i].actor, "staff") == 0 &&
                           permission_can(db, actor_id, rows[i].permission, d->current_unit_id) == 1
                     : strcmp(rows[i].actor, "system") == 0;
        if (ok)
            json_array_append_new(list, json_pack("{s:s, s:s, s:b, s:s?}", "action",
                                                  rows[i].action, "title", rows[i].title,
                                                  "needs_note", rows[i].needs_note, "param",
                                                  rows[i].param[0] ? rows[i].param : NULL));
    }
    return list;
}
