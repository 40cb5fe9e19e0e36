/* search: full-text search over official documents (văn bản) for the
 * e-office: their title, summary (trích yếu), number and notation (số, ký
 * hiệu) and body text, searched without diacritics (không dấu), ranked by
 * bm25 with the title above the body, filtered, and limited to the units an
 * officer may see. The tables are db/023_search.sql; the model, ranking,
 * limits and how a module calls it are in docs/search.md.
 *
 * The module knows nothing of documents: a caller (the documents module)
 * gives it plain structs: what to index and who looks. It writes inside
 * the caller's transaction (a write job) and reads on any connection. */
#ifndef MOTCUA_SEARCH_H
#define MOTCUA_SEARCH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"

struct store;

/* Limits, in bytes of UTF-8 unless said otherwise. */
#define SEARCH_FIELD_MAX 128        /* kind, doc_type, register, signer, status */
#define SEARCH_PATH_MAX 256         /* a unit path "/1/5/23/" */
#define SEARCH_TITLE_MAX 2048
#define SEARCH_SUMMARY_MAX 8192
#define SEARCH_NUMBER_MAX 128
#define SEARCH_BODY_MAX (512 * 1024) /* a longer body is indexed up to here (cut
                                        between characters), not refused */
#define SEARCH_QUERY_MAX 256        /* what an officer types */
#define SEARCH_QUERY_WORDS 8        /* words (runs between spaces) in it */
#define SEARCH_WORD_MAX 64          /* one word, folded */
#define SEARCH_SCOPE_MAX 64         /* unit paths of one officer */
#define SEARCH_LIMIT_DEFAULT 20
#define SEARCH_LIMIT_MAX 100        /* a larger limit is lowered to this */
#define SEARCH_OFFSET_MAX 1000      /* deeper pages are refused: refine the query */

/* What to index: one item (a document) of the caller's, known by (kind,
 * ref_id). Strings are borrowed for the call; NULL means "". */
struct search_doc {
    const char *kind;        /* required: "incoming", "outgoing", ... */
    int64_t ref_id;          /* required: the item's id in the caller's table */
    int64_t unit_id;         /* the unit it belongs to */
    const char *unit_path;   /* required: that unit's units.path, "/1/5/23/" */
    const char *doc_type;    /* loại văn bản: "QĐ", "CV", ... */
    const char *register_name; /* sổ văn bản */
    const char *date;        /* ngày văn bản "YYYY-MM-DD", or NULL */
    const char *signer;      /* người ký */
    const char *status;
    const char *title;       /* required */
    const char *summary;     /* trích yếu */
    const char *number;      /* số, ký hiệu: "12/QĐ-UBND" */
    const char *body;        /* the text (search_pdf_text's); body_len bytes, */
    size_t body_len;         /* no NUL needed */
};

/* Indexes doc, or replaces what was indexed for (kind, ref_id). Runs on
 * the caller's read-write connection, inside its transaction (a write
 * job): the row and its index entries change together or not at all.
 * Text must be UTF-8 (control characters are stored as spaces). Returns 0;
 * -1 with err set (DERR_INVALID: a field missing, too long or not UTF-8;
 * DERR_INTERNAL: a store error). */
int search_index(struct store *db, const struct search_doc *doc, struct derr *err);

/* Removes (kind, ref_id) from the index, in the caller's transaction.
 * Returns 0 (also when it was not indexed), or -1 with err set
 * (DERR_INTERNAL). */
int search_remove(struct store *db, const char *kind, int64_t ref_id, struct derr *err);

/* Re-indexes every row from its stored text, in the caller's transaction:
 * the only rebuild there is (FTS5's own 'rebuild' would index the text
 * with its diacritics; db/023_search.sql says why). For a migration if
 * text_fold() ever folds differently. Returns 0 or a store error. */
int search_rebuild(struct store *db);

/* A search. Strings are borrowed for the call; NULL or "" for a filter
 * means any. */
