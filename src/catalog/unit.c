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

#define UNIT_COLS                                                                                  \
    "u.id, u.code, u.name, u.level, coalesce(p.code, ''), u.path, u.abbreviation, u.kind"

/* The kinds of unit (loại đơn vị), beside the level: what body a unit is. A
 * new kind is a line here and in docs (data/README.md); the database keeps
 * the key, so labels can change without touching the data. */
static const struct {
    const char *kind, *label;
} unit_kinds[] = {
    {"ubnd_tinh", "Ủy ban nhân dân tỉnh"},
    {"van_phong", "Văn phòng"},
    {"so", "Sở"},
    {"thanh_tra", "Thanh tra"},
    {"trung_tam_hcc", "Trung tâm Phục vụ hành chính công"},
    {"chi_cuc", "Chi cục"},
    {"phong", "Phòng"},
    {"ubnd_xa", "Ủy ban nhân dân xã, phường"},
    {"truong_mam_non", "Trường mầm non"},
    {"truong_tieu_hoc", "Trường tiểu học"},
    {"truong_thcs", "Trường trung học cơ sở"},
    {"truong_thpt", "Trường trung học phổ thông"},
    {"truong_cao_dang", "Trường cao đẳng"},
    {"benh_vien", "Bệnh viện"},
    {"tram_y_te", "Trạm y tế"},
    {"don_vi_su_nghiep", "Đơn vị sự nghiệp công lập khác"},
};

const char *unit_kind_label(const char *kind)
{
    for (size_t i = 0; kind && i < ARRAY_LEN(unit_kinds); i++)
        if (strcmp(kind, unit_kinds[i].kind) == 0)
            return unit_kinds[i].label;
    return NULL;
}

json_t *unit_kinds_json(void)
{
    json_t *a = json_array();
    for (size_t i = 0; i < ARRAY_LEN(unit_kinds); i++)
        json_array_append_new(a, json_pack("{s:s, s:s}", "kind", unit_kinds[i].kind, "label",
                                           unit_kinds[i].label));
    return a;
}

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
    copy_str(u->kind, sizeof u->kind, store_col_text(st, 7));
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

