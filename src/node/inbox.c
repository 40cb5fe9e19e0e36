/* inbox: checking an envelope from another node and writing what it
 * brings: the incoming documents, the status back, the log. */
#include "node/inbox.h"

#include <jansson.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "catalog/unit.h"
#include "document/corrections.h"
#include "document/doc_search.h"
#include "exchange/directory.h"
#include "exchange/node_tls.h"
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

/* Files recipient code as local (hosted by this node) or relayed (this is
 * a hub and another node hosts it). Returns 0, or -1 when it is neither,
 * or when the list it belongs to is full (the rest are dropped). */
static int sort_recipient(struct exchange_inbox *in, const struct directory *d,
                          const struct directory_node *me, const char *code)
{
    const struct directory_node *n = directory_node_for_unit(d, code);
    if (!me || !n || strlen(code) >= sizeof in->local[0])
        return -1;
    if (n == me && in->nlocal < EXCHANGE_INBOX_MAX_TO) {
        copy_str(in->local[in->nlocal++], sizeof in->local[0], code);
        return 0;
    }
    if (n != me && me->hub && in->nrelay < EXCHANGE_INBOX_MAX_TO) {
        copy_str(in->relay[in->nrelay++], sizeof in->relay[0], code);
        return 0;
    }
    return -1;
}

/* A file of the envelope not stored: `storage_full` when the disk is full
 * (the HTTP layer answers 507, the sender retries), `storage` otherwise. */
static int not_stored(struct derr *err, int rc, const char *message)
{
    return derr_set(err, DERR_INTERNAL, rc == -ENOSPC || rc == -EDQUOT ? "storage_full" : "storage",
                    message, "");
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
    /* Over mutual TLS the calling node must be the sender's, or a hub:
     * refused before anything of the envelope is stored. */
    if (in->peer && node_tls_may_carry(d, in->peer, e->from.organ_id, err))
        return -1;
    const struct directory_node *me = directory_node_by_id(d, self);
    if (e->kind == EDXML_STATUS) {
        if (sort_recipient(in, d, me, e->response_for.organ_id))
            return derr_set(err, DERR_INVALID, "not_ours",
                            "Văn bản được trả lời không phải của đơn vị trên nút này.",
                            "ResponseFor");
    } else {
        /* A hub carries any business type; a receiving node knows these. */
        int business = business_of(e);
        for (size_t i = 0; i < e->nto; i++)
            sort_recipient(in, d, me, e->to[i].organ_id);
        if (in->nlocal == 0 && in->nrelay == 0)
            return derr_set(err, DERR_INVALID, "not_ours",
                            "Không nơi nhận nào của gói tin thuộc nút này.", "To");
        if (in->nlocal && business != EDXML_NEW &&
            (!e->business.document_id || !e->business.document_id[0]))
            return derr_set(err, DERR_INVALID, "business_document_required",
                            "Gói tin thu hồi hay thay thế phải nêu văn bản được thu hồi, thay thế.",
                            "Bussiness");
        const struct edxml_attachment *pdf = in->nlocal && business != EDXML_REVOKE ? pdf_of(e)
                                                                                   : NULL;
        if (pdf) {
            int rc = exchange_file_put(in->files_dir, pdf->data, pdf->len, in->pdf_sha);
            if (rc)
                return not_stored(err, rc, "Không lưu được tệp văn bản.");
            in->pdf_size = (int64_t)pdf->len;
        }
    }
    /* The envelope as received is the proof of what came: kept. */
    int rc = exchange_file_put(in->files_dir, in->data, in->len, in->envelope_sha);
    if (rc)
        return not_stored(err, rc, "Không lưu được gói tin.");
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
                       "SELECT 1 FROM exchange_messages WHERE direction = 'in' AND kind = ?1 AND"
                       " edxml_id = ?2 AND from_organ = ?3 AND to_organ = ?4 AND business = ?5 AND"
                       " status_code = ?6 AND state = 'received' AND (kind = 'document' OR"
                       " envelope_sha256 = ?7)",
                       &one, BIND_TEXT(kind), BIND_TEXT(edxml_id),
                       BIND_TEXT(in->e.from.organ_id), BIND_TEXT(to),
                       BIND_INT(in->e.kind == EDXML_DOCUMENT ? business_of(&in->e) : 0),
                       BIND_TEXT(code), BIND_TEXT(in->envelope_sha));
    return rc == STORE_ROW ? 1 : rc == STORE_DONE ? 0 : rc;
}

