/* Tests of document/: the notation of Decree 30, the registers' numbers
 * (from 1 each year, never a gap or a repeat, also when many clerks issue
 * at once through the writer), a closed year, and the outgoing flow's
 * refusals leaving the database unchanged. */
#include <pthread.h>

#include "audit/audit.h"
#include "document/document.h"
#include "document/stamp.h"
#include "fixture.h"
#include "harness.h"
#include "issued/signing.h"
#include "pdf_gen.h"
#include "sign/keys.h"
#include "sign/pdf_read.h"
#include "sign/pdf_verify.h"
#include "store/writer.h"

static int64_t commune, commune2, specialist, leader, clerk, reception;

static const char sha_a[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char sha_b[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/* Everything a refused step must leave alone, as one number. */
static int64_t doc_state(void)
{
    return fx_int("SELECT (SELECT count(*) FROM documents) * 1000003"
                  " + (SELECT coalesce(sum(updated_at), 0) FROM documents)"
                  " + (SELECT count(*) FROM document_versions) * 7919"
                  " + (SELECT count(*) FROM document_register_entries) * 104729"
                  " + (SELECT coalesce(sum(last_number), 0) FROM document_registers) * 31"
                  " + (SELECT count(*) FROM document_registers) * 101"
                  " + (SELECT count(*) FROM audit_log) * 15485863",
                  NULL);
}

static struct document_type type_of(const char *code)
{
    struct document_type t;
    if (document_type_get(fx_db, code, &t) != STORE_ROW)
        memset(&t, 0, sizeof t);
    return t;
}

TEST(types_loaded_from_the_data_file)
{
    /* 29 administrative types (Decree 30, Art. 7) and two legal normative. */
    CHECK_EQ_INT(fx_int("SELECT count(*) FROM document_types WHERE kind = 'administrative'",
                        NULL),
                 29);
    CHECK_EQ_INT(fx_int("SELECT count(*) FROM document_types WHERE kind = 'legal'", NULL), 2);
    /* Công văn and thư công have no abbreviation; the others do. */
    CHECK_EQ_INT(fx_int("SELECT count(*) FROM document_types WHERE abbreviation = ''", NULL), 2);
    struct document_type t = type_of("quy_dinh");
    CHECK_EQ_STR(t.abbreviation, "QyĐ");
    CHECK_EQ_STR(type_of("chuong_trinh").abbreviation, "CTr");
    CHECK_EQ_STR(type_of("thu_cong").abbreviation, "");
    /* Every administrative type counts in one series; each legal one has
     * its own. */
    CHECK_EQ_INT(fx_int("SELECT count(DISTINCT series) FROM document_types", NULL), 3);
    CHECK_EQ_STR(document_priority_label("hoa_toc_hen_gio"), "Hỏa tốc hẹn giờ");
    CHECK_EQ_STR(document_confidentiality_label("mat"), "Mật");
    CHECK(document_priority_label("urgent") == NULL);
}

TEST(notation)
{
    char out[DOCUMENT_NOTATION_MAX];
    struct document_type qd = type_of("quyet_dinh"), cv = type_of("cong_van"),
                         qppl = type_of("quyet_dinh_qppl"), tb = type_of("thong_bao");
    CHECK_EQ_INT(document_notation(&qd, 2026, "UBND", "", 12, out, sizeof out), 0);
    CHECK_EQ_STR(out, "12/QĐ-UBND");
    /* From 01: a leading zero under 10, none from 10. */
    CHECK_EQ_INT(document_notation(&qd, 2026, "UBND", "", 9, out, sizeof out), 0);
    CHECK_EQ_STR(out, "09/QĐ-UBND");
    CHECK_EQ_INT(document_notation(&qd, 2026, "UBND", "", 10, out, sizeof out), 0);
    CHECK_EQ_STR(out, "10/QĐ-UBND");
    CHECK_EQ_INT(document_notation(&tb, 2026, "STC", "", 7, out, sizeof out), 0);
    CHECK_EQ_STR(out, "07/TB-STC");
    CHECK_EQ_INT(document_notation(&cv, 2026, "UBND", "VP", 345, out, sizeof out), 0);
    CHECK_EQ_STR(out, "345/UBND-VP");
    CHECK_EQ_INT(document_notation(&qppl, 2026, "UBND", "", 3, out, sizeof out), 0);
    CHECK_EQ_STR(out, "03/2026/QĐ-UBND");
    /* A công văn without department, a unit without abbreviation, no room. */
    CHECK_EQ_INT(document_notation(&cv, 2026, "UBND", "", 1, out, sizeof out), -1);
    CHECK_EQ_INT(document_notation(&qd, 2026, "", "", 1, out, sizeof out), -1);
    char small[6];
    CHECK_EQ_INT(document_notation(&qd, 2026, "UBND", "", 12, small, sizeof small), -1);
    CHECK_EQ_STR(small, "");
}

TEST(dates_in_vietnam)
{
    char d[11];
    /* 31 Dec 2026 17:30 UTC is 1 Jan 2027 00:30 in Vietnam. */
    int64_t t = fx_local(2027, 1, 1, 0, 30);
    document_date(t, d);
    CHECK_EQ_STR(d, "2027-01-01");
    CHECK_EQ_INT(document_year(t), 2027);
    CHECK_EQ_INT(document_year(t - 3600), 2026);
}

TEST(place_and_date_line)
{
    char place[100], line[200];
    document_place("Phường Hạc Thành", "commune", place, sizeof place);
    CHECK_EQ_STR(place, "Hạc Thành");
    document_place("Xã Nga Sơn", "commune", place, sizeof place);
    CHECK_EQ_STR(place, "Nga Sơn");
    document_place("Ủy ban nhân dân tỉnh Thanh Hóa", "province", place, sizeof place);
    CHECK_EQ_STR(place, "Thanh Hóa");
    document_place("Sở Tài chính tỉnh Thanh Hóa", "department", place, sizeof place);
    CHECK_EQ_STR(place, "Thanh Hóa");
    document_date_line("Thanh Hóa", fx_local(2026, 12, 7, 10, 0), line, sizeof line);
    CHECK_EQ_STR(line, "Thanh Hóa, ngày 07 tháng 12 năm 2026");
    /* Months 1 and 2 take a leading 0, the others do not; days under 10 do. */
    document_date_line("Hạc Thành", fx_local(2027, 2, 15, 10, 0), line, sizeof line);
    CHECK_EQ_STR(line, "Hạc Thành, ngày 15 tháng 02 năm 2027");
    document_date_line("Hạc Thành", fx_local(2027, 3, 5, 10, 0), line, sizeof line);
    CHECK_EQ_STR(line, "Hạc Thành, ngày 05 tháng 3 năm 2027");
    document_date_line("Hạc Thành", fx_local(2027, 10, 20, 10, 0), line, sizeof line);
    CHECK_EQ_STR(line, "Hạc Thành, ngày 20 tháng 10 năm 2027");
}

/* --- registers ------------------------------------------------------------ */

struct take_arg {
    int year;
    const char *series;
    int fail; /* take, then refuse: the number must roll back */
    int64_t number;
    struct derr err;
};

static int take_job(struct store *db, void *arg)
{
    struct take_arg *a = arg;
    int64_t reg;
    if (register_take(db, commune, a->year, "out", a->series, 1000, &reg, &a->number, &a->err))
        return -1;
    return a->fail ? -1 : 0;
}

TEST(numbers_start_at_one_each_year_and_refused_jobs_leave_no_gap)
{
    struct take_arg a = {.year = 2030, .series = "hanh_chinh"};
    CHECK_EQ_INT(store_run(fx_db, take_job, &a), 0);
    CHECK_EQ_INT(a.number, 1);
    CHECK_EQ_INT(store_run(fx_db, take_job, &a), 0);
    CHECK_EQ_INT(a.number, 2);
    /* A job that took 3 and was refused: 3 is given again. */
    a.fail = 1;
    CHECK(store_run(fx_db, take_job, &a) != 0);
    a.fail = 0;
    CHECK_EQ_INT(store_run(fx_db, take_job, &a), 0);
    CHECK_EQ_INT(a.number, 3);
    /* Another series of the same year, the next year, and the incoming
     * register each start at 1. */
    struct take_arg b = {.year = 2030, .series = "quyet_dinh_qppl"};
    CHECK_EQ_INT(store_run(fx_db, take_job, &b), 0);
    CHECK_EQ_INT(b.number, 1);
    struct take_arg c = {.year = 2031, .series = "hanh_chinh"};
    CHECK_EQ_INT(store_run(fx_db, take_job, &c), 0);
    CHECK_EQ_INT(c.number, 1);
    int64_t reg, n;
    struct derr err = {0};
    CHECK_EQ_INT(store_begin(fx_db), 0);
    CHECK_EQ_INT(register_take(fx_db, commune, 2030, "in", "hanh_chinh", 1000, &reg, &n, &err), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(store_rollback(fx_db), 0);
    int64_t next = 0;
    CHECK_EQ_INT(register_peek(fx_db, commune, 2030, "out", "hanh_chinh", &next, &err), 0);
    CHECK_EQ_INT(next, 4);
    CHECK_EQ_INT(register_peek(fx_db, commune, 2032, "out", "hanh_chinh", &next, &err), 0);
    CHECK_EQ_INT(next, 1);
}

TEST(a_closed_year_refuses)
{
    struct take_arg a = {.year = 2029, .series = "hanh_chinh"};
    CHECK_EQ_INT(store_run(fx_db, take_job, &a), 0);
    CHECK_EQ_INT(register_close(fx_db, commune, 2029, "out", "hanh_chinh", 2000), 0);
    int64_t before = doc_state();
    CHECK(store_run(fx_db, take_job, &a) != 0);
    CHECK_EQ_STR(a.err.code, "register_closed");
    CHECK_EQ_INT(a.err.kind, DERR_STATE);
    CHECK_EQ_INT(doc_state(), before);
    int64_t next;
    struct derr err = {0};
    CHECK_EQ_INT(register_peek(fx_db, commune, 2029, "out", "hanh_chinh", &next, &err), -1);
    CHECK_EQ_STR(err.code, "register_closed");
    /* Closing a register not yet opened makes it, closed. */
    CHECK_EQ_INT(register_close(fx_db, commune, 2028, "out", "hanh_chinh", 2000), 0);
    struct take_arg b = {.year = 2028, .series = "hanh_chinh"};
    CHECK(store_run(fx_db, take_job, &b) != 0);
    CHECK_EQ_STR(b.err.code, "register_closed");
}

/* --- the flow ----------------------------------------------------------------- */

static int run_create(struct document_draft *d)
{
    memset(&d->err, 0, sizeof d->err);
    return store_run(fx_db, document_create_job, d);
}

static int run_step(struct document_step *s)
{
    memset(&s->err, 0, sizeof s->err);
    return store_run(fx_db, document_step_job, s);
}

static struct document_draft draft_of(const char *type, const char *department)
{
    return (struct document_draft){.actor_id = specialist,
                                   .unit_id = commune,
                                   .type_code = type,
                                   .summary = "Về việc kiểm tra công tác văn thư năm 2026",
                                   .priority = "thuong",
                                   .confidentiality = "thuong",
                                   .department = department,
                                   .signer_id = leader,
                                   .signer_title = "CHỦ TỊCH",
                                   .sha256 = sha_a,
                                   .size = 1000,
                                   .now = 5000};
}

/* A document taken from draft to signed through the real jobs. */
static int64_t signed_document(const char *type, const char *department)
{
    struct document_draft d = draft_of(type, department);
    if (run_create(&d))
        return 0;
    struct document_step s = {.document_id = d.id, .expect_state = -1, .now = 5001};
    s.actor_id = specialist;
    s.action = DOC_ACT_SUBMIT;
    if (run_step(&s))
        return 0;
    s.actor_id = leader;
    s.action = DOC_ACT_APPROVE;
    if (run_step(&s))
        return 0;
    s.action = DOC_ACT_SIGN;
    s.sha256 = sha_b;
    s.size = 2000;
    if (run_step(&s))
        return 0;
    return d.id;
}

TEST(draft_refusals_change_nothing)
{
    int64_t before = doc_state();
    struct document_draft d = draft_of("quyet_dinh", "");
    d.actor_id = reception; /* no document.draft */
    CHECK(run_create(&d) != 0);
    CHECK_EQ_STR(d.err.code, "unit_not_found");
    d = draft_of("quyet_dinh", "");
    d.unit_id = commune2; /* not the drafter's unit */
    CHECK(run_create(&d) != 0);
    CHECK_EQ_INT(d.err.kind, DERR_NOT_FOUND);
    d = draft_of("quyet_dinh", "");
    d.signer_id = 0;
    CHECK(run_create(&d) != 0);
    CHECK_EQ_STR(d.err.code, "signer_invalid");
    d = draft_of("quyet_dinh", "");
    d.signer_id = specialist; /* cannot sign */
    CHECK(run_create(&d) != 0);
    CHECK_EQ_STR(d.err.code, "signer_invalid");
    d = draft_of("quyet_dinh", "");
    d.confidentiality = "mat";
    CHECK(run_create(&d) != 0);
    CHECK_EQ_STR(d.err.code, "secret_not_allowed");
    CHECK_EQ_INT(d.err.kind, DERR_FORBIDDEN);
    d = draft_of("cong_van", "");
    CHECK(run_create(&d) != 0);
    CHECK_EQ_STR(d.err.code, "department_required");
    d = draft_of("khong_co", "");
    CHECK(run_create(&d) != 0);
    CHECK_EQ_STR(d.err.code, "invalid_type");
    int64_t twice[2] = {commune2, commune2}, self[1] = {commune};
    d = draft_of("quyet_dinh", "");
    d.recipients = twice;
    d.nrecipients = 2;
    CHECK(run_create(&d) != 0);
    CHECK_EQ_STR(d.err.code, "invalid_recipients");
    d.recipients = self;
    d.nrecipients = 1;
    CHECK(run_create(&d) != 0);
    CHECK_EQ_STR(d.err.code, "invalid_recipients");
    d = draft_of("quyet_dinh", "");
    d.priority = "gap";
    CHECK(run_create(&d) != 0);
    CHECK_EQ_STR(d.err.code, "invalid_priority");
    CHECK_EQ_INT(doc_state(), before);
    /* Where the unit enables it, a confidential draft is accepted. */
    CHECK_EQ_INT(store_exec_all(fx_db,
                                "INSERT INTO document_unit_settings(unit_id, allows_secret)"
                                " VALUES (?, 1)",
                                BIND_INT(commune)),
                 0);
    d = draft_of("quyet_dinh", "");
    d.confidentiality = "mat";
    CHECK_EQ_INT(run_create(&d), 0);
    CHECK_EQ_INT(store_exec_all(fx_db, "DELETE FROM document_unit_settings"), 0);
}

TEST(review_returns_keep_every_version)
{
    struct document_draft d = draft_of("to_trinh", "");
    CHECK_EQ_INT(run_create(&d), 0);
    struct document_step s = {.document_id = d.id, .expect_state = -1, .now = 6000};
    /* The leader cannot approve a draft not yet sent. */
    s.actor_id = leader;
    s.action = DOC_ACT_APPROVE;
    int64_t before = doc_state();
    CHECK(run_step(&s) != 0);
    CHECK_EQ_STR(s.err.code, "wrong_state");
    CHECK_EQ_INT(doc_state(), before);
    s.actor_id = specialist;
    s.action = DOC_ACT_SUBMIT;
    CHECK_EQ_INT(run_step(&s), 0);
    /* Return needs a comment. */
    s.actor_id = leader;
    s.action = DOC_ACT_RETURN;
    before = doc_state();
    CHECK(run_step(&s) != 0);
    CHECK_EQ_STR(s.err.code, "comment_required");
    CHECK_EQ_INT(doc_state(), before);
    s.comment = "Sửa lại căn cứ pháp lý.";
    CHECK_EQ_INT(run_step(&s), 0);
    /* The drafter uploads a new body and sends it again. */
    s.actor_id = specialist;
    s.action = DOC_ACT_VERSION;
    s.comment = NULL;
    s.sha256 = sha_b;
    s.size = 1200;
    CHECK_EQ_INT(run_step(&s), 0);
    char key[24], out[200];
    snprintf(key, sizeof key, "%lld", (long long)d.id);
    CHECK_EQ_INT(fx_int("SELECT count(*) FROM document_versions WHERE document_id = ?", key), 2);
    CHECK_EQ_STR(fx_text("SELECT comment FROM document_versions WHERE document_id = ?"
                         " AND version = 1",
                         key, out, sizeof out),
                 "Sửa lại căn cứ pháp lý.");
    CHECK_EQ_STR(fx_text("SELECT sha256 FROM document_versions WHERE document_id = ?"
                         " AND version = 2",
                         key, out, sizeof out),
                 sha_b);
    /* Someone other than the named signer cannot sign. */
    s.action = DOC_ACT_SUBMIT;
    CHECK_EQ_INT(run_step(&s), 0);
    s.actor_id = leader;
    s.action = DOC_ACT_APPROVE;
    CHECK_EQ_INT(run_step(&s), 0);
    s.actor_id = fx_account(FX_ADMIN);
    s.action = DOC_ACT_SIGN;
    before = doc_state();
    CHECK(run_step(&s) != 0);
    CHECK_EQ_STR(s.err.code, "forbidden");
    CHECK_EQ_INT(doc_state(), before);
}

TEST(issue_numbers_notation_register_and_deliveries)
{
    int64_t qd = signed_document("quyet_dinh", ""), cv = signed_document("cong_van", "VP");
    CHECK(qd && cv);
    /* A recipient: the other commune gets an incoming copy. */
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)cv);
    CHECK_EQ_INT(store_exec_all(fx_db,
                                "UPDATE documents SET recipients_internal = json_array(?)"
                                " WHERE id = ?",
                                BIND_INT(commune2), BIND_INT(cv)),
                 0);
    int64_t now = fx_local(2027, 3, 5, 9, 0);
    struct document_step s = {.document_id = qd, .actor_id = clerk, .action = DOC_ACT_ISSUE,
                              .expect_state = -1, .sha256 = sha_a, .size = 3000, .now = now};
    /* The number stamped must be the register's next. */
    s.expect_number = 2;
    int64_t before = doc_state();
    CHECK(run_step(&s) != 0);
    CHECK_EQ_STR(s.err.code, "register_moved");
    CHECK_EQ_INT(doc_state(), before);
    /* A leader cannot issue (no document.issue). */
    s.expect_number = 1;
    s.actor_id = leader;
    CHECK(run_step(&s) != 0);
    CHECK_EQ_STR(s.err.code, "forbidden");
    CHECK_EQ_INT(doc_state(), before);
    s.actor_id = clerk;
    CHECK_EQ_INT(run_step(&s), 0);
    CHECK_EQ_INT(s.number, 1);
    CHECK_EQ_STR(s.notation, "01/QĐ-UBND");
    /* Again: 409 already_issued, no second number. */
    before = doc_state();
    s.expect_number = 2;
    CHECK(run_step(&s) != 0);
    CHECK_EQ_STR(s.err.code, "already_issued");
    CHECK_EQ_INT(doc_state(), before);
    s = (struct document_step){.document_id = cv, .actor_id = clerk, .action = DOC_ACT_ISSUE,
                               .expect_state = -1, .sha256 = sha_b, .size = 3000, .now = now,
                               .expect_number = 2};
    CHECK_EQ_INT(run_step(&s), 0);
    CHECK_EQ_STR(s.notation, "02/UBND-VP");
    CHECK_EQ_INT(s.ndelivered, 1);
    char out[100];
    CHECK_EQ_STR(fx_text("SELECT group_concat(number || ' ' || notation || ' ' || entered_on,"
                         " '; ') FROM (SELECT * FROM document_register_entries"
                         " WHERE register_id = (SELECT register_id FROM documents WHERE id = ?)"
                         " ORDER BY number)",
                         key, out, sizeof out),
                 "1 01/QĐ-UBND 2027-03-05; 2 02/UBND-VP 2027-03-05");
    CHECK_EQ_STR(fx_text("SELECT state || ' ' || notation || ' ' || sha256 FROM documents"
                         " WHERE source_id = ?",
                         key, out, sizeof out),
                 "arrived 02/UBND-VP "
                 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    CHECK_EQ_INT(fx_int("SELECT count(*) FROM documents WHERE source_id = ? AND state = 'arrived'"
                        " AND direction = 'in'",
                        key),
                 1);
    char want[64];
    snprintf(want, sizeof want, "%lld", (long long)commune2);
    CHECK_EQ_STR(fx_text("SELECT unit_id FROM documents WHERE source_id = ?", key, out,
                         sizeof out),
                 want);
}

/* --- the number on the signed PDF ---------------------------------------------- */

static int sign_as(const unsigned char *pdf, size_t len, int64_t account, struct issued_output *o)
{
    struct issued_signature sig = {.unit_id = commune, .account_id = account,
                                   .title = account ? "CHỦ TỊCH" : NULL,
                                   .reason = account ? "Ký ban hành" : "Phát hành văn bản"};
    struct issued_signing in = {.data_dir = fx_dir, .sigs = &sig, .nsigs = 1,
                                .location = "Thanh Hóa", .now = (int64_t)time(NULL)};
    struct derr err = {0};
    return issued_sign_pdf(fx_db, &in, pdf, len, o, &err);
}

TEST(stamping_the_number_keeps_the_leaders_signature_valid)
{
    size_t len, slen;
    unsigned char *pdf = gen_pdf_cairo(2, &len), *stamped = NULL;
    struct issued_output signed_pdf = {0}, sealed = {0};
    char err[256] = "";
    CHECK_EQ_INT(sign_as(pdf, len, leader, &signed_pdf), 0);
    struct stamp_line lines[2] = {{.text = "Số: 12/QĐ-UBND"},
                                  {.text = "Thanh Hóa, ngày 07 tháng 12 năm 2026", .italic = 1}};
    CHECK_EQ_INT(stamp_pdf_header(signed_pdf.pdf, signed_pdf.len, lines, 2, &stamped, &slen, err,
                                  sizeof err),
                 0);
    CHECK(stamped && slen > signed_pdf.len && memcmp(stamped, signed_pdf.pdf, signed_pdf.len) == 0);
    /* Page one now carries the two stamps, and the file still reads. */
    struct pdfr *f = NULL;
    struct pdfr_page page;
    CHECK_EQ_INT(pdfr_open(stamped, slen, &f, err, sizeof err), 0);
    if (f) {
        CHECK_EQ_INT(pdfr_page(f, 0, &page), 0);
        const struct pdfr_obj *annots = pdfr_dict_res(f, page.dict, "Annots");
        CHECK(annots && annots->type == PDFR_ARRAY);
        int stamps = 0;
        for (size_t i = 0; annots && i < annots->u.a.n; i++)
            stamps += pdfr_is_name(pdfr_dict_get(pdfr_resolve(f, annots->u.a.items[i]), "Subtype"),
                                   "Stamp");
        CHECK_EQ_INT(stamps, 2);
        pdfr_free(f);
    }
    /* Then the seal: both signatures valid, the seal covering the file. */
    CHECK_EQ_INT(sign_as(stamped, slen, 0, &sealed), 0);
    X509_STORE *trust = keys_trust_store(fx_db);
    json_t *report = NULL;
    CHECK_EQ_INT(pdfv_verify(sealed.pdf, sealed.len, trust, &report, err, sizeof err), 0);
    X509_STORE_free(trust);
    CHECK_EQ_STR(json_string_value(json_object_get(report, "verdict")), "valid");
    json_t *sigs = json_object_get(report, "signatures");
    CHECK_EQ_INT(json_array_size(sigs), 2);
    for (size_t i = 0; i < json_array_size(sigs); i++)
        CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(sigs, i), "status")),
                     "valid");
    json_decref(report);
    /* Nothing to stamp on: refused with a reason. */
    unsigned char *none = NULL;
    CHECK_EQ_INT(stamp_pdf_header((const unsigned char *)"not a pdf", 9, lines, 2, &none, &slen,
                                  err, sizeof err),
                 -1);
    CHECK(none == NULL && err[0]);
    free(pdf);
    free(stamped);
    issued_output_clear(&signed_pdf);
    issued_output_clear(&sealed);
}

