/* api_documents: official documents, the outgoing flow (docs/documents.md).
 * A specialist drafts (metadata, then the body as a PDF upload, or a Word
 * file made into one by LibreOffice on the pool: document/convert.h), the head
 * of department reviews (approve, or return with a comment), the named
 * leader signs (their personal signature, made on the worker pool, then
 * recorded by a write job), and the clerk (văn thư) issues: the number the
 * register will give is read, stamped with the date on page one of the
 * signed PDF, the unit's seal signs, and one write job takes that number
 * (a number another issue took meanwhile makes the PDF again with the
 * next), writes the register's line and delivers an incoming copy to each
 * internal recipient. A draft may replace or correct an issued document,
 * and the unit's leader may recall one (document/corrections.h). A
 * document outside the officer's units is 404.
 * The text of every body saved and of the issued PDF is read on the worker
 * pool and handed to the write job, which indexes the document for
 * GET /api/v1/documents/search. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "app.h"
#include "auth/permission.h"
#include "base/assets.h"
#include "base/log.h"
#include "base/util.h"
#include "catalog/unit.h"
#include "document/convert.h"
#include "document/corrections.h"
#include "document/send_more.h"
#include "document/document.h"
#include "document/drafting.h"
#include "document/series.h"
#include "document/incoming.h"
#include "document/stamp.h"
#include "dossier/filestore.h"
#include "exchange/outbox.h"
#include "http/conn.h"
#include "http/http.h"
#include "http/lane.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/upload.h"
#include "document/doc_search.h"
#include "issued/public.h"
#include "issued/signing.h"
#include "sign/keys.h"
#include "sign/pdf_read.h"
#include "store/store.h"

/* How many times an issue is made again when its number was taken
 * meanwhile (clerks of one unit issuing at the same moment): each round
 * one of them gets its number. */
#define ISSUE_TRIES 16
#define MAX_BODY ((size_t)50 << 20) /* bytes of a body the pool reads to sign */
#define LIST_LIMIT 200

struct doc_state {
    struct document doc;
    struct document_draft draft;
    int64_t recipients[DOCUMENT_MAX_RECIPIENTS];
    struct document_step step;
    struct upload upload;
    char sha[65];
    int64_t size;
    struct document_issue_plan plan;
    char place[200];
    int tries;
    int work_rc; /* 0, or -1 with work_err, or a negative errno storing the file */
    struct derr work_err;
    char *text;  /* the body's text for the search index (malloc'd), or NULL */
    size_t text_len;
    X509_STORE *trust; /* issue: the anchors the leader's signature is checked against */
    int64_t lane_key;  /* issue: the unit whose lane (http/lane.h) ... */
    int lane_held;     /* ... this request holds, to leave when it ends */
    struct filestore_tmp docx; /* a Word body as it arrives (docx_used) */
    int docx_used;
    int docx_slot;             /* holds a conversion slot (convert_slot_take) */
    char docx_sha[65];         /* ... kept in the file store under this hash */
};

static void release_state(void *p)
{
    struct doc_state *s = p;
    derr_clear(&s->work_err);
    derr_clear(&s->step.err);
    derr_clear(&s->draft.err);
    free(s->text);
    X509_STORE_free(s->trust);
    if (s->lane_held)
        lane_leave(s->lane_key);
    if (s->docx_used)
        filestore_tmp_discard(&s->docx);
    /* The conversion never ran (the pool was stopping): its slot back. */
    if (s->docx_slot)
        convert_slot_release();
}

/* On the pool: the text of pdf for the search index, handed to the step's
 * job. A PDF whose text cannot be read (damaged, a password) is indexed by
 * its metadata alone: the body was accepted, its text is a bonus. */
static void read_text(struct doc_state *s, const void *pdf, size_t len)
{
    struct derr err = {0};
    free(s->text);
    s->text = NULL;
    s->text_len = 0;
    if (search_pdf_text(pdf, len, NULL, &s->text, &s->text_len, &err) < 0) {
        log_info("document %lld: body indexed without its text: %s", (long long)s->doc.id,
                 err.message);
        s->text = NULL;
        s->text_len = 0;
    }
    derr_clear(&err);
    s->step.body_text = s->text;
    s->step.body_len = s->text_len;
}

/* The document {id} as the officer may see it; else replies 404 (also
 * for one that exists outside their units) and returns -1. */
static int doc_or_reply(struct req *r, struct document *d)
{
    long id;
    if (req_long_or_reply(r, req_param(r, "id"), "id", 1, INT32_MAX, 1, &id))
        return -1;
    int rc = document_get(r->db, id, d);
    if (rc < 0) {
        reply_internal(r, "document read failed");
        return -1;
    }
    if (rc != STORE_ROW || !document_visible(r->db, r->account.id, d)) {
        reply_error(r, 404, "document_not_found", "Không tìm thấy văn bản", NULL);
        return -1;
    }
    return 0;
}

static void reply_document(struct req *r, int status, int64_t id)
{
    struct document d;
    json_t *j = document_get(r->db, id, &d) == STORE_ROW ? document_json(r->db, &d) : NULL;
    if (!j) {
        reply_internal(r, "document read-back failed");
        return;
    }
    reply_json(r, status, json_pack("{s:o}", "document", j));
}

/* GET /api/v1/documents/types: types, priorities, confidentiality. */
static void types(struct req *r)
{
    const struct asset *a = asset_find("data/document-types.json");
    json_t *j = a ? json_loadb((const char *)a->data, a->len, 0, NULL) : NULL;
    if (!j) {
        reply_internal(r, "document types missing");
        return;
    }
    json_object_del(j, "note");
    reply_json(r, 200, j);
}

