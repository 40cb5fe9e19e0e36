/* procedure: the procedure catalog in the database. */
#include "catalog/procedure.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonload.h"
#include "base/text.h"
#include "base/util.h"
#include "catalog/eform.h"
#include "catalog/unit.h"
#include "store/store.h"

#define MAX_PROCEDURES 5000

/* "15:00" -> 900; -1 if absent or malformed. */
static int parse_hhmm(const char *s)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return -1;
    char hh[3] = {s[0], s[1], 0}, mm[3] = {s[3], s[4], 0};
    long h, m;
    if (parse_long(hh, 0, 23, &h) || parse_long(mm, 0, 59, &m))
        return -1;
    return (int)(h * 60 + m);
}

/* Does the (checked) form schema have an integer field called name? */
static int integer_field(const json_t *form, const char *name)
{
    size_t i, j;
    json_t *section, *field;
    json_array_foreach(json_object_get(form, "sections"), i, section)
    {
        json_array_foreach(json_object_get(section, "fields"), j, field)
        {
            const char *n = json_string_value(json_object_get(field, "name"));
            const char *t = json_string_value(json_object_get(field, "type"));
            if (n && t && strcmp(n, name) == 0)
                return strcmp(t, "integer") == 0;
        }
    }
    return 0;
}

static int check_documents(json_t *docs, char *err, size_t errlen)
{
    size_t i;
    json_t *d;
    if (!json_is_array(docs) || json_array_size(docs) > 100) {
        snprintf(err, errlen, "documents must be an array of at most 100 entries");
        return -1;
    }
    json_array_foreach(docs, i, d)
    {
        json_t *key = json_object_get(d, "key"), *name = json_object_get(d, "name");
        if (!json_is_string(key) || !json_is_string(name) ||
            !json_is_integer(json_object_get(d, "originals")) ||
            !json_is_integer(json_object_get(d, "copies")) ||
            !json_is_boolean(json_object_get(d, "required"))) {
            snprintf(err, errlen, "document %zu needs key, name, originals, copies, required", i);
            return -1;
        }
        size_t kl = json_string_length(key);
        if (kl == 0 || kl > 64 || strspn(json_string_value(key), "abcdefghijklmnopqrstuvwxyz0123456789_") != kl) {
            snprintf(err, errlen, "document %zu: key must be [a-z0-9_]{1,64}", i);
            return -1;
        }
    }
    return 0;
}

static char *dump(json_t *j)
{
    return j ? json_dumps(j, JSON_COMPACT) : strdup("[]");
}

