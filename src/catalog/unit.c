/* unit: agencies and their tree. */
#include "catalog/unit.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/permission.h"
#include "base/csv.h"
#include "base/text.h"
#include "base/util.h"
#include "store/store.h"

int unit_code_valid(const char *c)
{
    /* DDD.DD.DD.XNN */
    static const char shape[] = "999.99.99.A99";
    if (strlen(c) != sizeof shape - 1)
        return 0;
    for (size_t i = 0; shape[i]; i++) {
        if (shape[i] == '9' && !isdigit((unsigned char)c[i]))
            return 0;
        if (shape[i] == '.' && c[i] != '.')
            return 0;
        if (shape[i] == 'A' && !(c[i] >= 'A' && c[i] <= 'K'))
            return 0;
    }
    return 1;
}

#define UNIT_COLS "u.id, u.code, u.name, u.level, coalesce(p.code, ''), u.path, u.abbreviation"

static int read_unit(struct store_stmt *st, void *out)
{
    struct unit *u = out;
    u->id = store_col_int(st, 0);
    copy_str(u->code, sizeof u->code, store_col_text(st, 1));
    copy_str(u->name, sizeof u->name, store_col_text(st, 2));
    copy_str(u->level, sizeof u->level, store_col_text(st, 3));
    copy_str(u->parent_code, sizeof u->parent_code, store_col_text(st, 4));
    copy_str(u->path, sizeof u->path, store_col_text(st, 5));
    copy_str(u->abbreviation, sizeof u->abbreviation, store_col_text(st, 6));
    return STORE_ROW;
}

int unit_by_code(struct store *db, const char *code, struct unit *out)
{
    return store_one(db,
                     "SELECT " UNIT_COLS " FROM units u LEFT JOIN units p"
                     " ON p.id = u.parent_id WHERE u.code = ?",
                     read_unit, out, BIND_TEXT(code));
}

int unit_by_id(struct store *db, int64_t id, struct unit *out)
{
    return store_one(db,
                     "SELECT " UNIT_COLS " FROM units u LEFT JOIN units p"
                     " ON p.id = u.parent_id WHERE u.id = ?",
                     read_unit, out, BIND_INT(id));
}

json_t *unit_json(const struct unit *u)
{
    return json_pack("{s:s, s:s, s:s, s:s?}", "code", u->code, "name", u->name, "level", u->level,
                     "parent_code", u->parent_code[0] ? u->parent_code : NULL);
}

static int valid_level(const char *l)
{
    static const char *levels[] = {"central", "province", "department", "district", "commune",
                                   "office"};
    for (size_t i = 0; i < ARRAY_LEN(levels); i++)
        if (strcmp(l, levels[i]) == 0)
            return 1;
    return 0;
}

/* Letters (Vietnamese ones too: SGDĐT) and digits, as in 12/QĐ-UBND:
 * nothing that could be read as the notation's '/' or '-'. */