/* GET /api/v1/documents: the documents of the officer's units. */
static void list(struct req *r)
{
    json_t *items = document_list_json(r->db, r->account.id, LIST_LIMIT);
    if (!items) {
        reply_internal(r, "documents read failed");
        return;
    }
    reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* GET /api/v1/documents/registers?unit_id=&year=&direction=out&series=:
 * the lines of a register of a unit the officer may read. */
static void register_lines(struct req *r)
{
    long unit, year;
    const char *dir = req_query(r, "direction"), *series = req_query(r, "series");
    if (req_long_or_reply(r, req_query(r, "unit_id"), "unit_id", 1, INT32_MAX, 0, &unit) ||
        req_long_or_reply(r, req_query(r, "year"), "year", 2000, 9999, 0, &year))
        return;
    if (!dir)
        dir = "out";
    if (!series) /* a unit has one incoming register a year */
        series = strcmp(dir, "in") == 0 ? INCOMING_SERIES : "hanh_chinh";
    if ((strcmp(dir, "out") != 0 && strcmp(dir, "in") != 0) || strlen(series) >= 48) {
        reply_error(r, 400, "invalid", "Tham số sổ văn bản không hợp lệ", "direction");
        return;
    }
    if (permission_can(r->db, r->account.id, DOCUMENT_PERM_READ, unit) != 1) {
        reply_error(r, 404, "unit_not_found", "Không tìm thấy đơn vị", NULL);
        return;
    }
    json_t *items = register_entries_json(r->db, unit, (int)year, dir, series);
    if (!items) {
        reply_internal(r, "register read failed");
        return;
    }
    reply_json(r, 200, json_pack("{s:I, s:I, s:s, s:s, s:o}", "unit_id", (json_int_t)unit,
                                 "year", (json_int_t)year, "direction", dir, "series", series,
                                 "items", items));
}

/* GET /api/v1/documents/search?q=&type=&status=&register=&signer=&from=
 * &to=&limit=&offset=: the documents of the units where the officer holds
 * document.read (and the units below), ranked when q has words, else
 * newest first. register is out (sổ đi) or in (sổ đến); signer a full
 * name, with or without diacritics. What is typed never reaches FTS5 as
 * syntax (docs/search.md). */
static void search(struct req *r)
{
    char (*paths)[SEARCH_PATH_MAX] = NULL;
    const char *scope[SEARCH_SCOPE_MAX];
    const char *type = req_query(r, "type"), *status = req_query(r, "status");
    const char *reg = req_query(r, "register"), *register_name = NULL;
    const char *lim = req_query(r, "limit"), *off = req_query(r, "offset");
    long limit = SEARCH_LIMIT_DEFAULT, offset = 0;
    struct derr err = {0};
    json_t *out = NULL;

    if ((lim && req_long_or_reply(r, lim, "limit", 1, 1000, 0, &limit)) ||
        (off && req_long_or_reply(r, off, "offset", 0, INT32_MAX, 0, &offset)))
        return;
    if (status && status[0] && document_state_parse(status) < 0) {
        reply_error(r, 422, "invalid", "Trạng thái văn bản không hợp lệ", "status");
        return;
    }
    /* The index names the registers as the register's own page does. */
    if (reg && strcmp(reg, "out") == 0) {
        register_name = "đi";
    } else if (reg && strcmp(reg, "in") == 0) {
        register_name = "đến";
    } else if (reg && reg[0]) {
        reply_error(r, 422, "invalid", "Sổ văn bản phải là out hoặc in", "register");
        return;
    }
    if (type && strlen(type) > 47) {
        reply_error(r, 422, "invalid", "Loại văn bản không hợp lệ", "type");
        return;
    }
    paths = malloc(SEARCH_SCOPE_MAX * sizeof *paths);
    int n = paths ? document_search_scope(r->db, r->account.id, paths, SEARCH_SCOPE_MAX) : -1;
    if (n < 0) {
        free(paths);
        reply_internal(r, "document scope read failed");
        return;
    }
    for (int i = 0; i < n; i++)
        scope[i] = paths[i];
    struct search_query q = {
        .text = req_query(r, "q"),
        .kind = DOCUMENT_SEARCH_KIND,
        .doc_type = type,
        .status = status,
        .register_name = register_name,
        .signer = req_query(r, "signer"),
        .date_from = req_query(r, "from"),
        .date_to = req_query(r, "to"),
        .scope = scope,
        .nscope = (size_t)n,
        .limit = (int)limit,
        .offset = offset > SEARCH_OFFSET_MAX ? SEARCH_OFFSET_MAX + 1 : (int)offset,
    };
    int rc = search_query(r->db, &q, &out, &err);
    free(paths);
    if (rc) {
        /* The fields as the query string names them. */
        const char *name = strcmp(err.field, "date_from") == 0 ? "from"
                           : strcmp(err.field, "date_to") == 0  ? "to"
                           : strcmp(err.field, "doc_type") == 0 ? "type"
                           : strcmp(err.field, "register_name") == 0 ? "register"
                                                                : NULL;
        if (name)
            snprintf(err.field, sizeof err.field, "%s", name);
        reply_derr(r, &err);
        derr_clear(&err);
        return;
    }
    /* The API's documents are known by id: ref_id is the document's. */
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(out, "items"), i, item)
    {
        json_object_set(item, "id", json_object_get(item, "ref_id"));
        json_object_del(item, "ref_id");
        json_object_del(item, "kind");
    }
    reply_json(r, 200, out);
}

static void created(struct req *r)
{
    struct doc_state *s = r->data;
    reply_document(r, 201, s->draft.id);
}

