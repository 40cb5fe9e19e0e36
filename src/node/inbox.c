/* inbox: checking an envelope from another node and writing what it
 * brings: the incoming documents, the status back, the log. */
#include "node/inbox.h"

#include <openssl/evp.h>
#include <string.h>

#include "base/util.h"
#include "catalog/unit.h"
#include "document/doc_search.h"
#include "exchange/directory.h"
#include "exchange/outbox.h"
#include "node/lgsp.h"
#include "node/sender.h"
#include "store/store.h"

void exchange_inbox_clear(struct exchange_inbox *in)
{
    if (in->parsed)
        edxml_free(&in->e);
    in->parsed = 0;
    derr_clear(&in->err);
}

static int business_of(const struct edxml *e)
{
    return e->business.present && e->business.type > 0 ? e->business.type : EDXML_NEW;
}

/* The first PDF attachment, by its declared type or its name. */
static const struct edxml_attachment *pdf_of(const struct edxml *e)
{
    for (size_t i = 0; i < e->nattachments; i++) {
        const struct edxml_attachment *a = &e->attachments[i];
        size_t n = strlen(a->attachment_name);
        if (a->len > 5 && memcmp(a->data, "%PDF-", 5) == 0 &&
            (strcmp(a->content_type, "application/pdf") == 0 ||
             (n > 4 && strcmp(a->attachment_name + n - 4, ".pdf") == 0)))
            return a;
    }
    return NULL;
}

int exchange_inbox_check(struct exchange_inbox *in, X509_STORE *anchors,
                         const struct directory *d, const char *self)
{
    struct derr *err = &in->err;
    /* The hash of what came, for the log, refused or not. */
    unsigned char md[32];
    unsigned mdlen = 0;
    if (EVP_Digest(in->data, in->len, md, &mdlen, EVP_sha256(), NULL) && mdlen == 32)
        hex_encode(md, 32, in->envelope_sha);
    if (!d)
        return derr_set(err, DERR_STATE, "no_directory",
                        "Máy chủ này chưa cài đặt danh bạ nút liên thông.", "");
    if (!self || !self[0])
        return derr_set(err, DERR_STATE, "node_not_configured",
                        "Máy chủ này chưa được đặt mã nút liên thông.", "");
    in->directory_version = d->version;
    /* The signature first: nothing of an unsigned or altered envelope is
     * believed, not even its From. */
    if (edxml_verify(in->data, in->len, anchors, &in->v, err))
        return -1;
    in->parsed = 1;
    if (edxml_parse(in->data, in->len, &in->e, err))
        return -1;
    in->parsed = 2; /* read whole: its fields may be logged */
    const struct edxml *e = &in->e;
    const struct directory_node *from = directory_node_for_unit(d, e->from.organ_id);
    if (!from)
        return derr_set(err, DERR_FORBIDDEN, "unknown_sender",
                        "Đơn vị gửi không có trong danh bạ liên thông.", "From");
    copy_str(in->sender_node, sizeof in->sender_node, from->id);
    /* The unit's seal signs what the unit sends: its code in the
     * certificate, no official's title. */
    if (in->v.has_title || strcmp(in->v.organ_id, e->from.organ_id) != 0)
        return derr_set(err, DERR_FORBIDDEN, "wrong_signer",
                        "Gói tin không được ký bằng con dấu số của đơn vị gửi.", "Signature");
    if (e->kind == EDXML_STATUS) {
        const struct directory_node *n = directory_node_for_unit(d, e->response_for.organ_id);
        if (!n || strcmp(n->id, self) != 0)
            return derr_set(err, DERR_INVALID, "not_ours",
                            "Văn bản được trả lời không phải của đơn vị trên nút này.",
                            "ResponseFor");
        copy_str(in->local[0], sizeof in->local[0], e->response_for.organ_id);
        in->nlocal = 1;
    } else {
        if (business_of(e) != EDXML_NEW)
            return derr_set(err, DERR_INVALID, "unsupported_business",
                            "Nút này chưa nhận thu hồi, cập nhật hay thay thế văn bản.",
                            "Bussiness");
        for (size_t i = 0; i < e->nto && in->nlocal < EXCHANGE_INBOX_MAX_TO; i++) {
            const struct directory_node *n = directory_node_for_unit(d, e->to[i].organ_id);
            if (n && strcmp(n->id, self) == 0 && strlen(e->to[i].organ_id) < 32)
                copy_str(in->local[in->nlocal++], sizeof in->local[0], e->to[i].organ_id);
        }
        if (in->nlocal == 0)
            return derr_set(err, DERR_INVALID, "not_ours",
                            "Không nơi nhận nào của gói tin thuộc nút này.", "To");
        const struct edxml_attachment *pdf = pdf_of(e);
        if (pdf) {
            if (exchange_file_put(in->files_dir, pdf->data, pdf->len, in->pdf_sha))
                return derr_set(err, DERR_INTERNAL, "storage", "Không lưu được tệp văn bản.", "");
            in->pdf_size = (int64_t)pdf->len;
        }
    }
    /* The envelope as received is the proof of what came: kept. */
    if (exchange_file_put(in->files_dir, in->data, in->len, in->envelope_sha))
        return derr_set(err, DERR_INTERNAL, "storage", "Không lưu được gói tin.", "");
    return 0;
}