static int read_type(struct store_stmt *st, void *out)
{
    copy_str(out, 48, store_col_text(st, 0));
    return STORE_ROW;
}

/* The incoming document unit to made of edxml_id from the envelope's
 * From (0 when none). Returns 0 or a store error. */
static int copy_of(struct store *db, struct exchange_inbox *in, const char *edxml_id,
                   const char *to, int64_t *doc)
{
    *doc = 0;
    int rc = store_int(db,
                       "SELECT document_id FROM exchange_messages WHERE direction = 'in' AND"
                       " kind = 'document' AND business IN (0, 3) AND state = 'received' AND"
                       " edxml_id = ? AND from_organ = ? AND to_organ = ? AND document_id IS NOT"
                       " NULL",
                       doc, BIND_TEXT(edxml_id), BIND_TEXT(in->e.from.organ_id), BIND_TEXT(to));
    return rc == STORE_ROW || rc == STORE_DONE ? 0 : rc;
}

/* A revoke (business type 1) for local unit to: its copy is marked
 * recalled, as a recall on this server marks the copies it delivered
 * (Decree 30, Art. 17: the issuing unit's recall binds the recipients),
 * and 13 (asked) then 15 (done) go back; a copy never received is
 * answered 16. */
static int revoke_copy(struct store *db, struct exchange_inbox *in, const char *to)
{
    const struct edxml *e = &in->e;
    const char *reason = e->business.reason && e->business.reason[0]
                             ? e->business.reason
                             : "Đơn vị gửi thu hồi văn bản (không nêu lý do).";
    int64_t doc;
    int rc = copy_of(db, in, e->business.document_id, to, &doc);
    if (!rc)
        rc = log_in(db, in, "document", e->document_id, to, "", doc);
    if (rc)
        return rc;
    if (!doc)
        return exchange_queue_status_to(db, e->business.document_id, to, e->from.organ_id, "16",
                                        in->now);
    if ((rc = document_mark_received(db, doc, "recalled", 0, "", reason, in->now)) ||
        (rc = exchange_queue_answer(db, doc, "13", EDXML_REVOKE, in->now)))
        return rc;
    return exchange_queue_answer(db, doc, "15", EDXML_REVOKE, in->now);
}

/* An update (business type 2) for local unit to: the sender's list of
 * recipients (ReceiverList) is kept on the copy, as its
 * recipients_exchange (what an outgoing document's means: the units on
 * other nodes it went to), and 15 goes back; 16 for a copy never
 * received. An update that changes no recipients changes nothing here. */
static int update_copy(struct store *db, struct exchange_inbox *in, const char *to)
{
    const struct edxml *e = &in->e;
    int64_t doc;
    int rc = copy_of(db, in, e->business.document_id, to, &doc);
    if (!rc)
        rc = log_in(db, in, "document", e->document_id, to, "", doc);
    if (rc)
        return rc;
    if (!doc)
        return exchange_queue_status_to(db, e->business.document_id, to, e->from.organ_id, "16",
                                        in->now);
    if (e->business.document_receiver == 1) {
        json_t *list = json_array();
        for (size_t i = 0; list && i < e->business.nreceivers; i++)
            json_array_append_new(list, json_string(e->business.receivers[i].organ_id));
        char *text = list ? json_dumps(list, JSON_COMPACT) : NULL;
        json_decref(list);
        rc = text ? store_exec_all(db,
                                   "UPDATE documents SET recipients_exchange = ?, updated_at = ?"
                                   " WHERE id = ?",
                                   BIND_TEXT(text), BIND_INT(in->now), BIND_INT(doc))
                  : STORE_ERR;
        free(text);
        if (rc)
            return rc;
    }
    return exchange_queue_answer(db, doc, "15", EDXML_UPDATE, in->now);
}