json_t *unit_catalog_json(const struct unit *u)
{
    json_t *o = unit_json(u);
    const char *label = unit_kind_label(u->kind);
    json_object_set_new(o, "kind", label ? json_string(u->kind) : json_null());
    json_object_set_new(o, "kind_label", label ? json_string(label) : json_null());
    return o;
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
                       const struct unit *parent, int demo, const char *abbreviation,
                       const char *kind, char *err, size_t errlen)
{
    char folded[512];
    struct store_stmt *st;
    if (text_fold(name, folded, sizeof folded) < 0) {
        snprintf(err, errlen, "invalid name");
        return -1;
    }
    int rc = store_prepare(db,
                           "INSERT INTO units(code, name, name_folded, level, parent_id, path,"
                           " demo_code, abbreviation, kind) VALUES (?, ?, ?, ?, ?, '', ?, ?7, ?8)"
                           " ON CONFLICT(code) DO UPDATE SET name = excluded.name,"
                           " name_folded = excluded.name_folded, level = excluded.level,"
                           " parent_id = excluded.parent_id, demo_code = excluded.demo_code,"
                           " abbreviation = CASE WHEN ?7 = '' THEN abbreviation ELSE ?7 END,"
                           " kind = CASE WHEN ?8 = '' THEN kind ELSE ?8 END",
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
    store_bind_text(st, 8, kind);
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
    char *f[8];
    int n = csv_split(line, f, 8);
    if (n < 4 || n > 7) {
        snprintf(err, errlen,
                 "expected code,name,level,parent_code[,demo_code[,abbreviation[,kind]]]");
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
    const char *kind = n >= 7 ? f[6] : "";
    if (kind[0] && !unit_kind_label(kind)) {
        snprintf(err, errlen, "unknown kind '%.40s' (motcua unit kinds lists them)", kind);
        return -1;
    }
    return upsert_unit(db, f[0], f[1], f[2], has_parent ? &parent : NULL, demo, abbreviation,
                       kind, err, errlen);
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

/* unit_list_json's statements. Statements are cached by their text's
 * address (store.h), so they are literals: one per "driving" filter, the
 * one whose index narrows most (procedure, then parent, subtree, kind,
 * level), each with every filter as a residual test. A test written
 * "?1 IS NULL OR level = ?1" alone never uses an index, hence the driver.
 * ?1 level, ?2 kind, ?3 name pattern, ?4 parent code, ?5 subtree code,
 * ?6 procedure code, ?7 limit, ?8 offset. The subtree is a range of paths:
 * "/1/5/" up to "/1/50" ('0' follows '/'), which units_path answers. */
#define LIST_FROM " FROM units u LEFT JOIN units p ON p.id = u.parent_id WHERE "
#define LIST_UNDER                                                                                 \
    "u.path >= (SELECT path FROM units WHERE code = ?5) AND u.path < (SELECT substr(path, 1,"      \
    " length(path) - 1) || '0' FROM units WHERE code = ?5)"
#define LIST_PROCEDURE                                                                             \
    "u.id IN (SELECT pu.unit_id FROM procedure_units pu JOIN procedures pr"                        \
    " ON pr.id = pu.procedure_id WHERE pr.code = ?6)"
#define LIST_REST                                                                                  \
    " AND (?1 IS NULL OR u.level = ?1) AND (?2 IS NULL OR u.kind = ?2)"                           \
    " AND (?3 IS NULL OR u.name_folded LIKE ?3 ESCAPE '\\')"                                     \
    " AND (?4 IS NULL OR u.parent_id = (SELECT id FROM units WHERE code = ?4))"                   \
    " AND (?5 IS NULL OR (" LIST_UNDER ")) AND (?6 IS NULL OR " LIST_PROCEDURE ")"
#define LIST_COUNT(driver) "SELECT count(*)" LIST_FROM driver LIST_REST
#define LIST_PAGE(driver)                                                                          \
    "SELECT " UNIT_COLS LIST_FROM driver LIST_REST " ORDER BY u.level, u.name LIMIT ?7 OFFSET ?8"
#define LIST_BY(driver) {LIST_COUNT(driver), LIST_PAGE(driver)}

enum { BY_NONE, BY_LEVEL, BY_KIND, BY_UNDER, BY_PARENT, BY_PROCEDURE };

static const char *const list_sql[][2] = {
    [BY_NONE] = LIST_BY("1"),
    [BY_LEVEL] = LIST_BY("u.level = ?1"),
    [BY_KIND] = LIST_BY("u.kind = ?2"),
    [BY_UNDER] = LIST_BY(LIST_UNDER),
    [BY_PARENT] = LIST_BY("u.parent_id = (SELECT id FROM units WHERE code = ?4)"),
    [BY_PROCEDURE] = LIST_BY(LIST_PROCEDURE),
};

/* A filter's text, or NULL when it does not filter. */
static const char *given(const char *s)
{
    return s && *s ? s : NULL;
}

json_t *unit_list_json(struct store *db, const struct unit_filter *f, int limit, int offset)
{
    char folded[256] = "", like[600];
    const char *pattern = NULL;
    struct store_stmt *st;
    int64_t total = 0;
    int rc, by = BY_NONE;
    if (given(f->q)) {
        if (text_fold(f->q, folded, sizeof folded) < 0)
            folded[0] = '\0';
        if (text_like_contains(folded, like, sizeof like))
            return NULL;
        pattern = like;
    }
    if (given(f->procedure))
        by = BY_PROCEDURE;
    else if (given(f->parent))
        by = BY_PARENT;
    else if (given(f->under))
        by = BY_UNDER;
    else if (given(f->kind))
        by = BY_KIND;
    else if (given(f->level))
        by = BY_LEVEL;
    struct store_arg args[8] = {
        BIND_TEXT(given(f->level)),  BIND_TEXT(given(f->kind)),  BIND_TEXT(pattern),
        BIND_TEXT(given(f->parent)), BIND_TEXT(given(f->under)), BIND_TEXT(given(f->procedure)),
        BIND_INT(limit),             BIND_INT(offset),
    };
    if (store_int_args(db, list_sql[by][0], &total, args, 6) != STORE_ROW ||
        store_prepare_args(db, list_sql[by][1], &st, args, 8))
        return NULL;
    json_t *items = json_array();
    while ((rc = store_step(st)) == STORE_ROW) {
        struct unit u;
        read_unit(st, &u);
        json_array_append_new(items, unit_catalog_json(&u));
    }
    store_done(st);
    if (rc < 0) {
        json_decref(items);
        return NULL;
    }
    return json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total);
}

json_t *unit_rows_json(struct store_stmt *st, int with_id)
{
    json_t *items = json_array();
    int rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        json_t *u = json_pack("{s:s, s:s, s:s}", "code", store_col_text(st, 0), "name",
                              store_col_text(st, 1), "level", store_col_text(st, 2));
        if (with_id)
            json_object_set_new(u, "id", json_integer(store_col_int(st, 3)));
        json_array_append_new(items, u);
    }
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
                          "SELECT DISTINCT u.code, u.name, u.level, u.id, u.path FROM "
                          PERMISSION_GRANTS("?2") " g JOIN units u ON u.id = g.unit_id"
                          " WHERE g.account_id = ?1 ORDER BY u.path",
                          &st, BIND_INT(account_id), BIND_TEXT(permission)))
        return NULL;
    return unit_rows_json(st, 1);
}