static int load_one(struct store *db, json_t *p, char *err, size_t errlen)
{
    const char *code, *name, *field, *d42, *level, *unit;
    int old_level = 0, amount = 0;
    json_t *time, *fee, *docs, *form;
    char why[300];
    if (json_unpack(p, "{s:s, s:s, s:s, s:s, s:i, s:s, s:o, s:o, s:o, s:o}", "code", &code,
                    "name", &name, "field", &field, "level_d42", &d42, "level_old", &old_level,
                    "handling_level", &level, "processing_time", &time, "fee", &fee, "documents",
                    &docs, "form", &form)) {
        snprintf(err, errlen, "missing code, name, field, level_d42, level_old,"
                              " handling_level, processing_time, fee, documents or form");
        return -1;
    }
    if (json_unpack(time, "{s:i, s:s}", "amount", &amount, "unit", &unit) || amount < 0 ||
        amount > 365 || (strcmp(unit, "day") && strcmp(unit, "hour"))) {
        snprintf(err, errlen, "%s: processing_time needs amount (0..365) and unit day|hour", code);
        return -1;
    }
    if (strcmp(d42, "toan_trinh") && strcmp(d42, "mot_phan")) {
        snprintf(err, errlen, "%s: level_d42 must be toan_trinh or mot_phan", code);
        return -1;
    }
    json_t *cut = json_object_get(p, "cutoff");
    int cutoff = json_is_string(cut) ? parse_hhmm(json_string_value(cut)) : -1;
    if (cut && !json_is_null(cut) && cutoff < 0) {
        snprintf(err, errlen, "%s: cutoff must be HH:MM", code);
        return -1;
    }
    if (check_documents(docs, why, sizeof why) ||
        eform_check_schema(form, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", code, why);
        return -1;
    }
    char folded[1024];
    if (text_fold(name, folded, sizeof folded) < 0) {
        snprintf(err, errlen, "%s: name is not valid UTF-8 or too long", code);
        return -1;
    }
    json_t *vnd = json_object_get(fee, "vnd"), *fee_note = json_object_get(fee, "note");
    json_t *per = json_object_get(fee, "per_field");
    if (per && (!json_is_string(per) || !integer_field(form, json_string_value(per)))) {
        snprintf(err, errlen, "%s: fee.per_field must name an integer field of the form", code);
        return -1;
    }
    /* What the result is when it is not a plain decision: "certified_copy"
     * for the certification of copies from originals (src/copies/). */
    json_t *rkind = json_object_get(p, "result_kind");
    if (rkind && !(json_is_string(rkind) && strcmp(json_string_value(rkind), "certified_copy") == 0)) {
        snprintf(err, errlen, "%s: result_kind must be \"certified_copy\" or absent", code);
        return -1;
    }
    json_t *tnote = json_object_get(time, "note");
    json_t *result = json_object_get(p, "result");
    char *docs_s = dump(docs), *form_s = dump(form);
    char *units_s = dump(json_object_get(p, "handling_units"));
    char *appl_s = json_object_get(p, "applicant") ? dump(json_object_get(p, "applicant"))
                                                   : strdup("{}");
    char *legal_s = dump(json_object_get(p, "legal_basis"));
    json_t *tmpl = json_object_get(p, "result_template");
    char *tmpl_s = json_is_object(tmpl) ? dump(tmpl) : strdup("{}");
    const char *none = "";
    int rc = store_exec_all(
        db,
        "INSERT INTO procedures(code, code_is_demo, name, name_folded, field, level_d42,"
        " level_old, time_amount, time_unit, fee, fee_note, cutoff, result_type, time_note,"
        " handling_level, handling_units, documents, form, applicant, legal_basis,"
        " result_template, fee_per_field, result_kind)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
        " ?18, ?19, ?20, ?21, ?22, ?23) ON CONFLICT(code) DO UPDATE SET code_is_demo = ?2, name = ?3,"
        " name_folded = ?4, field = ?5, level_d42 = ?6, level_old = ?7, time_amount = ?8,"
        " time_unit = ?9, fee = ?10, fee_note = ?11, cutoff = ?12, result_type = ?13,"
        " time_note = ?14, handling_level = ?15, handling_units = ?16, documents = ?17,"
        " form = ?18, applicant = ?19, legal_basis = ?20, result_template = ?21,"
        " fee_per_field = ?22, result_kind = ?23",
        BIND_TEXT(code), BIND_INT(json_is_true(json_object_get(p, "code_is_demo"))),
        BIND_TEXT(name), BIND_TEXT(folded), BIND_TEXT(field), BIND_TEXT(d42), BIND_INT(old_level),
        BIND_INT(amount), BIND_TEXT(unit),
        BIND_INT(json_is_integer(vnd) ? json_integer_value(vnd) : 0),
        BIND_TEXT(json_is_string(fee_note) ? json_string_value(fee_note) : none),
        cutoff >= 0 ? BIND_INT(cutoff) : BIND_NULL,
        BIND_TEXT(json_is_string(result) ? json_string_value(result) : none),
        BIND_TEXT(json_is_string(tnote) ? json_string_value(tnote) : none), BIND_TEXT(level),
        BIND_TEXT(units_s), BIND_TEXT(docs_s), BIND_TEXT(form_s), BIND_TEXT(appl_s),
        BIND_TEXT(legal_s), BIND_TEXT(tmpl_s), BIND_TEXT(per ? json_string_value(per) : none),
        BIND_TEXT(rkind ? json_string_value(rkind) : none));
    if (rc)
        snprintf(err, errlen, "%s: cannot store: %s", code, store_errmsg(db));
    free(docs_s);
    free(form_s);
    free(units_s);
    free(appl_s);
    free(legal_s);
    free(tmpl_s);
    return rc ? -1 : 0;
}

int procedure_load_json(struct store *db, const char *text, size_t len, int *loaded, char *err,
                        size_t errlen)
{
    json_t *list;
    json_t *root = jsonload_list(text, len, "procedures", MAX_PROCEDURES, &list, err, errlen);
    *loaded = 0;
    if (!root)
        return -1;
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p)
    {
        if (load_one(db, p, err, errlen)) {
            json_decref(root);
            return -1;
        }
        (*loaded)++;
    }
    json_decref(root);
    /* Tell every thread's procedure cache that the catalog changed. */
    if (store_exec(db, "INSERT INTO settings(key, value) VALUES ('catalog_version', '1')"
                       " ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")) {
        snprintf(err, errlen, "cannot record the catalog version: %s", store_errmsg(db));
        return -1;
    }
    return 0;
}

