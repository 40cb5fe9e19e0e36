/* issuing: rendering, signing and recording issued documents (see issuing.h). */
#include "issued/issuing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "base/log.h"
#include "base/util.h"
#include "base/waker.h"
#include "calendar/calendar.h"
#include "catalog/procedure.h"
#include "dossier/documents.h"
#include "dossier/dossier.h"
#include "dossier/filestore.h"
#include "dossier/receipt_data.h"
#include "dossier/status.h"
#include "render/receipt.h"
#include "sign/pades_stamp.h"
#include "sign/pdf_read.h"
#include "store/store.h"

#define RECEIPT_TITLE "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
#define APOLOGY_TITLE "Phiếu xin lỗi và hẹn lại ngày trả kết quả"
#define RESULT_TITLE "Kết quả giải quyết thủ tục hành chính"

/* The /Reason of each kind's seal, and of the official's signature. */
static const char *seal_reason(enum issued_kind k)
{
    switch (k) {
    case ISSUED_RECEIPT:
        return "Tiếp nhận hồ sơ";
    case ISSUED_APOLOGY:
        return "Xin lỗi và hẹn lại ngày trả kết quả";
    case ISSUED_RESULT:
        return "Phát hành kết quả giải quyết";
    default:
        return NULL;
    }
}
#define OFFICIAL_REASON "Phê duyệt kết quả giải quyết"

void issued_made_clear(struct issued_made *m)
{
    json_decref(m->signers);
    memset(m, 0, sizeof *m);
}

struct issued_signed issued_made_signed(const struct issued_made *m)
{
    return (struct issued_signed){
        .state = m->state, .sha256 = m->sha256, .size = m->size, .signers = m->signers};
}

int issued_refusal_final(const struct derr *err)
{
    static const char *const final[] = {"no_certificate", "certificate_expired",
                                        "certificate_revoked", "sign_failed"};
    for (size_t i = 0; err->code && i < ARRAY_LEN(final); i++)
        if (strcmp(err->code, final[i]) == 0)
            return 1;
    return 0;
}

const char *issued_default_title(enum issued_kind kind)
{
    return kind == ISSUED_RECEIPT ? RECEIPT_TITLE : kind == ISSUED_APOLOGY ? APOLOGY_TITLE
                                                                            : RESULT_TITLE;
}

int64_t issued_backoff(int attempts)
{
    int64_t s = 30;
    for (int i = 0; i < attempts && s < 3600; i++)
        s *= 2;
    return s < 3600 ? s : 3600;
}

/* Reads stored file sha whole. OUT: *p (malloc'd), *n. 0 or -1. */
static int read_stored(const char *files_dir, const char *sha, unsigned char **p, size_t *n)
{
    *p = filestore_read_all(files_dir, sha, PDFR_MAX_FILE, n);
    return *p ? 0 : -1;
}

/* Signs pdf as sigs say and stores the result. OUT: *m. */
static int sign_and_store(struct store *db, const struct issued_env *env,
                          const struct issued_signature *sigs, int nsigs, const unsigned char *pdf,
                          size_t len, int64_t now, struct issued_made *m, struct derr *err)
{
    struct issued_signing in = {.data_dir = env->data_dir,
                                .sigs = sigs,
                                .nsigs = nsigs,
                                .stamp = env->stamp,
                                .stamp_ctx = env->stamp_ctx,
                                .now = now};
    struct issued_output o;
    memset(m, 0, sizeof *m);
    if (issued_sign_pdf(db, &in, pdf, len, &o, err))
        return -1;
    int rc = issued_store_file(env->files_dir, o.pdf, o.len, m->sha256);
    if (rc) {
        issued_output_clear(&o);
        return derr_set(err, DERR_INTERNAL, "internal", "Không lưu được văn bản đã ký", NULL);
    }
    m->size = (int64_t)o.len;
    m->state = o.state;
    m->signers = o.signers;
    o.signers = NULL;
    issued_output_clear(&o);
    return 0;
}

/* --- receipts and apology letters ----------------------------------------- */

static int load_dossier(struct store *db, int64_t id, struct dossier *d)
{
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    return dossier_find(db, key, 0, d);
}

