/* lgsp: the organisations of e-office products that use this node as their
 * hub, their tokens, and the queue of envelopes waiting for them. */
#include "node/lgsp.h"

#include <openssl/crypto.h>
#include <string.h>

#include "base/text.h"
#include "base/util.h"
#include "catalog/unit.h"
#include "exchange/directory.h"
#include "exchange/edxml.h"
#include "store/store.h"

int lgsp_organ_valid(const char *code)
{
    size_t n = strlen(code);
    if (n == 0 || n > 31)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((code[i] >= '0' && code[i] <= '9') || (code[i] >= 'A' && code[i] <= 'Z') ||
              code[i] == '.'))
            return 0;
    return 1;
}

static int name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > LGSP_NAME_MAX || !text_utf8_valid(name, n))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return 0;
    return 1;
}

static int db_err(struct derr *err)
{
    return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
}

int lgsp_organ_add(struct store *db, const char *organ, const char *name, int64_t now,
                   char token[LGSP_TOKEN_HEX + 1], struct derr *err)
{
    unsigned char raw[LGSP_TOKEN_HEX / 2], md[32];
    char hash[65];
    int64_t revoked = 0;
    if (!lgsp_organ_valid(organ))
        return derr_set(err, DERR_INVALID, "bad_organ",
                        "Mã đơn vị không hợp lệ (1–31 ký tự 0-9, A-Z và dấu chấm).", "organ");
    if (!name_valid(name))
        return derr_set(err, DERR_INVALID, "bad_name",
                        "Tên đơn vị phải có từ 1 đến 255 byte, không có ký tự điều khiển.", "name");
    int rc = store_int(db, "SELECT revoked_at IS NOT NULL FROM lgsp_organs WHERE organ = ?",
                       &revoked, BIND_TEXT(organ));
    if (rc < 0)
        return db_err(err);
    if (rc == STORE_ROW && !revoked)
        return derr_set(err, DERR_TAKEN, "organ_exists",
                        "Đơn vị này đã được đăng ký; thu hồi mã truy cập cũ trước khi cấp mới.",
                        "organ");
    if (random_bytes(raw, sizeof raw))
        return db_err(err);
    hex_encode(raw, sizeof raw, token);
    sha256(token, LGSP_TOKEN_HEX, md);
    hex_encode(md, sizeof md, hash);
    OPENSSL_cleanse(raw, sizeof raw);
    if (store_exec_all(db,
                       "INSERT INTO lgsp_organs(organ, name, token_sha256, created_at)"
                       " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(organ) DO UPDATE SET name = ?2,"
                       " token_sha256 = ?3, created_at = ?4, revoked_at = NULL",
                       BIND_TEXT(organ), BIND_TEXT(name), BIND_TEXT(hash), BIND_INT(now)))
        return db_err(err);
    return 0;
}

int lgsp_organ_revoke(struct store *db, const char *organ, int64_t now, struct derr *err)
{
    if (store_exec_all(db,
                       "UPDATE lgsp_organs SET revoked_at = ? WHERE organ = ? AND"
                       " revoked_at IS NULL",
                       BIND_INT(now), BIND_TEXT(organ)))
        return db_err(err);
    if (store_changes(db) == 0)
        return derr_set(err, DERR_NOT_FOUND, "unknown_organ",
                        "Không có đơn vị nào đang dùng mã truy cập với mã này.", "organ");
    return 0;
}

