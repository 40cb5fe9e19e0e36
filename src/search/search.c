/* search: indexing and querying (search.h). The index holds text folded by
 * text_fold(); search_text holds the original, which snippets are cut from
 * (db/023_search.sql explains why that lines up). */
#include "search/search.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "base/dynbuf.h"
#include "base/text.h"
#include "base/util.h"
#include "store/store.h"

/* The weights of the index's columns (title, summary, number, body,
 * scope) in bm25: a word in the title counts ten times one in the body;
 * the scope column counts for nothing. */
#define SEARCH_BM25 "bm25(search_fts, 10.0, 4.0, 5.0, 1.0, 0.0)"
/* Snippet marks: control characters, which stored text never holds
 * (clean_text turns them into spaces). */
#define MARK_ON '\x02'
#define MARK_OFF '\x03'
#define SNIPPET_WORDS "16"

static int db_error(struct derr *err)
{
    return derr_set(err, DERR_INTERNAL, "internal", "Lỗi cơ sở dữ liệu", NULL);
}

static int oom(struct derr *err)
{
    return derr_set(err, DERR_INTERNAL, "internal", "Không đủ bộ nhớ", NULL);
}

/* "/1/5/23/": a slash, then one or more runs of digits each followed by a
 * slash. */
static int path_ok(const char *p)
{
    size_t n;
    if (!p || p[0] != '/' || (n = strlen(p)) < 3 || n > SEARCH_PATH_MAX || p[n - 1] != '/')
        return 0;
    for (size_t i = 1; i < n; i++) {
        if (p[i] == '/') {
            if (p[i - 1] == '/')
                return 0;
        } else if (p[i] < '0' || p[i] > '9') {
            return 0;
        }
    }
    return 1;
}

/* "" or "YYYY-MM-DD" with a plausible month and day (the filter compares
 * text, so the shape is what matters). */
