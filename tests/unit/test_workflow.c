/* Tests of workflow/workflow.c through workflow_step_job on a fresh
 * database: who may take which step in which state (the owner, officers by
 * permission on the unit holding the dossier, nobody outside it), the
 * assignee's checks, the clock paused by a supplement request and resumed
 * with the working time that was left, and the change hub
 * (dossier/changes.h): listeners called in order with the change's facts,
 * an apology announced without a status change, and a failing listener
 * rolling back the whole step (the earlier listeners' writes included). */
#include "workflow/workflow.h"

#include "audit/audit.h"
#include "auth/account.h"
#include "dossier/changes.h"
#include "dossier/documents.h"
#include "dossier/dossier.h"
#include "dossier/status.h"
#include "fixture.h"
#include "harness.h"

static int64_t citizen, reception, specialist, leader, outsider;

/* --- listeners that record what the hub tells them ------------------------------ */

#define LOG_MAX 64
static struct {
    char who[16], action[48], from_state[24], to_state[24], code[96];
    int from_status, to_status;
} calls[LOG_MAX];
static int ncalls;
static int veto; /* the veto listener fails while set */

static void record(const char *who, const struct dossier_change *c)
{
    if (ncalls >= LOG_MAX)
        return;
    snprintf(calls[ncalls].who, sizeof calls[ncalls].who, "%s", who);
    snprintf(calls[ncalls].action, sizeof calls[ncalls].action, "%s", c->action);
    snprintf(calls[ncalls].from_state, sizeof calls[ncalls].from_state, "%s", c->from_state);
    snprintf(calls[ncalls].to_state, sizeof calls[ncalls].to_state, "%s", c->to_state);
    snprintf(calls[ncalls].code, sizeof calls[ncalls].code, "%s", c->code ? c->code : "");
    calls[ncalls].from_status = c->from_status;
    calls[ncalls].to_status = c->to_status;
    ncalls++;
}

/* The first listener also writes in the change's transaction, so a later
 * failure must take its write back too. */
static int first_changed(struct store *db, const struct dossier_change *c)
{
    record("first", c);
    return audit_object(db, 0, "test.listener", "dossier", c->dossier_id, NULL);
}

static int veto_changed(struct store *db, const struct dossier_change *c)
{
    (void)db;
    record("veto", c);
    return veto ? STORE_ERR : 0;
}

static int last_changed(struct store *db, const struct dossier_change *c)
{
    (void)db;
    record("last", c);
    return 0;
}

static const struct dossier_listener first = {"first", first_changed, NULL};
static const struct dossier_listener vetoer = {"veto", veto_changed, NULL};
static const struct dossier_listener last = {"last", last_changed, NULL};

/* --- helpers ------------------------------------------------------------------- */

static const char *step(int64_t id, const char *action, enum actor_kind actor, int64_t actor_id,
                        const char *assignee, int64_t now)
{
    static char code[64];
    struct workflow_step *s = calloc(1, sizeof *s);
    s->dossier_id = id;
    snprintf(s->action, sizeof s->action, "%s", action);
    s->actor = actor;
    s->actor_id = actor_id;
    snprintf(s->note, sizeof s->note, "Ghi chú của bước %s", action);
    snprintf(s->assignee, sizeof s->assignee, "%s", assignee ? assignee : "");
    s->cal = fx_cal;
    s->now = now;
    int rc = store_run(fx_db, workflow_step_job, s);
    snprintf(code, sizeof code, "%s", rc ? (s->err.code ? s->err.code : "(store error)") : "");
    derr_clear(&s->err);
    free(s);
    return code;
}

/* A dossier submitted online by the citizen at `at`. */
static int64_t submitted(int64_t at)
{
    struct dossier_create c = {.procedure_code = FX_EXTRACT, .unit_code = FX_COMMUNE,
                               .owner_id = citizen};
    if (store_run(fx_db, dossier_create_job, &c))
        return 0;
    struct dossier_save_form f = {.to = {c.id, citizen, 0}};
    f.form = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:b}", "requester_name",
                       "Nguyễn Thị Mai", "requester_residence", "Phường Hạc Thành",
                       "requester_id_number", "038090012345", "requester_relationship",
                       "Bản thân", "record_type", "khai_sinh", "subject_name", "Nguyễn Thị Mai",
                       "record_office", "UBND phường Hạc Thành", "copies_requested", 1,
                       "commitment", 1);
    int rc = store_run(fx_db, dossier_save_form_job, &f);
    json_decref(f.form);
    struct dossier_submit s = {.to = {c.id, citizen, 0}, .cal = fx_cal, .now = at,
                               .today_ymd = cal_local_ymd(at)};
    if (rc == 0)
        rc = store_run(fx_db, dossier_submit_job, &s);
    derr_clear(&f.err);
    derr_clear(&s.err);
    return rc ? 0 : c.id;
}

