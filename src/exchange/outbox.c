/* outbox: the node id, the exchange recipients of a draft, the rows
 * issuing and receiving queue, and the sender's view per recipient. */
#include "exchange/outbox.h"

#include <string.h>

#include "base/util.h"
#include "base/waker.h"
#include "exchange/directory.h"
#include "store/store.h"

static struct waker wake = WAKER_INIT;

void exchange_set_waker(void (*fn)(void *), void *arg)
{
    waker_set(&wake, fn, arg);
}

void exchange_after_commit(void)
{
    waker_fire(&wake);
}

static int read_text64(struct store_stmt *st, void *out)
{
    copy_str(out, EXCHANGE_NODE_ID_MAX, store_col_text(st, 0));
    return STORE_ROW;
}

int exchange_node_get(struct store *db, char out[EXCHANGE_NODE_ID_MAX])
{
    out[0] = 0;
    return store_one(db, "SELECT node_id FROM exchange_node WHERE id = 1", read_text64, out);
}

static int read_code(struct store_stmt *st, void *out)
{
    copy_str(out, 32, store_col_text(st, 0));
    return STORE_ROW;
}

int exchange_province(struct store *db, char out[32])
{
    out[0] = 0;
    return store_one(db, "SELECT code FROM units WHERE parent_id IS NULL ORDER BY id LIMIT 1",
                     read_code, out);
}

/* The installed directory, verified again at now. */
static int load_directory(struct store *db, int64_t now, struct directory *d, struct derr *err)
{
    char province[32];
    if (exchange_province(db, province) != STORE_ROW)
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
    return directory_load(db, province, now, d, NULL, NULL, err);
}

static int find_node(const struct directory *d, const char *id)
{
    for (size_t i = 0; i < d->nnodes; i++)
        if (strcmp(d->nodes[i].id, id) == 0)
            return 1;
    return 0;
}

int exchange_node_set(struct store *db, const char *node_id, int64_t now, struct derr *err)
{
    struct directory d = {0};
    if (load_directory(db, now, &d, err))
        return -1;
    int known = find_node(&d, node_id);
    directory_free(&d);
    if (!known)
        return derr_set(err, DERR_INVALID, "unknown_node",
                        "Danh bạ liên thông không có nút này.", "id");
    if (store_exec_all(db,
                       "INSERT INTO exchange_node(id, node_id, set_at) VALUES (1, ?, ?)"
                       " ON CONFLICT(id) DO UPDATE SET node_id = excluded.node_id,"
                       " set_at = excluded.set_at",
                       BIND_TEXT(node_id), BIND_INT(now)))
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
    return 0;
}

static int unknown(struct derr *err)
{
    return derr_set(err, DERR_INVALID, "recipient_unknown",
                    "Nơi nhận không có trong danh bạ liên thông", "recipients_exchange");
}

int exchange_check_recipients(struct store *db, const json_t *codes, const char *confidentiality,
                              int64_t now, struct derr *err)
{
    size_t n = codes ? json_array_size(codes) : 0;
    if (n == 0)
        return 0;
    if (!json_is_array(codes) || n > EXCHANGE_MAX_RECIPIENTS)
        return unknown(err);
    /* A secret document never leaves the unit's own server (the exchange
     * is for ordinary documents; Decree 30 keeps secrets on paper). */
    if (confidentiality && strcmp(confidentiality, "mat") == 0)
        return derr_set(err, DERR_INVALID, "secret_exchange",
                        "Văn bản mật không được gửi qua liên thông.", "recipients_exchange");
    char self[EXCHANGE_NODE_ID_MAX];
    int rc = exchange_node_get(db, self);
    if (rc < 0)
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
    struct directory d = {0};
    if (load_directory(db, now, &d, err)) {
        /* No usable directory: no recipient on another node is known. */
        derr_clear(err);
        return unknown(err);
    }
    rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *code = json_string_value(json_array_get(codes, i));
        const struct directory_node *node = code ? directory_node_for_unit(&d, code) : NULL;
        int twice = 0;
        for (size_t k = 0; code && k < i; k++)
            twice |= strcmp(code, json_string_value(json_array_get(codes, k))) == 0;
        /* A unit of this very node is an internal recipient, not an exchange one. */
        if (!node || twice || strcmp(node->id, self) == 0)
            rc = unknown(err);
    }
    directory_free(&d);
    return rc;
}