static int abbreviation_valid(const char *a)
{
    size_t n = strlen(a);
    if (n > UNIT_ABBREVIATION_MAX || !text_utf8_valid(a, n))
        return 0;
    for (const unsigned char *p = (const unsigned char *)a; *p; p++)
        if (*p < 0x80 && !((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                           (*p >= '0' && *p <= '9')))
            return 0;
    return 1;
}

/* Inserts or updates one unit and sets its path. */
static int upsert_unit(struct store *db, const char *code, const char *name, const char *level,
                       const struct unit *parent, int demo, const char *abbreviation, char *err,
                       size_t errlen)
{
    char folded[512];
    struct store_stmt *st;
    if (text_fold(name, folded, sizeof folded) < 0) {
        snprintf(err, errlen, "invalid name");
        return -1;
    }
    int rc = store_prepare(db,
                           "INSERT INTO units(code, name, name_folded, level, parent_id, path,"
                           " demo_code, abbreviation) VALUES (?, ?, ?, ?, ?, '', ?, ?7)"
                           " ON CONFLICT(code) DO UPDATE SET name = excluded.name,"
                           " name_folded = excluded.name_folded, level = excluded.level,"
                           " parent_id = excluded.parent_id, demo_code = excluded.demo_code,"
                           " abbreviation = CASE WHEN ?7 = '' THEN abbreviation ELSE ?7 END",
                           &st);
    if (rc)
        return rc;
    store_bind_text(st, 1, code);
    store_bind_text(st, 2, name);
    store_bind_text(st, 3, folded);
    store_bind_text(st, 4, level);
    if (parent)
        store_bind_int(st, 5, parent->id);
    else
        store_bind_null(st, 5);
    store_bind_int(st, 6, demo);
    store_bind_text(st, 7, abbreviation);
    rc = store_step(st);
    store_done(st);
    if (rc != STORE_DONE) {
        snprintf(err, errlen, "cannot store unit: %s", store_errmsg(db));
        return -1;
    }
    struct unit self;
    if (unit_by_code(db, code, &self) != STORE_ROW)
        return -1;
    char path[512];
    int n = snprintf(path, sizeof path, "%s%lld/", parent ? parent->path : "/", (long long)self.id);
    if (n < 0 || (size_t)n >= sizeof path) {
        snprintf(err, errlen, "the unit tree is too deep");
        return -1;
    }
    rc = store_prepare_all(db, "UPDATE units SET path = ? WHERE id = ?", &st,
                           BIND_TEXT(path), BIND_INT(self.id));
    if (rc)
        return rc;
    rc = store_step(st);
    store_done(st);
    return rc == STORE_DONE ? 0 : -1;
}

static int import_line(struct store *db, char *line, char *err, size_t errlen)
{
    char *f[7];
    int n = csv_split(line, f, 7);
    if (n < 4 || n > 6) {
        snprintf(err, errlen, "expected code,name,level,parent_code[,demo_code[,abbreviation]]");
        return -1;
    }
    if (!unit_code_valid(f[0])) {
        snprintf(err, errlen, "'%s' is not a unit code like 000.00.00.H56", f[0]);
        return -1;
    }
    size_t nl = strlen(f[1]);
    if (nl == 0 || nl > 250 || !text_utf8_valid(f[1], nl)) {
        snprintf(err, errlen, "the name must be 1 to 250 bytes of UTF-8");
        return -1;
    }
    if (!valid_level(f[2])) {
        snprintf(err, errlen, "unknown level '%s' (central, province, department, district,"
                              " commune, office)", f[2]);
        return -1;
    }
    struct unit parent;
    int has_parent = f[3][0] != '\0';
    if (has_parent && unit_by_code(db, f[3], &parent) != STORE_ROW) {
        snprintf(err, errlen, "parent '%s' is not known (parents must come first)", f[3]);
        return -1;
    }
    if (has_parent && strcmp(f[3], f[0]) == 0) {
        snprintf(err, errlen, "a unit cannot be its own parent");
        return -1;
    }
    int demo = n >= 5 && strcmp(f[4], "1") == 0;
    const char *abbreviation = n >= 6 ? f[5] : "";
    if (!abbreviation_valid(abbreviation)) {
        snprintf(err, errlen,
                 "the abbreviation '%.40s' must be letters and digits, at most %d bytes",
                 abbreviation, UNIT_ABBREVIATION_MAX);
        return -1;
    }
    return upsert_unit(db, f[0], f[1], f[2], has_parent ? &parent : NULL, demo, abbreviation, err,
                       errlen);
}

int unit_import_csv(struct store *db, const char *text, size_t len, int *imported, char *err,
                    size_t errlen)
{
    size_t pos = 0;
    int lineno = 0, count = 0, rc = 0;
    char *line;
    char why[300];
    *imported = 0;
    while ((line = csv_next_line(text, len, &pos))) {
        lineno++;
        if (lineno == 1) {
            if (strncmp(line, "code,name,level,parent_code", 27) != 0) {
                snprintf(err, errlen, "line 1: the header must be code,name,level,parent_code");
                rc = -1;
            }
        } else if (line[0] && line[0] != '#') {
            why[0] = '\0';
            if (import_line(db, line, why, sizeof why)) {
                snprintf(err, errlen, "line %d: %s", lineno, why[0] ? why : "cannot import");
                rc = -1;
            } else {
                count++;
            }
        }
        free(line);
        if (rc)
            return rc;
    }
    if (lineno == 0) {
        snprintf(err, errlen, "the file is empty");
        return -1;
    }
    *imported = count;
    return 0;
}

/* ?1 level or NULL, ?2 name pattern, ?3 parent code or NULL. */
#define LIST_WHERE                                                                                 \
    " FROM units u LEFT JOIN units p ON p.id = u.parent_id WHERE (?1 IS NULL OR u.level = ?1)"     \
    " AND u.name_folded LIKE ?2 ESCAPE '\\' AND (?3 IS NULL OR p.code = ?3)"

json_t *unit_list_json(struct store *db, const char *level, const char *q, const char *parent,
                       int limit, int offset)
{
    char folded[256] = "", like[600];
    if (q && text_fold(q, folded, sizeof folded) < 0)
        folded[0] = '\0';
    if (text_like_contains(folded, like, sizeof like))
        return NULL;
    struct store_stmt *st;
    int64_t total = 0;
    int rc;
    if (store_int(db, "SELECT count(*)" LIST_WHERE, &total, BIND_TEXT(level), BIND_TEXT(like),
                  BIND_TEXT(parent)) != STORE_ROW ||
        store_prepare_all(db, "SELECT " UNIT_COLS LIST_WHERE " ORDER BY u.level, u.name LIMIT ?4 OFFSET ?5",
                          &st,
                          BIND_TEXT(level), BIND_TEXT(like), BIND_TEXT(parent), BIND_INT(limit),
                          BIND_INT(offset)))
        return NULL;
    json_t *items = json_array();
    while ((rc = store_step(st)) == STORE_ROW) {
        struct unit u;
        read_unit(st, &u);
        json_array_append_new(items, unit_json(&u));
    }
    store_done(st);
    if (rc < 0) {
        json_decref(items);
        return NULL;
    }
    return json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total);
}

json_t *unit_rows_json(struct store_stmt *st)
{
    json_t *items = json_array();
    int rc;
    while ((rc = store_step(st)) == STORE_ROW)
        json_array_append_new(items, json_pack("{s:s, s:s, s:s}", "code", store_col_text(st, 0),
                                               "name", store_col_text(st, 1), "level",
                                               store_col_text(st, 2)));
    store_done(st);
    if (rc < 0) {
        json_decref(items);
        return NULL;
    }
    return items;
}

json_t *unit_list_permitted_json(struct store *db, int64_t account_id, const char *permission)
{
    struct store_stmt *st;
    if (store_prepare_all(db,
                          "SELECT DISTINCT u.code, u.name, u.level, u.path FROM "
                          PERMISSION_GRANTS("?2") " g JOIN units u ON u.id = g.unit_id"
                          " WHERE g.account_id = ?1 ORDER BY u.path",
                          &st, BIND_INT(account_id), BIND_TEXT(permission)))
        return NULL;
    return unit_rows_json(st);
}