/* GET /api/v1/documents/drafting: the units the officer drafts for and
 * who may sign for each (document/drafting.h). */
static void drafting(struct req *r)
{
    json_t *j = document_drafting_json(r->db, r->account.id);
    if (!j) {
        reply_internal(r, "drafting choices failed");
        return;
    }
    reply_json(r, 200, j);
}

/* POST /api/v1/documents {unit_id, type, summary, priority?,
 * confidentiality?, department?, signer_id, signer_title?, due_at?,
 * recipients_internal?: [unit ids or codes], recipients_external?,
 * replaces? | corrects?: the id of an issued document of the unit,
 * series?: a board's series of the unit (document/series.h),
 * recipients_exchange?: [QĐ 20 codes of units on other nodes]} */
static void create(struct req *r)
{
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    const char *type, *summary, *priority, *secrecy, *dept, *title, *external, *series;
    if (req_string_or_reply(r, body, "type", 1, 1, 47, &type) ||
        req_string_or_reply(r, body, "series", 0, 1, SERIES_CODE_MAX, &series) ||
        req_string_or_reply(r, body, "summary", 1, 1, DOCUMENT_SUMMARY_MAX, &summary) ||
        req_string_or_reply(r, body, "priority", 0, 1, 20, &priority) ||
        req_string_or_reply(r, body, "confidentiality", 0, 1, 10, &secrecy) ||
        req_string_or_reply(r, body, "department", 0, 1, DOCUMENT_DEPT_MAX - 1, &dept) ||
        req_string_or_reply(r, body, "signer_title", 0, 1, DOCUMENT_TITLE_MAX, &title) ||
        req_text_or_reply(r, body, "recipients_external", 0, 0, DOCUMENT_EXTERNAL_MAX,
                          &external))
        return;
    json_t *unit = json_object_get(body, "unit_id"), *signer = json_object_get(body, "signer_id");
    json_t *due = json_object_get(body, "due_at");
    json_t *rec = json_object_get(body, "recipients_internal");
    if (!json_is_integer(unit) || json_integer_value(unit) < 1) {
        reply_error(r, 422, "invalid", "Cần chọn đơn vị ban hành", "unit_id");
        return;
    }
    if (signer && !json_is_null(signer) && !json_is_integer(signer)) {
        reply_error(r, 422, "signer_invalid", "Người ký không hợp lệ", "signer_id");
        return;
    }
    if (due && !json_is_null(due) && (!json_is_integer(due) || json_integer_value(due) < 0)) {
        reply_error(r, 422, "invalid", "Hạn xử lý không hợp lệ", "due_at");
        return;
    }
    if (rec && !json_is_null(rec) &&
        (!json_is_array(rec) || json_array_size(rec) > DOCUMENT_MAX_RECIPIENTS)) {
        reply_error(r, 422, "invalid_recipients", "Nơi nhận không hợp lệ", "recipients_internal");
        return;
    }
    /* exchange: recipients on other nodes, QĐ 20 codes (checked in the job). */
    json_t *rx = json_object_get(body, "recipients_exchange");
    if (rx && !json_is_null(rx)) {
        int ok = json_is_array(rx) && json_array_size(rx) <= EXCHANGE_MAX_RECIPIENTS;
        for (size_t i = 0; ok && i < json_array_size(rx); i++) {
            const char *c = json_string_value(json_array_get(rx, i));
            ok = c && c[0] && strlen(c) < 32;
        }
        if (!ok) {
            reply_error(r, 422, "recipient_unknown", "Nơi nhận không có trong danh bạ liên thông",
                        "recipients_exchange");
            return;
        }
    }
    json_t *replaces = json_object_get(body, "replaces");
    json_t *corrects = json_object_get(body, "corrects");
    if ((replaces && !json_is_null(replaces) &&
         (!json_is_integer(replaces) || json_integer_value(replaces) < 1)) ||
        (corrects && !json_is_null(corrects) &&
         (!json_is_integer(corrects) || json_integer_value(corrects) < 1))) {
        reply_error(r, 422, "invalid", "Văn bản được thay thế hoặc đính chính không hợp lệ",
                    replaces && !json_is_null(replaces) ? "replaces" : "corrects");
        return;
    }
    struct doc_state *s = req_state(r, sizeof *s, release_state);
    if (!s)
        return;
    /* Each recipient unit by id, or by its code (what the units' search
     * gives a page). */
    for (size_t i = 0; json_is_array(rec) && i < json_array_size(rec); i++) {
        json_t *v = json_array_get(rec, i);
        struct unit u;
        if (json_is_string(v) && unit_by_code(r->db, json_string_value(v), &u) == STORE_ROW) {
            s->recipients[i] = u.id;
            continue;
        }
        if (!json_is_integer(v)) {
            reply_error(r, 422, "invalid_recipients", "Nơi nhận không hợp lệ",
                        "recipients_internal");
            return;
        }
        s->recipients[i] = json_integer_value(v);
    }
    s->draft = (struct document_draft){
        .actor_id = r->account.id,
        .unit_id = json_integer_value(unit),
        .type_code = type,
        .summary = summary,
        .priority = priority ? priority : "thuong",
        .confidentiality = secrecy ? secrecy : "thuong",
        .department = dept,
        .signer_id = json_is_integer(signer) ? json_integer_value(signer) : 0,
        .signer_title = title,
        .due_at = json_is_integer(due) ? json_integer_value(due) : 0,
        .recipients = s->recipients,
        .nrecipients = json_is_array(rec) ? (int)json_array_size(rec) : 0,
        .external = external,
        .replaces_id = json_is_integer(replaces) ? json_integer_value(replaces) : 0,
        .corrects_id = json_is_integer(corrects) ? json_integer_value(corrects) : 0,
        .series = series,
        .recipients_exchange = json_is_array(rx) ? rx : NULL, /* exchange */
        .now = now_unix(),
    };
    http_defer_job(r, document_create_job, &s->draft, &s->draft.err, created);
}