int issued_make(struct store *db, const struct issued_env *env, const struct issued_doc *doc,
                int64_t now, struct issued_made *out, struct derr *err)
{
    struct dossier d;
    unsigned char *pdf = NULL;
    size_t len = 0;
    int rc;
    memset(out, 0, sizeof *out);
    if (load_dossier(db, doc->dossier_id, &d) != STORE_ROW || !d.code[0])
        return derr_set(err, DERR_NOT_FOUND, "not_found", "Không tìm thấy hồ sơ", NULL);
    if (doc->kind == ISSUED_RECEIPT) {
        struct receipt_data *rd = calloc(1, sizeof *rd);
        rc = rd ? receipt_data_load(db, &d, env->base_url, doc->public_id, rd) : -1;
        if (rc == 0)
            rc = receipt_render_pdf(&rd->r, &pdf, &len);
        if (rd)
            receipt_data_clear(rd);
        free(rd);
    } else if (doc->kind == ISSUED_APOLOGY) {
        char verify[400];
        long n;
        if (parse_long(doc->ref, 1, 1000, &n))
            return 1;
        snprintf(verify, sizeof verify, "%s/xac-thuc/%s", env->base_url, doc->public_id);
        rc = apology_pdf(db, &d, (int)n, env->base_url, verify, &pdf, &len);
        if (rc == 1)
            return 1;
    } else {
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống", NULL);
    }
    if (rc) {
        free(pdf);
        log_error("cannot render issued document %s of dossier %s", doc->public_id, d.code);
        return derr_set(err, DERR_INTERNAL, "internal", "Không tạo được văn bản", NULL);
    }
    struct issued_signature seal = {.unit_id = doc->unit_id, .reason = seal_reason(doc->kind)};
    rc = sign_and_store(db, env, &seal, 1, pdf, len, now, out, err);
    free(pdf);
    return rc;
}

/* --- timestamps added later ------------------------------------------------ */