static int64_t count_of(const char *table, int64_t id)
{
    char q[128];
    snprintf(q, sizeof q, "SELECT count(*) FROM %s WHERE %s = %lld", table,
             strcmp(table, "audit_log") == 0 ? "CAST(object_id AS INTEGER)" : "dossier_id",
             (long long)id);
    return fx_int(q, NULL);
}

/* --- tests ------------------------------------------------------------------------- */

TEST(who_may_take_which_step)
{
    int64_t mon = fx_local(2025, 3, 3, 8, 0);
    int64_t id = submitted(mon);
    CHECK(id > 0);
    int64_t before = fx_state();
    /* Not the owner's step; not the specialist's permission; not a step of
     * this state; an officer of another unit does not even see it. */
    CHECK_EQ_STR(step(id, "accept", ACTOR_OWNER, citizen, NULL, mon), "action_not_allowed");
    CHECK_EQ_STR(step(id, "accept", ACTOR_STAFF, specialist, NULL, mon), "forbidden");
    CHECK_EQ_STR(step(id, "approve", ACTOR_STAFF, leader, NULL, mon), "action_not_allowed");
    CHECK_EQ_STR(step(id, "accept", ACTOR_STAFF, outsider, NULL, mon), "not_found");
    CHECK_EQ_STR(step(id, "accept", ACTOR_SYSTEM, 0, NULL, mon), "action_not_allowed");
    CHECK_EQ_STR(step(id, "no_such_action", ACTOR_STAFF, reception, NULL, mon),
                 "action_not_allowed");
    CHECK_EQ_INT(fx_state(), before);
    /* The desk accepts; the leader assigns someone who may process it. */
    CHECK_EQ_STR(step(id, "accept", ACTOR_STAFF, reception, NULL, mon + 60), "");
    struct dossier d = fx_dossier(id);
    CHECK_EQ_STR(d.state, "received");
    CHECK_EQ_INT(d.status_code, STATUS_ACCEPTED);
    before = fx_state();
    CHECK_EQ_STR(step(id, "assign", ACTOR_STAFF, leader, "khong.co.ai", mon + 120),
                 "unknown_assignee");
    CHECK_EQ_STR(step(id, "assign", ACTOR_STAFF, leader, FX_RECEPTION, mon + 120),
                 "assignee_not_allowed");
    CHECK_EQ_STR(step(id, "assign", ACTOR_STAFF, specialist, FX_SPECIALIST, mon + 120),
                 "forbidden");
    CHECK_EQ_INT(fx_state(), before);
    CHECK_EQ_STR(step(id, "assign", ACTOR_STAFF, leader, FX_SPECIALIST, mon + 120), "");
    d = fx_dossier(id);
    CHECK_EQ_STR(d.state, "processing");
    CHECK_EQ_INT(d.status_code, STATUS_PROCESSING);
    CHECK_EQ_INT(d.assignee_id, specialist);
    /* Each step wrote its event and its audit entry. */
    char q[160];
    snprintf(q, sizeof q, "SELECT count(*) FROM dossier_events WHERE dossier_id = %lld"
             " AND action IN ('accept', 'assign')", (long long)id);
    CHECK_EQ_INT(fx_int(q, NULL), 2);
    snprintf(q, sizeof q, "SELECT count(*) FROM audit_log WHERE action = 'dossier.step'"
             " AND object_id = '%lld'", (long long)id);
    CHECK_EQ_INT(fx_int(q, NULL), 2);
}