json_t *lgsp_organs_json(struct store *db)
{
    struct store_stmt *st;
    json_t *arr = json_array();
    if (!arr || store_prepare(db,
                              "SELECT o.organ, o.name, o.created_at, o.revoked_at,"
                              " (SELECT count(*) FROM lgsp_pending p WHERE p.organ = o.organ"
                              " AND p.confirmed_at IS NULL) FROM lgsp_organs o ORDER BY o.organ",
                              &st)) {
        json_decref(arr);
        return NULL;
    }
    int rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        json_t *o = json_pack("{ss ss sI so sI}", "organ", store_col_text(st, 0), "name",
                              store_col_text(st, 1), "created_at", (json_int_t)store_col_int(st, 2),
                              "revoked_at",
                              store_col_is_null(st, 3) ? json_null()
                                                       : json_integer(store_col_int(st, 3)),
                              "pending", (json_int_t)store_col_int(st, 4));
        if (!o || json_array_append_new(arr, o)) {
            rc = STORE_ERR;
            break;
        }
    }
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

static int read_hash(struct store_stmt *st, void *out)
{
    copy_str(out, 65, store_col_text(st, 0));
    return STORE_ROW;
}

int lgsp_auth(struct store *db, const char *organ, const char *token, struct derr *err)
{
    char stored[65] = "", hex[65];
    unsigned char md[32];
    if (!organ || !token || !lgsp_organ_valid(organ) || strlen(token) != LGSP_TOKEN_HEX)
        goto refused;
    int rc = store_one(db,
                       "SELECT token_sha256 FROM lgsp_organs WHERE organ = ? AND revoked_at IS NULL",
                       read_hash, stored, BIND_TEXT(organ));
    if (rc < 0)
        return db_err(err);
    if (rc != STORE_ROW || strlen(stored) != 64)
        goto refused;
    sha256(token, LGSP_TOKEN_HEX, md);
    hex_encode(md, sizeof md, hex);
    /* The hashes are compared whole, in constant time: how far a guess
     * matched says nothing. */
    if (CRYPTO_memcmp(hex, stored, 64) == 0)
        return 0;
refused:
    /* One answer for an unknown organisation, a revoked one and a wrong
     * token: a caller learns nothing of which organisations are here. */
    return derr_set(err, DERR_FORBIDDEN, "unauthorized",
                    "Mã đơn vị (from) hoặc mã truy cập (token) không đúng.", "token");
}

/* --- holding envelopes for an organisation ------------------------------ */

static int business_of(const struct edxml *e)
{
    return e->business.present && e->business.type > 0 ? e->business.type : EDXML_NEW;
}

int lgsp_hold(struct store *db, struct exchange_inbox *in, const char *organ)
{
    const struct edxml *e = &in->e;
    int status = e->kind == EDXML_STATUS;
    const char *kind = status ? "status" : "document";
    const char *id = status ? e->response_for.document_id : e->document_id;
    const char *code = status ? e->status_code : "";
    int business = status ? 0 : business_of(e);
    int64_t one;
    int rc = store_int(db, "SELECT 1 FROM lgsp_organs WHERE organ = ? AND revoked_at IS NULL",
                       &one, BIND_TEXT(organ));
    if (rc < 0)
        return db_err(&in->err);
    if (rc != STORE_ROW)
        return 0;
    /* The same key as the inbox's (exchange_messages_key): a replayed
     * envelope is held once. */
    rc = store_int(db,
                   "SELECT 1 FROM exchange_messages WHERE direction = 'in' AND kind = ? AND"
                   " edxml_id = ? AND from_organ = ? AND to_organ = ? AND business = ? AND"
                   " status_code = ? AND state = 'received'",
                   &one, BIND_TEXT(kind), BIND_TEXT(id), BIND_TEXT(e->from.organ_id),
                   BIND_TEXT(organ), BIND_INT(business), BIND_TEXT(code));
    if (rc < 0)
        return db_err(&in->err);
    if (rc == STORE_ROW) {
        in->duplicates++;
        return 1;
    }
    if (store_exec_all(
            db,
            "INSERT INTO exchange_messages(direction, kind, edxml_id, from_organ, to_organ,"
            " business, status_code, node_id, envelope_sha256, envelope_size, verdict, signer,"
            " directory_version, state, created_at, updated_at)"
            " VALUES ('in', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', ?, ?)",
            BIND_TEXT(kind), BIND_TEXT(id), BIND_TEXT(e->from.organ_id), BIND_TEXT(organ),
            BIND_INT(business), BIND_TEXT(code), BIND_TEXT(in->sender_node),
            BIND_TEXT(in->envelope_sha), BIND_INT(in->len),
            BIND_TEXT(in->v.weak ? "valid, weak (SHA-1)" : "valid"), BIND_TEXT(in->v.signer),
            BIND_INT(in->directory_version), BIND_INT(in->now), BIND_INT(in->now)))
        return db_err(&in->err);
    int64_t msg = store_last_insert_id(db);
    if (store_exec_all(db,
                       "INSERT INTO lgsp_pending(organ, message_id, kind, edxml_id, from_organ,"
                       " envelope_sha256, envelope_size, created_at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       BIND_TEXT(organ), BIND_INT(msg), BIND_TEXT(kind), BIND_TEXT(id),
                       BIND_TEXT(e->from.organ_id), BIND_TEXT(in->envelope_sha),
                       BIND_INT(in->len), BIND_INT(in->now)))
        return db_err(&in->err);
    in->created++;
    return 1;
}