/* GET /api/v1/documents/{id} */
static void show(struct req *r)
{
    struct document d;
    if (doc_or_reply(r, &d))
        return;
    json_t *j = document_json(r->db, &d);
    if (!j) {
        reply_internal(r, "document read failed");
        return;
    }
    reply_json(r, 200, json_pack("{s:o}", "document", j));
}

/* GET /api/v1/documents/{id}/file: the current body (the draft, the signed
 * or the issued PDF). */
static void file(struct req *r)
{
    struct document d;
    if (doc_or_reply(r, &d))
        return;
    if (!d.sha256[0]) {
        reply_error(r, 404, "no_body", "Văn bản chưa có nội dung", NULL);
        return;
    }
    size_t size;
    int fd = filestore_open(r->app->files_dir, d.sha256, &size);
    if (fd < 0) {
        reply_internal(r, "stored document missing");
        return;
    }
    char disp[160];
    snprintf(disp, sizeof disp, "attachment; filename=\"van-ban-%lld.pdf\"", (long long)d.id);
    req_add_header(r, "Content-Disposition", disp);
    reply_file(r, 200, "application/pdf", fd, size);
}

static void stepped(struct req *r)
{
    struct doc_state *s = r->data;
    reply_document(r, 200, s->step.document_id);
}

static struct doc_state *step_state(struct req *r, const struct document *d,
                                    enum document_action action)
{
    struct doc_state *s = req_state(r, sizeof *s, release_state);
    if (!s)
        return NULL;
    s->doc = *d;
    s->step = (struct document_step){.document_id = d->id, .actor_id = r->account.id,
                                     .action = action, .expect_state = -1, .now = now_unix()};
    return s;
}

static int worked_or_reply(struct req *r);

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* Is the upload a Word file, by its name or its declared type? A DOCX is
 * made into a PDF (put_docx); the old binary .doc is refused. */
static int is_word(const char *name, const char *ctype)
{
    return ends_with(name, ".docx") || ends_with(name, ".doc") ||
           (ctype && (strstr(ctype, "wordprocessingml") || strstr(ctype, "msword")));
}

/* The upload's own job: the file is in the store and nothing is recorded
 * yet; its text is read next, then document_step_job records it. */
static int body_kept(struct store *db, void *arg)
{
    (void)db;
    (void)arg;
    return 0;
}

/* On the pool: the text of the stored body (the one just uploaded, else
 * the document's current one) for the step's job to index. */
static void body_read(void *arg)
{
    struct req *r = arg;
    struct doc_state *s = r->data;
    size_t len = 0;
    const char *sha = s->sha[0] ? s->sha : s->doc.sha256;
    unsigned char *pdf = sha[0] ? filestore_read_all(r->app->files_dir, sha, MAX_BODY, &len) : NULL;
    if (pdf)
        read_text(s, pdf, len);
    free(pdf);
}

static void body_text_read(struct req *r)
{
    struct doc_state *s = r->data;
    http_defer_job(r, document_step_job, &s->step, &s->step.err, stepped);
}

/* On the pool: the PDF just uploaded is one that can be signed as it is
 * stored, i.e. not encrypted (a password to open it, or only restrictions:
 * either way the signature cannot be added to it), then its text. The
 * signer's own reader (sign/pdf_read.h) judges, as it will when signing. */
static void pdf_body_check(void *arg)
{
    struct req *r = arg;
    struct doc_state *s = r->data;
    struct pdfr *f = NULL;
    char why[256] = "";
    size_t len = 0;
    unsigned char *pdf = filestore_read_all(r->app->files_dir, s->sha, MAX_BODY, &len);
    if (!pdf) {
        s->work_rc = -1;
        derr_set(&s->work_err, DERR_INTERNAL, "internal", "Không đọc được tệp vừa tải lên", NULL);
        return;
    }
    if (pdfr_open(pdf, len, &f, why, sizeof why) != 0 && strstr(why, "encrypted")) {
        s->work_rc = -1;
        derr_set(&s->work_err, DERR_INVALID, "pdf_encrypted",
                 "Tệp PDF được đặt mật khẩu hoặc mã hóa nên không ký số được; hãy tải lên bản"
                 " không đặt mật khẩu",
                 s->upload.name);
    } else {
        read_text(s, pdf, len);
    }
    pdfr_free(f);
    free(pdf);
}

static void pdf_body_checked(struct req *r)
{
    struct doc_state *s = r->data;
    if (worked_or_reply(r) == 0)
        http_defer_job(r, document_step_job, &s->step, &s->step.err, stepped);
}

static void body_stored(struct req *r) { http_defer_work(r, pdf_body_check, r, pdf_body_checked); }

/* A step that changes the state only (submit, review) re-indexes the
 * document with its state: its body's text is read first on the pool, then
 * the job runs. */
static void step_with_text(struct req *r) { http_defer_work(r, body_read, r, body_text_read); }

/* --- Word bodies ------------------------------------------------------------ */

/* The body as it arrives, into a temporary file of the store. */
static int docx_sink(struct req *r, const unsigned char *data, size_t len)
{
    struct doc_state *s = r->data;
    int err = s->docx.fd < 0 ? filestore_tmp_open(r->app->files_dir, &s->docx) : 0;
    if (!err)
        err = filestore_tmp_write(&s->docx, data, len);
    if (!err)
        return 0;
    if (err == -ENOSPC || err == -EDQUOT)
        reply_storage(r, 1);
    else
        reply_storage(r, 0);
    return -1;
}

