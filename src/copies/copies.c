/* copies: the register of certified copies, their records and their reuse
 * (see copies.h). */
#include "copies/copies.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/permission.h"
#include "base/util.h"
#include "calendar/calendar.h"
#include "dossier/dossier.h"
#include "issued/signing.h"
#include "store/store.h"

/* The holder's code alphabet: no 0/O, 1/I/L, as the walk-in claim codes. */
static const char code_alphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/* The states in which a dossier is being handled, where a copy may be
 * issued: after reception, before the result is done. */
static const char *const issuing_states[] = {"received", "processing", "awaiting_approval"};

#define INTERNAL(e) derr_set(e, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL)

void copies_book(int year, char *out, size_t cap)
{
    snprintf(out, cap, "01/%04d-SCT/BS", year);
}

int copies_year(int64_t t)
{
    return cal_local_ymd(t) / 10000;
}

int copies_next_number(struct store *db, int64_t unit_id, int year, int64_t *number)
{
    int64_t last = 0;
    int rc = store_int(db,
                       "SELECT coalesce(max(number), 0) FROM certified_copies"
                       " WHERE unit_id = ? AND year = ?",
                       &last, BIND_INT(unit_id), BIND_INT(year));
    if (rc != STORE_ROW)
        return rc == STORE_DONE ? STORE_ERR : rc;
    *number = last + 1;
    return 0;
}

int copies_code_normalise(const char *s, char out[COPIES_CODE_LEN + 1])
{
    size_t n = 0;
    for (; s && *s; s++) {
        char c = *s >= 'a' && *s <= 'z' ? (char)(*s - 'a' + 'A') : *s;
        if (c == ' ' || c == '-')
            continue;
        if (n == COPIES_CODE_LEN || !strchr(code_alphabet, c) || c == '\0')
            return 0;
        out[n++] = c;
    }
    out[n] = '\0';
    return n == COPIES_CODE_LEN;
}

static int new_code(char out[COPIES_CODE_LEN + 1])
{
    unsigned char rnd[COPIES_CODE_LEN];
    if (random_bytes(rnd, sizeof rnd))
        return -1;
    /* 31 letters: about 4.9 bits each, 2^49 codes; the byte's bias modulo
     * 31 is under 3% a letter. A code is no secret (only its holder can
     * attach it) but must not be guessed into someone's register. */
    for (size_t i = 0; i < sizeof rnd; i++)
        out[i] = code_alphabet[rnd[i] % (sizeof code_alphabet - 1)];
    out[COPIES_CODE_LEN] = '\0';
    return 0;
}

/* --- issuing ------------------------------------------------------------- */

struct target {
    int64_t unit_id, procedure_id;
    char state[24];
    char result_kind[32];
    char unit_name[256];
};

static int read_target(struct store_stmt *st, void *arg)
{
    struct target *t = arg;
    t->unit_id = store_col_int(st, 0);
    copy_str(t->state, sizeof t->state, store_col_text(st, 1));
    copy_str(t->result_kind, sizeof t->result_kind, store_col_text(st, 2));
    copy_str(t->unit_name, sizeof t->unit_name, store_col_text(st, 3));
    return STORE_ROW;
}

static int read_source(struct store_stmt *st, void *arg)
{
    struct copies_source *s = arg;
    copy_str(s->sha256, sizeof s->sha256, store_col_text(st, 0));
    copy_str(s->content_type, sizeof s->content_type, store_col_text(st, 1));
    s->size = store_col_int(st, 2);
    return STORE_ROW;
}

static int read_text(struct store_stmt *st, void *arg)
{
    char *out = arg;
    copy_str(out, 256, store_col_text(st, 0));
    return STORE_ROW;
}

/* The checks copies_issue_check and copies_issue_job share: the dossier,
 * its procedure and state, the officer's permission, the scans. Fills
 * a->unit_id, unit_name, officer_name and sources. */