/* A replacing document (business type 3) was written as doc for local unit
 * to: the copy it replaces is marked replaced by it. */
static int replace_copy(struct store *db, struct exchange_inbox *in, const char *to, int64_t doc,
                        const char *notation)
{
    int64_t old;
    int rc = copy_of(db, in, in->e.business.document_id, to, &old);
    if (rc || !old)
        return rc;
    return document_mark_received(db, old, "replaced", doc, notation, "", in->now);
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
        if (business_of(e) == EDXML_REVOKE || business_of(e) == EDXML_UPDATE) {
            if ((business_of(e) == EDXML_REVOKE ? revoke_copy : update_copy)(db, in,
                                                                             in->local[i]))
                return db_err(&in->err);
            in->created++;
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
            exchange_queue_status(db, doc, "01", in->now) ||
            (business_of(e) == EDXML_REPLACE && replace_copy(db, in, in->local[i], doc, notation)))
            return db_err(&in->err);
        if (document_search_index(db, doc, NULL, 0, &in->err))
            return -1;
        in->created++;
    }
    return 0;
}

/* The sender's view: where the recipient is, on the document rows sent
 * (or relayed) from unit to to the status's From. The steps 01..06 only
 * move forward, but their messages may arrive out of order (an 01 waiting
 * for its retry while the 03 goes): an older step never replaces a later
 * one. The take-back answers (13, 15, 16) always count. */
static int note_status(struct store *db, struct exchange_inbox *in, const char *id, const char *to)
{
    const struct edxml *e = &in->e;
    return store_exec_all(db,
                          "UPDATE exchange_messages SET last_status = ?1, last_status_at = ?2,"
                          " updated_at = ?2 WHERE direction = 'out' AND kind = 'document' AND"
                          " edxml_id = ?3 AND to_organ = ?4 AND from_organ = ?5 AND"
                          " (?1 > '06' OR last_status = '' OR last_status > '06'"
                          " OR ?1 > last_status)",
                          BIND_TEXT(e->status_code), BIND_INT(in->now), BIND_TEXT(id),
                          BIND_TEXT(e->from.organ_id), BIND_TEXT(to));
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
        note_status(db, in, id, in->local[0]))
        return db_err(&in->err);
    in->created++;
    return 0;
}

/* A hub's part: each relayed To is logged as received (no document) and
 * queued out again with the envelope as it came; a key seen before is a
 * duplicate. */
static int relay(struct store *db, struct exchange_inbox *in)
{
    const struct edxml *e = &in->e;
    int status = e->kind == EDXML_STATUS;
    const char *kind = status ? "status" : "document";
    const char *id = status ? e->response_for.document_id : e->document_id;
    const char *code = status ? e->status_code : "";
    for (int i = 0; i < in->nrelay; i++) {
        int rc = seen(db, in, kind, id, in->relay[i], code);
        if (rc < 0)
            return db_err(&in->err);
        if (rc == 1) {
            in->duplicates++;
            continue;
        }
        if (log_in(db, in, kind, id, in->relay[i], code, 0) ||
            store_exec_all(db, "UPDATE exchange_messages SET relay = 1 WHERE id = ?",
                           BIND_INT(store_last_insert_id(db))) ||
            exchange_queue_relay(db, kind, id, e->from.organ_id, in->relay[i],
                                 status ? 0 : business_of(e), code, in->envelope_sha,
                                 (int64_t)in->len, in->now))
            return db_err(&in->err);
        /* The hub's own view of a relayed document: the status it carries. */
        if (status && note_status(db, in, id, in->relay[i]))
            return db_err(&in->err);
        in->created++;
    }
    return 0;
}

int exchange_inbox_job(struct store *db, void *arg)
{
    struct exchange_inbox *in = arg;
    if (relay(db, in))
        return -1;
    if (in->nlocal == 0)
        return 0;
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