int issued_add_timestamps(struct store *db, const struct issued_env *env,
                          const struct issued_doc *doc, int64_t now, struct issued_made *out,
                          struct derr *err)
{
    unsigned char *pdf = NULL;
    size_t len = 0;
    struct pades_sig_place sigs[PADES_STAMP_MAX_SIGS];
    int n = 0, stamped = 0, left = 0, rc = -1;
    char why[300];
    json_t *old = NULL;
    memset(out, 0, sizeof *out);
    if (!env->stamp)
        return derr_set(err, DERR_STATE, "timestamp_failed", "Máy chủ chưa có nguồn dấu thời gian",
                        NULL);
    if (read_stored(env->files_dir, doc->sha256, &pdf, &len) ||
        pades_signatures(pdf, len, sigs, &n, why, sizeof why)) {
        log_error("issued document %s: cannot read its signatures", doc->public_id);
        derr_set(err, DERR_INTERNAL, "internal", "Không đọc được văn bản đã ký", NULL);
        goto out;
    }
    int k = 0;
    while (k < n && sigs[k].timestamped)
        k++;
    old = issued_signers_json(db, doc->id);
    if (!old) {
        derr_set(err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
        goto out;
    }
    if (k < n && sigs[k].covered) {
        /* Signatures after k cover k's /Contents: cut the file back to k's
         * revision, timestamp k, sign the later ones again (seals only:
         * an official's key may be on a token that is not here now). */
        struct issued_signature again[ISSUED_MAX_SIGNATURES];
        int nagain = n - k - 1;
        if (nagain > ISSUED_MAX_SIGNATURES || (int)json_array_size(old) != n) {
            derr_set(err, DERR_STATE, "cannot_restamp",
                     "Không thể bổ sung dấu thời gian cho văn bản này", NULL);
            goto out;
        }
        for (int i = 0; i < nagain; i++) {
            const char *role =
                json_string_value(json_object_get(json_array_get(old, (size_t)(k + 1 + i)), "role"));
            if (!role || strcmp(role, "seal")) {
                derr_set(err, DERR_STATE, "cannot_restamp",
                         "Không thể bổ sung dấu thời gian cho văn bản này", NULL);
                goto out;
            }
            again[i] = (struct issued_signature){.unit_id = doc->unit_id,
                                                 .reason = seal_reason(doc->kind)};
        }
        len = sigs[k].end;
        if (pades_stamp(pdf, len, env->stamp, env->stamp_ctx, &stamped, &left, why, sizeof why)) {
            log_warn("issued document %s: no timestamp yet: %s", doc->public_id, why);
            derr_set(err, DERR_STATE, "timestamp_failed",
                     "Chưa lấy được dấu thời gian (máy chủ cấp dấu thời gian không trả lời)", NULL);
            goto out;
        }
        if (sign_and_store(db, env, again, nagain, pdf, len, now, out, err))
            goto out;
        /* The signers: those up to k as they were, then the new seals. */
        json_t *list = json_array();
        for (int i = 0; list && i <= k; i++)
            json_array_append(list, json_array_get(old, (size_t)i));
        json_array_extend(list, out->signers);
        json_decref(out->signers);
        out->signers = list;
        rc = list ? 0 : derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống", NULL);
        goto out;
    }
    if (k < n &&
        pades_stamp(pdf, len, env->stamp, env->stamp_ctx, &stamped, &left, why, sizeof why)) {
        log_warn("issued document %s: no timestamp yet: %s", doc->public_id, why);
        derr_set(err, DERR_STATE, "timestamp_failed",
                 "Chưa lấy được dấu thời gian (máy chủ cấp dấu thời gian không trả lời)", NULL);
        goto out;
    }
    if (issued_store_file(env->files_dir, pdf, len, out->sha256)) {
        derr_set(err, DERR_INTERNAL, "internal", "Không lưu được văn bản đã ký", NULL);
        goto out;
    }
    out->size = (int64_t)len;
    out->state = left ? ISSUED_AWAITING_TIMESTAMP : ISSUED_SIGNED;
    out->signers = json_incref(old);
    rc = 0;
out:
    if (rc)
        issued_made_clear(out);
    json_decref(old);
    free(pdf);
    return rc;
}

int issued_record_timestamps(struct store *db, const struct issued_doc *doc,
                             const struct issued_made *m, int64_t retry_at, int64_t now)
{
    struct issued_signed s = issued_made_signed(m);
    int rc = issued_mark_signed(db, doc->id, &s, now);
    if (rc == 0 && m->state == ISSUED_AWAITING_TIMESTAMP)
        rc = issued_mark_attempt(db, doc->id, "Còn chữ ký chưa có dấu thời gian", retry_at, 0);
    if (rc == 0 && doc->dossier_id && strcmp(doc->sha256, m->sha256))
        rc = store_exec_all(db,
                            "UPDATE dossier_results SET sha256 = ?, size = ?"
                            " WHERE dossier_id = ? AND sha256 = ?",
                            BIND_TEXT(m->sha256), BIND_INT(m->size), BIND_INT(doc->dossier_id),
                            BIND_TEXT(doc->sha256));
    return rc;
}

/* --- the lists of a dossier's documents ------------------------------------- */

/* audience 0: the officers (every row); 1: the applicant (signed rows);
 * 2: the applicant before the result is returned (signed rows, no result). */
static json_t *issued_list_for(struct store *db, int64_t dossier_id, int audience)
{
    struct store_stmt *st;
    if (store_prepare_all(db,
                          "SELECT public_id, kind, ref, title, state, error, signed_at,"
                          " timestamped_at FROM issued_documents WHERE dossier_id = ?1"
                          " AND (?2 = 0 OR state IN ('signed', 'awaiting_timestamp'))"
                          " AND (?2 < 2 OR kind <> 'result') ORDER BY id",
                          &st, BIND_INT(dossier_id), BIND_INT(audience)))
        return NULL;
    json_t *list = json_array();
    int rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        const char *error = store_col_text(st, 5);
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "public_id",
                              store_col_text(st, 0), "kind", store_col_text(st, 1), "ref",
                              store_col_text(st, 2), "title", store_col_text(st, 3), "state",
                              store_col_text(st, 4), "signed_at",
                              cal_json_iso(store_col_int(st, 6)), "timestamped_at",
                              cal_json_iso(store_col_int(st, 7)));
        /* Why signing failed is for the officers only. */
        if (o && audience == 0)
            json_object_set_new(o, "error", error && *error ? json_string(error) : json_null());
        json_array_append_new(list, o);
    }
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(list);
        return NULL;
    }
    return list;
}

