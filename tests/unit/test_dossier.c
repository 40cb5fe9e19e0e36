/* Tests of dossier/dossier.c through its write jobs on a fresh database:
 * creating a draft (and the refusals that used to live in the handlers),
 * saving the form, the attachment limits (count, total size, a replacement
 * does not count), removing files, submitting (the code
 * {unit}-{yyMMdd}-{NNNN} and its daily counter per unit, the appointment,
 * the events), and the desk's walk-in draft that its linked citizen may not
 * change. Every refusal is checked together with the database being left
 * as it was. */
#include "dossier/dossier.h"

#include <jansson.h>

#include "app.h"
#include "dossier/status.h"
#include "fixture.h"
#include "base/util.h"
#include "harness.h"

static int64_t citizen, reception, specialist;

static json_t *extract_form(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:b}", "requester_name",
                     "Nguyễn Thị Mai", "requester_residence", "Phường Hạc Thành",
                     "requester_id_number", "038090012345", "requester_relationship", "Bản thân",
                     "record_type", "khai_sinh", "subject_name", "Nguyễn Thị Mai", "record_office",
                     "UBND phường Hạc Thành", "copies_requested", 1, "commitment", 1);
}

/* Runs a job; returns its refusal code ("" when it succeeded). */
static const char *run(int (*job)(struct store *, void *), void *arg, struct derr *err)
{
    static char code[64];
    int rc = store_run(fx_db, job, arg);
    snprintf(code, sizeof code, "%s", rc ? (err->code ? err->code : "(store error)") : "");
    derr_clear(err);
    return code;
}

static int64_t new_draft(const char *procedure, const char *unit, int64_t owner)
{
    struct dossier_create c = {.procedure_code = procedure, .unit_code = unit, .owner_id = owner};
    return run(dossier_create_job, &c, &c.err)[0] ? 0 : c.id;
}

static const char *save_form(int64_t id, int64_t owner, int64_t actor, json_t *form)
{
    struct dossier_save_form f = {.to = {id, owner, actor}, .form = form};
    const char *code = run(dossier_save_form_job, &f, &f.err);
    json_decref(form);
    return code;
}

static const char *add_file(int64_t id, int64_t owner, int64_t actor, const char *name,
                            const char *doc, int64_t size)
{
    struct dossier_file_op f = {.to = {id, owner, actor}, .size = size};
    snprintf(f.name, sizeof f.name, "%s", name);
    snprintf(f.document_key, sizeof f.document_key, "%s", doc);
    snprintf(f.content_type, sizeof f.content_type, "application/pdf");
    memset(f.sha256, 'a', 64);
    return run(dossier_add_file_job, &f, &f.err);
}

static const char *remove_file(int64_t id, int64_t owner, int64_t actor, const char *name)
{
    struct dossier_file_op f = {.to = {id, owner, actor}};
    snprintf(f.name, sizeof f.name, "%s", name);
    return run(dossier_remove_file_job, &f, &f.err);
}

static const char *submit(int64_t id, int64_t owner, int64_t actor, int64_t now)
{
    struct dossier_submit s = {.to = {id, owner, actor}, .cal = fx_cal, .now = now};
    s.today_ymd = cal_local_ymd(now);
    return run(dossier_submit_job, &s, &s.err);
}