static int date_ok(const char *d)
{
    if (!d || !*d)
        return 1;
    if (strlen(d) != 10 || d[4] != '-' || d[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
            return 0;
    int m = (d[5] - '0') * 10 + (d[6] - '0'), day = (d[8] - '0') * 10 + (d[9] - '0');
    return m >= 1 && m <= 12 && day >= 1 && day <= 31;
}

/* Is code point cp one the tokenizer keeps inside a word (its categories
 * L*, N*, Co, Mn: db/023_search.sql)? */
static int word_cp(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
    switch (g_unichar_type(cp)) {
    case G_UNICODE_LOWERCASE_LETTER: case G_UNICODE_MODIFIER_LETTER:
    case G_UNICODE_OTHER_LETTER: case G_UNICODE_TITLECASE_LETTER:
    case G_UNICODE_UPPERCASE_LETTER: case G_UNICODE_DECIMAL_NUMBER:
    case G_UNICODE_LETTER_NUMBER: case G_UNICODE_OTHER_NUMBER:
    case G_UNICODE_PRIVATE_USE: case G_UNICODE_NON_SPACING_MARK:
        return 1;
    default:
        return 0;
    }
}

/* A copy of s[0..len) fit to store: every control character (C0, DEL,
 * C1) becomes a space, so that the snippet marks, which are control
 * characters, cannot come from a document; and a combining
 * mark U+0300-U+036F that does not follow a word character is dropped.
 * text_fold() drops those marks; inside a word that changes no token, but
 * alone it would be a token of the original and none of the folded text,
 * and the snippet's marks would land one word off. len is first cut to
 * max at a character boundary. Returns a malloc'd string (caller frees) or
 * NULL: *bad is set when s is not UTF-8, else it is out of memory. */
static char *clean_text(const char *s, size_t len, size_t max, int *bad)
{
    char *out;
    size_t i = 0, o = 0;
    int prev_word = 0;

    *bad = 0;
    if (!s)
        s = "", len = 0;
    if (len > max) {
        len = max;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    if (!text_utf8_valid(s, len) || memchr(s, '\0', len)) {
        *bad = 1;
        return NULL;
    }
    out = malloc(len + 1);
    if (!out)
        return NULL;
    while (i < len) {
        uint32_t cp;
        int n = text_utf8_decode(s + i, len - i, &cp);
        if (n < 0) { /* checked above */
            *bad = 1;
            free(out);
            return NULL;
        }
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
            out[o++] = ' ';
            prev_word = 0;
        } else if (cp >= 0x300 && cp <= 0x36F && !prev_word) {
            /* dropped */
        } else {
            memcpy(out + o, s + i, (size_t)n);
            o += (size_t)n;
            prev_word = word_cp(cp);
        }
        i += (size_t)n;
    }
    out[o] = '\0';
    return out;
}

/* text_fold() into a new buffer (folding never lengthens). NULL on failure
 * (stored text is valid UTF-8, so only out of memory). */
static char *fold_new(const char *s)
{
    size_t n = strlen(s) + 1;
    char *out = malloc(n);
    if (out && text_fold(s, out, n) < 0) {
        free(out);
        out = NULL;
    }
    return out;
}

#define SCOPE_TOKENS_MAX 2048

/* The scope column's tokens for a unit path: "/1/5/23/" gives "<mark>1
 * <mark>1x5 <mark>1x5x23", the unit and each unit above it, so that an
 * officer of any of them finds the document by one token. The mark is
 * U+E000, a private-use character: the tokenizer keeps it in a word (its
 * category Co), and search_match_expr never lets one through from what a
 * user types, so no query word can ever match a scope token. path is
 * checked (path_ok). Returns 0, or -1 if they do not fit cap (a path too
 * deep). */
#define SCOPE_MARK "\xee\x80\x80"
static int scope_tokens(const char *path, char *out, size_t cap)
{
    size_t o = 0, n = strlen(path);
    for (size_t i = 1; i < n; i++) {
        if (path[i] != '/')
            continue;
        /* the ancestor path[0..i]: the mark, then its ids joined by "x" */
        if (o + (o ? 1 : 0) + 3 + i > cap - 1)
            return -1;
        if (o)
            out[o++] = ' ';
        memcpy(out + o, SCOPE_MARK, 3);
        o += 3;
        for (size_t k = 1; k < i; k++)
            out[o++] = path[k] == '/' ? 'x' : path[k];
    }
    out[o] = '\0';
    return 0;
}

/* Index columns in order: title, summary, number, body, scope (the
 * tokens of the unit's path: scope_tokens). */
#define NCOLS 5

static void free_cols(char *c[NCOLS])
{
    for (int i = 0; i < NCOLS; i++) {
        free(c[i]);
        c[i] = NULL;
    }
}

/* Adds (op NULL) or deletes (op "delete") rowid's entries in the index,
 * from the original text of its columns, folded here. The 'delete' command
 * must be given exactly what was indexed: the same folding of the same
 * stored text. */
static int fts_write(struct store *db, int64_t rowid, char *const orig[NCOLS], int del)
{
    char *f[NCOLS] = {0};
    int rc = STORE_ERR;

    for (int i = 0; i < NCOLS; i++)
        if (!(f[i] = fold_new(orig[i])))
            goto out;
    if (del)
        rc = store_exec_all(db,
                            "INSERT INTO search_fts(search_fts, rowid, title, summary, number,"
                            " body, scope) VALUES ('delete', ?, ?, ?, ?, ?, ?)",
                            BIND_INT(rowid), BIND_TEXT(f[0]), BIND_TEXT(f[1]), BIND_TEXT(f[2]),
                            BIND_TEXT(f[3]), BIND_TEXT(f[4]));
    else
        rc = store_exec_all(db,
                            "INSERT INTO search_fts(rowid, title, summary, number, body, scope)"
                            " VALUES (?, ?, ?, ?, ?, ?)",
                            BIND_INT(rowid), BIND_TEXT(f[0]), BIND_TEXT(f[1]), BIND_TEXT(f[2]),
                            BIND_TEXT(f[3]), BIND_TEXT(f[4]));
out:
    free_cols(f);
    return rc;
}

/* The stored row of (kind, ref_id): OUT *id and copies of its columns
 * (caller frees with free_cols). STORE_ROW, STORE_DONE or an error. */
static int find_row(struct store *db, const char *kind, int64_t ref_id, int64_t *id,
                    char *cols[NCOLS])
{
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "SELECT d.id, t.title, t.summary, t.number, t.body, t.scope"
                               " FROM search_docs d JOIN search_text t ON t.id = d.id"
                               " WHERE d.kind = ? AND d.ref_id = ?",
                               &st, BIND_TEXT(kind), BIND_INT(ref_id));
    if (rc)
        return rc;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        *id = store_col_int(st, 0);
        for (int i = 0; i < NCOLS; i++)
            if (!(cols[i] = strdup(store_col_text(st, i + 1))))
                rc = STORE_ERR;
    }
    store_done(st);
    if (rc != STORE_ROW)
        free_cols(cols);
    return rc;
}