int procedure_attach_units(struct store *db)
{
    int rc = store_exec(db,
                        "DELETE FROM procedure_units;"
                        " INSERT INTO procedure_units(procedure_id, unit_id)"
                        " SELECT p.id, u.id FROM procedures p JOIN units u"
                        " ON u.level = p.handling_level WHERE p.handling_units = '[]';"
                        " INSERT OR IGNORE INTO procedure_units(procedure_id, unit_id)"
                        " SELECT p.id, u.id FROM procedures p, json_each(p.handling_units) j"
                        " JOIN units u ON u.code = j.value WHERE p.handling_units <> '[]';");
    return rc;
}

#define PROC_COLS "id, code, name, time_amount, time_unit, coalesce(cutoff, -1), fee, documents, form, applicant, result_template, result_type"

static int read_procedure(struct store_stmt *st, void *out)
{
    struct procedure *p = out;
    memset(p, 0, sizeof *p);
    p->id = store_col_int(st, 0);
    copy_str(p->code, sizeof p->code, store_col_text(st, 1));
    copy_str(p->name, sizeof p->name, store_col_text(st, 2));
    p->time_amount = (int)store_col_int(st, 3);
    copy_str(p->time_unit, sizeof p->time_unit, store_col_text(st, 4));
    p->cutoff = (int)store_col_int(st, 5);
    p->fee = store_col_int(st, 6);
    p->documents = json_loads(store_col_text(st, 7), 0, NULL);
    p->form = json_loads(store_col_text(st, 8), 0, NULL);
    p->applicant = json_loads(store_col_text(st, 9), 0, NULL);
    p->result_template = json_loads(store_col_text(st, 10), 0, NULL);
    copy_str(p->result_type, sizeof p->result_type, store_col_text(st, 11));
    if (!p->documents || !p->form || !p->applicant || !p->result_template) {
        procedure_clear(p);
        return STORE_ERR;
    }
    return STORE_ROW;
}

int procedure_by_code(struct store *db, const char *code, struct procedure *out)
{
    return store_one(db, "SELECT " PROC_COLS " FROM procedures WHERE code = ?", read_procedure,
                     out, BIND_TEXT(code));
}

int procedure_by_id(struct store *db, int64_t id, struct procedure *out)
{
    return store_one(db, "SELECT " PROC_COLS " FROM procedures WHERE id = ?", read_procedure, out,
                     BIND_INT(id));
}

int procedure_id_by_code(struct store *db, const char *code, int64_t *id)
{
    return store_int(db, "SELECT id FROM procedures WHERE code = ?", id, BIND_TEXT(code));
}

void procedure_clear(struct procedure *p)
{
    json_decref(p->documents);
    json_decref(p->form);
    json_decref(p->applicant);
    json_decref(p->result_template);
    p->documents = p->form = p->applicant = p->result_template = NULL;
}

/* --- per-thread cache --------------------------------------------------- */

#define PCACHE_SIZE 64

struct pcache {
    int64_t version;
    int n;
    struct procedure items[PCACHE_SIZE];
};

static pthread_key_t pcache_key;
static pthread_once_t pcache_once = PTHREAD_ONCE_INIT;

