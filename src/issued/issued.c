/* issued: the record of issued documents (see issued.h). */
#include "issued/issued.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "store/store.h"

static const char *const kind_names[] = {"receipt", "result", "apology", "certified_copy"};
static const char *const state_names[] = {"pending", "signed", "awaiting_timestamp", "failed"};

#define NAMES_N(a) ((int)(sizeof(a) / sizeof((a)[0])))

const char *issued_kind_name(enum issued_kind k)
{
    return (int)k >= 0 && (int)k < NAMES_N(kind_names) ? kind_names[k] : "";
}

const char *issued_state_name(enum issued_state s)
{
    return (int)s >= 0 && (int)s < NAMES_N(state_names) ? state_names[s] : "";
}

static int name_index(const char *const *names, int n, const char *s)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

int issued_kind_parse(const char *s)
{
    return name_index(kind_names, NAMES_N(kind_names), s);
}

int issued_state_parse(const char *s)
{
    return name_index(state_names, NAMES_N(state_names), s);
}

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

int issued_new_public_id(char out[ISSUED_PUBLIC_ID_LEN + 1])
{
    unsigned char r[ISSUED_PUBLIC_ID_LEN];
    if (random_bytes(r, sizeof r))
        return -1;
    for (int i = 0; i < ISSUED_PUBLIC_ID_LEN; i++)
        out[i] = b32[r[i] & 31];
    out[ISSUED_PUBLIC_ID_LEN] = 0;
    return 0;
}

int issued_public_id_valid(const char *s)
{
    if (!s || strlen(s) != ISSUED_PUBLIC_ID_LEN)
        return 0;
    for (const char *p = s; *p; p++)
        if (!strchr(b32, *p))
            return 0;
    return 1;
}

/* --- reading ------------------------------------------------------------- */

#define DOC_COLUMNS                                                                                \
    "id, public_id, kind, unit_id, dossier_id, ref, title, state, sha256, size, created_at, "     \
    "signed_at, timestamped_at, attempts, next_attempt_at"

static int read_doc(struct store_stmt *st, void *arg)
{
    struct issued_doc *d = arg;
    memset(d, 0, sizeof *d);
    d->id = store_col_int(st, 0);
    copy_str(d->public_id, sizeof d->public_id, store_col_text(st, 1));
    int kind = issued_kind_parse(store_col_text(st, 2));
    int state = issued_state_parse(store_col_text(st, 7));
    if (kind < 0 || state < 0)
        return STORE_ERR;
    d->kind = (enum issued_kind)kind;
    d->state = (enum issued_state)state;
    d->unit_id = store_col_int(st, 3);
    d->dossier_id = store_col_int(st, 4);
    copy_str(d->ref, sizeof d->ref, store_col_text(st, 5));
    copy_str(d->title, sizeof d->title, store_col_text(st, 6));
    copy_str(d->sha256, sizeof d->sha256, store_col_text(st, 8));
    d->size = store_col_int(st, 9);
    d->created_at = store_col_int(st, 10);
    d->signed_at = store_col_int(st, 11);
    d->timestamped_at = store_col_int(st, 12);
    d->attempts = (int)store_col_int(st, 13);
    d->next_attempt_at = store_col_int(st, 14);
    return STORE_ROW;
}

int issued_get(struct store *db, int64_t id, struct issued_doc *out)
{
    return store_one(db, "SELECT " DOC_COLUMNS " FROM issued_documents WHERE id = ?", read_doc,
                     out, BIND_INT(id));
}

int issued_get_public(struct store *db, const char *public_id, struct issued_doc *out)
{
    if (!issued_public_id_valid(public_id))
        return STORE_DONE;
    return store_one(db, "SELECT " DOC_COLUMNS " FROM issued_documents WHERE public_id = ?",
                     read_doc, out, BIND_TEXT(public_id));
}

int issued_get_for(struct store *db, int64_t dossier_id, enum issued_kind kind, const char *ref,
                   struct issued_doc *out)
{
    return store_one(db,
                     "SELECT " DOC_COLUMNS " FROM issued_documents"
                     " WHERE dossier_id = ? AND kind = ? AND ref = ?",
                     read_doc, out, BIND_INT(dossier_id), BIND_TEXT(issued_kind_name(kind)),
                     BIND_TEXT(ref ? ref : ""));
}

int issued_find_sha(struct store *db, const char *sha256, struct issued_doc *out)
{
    return store_one(db,
                     "SELECT " DOC_COLUMNS " FROM issued_documents"
                     " WHERE sha256 = ? ORDER BY id DESC LIMIT 1",
                     read_doc, out, BIND_TEXT(sha256));
}

static int read_signers(struct store_stmt *st, void *arg)
{
    json_t **out = arg;
    *out = json_loads(store_col_text(st, 0), 0, NULL);
    return *out && json_is_array(*out) ? STORE_ROW : STORE_ERR;
}

json_t *issued_signers_json(struct store *db, int64_t id)
{
    json_t *signers = NULL;
    int rc = store_one(db, "SELECT signers FROM issued_documents WHERE id = ?", read_signers,
                       &signers, BIND_INT(id));
    if (rc != STORE_ROW) {
        json_decref(signers);
        return NULL;
    }
    return signers;
}