static int db_err(struct derr *err)
{
    return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
}

/* Logs one received message (direction in). */
static int log_in(struct store *db, struct exchange_inbox *in, const char *kind,
                  const char *edxml_id, const char *to, const char *code, int64_t document_id)
{
    return store_exec_all(
        db,
        "INSERT INTO exchange_messages(direction, kind, edxml_id, from_organ, to_organ,"
        " business, status_code, document_id, node_id, envelope_sha256, envelope_size, verdict,"
        " signer, directory_version, state, created_at, updated_at)"
        " VALUES ('in', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', ?, ?)",
        BIND_TEXT(kind), BIND_TEXT(edxml_id), BIND_TEXT(in->e.from.organ_id), BIND_TEXT(to),
        BIND_INT(in->e.kind == EDXML_DOCUMENT ? business_of(&in->e) : 0), BIND_TEXT(code),
        BIND_ID(document_id), BIND_TEXT(in->sender_node), BIND_TEXT(in->envelope_sha),
        BIND_INT(in->len), BIND_TEXT(in->v.weak ? "valid, weak (SHA-1)" : "valid"),
        BIND_TEXT(in->v.signer), BIND_INT(in->directory_version), BIND_INT(in->now),
        BIND_INT(in->now));
}

/* Was this key received already? 1, 0, or a store error. */
static int seen(struct store *db, struct exchange_inbox *in, const char *kind,
                const char *edxml_id, const char *to, const char *code)
{
    int64_t one;
    int rc = store_int(db,
                       "SELECT 1 FROM exchange_messages WHERE direction = 'in' AND kind = ? AND"
                       " edxml_id = ? AND from_organ = ? AND to_organ = ? AND business = ? AND"
                       " status_code = ? AND state = 'received'",
                       &one, BIND_TEXT(kind), BIND_TEXT(edxml_id),
                       BIND_TEXT(in->e.from.organ_id), BIND_TEXT(to),
                       BIND_INT(in->e.kind == EDXML_DOCUMENT ? business_of(&in->e) : 0),
                       BIND_TEXT(code));
    return rc == STORE_ROW ? 1 : rc == STORE_DONE ? 0 : rc;
}

static int read_type(struct store_stmt *st, void *out)
{
    copy_str(out, 48, store_col_text(st, 0));
    return STORE_ROW;
}

static int receive_document(struct store *db, struct exchange_inbox *in)
{
    const struct edxml *e = &in->e;
    char type[48] = "cong_van";
    /* Systems disagree on DocumentType codes: the name decides. */
    int rc = store_one(db, "SELECT code FROM document_types WHERE name = ?", read_type, type,
                       BIND_TEXT(e->type_name));
    if (rc < 0)
        return db_err(&in->err);
    const char *sender = e->from.organ_name[0] ? e->from.organ_name : e->from.organ_id;
    const char *notation = e->doc_number[0] ? e->doc_number : e->code_notation;
    for (int i = 0; i < in->nlocal; i++) {
        struct unit u;
        /* LGSP: an organisation of an e-office product waits for its
         * envelopes in a queue (node/lgsp.h), not as an incoming document. */
        rc = lgsp_hold(db, in, in->local[i]);
        if (rc < 0)
            return -1;
        if (rc == 1)
            continue;
        rc = seen(db, in, "document", e->document_id, in->local[i], "");
        if (rc < 0)
            return db_err(&in->err);
        if (rc == 1) {
            in->duplicates++;
            continue;
        }
        rc = unit_by_code(db, in->local[i], &u);
        if (rc < 0)
            return db_err(&in->err);
        if (rc != STORE_ROW)
            return derr_set(&in->err, DERR_INVALID, "not_ours",
                            "Đơn vị nhận không có trong danh mục của máy chủ này.", "To");
        if (store_exec_all(db,
                           "INSERT INTO documents(unit_id, direction, type_code, summary,"
                           " priority, confidentiality, state, notation, issued_on, sender_name,"
                           " sha256, size, signer_title, created_at, updated_at)"
                           " VALUES (?, 'in', ?, ?, 'thuong', 'thuong', 'arrived', ?, ?, ?, ?, ?,"
                           " ?, ?, ?)",
                           BIND_INT(u.id), BIND_TEXT(type), BIND_TEXT(e->subject),
                           BIND_TEXT(notation), BIND_TEXT(e->promulgation_date), BIND_TEXT(sender),
                           BIND_TEXT(in->pdf_sha[0] ? in->pdf_sha : NULL),
                           in->pdf_sha[0] ? BIND_INT(in->pdf_size) : BIND_NULL,
                           BIND_TEXT(e->signer_position), BIND_INT(in->now), BIND_INT(in->now)))
            return db_err(&in->err);
        int64_t doc = store_last_insert_id(db);
        if (log_in(db, in, "document", e->document_id, in->local[i], "", doc) ||
            exchange_queue_status(db, doc, "01", in->now))
            return db_err(&in->err);
        if (document_search_index(db, doc, NULL, 0, &in->err))
            return -1;
        in->created++;
    }
    return 0;
}

