/* sender: claims due outgoing exchange messages, builds and signs their
 * envelope once, POSTs it to the recipient's node, records the outcome,
 * retries with backoff. */
#include "node/sender.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/util.h"
#include "catalog/unit.h"
#include "document/document.h"
#include "dossier/changes.h"
#include "dossier/filestore.h"
#include "exchange/directory.h"
#include "exchange/node_tls.h"
#include "exchange/edxml.h"
#include "exchange/edxml_sign.h"
#include "exchange/outbox.h"
#include "node/refresh.h"
#include "sign/http_fetch.h"
#include "sign/keys.h"
#include "sign/signer.h"
#include "store/store.h"

#define MAX_SLEEP_SEC 30
#define ERR_MAX 500
#define INBOX_PATH "/api/v1/exchange/inbox"

struct exchange_sender {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* CLOCK_MONOTONIC */
    int woken;
    atomic_int stopping;
    struct store *db;
    char data_dir[1024], files_dir[1100];
    double scale;
    double timeout_scale; /* MOTCUA_EXCHANGE_TIMEOUT_SCALE: the POST's timeouts */
    char claim[33];
    int64_t refresh_every, next_refresh; /* seconds; CLOCK_MONOTONIC seconds */
    /* The thread preparing envelopes ahead (see "preparing ahead" below),
     * itself a struct exchange_sender with its own connection; NULL in it
     * (and when it could not start). */
    struct exchange_sender *ahead;
    /* The preparer's: rows it could not prepare (left to the sender, which
     * meets the same failure at its attempt and records it), the latest
     * 16, so that each is tried and logged once. */
    int64_t failed[16];
    size_t nfailed;
};

/* One claimed row. */
struct claimed {
    int64_t id, document_id;
    int attempts, is_status, business;
    char edxml_id[512];
    char from[32], to[32], code[3];
    char sha[65];
};

long exchange_backoff(int attempts, double scale)
{
    double d = 10;
    for (int i = 1; i < attempts && d < 3600; i++)
        d *= 2;
    if (d > 3600)
        d = 3600;
    d *= scale;
    return d < 1 ? 1 : (long)d;
}

static void wake_cb(void *arg) { exchange_sender_wake(arg); }

void exchange_sender_wake(struct exchange_sender *s)
{
    pthread_mutex_lock(&s->lock);
    s->woken = 1;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
    if (s->ahead)
        exchange_sender_wake(s->ahead);
}

/* A row that may go now: pending, due, and the oldest of its recipient
 * still waiting (a recipient gets its messages in the order they were
 * queued, also after an outage: the later ones wait for the first). */
#define HEAD                                                                                       \
    " AND NOT EXISTS (SELECT 1 FROM exchange_messages e WHERE e.direction = 'out' AND"             \
    " e.to_organ = m.to_organ AND e.state IN ('pending', 'sending') AND e.id < m.id)"
#define DUE_AT(p) " m.state = 'pending' AND m.direction = 'out' AND m.next_attempt_at <= " p HEAD
#define DUE DUE_AT("?")
#define DUE2 DUE_AT("?2")

/* The columns of a row the sender or the preparer works on, in the order
 * read_claimed reads them. */
#define CLAIMED_COLUMNS                                                                            \
    "id, kind, edxml_id, from_organ, to_organ, status_code, coalesce(document_id, 0),"             \
    " coalesce(envelope_sha256, ''), attempts, business"

static void read_claimed(struct store_stmt *st, struct claimed *m)
{
    m->id = store_col_int(st, 0);
    m->is_status = strcmp(store_col_text(st, 1), "status") == 0;
    copy_str(m->edxml_id, sizeof m->edxml_id, store_col_text(st, 2));
    copy_str(m->from, sizeof m->from, store_col_text(st, 3));
    copy_str(m->to, sizeof m->to, store_col_text(st, 4));
    copy_str(m->code, sizeof m->code, store_col_text(st, 5));
    m->document_id = store_col_int(st, 6);
    copy_str(m->sha, sizeof m->sha, store_col_text(st, 7));
    m->attempts = (int)store_col_int(st, 8);
    m->business = (int)store_col_int(st, 9);
}