TEST(create_checks_procedure_unit_and_reach)
{
    int64_t before = fx_state();
    struct dossier_create c = {.procedure_code = "9.999999.000.00.00.H56",
                               .unit_code = FX_COMMUNE, .owner_id = citizen};
    CHECK_EQ_STR(run(dossier_create_job, &c, &c.err), "unknown_procedure");
    c.procedure_code = FX_EXTRACT;
    c.unit_code = "999.99.99.H56";
    CHECK_EQ_STR(run(dossier_create_job, &c, &c.err), "unknown_unit");
    c.procedure_code = FX_BUSINESS; /* a province-level procedure at a commune */
    c.unit_code = FX_COMMUNE;
    CHECK_EQ_STR(run(dossier_create_job, &c, &c.err), "unit_not_handling");
    /* A walk-in: only where the officer holds dossier.walkin. */
    struct dossier_create w = {.procedure_code = FX_EXTRACT, .unit_code = FX_COMMUNE2,
                               .received_by = reception, .channel = "desk",
                               .applicant_name = "Hoàng Thị Lan"};
    CHECK_EQ_STR(run(dossier_create_job, &w, &w.err), "unknown_unit");
    w.unit_code = FX_COMMUNE;
    w.received_by = specialist; /* no dossier.walkin */
    CHECK_EQ_STR(run(dossier_create_job, &w, &w.err), "unknown_unit");
    CHECK_EQ_INT(fx_state(), before);

    int64_t id = new_draft(FX_EXTRACT, FX_COMMUNE, citizen);
    CHECK(id > 0);
    struct dossier d = fx_dossier(id);
    CHECK_EQ_STR(d.state, "draft");
    CHECK_EQ_STR(d.code, "");
    CHECK_EQ_INT(d.status_code, STATUS_DRAFT);
    CHECK_EQ_INT(d.owner_id, citizen);
    CHECK_EQ_INT(d.unit_id, fx_unit(FX_COMMUNE));
    /* A walk-in is not linked to the account registered under the
     * applicant's ID number (typed in there by whoever registered it); the
     * number is kept. */
    w.received_by = reception;
    w.applicant_id_number = FX_CITIZEN2;
    CHECK_EQ_STR(run(dossier_create_job, &w, &w.err), "");
    d = fx_dossier(w.id);
    CHECK_EQ_INT(d.owner_id, 0);
    char q[128], idn[32];
    snprintf(q, sizeof q, "SELECT applicant_id_number FROM dossiers WHERE id = %lld",
             (long long)w.id);
    fx_text(q, NULL, idn, sizeof idn);
    CHECK_EQ_STR(idn, FX_CITIZEN2);
    CHECK_EQ_INT(d.received_by, reception);
    CHECK_EQ_STR(d.channel, "desk");
}

TEST(save_form_and_someone_elses_draft)
{
    char text[4096];
    int64_t id = new_draft(FX_EXTRACT, FX_COMMUNE, citizen);
    CHECK_EQ_STR(save_form(id, citizen, 0, extract_form()), "");
    char q[96];
    snprintf(q, sizeof q, "SELECT form FROM dossiers WHERE id = %lld", (long long)id);
    fx_text(q, NULL, text, sizeof text);
    CHECK(strstr(text, "\"subject_name\":\"Nguyễn Thị Mai\"") != NULL);
    /* Another citizen's draft answers like a missing one. */
    int64_t before = fx_state();
    CHECK_EQ_STR(save_form(id, fx_account(FX_CITIZEN2), 0, extract_form()), "not_found");
    CHECK_EQ_INT(fx_state(), before);
}

TEST(attachment_limits)
{
    int64_t id = new_draft(FX_COPY, FX_COMMUNE, citizen);
    char name[32];
    for (int i = 0; i < DOSSIER_MAX_FILES; i++) {
        snprintf(name, sizeof name, "ban-%02d.pdf", i);
        CHECK_EQ_STR(add_file(id, citizen, 0, name, "ban_chinh", 1000), "");
    }
    int64_t before = fx_state();
    CHECK_EQ_STR(add_file(id, citizen, 0, "mot-nua.pdf", "ban_chinh", 1000), "too_many_files");
    CHECK_EQ_INT(fx_state(), before);
    /* Replacing a file of the same name is not one more. */
    CHECK_EQ_STR(add_file(id, citizen, 0, "ban-00.pdf", "ban_chinh", 2000), "");
    CHECK_EQ_INT(fx_int("SELECT count(*) FROM dossier_files WHERE name = 'ban-00.pdf'"
                        " AND size = 2000", NULL), 1);
    CHECK_EQ_INT(fx_int("SELECT count(*) FROM dossier_files", NULL), DOSSIER_MAX_FILES);
    /* The total: 100 MiB at most, the replaced file's old size not counted. */
    CHECK_EQ_STR(remove_file(id, citizen, 0, "ban-29.pdf"), "");
    char q[96];
    snprintf(q, sizeof q, "SELECT sum(size) FROM dossier_files WHERE dossier_id = %lld",
             (long long)id);
    int64_t used = fx_int(q, NULL);
    before = fx_state();
    CHECK_EQ_STR(add_file(id, citizen, 0, "lon.pdf", "ban_chinh", DOSSIER_MAX_BYTES - used + 1),
                 "dossier_too_large");
    CHECK_EQ_INT(fx_state(), before);
    CHECK_EQ_STR(add_file(id, citizen, 0, "lon.pdf", "ban_chinh", DOSSIER_MAX_BYTES - used), "");
    /* A document key the procedure does not have. */
    before = fx_state();
    CHECK_EQ_STR(add_file(id, citizen, 0, "ban-01.pdf", "khong_co", 10), "unknown_document");
    CHECK_EQ_STR(remove_file(id, citizen, 0, "khong-co.pdf"), "not_found");
    CHECK_EQ_INT(fx_state(), before);
}