static int check_issue(struct store *db, struct copies_issue *a)
{
    struct target t = {0};
    int rc = store_one(db,
                       "SELECT d.current_unit_id, d.state, p.result_kind, u.name"
                       " FROM dossiers d JOIN procedures p ON p.id = d.procedure_id"
                       " JOIN units u ON u.id = d.current_unit_id"
                       " WHERE d.id = ? AND d.code IS NOT NULL",
                       read_target, &t, BIND_INT(a->dossier_id));
    if (rc == STORE_DONE)
        return derr_set(&a->err, DERR_NOT_FOUND, "not_found", "Không tìm thấy hồ sơ", NULL);
    if (rc != STORE_ROW)
        return INTERNAL(&a->err);
    if (strcmp(t.result_kind, "certified_copy") != 0)
        return derr_set(&a->err, DERR_STATE, "not_a_certification",
                        "Thủ tục của hồ sơ này không phải chứng thực bản sao từ bản chính", NULL);
    int can = permission_can(db, a->officer_id, COPIES_PERMISSION, t.unit_id);
    if (can < 0)
        return INTERNAL(&a->err);
    if (!can)
        return derr_set(&a->err, DERR_FORBIDDEN, "forbidden",
                        "Bạn không có quyền thực hiện chứng thực tại đơn vị đang giữ hồ sơ", NULL);
    int ok = 0;
    for (size_t i = 0; i < sizeof issuing_states / sizeof issuing_states[0]; i++)
        ok |= strcmp(t.state, issuing_states[i]) == 0;
    if (!ok)
        return derr_set(&a->err, DERR_STATE, "wrong_state",
                        "Chỉ chứng thực được khi hồ sơ đã tiếp nhận và đang xử lý", NULL);
    a->unit_id = t.unit_id;
    copy_str(a->unit_name, sizeof a->unit_name, t.unit_name);
    if (store_one(db, "SELECT full_name FROM accounts WHERE id = ?", read_text, a->officer_name,
                  BIND_INT(a->officer_id)) != STORE_ROW)
        return INTERNAL(&a->err);
    if (a->nnames < 1 || a->nnames > COPIES_MAX_SCANS)
        return derr_set(&a->err, DERR_INVALID, "invalid", "Chọn từ 1 đến 20 tệp bản quét",
                        "files");
    int pdfs = 0;
    for (int i = 0; i < a->nnames; i++) {
        struct copies_source *s = &a->sources[i];
        char had[65];
        copy_str(had, sizeof had, s->sha256);
        for (int k = 0; k < i; k++)
            if (strcmp(a->names[k], a->names[i]) == 0)
                return derr_set(&a->err, DERR_INVALID, "duplicate_scan",
                                "Một tệp bản quét được chọn hai lần", "files");
        rc = store_one(db,
                       "SELECT sha256, content_type, size FROM dossier_files"
                       " WHERE dossier_id = ? AND name = ?",
                       read_source, s, BIND_INT(a->dossier_id), BIND_TEXT(a->names[i]));
        if (rc == STORE_DONE)
            return derr_set(&a->err, DERR_NOT_FOUND, "scan_not_found",
                            "Hồ sơ không có tệp bản quét này", "files");
        if (rc != STORE_ROW)
            return INTERNAL(&a->err);
        /* The job checks that the scan is still the one the copy was made of. */
        if (had[0] && strcmp(had, s->sha256) != 0)
            return derr_set(&a->err, DERR_STATE, "scan_changed",
                            "Tệp bản quét đã thay đổi trong khi chứng thực; hãy làm lại", "files");
        copy_str(s->name, sizeof s->name, a->names[i]);
        pdfs += strcmp(s->content_type, "application/pdf") == 0;
    }
    if (pdfs && a->nnames > 1)
        return derr_set(&a->err, DERR_INVALID, "mixed_scans",
                        "Bản quét là một tệp PDF, hoặc một hay nhiều ảnh (JPEG, PNG)", "files");
    return 0;
}

/* The two signatures: the officer's own, then the unit's seal. */
static void signatures(const struct copies_issue *a, struct issued_signature sigs[2])
{
    sigs[0] = (struct issued_signature){.unit_id = a->unit_id, .account_id = a->officer_id};
    sigs[1] = (struct issued_signature){.unit_id = a->unit_id};
}