json_t *issued_list_json(struct store *db, int64_t dossier_id)
{
    return issued_list_for(db, dossier_id, 0);
}

json_t *issued_applicant_json(struct store *db, int64_t dossier_id, int with_results)
{
    return issued_list_for(db, dossier_id, with_results ? 1 : 2);
}

/* --- the outbox: the listener ----------------------------------------------- */

static struct waker wake = WAKER_INIT;

void issued_set_waker(void (*fn)(void *), void *arg)
{
    waker_set(&wake, fn, arg);
}

static int add_pending(struct store *db, enum issued_kind kind, int64_t unit_id,
                       int64_t dossier_id, const char *ref, const char *title, int64_t now)
{
    struct derr err = {0};
    int64_t id;
    struct issued_new n = {.kind = kind, .unit_id = unit_id, .dossier_id = dossier_id,
                           .ref = ref, .title = title, .now = now};
    if (issued_add(db, &n, &id, NULL, &err) == 0) {
        waker_note(&wake);
        return 0;
    }
    /* Already there (a dossier submitted again cannot be, but a second
     * announcement must not fail the change). */
    return err.kind == DERR_TAKEN ? 0 : STORE_ERR;
}

static int issued_changed(struct store *db, const struct dossier_change *c)
{
    int64_t unit_id;
    if (c->from_status == STATUS_DRAFT && c->to_status != STATUS_DRAFT) {
        /* The dossier got its code: its receipt, signed by the receiving unit. */
        if (store_int(db, "SELECT unit_id FROM dossiers WHERE id = ?", &unit_id,
                      BIND_INT(c->dossier_id)) != STORE_ROW)
            return STORE_ERR;
        return add_pending(db, ISSUED_RECEIPT, unit_id, c->dossier_id, "", RECEIPT_TITLE, c->at);
    }
    if (strcmp(c->action, "apology") != 0)
        return 0;
    /* Each apology letter of the dossier that has no row yet. */
    struct store_stmt *st;
    int64_t ns[16];
    int count = 0, rc;
    if (store_int(db, "SELECT unit_id FROM dossiers WHERE id = ?", &unit_id,
                  BIND_INT(c->dossier_id)) != STORE_ROW ||
        store_prepare_all(db,
                          "SELECT ap.n FROM dossier_apologies ap WHERE ap.dossier_id = ?"
                          " AND NOT EXISTS (SELECT 1 FROM issued_documents i WHERE"
                          " i.dossier_id = ap.dossier_id AND i.kind = 'apology'"
                          " AND i.ref = CAST(ap.n AS TEXT)) ORDER BY ap.n LIMIT 16",
                          &st, BIND_INT(c->dossier_id)))
        return STORE_ERR;
    while (count < 16 && (rc = store_step(st)) == STORE_ROW)
        ns[count++] = store_col_int(st, 0);
    store_done(st);
    for (int i = 0; i < count; i++) {
        char ref[24];
        snprintf(ref, sizeof ref, "%lld", (long long)ns[i]);
        if ((rc = add_pending(db, ISSUED_APOLOGY, unit_id, c->dossier_id, ref, APOLOGY_TITLE,
                              c->at)))
            return rc;
    }
    return 0;
}

static void issued_after_commit(void)
{
    waker_fire(&wake);
}

const struct dossier_listener issued_listener = {
    .name = "issued",
    .changed = issued_changed,
    .after_commit = issued_after_commit,
};

/* --- the result, signed at approval ------------------------------------------ */

void issued_approval_clear(struct issued_approval *a)
{
    for (int i = 0; i < a->n; i++)
        issued_made_clear(&a->docs[i].made);
    a->n = 0;
}

void issued_approval_signers(int64_t unit_id, int64_t official_id,
                             struct issued_signature sigs[2])
{
    sigs[0] = (struct issued_signature){.unit_id = unit_id, .account_id = official_id,
                                        .reason = OFFICIAL_REASON};
    sigs[1] = (struct issued_signature){.unit_id = unit_id,
                                        .reason = seal_reason(ISSUED_RESULT)};
}