static void pcache_empty(struct pcache *c)
{
    for (int i = 0; i < c->n; i++)
        procedure_clear(&c->items[i]);
    c->n = 0;
}

static void pcache_free(void *p)
{
    pcache_empty(p);
    free(p);
}

static void pcache_init(void) { pthread_key_create(&pcache_key, pcache_free); }

const struct procedure *procedure_cached(struct store *db, int64_t id)
{
    pthread_once(&pcache_once, pcache_init);
    struct pcache *c = pthread_getspecific(pcache_key);
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c || pthread_setspecific(pcache_key, c)) {
            free(c);
            return NULL;
        }
    }
    int64_t version = 0;
    if (store_query_int(db,
                        "SELECT coalesce((SELECT CAST(value AS INTEGER) FROM settings"
                        " WHERE key = 'catalog_version'), 0)",
                        NULL, &version) != STORE_ROW)
        return NULL;
    if (version != c->version) {
        pcache_empty(c);
        c->version = version;
    }
    for (int i = 0; i < c->n; i++)
        if (c->items[i].id == id)
            return &c->items[i];
    if (c->n == PCACHE_SIZE)
        pcache_empty(c);
    struct procedure *p = &c->items[c->n];
    if (procedure_by_id(db, id, p) != STORE_ROW)
        return NULL;
    if (eform_check_schema(p->form, NULL, 0) != 0) {
        procedure_clear(p);
        return NULL;
    }
    c->n++;
    return p;
}

int64_t procedure_working_minutes(const struct procedure *p)
{
    return strcmp(p->time_unit, "hour") == 0 ? (int64_t)p->time_amount * 60
                                              : (int64_t)p->time_amount * 8 * 60;
}

int procedure_has_document(const struct procedure *p, const char *key)
{
    size_t i;
    json_t *doc;
    json_array_foreach(p->documents, i, doc)
    {
        const char *k = json_string_value(json_object_get(doc, "key"));
        if (k && strcmp(k, key) == 0)
            return 1;
    }
    return 0;
}

int procedure_handled_by(struct store *db, int64_t procedure_id, int64_t unit_id)
{
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "SELECT 1 FROM procedure_units WHERE procedure_id = ? AND unit_id = ?",
                               &st, BIND_INT(procedure_id), BIND_INT(unit_id));
    if (rc)
        return rc;
    rc = store_step(st);
    store_done(st);
    return rc == STORE_ROW ? 1 : (rc == STORE_DONE ? 0 : rc);
}

/* --- JSON for the API ------------------------------------------------- */

#define SUMMARY_COLS "code, name, field, level_d42, level_old, time_amount, time_unit, fee, fee_note, handling_level, time_note"

static json_t *summary_json(struct store_stmt *st)
{
    const char *unit = store_col_text(st, 6);
    int amount = (int)store_col_int(st, 5);
    char text[64];
    snprintf(text, sizeof text, "%d %s làm việc", amount, strcmp(unit, "hour") ? "ngày" : "giờ");
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:{s:i, s:s, s:s}, s:s, s:I, s:s, s:s}", "code",
                     store_col_text(st, 0), "name", store_col_text(st, 1), "field",
                     store_col_text(st, 2), "level_d42", store_col_text(st, 3), "level_old",
                     (json_int_t)store_col_int(st, 4), "processing_time", "amount", amount, "unit",
                     unit, "note", store_col_text(st, 10), "processing_time_text", text, "fee",
                     (json_int_t)store_col_int(st, 7), "fee_note", store_col_text(st, 8),
                     "handling_level", store_col_text(st, 9));
}

/* ?1..?5 word patterns, ?6 field or NULL. */
#define SEARCH_WHERE                                                                               \
    " FROM procedures WHERE name_folded LIKE ?1 ESCAPE '\\' AND name_folded LIKE ?2 ESCAPE '\\'"  \
    " AND name_folded LIKE ?3 ESCAPE '\\' AND name_folded LIKE ?4 ESCAPE '\\'"                     \
    " AND name_folded LIKE ?5 ESCAPE '\\' AND (?6 IS NULL OR field = ?6)"

