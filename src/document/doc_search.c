/* doc_search: the documents module's side of the full-text search: what
 * of a document is indexed, and who may find it. */
#include "document/doc_search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/permission.h"
#include "base/util.h"
#include "document/document.h"
#include "store/store.h"

/* The length of s cut to at most max bytes between UTF-8 characters. */
static size_t utf8_cut(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

struct indexed {
    int64_t unit_id;
    char path[SEARCH_PATH_MAX];
    char type_name[160];
    char signer[256];
};

static int read_indexed(struct store_stmt *st, void *out)
{
    struct indexed *x = out;
    x->unit_id = store_col_int(st, 0);
    copy_str(x->path, sizeof x->path, store_col_text(st, 1));
    copy_str(x->type_name, sizeof x->type_name, store_col_text(st, 2));
    copy_str(x->signer, sizeof x->signer, store_col_text(st, 3));
    return STORE_ROW;
}

static int index_one(struct store *db, int64_t id, const char *body, size_t body_len,
                     struct derr *err)
{
    struct document d;
    struct indexed x = {0};
    char title[sizeof x.type_name + sizeof d.summary + 2], date[11];
    int rc = document_get(db, id, &d);
    if (rc == STORE_ROW)
        rc = store_one(db,
                       "SELECT u.id, u.path, t.name, coalesce(a.full_name, '')"
                       " FROM documents d JOIN units u ON u.id = d.unit_id"
                       " JOIN document_types t ON t.code = d.type_code"
                       " LEFT JOIN accounts a ON a.id = d.signer_id WHERE d.id = ?",
                       read_indexed, &x, BIND_INT(id));
    if (rc != STORE_ROW)
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
    /* "Quyết định (cá biệt)": the bracket tells the list's types apart;
     * the document is called "Quyết định". */
    char *bracket = strstr(x.type_name, " (");
    if (bracket && x.type_name[strlen(x.type_name) - 1] == ')')
        *bracket = '\0';
    /* A summary written alone starts "Về việc"; after the name it reads
     * "về việc", as the register prints it. */
    static const char ve_viec[] = "Về việc";
    int lower = strncmp(d.summary, ve_viec, sizeof ve_viec - 1) == 0;
    snprintf(title, sizeof title, "%.159s %s%.2000s", x.type_name, lower ? "v" : "",
             d.summary + (lower ? 1 : 0));
    title[utf8_cut(title, SEARCH_TITLE_MAX)] = '\0';
    if (d.issued_on[0])
        copy_str(date, sizeof date, d.issued_on);
    else
        document_date(d.created_at, date);
    struct search_doc sd = {
        .kind = DOCUMENT_SEARCH_KIND,
        .ref_id = d.id,
        .unit_id = x.unit_id,
        .unit_path = x.path,
        .doc_type = d.type_code,
        .register_name = strcmp(d.direction, "in") == 0 ? "đến" : "đi",
        .date = date,
        .signer = x.signer,
        .status = document_state_name(d.state),
        .title = title,
        .summary = d.summary,
        .number = d.notation,
        .body = body,
        .body_len = body ? body_len : 0,
    };
    return search_index(db, &sd, err);
}

int document_search_index(struct store *db, int64_t id, const char *body, size_t body_len,
                          struct derr *err)
{
    struct store_stmt *st;
    int64_t copies[DOCUMENT_MAX_RECIPIENTS];
    int n = 0, rc;
    if (index_one(db, id, body, body_len, err))
        return -1;
    rc = store_prepare_all(db, "SELECT id FROM documents WHERE source_id = ? ORDER BY id", &st,
                           BIND_INT(id));
    if (rc)
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
    while ((rc = store_step(st)) == STORE_ROW && n < DOCUMENT_MAX_RECIPIENTS)
        copies[n++] = store_col_int(st, 0);
    store_done(st);
    if (rc < 0)
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
    for (int i = 0; i < n; i++)
        if (index_one(db, copies[i], body, body_len, err))
            return -1;
    return 0;
}

int document_search_scope(struct store *db, int64_t account_id,
                          char paths[][SEARCH_PATH_MAX], int max)
{
    struct store_stmt *st;
    int n = 0;
    int rc = store_prepare_all(db,
                               "SELECT DISTINCT u.path FROM " PERMISSION_GRANTS("?2") " g"
                               " JOIN units u ON u.id = g.unit_id WHERE g.account_id = ?1"
                               " ORDER BY u.path",
                               &st, BIND_INT(account_id), BIND_TEXT(DOCUMENT_PERM_READ));
    if (rc)
        return rc < 0 ? rc : -1;
    while ((rc = store_step(st)) == STORE_ROW && n < max)
        copy_str(paths[n++], SEARCH_PATH_MAX, store_col_text(st, 0));
    store_done(st);
    if (rc < 0)
        return rc;
    return n;
}