/* The official's name, and the title shown above the signature: the last
 * line of the template's signer_title ("TM. Ủy ban nhân dân\nChủ tịch"). */
static int official_of(struct store *db, const struct dossier *d, int64_t official_id,
                       char *name, size_t namecap, char *title, size_t titlecap,
                       char *doc_title, size_t doc_titlecap)
{
    struct store_stmt *st;
    struct procedure p;
    name[0] = title[0] = 0;
    copy_str(doc_title, doc_titlecap, RESULT_TITLE);
    if (store_prepare_all(db, "SELECT full_name FROM accounts WHERE id = ?", &st,
                          BIND_INT(official_id)))
        return -1;
    if (store_step(st) == STORE_ROW)
        copy_str(name, namecap, store_col_text(st, 0));
    store_done(st);
    if (procedure_by_id(db, d->procedure_id, &p) != STORE_ROW)
        return -1;
    const char *t = json_string_value(json_object_get(p.result_template, "signer_title"));
    if (t) {
        const char *nl = strrchr(t, '\n');
        copy_str(title, titlecap, nl ? nl + 1 : t);
    }
    const char *dt = json_string_value(json_object_get(p.result_template, "title"));
    if (dt && *dt)
        copy_str(doc_title, doc_titlecap, dt);
    procedure_clear(&p);
    return name[0] ? 0 : -1;
}

int issued_approval_prepare(struct store *db, const struct issued_env *given, int64_t dossier_id,
                            int64_t official_id, int64_t now, struct issued_approval *a,
                            struct derr *err)
{
    /* A timestamp source that failed for one document is not asked again
     * for the next ones: each would wait for it to time out. */
    struct issued_env envs = *given, *env = &envs;
    struct dossier d;
    struct store_stmt *st;
    struct issued_signature sigs[2];
    char name[256], title[128], doc_title[ISSUED_TITLE_MAX + 1], verify[400];
    struct {
        char name[DOSSIER_FILE_NAME_MAX + 1], sha[65];
    } files[RESULTS_MAX_FILES];
    int nfiles = 0, rc;
    unsigned char *pdf = NULL;
    size_t len = 0;
    memset(a, 0, sizeof *a);
    if (load_dossier(db, dossier_id, &d) != STORE_ROW || !d.code[0])
        return derr_set(err, DERR_NOT_FOUND, "not_found", "Không tìm thấy hồ sơ", NULL);
    if (official_of(db, &d, official_id, name, sizeof name, title, sizeof title, doc_title,
                    sizeof doc_title))
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    a->dossier_id = d.id;
    a->unit_id = d.current_unit_id;
    a->official_id = official_id;
    issued_approval_signers(d.current_unit_id, official_id, sigs);
    sigs[0].title = title[0] ? title : NULL;

    /* The result document from the procedure's template. */
    struct issued_approval_doc *doc = &a->docs[0];
    if (issued_new_public_id(doc->public_id))
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống", NULL);
    snprintf(verify, sizeof verify, "%s/xac-thuc/%s", env->base_url, doc->public_id);
    rc = result_document_render(db, &d, env->base_url, verify, name, 1, &pdf, &len);
    if (rc < 0) {
        log_error("cannot render the result of dossier %s", d.code);
        return derr_set(err, DERR_INTERNAL, "internal", "Không tạo được văn bản kết quả", NULL);
    }
    if (rc == 0) {
        copy_str(doc->title, sizeof doc->title, doc_title);
        rc = sign_and_store(db, env, sigs, 2, pdf, len, now, &doc->made, err);
        free(pdf);
        pdf = NULL;
        if (rc)
            goto fail;
        if (doc->made.state == ISSUED_AWAITING_TIMESTAMP)
            envs.stamp = NULL;
        a->n = 1;
    }

