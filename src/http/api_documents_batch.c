/* api_documents_batch: the leader's signing queue, several approved
 * documents signed with one confirmation (docs/documents.md, "Signing
 * several at once").
 *
 * POST /api/v1/documents/sign-batch {ids: [...]} answers per document, not
 * all or nothing: each document is checked as the single sign checks it
 * (found in the officer's units, approved, the caller its named signer,
 * a key that may sign now), the accepted ones are signed one after the
 * other on the worker pool (one pool task: a batch of fifty does not take
 * every worker from the other requests), and one write job records them,
 * each inside its own savepoint, so a document refused at that moment
 * (changed since it was read) rolls back alone and the others stay signed.
 * Why per document: what a leader signs is a set of independent decisions;
 * one document returned or changed meanwhile must not hold back the rest,
 * and the answer names what happened to each. A refused document keeps
 * everything it had: no version, no audit entry, no index change.
 *
 * The request as a whole is refused (422, nothing done) when its shape is
 * wrong: ids missing, empty, not positive integers, repeated, or more than
 * DOCUMENT_BATCH_MAX. A failure of the system (the disk full, a store
 * error) answers the whole request, with nothing recorded. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth/permission.h"
#include "base/log.h"
#include "base/util.h"
#include "catalog/unit.h"
#include "document/document.h"
#include "dossier/filestore.h"
#include "http/http.h"
#include "http/router.h"
#include "issued/signing.h"
#include "search/search.h"
#include "store/store.h"

#define DOCUMENT_BATCH_MAX 50              /* documents in one batch */
#define MAX_BODY ((size_t)50 << 20)        /* bytes of a body the pool reads to sign */

/* What became of one document of the batch. */
enum batch_outcome { BATCH_PENDING, BATCH_SIGNED, BATCH_REFUSED };

struct batch_item {
    int64_t id;
    enum batch_outcome outcome;
    struct document doc;
    struct document_step step;
    char place[200];
    char sha[65];
    char *text; /* the signed body's text for the search index (malloc'd), or NULL */
    size_t text_len;
    int work_rc; /* 0, -1 with err, or a negative errno storing the file */
    struct derr err; /* the refusal of a BATCH_REFUSED item */
};

struct batch_state {
    int n;
    int no_store; /* the pool task could not open its connection: nothing signed */
    struct batch_item items[DOCUMENT_BATCH_MAX];
};

static void release_batch(void *p)
{
    struct batch_state *s = p;
    for (int i = 0; i < s->n; i++) {
        free(s->items[i].text);
        derr_clear(&s->items[i].err);
        derr_clear(&s->items[i].step.err);
    }
}

/* Marks it refused with err's reason (err is moved into the item). */
static void refuse(struct batch_item *it, struct derr *err)
{
    it->outcome = BATCH_REFUSED;
    derr_clear(&it->err);
    it->err = *err;
    *err = (struct derr){0};
}

static void refuse_with(struct batch_item *it, enum derr_kind kind, const char *code,
                        const char *message)
{
    struct derr err = {0};
    derr_set(&err, kind, code, message, "");
    refuse(it, &err);
}

/* On the loop, what the single sign checks before it signs (api_documents.c
 * sign()): the document as the officer may see it, approved, they its
 * signer with document.sign on its unit, a key that may sign now. Leaves
 * the item pending (accepted) or refused and returns 0; -1 for a store
 * error (the whole request fails). */
static int check_item(struct req *r, struct batch_item *it, int64_t now)
{
    struct derr err = {0};
    struct unit u;
    int rc = document_get(r->db, it->id, &it->doc);
    if (rc < 0)
        return -1;
    if (rc != STORE_ROW || strcmp(it->doc.direction, "out") != 0 ||
        !document_visible(r->db, r->account.id, &it->doc)) {
        refuse_with(it, DERR_NOT_FOUND, "document_not_found", "Không tìm thấy văn bản");
        return 0;
    }
    if (it->doc.state != DOC_APPROVED) {
        refuse_with(it, DERR_STATE, "wrong_state", "Văn bản không ở bước chờ ký");
        return 0;
    }
    if (it->doc.signer_id != r->account.id ||
        permission_can(r->db, r->account.id, DOCUMENT_PERM_SIGN, it->doc.unit_id) != 1) {
        refuse_with(it, DERR_FORBIDDEN, "forbidden", "Bạn không phải người ký văn bản này");
        return 0;
    }
    struct issued_signature sig = {.unit_id = it->doc.unit_id, .account_id = r->account.id};
    if (issued_signers_ready(r->db, &sig, 1, now, &err)) {
        refuse(it, &err);
        return 0;
    }
    if (unit_by_id(r->db, it->doc.unit_id, &u) != STORE_ROW)
        return -1;
    document_place(u.name, u.level, it->place, sizeof it->place);
    it->step = (struct document_step){.document_id = it->id, .actor_id = r->account.id,
                                      .action = DOC_ACT_SIGN, .expect_state = DOC_APPROVED,
                                      .expect_updated_at = it->doc.updated_at, .now = now};
    return 0;
}