/* --- many clerks at once -------------------------------------------------------- */

#define CONC_DOCS 200
#define CONC_THREADS 4

static struct writer *conc_writer;
static int64_t conc_ids[CONC_DOCS];
static char conc_path[400];

struct conc_job {
    struct write_job job;
    struct document_step step;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done;
};

static void conc_notify(struct write_job *job)
{
    struct conc_job *c = job->owner;
    pthread_mutex_lock(&c->lock);
    c->done = 1;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

static int conc_failures;

/* One clerk: issues its share of the documents as the API does: reads the
 * next number on its own connection, then the job, again while someone
 * else took that number first. */
static void *clerk_thread(void *arg)
{
    int k = (int)(intptr_t)arg;
    struct store *ro;
    char err[200];
    if (store_open(conc_path, 1, &ro, err, sizeof err)) {
        __atomic_add_fetch(&conc_failures, 1, __ATOMIC_SEQ_CST);
        return NULL;
    }
    for (int i = k; i < CONC_DOCS; i += CONC_THREADS) {
        int ok = 0;
        for (int tries = 0; tries < 1000 && !ok; tries++) {
            struct document d;
            struct document_issue_plan plan;
            struct derr e = {0};
            int64_t now = fx_local(2027, 6, 1, 9, 0);
            if (document_get(ro, conc_ids[i], &d) != STORE_ROW ||
                document_issue_prepare(ro, &d, clerk, now, &plan, &e))
                break;
            struct conc_job c = {.step = {.document_id = conc_ids[i],
                                          .actor_id = clerk,
                                          .action = DOC_ACT_ISSUE,
                                          .expect_state = -1,
                                          .sha256 = sha_a,
                                          .size = 10,
                                          .expect_number = plan.number,
                                          .now = now}};
            pthread_mutex_init(&c.lock, NULL);
            pthread_cond_init(&c.cond, NULL);
            c.job = (struct write_job){.fn = document_step_job, .arg = &c.step,
                                       .notify = conc_notify, .owner = &c};
            if (writer_submit(conc_writer, &c.job))
                break;
            pthread_mutex_lock(&c.lock);
            while (!c.done)
                pthread_cond_wait(&c.cond, &c.lock);
            pthread_mutex_unlock(&c.lock);
            pthread_mutex_destroy(&c.lock);
            pthread_cond_destroy(&c.cond);
            if (c.job.rc == 0)
                ok = 1;
            else if (!c.step.err.code || strcmp(c.step.err.code, "register_moved") != 0)
                break;
        }
        if (!ok)
            __atomic_add_fetch(&conc_failures, 1, __ATOMIC_SEQ_CST);
    }
    store_close(ro);
    return NULL;
}

TEST(many_concurrent_issues_give_1_to_200)
{
    /* Another unit, so that the numbers of the tests above do not count. */
    int64_t unit = fx_unit("000.03.90.H56");
    CHECK(unit > 0);
    CHECK_EQ_INT(store_exec_all(fx_db,
                                "INSERT INTO staff_roles(account_id, role, unit_id)"
                                " SELECT id, 'specialist', ?1 FROM accounts WHERE id = ?2"
                                " UNION ALL SELECT id, 'leader', ?1 FROM accounts WHERE id = ?3"
                                " UNION ALL SELECT id, 'clerk', ?1 FROM accounts WHERE id = ?4",
                                BIND_INT(unit), BIND_INT(specialist), BIND_INT(leader),
                                BIND_INT(clerk)),
                 0);
    int64_t keep = commune;
    commune = unit;
    for (int i = 0; i < CONC_DOCS; i++) {
        struct document_draft d = draft_of(i % 3 ? "quyet_dinh" : "cong_van", "VP");
        d.unit_id = unit;
        conc_ids[i] = 0;
        if (run_create(&d))
            break;
        struct document_step s = {.document_id = d.id, .expect_state = -1, .now = 5001};
        s.actor_id = specialist;
        s.action = DOC_ACT_SUBMIT;
        int rc = run_step(&s);
        s.actor_id = leader;
        s.action = DOC_ACT_APPROVE;
        rc = rc || run_step(&s);
        s.action = DOC_ACT_SIGN;
        s.sha256 = sha_b;
        s.size = 2000;
        rc = rc || run_step(&s);
        if (rc)
            break;
        conc_ids[i] = d.id;
    }
    commune = keep;
    CHECK(conc_ids[CONC_DOCS - 1] > 0);
    char err[200];
    snprintf(conc_path, sizeof conc_path, "%s/motcua.db", fx_dir);
    CHECK_EQ_INT(writer_start(conc_path, &conc_writer, err, sizeof err), 0);
    pthread_t th[CONC_THREADS];
    conc_failures = 0;
    for (int k = 0; k < CONC_THREADS; k++)
        CHECK_EQ_INT(pthread_create(&th[k], NULL, clerk_thread, (void *)(intptr_t)k), 0);
    for (int k = 0; k < CONC_THREADS; k++)
        pthread_join(th[k], NULL);
    writer_stop(conc_writer);
    CHECK_EQ_INT(conc_failures, 0);
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)unit);
    /* 200 lines, numbered 1..200 exactly once each, each for its own
     * document, and every document issued with the number of its line. */
    CHECK_EQ_INT(fx_int("SELECT count(*) FROM document_register_entries e"
                        " JOIN document_registers r ON r.id = e.register_id WHERE r.unit_id = ?",
                        key),
                 CONC_DOCS);
    CHECK_EQ_INT(fx_int("SELECT count(DISTINCT e.number) FROM document_register_entries e"
                        " JOIN document_registers r ON r.id = e.register_id WHERE r.unit_id = ?"
                        " AND e.number BETWEEN 1 AND 200",
                        key),
                 CONC_DOCS);
    CHECK_EQ_INT(fx_int("SELECT count(*) FROM documents d JOIN document_register_entries e"
                        " ON e.document_id = d.id AND e.number = d.number"
                        " WHERE d.unit_id = ? AND d.state = 'issued'",
                        key),
                 CONC_DOCS);
    CHECK_EQ_INT(fx_int("SELECT last_number FROM document_registers WHERE unit_id = ?"
                        " AND year = 2027 AND direction = 'out' AND series = 'hanh_chinh'",
                        key),
                 CONC_DOCS);
}

int main(void)
{
    if (fx_open("document"))
        return 1;
    commune = fx_unit(FX_COMMUNE);
    commune2 = fx_unit(FX_COMMUNE2);
    specialist = fx_account(FX_SPECIALIST);
    leader = fx_account(FX_LEADER);
    clerk = fx_account("vanthu.hacthanh");
    reception = fx_account(FX_RECEPTION);
    RUN(types_loaded_from_the_data_file);
    RUN(notation);
    RUN(dates_in_vietnam);
    RUN(place_and_date_line);
    RUN(numbers_start_at_one_each_year_and_refused_jobs_leave_no_gap);
    RUN(a_closed_year_refuses);
    RUN(draft_refusals_change_nothing);
    RUN(review_returns_keep_every_version);
    RUN(issue_numbers_notation_register_and_deliveries);
    RUN(stamping_the_number_keeps_the_leaders_signature_valid);
    RUN(many_concurrent_issues_give_1_to_200);
    fx_close();
    return harness_done();
}