TEST(the_clock_pauses_and_resumes)
{
    /* Submitted Monday 2025-03-03 08:00: due Tuesday 08:00 (one working
     * day, 480 minutes; sessions 07:00-11:30 and 13:30-17:00). */
    int64_t mon8 = fx_local(2025, 3, 3, 8, 0), tue8 = fx_local(2025, 3, 4, 8, 0);
    int64_t id = submitted(mon8);
    CHECK_EQ_STR(step(id, "accept", ACTOR_STAFF, reception, NULL, mon8), "");
    CHECK_EQ_STR(step(id, "assign", ACTOR_STAFF, leader, FX_SPECIALIST, mon8), "");
    CHECK_EQ_INT(fx_dossier(id).due_at, tue8);
    /* Paused at Monday 10:00: 120 minutes used, 360 left. */
    CHECK_EQ_STR(step(id, "request_supplement", ACTOR_STAFF, specialist, NULL,
                      fx_local(2025, 3, 3, 10, 0)),
                 "");
    struct dossier d = fx_dossier(id);
    CHECK_EQ_STR(d.state, "supplement");
    CHECK_EQ_INT(d.status_code, STATUS_SUPPLEMENT);
    CHECK_EQ_INT(d.remaining_minutes, 360);
    CHECK_EQ_STR(d.resume_state, "processing");
    /* An officer's step of another state is refused while paused. */
    CHECK_EQ_STR(step(id, "propose", ACTOR_STAFF, specialist, NULL, fx_local(2025, 3, 4, 9, 0)),
                 "action_not_allowed");
    /* Resumed by the owner Wednesday 09:00: 360 minutes from then end at
     * 17:00 the same day; the first appointment is kept. */
    CHECK_EQ_STR(step(id, "supply", ACTOR_OWNER, citizen, NULL, fx_local(2025, 3, 5, 9, 0)), "");
    d = fx_dossier(id);
    CHECK_EQ_STR(d.state, "processing");
    CHECK_EQ_INT(d.due_at, fx_local(2025, 3, 5, 17, 0));
    CHECK_EQ_INT(d.first_due_at, tue8);
    CHECK_EQ_INT(d.remaining_minutes, -1);
    /* Stopped when done: finished_at is set once. */
    int64_t wed10 = fx_local(2025, 3, 5, 10, 0);
    CHECK_EQ_STR(step(id, "propose", ACTOR_STAFF, specialist, NULL, wed10), "");
    CHECK_EQ_STR(step(id, "approve", ACTOR_STAFF, leader, NULL, wed10 + 60), "");
    CHECK_EQ_INT(fx_dossier(id).finished_at, wed10 + 60);
    CHECK_EQ_STR(step(id, "return_result", ACTOR_STAFF, reception, NULL, wed10 + 600), "");
    d = fx_dossier(id);
    CHECK_EQ_INT(d.status_code, STATUS_RETURNED);
    CHECK_EQ_INT(d.finished_at, wed10 + 60);
}