/* --- sendDocument --------------------------------------------------------- */

/* Where a recipient on another node goes. On a hub the inbox's check has
 * put it among the envelopes to relay (in.relay), and the write job queues
 * it for that unit's node (docs/exchange.md "Hubs"): NULL. A node that is
 * not a hub relays nothing: "relay_not_available". */
static const char *relay(struct lgsp_send *s, const char *to)
{
    for (int i = 0; i < s->in.nrelay; i++)
        if (strcmp(s->in.relay[i], to) == 0)
            return NULL;
    return "relay_not_available";
}

int lgsp_send_check(struct lgsp_send *s, X509_STORE *anchors, const struct directory *d,
                    const char *self)
{
    struct exchange_inbox *in = &s->in;
    struct edxml peek;
    struct derr perr = {0};
    /* From must be the caller, and hosted here, before anything is kept: a
     * product sends for its own organisations only. This first read
     * believes nothing (the signature is checked next, and From read again
     * from what it signs); it only refuses early, before the file store is
     * written. An envelope that does not even parse is left to the inbox's
     * check, which says why. */
    int parsed = edxml_parse(in->data, in->len, &peek, &perr) == 0;
    int mine = parsed && strcmp(peek.from.organ_id, s->caller) == 0;
    const struct directory_node *home =
        mine && d ? directory_node_for_unit(d, peek.from.organ_id) : NULL;
    int elsewhere = home && self && strcmp(home->id, self) != 0;
    edxml_free(&peek); /* also after a failure */
    derr_clear(&perr);
    if (parsed && !mine)
        return derr_set(&in->err, DERR_FORBIDDEN, "not_your_organ",
                        "Đơn vị gửi (From) không phải đơn vị đã xác thực (from).", "From");
    if (elsewhere)
        return derr_set(&in->err, DERR_FORBIDDEN, "not_hosted_here",
                        "Danh bạ liên thông không đặt đơn vị gửi trên nút này.", "From");
    int rc = exchange_inbox_check(in, anchors, d, self);
    /* No recipient on this node: the envelope may still go elsewhere. */
    int none_here = rc && in->parsed == 2 && in->err.code && strcmp(in->err.code, "not_ours") == 0;
    if (rc && !none_here)
        return -1;
    const struct edxml *e = &in->e;
    if (strcmp(e->from.organ_id, s->caller) != 0) {
        derr_clear(&in->err);
        return derr_set(&in->err, DERR_FORBIDDEN, "not_your_organ",
                        "Đơn vị gửi (From) không phải đơn vị đã xác thực (from).", "From");
    }
    /* An organisation registered here that the directory puts on another
     * node is misconfigured: answers to it would go there. (Checked again
     * on what the signature covers.) */
    if (strcmp(in->sender_node, self ? self : "") != 0) {
        derr_clear(&in->err);
        return derr_set(&in->err, DERR_FORBIDDEN, "not_hosted_here",
                        "Danh bạ liên thông không đặt đơn vị gửi trên nút này.", "From");
    }
    /* The recipients this node does not host. */
    s->nremote = 0;
    int relayed = 0;
    size_t nto = e->kind == EDXML_STATUS ? 1 : e->nto;
    for (size_t i = 0; i < nto && s->nremote < LGSP_MAX_REMOTE; i++) {
        const char *to = e->kind == EDXML_STATUS ? e->response_for.organ_id : e->to[i].organ_id;
        const struct directory_node *n = d ? directory_node_for_unit(d, to) : NULL;
        if (n && self && strcmp(n->id, self) == 0)
            continue;
        copy_str(s->remote[s->nremote], sizeof s->remote[0], to);
        s->remote_code[s->nremote] = n ? relay(s, to) : "recipient_unknown";
        relayed += s->remote_code[s->nremote] == NULL;
        s->nremote++;
    }
    if (none_here) {
        derr_clear(&in->err);
        const char *field = e->kind == EDXML_STATUS ? "ResponseFor" : "To";
        if (relayed == 0 && s->nremote > 0 && strcmp(s->remote_code[0], "recipient_unknown") == 0)
            return derr_set(&in->err, DERR_INVALID, "recipient_unknown",
                            "Nơi nhận không có trong danh bạ liên thông.", field);
        if (relayed == 0)
            return derr_set(&in->err, DERR_INVALID, "relay_not_available",
                            "Nơi nhận không thuộc nút này; nút này không phải nút trục nên không "
                            "chuyển tiếp gói tin sang nút khác.",
                            field);
        return 1; /* relayed only: nothing to write on this node */
    }
    return 0;
}