/* After an INSERT that queues (rc its result): the rows it wrote into *n
 * (may be NULL), and the sender woken after the commit when there are. */
static int queued(struct store *db, int rc, int *n)
{
    if (rc)
        return rc;
    int k = store_changes(db);
    if (n)
        *n = k;
    if (k)
        waker_note(&wake);
    return 0;
}

int exchange_queue_document(struct store *db, int64_t document_id, int64_t now, int *n)
{
    /* The DocumentId of QCVN 102: {OrganId},{yyyy/MM/dd},{number/notation}. */
    int rc = store_exec_all(
        db,
        "INSERT INTO exchange_messages(direction, kind, edxml_id, from_organ, to_organ,"
        " business, document_id, state, next_attempt_at, created_at, updated_at)"
        " SELECT 'out', 'document', u.code || ',' || replace(d.issued_on, '-', '/') || ','"
        " || d.notation, u.code, j.value,"
        /* A replacing document replaces for those who got the original. */
        " CASE WHEN EXISTS (SELECT 1 FROM exchange_messages o WHERE o.direction = 'out'"
        " AND o.kind = 'document' AND o.business IN (0, 3) AND o.document_id = d.replaces_id"
        " AND o.to_organ = j.value) THEN 3 ELSE 0 END, d.id, 'pending', ?, ?, ?"
        " FROM documents d JOIN units u ON u.id = d.unit_id, json_each(d.recipients_exchange) j"
        " WHERE d.id = ? AND true ON CONFLICT DO NOTHING",
        BIND_INT(now), BIND_INT(now), BIND_INT(now), BIND_INT(document_id));
    return queued(db, rc, n);
}

int exchange_queue_status(struct store *db, int64_t document_id, const char *code, int64_t now)
{
    return exchange_queue_answer(db, document_id, code, -1, now);
}

int exchange_queue_answer(struct store *db, int64_t document_id, const char *code, int business,
                          int64_t now)
{
    /* The incoming row of the document says where it came from. */
    int rc = store_exec_all(
        db,
        "INSERT INTO exchange_messages(direction, kind, edxml_id, from_organ, to_organ,"
        " business, status_code, document_id, node_id, state, next_attempt_at, created_at,"
        " updated_at)"
        " SELECT 'out', 'status', m.edxml_id, m.to_organ, m.from_organ,"
        " CASE WHEN ?4 < 0 THEN m.business ELSE ?4 END, ?1,"
        " m.document_id, m.node_id, 'pending', ?2, ?2, ?2 FROM exchange_messages m"
        " WHERE m.direction = 'in' AND m.kind = 'document' AND m.state = 'received'"
        " AND m.business IN (0, 3) AND m.document_id = ?3 AND true ON CONFLICT DO NOTHING",
        BIND_TEXT(code), BIND_INT(now), BIND_INT(document_id), BIND_INT(business));
    return queued(db, rc, NULL);
}

int exchange_queue_status_to(struct store *db, const char *edxml_id, const char *from,
                             const char *to, const char *code, int64_t now)
{
    int rc = store_exec_all(
        db,
        "INSERT INTO exchange_messages(direction, kind, edxml_id, from_organ, to_organ,"
        " status_code, state, next_attempt_at, created_at, updated_at)"
        " VALUES ('out', 'status', ?, ?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT DO NOTHING",
        BIND_TEXT(edxml_id), BIND_TEXT(from), BIND_TEXT(to), BIND_TEXT(code), BIND_INT(now),
        BIND_INT(now), BIND_INT(now));
    return queued(db, rc, NULL);
}