int copies_issue_check(struct store *db, struct copies_issue *a)
{
    for (int i = 0; i < COPIES_MAX_SCANS; i++)
        a->sources[i].sha256[0] = '\0';
    if (check_issue(db, a))
        return -1;
    struct issued_signature sigs[2];
    signatures(a, sigs);
    if (issued_signers_ready(db, sigs, 2, a->now, &a->err))
        return -1;
    a->year = copies_year(a->now);
    copies_book(a->year, a->book, sizeof a->book);
    if (copies_next_number(db, a->unit_id, a->year, &a->number))
        return INTERNAL(&a->err);
    if (issued_new_public_id(a->public_id))
        return INTERNAL(&a->err);
    return 0;
}

/* Who holds the copy, for the desk: the ID number the applicant showed at
 * the desk, else the owner's account's. */
static int holder_id_number(struct store *db, int64_t dossier_id, char out[256])
{
    out[0] = '\0';
    int rc = store_one(db,
                       "SELECT coalesce(nullif(d.applicant_id_number, ''),"
                       " (SELECT a.login FROM accounts a WHERE a.id = d.owner_id"
                       "  AND a.kind = 'citizen'), '')"
                       " FROM dossiers d WHERE d.id = ?",
                       read_text, out, BIND_INT(dossier_id));
    return rc == STORE_ROW ? 0 : -1;
}

/* The copy's name as the public page shows it: ISSUED_TITLE_MAX bytes at
 * most, cut between characters. */
static void issued_title(const char *title, char out[ISSUED_TITLE_MAX + 1])
{
    char all[ISSUED_TITLE_MAX + COPIES_TITLE_MAX * 4 + 64];
    snprintf(all, sizeof all, "Bản sao chứng thực từ bản chính: %s", title);
    size_t n = strlen(all);
    if (n > ISSUED_TITLE_MAX) {
        n = ISSUED_TITLE_MAX;
        while (n > 0 && ((unsigned char)all[n] & 0xC0) == 0x80)
            n--; /* all[n] would start the next character: cut before it */
    }
    memcpy(out, all, n);
    out[n] = '\0';
}

int copies_issue_job(struct store *db, void *arg)
{
    struct copies_issue *a = arg;
    if (check_issue(db, a))
        return -1;
    int64_t next;
    if (copies_next_number(db, a->unit_id, a->year, &next))
        return INTERNAL(&a->err);
    if (next != a->number)
        return derr_set(&a->err, DERR_TAKEN, "register_moved",
                        "Số chứng thực này vừa được dùng cho bản sao khác", NULL);
    char holder[256], ref[ISSUED_REF_MAX + 1], title[ISSUED_TITLE_MAX + 1];
    if (holder_id_number(db, a->dossier_id, holder) || new_code(a->code))
        return INTERNAL(&a->err);
    snprintf(ref, sizeof ref, "Số chứng thực %lld, quyển số %s", (long long)a->number, a->book);
    issued_title(a->title, title);
    struct issued_new n = {
        .kind = ISSUED_CERTIFIED_COPY,
        .unit_id = a->unit_id,
        .dossier_id = a->dossier_id,
        .ref = ref,
        .title = title,
        .public_id = a->public_id,
        .signed_as = &a->signed_as,
        .now = a->now,
    };
    if (issued_add(db, &n, &a->issued_id, NULL, &a->err))
        return -1;
    json_t *sources = json_array();
    for (int i = 0; sources && i < a->nnames; i++)
        json_array_append_new(sources, json_pack("{s:s, s:s, s:s}", "name", a->sources[i].name,
                                                 "sha256", a->sources[i].sha256, "content_type",
                                                 a->sources[i].content_type));
    char *src = sources ? json_dumps(sources, JSON_COMPACT) : NULL;
    json_decref(sources);
    if (!src)
        return INTERNAL(&a->err);
    struct store_stmt *st;
    int rc = store_prepare_all(
        db,
        "INSERT INTO certified_copies (unit_id, year, number, book, code, dossier_id, issued_id,"
        " title, pages, sources, holder_id_number, officer_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        &st, BIND_INT(a->unit_id), BIND_INT(a->year), BIND_INT(a->number), BIND_TEXT(a->book),
        BIND_TEXT(a->code), BIND_INT(a->dossier_id), BIND_INT(a->issued_id), BIND_TEXT(a->title),
        BIND_INT(a->pages), BIND_TEXT(src), BIND_TEXT(holder), BIND_INT(a->officer_id),
        BIND_INT(a->now));
    free(src);
    if (rc == 0) {
        rc = store_step(st);
        if (rc == STORE_ROW)
            a->copy_id = store_col_int(st, 0);
        store_done(st);
    }
    if (rc != STORE_ROW)
        return INTERNAL(&a->err);
    rc = audit_object_json(db, a->officer_id, "copy.certify", "certified_copy", a->copy_id,
                           json_pack("{s:I, s:I, s:I, s:s, s:s, s:i, s:s}", "dossier_id",
                                     (json_int_t)a->dossier_id, "unit_id",
                                     (json_int_t)a->unit_id, "number", (json_int_t)a->number,
                                     "book", a->book, "sha256", a->signed_as.sha256, "pages",
                                     a->pages, "public_id", a->public_id));
    return rc ? INTERNAL(&a->err) : 0;
}