/* On the pool: one accepted document signed with its signer's personal key
 * as the single sign does, the result stored and its text read for the
 * index. db: the task's read-only connection (the keys). */
static void sign_item(struct req *r, struct store *db, struct batch_item *it)
{
    struct issued_output out = {0};
    struct derr err = {0};
    size_t len = 0;
    it->work_rc = -1;
    unsigned char *body = filestore_read_all(r->app->files_dir, it->doc.sha256, MAX_BODY, &len);
    if (!body) {
        derr_set(&it->err, DERR_INTERNAL, "internal", "Không đọc được văn bản đã lưu", "");
        goto done;
    }
    struct issued_signature sig = {.unit_id = it->doc.unit_id, .account_id = it->doc.signer_id,
                                   .title = it->doc.signer_title[0] ? it->doc.signer_title : NULL,
                                   .reason = "Ký ban hành văn bản"};
    struct issued_signing in = {.data_dir = r->app->data_dir, .sigs = &sig, .nsigs = 1,
                                .location = it->place, .stamp = r->app->stamp,
                                .stamp_ctx = r->app->stamp_ctx, .now = it->step.now};
    if (issued_sign_pdf(db, &in, body, len, &out, &it->err))
        goto done;
    int rc = issued_store_file(r->app->files_dir, out.pdf, out.len, it->sha);
    if (rc) {
        it->work_rc = rc;
        goto done;
    }
    it->step.sha256 = it->sha;
    it->step.size = (int64_t)out.len;
    /* A signed body whose text cannot be read is indexed by its metadata
     * alone, as the single sign does. */
    if (search_pdf_text(out.pdf, out.len, NULL, &it->text, &it->text_len, &err) < 0) {
        log_info("document %lld: signed body indexed without its text: %s", (long long)it->id,
                 err.message);
        it->text = NULL;
        it->text_len = 0;
    }
    derr_clear(&err);
    it->step.body_text = it->text;
    it->step.body_len = it->text_len;
    it->work_rc = 0;
done:
    free(body);
    issued_output_clear(&out);
}

/* On the pool: every accepted document, one after the other. */
static void sign_all(void *arg)
{
    struct req *r = arg;
    struct batch_state *s = r->data;
    struct store *db = NULL;
    char why[256];
    if (store_open(r->app->db_path, 1, &db, why, sizeof why)) {
        log_warn("batch signing: cannot open the database: %s", why);
        s->no_store = 1;
        return;
    }
    for (int i = 0; i < s->n; i++)
        if (s->items[i].outcome == BATCH_PENDING)
            sign_item(r, db, &s->items[i]);
    store_close(db);
}

/* The write job: each signed document's step (document_step_job, which
 * checks again that nothing changed since it was read) inside its own
 * savepoint, so a refusal rolls back that document alone. A store error
 * (not a refusal: no reason, or DERR_INTERNAL, which the step gives for a
 * failed statement) fails the whole job: nothing is recorded and the
 * request is answered as a failure, not as documents refused. */
static int record_all(struct store *db, void *arg)
{
    struct batch_state *s = arg;
    for (int i = 0; i < s->n; i++) {
        struct batch_item *it = &s->items[i];
        if (it->outcome != BATCH_PENDING)
            continue;
        int rc = store_exec(db, "SAVEPOINT sign_one");
        if (rc)
            return rc < 0 ? rc : STORE_ERR;
        rc = document_step_job(db, &it->step);
        if (rc && (it->step.err.kind == DERR_NONE || it->step.err.kind == DERR_INTERNAL))
            return rc < 0 ? rc : STORE_ERR; /* the writer rolls back the whole job */
        if (rc) {
            if (store_exec(db, "ROLLBACK TO sign_one"))
                return STORE_ERR;
        }
        if (store_exec(db, "RELEASE sign_one"))
            return STORE_ERR;
    }
    return 0;
}

/* The HTTP status the single sign answers for a refusal of this kind. */
static int status_of(enum derr_kind kind)
{
    switch (kind) {
    case DERR_NOT_FOUND:
        return 404;
    case DERR_STATE:
    case DERR_TAKEN:
        return 409;
    case DERR_INVALID:
        return 422;
    case DERR_TOO_LARGE:
        return 413;
    case DERR_FORBIDDEN:
        return 403;
    default:
        return 500;
    }
}

/* {results: [{id, result: "signed", state} | {id, result: "refused",
 *  error: {status, code, message}}], signed, refused}, in the order of ids. */