/* --- the queue -------------------------------------------------------------- */

json_t *lgsp_pending_json(struct store *db, const char *organ, const char *kind)
{
    struct store_stmt *st;
    json_t *arr = json_array();
    if (!arr ||
        store_prepare_all(db,
                          "SELECT id, edxml_id, from_organ, kind,"
                          " strftime('%Y-%m-%dT%H:%M:%SZ', created_at, 'unixepoch')"
                          " FROM lgsp_pending WHERE organ = ? AND confirmed_at IS NULL AND"
                          " (?2 IS NULL OR kind = ?2) ORDER BY id LIMIT ?",
                          &st, BIND_TEXT(organ), BIND_TEXT(kind), BIND_INT(LGSP_PENDING_MAX))) {
        json_decref(arr);
        return NULL;
    }
    int rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)store_col_int(st, 0));
        json_t *o = json_pack("{ss ss ss ss ss}", "docId", id, "DocumentId", store_col_text(st, 1),
                              "from", store_col_text(st, 2), "messagetype",
                              strcmp(store_col_text(st, 3), "status") == 0 ? "status" : "edoc",
                              "created_time", store_col_text(st, 4));
        if (!o || json_array_append_new(arr, o)) {
            rc = STORE_ERR;
            break;
        }
    }
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

struct envelope_row {
    char *sha;
    int64_t *size;
};

static int read_envelope(struct store_stmt *st, void *out)
{
    struct envelope_row *row = out;
    copy_str(row->sha, 65, store_col_text(st, 0));
    *row->size = store_col_int(st, 1);
    return STORE_ROW;
}

int lgsp_envelope(struct store *db, const char *organ, int64_t doc_id, char sha[65],
                  int64_t *size)
{
    struct envelope_row row = {sha, size};
    return store_one(db,
                     "SELECT envelope_sha256, envelope_size FROM lgsp_pending WHERE id = ? AND"
                     " organ = ?",
                     read_envelope, &row, BIND_INT(doc_id), BIND_TEXT(organ));
}