/* --- reuse --------------------------------------------------------------- */

struct found_copy {
    int64_t id;
    char sha256[65];
    int64_t size;
};

static int read_found(struct store_stmt *st, void *arg)
{
    struct found_copy *f = arg;
    f->id = store_col_int(st, 0);
    copy_str(f->sha256, sizeof f->sha256, store_col_text(st, 1));
    f->size = store_col_int(st, 2);
    return STORE_ROW;
}

/* The copy with this code that the actor may attach to the dossier, as
 * copies.h says. STORE_ROW, STORE_DONE or an error. */
static int find_attachable(struct store *db, const struct copies_attach *a, const char *code,
                           struct found_copy *f)
{
    if (!a->staff)
        return store_one(db,
                         "SELECT c.id, i.sha256, i.size FROM certified_copies c"
                         " JOIN issued_documents i ON i.id = c.issued_id"
                         " JOIN dossiers s ON s.id = c.dossier_id"
                         " WHERE c.code = ? AND s.owner_id = ? AND s.status_code = 10"
                         " AND i.sha256 IS NOT NULL",
                         read_found, f, BIND_TEXT(code), BIND_INT(a->actor_id));
    return store_one(db,
                     "WITH " PERMISSION_SCOPE("?2", "'dossier.read'") ","
                     " target(idn) AS (SELECT applicant_id_number FROM dossiers WHERE id = ?3)"
                     " SELECT c.id, i.sha256, i.size FROM certified_copies c"
                     " JOIN issued_documents i ON i.id = c.issued_id"
                     " JOIN dossiers s ON s.id = c.dossier_id"
                     " WHERE c.code = ?1 AND s.status_code = 10 AND i.sha256 IS NOT NULL"
                     " AND c.unit_id IN scope"
                     " AND c.holder_id_number <> ''"
                     " AND c.holder_id_number = (SELECT idn FROM target)",
                     read_found, f, BIND_TEXT(code), BIND_INT(a->actor_id),
                     BIND_INT(a->dossier_id));
}

int copies_attach_job(struct store *db, void *arg)
{
    struct copies_attach *a = arg;
    char code[COPIES_CODE_LEN + 1];
    struct found_copy f = {0};
    int rc = copies_code_normalise(a->code, code) ? find_attachable(db, a, code, &f) : STORE_DONE;
    if (rc == STORE_DONE)
        return derr_set(&a->err, DERR_NOT_FOUND, "copy_not_found",
                        "Không tìm thấy bản sao chứng thực có mã này trong các bản sao của bạn",
                        "code");
    if (rc != STORE_ROW)
        return INTERNAL(&a->err);
    struct dossier_file_op op = {0};
    op.id = a->dossier_id;
    op.owner_id = a->staff ? 0 : a->actor_id;
    op.actor_id = a->actor_id;
    snprintf(op.name, sizeof op.name, "ban-sao-chung-thuc-%s.pdf", code);
    copy_str(op.document_key, sizeof op.document_key, a->document_key);
    copy_str(op.content_type, sizeof op.content_type, "application/pdf");
    op.size = f.size;
    copy_str(op.sha256, sizeof op.sha256, f.sha256);
    if (dossier_add_file_job(db, &op)) {
        a->err = op.err;
        return -1;
    }
    copy_str(a->file_name, sizeof a->file_name, op.name);
    a->copy_id = f.id;
    a->size = f.size;
    int64_t now = now_unix();
    rc = store_exec_all(db,
                        "INSERT INTO certified_copy_uses (copy_id, dossier_id, file_name,"
                        " document_key, account_id, at) VALUES (?, ?, ?, ?, ?, ?)"
                        " ON CONFLICT (copy_id, dossier_id) DO UPDATE SET"
                        " file_name = excluded.file_name, document_key = excluded.document_key,"
                        " account_id = excluded.account_id, at = excluded.at",
                        BIND_INT(f.id), BIND_INT(a->dossier_id), BIND_TEXT(op.name),
                        BIND_TEXT(a->document_key), BIND_INT(a->actor_id), BIND_INT(now));
    if (rc == 0)
        rc = audit_object_json(db, a->actor_id, "copy.reuse", "certified_copy", f.id,
                               json_pack("{s:I, s:s, s:s}", "dossier_id",
                                         (json_int_t)a->dossier_id, "file", op.name, "document",
                                         a->document_key));
    return rc ? INTERNAL(&a->err) : 0;
}