TEST(submit_gives_code_counter_and_appointment)
{
    /* Monday 2025-03-03 08:00 local: one working day later is Tuesday
     * 08:00 (docs/calendar.md). */
    int64_t monday = fx_local(2025, 3, 3, 8, 0), tuesday = fx_local(2025, 3, 4, 8, 0);
    int64_t a = new_draft(FX_EXTRACT, FX_COMMUNE, citizen);
    int64_t b = new_draft(FX_EXTRACT, FX_COMMUNE, citizen);
    int64_t c = new_draft(FX_EXTRACT, FX_COMMUNE2, citizen);
    int64_t e = new_draft(FX_EXTRACT, FX_COMMUNE, citizen);
    /* Incomplete: the form is required in full at submission. */
    int64_t before = fx_state();
    CHECK(strcmp(submit(a, citizen, 0, monday), "") != 0);
    CHECK_EQ_INT(fx_state(), before);
    CHECK_EQ_STR(save_form(a, citizen, 0, extract_form()), "");
    CHECK_EQ_STR(save_form(b, citizen, 0, extract_form()), "");
    CHECK_EQ_STR(save_form(c, citizen, 0, extract_form()), "");
    CHECK_EQ_STR(save_form(e, citizen, 0, extract_form()), "");
    CHECK_EQ_STR(submit(a, citizen, 0, monday), "");
    CHECK_EQ_STR(submit(b, citizen, 0, monday + 60), "");
    CHECK_EQ_STR(submit(c, citizen, 0, monday + 120), "");
    CHECK_EQ_STR(submit(e, citizen, 0, tuesday), "");
    struct dossier da = fx_dossier(a), db_ = fx_dossier(b), dc = fx_dossier(c), de = fx_dossier(e);
    CHECK_EQ_STR(da.code, FX_COMMUNE "-250303-0001");
    CHECK_EQ_STR(db_.code, FX_COMMUNE "-250303-0002"); /* the unit's counter for the day */
    CHECK_EQ_STR(dc.code, FX_COMMUNE2 "-250303-0001"); /* each unit counts its own */
    CHECK_EQ_STR(de.code, FX_COMMUNE "-250304-0001");  /* and each day starts again */
    CHECK_EQ_STR(da.state, "submitted");
    CHECK_EQ_INT(da.status_code, STATUS_SUBMITTED);
    CHECK_EQ_INT(da.submitted_at, monday);
    CHECK_EQ_INT(da.due_at, tuesday);
    CHECK_EQ_INT(da.first_due_at, tuesday);
    char q[128];
    snprintf(q, sizeof q, "SELECT count(*) FROM dossier_events WHERE dossier_id = %lld"
             " AND action = 'submit' AND status_code = 1", (long long)a);
    CHECK_EQ_INT(fx_int(q, NULL), 1);
    /* Submitted: no second submission, no more editing. */
    before = fx_state();
    CHECK_EQ_STR(submit(a, citizen, 0, tuesday), "not_a_draft");
    CHECK_EQ_STR(save_form(a, citizen, 0, extract_form()), "not_a_draft");
    CHECK_EQ_INT(fx_state(), before);
}