/* Checks one short field: UTF-8, at most max bytes. */
static int field_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    return n <= max && (n == 0 || text_utf8_valid(s, n));
}

#define S(x) ((x) ? (x) : "")

int search_index(struct store *db, const struct search_doc *doc, struct derr *err)
{
    char *cols[NCOLS] = {0}, *old[NCOLS] = {0};
    char signer_folded[SEARCH_FIELD_MAX + 1];
    const char *names[NCOLS] = {"title", "summary", "number", "body", "unit_path"};
    const char *src[NCOLS];
    char scope[SCOPE_TOKENS_MAX];
    size_t lens[NCOLS], max[NCOLS] = {SEARCH_TITLE_MAX, SEARCH_SUMMARY_MAX, SEARCH_NUMBER_MAX,
                                      SEARCH_BODY_MAX, SCOPE_TOKENS_MAX};
    int64_t id = 0;
    int rc, bad;

    if (!doc->kind || !*doc->kind || !field_ok(doc->kind, SEARCH_FIELD_MAX) || doc->ref_id <= 0)
        return derr_set(err, DERR_INVALID, "kind_invalid", "Thiếu loại hoặc mã của mục cần lập chỉ mục",
                        "kind");
    if (!path_ok(doc->unit_path) || scope_tokens(doc->unit_path, scope, sizeof scope))
        return derr_set(err, DERR_INVALID, "unit_path_invalid", "Đường dẫn đơn vị không hợp lệ",
                        "unit_path");
    if (!date_ok(doc->date))
        return derr_set(err, DERR_INVALID, "date_invalid", "Ngày văn bản không hợp lệ (YYYY-MM-DD)",
                        "date");
    if (!field_ok(doc->doc_type, SEARCH_FIELD_MAX) || !field_ok(doc->register_name, SEARCH_FIELD_MAX) ||
        !field_ok(doc->signer, SEARCH_FIELD_MAX) || !field_ok(doc->status, SEARCH_FIELD_MAX))
        return derr_set(err, DERR_INVALID, "field_invalid",
                        "Loại, sổ, người ký hoặc trạng thái quá dài hoặc không hợp lệ", NULL);
    if (!doc->title || !*doc->title)
        return derr_set(err, DERR_INVALID, "title_required", "Thiếu tiêu đề văn bản", "title");
    src[0] = doc->title;
    src[1] = S(doc->summary);
    src[2] = S(doc->number);
    src[3] = doc->body ? doc->body : "";
    for (int i = 0; i < 3; i++) {
        lens[i] = strlen(src[i]);
        if (lens[i] > max[i])
            return derr_set(err, DERR_INVALID, "field_too_long", "Nội dung quá dài", names[i]);
    }
    lens[3] = doc->body ? doc->body_len : 0;
    src[4] = scope;
    lens[4] = strlen(scope);
    for (int i = 0; i < NCOLS; i++) {
        cols[i] = clean_text(src[i], lens[i], max[i], &bad);
        if (!cols[i]) {
            rc = bad ? derr_set(err, DERR_INVALID, "text_invalid", "Văn bản không phải UTF-8 hợp lệ",
                                names[i])
                     : oom(err);
            goto out;
        }
    }
    if (text_fold(S(doc->signer), signer_folded, sizeof signer_folded) < 0) {
        rc = derr_set(err, DERR_INVALID, "field_invalid", "Người ký không hợp lệ", "signer");
        goto out;
    }

    rc = find_row(db, doc->kind, doc->ref_id, &id, old);
    if (rc == STORE_ROW) {
        rc = fts_write(db, id, old, 1);
        if (rc == 0)
            rc = store_exec_all(db,
                                "UPDATE search_docs SET unit_id = ?, unit_path = ?, doc_type = ?,"
                                " register = ?, doc_date = ?, signer = ?, signer_folded = ?,"
                                " status = ?, indexed_at = ? WHERE id = ?",
                                BIND_INT(doc->unit_id), BIND_TEXT(doc->unit_path),
                                BIND_TEXT(S(doc->doc_type)), BIND_TEXT(S(doc->register_name)),
                                BIND_TEXT(S(doc->date)), BIND_TEXT(S(doc->signer)),
                                BIND_TEXT(signer_folded), BIND_TEXT(S(doc->status)),
                                BIND_INT(now_unix()), BIND_INT(id));
        if (rc == 0)
            rc = store_exec_all(db,
                                "UPDATE search_text SET title = ?, summary = ?, number = ?,"
                                " body = ?, scope = ? WHERE id = ?",
                                BIND_TEXT(cols[0]), BIND_TEXT(cols[1]), BIND_TEXT(cols[2]),
                                BIND_TEXT(cols[3]), BIND_TEXT(cols[4]), BIND_INT(id));
    } else if (rc == STORE_DONE) {
        rc = store_exec_all(db,
                            "INSERT INTO search_docs(kind, ref_id, unit_id, unit_path, doc_type,"
                            " register, doc_date, signer, signer_folded, status, indexed_at)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            BIND_TEXT(doc->kind), BIND_INT(doc->ref_id), BIND_INT(doc->unit_id),
                            BIND_TEXT(doc->unit_path), BIND_TEXT(S(doc->doc_type)),
                            BIND_TEXT(S(doc->register_name)), BIND_TEXT(S(doc->date)),
                            BIND_TEXT(S(doc->signer)), BIND_TEXT(signer_folded),
                            BIND_TEXT(S(doc->status)), BIND_INT(now_unix()));
        id = store_last_insert_id(db);
        if (rc == 0)
            rc = store_exec_all(db,
                                "INSERT INTO search_text(id, title, summary, number, body, scope)"
                                " VALUES (?, ?, ?, ?, ?, ?)",
                                BIND_INT(id), BIND_TEXT(cols[0]), BIND_TEXT(cols[1]),
                                BIND_TEXT(cols[2]), BIND_TEXT(cols[3]), BIND_TEXT(cols[4]));
    }
    if (rc == 0)
        rc = fts_write(db, id, cols, 0);
    if (rc)
        rc = db_error(err);
out:
    free_cols(cols);
    free_cols(old);
    return rc;
}