static int receive_status(struct store *db, struct exchange_inbox *in)
{
    const struct edxml *e = &in->e;
    const char *id = e->response_for.document_id;
    /* LGSP: a status for an e-office product's organisation is queued. */
    int rc = lgsp_hold(db, in, in->local[0]);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    rc = seen(db, in, "status", id, in->local[0], e->status_code);
    if (rc < 0)
        return db_err(&in->err);
    if (rc == 1) {
        in->duplicates++;
        return 0;
    }
    if (log_in(db, in, "status", id, in->local[0], e->status_code, 0) ||
        /* The sender's view: where the recipient is. The steps 01..06 only
         * move forward, but their messages may arrive out of order (an 01
         * waiting for its retry while the 03 goes): an older step never
         * replaces a later one. The take-back answers (13, 15, 16) always
         * count. */
        store_exec_all(db,
                       "UPDATE exchange_messages SET last_status = ?1, last_status_at = ?2,"
                       " updated_at = ?2 WHERE direction = 'out' AND kind = 'document' AND"
                       " edxml_id = ?3 AND to_organ = ?4 AND from_organ = ?5 AND"
                       " (?1 > '06' OR last_status = '' OR last_status > '06'"
                       " OR ?1 > last_status)",
                       BIND_TEXT(e->status_code), BIND_INT(in->now), BIND_TEXT(id),
                       BIND_TEXT(e->from.organ_id), BIND_TEXT(in->local[0])))
        return db_err(&in->err);
    in->created++;
    return 0;
}

int exchange_inbox_job(struct store *db, void *arg)
{
    struct exchange_inbox *in = arg;
    return in->e.kind == EDXML_STATUS ? receive_status(db, in) : receive_document(db, in);
}

int exchange_inbox_refusal_job(struct store *db, void *arg)
{
    struct exchange_inbox *in = arg;
    const struct edxml *e = &in->e;
    int parsed = in->parsed == 2;
    const char *id = !parsed ? ""
                     : e->kind == EDXML_STATUS ? e->response_for.document_id
                                               : e->document_id;
    const char *to = !parsed ? ""
                     : e->kind == EDXML_STATUS ? e->response_for.organ_id
                     : e->nto                  ? e->to[0].organ_id
                                               : "";
    return store_exec_all(
        db,
        "INSERT INTO exchange_messages(direction, kind, edxml_id, from_organ, to_organ,"
        " status_code, node_id, envelope_sha256, envelope_size, verdict, signer,"
        " directory_version, state, last_error, created_at, updated_at)"
        " VALUES ('in', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'refused', ?, ?, ?)",
        BIND_TEXT(parsed && e->kind == EDXML_STATUS ? "status" : "document"),
        BIND_TEXT(id ? id : ""), BIND_TEXT(parsed ? e->from.organ_id : ""), BIND_TEXT(to ? to : ""),
        BIND_TEXT(parsed && e->kind == EDXML_STATUS ? e->status_code : ""),
        BIND_TEXT(in->sender_node), BIND_TEXT(in->envelope_sha), BIND_INT(in->len),
        BIND_TEXT(in->err.code ? in->err.code : "refused"), BIND_TEXT(in->v.signer),
        BIND_ID(in->directory_version), BIND_TEXT(in->err.message),
        BIND_INT(in->now), BIND_INT(in->now));
}