static int claim_next(struct exchange_sender *s, int64_t now, struct claimed *m)
{
    struct store_stmt *st;
    int64_t any;
    /* A read first: the claim takes the write lock. */
    int rc = store_int(s->db, "SELECT 1 FROM exchange_messages m WHERE" DUE " LIMIT 1", &any,
                       BIND_INT(now));
    if (rc != STORE_ROW)
        return rc;
    rc = store_prepare_all(s->db,
                           "UPDATE exchange_messages SET state = 'sending', attempts = attempts"
                           " + 1, claim = ?1, claimed_at = ?2, updated_at = ?2 WHERE id ="
                           " (SELECT id FROM exchange_messages m WHERE" DUE2
                           " ORDER BY id LIMIT 1)"
                           " RETURNING " CLAIMED_COLUMNS,
                           &st, BIND_TEXT(s->claim), BIND_INT(now));
    if (rc)
        return rc;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        read_claimed(st, m);
        int fin;
        while ((fin = store_step(st)) == STORE_ROW)
            ;
        if (fin != STORE_DONE)
            rc = fin < 0 ? fin : STORE_ERR;
    }
    store_done(st);
    return rc;
}

/* Records the outcome; retried while the database is busy. */
static void record(struct exchange_sender *s, const struct claimed *m, const char *state,
                   int64_t next_at, const char *error, const char *hop, int64_t version)
{
    /* The node it went to and the directory that said so are written with
     * the outcome: one commit (one fsync) per attempt, not two. */
    for (int tries = 0; tries < 10; tries++) {
        if (store_exec_all(s->db,
                           "UPDATE exchange_messages SET state = ?1, next_attempt_at = ?2,"
                           " last_error = ?3, claim = NULL, updated_at = ?4,"
                           " node_id = CASE WHEN ?7 = '' THEN node_id ELSE ?7 END,"
                           " directory_version = CASE WHEN ?8 > 0 THEN ?8"
                           " ELSE directory_version END"
                           " WHERE id = ?5 AND claim = ?6 AND state = 'sending'",
                           BIND_TEXT(state), BIND_INT(next_at), BIND_TEXT(error),
                           BIND_INT(now_unix()), BIND_INT(m->id), BIND_TEXT(s->claim),
                           BIND_TEXT(hop), BIND_INT(version)) == 0)
            return;
        log_error("exchange: cannot record message %lld as %s: %s", (long long)m->id, state,
                  store_errmsg(s->db));
        struct timespec pause = {0, 200 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

/* --- building the envelope ----------------------------------------------- */

/* The unit's code, name and level into u. */
static int unit_of(struct store *db, const char *code, struct unit *u)
{
    return unit_by_code(db, code, u) == STORE_ROW ? 0 : -1;
}

static void organ(struct edxml *e, struct edxml_organ *o, const char *code, const char *name)
{
    o->organ_id = edxml_strdup(e, code);
    o->organ_name = edxml_strdup(e, name);
}

struct text_out {
    char *buf;
    size_t len;
};

static int read_text(struct store_stmt *st, void *arg)
{
    struct text_out *t = arg;
    copy_str(t->buf, t->len, store_col_text(st, 0));
    return STORE_ROW;
}

/* An update's Bussiness: the document's recipients on other nodes now
 * (DocumentReceiver 1, the ReceiverList), the same DocumentId. */
static int receiver_list(struct exchange_sender *s, const struct claimed *m, struct edxml *e,
                         char *err, size_t errlen)
{
    char text[EXCHANGE_MAX_RECIPIENTS * 40] = "";
    struct text_out out = {text, sizeof text};
    json_t *list = NULL;
    if (store_one(s->db, "SELECT recipients_exchange FROM documents WHERE id = ?", read_text,
                  &out, BIND_INT(m->document_id)) != STORE_ROW ||
        !(list = json_loads(text, 0, NULL)) || !json_is_array(list)) {
        json_decref(list);
        snprintf(err, errlen, "the recipients of message %lld cannot be read", (long long)m->id);
        return -1;
    }
    size_t n = json_array_size(list);
    e->business.document_id = edxml_strdup(e, m->edxml_id);
    e->business.document_info = 0;
    e->business.document_receiver = 1;
    e->business.receivers = edxml_alloc(e, (n ? n : 1) * sizeof *e->business.receivers);
    for (size_t i = 0; e->business.receivers && i < n; i++) {
        const char *code = json_string_value(json_array_get(list, i));
        struct edxml_receiver *r = &e->business.receivers[e->business.nreceivers++];
        r->organ_id = edxml_strdup(e, code ? code : "");
        r->receiver_type = 1;
    }
    json_decref(list);
    return 0;
}

/* The Bussiness part of m's envelope: new; a revoke of the same DocumentId
 * with the recall's reason; or a replacement naming the DocumentId the
 * recipient got of the document replaced. */
static int business_of(struct exchange_sender *s, const struct claimed *m, struct edxml *e,
                       char *err, size_t errlen)
{
    char text[1024 * 4] = "";
    struct text_out out = {text, sizeof text};
    e->business.type = m->business;
    if (m->business == EDXML_NEW)
        return 0;
    if (m->business == EDXML_UPDATE)
        return receiver_list(s, m, e, err, errlen);
    int rc = m->business == EDXML_REVOKE
                 ? store_one(s->db,
                             "SELECT reason FROM document_marks WHERE document_id = ? AND"
                             " kind = 'recalled'",
                             read_text, &out, BIND_INT(m->document_id))
                 : store_one(s->db,
                              "SELECT o.edxml_id FROM documents d JOIN exchange_messages o"
                              " ON o.document_id = d.replaces_id WHERE d.id = ? AND"
                              " o.direction = 'out' AND o.kind = 'document' AND"
                             " o.business IN (0, 3) AND o.to_organ = ? ORDER BY o.id LIMIT 1",
                             read_text, &out, BIND_INT(m->document_id), BIND_TEXT(m->to));
    if (rc != STORE_ROW) {
        snprintf(err, errlen, "the %s of message %lld cannot be read",
                 m->business == EDXML_REVOKE ? "recall" : "replaced document", (long long)m->id);
        return -1;
    }
    if (m->business == EDXML_REVOKE) {
        e->business.reason = edxml_strdup(e, text);
        e->business.document_id = edxml_strdup(e, m->edxml_id);
    } else {
        e->business.document_id = edxml_strdup(e, text);
    }
    return 0;
}

/* A document envelope for m from the issued document. */
static int build_document(struct exchange_sender *s, const struct claimed *m, struct edxml *e,
                          char **xml, size_t *len, char *err, size_t errlen)
{
    struct store_stmt *st;
    struct unit u, to;
    char place[256] = "", number[32] = "", notation[DOCUMENT_NOTATION_MAX] = "";
    char summary[DOCUMENT_SUMMARY_MAX * 4 + 1] = "", type_name[160] = "", pdf_sha[65] = "";
    char signer[256] = "", title[DOCUMENT_TITLE_MAX * 4 + 1] = "", issued_on[11] = "";
    int rc = store_prepare_all(s->db,
                               "SELECT d.number, d.notation, d.issued_on, d.summary,"
                               " coalesce(t.name, ''), d.sha256, coalesce(a.full_name, ''),"
                               " d.signer_title FROM documents d LEFT JOIN document_types t"
                               " ON t.code = d.type_code LEFT JOIN accounts a"
                               " ON a.id = d.signer_id WHERE d.id = ? AND d.state = 'issued'",
                               &st, BIND_INT(m->document_id));
    if (rc) {
        snprintf(err, errlen, "cannot read the document");
        return -1;
    }
    rc = store_step(st);
    if (rc == STORE_ROW) {
        snprintf(number, sizeof number, "%lld", (long long)store_col_int(st, 0));
        copy_str(notation, sizeof notation, store_col_text(st, 1));
        copy_str(issued_on, sizeof issued_on, store_col_text(st, 2));
        copy_str(summary, sizeof summary, store_col_text(st, 3));
        copy_str(type_name, sizeof type_name, store_col_text(st, 4));
        copy_str(pdf_sha, sizeof pdf_sha, store_col_text(st, 5));
        copy_str(signer, sizeof signer, store_col_text(st, 6));
        copy_str(title, sizeof title, store_col_text(st, 7));
    }
    store_done(st);
    if (rc != STORE_ROW || unit_of(s->db, m->from, &u)) {
        snprintf(err, errlen, "the issued document %lld is missing", (long long)m->document_id);
        return -1;
    }
    size_t pdf_len = 0;
    unsigned char *pdf = filestore_read_all(s->files_dir, pdf_sha, EDXML_MAX_ATTACHMENT, &pdf_len);
    if (!pdf) {
        snprintf(err, errlen, "the issued PDF cannot be read or is over 7 MiB");
        return -1;
    }
    document_place(u.name, u.level, place, sizeof place);
    const char *slash = strchr(notation, '/');
    e->kind = EDXML_DOCUMENT;
    organ(e, &e->from, u.code, u.name);
    e->to = edxml_alloc(e, sizeof *e->to);
    e->nto = 1;
    if (e->to)
        organ(e, &e->to[0], m->to, unit_of(s->db, m->to, &to) == 0 ? to.name : "");
    e->document_id = edxml_strdup(e, m->edxml_id);
    e->code_number = edxml_strdup(e, number);
    e->code_notation = edxml_strdup(e, slash ? slash + 1 : notation);
    e->place = edxml_strdup(e, place);
    copy_str(e->promulgation_date, sizeof e->promulgation_date, issued_on);
    e->type = -1;
    e->type_detail = -1;
    e->type_name = edxml_strdup(e, type_name);
    e->subject = edxml_strdup(e, summary);
    e->signer_competence = edxml_strdup(e, "");
    e->signer_position = edxml_strdup(e, title);
    e->signer_full_name = edxml_strdup(e, signer);
    e->priority = e->promulgation_amount = e->page_amount = e->direction = -1;
    e->steering_type = 0;
    e->business.paper = 0;
    e->business.document_info = e->business.document_receiver = -1;
    if (business_of(s, m, e, err, errlen)) {
        free(pdf);
        return -1;
    }
    /* A revoke or an update names the document; its content is not sent again. */
    if (m->business != EDXML_REVOKE && m->business != EDXML_UPDATE) {
        e->manifest = edxml_alloc(e, sizeof *e->manifest);
        e->attachments = edxml_alloc(e, sizeof *e->attachments);
    }
    if (e->manifest && e->attachments) {
        char name[160];
        snprintf(name, sizeof name, "%s.pdf", number);
        e->nmanifest = e->nattachments = 1;
        e->manifest[0].content_id = edxml_strdup(e, "1");
        e->manifest[0].content_type = edxml_strdup(e, "application/pdf");
        e->manifest[0].attachment_name = edxml_strdup(e, name);
        e->attachments[0].content_id = edxml_strdup(e, "1");
        e->attachments[0].content_type = edxml_strdup(e, "application/pdf");
        e->attachments[0].attachment_name = edxml_strdup(e, name);
        /* e does not own the bytes: they are freed below, after building. */
        e->attachments[0].data = pdf;
        e->attachments[0].len = pdf_len;
    }
    struct derr derr = {0};
    rc = edxml_build(e, xml, len, &derr);
    if (e->attachments)
        e->attachments[0].data = NULL;
    free(pdf);
    if (rc) {
        snprintf(err, errlen, "envelope: %s", derr.message);
        derr_clear(&derr);
    }
    return rc;
}

/* A status envelope for m, about the incoming document m->document_id. */
static int build_status(struct exchange_sender *s, const struct claimed *m, struct edxml *e,
                        char **xml, size_t *len, char *err, size_t errlen)
{
    struct unit u;
    if (unit_of(s->db, m->from, &u)) {
        snprintf(err, errlen, "unit %s is missing", m->from);
        return -1;
    }
    e->kind = EDXML_STATUS;
    organ(e, &e->from, u.code, u.name);
    e->response_for.present = 1;
    e->response_for.organ_id = edxml_strdup(e, m->to);
    e->response_for.code = edxml_strdup(e, "");
    e->response_for.document_id = edxml_strdup(e, m->edxml_id);
    memcpy(e->status_code, m->code, sizeof e->status_code);
    e->description = edxml_strdup(e, "");
    time_t now = (time_t)now_unix();
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(e->timestamp, sizeof e->timestamp, "%Y-%m-%dT%H:%M:%S", &tm);
    struct derr derr = {0};
    int rc = edxml_build(e, xml, len, &derr);
    if (rc) {
        snprintf(err, errlen, "status envelope: %s", derr.message);
        derr_clear(&derr);
    }
    return rc;
}

/* Builds, signs with the unit's seal and stores the envelope of m, and
 * records its hash on the row. ahead: the preparer's, for a row still
 * pending and without an envelope only (the sender may have claimed it
 * meanwhile: then it makes its own and this one is not recorded).
 * Returns 0, 1 (ahead: the row was no longer waiting for an envelope),
 * or -1 with err. */
static int make_envelope(struct exchange_sender *s, struct claimed *m, int ahead, char *err,
                         size_t errlen)
{
    struct edxml e;
    memset(&e, 0, sizeof e);
    char *xml = NULL, *signed_xml = NULL;
    size_t len = 0, slen = 0;
    struct signer *sg = NULL;
    struct derr derr = {0};
    struct unit u;
    int rc = m->is_status ? build_status(s, m, &e, &xml, &len, err, errlen)
                          : build_document(s, m, &e, &xml, &len, err, errlen);
    edxml_free(&e);
    if (rc)
        goto done;
    rc = -1;
    if (unit_of(s->db, m->from, &u) ||
        keys_signer(s->db, s->data_dir, u.id, 0, now_unix(), &sg, &derr) ||
        edxml_sign(xml, len, sg, &signed_xml, &slen, &derr)) {
        snprintf(err, errlen, "signing: %s",
                 derr.message[0] ? derr.message : "the unit is missing");
        goto done;
    }
    if (exchange_file_put(s->files_dir, signed_xml, slen, m->sha)) {
        snprintf(err, errlen, "cannot store the envelope");
        goto done;
    }
    if (store_exec_all(s->db,
                       ahead ? "UPDATE exchange_messages SET envelope_sha256 = ?, envelope_size ="
                               " ?, verdict = 'signed' WHERE id = ? AND state = 'pending' AND"
                               " envelope_sha256 IS NULL"
                             : "UPDATE exchange_messages SET envelope_sha256 = ?, envelope_size ="
                               " ?, verdict = 'signed' WHERE id = ?",
                       BIND_TEXT(m->sha), BIND_INT(slen), BIND_INT(m->id))) {
        snprintf(err, errlen, "cannot record the envelope");
        m->sha[0] = 0;
        goto done;
    }
    /* Not unlinked when not recorded: an RSA seal signs the same bytes
     * twice the same, so the file may be the sender's own. */
    rc = ahead && store_changes(s->db) == 0 ? 1 : 0;
done:
    derr_clear(&derr);
    signer_free(sg);
    free(xml);
    free(signed_xml);
    return rc;
}

/* --- the transport --------------------------------------------------------- */

enum outcome { OUT_DELIVERED, OUT_RETRY, OUT_REFUSED };

/* A timeout of `sec` seconds times the scale, at least one second. */
static long scaled_timeout(long sec, double scale)
{
    double d = sec * scale;
    return d < 1 ? 1 : (long)d;
}

/* POSTs the envelope to the node's inbox. At an https address, mutual
 * TLS: this node's certificate as the client's, and only the certificate
 * the directory lists for node accepted (exchange/node_tls.h). */
static enum outcome post_envelope(const struct exchange_sender *s,
                                  const struct directory_node *node, const unsigned char *env,
                                  size_t len, char *err, size_t errlen)
{
    char url[512];
    size_t alen = strlen(node->address);
    while (alen > 0 && node->address[alen - 1] == '/')
        alen--;
    snprintf(url, sizeof url, "%.*s%s", (int)alen, node->address, INBOX_PATH);
    static const char *const headers[] = {"Content-Type: application/xml"};
    struct fetch_request r = {.url = url,
                              .protocols = "http,https",
                              .body = env,
                              .body_len = len,
                              .headers = headers,
                              .nheaders = 1,
                              .connect_timeout = scaled_timeout(10, s->timeout_scale),
                              .timeout = scaled_timeout(60, s->timeout_scale),
                              .max_answer = 65536};
    struct node_tls_client tls;
    if (node_tls_client_init(&tls, s->data_dir, node)) {
        snprintf(err, errlen, "%s: out of memory", node->id);
        return OUT_RETRY;
    }
    node_tls_client_apply(&tls, &r);
    unsigned char *answer = NULL;
    size_t answer_len = 0;
    long status = 0;
    char why[256] = "";
    enum fetch_outcome o = fetch_http(&r, &answer, &answer_len, &status, why, sizeof why);
    free(answer);
    node_tls_client_free(&tls);
    switch (o) {
    case FETCH_OK:
    case FETCH_EMPTY:
        return OUT_DELIVERED;
    case FETCH_STATUS:
        snprintf(err, errlen, "%s answered HTTP %ld", node->id, status);
        if (status >= 200 && status < 300)
            return OUT_DELIVERED;
        /* The receiver refused this envelope for good (bad signature, not
         * its unit): sending it again changes nothing. */
        return status >= 400 && status < 500 && status != 408 && status != 429 ? OUT_REFUSED
                                                                                : OUT_RETRY;
    default:
        snprintf(err, errlen, "%s unreachable: %s", node->id, why[0] ? why : "no answer");
        return OUT_RETRY;
    }
}

static void deliver(struct exchange_sender *s, struct claimed *m)
{
    char err[ERR_MAX] = "", province[32];
    struct directory d = {0};
    struct derr derr = {0};
    unsigned char *env = NULL;
    size_t len = 0;
    int64_t now = now_unix();
    enum outcome o = OUT_RETRY;
    const struct directory_node *node = NULL;
    char hop[EXCHANGE_NODE_ID_MAX] = "";
    int64_t version = 0;
    if (exchange_province(s->db, province) != STORE_ROW ||
        directory_load(s->db, province, now, &d, NULL, NULL, &derr)) {
        snprintf(err, sizeof err, "no usable directory: %s", derr.message);
        goto out;
    }
    const struct directory_node *dest = directory_node_for_unit(&d, m->to);
    if (!dest) {
        snprintf(err, sizeof err, "no node hosts %s in directory version %lld", m->to,
                 (long long)d.version);
        goto out;
    }
    /* Through the hubs (docs/exchange.md "Hubs"); straight to dest when
     * this node has no upstream. */
    char self[EXCHANGE_NODE_ID_MAX] = "";
    if (exchange_node_get(s->db, self) < 0) {
        snprintf(err, sizeof err, "cannot read this node's id");
        goto out;
    }
    /* A unit of this very node: an e-office product's organisation (the LGSP
     * interface), reached through this node's own inbox. */
    node = !self[0] || strcmp(dest->id, self) == 0 ? dest : directory_next_hop(&d, self, dest);
    if (!node) {
        snprintf(err, sizeof err, "no way to %s's node %s from %s in directory version %lld",
                 m->to, dest->id, self, (long long)d.version);
        goto out;
    }
    if (!m->sha[0] && make_envelope(s, m, 0, err, sizeof err))
        goto out;
    env = filestore_read_all(s->files_dir, m->sha, EDXML_MAX_SIZE, &len);
    if (!env) {
        snprintf(err, sizeof err, "the envelope %s cannot be read", m->sha);
        goto out;
    }
    copy_str(hop, sizeof hop, node->id);
    version = d.version;
    o = post_envelope(s, node, env, len, err, sizeof err);
out:
    free(env);
    directory_free(&d);
    derr_clear(&derr);
    if (o == OUT_DELIVERED) {
        record(s, m, "delivered", now, "", hop, version);
        log_info("exchange: message %lld (%s) delivered to %s", (long long)m->id, m->edxml_id,
                 m->to);
    } else if (o == OUT_REFUSED) {
        log_warn("exchange: message %lld refused: %s", (long long)m->id, err);
        record(s, m, "failed", now, err, hop, version);
    } else {
        long delay = exchange_backoff(m->attempts, s->scale);
        /* From the attempt's end, not its start: an attempt that timed out
         * (a minute) would otherwise be due again at once. */
        now = now_unix();
        log_warn("exchange: message %lld, attempt %d: %s; next in %ld s", (long long)m->id,
                 m->attempts, err, delay);
        record(s, m, "pending", now + delay, err, hop, version);
    }
}

static int deliver_due(struct exchange_sender *s)
{
    while (!atomic_load(&s->stopping)) {
        struct claimed m;
        memset(&m, 0, sizeof m);
        int rc = claim_next(s, now_unix(), &m);
        if (rc == STORE_DONE)
            return 0;
        if (rc != STORE_ROW) {
            log_error("exchange: cannot claim a message: %s", store_errmsg(s->db));
            return rc;
        }
        deliver(s, &m);
        /* One place freed in the recipient's window: the next to prepare. */
        if (s->ahead)
            exchange_sender_wake(s->ahead);
    }
    return 0;
}

static int64_t next_wait(struct exchange_sender *s)
{
    int64_t at = 0, wait = MAX_SLEEP_SEC;
    /* The first of each recipient only: the others wait for it, not for
     * their own time (else a later one due now would wake the loop at once). */
    if (store_int(s->db,
                  "SELECT min(m.next_attempt_at) FROM exchange_messages m WHERE"
                  " m.state = 'pending' AND m.direction = 'out'" HEAD,
                  &at) == STORE_ROW &&
        at > 0 && at - now_unix() < wait)
        wait = at - now_unix();
    return wait < 0 ? 0 : wait;
}

static int64_t monotonic_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* The directory from the upstream hub, when it is time (node/refresh.h);
 * the seconds until the next time. */
static int64_t refresh_due(struct exchange_sender *s)
{
    int64_t now = monotonic_now();
    if (now >= s->next_refresh) {
        node_directory_refresh(s->db, s->data_dir, now_unix());
        s->next_refresh = now + s->refresh_every;
    }
    return s->next_refresh - now;
}

static void *sender_main(void *arg)
{
    struct exchange_sender *s = arg;
    while (!atomic_load(&s->stopping)) {
        pthread_mutex_lock(&s->lock);
        s->woken = 0;
        pthread_mutex_unlock(&s->lock);
        int64_t refresh = refresh_due(s);
        int64_t wait = deliver_due(s) ? 1 : next_wait(s);
        if (refresh < wait)
            wait = refresh;
        if (wait <= 0)
            continue;
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += wait;
        pthread_mutex_lock(&s->lock);
        while (!s->woken && !atomic_load(&s->stopping))
            if (pthread_cond_timedwait(&s->cond, &s->lock, &until))
                break;
        pthread_mutex_unlock(&s->lock);
    }
    return NULL;
}

/* --- preparing ahead ------------------------------------------------------ */

/* Per recipient the sender works one message at a time (in order: the next
 * waits for the answer to the one before), and building, signing and
 * storing an envelope (a commit and two fsyncs) took a third of that time.
 * A second thread builds, signs and stores the envelopes of the next
 * AHEAD - 1 messages of each recipient while the sender POSTs the first,
 * as the sender would at their first attempt (the same bytes are then
 * sent, also on every retry). It never takes the first of a recipient (the
 * sender's) nor a row already claimed; if the sender claims one while it
 * is being signed, the sender makes its own and the preparer's is not
 * recorded. It decides nothing about delivery: order and exactly-once stay
 * the sender's and the receiver's. */
#define AHEAD 8
#define AHEAD_STR "8"

/* The next row after id `after` to prepare into m: pending, no envelope,
 * behind the first of its recipient but among its first AHEAD.
 * STORE_ROW, STORE_DONE or a store error. */
static int next_to_prepare(struct exchange_sender *p, int64_t after, struct claimed *m)
{
    struct store_stmt *st;
    int rc = store_prepare_all(
        p->db,
        "SELECT " CLAIMED_COLUMNS " FROM exchange_messages m"
        " WHERE m.direction = 'out' AND m.state = 'pending' AND m.envelope_sha256 IS NULL"
        " AND m.id > ? AND (SELECT count(*) FROM (SELECT 1 FROM exchange_messages e"
        " WHERE e.direction = 'out' AND e.to_organ = m.to_organ AND e.state IN ('pending',"
        " 'sending') AND e.id < m.id LIMIT " AHEAD_STR ")) BETWEEN 1 AND " AHEAD_STR " - 1"
        " ORDER BY m.id LIMIT 1",
        &st, BIND_INT(after));
    if (rc)
        return rc;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        read_claimed(st, m);
    }
    store_done(st);
    return rc;
}

static int prep_failed(const struct exchange_sender *p, int64_t id)
{
    for (size_t i = 0; i < sizeof p->failed / sizeof p->failed[0]; i++)
        if (p->failed[i] == id)
            return 1;
    return 0;
}

static void *prepare_main(void *arg)
{
    struct exchange_sender *p = arg;
    int64_t after = 0;
    while (!atomic_load(&p->stopping)) {
        pthread_mutex_lock(&p->lock);
        p->woken = 0;
        pthread_mutex_unlock(&p->lock);
        struct claimed m;
        memset(&m, 0, sizeof m);
        int rc = next_to_prepare(p, after, &m);
        if (rc == STORE_ROW) {
            char err[ERR_MAX] = "";
            after = m.id;
            if (!prep_failed(p, m.id) && make_envelope(p, &m, 1, err, sizeof err) < 0) {
                log_warn("exchange: message %lld not prepared ahead (left to the sender): %s",
                         (long long)m.id, err);
                p->failed[p->nfailed++ % (sizeof p->failed / sizeof p->failed[0])] = m.id;
            }
            continue;
        }
        if (rc != STORE_DONE)
            log_error("exchange: cannot look for messages to prepare: %s", store_errmsg(p->db));
        after = 0;
        /* Woken by the sender after each delivery and when rows are queued;
         * the timeout is only a safety net. */
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += MAX_SLEEP_SEC;
        pthread_mutex_lock(&p->lock);
        while (!p->woken && !atomic_load(&p->stopping))
            if (pthread_cond_timedwait(&p->cond, &p->lock, &until))
                break;
        pthread_mutex_unlock(&p->lock);
    }
    return NULL;
}

/* The sender's and the preparer's own connection commits without waiting
 * for the disk (synchronous=NORMAL; the server's writer keeps FULL, and
 * its next commit makes these durable too). What they write is
 * bookkeeping whose loss in a power cut costs a message sent again, which
 * the receiver counts once by its key: a claim, an outcome, an envelope
 * prepared ahead (lost, the sender signs another; the receiver keeps the
 * one it took first). Each commit saved is an fsync of the chain a message
 * waits for (docs/performance.md "Documents between nodes"). */
static int bookkeeping_only(struct store *db)
{
    return store_exec(db, "PRAGMA synchronous=NORMAL");
}

static void free_sender(struct exchange_sender *s);

/* Starts s's preparer; without one (logged) the sender works alone. */
static void start_ahead(const char *db_path, struct exchange_sender *s)
{
    char err[256] = "";
    struct exchange_sender *p = calloc(1, sizeof *p);
    if (!p) {
        log_warn("exchange: no envelopes prepared ahead: out of memory");
        return;
    }
    copy_str(p->data_dir, sizeof p->data_dir, s->data_dir);
    copy_str(p->files_dir, sizeof p->files_dir, s->files_dir);
    p->scale = s->scale;
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (store_open(db_path, 0, &p->db, err, sizeof err) || bookkeeping_only(p->db) ||
        thread_start(&p->thread, prepare_main, p)) {
        log_warn("exchange: no envelopes prepared ahead: %s", err[0] ? err : "no thread");
        free_sender(p);
        return;
    }
    s->ahead = p;
}

static void stop_ahead(struct exchange_sender *s)
{
    struct exchange_sender *p = s->ahead;
    if (!p)
        return;
    s->ahead = NULL;
    pthread_mutex_lock(&p->lock);
    atomic_store(&p->stopping, 1);
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    free_sender(p);
}

static void free_sender(struct exchange_sender *s)
{
    store_close(s->db);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s);
}

int exchange_sender_start(const char *db_path, const char *data_dir, const char *files_dir,
                          struct exchange_sender **out, char *err, size_t errlen)
{
    *out = NULL;
    struct exchange_sender *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    copy_str(s->data_dir, sizeof s->data_dir, data_dir);
    copy_str(s->files_dir, sizeof s->files_dir, files_dir);
    s->scale = 1;
    const char *env = getenv("MOTCUA_EXCHANGE_BACKOFF_SCALE");
    if (env && *env) {
        char *end;
        s->scale = strtod(env, &end);
        if (*end || !(s->scale >= 0 && s->scale <= 100)) {
            snprintf(err, errlen, "MOTCUA_EXCHANGE_BACKOFF_SCALE must be a number from 0 to 100");
            free(s);
            return -1;
        }
    }
    s->refresh_every = NODE_REFRESH_DEFAULT_SECONDS;
    env = getenv("MOTCUA_DIRECTORY_REFRESH_SECONDS");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end || v < 1 || v > 86400) {
            snprintf(err, errlen, "MOTCUA_DIRECTORY_REFRESH_SECONDS must be 1 to 86400");
            free(s);
            return -1;
        }
        s->refresh_every = v;
    }
    /* The first refresh a little after the start, not in the middle of it. */
    s->next_refresh = monotonic_now() + (s->refresh_every < 10 ? s->refresh_every : 10);
    /* The tests shorten the POST's timeouts (a stalled link must not hold
     * the sender for a minute); an operator may lengthen them for a slow link. */
    s->timeout_scale = 1;
    env = getenv("MOTCUA_EXCHANGE_TIMEOUT_SCALE");
    if (env && *env) {
        char *end;
        s->timeout_scale = strtod(env, &end);
        if (*end || !(s->timeout_scale > 0 && s->timeout_scale <= 10)) {
            snprintf(err, errlen,
                     "MOTCUA_EXCHANGE_TIMEOUT_SCALE must be a number above 0, at most 10");
            free(s);
            return -1;
        }
    }
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &ca);
    pthread_condattr_destroy(&ca);
    unsigned char token[16];
    if (random_bytes(token, sizeof token)) {
        snprintf(err, errlen, "no randomness for the sender's claim");
        goto fail;
    }
    hex_encode(token, sizeof token, s->claim);
    if (store_open(db_path, 0, &s->db, err, errlen))
        goto fail;
    if (bookkeeping_only(s->db)) {
        snprintf(err, errlen, "cannot set up the sender's connection: %s", store_errmsg(s->db));
        goto fail;
    }
    /* Rows a stop or a crash left 'sending' go back to the queue: sent
     * again, the receiver's key makes them count once. */
    if (store_exec_all(s->db,
                       "UPDATE exchange_messages SET state = 'pending', claim = NULL,"
                       " next_attempt_at = ? WHERE state = 'sending'",
                       BIND_INT(now_unix()))) {
        snprintf(err, errlen, "cannot requeue interrupted exchange messages: %s",
                 store_errmsg(s->db));
        goto fail;
    }
    /* Before the sender's thread: it reads s->ahead without a lock. */
    start_ahead(db_path, s);
    if (thread_start(&s->thread, sender_main, s)) {
        snprintf(err, errlen, "cannot start the exchange sender thread");
        stop_ahead(s);
        goto fail;
    }
    exchange_set_waker(wake_cb, s);
    *out = s;
    return 0;
fail:
    free_sender(s);
    return -1;
}

void exchange_sender_stop(struct exchange_sender *s)
{
    if (!s)
        return;
    exchange_set_waker(NULL, NULL);
    pthread_mutex_lock(&s->lock);
    atomic_store(&s->stopping, 1);
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    /* After the sender's thread, which wakes the preparer. */
    stop_ahead(s);
    free_sender(s);
}

int exchange_file_put(const char *files_dir, const void *data, size_t len, char sha[65])
{
    struct filestore_tmp t;
    int rc = filestore_tmp_open(files_dir, &t);
    if (rc)
        return rc;
    rc = filestore_tmp_write(&t, data, len);
    if (rc) {
        filestore_tmp_discard(&t);
        return rc;
    }
    return filestore_tmp_adopt(files_dir, &t, sha);
}

/* Only its after-commit hook: the writer calls the listeners' hooks after
 * every batch, which is when a queued row becomes visible to the sender. */
const struct dossier_listener node_listener = {
    .name = "exchange",
    .changed = NULL,
    .after_commit = exchange_after_commit,
};