int search_remove(struct store *db, const char *kind, int64_t ref_id, struct derr *err)
{
    char *old[NCOLS] = {0};
    int64_t id = 0;
    int rc = find_row(db, S(kind), ref_id, &id, old);

    if (rc == STORE_DONE)
        return 0;
    if (rc == STORE_ROW) {
        rc = fts_write(db, id, old, 1);
        if (rc == 0)
            rc = store_exec_all(db, "DELETE FROM search_text WHERE id = ?", BIND_INT(id));
        if (rc == 0)
            rc = store_exec_all(db, "DELETE FROM search_docs WHERE id = ?", BIND_INT(id));
    }
    free_cols(old);
    return rc ? db_error(err) : 0;
}

int search_rebuild(struct store *db)
{
    struct store_stmt *st;
    int rc = store_exec(db, "INSERT INTO search_fts(search_fts) VALUES ('delete-all')");
    if (rc)
        return rc;
    rc = store_prepare(db,
                       "SELECT id, title, summary, number, body, scope FROM search_text"
                       " ORDER BY id",
                       &st);
    if (rc)
        return rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        /* fts_write folds the columns into copies, so the row's text can be
         * used as it stands while the statement is on it. */
        char *cols[NCOLS];
        for (int i = 0; i < NCOLS; i++)
            cols[i] = (char *)store_col_text(st, i + 1);
        rc = fts_write(db, store_col_int(st, 0), cols, 0);
        if (rc)
            break;
    }
    store_done(st);
    return rc == STORE_DONE ? 0 : rc;
}