/* --- reading ------------------------------------------------------------- */

#define COPY_COLUMNS                                                                               \
    "c.id, c.unit_id, c.dossier_id, c.issued_id, c.officer_id, c.year, c.number, c.book,"         \
    " c.code, c.title, c.pages, c.created_at, i.public_id, coalesce(i.sha256, ''),"               \
    " coalesce(i.size, 0), i.state"

static int read_copy(struct store_stmt *st, void *arg)
{
    struct copies_copy *c = arg;
    memset(c, 0, sizeof *c);
    c->id = store_col_int(st, 0);
    c->unit_id = store_col_int(st, 1);
    c->dossier_id = store_col_int(st, 2);
    c->issued_id = store_col_int(st, 3);
    c->officer_id = store_col_int(st, 4);
    c->year = (int)store_col_int(st, 5);
    c->number = store_col_int(st, 6);
    copy_str(c->book, sizeof c->book, store_col_text(st, 7));
    copy_str(c->code, sizeof c->code, store_col_text(st, 8));
    copy_str(c->title, sizeof c->title, store_col_text(st, 9));
    c->pages = (int)store_col_int(st, 10);
    c->created_at = store_col_int(st, 11);
    copy_str(c->public_id, sizeof c->public_id, store_col_text(st, 12));
    copy_str(c->sha256, sizeof c->sha256, store_col_text(st, 13));
    c->size = store_col_int(st, 14);
    copy_str(c->state, sizeof c->state, store_col_text(st, 15));
    return STORE_ROW;
}

static void shown_code(const char *code, char out[COPIES_CODE_LEN + 2])
{
    snprintf(out, COPIES_CODE_LEN + 2, "%.5s-%.5s", code, code + 5);
}

json_t *copies_copy_json(const struct copies_copy *c)
{
    char code[COPIES_CODE_LEN + 2];
    shown_code(c->code, code);
    return json_pack("{s:I, s:I, s:s, s:i, s:s, s:s, s:i, s:o, s:s, s:s, s:I}", "id",
                     (json_int_t)c->id, "number", (json_int_t)c->number, "book", c->book, "year",
                     c->year, "code", code, "title", c->title, "pages", c->pages, "created_at",
                     cal_json_iso(c->created_at), "public_id", c->public_id, "state", c->state,
                     "size", (json_int_t)c->size);
}

int copies_get_owned(struct store *db, const char *code, int64_t account_id,
                     struct copies_copy *out)
{
    char canon[COPIES_CODE_LEN + 1];
    if (!copies_code_normalise(code, canon))
        return STORE_DONE;
    return store_one(db,
                     "SELECT " COPY_COLUMNS " FROM certified_copies c"
                     " JOIN issued_documents i ON i.id = c.issued_id"
                     " JOIN dossiers s ON s.id = c.dossier_id"
                     " WHERE c.code = ? AND s.owner_id = ? AND s.status_code = 10",
                     read_copy, out, BIND_TEXT(canon), BIND_INT(account_id));
}

int copies_get_in_dossier(struct store *db, int64_t dossier_id, int64_t id,
                          struct copies_copy *out)
{
    return store_one(db,
                     "SELECT " COPY_COLUMNS " FROM certified_copies c"
                     " JOIN issued_documents i ON i.id = c.issued_id"
                     " WHERE c.dossier_id = ? AND c.id = ?",
                     read_copy, out, BIND_INT(dossier_id), BIND_INT(id));
}