/* On the pool: the Word file kept under its hash, made into a PDF by
 * LibreOffice (document/convert.h), the PDF stored, its text read. */
static void docx_work(void *arg)
{
    struct req *r = arg;
    struct doc_state *s = r->data;
    struct convert_opts opts = {.max_out = HTTP_MAX_UPLOAD};
    unsigned char *docx = NULL, *pdf = NULL;
    size_t len = 0, plen = 0;
    s->work_rc = filestore_tmp_adopt(r->app->files_dir, &s->docx, s->docx_sha);
    if (s->work_rc)
        return;
    s->work_rc = -1;
    docx = filestore_read_all(r->app->files_dir, s->docx_sha, HTTP_MAX_UPLOAD, &len);
    if (!docx) {
        derr_set(&s->work_err, DERR_INTERNAL, "internal", "Không đọc được tệp vừa tải lên", NULL);
        goto done;
    }
    if (convert_docx_to_pdf(docx, len, &opts, &pdf, &plen, &s->work_err)) {
        log_info("document %lld: Word body %s not converted: %s", (long long)s->doc.id,
                 s->docx_sha, s->work_err.code);
        goto done;
    }
    s->work_rc = issued_store_file(r->app->files_dir, pdf, plen, s->sha);
    if (s->work_rc)
        goto done;
    s->step.sha256 = s->sha;
    s->step.size = (int64_t)plen;
    s->step.source_sha256 = s->docx_sha;
    read_text(s, pdf, plen);
done:
    free(docx);
    free(pdf);
}

static void docx_converted(struct req *r)
{
    struct doc_state *s = r->data;
    convert_slot_release();
    s->docx_slot = 0;
    /* A server without LibreOffice: the officer is told to send a PDF
     * (an internal error would say nothing useful). */
    if (s->work_rc && s->work_err.code && strcmp(s->work_err.code, "converter_missing") == 0) {
        reply_error(r, 503, "converter_missing", s->work_err.message, NULL);
        return;
    }
    if (worked_or_reply(r) == 0)
        http_defer_job(r, document_step_job, &s->step, &s->step.err, stepped);
}

/* The whole body is in: a ZIP's signature at least, then the pool. */
static void docx_received(struct req *r)
{
    struct doc_state *s = r->data;
    if (s->docx.len <= 0) {
        reply_error(r, 422, "empty_file", "Tệp rỗng", s->upload.name);
        return;
    }
    if (!convert_is_docx(s->docx.head, s->docx.head_len)) {
        reply_error(r, 415, "docx_invalid", "Tệp không phải tệp Word (DOCX) hợp lệ",
                    s->upload.name);
        return;
    }
    if (!convert_slot_take()) {
        req_add_header(r, "Retry-After", "10");
        reply_error(r, 503, "converter_busy",
                    "Máy chủ đang chuyển đổi nhiều tệp Word; vui lòng thử lại sau ít giây", NULL);
        return;
    }
    s->docx_slot = 1;
    http_defer_work(r, docx_work, r, docx_converted);
}

/* A Word body (PUT .../body/NAME.docx): checked from the head (the name,
 * the size), received into the file store as an upload is, kept as it came
 * and made into the PDF that becomes the version's body. The upload
 * module's checks know only PDF and images, hence this path of its own. */
static void put_docx(struct req *r, const struct document *d, const char *name)
{
    int64_t size = r->head.chunked ? -1 : r->head.content_length < 0 ? 0 : r->head.content_length;
    if (ends_with(name, ".doc")) {
        reply_error(r, 415, "doc_not_supported",
                    "Chỉ nhận tệp Word dạng DOCX (hoặc PDF); hãy lưu lại tệp dưới dạng .docx",
                    "name");
        return;
    }
    if (!ends_with(name, ".docx")) {
        reply_error(r, 422, "extension_mismatch", "Tệp Word phải có đuôi .docx", name);
        return;
    }
    if (!filestore_name_valid(name)) {
        reply_error(r, 422, "bad_file_name", "Tên tệp không hợp lệ", "name");
        return;
    }
    if (size > HTTP_MAX_UPLOAD) {
        reply_error(r, 413, "file_too_large", "Tệp vượt quá dung lượng cho phép (10 MB)", name);
        return;
    }
    if (size == 0) {
        reply_error(r, 422, "empty_file", "Tệp rỗng", name);
        return;
    }
    struct doc_state *s = step_state(r, d, DOC_ACT_VERSION);
    if (!s)
        return;
    s->docx.fd = -1;
    s->docx_used = 1;
    s->upload.name = name;
    conn_stream_body(r, HTTP_MAX_UPLOAD, docx_sink, docx_received);
}

/* PUT /api/v1/documents/{id}/body/{name}: the drafter's body, a PDF or a
 * Word file made into one (raw bytes). Every body is kept as a version. */