/* --- queries ------------------------------------------------------------- */

/* The filters, tested on search_docs d: parameters ?3 to ?9 (kind,
 * doc_type, register, signer folded, status, date from, date to). */
#define FILTERS                                                                                    \
    " (?3 = '' OR d.kind = ?3) AND (?4 = '' OR d.doc_type = ?4)"                                  \
    " AND (?5 = '' OR d.register = ?5) AND (?6 = '' OR d.signer_folded = ?6)"                     \
    " AND (?7 = '' OR d.status = ?7) AND (?8 = '' OR d.doc_date >= ?8)"                           \
    " AND (?9 = '' OR d.doc_date <= ?9)"

/* The scope as SQL, on search_docs d: ?10 is a JSON array of unit paths.
 * The index applies the scope itself (its scope column); this second test
 * runs on the page's rows only, so that a fault in the index's scope
 * tokens could hide a document but never show one to the wrong officer. */
#define SCOPE_SQL                                                                                  \
    " EXISTS (SELECT 1 FROM json_each(?10) s"                                                      \
    "         WHERE substr(d.unit_path, 1, length(s.value)) = s.value)"

#define COLUMNS                                                                                    \
    " d.kind, d.ref_id, d.unit_id, d.doc_type, d.register, d.doc_date, d.signer, d.status,"      \
    " t.title, t.summary, t.number"

/* The ranked page is chosen first (bm25 over every match of ?2, the words
 * AND the scope, with no snippet), then the snippets are made for that
 * page alone, from ?1 (the words alone, so that the scope column is never
 * a snippet): in one SELECT, SQLite would compute snippet() for every
 * match before sorting. The snippets come from one more pass of ?1 over
 * the rowids between the page's first and last, which keeps the page's
 * rows: one evaluation of the expression (a prefix merges its terms'
 * lists once), where a lookup per row of the page would evaluate it for
 * each (measured: a third slower on prefixes of 4 letters and more).
 * ?3..?9 are the filters (FILTERS), ?10 the scope (SCOPE_SQL), ?11 the
 * limit, ?12 the offset. */
#define PAGE_SQL                                                                                   \
    " SELECT" COLUMNS ", CAST(round(-h.score * 1000) AS INTEGER),"                                 \
    " snippet(search_fts, -1, char(2), char(3), '…', " SNIPPET_WORDS ")"                         \
    " FROM search_fts CROSS JOIN hits h CROSS JOIN search_docs d CROSS JOIN search_text t"        \
    " WHERE search_fts MATCH ?1 AND search_fts.rowid >= (SELECT min(id) FROM hits)"              \
    " AND search_fts.rowid <= (SELECT max(id) FROM hits) AND h.id = search_fts.rowid"            \
    " AND d.id = h.id AND t.id = h.id AND" SCOPE_SQL " ORDER BY h.score, h.id"

/* Without filters, the page comes from the index alone. The filters'
 * parameters are all '' here (the test keeps the parameters the same for
 * the three statements, so one binding serves them). */
static const char sql_match[] =
    "WITH hits(id, score) AS MATERIALIZED ("
    "  SELECT rowid, " SEARCH_BM25 " FROM search_fts WHERE search_fts MATCH ?2"
    "  AND ?3 || ?4 || ?5 || ?6 || ?7 || ?8 || ?9 = ''"
    "  ORDER BY 2, 1 LIMIT ?11 OFFSET ?12)" PAGE_SQL;

/* With filters, each match's row of search_docs is tested. */
static const char sql_match_filtered[] =
    "WITH hits(id, score) AS MATERIALIZED ("
    "  SELECT f.rowid, " SEARCH_BM25 " FROM search_fts f JOIN search_docs d ON d.id = f.rowid"
    "  WHERE search_fts MATCH ?2 AND" FILTERS
    "  ORDER BY 2, 1 LIMIT ?11 OFFSET ?12)" PAGE_SQL;