/* --- writing ------------------------------------------------------------- */

/* The signers column: "[]" while pending. malloc'd; NULL when out of memory. */
static char *signers_text(const struct issued_signed *s)
{
    if (s && s->signers)
        return json_dumps(s->signers, JSON_COMPACT);
    char *empty = malloc(3);
    if (empty)
        memcpy(empty, "[]", 3);
    return empty;
}

int issued_add(struct store *db, const struct issued_new *n, int64_t *id,
               char public_id[ISSUED_PUBLIC_ID_LEN + 1], struct derr *err)
{
    char pid[ISSUED_PUBLIC_ID_LEN + 1];
    const char *ref = n->ref ? n->ref : "";
    if (!n->title || !n->title[0] || strlen(n->title) > ISSUED_TITLE_MAX ||
        strlen(ref) > ISSUED_REF_MAX || (n->public_id && !issued_public_id_valid(n->public_id)))
        return derr_set(err, DERR_INVALID, "invalid", "Thông tin văn bản không hợp lệ", NULL);
    if (n->public_id)
        copy_str(pid, sizeof pid, n->public_id);
    else if (issued_new_public_id(pid))
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống", NULL);
    if (n->dossier_id) {
        int64_t taken;
        int rc = store_int(db,
                           "SELECT id FROM issued_documents"
                           " WHERE dossier_id = ? AND kind = ? AND ref = ?",
                           &taken, BIND_INT(n->dossier_id), BIND_TEXT(issued_kind_name(n->kind)),
                           BIND_TEXT(ref));
        if (rc == STORE_ROW)
            return derr_set(err, DERR_TAKEN, "already_issued", "Văn bản này đã được phát hành",
                            NULL);
        if (rc != STORE_DONE)
            return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống", NULL);
    }
    const struct issued_signed *s = n->signed_as;
    char *signers = signers_text(s);
    if (!signers)
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống", NULL);
    struct store_stmt *st;
    int rc = store_prepare_all(
        db,
        "INSERT INTO issued_documents (public_id, kind, unit_id, dossier_id, ref, title, state,"
        " sha256, size, signers, created_at, signed_at, timestamped_at, next_attempt_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        &st, BIND_TEXT(pid), BIND_TEXT(issued_kind_name(n->kind)), BIND_INT(n->unit_id),
        BIND_ID(n->dossier_id), BIND_TEXT(ref), BIND_TEXT(n->title),
        BIND_TEXT(issued_state_name(s ? s->state : ISSUED_PENDING)),
        BIND_TEXT(s ? s->sha256 : NULL), s ? BIND_INT(s->size) : BIND_NULL, BIND_TEXT(signers),
        BIND_INT(n->now), s ? BIND_INT(n->now) : BIND_NULL,
        s && s->state == ISSUED_SIGNED ? BIND_INT(n->now) : BIND_NULL,
        /* a pending one is due at once; one awaiting its timestamp too */
        !s || s->state == ISSUED_AWAITING_TIMESTAMP ? BIND_INT(n->now) : BIND_NULL);
    free(signers);
    if (rc == 0) {
        rc = store_step(st);
        if (rc == STORE_ROW)
            *id = store_col_int(st, 0);
        store_done(st);
    }
    if (rc != STORE_ROW)
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống", NULL);
    if (public_id)
        copy_str(public_id, ISSUED_PUBLIC_ID_LEN + 1, pid);
    return 0;
}

int issued_mark_signed(struct store *db, int64_t id, const struct issued_signed *s, int64_t now)
{
    char *signers = signers_text(s);
    if (!signers)
        return STORE_ERR;
    int rc = store_exec_all(
        db,
        "UPDATE issued_documents SET state = ?, sha256 = ?, size = ?, signers = ?, error = NULL,"
        " signed_at = coalesce(signed_at, ?), timestamped_at = ?, next_attempt_at = ?"
        " WHERE id = ? AND state IN ('pending', 'awaiting_timestamp', 'failed')",
        BIND_TEXT(issued_state_name(s->state)), BIND_TEXT(s->sha256), BIND_INT(s->size),
        BIND_TEXT(signers), BIND_INT(now),
        s->state == ISSUED_SIGNED ? BIND_INT(now) : BIND_NULL,
        s->state == ISSUED_AWAITING_TIMESTAMP ? BIND_INT(now) : BIND_NULL, BIND_INT(id));
    free(signers);
    /* Not STORE_DONE: it is 0, the same as success. */
    if (rc == 0 && store_changes(db) == 0)
        rc = ISSUED_NOT_PENDING;
    return rc;
}

int issued_mark_attempt(struct store *db, int64_t id, const char *reason, int64_t retry_at,
                        int failed_for_good)
{
    return store_exec_all(db,
                          "UPDATE issued_documents SET attempts = attempts + 1, error = ?,"
                          " next_attempt_at = ?,"
                          " state = CASE WHEN ? AND state = 'pending' THEN 'failed' ELSE state END"
                          " WHERE id = ?",
                          BIND_TEXT(reason), failed_for_good ? BIND_NULL : BIND_INT(retry_at),
                          BIND_INT(failed_for_good != 0), BIND_INT(id));
}