TEST(the_hub_calls_listeners_in_order_and_a_failure_rolls_back)
{
    int64_t mon = fx_local(2025, 3, 10, 8, 0);
    ncalls = 0;
    int64_t id = submitted(mon);
    char code[96];
    snprintf(code, sizeof code, "%s", fx_dossier(id).code);
    /* The submission, to each listener in registration order. */
    CHECK_EQ_INT(ncalls, 3);
    CHECK_EQ_STR(calls[0].who, "first");
    CHECK_EQ_STR(calls[1].who, "veto");
    CHECK_EQ_STR(calls[2].who, "last");
    CHECK_EQ_STR(calls[0].action, "submit");
    CHECK_EQ_STR(calls[0].from_state, "draft");
    CHECK_EQ_STR(calls[0].to_state, "submitted");
    CHECK_EQ_INT(calls[0].from_status, STATUS_DRAFT);
    CHECK_EQ_INT(calls[0].to_status, STATUS_SUBMITTED);
    CHECK_EQ_STR(calls[0].code, code);

    ncalls = 0;
    CHECK_EQ_STR(step(id, "accept", ACTOR_STAFF, reception, NULL, mon + 60), "");
    CHECK_EQ_INT(ncalls, 3);
    CHECK_EQ_STR(calls[2].who, "last");
    CHECK_EQ_STR(calls[2].action, "accept");
    CHECK_EQ_STR(calls[2].from_state, "submitted");
    CHECK_EQ_STR(calls[2].to_state, "received");
    CHECK_EQ_INT(calls[2].from_status, STATUS_SUBMITTED);
    CHECK_EQ_INT(calls[2].to_status, STATUS_ACCEPTED);

    /* A failing listener: the step is refused as a whole, the first
     * listener's write goes with it, and the last one is not called. */
    int64_t events = count_of("dossier_events", id), audits = count_of("audit_log", id);
    int64_t before = fx_state();
    ncalls = 0;
    veto = 1;
    CHECK_EQ_STR(step(id, "assign", ACTOR_STAFF, leader, FX_SPECIALIST, mon + 120), "internal");
    veto = 0;
    CHECK_EQ_INT(ncalls, 2);
    CHECK_EQ_STR(calls[0].who, "first");
    CHECK_EQ_STR(calls[1].who, "veto");
    CHECK_EQ_STR(fx_dossier(id).state, "received");
    CHECK_EQ_INT(count_of("dossier_events", id), events);
    CHECK_EQ_INT(count_of("audit_log", id), audits);
    CHECK_EQ_INT(fx_state(), before);

    /* An apology (a new appointment, no status change) is announced too. */
    CHECK_EQ_STR(step(id, "assign", ACTOR_STAFF, leader, FX_SPECIALIST, mon + 120), "");
    struct dossier d = fx_dossier(id);
    struct apology_job a = {.dossier_id = id, .officer_id = leader, .now = d.due_at - 3600,
                            .new_due_at = d.due_at + 86400};
    snprintf(a.reason, sizeof a.reason, "Cần xác minh thêm");
    ncalls = 0;
    CHECK_EQ_INT(store_run(fx_db, apology_record_job, &a), 0);
    derr_clear(&a.err);
    CHECK_EQ_INT(ncalls, 3);
    CHECK_EQ_STR(calls[0].action, "apology");
    CHECK_EQ_STR(calls[0].from_state, "processing");
    CHECK_EQ_STR(calls[0].to_state, "processing");
    CHECK_EQ_INT(calls[0].from_status, STATUS_PROCESSING);
    CHECK_EQ_INT(calls[0].to_status, STATUS_PROCESSING);
    CHECK_EQ_STR(calls[0].code, code);
}

TEST(registration_is_bounded_and_idempotent)
{
    dossier_listen_reset();
    CHECK_EQ_INT(dossier_listen(&first), 0);
    CHECK_EQ_INT(dossier_listen(&first), 0); /* the same listener once */
    static struct dossier_listener many[DOSSIER_LISTENERS_MAX];
    int added = 1, refused = 0;
    for (int i = 0; i < DOSSIER_LISTENERS_MAX; i++) {
        many[i] = (struct dossier_listener){"many", last_changed, NULL};
        if (dossier_listen(&many[i]) == 0)
            added++;
        else
            refused++;
    }
    CHECK_EQ_INT(added, DOSSIER_LISTENERS_MAX);
    CHECK_EQ_INT(refused, 1);
    dossier_listen_reset();
}

/* An officer of another commune. */
static int64_t new_outsider(void)
{
    struct account a = {0};
    snprintf(a.kind, sizeof a.kind, "staff");
    snprintf(a.login, sizeof a.login, "lanhdao.xakhac");
    snprintf(a.full_name, sizeof a.full_name, "Cán bộ xã khác");
    if (store_begin(fx_db) || account_create(fx_db, &a, "x") ||
        account_grant_role(fx_db, a.id, "province_admin", fx_unit(FX_COMMUNE2)) ||
        store_commit(fx_db))
        return 0;
    return a.id;
}

int main(void)
{
    if (fx_open("workflow"))
        return 1;
    dossier_listen_reset();
    if (dossier_listen(&first) || dossier_listen(&vetoer) || dossier_listen(&last))
        return 1;
    citizen = fx_account(FX_CITIZEN);
    reception = fx_account(FX_RECEPTION);
    specialist = fx_account(FX_SPECIALIST);
    leader = fx_account(FX_LEADER);
    outsider = new_outsider();
    RUN(who_may_take_which_step);
    RUN(the_clock_pauses_and_resumes);
    RUN(the_hub_calls_listeners_in_order_and_a_failure_rolls_back);
    RUN(registration_is_bounded_and_idempotent);
    fx_close();
    return harness_done();
}