static void put_body(struct req *r)
{
    struct document d;
    struct upload up = {0};
    if (doc_or_reply(r, &d))
        return;
    const char *name = req_param(r, "name");
    if (d.state != DOC_DRAFT && d.state != DOC_RETURNED) {
        reply_error(r, 409, "wrong_state", "Văn bản không ở bước cho phép thao tác này", NULL);
        return;
    }
    if (d.drafter_id != r->account.id) {
        reply_error(r, 403, "forbidden", "Bạn không có quyền thực hiện thao tác này", NULL);
        return;
    }
    if (is_word(name, req_header(r, "Content-Type"))) {
        put_docx(r, &d, name);
        return;
    }
    if (upload_check_or_reply(r, name, &up))
        return;
    if (strcmp(up.content_type, "application/pdf") != 0) {
        reply_error(r, 415, "pdf_required", "Nội dung văn bản phải là tệp PDF", "name");
        return;
    }
    struct doc_state *s = step_state(r, &d, DOC_ACT_VERSION);
    if (!s)
        return;
    s->step.sha256 = s->sha;
    s->upload = up;
    upload_store_then(r, &s->upload, s->sha, &s->step.size, body_kept, NULL, &s->step.err,
                      body_stored);
}

/* POST /api/v1/documents/{id}/submit: the drafter sends it for review. */
static void submit(struct req *r)
{
    struct document d;
    if (doc_or_reply(r, &d))
        return;
    struct doc_state *s = step_state(r, &d, DOC_ACT_SUBMIT);
    if (s)
        step_with_text(r);
}

/* POST /api/v1/documents/{id}/review {decision: "approve" | "return",
 * comment} */
static void review(struct req *r)
{
    struct document d;
    if (doc_or_reply(r, &d))
        return;
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    const char *decision, *comment;
    if (req_string_or_reply(r, body, "decision", 1, 1, 10, &decision) ||
        req_text_or_reply(r, body, "comment", 0, 0, DOCUMENT_COMMENT_MAX, &comment))
        return;
    int approve = strcmp(decision, "approve") == 0;
    if (!approve && strcmp(decision, "return") != 0) {
        reply_error(r, 422, "invalid", "Quyết định phải là approve hoặc return", "decision");
        return;
    }
    struct doc_state *s = step_state(r, &d, approve ? DOC_ACT_APPROVE : DOC_ACT_RETURN);
    if (!s)
        return;
    s->step.comment = comment;
    step_with_text(r);
}

/* Whether the signed body's signatures still hold: the file whole and
 * unchanged since the signature, the signature valid, the signer not
 * revoked. A file altered in the store, or a signer's certificate revoked
 * since, must not be issued. A chain that leads to none of the data
 * directory's trust anchors ("untrusted") is issued all the same: the key
 * store accepted that key for signing, and the verification page tells
 * readers whom it comes from. */
static int signature_holds(const unsigned char *pdf, size_t len, X509_STORE *trust)
{
    json_t *v = issued_public_verification(pdf, len, trust);
    const char *verdict = v ? json_string_value(json_object_get(v, "verdict")) : NULL;
    int ok = verdict && (strcmp(verdict, "valid") == 0 || strcmp(verdict, "untrusted") == 0);
    json_decref(v);
    return ok;
}

/* On the pool: the body signed as sig, then (issue) checked and stamped
 * first; the result stored. Its own read-only connection reads the keys. */