/* Without words: what the filters select, newest document first. ?1 and
 * ?2 are unused (the same parameters as the others). */
static const char sql_list[] =
    "SELECT" COLUMNS ", NULL, NULL FROM search_docs d JOIN search_text t ON t.id = d.id"
    " WHERE ?1 || ?2 = '' AND" FILTERS " AND" SCOPE_SQL
    " ORDER BY d.doc_date DESC, d.id DESC LIMIT ?11 OFFSET ?12";

/* The index expression: the words AND the scope, one of the officer's
 * units (scope : ("<mark>1x5" OR ...)). A new string the caller frees, or
 * NULL out of memory. */
static char *full_expr(const char *words, const struct search_query *q)
{
    struct dynbuf b;
    dynbuf_init(&b, SEARCH_EXPR_MAX + 64 + q->nscope * (SEARCH_PATH_MAX + 8));
    dynbuf_addf(&b, "(%s) AND scope : (", words);
    for (size_t i = 0; i < q->nscope; i++) {
        /* the unit's own token: the mark, then its path's ids joined by
         * x (paths are checked: digits and slashes only) */
        const char *p = q->scope[i];
        size_t n = strlen(p);
        dynbuf_adds(&b, i ? " OR \"" SCOPE_MARK : "\"" SCOPE_MARK);
        for (size_t k = 1; k + 1 < n; k++)
            dynbuf_add(&b, p[k] == '/' ? "x" : &p[k], 1);
        dynbuf_adds(&b, "\"");
    }
    dynbuf_adds(&b, ")");
    return dynbuf_take(&b, NULL);
}

/* Splits a snippet with MARK_ON/MARK_OFF into [{text, match}]. A new
 * reference, or NULL out of memory. */
static json_t *snippet_parts(const char *s)
{
    json_t *parts = json_array();
    int match = 0;

    while (parts && *s) {
        size_t n = strcspn(s, "\x02\x03");
        if (n > 0 && json_array_append_new(parts, json_pack("{s:s%, s:b}", "text", s, n, "match",
                                                            match))) {
            json_decref(parts);
            return NULL;
        }
        s += n;
        if (*s) {
            match = *s == MARK_ON;
            s++;
        }
    }
    return parts;
}

static json_t *row_json(struct store_stmt *st)
{
    json_t *o = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kind",
                          store_col_text(st, 0), "ref_id", (json_int_t)store_col_int(st, 1),
                          "unit_id", (json_int_t)store_col_int(st, 2), "doc_type",
                          store_col_text(st, 3), "register", store_col_text(st, 4), "date",
                          store_col_text(st, 5), "signer", store_col_text(st, 6), "status",
                          store_col_text(st, 7), "title", store_col_text(st, 8), "summary",
                          store_col_text(st, 9), "number", store_col_text(st, 10));
    if (!o)
        return NULL;
    if (store_col_is_null(st, 11)) {
        json_object_set_new(o, "score", json_null());
        json_object_set_new(o, "snippet", json_array());
    } else {
        /* bm25 is negative, better when lower: turned around, in
         * thousandths (the store reads integers) */
        json_t *parts = snippet_parts(store_col_text(st, 12));
        if (!parts) {
            json_decref(o);
            return NULL;
        }
        json_object_set_new(o, "score", json_integer(store_col_int(st, 11)));
        json_object_set_new(o, "snippet", parts);
    }
    return o;
}

int search_query(struct store *db, const struct search_query *q, json_t **out,
                 struct derr *err)
{
    char expr[SEARCH_EXPR_MAX], signer[SEARCH_FIELD_MAX + 1];
    json_t *scope = NULL, *items = NULL;
    char *scope_json = NULL, *index_expr = NULL;
    struct store_stmt *st = NULL;
    int limit = q->limit <= 0 ? SEARCH_LIMIT_DEFAULT
                : q->limit > SEARCH_LIMIT_MAX ? SEARCH_LIMIT_MAX : q->limit;
    int words, rc, n = 0, has_more = 0, blank, filtered;