json_t *procedure_search_json(struct store *db, const char *q, const char *field, int limit,
                              int offset)
{
    /* Up to five words, each must appear in the folded name. */
    char folded[256] = "", words[5][160], word[80];
    int nwords = 0;
    if (q && text_fold(q, folded, sizeof folded) < 0)
        folded[0] = '\0';
    for (char *w = folded; *w && nwords < 5;) {
        size_t n = strcspn(w, " ");
        if (n > 0 && n < sizeof word) {
            memcpy(word, w, n);
            word[n] = '\0';
            if (text_like_contains(word, words[nwords], sizeof words[0]) == 0)
                nwords++;
        }
        w += n;
        while (*w == ' ')
            w++;
    }
    for (int i = nwords; i < 5; i++)
        copy_str(words[i], sizeof words[i], "%");
    struct store_stmt *st;
    int64_t total = 0;
    const struct store_arg args[] = {BIND_TEXT(words[0]), BIND_TEXT(words[1]), BIND_TEXT(words[2]),
                                     BIND_TEXT(words[3]), BIND_TEXT(words[4]), BIND_TEXT(field),
                                     BIND_INT(limit),     BIND_INT(offset)};
    /* The count takes the first six parameters, the page all eight. */
    if (store_int_args(db, "SELECT count(*)" SEARCH_WHERE, &total, args, 6) != STORE_ROW ||
        store_prepare_args(db,
                           "SELECT " SUMMARY_COLS SEARCH_WHERE " ORDER BY name LIMIT ?7 OFFSET ?8",
                           &st, args, ARRAY_LEN(args)))
        return NULL;
    int rc;
    json_t *items = json_array();
    while ((rc = store_step(st)) == STORE_ROW)
        json_array_append_new(items, summary_json(st));
    store_done(st);
    if (rc < 0) {
        json_decref(items);
        return NULL;
    }
    return json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total);
}

json_t *procedure_detail_json(struct store *db, const char *code, int *found)
{
    struct store_stmt *st;
    *found = 0;
    if (store_prepare_all(db,
                          "SELECT " SUMMARY_COLS ", coalesce(cutoff, -1), result_type, documents,"
                          " form, legal_basis, code_is_demo FROM procedures WHERE code = ?",
                          &st, BIND_TEXT(code)))
        return NULL;
    json_t *o = NULL;
    int rc = store_step(st);
    if (rc == STORE_ROW) {
        *found = 1;
        o = summary_json(st);
        int cutoff = (int)store_col_int(st, 11);
        char hhmm[8];
        snprintf(hhmm, sizeof hhmm, "%02d:%02d", (cutoff / 60) % 24, cutoff % 60);
        json_object_set_new(o, "cutoff", cutoff >= 0 ? json_string(hhmm) : json_null());
        json_object_set_new(o, "result_type", json_string(store_col_text(st, 12)));
        json_object_set_new(o, "documents", json_loads(store_col_text(st, 13), 0, NULL));
        json_object_set_new(o, "form", json_loads(store_col_text(st, 14), 0, NULL));
        json_object_set_new(o, "legal_basis", json_loads(store_col_text(st, 15), 0, NULL));
        json_object_set_new(o, "code_is_demo", json_boolean(store_col_int(st, 16)));
    }
    store_done(st);
    return o;
}

json_t *procedure_units_json(struct store *db, const char *code, int *found)
{
    struct store_stmt *st;
    int64_t pid;
    *found = 0;
    int rc = procedure_id_by_code(db, code, &pid);
    if (rc != STORE_ROW)
        return rc == STORE_DONE ? NULL : NULL;
    *found = 1;
    if (store_prepare_all(db,
                          "SELECT u.code, u.name, u.level FROM procedure_units pu"
                          " JOIN units u ON u.id = pu.unit_id WHERE pu.procedure_id = ?"
                          " ORDER BY u.name",
                          &st, BIND_INT(pid)))
        return NULL;
    json_t *items = unit_rows_json(st, 0);
    return items ? json_pack("{s:o}", "items", items) : NULL;
}