struct search_query {
    const char *text;        /* what the officer typed. Folded; each word (a
                                run between spaces) is searched as a phrase
                                of its tokens, words ANDed, the last one as
                                a prefix (at least 2 characters). NULL or
                                blank: the items the filters select, newest
                                document date first. */
    const char *kind;
    const char *doc_type;
    const char *register_name;
    const char *signer;      /* compared folded: "nguyen van an" finds
                                "Nguyễn Văn An" */
    const char *status;
    const char *date_from;   /* "YYYY-MM-DD", inclusive */
    const char *date_to;     /* "YYYY-MM-DD", inclusive */
    const char *const *scope; /* the officer's unit paths ("/1/5/"): only
                                items whose unit_path begins with one of
                                them are returned. Zero paths: nothing. */
    size_t nscope;
    int limit;               /* <= 0: SEARCH_LIMIT_DEFAULT; above
                                SEARCH_LIMIT_MAX: SEARCH_LIMIT_MAX */
    int offset;              /* 0..SEARCH_OFFSET_MAX */
};

/* Runs q on db (any connection: a loop's read-only one will do). OUT *out
 * (a new reference; the caller owns it):
 *   {"items": [{"kind", "ref_id", "unit_id", "doc_type", "register",
 *               "date", "signer", "status", "title", "summary", "number",
 *               "score": higher is better (null without words),
 *               "snippet": [{"text": "...", "match": true|false}, ...]}],
 *    "has_more": true if another page follows}
 * The snippet is up to 16 words of the best-matching column, in the
 * original text (with diacritics), cut into parts that match or not, so a
 * page marks them without parsing any markup. Text a user typed never
 * reaches FTS5 as syntax: quotes, AND, OR, NOT, NEAR, *, ^, parentheses are
 * searched as text (or ignored), never an error.
 * Returns 0, or -1 with err set (DERR_INVALID: the query is too long, has
 * too many or too long words, is not UTF-8, a date is malformed, a scope
 * path is malformed, the offset is too deep; DERR_INTERNAL: a store
 * error). */
int search_query(struct store *db, const struct search_query *q, json_t **out,
                 struct derr *err);

/* The FTS5 match expression for what a user typed (the part of
 * search_query that turns text into syntax; exported for its fuzzer and
 * the benchmark's ceiling). Writes a NUL-terminated expression into out
 * (cap >= SEARCH_EXPR_MAX). Returns the number of words in it (0: nothing
 * to search for, out is ""), or -1 with err set (DERR_INVALID) and out "". */
#define SEARCH_EXPR_MAX (SEARCH_QUERY_WORDS * (2 * SEARCH_WORD_MAX + 4) + 1)
int search_match_expr(const char *text, char *out, size_t cap, struct derr *err);

/* --- PDF text ------------------------------------------------------------ */

/* Bounds of one extraction. Zero fields take the defaults. */
struct search_pdf_limits {
    size_t max_input;   /* bytes of PDF (default 64 MiB) */
    int max_pages;      /* pages read (default 300) */
    size_t max_text;    /* bytes of text kept (default SEARCH_BODY_MAX) */
    int max_millis;     /* time, checked between pages (default 10000) */
};

/* The text of a PDF, for the body of search_doc, through poppler's GLib
 * library. Slow (milliseconds to seconds) and CPU-heavy: call it off the
 * loop threads (the worker pool), never inside a write job; the text is
 * then handed to the job that calls search_index. Thread-safe (each call
 * has its own poppler document).
 * Pages are read in order and their text joined by line feeds, until a
 * limit: a single page is not interrupted (poppler cannot be), so the time
 * limit is checked between pages. OUT *text: malloc'd UTF-8, NUL-
 * terminated, without control characters other than line feeds (the
 * caller frees it with free()); *text_len its length.
 * Returns 0 (the whole text), 1 (a limit cut it: *text holds what was
 * read), or -1 with err set and *text NULL: DERR_TOO_LARGE (over
 * max_input), DERR_INVALID with code "pdf_encrypted" (it needs a password)
 * or "pdf_unreadable" (not a PDF, damaged beyond repair, or without a
 * page), DERR_INTERNAL
 * (out of memory). Poppler's own warnings about damaged files go to
 * stderr; that cannot be turned off through its GLib API. */
int search_pdf_text(const void *pdf, size_t len, const struct search_pdf_limits *lim,
                    char **text, size_t *text_len, struct derr *err);

#endif