    *out = NULL;
    if (q->offset < 0 || q->offset > SEARCH_OFFSET_MAX)
        return derr_set(err, DERR_INVALID, "offset_too_large",
                        "Trang kết quả quá sâu: hãy thu hẹp từ khóa tìm kiếm", "offset");
    if (!date_ok(q->date_from) || !date_ok(q->date_to))
        return derr_set(err, DERR_INVALID, "date_invalid", "Ngày không hợp lệ (YYYY-MM-DD)",
                        !date_ok(q->date_from) ? "date_from" : "date_to");
    if (!field_ok(q->kind, SEARCH_FIELD_MAX) || !field_ok(q->doc_type, SEARCH_FIELD_MAX) ||
        !field_ok(q->register_name, SEARCH_FIELD_MAX) || !field_ok(q->status, SEARCH_FIELD_MAX) ||
        !field_ok(q->signer, SEARCH_FIELD_MAX) ||
        text_fold(S(q->signer), signer, sizeof signer) < 0)
        return derr_set(err, DERR_INVALID, "filter_invalid", "Điều kiện lọc không hợp lệ", NULL);
    if (q->nscope > SEARCH_SCOPE_MAX)
        return derr_set(err, DERR_INVALID, "scope_invalid", "Phạm vi đơn vị không hợp lệ", "scope");
    for (size_t i = 0; i < q->nscope; i++)
        if (!path_ok(q->scope[i]))
            return derr_set(err, DERR_INVALID, "scope_invalid", "Phạm vi đơn vị không hợp lệ",
                            "scope");
    words = search_match_expr(q->text, expr, sizeof expr, err);
    if (words < 0)
        return -1;

    items = json_array();
    if (!items)
        return oom(err);
    /* Nothing to look in, or only punctuation typed: no results, no error. */
    blank = strspn(S(q->text), " \t\r\n") == strlen(S(q->text));
    if (q->nscope == 0 || (words == 0 && !blank))
        goto done;

    scope = json_array();
    for (size_t i = 0; scope && i < q->nscope; i++)
        if (json_array_append_new(scope, json_string(q->scope[i])))
            json_decref(scope), scope = NULL;
    scope_json = scope ? json_dumps(scope, JSON_COMPACT) : NULL;
    if (!scope_json) {
        rc = oom(err);
        goto out;
    }
    if (words) {
        index_expr = full_expr(expr, q);
        if (!index_expr) {
            rc = oom(err);
            goto out;
        }
    }
    filtered = *S(q->kind) || *S(q->doc_type) || *S(q->register_name) || *signer ||
               *S(q->status) || *S(q->date_from) || *S(q->date_to);
    /* One more row than the page says whether another page follows. */
    rc = store_prepare_all(db, !words ? sql_list : filtered ? sql_match_filtered : sql_match, &st,
                           BIND_TEXT(expr), BIND_TEXT(S(index_expr)),
                           BIND_TEXT(S(q->kind)), BIND_TEXT(S(q->doc_type)),
                           BIND_TEXT(S(q->register_name)), BIND_TEXT(signer),
                           BIND_TEXT(S(q->status)), BIND_TEXT(S(q->date_from)),
                           BIND_TEXT(S(q->date_to)), BIND_TEXT(scope_json), BIND_INT(limit + 1),
                           BIND_INT(q->offset));
    if (rc) {
        rc = db_error(err);
        goto out;
    }
    while ((rc = store_step(st)) == STORE_ROW) {
        json_t *o;
        if (n == limit) {
            has_more = 1;
            continue;
        }
        o = row_json(st);
        if (!o || json_array_append_new(items, o)) {
            rc = oom(err);
            goto out;
        }
        n++;
    }
    if (rc != STORE_DONE) {
        rc = db_error(err);
        goto out;
    }
done:
    *out = json_pack("{s:o, s:b}", "items", items, "has_more", has_more);
    items = NULL;
    rc = *out ? 0 : oom(err);
out:
    if (st)
        store_done(st);
    json_decref(items);
    json_decref(scope);
    free(scope_json);
    free(index_expr);
    return rc;
}