int lgsp_confirm_job(struct store *db, void *arg)
{
    struct lgsp_confirm *c = arg;
    int64_t confirmed = 0;
    int rc = store_int(db,
                       "SELECT confirmed_at IS NOT NULL FROM lgsp_pending WHERE id = ? AND"
                       " organ = ?",
                       &confirmed, BIND_INT(c->doc_id), BIND_TEXT(c->organ));
    if (rc < 0)
        return db_err(&c->err);
    if (rc != STORE_ROW)
        return derr_set(&c->err, DERR_NOT_FOUND, "not_found",
                        "Không có văn bản này trong danh sách của đơn vị.", "docId");
    c->already = confirmed != 0;
    if (c->already)
        return 0;
    if (store_exec_all(db, "UPDATE lgsp_pending SET confirmed_at = ? WHERE id = ?",
                       BIND_INT(c->now), BIND_INT(c->doc_id)))
        return db_err(&c->err);
    return 0;
}

/* --- getOrganizations, checkExistDocument ---------------------------------- */

struct organ_name {
    char name[256];
    int lgsp;
};

static int read_name(struct store_stmt *st, void *out)
{
    struct organ_name *on = out;
    copy_str(on->name, sizeof on->name, store_col_text(st, 0));
    on->lgsp = store_col_int(st, 1) != 0;
    return STORE_ROW;
}

static int append_organ(json_t *arr, const char *code, const char *name, const char *node,
                        int lgsp)
{
    json_t *o = json_pack("{ss ss ss sb}", "OrganId", code, "OrganName", name, "node", node,
                          "lgsp", lgsp);
    return !o || json_array_append_new(arr, o) ? -1 : 0;
}

json_t *lgsp_organizations_json(struct store *db, const struct directory *d)
{
    json_t *arr = json_array();
    struct store_stmt *st = NULL;
    int rc = arr ? 0 : -1;
    for (size_t i = 0; rc == 0 && d && i < d->nnodes; i++) {
        const struct directory_node *n = &d->nodes[i];
        for (size_t k = 0; rc == 0 && k < n->nunits; k++) {
            struct organ_name on = {"", 0};
            /* An organisation of an e-office product is named by its
             * registration; the catalog names the units it knows. One
             * query per unit: a directory lists at most 20,000. */
            int q = store_one(db,
                              "SELECT name, 1 FROM lgsp_organs WHERE organ = ?1 AND revoked_at IS"
                              " NULL UNION ALL SELECT name, 0 FROM units WHERE code = ?1 LIMIT 1",
                              read_name, &on, BIND_TEXT(n->units[k]));
            rc = q < 0 ? -1 : append_organ(arr, n->units[k], on.name, n->id, on.lgsp);
        }
    }
    /* Organisations registered here that the directory does not list (yet):
     * no other node can reach them. */
    if (rc == 0 && store_prepare(db,
                                 "SELECT organ, name FROM lgsp_organs WHERE revoked_at IS NULL"
                                 " ORDER BY organ",
                                 &st) == 0) {
        while ((rc = store_step(st)) == STORE_ROW) {
            const char *code = store_col_text(st, 0);
            if (d && directory_node_for_unit(d, code))
                continue;
            if (append_organ(arr, code, store_col_text(st, 1), "", 1)) {
                rc = -1;
                break;
            }
        }
        rc = rc == STORE_DONE ? 0 : -1;
        store_done(st);
    } else {
        rc = -1;
    }
    if (rc) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

int lgsp_document_known(struct store *db, const char *organ, const char *edxml_id)
{
    int64_t one;
    int rc = store_int(db,
                       "SELECT 1 FROM exchange_messages WHERE direction = 'in' AND"
                       " kind = 'document' AND edxml_id = ?1 AND state = 'received' AND"
                       " (from_organ = ?2 OR to_organ = ?2) LIMIT 1",
                       &one, BIND_TEXT(edxml_id), BIND_TEXT(organ));
    return rc == STORE_ROW ? 1 : rc == STORE_DONE ? 0 : rc;
}