static void sign_work(struct req *r, const struct issued_signature *sig, int stamp)
{
    struct doc_state *s = r->data;
    struct store *db = NULL;
    struct issued_output out = {0};
    unsigned char *stamped = NULL;
    size_t len = 0, slen = 0;
    char why[256];
    s->work_rc = -1;
    unsigned char *body = filestore_read_all(r->app->files_dir, s->doc.sha256, MAX_BODY, &len);
    if (!body) {
        derr_set(&s->work_err, DERR_INTERNAL, "internal", "Không đọc được văn bản đã lưu", NULL);
        goto done;
    }
    if (stamp && !signature_holds(body, len, s->trust)) {
        log_warn("document %lld: the signed body no longer verifies; not issued",
                 (long long)s->doc.id);
        derr_set(&s->work_err, DERR_STATE, "signature_invalid",
                 "Chữ ký số trên văn bản không còn hợp lệ; văn bản cần được ký lại", NULL);
        goto done;
    }
    if (stamp) {
        char number[DOCUMENT_NOTATION_MAX + 16], date[300];
        snprintf(number, sizeof number, "Số: %s", s->plan.notation);
        document_date_line(s->place, s->step.now, date, sizeof date);
        struct stamp_line lines[2] = {{.text = number}, {.text = date, .italic = 1}};
        if (stamp_pdf_header(body, len, lines, 2, &stamped, &slen, why, sizeof why)) {
            log_warn("document %lld: cannot stamp the number: %s", (long long)s->doc.id, why);
            derr_set(&s->work_err, DERR_INVALID, "sign_failed",
                     "Không ghi được số, ngày lên văn bản", NULL);
            goto done;
        }
    }
    if (store_open(r->app->db_path, 1, &db, why, sizeof why)) {
        derr_set(&s->work_err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
        goto done;
    }
    struct issued_signing in = {.data_dir = r->app->data_dir, .sigs = sig, .nsigs = 1,
                                .location = s->place, .stamp = r->app->stamp,
                                .stamp_ctx = r->app->stamp_ctx, .now = s->step.now};
    if (issued_sign_pdf(db, &in, stamp ? stamped : body, stamp ? slen : len, &out,
                        &s->work_err))
        goto done;
    int rc = issued_store_file(r->app->files_dir, out.pdf, out.len, s->sha);
    if (rc) {
        s->work_rc = rc;
        goto done;
    }
    s->step.sha256 = s->sha;
    s->step.size = (int64_t)out.len;
    read_text(s, out.pdf, out.len);
    s->work_rc = 0;
done:
    free(body);
    free(stamped);
    issued_output_clear(&out);
    store_close(db);
}

static void sign_official(void *arg)
{
    struct req *r = arg;
    struct doc_state *s = r->data;
    struct issued_signature sig = {.unit_id = s->doc.unit_id, .account_id = s->doc.signer_id,
                                   .title = s->doc.signer_title[0] ? s->doc.signer_title : NULL,
                                   .reason = "Ký ban hành văn bản"};
    sign_work(r, &sig, 0);
}

static void seal_issue(void *arg)
{
    struct req *r = arg;
    struct doc_state *s = r->data;
    struct issued_signature sig = {.unit_id = s->doc.unit_id, .reason = "Phát hành văn bản"};
    sign_work(r, &sig, 1);
}

/* After the pool: the refusal, or the step's write job. */
static int worked_or_reply(struct req *r)
{
    struct doc_state *s = r->data;
    if (s->work_rc == -ENOSPC || s->work_rc == -EDQUOT) {
        reply_storage(r, 1);
        return -1;
    }
    if (s->work_rc == -EROFS || s->work_rc == -EIO || s->work_rc == -EACCES) {
        reply_storage(r, 0);
        return -1;
    }
    if (s->work_rc) {
        if (s->work_err.kind == DERR_NONE)
            reply_internal(r, "cannot sign the document");
        else
            reply_derr(r, &s->work_err);
        return -1;
    }
    return 0;
}

static void signed_done(struct req *r)
{
    struct doc_state *s = r->data;
    if (worked_or_reply(r) == 0)
        http_defer_job(r, document_step_job, &s->step, &s->step.err, stepped);
}

/* The place of the unit's documents, in s->place. */
static int place_of(struct req *r, struct doc_state *s)
{
    struct unit u;
    if (unit_by_id(r->db, s->doc.unit_id, &u) != STORE_ROW)
        return -1;
    document_place(u.name, u.level, s->place, sizeof s->place);
    return 0;
}

/* POST /api/v1/documents/{id}/sign: the named signer signs the approved
 * body with their personal key (the seal comes at issuing). */
static void sign(struct req *r)
{
    struct document d;
    struct derr err = {0};
    if (doc_or_reply(r, &d))
        return;
    if (d.state != DOC_APPROVED) {
        reply_error(r, 409, "wrong_state", "Văn bản không ở bước cho phép thao tác này", NULL);
        return;
    }
    if (d.signer_id != r->account.id ||
        permission_can(r->db, r->account.id, DOCUMENT_PERM_SIGN, d.unit_id) != 1) {
        reply_error(r, 403, "forbidden", "Bạn không có quyền thực hiện thao tác này", NULL);
        return;
    }
    struct issued_signature sig = {.unit_id = d.unit_id, .account_id = r->account.id};
    if (issued_signers_ready(r->db, &sig, 1, now_unix(), &err)) {
        reply_derr(r, &err);
        return;
    }
    struct doc_state *s = step_state(r, &d, DOC_ACT_SIGN);
    if (!s)
        return;
    s->step.expect_state = DOC_APPROVED;
    s->step.expect_updated_at = d.updated_at;
    if (place_of(r, s)) {
        reply_internal(r, "unit read failed");
        return;
    }
    http_defer_work(r, sign_official, r, signed_done);
}

static void issued_done(struct req *r);

static void sealed(struct req *r)
{
    struct doc_state *s = r->data;
    if (worked_or_reply(r) == 0)
        http_defer_write(r, document_step_job, &s->step, issued_done);
}

static void issued_done(struct req *r)
{
    struct doc_state *s = r->data;
    struct document_step *a = &s->step;
    if (r->wjob.rc == 0) {
        reply_document(r, 200, a->document_id);
        return;
    }
    int moved = a->err.kind == DERR_TAKEN && strcmp(a->err.code, "register_moved") == 0;
    if (moved && ++s->tries < ISSUE_TRIES) {
        /* Another document took the number: stamp and seal again with the
         * next (the signed body is unchanged). */
        struct derr err = {0};
        derr_clear(&a->err);
        if (document_issue_prepare(r->db, &s->doc, r->account.id, a->now, &s->plan, &err)) {
            reply_derr(r, &err);
            return;
        }
        a->expect_number = s->plan.number;
        metrics_document_restamp();
        log_info("document %lld: number taken meanwhile, issuing again as %s",
                 (long long)s->doc.id, s->plan.notation);
        http_defer_work(r, seal_issue, r, sealed);
        return;
    }
    if (moved)
        reply_error(r, 409, "register_busy",
                    "Nhiều văn bản đang được phát hành cùng lúc; vui lòng thử lại", NULL);
    else if (a->err.kind == DERR_NONE)
        reply_internal(r, "recording the issued document failed");
    else
        reply_derr(r, &a->err);
}

/* The issue itself, in the unit's lane: the number it will take is the
 * register's next, the stamp and seal on the pool, then the write job. */
static void issue_go(struct req *r)
{
    struct doc_state *s = r->data;
    struct derr err = {0};
    if (document_issue_prepare(r->db, &s->doc, r->account.id, s->step.now, &s->plan, &err)) {
        reply_derr(r, &err);
        return;
    }
    struct issued_signature sig = {.unit_id = s->doc.unit_id};
    if (issued_signers_ready(r->db, &sig, 1, s->step.now, &err)) {
        reply_derr(r, &err);
        return;
    }
    if (place_of(r, s)) {
        reply_internal(r, "unit read failed");
        return;
    }
    if (!s->trust && !(s->trust = keys_trust_store(r->db))) {
        reply_internal(r, "trust store failed");
        return;
    }
    s->step.expect_state = DOC_SIGNED;
    s->step.expect_updated_at = s->doc.updated_at;
    s->step.expect_number = s->plan.number;
    http_defer_work(r, seal_issue, r, sealed);
}

/* The unit's lane came to a waiting issue: the document as it is now (the
 * clerk ahead may have issued this very one), then the issue. */
static void issue_turn(struct req *r)
{
    struct doc_state *s = r->data;
    s->lane_held = 1;
    if (document_get(r->db, s->doc.id, &s->doc) != STORE_ROW) {
        reply_internal(r, "document read failed");
        return;
    }
    s->step.now = now_unix();
    issue_go(r);
}

/* POST /api/v1/documents/{id}/issue: the clerk issues the signed
 * document (409 already_issued the second time, with no second number).
 * The issues of one unit go one at a time (http/lane.h): each then stamps
 * the number it will get, instead of clerks racing for the same one. */
static void issue(struct req *r)
{
    struct document d;
    if (doc_or_reply(r, &d))
        return;
    struct doc_state *s = step_state(r, &d, DOC_ACT_ISSUE);
    if (!s)
        return;
    s->lane_key = d.unit_id;
    switch (lane_enter(d.unit_id, r, issue_turn)) {
    case LANE_TAKEN:
        s->lane_held = 1;
        break;
    case LANE_PARKED:
        return;
    case LANE_FULL:
        req_add_header(r, "Retry-After", "2");
        reply_error(r, 503, "register_busy",
                    "Nhiều văn bản đang được phát hành cùng lúc; vui lòng thử lại", NULL);
        return;
    case LANE_NONE:
        break;
    }
    issue_go(r);
}

/* --- recall, and more recipients on other nodes ------------------------------ */

/* A write job on an issued document whose answer is the document as it is
 * afterwards. */
struct after_issue_state {
    int64_t document_id;
    struct derr *err; /* the job's */
    union {
        struct document_recall recall;
        struct document_send_more more;
    } job;
};

static void release_after_issue(void *p)
{
    struct after_issue_state *s = p;
    if (s->err)
        derr_clear(s->err);
}

static void after_issue_done(struct req *r)
{
    struct after_issue_state *s = r->data;
    reply_document(r, 200, s->document_id);
}

static struct after_issue_state *after_issue_state(struct req *r, int64_t document_id)
{
    struct after_issue_state *s = req_state(r, sizeof *s, release_after_issue);
    if (s)
        s->document_id = document_id;
    return s;
}

/* POST /api/v1/documents/{id}/recall {reason}: the unit's leader recalls
 * an issued document (document/corrections.h); each incoming copy is
 * marked and refuses further steps. */
static void recall(struct req *r)
{
    struct document d;
    if (doc_or_reply(r, &d))
        return;
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    const char *reason;
    if (req_text_or_reply(r, body, "reason", 0, 0, DOCUMENT_RECALL_REASON_MAX, &reason))
        return;
    if (!reason || !reason[strspn(reason, " \t\r\n")]) {
        reply_error(r, 400, "reason_required", "Cần nêu lý do thu hồi văn bản", "reason");
        return;
    }
    struct after_issue_state *s = after_issue_state(r, d.id);
    if (!s)
        return;
    s->job.recall = (struct document_recall){.document_id = d.id, .actor_id = r->account.id,
                                             .reason = reason, .now = now_unix()};
    s->err = &s->job.recall.err;
    http_defer_job(r, document_recall_job, &s->job.recall, s->err, after_issue_done);
}

/* POST /api/v1/documents/{id}/recipients-exchange {add: [codes]}: the
 * issuing unit's clerk sends an issued document to more units on other
 * nodes (document/send_more.h). */
static void send_more(struct req *r)
{
    struct document d;
    if (doc_or_reply(r, &d))
        return;
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    json_t *add = json_object_get(body, "add");
    if (!json_is_array(add)) {
        reply_error(r, 400, "bad_request", "Cần danh sách mã đơn vị nhận thêm (add)", "add");
        return;
    }
    struct after_issue_state *s = after_issue_state(r, d.id);
    if (!s)
        return;
    s->job.more = (struct document_send_more){.document_id = d.id, .actor_id = r->account.id,
                                              .codes = add, .now = now_unix()};
    s->err = &s->job.more.err;
    http_defer_job(r, document_send_more_job, &s->job.more, s->err, after_issue_done);
}

const struct route api_documents_routes[] = {
    {"GET", "/api/v1/documents/types", types, ROUTE_OFFICER},
    {"GET", "/api/v1/documents/registers", register_lines, ROUTE_OFFICER},
    {"GET", "/api/v1/documents/search", search, ROUTE_OFFICER},
    {"GET", "/api/v1/documents/drafting", drafting, ROUTE_OFFICER},
    {"GET", "/api/v1/documents", list, ROUTE_OFFICER},
    {"POST", "/api/v1/documents", create, ROUTE_OFFICER},
    {"GET", "/api/v1/documents/{id}", show, ROUTE_OFFICER},
    {"GET", "/api/v1/documents/{id}/file", file, ROUTE_OFFICER},
    {"PUT", "/api/v1/documents/{id}/body/{name}", put_body, ROUTE_OFFICER | ROUTE_UPLOAD},
    {"POST", "/api/v1/documents/{id}/submit", submit, ROUTE_OFFICER},
    {"POST", "/api/v1/documents/{id}/review", review, ROUTE_OFFICER},
    {"POST", "/api/v1/documents/{id}/sign", sign, ROUTE_OFFICER},
    {"POST", "/api/v1/documents/{id}/issue", issue, ROUTE_OFFICER},
    {"POST", "/api/v1/documents/{id}/recall", recall, ROUTE_OFFICER},
    {"POST", "/api/v1/documents/{id}/recipients-exchange", send_more, ROUTE_OFFICER},
    {NULL, NULL, NULL, 0},
};