static void reply_results(struct req *r)
{
    struct batch_state *s = r->data;
    json_t *results = json_array();
    int nsigned = 0, nrefused = 0;
    if (!results) {
        reply_internal(r, "out of memory");
        return;
    }
    for (int i = 0; i < s->n; i++) {
        struct batch_item *it = &s->items[i];
        json_t *j;
        if (it->outcome == BATCH_SIGNED) {
            nsigned++;
            j = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)it->id, "result", "signed",
                          "state", document_state_name(DOC_SIGNED));
        } else {
            nrefused++;
            int internal = it->err.kind == DERR_NONE || it->err.kind == DERR_INTERNAL;
            j = json_pack("{s:I, s:s, s:{s:i, s:s, s:s}}", "id", (json_int_t)it->id, "result",
                          "refused", "error", "status", status_of(it->err.kind), "code",
                          internal ? "internal" : it->err.code, "message",
                          internal ? "Lỗi hệ thống." : it->err.message);
        }
        if (!j || json_array_append_new(results, j)) {
            json_decref(results);
            reply_internal(r, "out of memory");
            return;
        }
    }
    reply_json(r, 200, json_pack("{s:o, s:i, s:i}", "results", results, "signed", nsigned,
                                 "refused", nrefused));
}

static void recorded(struct req *r)
{
    struct batch_state *s = r->data;
    if (r->wjob.rc) {
        reply_internal(r, "recording the signatures failed");
        return;
    }
    for (int i = 0; i < s->n; i++) {
        struct batch_item *it = &s->items[i];
        if (it->outcome != BATCH_PENDING)
            continue;
        if (it->step.err.kind != DERR_NONE) {
            refuse(it, &it->step.err);
            continue;
        }
        it->outcome = BATCH_SIGNED;
        log_info("document %lld signed in a batch by account %lld", (long long)it->id,
                 (long long)r->account.id);
    }
    reply_results(r);
}

/* After the pool: a file the disk could not take answers the whole request
 * (nothing is recorded); a document that could not be signed is refused
 * alone; the rest go to the write job. */
static void signed_all(struct req *r)
{
    struct batch_state *s = r->data;
    int pending = 0;
    if (s->no_store) {
        reply_internal(r, "batch signing: no database connection");
        return;
    }
    for (int i = 0; i < s->n; i++) {
        struct batch_item *it = &s->items[i];
        if (it->outcome != BATCH_PENDING)
            continue;
        if (it->work_rc == -ENOSPC || it->work_rc == -EDQUOT) {
            reply_storage(r, 1);
            return;
        }
        if (it->work_rc == -EROFS || it->work_rc == -EIO || it->work_rc == -EACCES) {
            reply_storage(r, 0);
            return;
        }
    }
    for (int i = 0; i < s->n; i++) {
        struct batch_item *it = &s->items[i];
        if (it->outcome != BATCH_PENDING)
            continue;
        if (it->work_rc) {
            if (it->err.kind == DERR_NONE)
                derr_set(&it->err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
            log_warn("document %lld: batch signature failed: %s", (long long)it->id,
                     it->err.message);
            it->outcome = BATCH_REFUSED;
            continue;
        }
        pending++;
    }
    if (!pending) {
        reply_results(r);
        return;
    }
    http_defer_write(r, record_all, s, recorded);
}

/* POST /api/v1/documents/sign-batch {ids: [document ids]} */
static void sign_batch(struct req *r)
{
    json_t *body = req_json_object_or_reply(r);
    if (!body)
        return;
    json_t *ids = json_object_get(body, "ids");
    if (!json_is_array(ids) || json_array_size(ids) == 0) {
        reply_error(r, 422, "invalid", "Cần chọn ít nhất một văn bản để ký", "ids");
        return;
    }
    if (json_array_size(ids) > DOCUMENT_BATCH_MAX) {
        reply_error(r, 422, "too_many", "Mỗi lần ký tối đa 50 văn bản", "ids");
        return;
    }
    size_t n = json_array_size(ids);
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(ids, i);
        if (!json_is_integer(v) || json_integer_value(v) < 1 ||
            json_integer_value(v) > INT32_MAX) {
            reply_error(r, 422, "invalid", "Mã văn bản không hợp lệ", "ids");
            return;
        }
        for (size_t k = 0; k < i; k++)
            if (json_integer_value(json_array_get(ids, k)) == json_integer_value(v)) {
                reply_error(r, 422, "invalid", "Một văn bản được chọn hai lần", "ids");
                return;
            }
    }
    struct batch_state *s = req_state(r, sizeof *s, release_batch);
    if (!s)
        return;
    int64_t now = now_unix();
    int pending = 0;
    s->n = (int)n;
    for (int i = 0; i < s->n; i++) {
        s->items[i].id = json_integer_value(json_array_get(ids, (size_t)i));
        if (check_item(r, &s->items[i], now)) {
            reply_internal(r, "document read failed");
            return;
        }
        pending += s->items[i].outcome == BATCH_PENDING;
    }
    if (!pending) {
        reply_results(r);
        return;
    }
    http_defer_work(r, sign_all, r, signed_all);
}

const struct route api_documents_batch_routes[] = {
    {"POST", "/api/v1/documents/sign-batch", sign_batch, ROUTE_OFFICER},
    {NULL, NULL, NULL, 0},
};