/* One message of business type to each recipient document_id was queued
 * for, after it in order: a recipient whose copy is still waiting gets the
 * copy, then this. */
static int queue_follow_up(struct store *db, int64_t document_id, int business, int64_t now,
                           int *n)
{
    int rc = store_exec_all(
        db,
        "INSERT INTO exchange_messages(direction, kind, edxml_id, from_organ, to_organ,"
        " business, document_id, state, next_attempt_at, created_at, updated_at)"
        " SELECT 'out', 'document', m.edxml_id, m.from_organ, m.to_organ, ?3, m.document_id,"
        " 'pending', ?1, ?1, ?1 FROM exchange_messages m WHERE m.direction = 'out'"
        " AND m.kind = 'document' AND m.business IN (0, 3) AND m.document_id = ?2"
        " AND m.state <> 'failed' ORDER BY m.id ON CONFLICT DO NOTHING",
        BIND_INT(now), BIND_INT(document_id), BIND_INT(business));
    return queued(db, rc, n);
}

int exchange_queue_revoke(struct store *db, int64_t document_id, int64_t now, int *n)
{
    return queue_follow_up(db, document_id, 1, now, n);
}

int exchange_queue_update(struct store *db, int64_t document_id, int64_t now, int *n)
{
    return queue_follow_up(db, document_id, 2, now, n);
}

int exchange_queue_relay(struct store *db, const char *kind, const char *edxml_id,
                         const char *from, const char *to, int business, const char *code,
                         const char *sha, int64_t size, int64_t now)
{
    int rc = store_exec_all(
        db,
        "INSERT INTO exchange_messages(direction, kind, edxml_id, from_organ, to_organ,"
        " business, status_code, envelope_sha256, envelope_size, verdict, relay, state,"
        " next_attempt_at, created_at, updated_at)"
        " VALUES ('out', ?, ?, ?, ?, ?, ?, ?, ?, 'relayed', 1, 'pending', ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        BIND_TEXT(kind), BIND_TEXT(edxml_id), BIND_TEXT(from), BIND_TEXT(to), BIND_INT(business),
        BIND_TEXT(code), BIND_TEXT(sha), BIND_INT(size), BIND_INT(now), BIND_INT(now),
        BIND_INT(now));
    return queued(db, rc, NULL);
}

json_t *exchange_deliveries_json(struct store *db, int64_t document_id)
{
    struct store_stmt *st;
    json_t *arr = json_array();
    if (!arr || store_prepare_all(db,
                                  "SELECT m.to_organ, coalesce(u.name, m.to_organ), m.node_id,"
                                  " m.state, m.attempts, m.last_error, m.last_status,"
                                  " m.last_status_at, m.updated_at, m.edxml_id"
                                  " FROM exchange_messages m LEFT JOIN units u"
                                  " ON u.code = m.to_organ WHERE m.direction = 'out'"
                                  " AND m.kind = 'document' AND m.business IN (0, 3)"
                                  " AND m.document_id = ? ORDER BY m.id",
                                  &st, BIND_INT(document_id))) {
        json_decref(arr);
        return NULL;
    }
    int rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        const char *status = store_col_text(st, 6);
        json_array_append_new(
            arr,
            json_pack("{ss ss ss ss sI ss s:o s:o sI ss}", "organ", store_col_text(st, 0),
                      "name", store_col_text(st, 1), "node", store_col_text(st, 2), "state",
                      store_col_text(st, 3), "attempts", (json_int_t)store_col_int(st, 4),
                      "last_error", store_col_text(st, 5), "status_code",
                      status[0] ? json_string(status) : json_null(), "status_at",
                      store_col_is_null(st, 7) ? json_null() : json_integer(store_col_int(st, 7)),
                      "updated_at", (json_int_t)store_col_int(st, 8), "document_id",
                      store_col_text(st, 9)));
    }
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}