/* The dossiers a copy was attached to: [{dossier_id, dossier_code, at}].
 * NULL on a store error. */
static json_t *uses_json(struct store *db, int64_t copy_id)
{
    struct store_stmt *st;
    json_t *out = json_array();
    if (!out || store_prepare_all(db,
                                  "SELECT u.dossier_id, coalesce(d.code, ''), u.at"
                                  " FROM certified_copy_uses u JOIN dossiers d"
                                  " ON d.id = u.dossier_id WHERE u.copy_id = ? ORDER BY u.id",
                                  &st, BIND_INT(copy_id))) {
        json_decref(out);
        return NULL;
    }
    int rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        const char *code = store_col_text(st, 1);
        json_array_append_new(out, json_pack("{s:I, s:s?, s:o}", "dossier_id",
                                             (json_int_t)store_col_int(st, 0), "dossier_code",
                                             code && code[0] ? code : NULL, "used_at",
                                             cal_json_iso(store_col_int(st, 2))));
    }
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* The rows of st (COPY_COLUMNS, then unit code, unit name, and what
 * `extra` reads from column 18 on) as a list. */
static json_t *copy_list(struct store *db, struct store_stmt *st, int staff)
{
    json_t *out = json_array();
    int rc;
    while (out && (rc = store_step(st)) == STORE_ROW) {
        struct copies_copy c;
        read_copy(st, &c);
        json_t *o = copies_copy_json(&c);
        json_t *uses = uses_json(db, c.id);
        if (!o || !uses) {
            json_decref(o);
            json_decref(uses);
            rc = STORE_ERR;
            break;
        }
        json_object_set_new(o, "unit", json_pack("{s:s, s:s}", "code", store_col_text(st, 16),
                                                   "name", store_col_text(st, 17)));
        json_object_set_new(o, "uses", uses);
        if (staff) {
            json_object_set_new(o, "officer", json_string(store_col_text(st, 18)));
            json_t *src = json_loads(store_col_text(st, 19), 0, NULL);
            json_object_set_new(o, "sources", src ? src : json_array());
        } else {
            json_object_set_new(o, "dossier_code", json_string(store_col_text(st, 18)));
        }
        json_array_append_new(out, o);
    }
    store_done(st);
    if (!out || rc != STORE_DONE) {
        json_decref(out);
        return NULL;
    }
    return out;
}

json_t *copies_dossier_json(struct store *db, int64_t dossier_id)
{
    struct store_stmt *st;
    if (store_prepare_all(db,
                          "SELECT " COPY_COLUMNS ", u.code, u.name, a.full_name, c.sources"
                          " FROM certified_copies c JOIN issued_documents i ON i.id = c.issued_id"
                          " JOIN units u ON u.id = c.unit_id JOIN accounts a ON a.id = c.officer_id"
                          " WHERE c.dossier_id = ? ORDER BY c.id",
                          &st, BIND_INT(dossier_id)))
        return NULL;
    return copy_list(db, st, 1);
}

json_t *copies_owner_json(struct store *db, int64_t account_id)
{
    struct store_stmt *st;
    if (store_prepare_all(db,
                          "SELECT " COPY_COLUMNS ", u.code, u.name, s.code"
                          " FROM certified_copies c JOIN issued_documents i ON i.id = c.issued_id"
                          " JOIN units u ON u.id = c.unit_id JOIN dossiers s ON s.id = c.dossier_id"
                          " WHERE s.owner_id = ? AND s.status_code = 10 ORDER BY c.id DESC",
                          &st, BIND_INT(account_id)))
        return NULL;
    return copy_list(db, st, 0);
}

int copies_dossier_certifies(struct store *db, int64_t dossier_id)
{
    int64_t n = 0;
    int rc = store_int(db,
                       "SELECT count(*) FROM dossiers d JOIN procedures p ON p.id = d.procedure_id"
                       " WHERE d.id = ? AND p.result_kind = 'certified_copy'",
                       &n, BIND_INT(dossier_id));
    return rc == STORE_ROW ? n > 0 : rc < 0 ? rc : STORE_ERR;
}