TEST(the_desk_draft_is_the_desks_until_submitted)
{
    /* Regression: the citizen account under the applicant's ID number could
     * edit the draft the desk was registering. It is not the owner now. */
    struct dossier_create w = {.procedure_code = FX_COPY, .unit_code = FX_COMMUNE,
                               .received_by = reception, .channel = "desk",
                               .applicant_id_number = FX_CITIZEN,
                               .applicant_name = "Nguyễn Văn An"};
    CHECK_EQ_STR(run(dossier_create_job, &w, &w.err), "");
    CHECK_EQ_INT(fx_dossier(w.id).owner_id, 0);
    CHECK_EQ_STR(add_file(w.id, 0, reception, "ban-quet.pdf", "ban_chinh", 500), "");
    char q[96], form_before[4096], form_after[4096];
    snprintf(q, sizeof q, "SELECT coalesce(form, '') FROM dossiers WHERE id = %lld",
             (long long)w.id);
    fx_text(q, NULL, form_before, sizeof form_before);
    int64_t before = fx_state();
    CHECK_EQ_STR(save_form(w.id, citizen, citizen, extract_form()), "not_found");
    CHECK_EQ_STR(add_file(w.id, citizen, citizen, "cua-toi.pdf", "ban_chinh", 10), "not_found");
    CHECK_EQ_STR(remove_file(w.id, citizen, citizen, "ban-quet.pdf"), "not_found");
    CHECK_EQ_STR(submit(w.id, citizen, citizen, fx_local(2025, 3, 5, 9, 0)), "not_found");
    /* Nor another officer through the desk's routes. */
    CHECK_EQ_STR(remove_file(w.id, 0, specialist, "ban-quet.pdf"), "desk_draft");
    CHECK_EQ_INT(fx_state(), before);
    fx_text(q, NULL, form_after, sizeof form_after);
    CHECK_EQ_STR(form_after, form_before);
    /* The desk submits it: received at once (status 1, then 2). */
    json_t *form = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "requester_name", "Nguyễn Văn An",
                             "requester_id_number", "038095001234", "requester_phone",
                             "0912345678", "document_name", "Bằng tốt nghiệp", "pages", 2,
                             "copies_requested", 1);
    CHECK_EQ_STR(save_form(w.id, 0, reception, form), "");
    CHECK_EQ_STR(submit(w.id, 0, reception, fx_local(2025, 3, 5, 9, 0)), "");
    struct dossier d = fx_dossier(w.id);
    CHECK_EQ_STR(d.state, "received");
    CHECK_EQ_INT(d.status_code, STATUS_ACCEPTED);

    /* Its claim code, once claimed, makes the claiming citizen the owner. */
    char code[16];
    CHECK_EQ_INT(dossier_claim_code(fx_db, w.id, code, sizeof code), 0);
    CHECK(strlen(code) == 9 && code[4] == '-');
    struct dossier_claim c = {.account_id = citizen};
    copy_str(c.code, sizeof c.code, d.code);
    copy_str(c.claim_code, sizeof c.claim_code, code[0] == 'A' ? "BBBB-BBBB" : "AAAA-AAAA");
    before = fx_state();
    CHECK_EQ_STR(run(dossier_claim_job, &c, &c.err), "not_found");
    CHECK_EQ_INT(fx_state(), before);
    /* Case, spaces and dashes do not count. */
    for (char *p = code; *p; p++)
        *p = *p == '-' ? ' ' : (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    copy_str(c.claim_code, sizeof c.claim_code, code);
    CHECK_EQ_STR(run(dossier_claim_job, &c, &c.err), "");
    CHECK_EQ_INT(c.id, w.id);
    CHECK_EQ_INT(fx_dossier(w.id).owner_id, citizen);
    char left[16];
    CHECK_EQ_INT(dossier_claim_code(fx_db, w.id, left, sizeof left), 0);
    CHECK_EQ_STR(left, "");
    /* Used up: nobody claims it again. */
    struct dossier_claim again = c;
    again.account_id = fx_account(FX_CITIZEN2);
    memset(&again.err, 0, sizeof again.err);
    CHECK_EQ_STR(run(dossier_claim_job, &again, &again.err), "not_found");
    CHECK_EQ_INT(fx_dossier(w.id).owner_id, citizen);
}

int main(void)
{
    if (fx_open("dossier") || app_listen_all())
        return 1;
    citizen = fx_account(FX_CITIZEN);
    reception = fx_account(FX_RECEPTION);
    specialist = fx_account(FX_SPECIALIST);
    RUN(create_checks_procedure_unit_and_reach);
    RUN(save_form_and_someone_elses_draft);
    RUN(attachment_limits);
    RUN(submit_gives_code_counter_and_appointment);
    RUN(the_desk_draft_is_the_desks_until_submitted);
    fx_close();
    return harness_done();
}