    /* The officers' PDF result files, signed the same way. */
    if (store_prepare_all(db,
                          "SELECT name, sha256 FROM dossier_results WHERE dossier_id = ?"
                          " AND content_type = 'application/pdf' ORDER BY id",
                          &st, BIND_INT(d.id))) {
        derr_set(err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
        goto fail;
    }
    while (nfiles < RESULTS_MAX_FILES && store_step(st) == STORE_ROW) {
        copy_str(files[nfiles].name, sizeof files[nfiles].name, store_col_text(st, 0));
        copy_str(files[nfiles].sha, sizeof files[nfiles].sha, store_col_text(st, 1));
        nfiles++;
    }
    store_done(st);
    for (int i = 0; i < nfiles; i++) {
        doc = &a->docs[a->n];
        if (issued_new_public_id(doc->public_id)) {
            derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống", NULL);
            goto fail;
        }
        copy_str(doc->ref, sizeof doc->ref, files[i].name);
        /* A title cut to fit (the file's name is at most 100 bytes). */
        snprintf(doc->title, sizeof doc->title, "%.190s (%.100s)", doc_title, files[i].name);
        copy_str(doc->old_sha256, sizeof doc->old_sha256, files[i].sha);
        if (read_stored(env->files_dir, files[i].sha, &pdf, &len)) {
            derr_set(err, DERR_INTERNAL, "internal", "Không đọc được tệp kết quả", doc->ref);
            goto fail;
        }
        rc = sign_and_store(db, env, sigs, 2, pdf, len, now, &doc->made, err);
        free(pdf);
        pdf = NULL;
        if (rc) {
            /* Say which file could not be signed. */
            if (strcmp(err->code, "sign_failed") == 0)
                snprintf(err->message, sizeof err->message,
                         "Không ký số được tệp kết quả %.100s (tệp PDF hỏng hoặc đã khóa)",
                         files[i].name);
            copy_str(err->field, sizeof err->field, doc->ref);
            goto fail;
        }
        if (doc->made.state == ISSUED_AWAITING_TIMESTAMP)
            envs.stamp = NULL;
        a->n++;
    }
    return 0;
fail:
    issued_approval_clear(a);
    return -1;
}

int issued_approval_record(struct store *db, const struct issued_approval *a, int64_t actor_id,
                           int64_t now, struct derr *err)
{
    json_t *ids = json_array();
    int files = 0;
    for (int i = 0; i < a->n; i++) {
        const struct issued_approval_doc *doc = &a->docs[i];
        struct issued_signed s = issued_made_signed(&doc->made);
        struct issued_new n = {.kind = ISSUED_RESULT, .unit_id = a->unit_id,
                               .dossier_id = a->dossier_id, .ref = doc->ref, .title = doc->title,
                               .public_id = doc->public_id, .signed_as = &s, .now = now};
        int64_t id;
        if (issued_add(db, &n, &id, NULL, err)) {
            json_decref(ids);
            return -1;
        }
        json_array_append_new(ids, json_string(doc->public_id));
        if (!doc->old_sha256[0])
            continue;
        files++;
        int rc = store_exec_all(db,
                                "UPDATE dossier_results SET sha256 = ?, size = ?"
                                " WHERE dossier_id = ? AND name = ? AND sha256 = ?",
                                BIND_TEXT(doc->made.sha256), BIND_INT(doc->made.size),
                                BIND_INT(a->dossier_id), BIND_TEXT(doc->ref),
                                BIND_TEXT(doc->old_sha256));
        if (rc == 0 && store_changes(db) == 0) {
            json_decref(ids);
            return derr_set(err, DERR_STATE, "results_changed",
                            "Tệp kết quả vừa được thay đổi; vui lòng phê duyệt lại", doc->ref);
        }
        if (rc) {
            json_decref(ids);
            return derr_set(err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
        }
    }
    /* A PDF result file added since the signing would go out unsigned. */
    int64_t pdfs = 0;
    if (store_int(db,
                  "SELECT count(*) FROM dossier_results WHERE dossier_id = ?"
                  " AND content_type = 'application/pdf'",
                  &pdfs, BIND_INT(a->dossier_id)) != STORE_ROW) {
        json_decref(ids);
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    }
    if (pdfs != files) {
        json_decref(ids);
        return derr_set(err, DERR_STATE, "results_changed",
                        "Tệp kết quả vừa được thay đổi; vui lòng phê duyệt lại", NULL);
    }
    if (audit_object_json(db, actor_id, "document.issue", "dossier", a->dossier_id,
                          json_pack("{s:s, s:o}", "kind", "result", "documents", ids)))
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
    return 0;
}
