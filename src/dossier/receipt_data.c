/* receipt_data: database -> struct receipt. */
#include "dossier/receipt_data.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "catalog/procedure.h"
#include "catalog/unit.h"
#include "dossier/dossier.h"
#include "store/store.h"

/* Communes are headed "UBND <name>"; other units print their own name. */
static void unit_title(const struct unit *u, char *out, size_t cap)
{
    if (strcmp(u->level, "commune") == 0)
        snprintf(out, cap, "UBND %s", u->name);
    else
        copy_str(out, cap, u->name);
}

static int count_files(struct store *db, int64_t id, const char *key)
{
    struct store_stmt *st;
    int n = 0;
    if (store_prepare_all(db,
                          "SELECT count(*) FROM dossier_files WHERE dossier_id = ? AND"
                          " document_key = ?",
                          &st, BIND_INT(id), BIND_TEXT(key)))
        return 0;
    if (store_step(st) == STORE_ROW)
        n = (int)store_col_int(st, 0);
    store_done(st);
    return n;
}

/* The documents handed in: each listed document with a file, and the
 * declaration filled online. */
static void load_docs(struct store *db, const struct dossier *d, const struct procedure *p,
                      struct receipt_data *rd)
{
    size_t i;
    json_t *doc;
    int n = 0;
    json_array_foreach(p->documents, i, doc)
    {
        if (n >= RECEIPT_DATA_MAX_DOCS)
            break;
        const char *key = json_string_value(json_object_get(doc, "key"));
        int online = json_is_true(json_object_get(doc, "online_form"));
        if (!online && count_files(db, d->id, key) == 0)
            continue;
        rd->doc_names[n] = strdup(json_string_value(json_object_get(doc, "name")));
        rd->docs[n].name = rd->doc_names[n];
        rd->docs[n].originals = (int)json_integer_value(json_object_get(doc, "originals"));
        rd->docs[n].copies = (int)json_integer_value(json_object_get(doc, "copies"));
        n++;
    }
    rd->r.docs = rd->docs;
    rd->r.ndocs = n;
}

static int load_applicant(struct store *db, const struct dossier *d, struct receipt_data *rd)
{
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "SELECT applicant_name, applicant_address, applicant_phone,"
                               " applicant_email FROM dossiers WHERE id = ?",
                               &st, BIND_INT(d->id));
    if (rc)
        return -1;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        copy_str(rd->applicant_name, sizeof rd->applicant_name, store_col_text(st, 0));
        copy_str(rd->address, sizeof rd->address, store_col_text(st, 1));
        copy_str(rd->phone, sizeof rd->phone, store_col_text(st, 2));
        copy_str(rd->email, sizeof rd->email, store_col_text(st, 3));
    }
    store_done(st);
    return rc == STORE_ROW ? 0 : -1;
}

int receipt_data_load(struct store *db, const struct dossier *d, const char *base_url,
                      const char *public_id, struct receipt_data *rd)
{
    struct procedure p;
    struct unit u, parent;
    memset(rd, 0, sizeof *rd);
    if (unit_by_id(db, d->unit_id, &u) != STORE_ROW || load_applicant(db, d, rd))
        return -1;
    if (procedure_by_id(db, d->procedure_id, &p) != STORE_ROW)
        return -1;
    copy_str(rd->code, sizeof rd->code, d->code);
    unit_title(&u, rd->unit_name, sizeof rd->unit_name);
    if (u.parent_code[0] && unit_by_code(db, u.parent_code, &parent) == STORE_ROW)
        unit_title(&parent, rd->parent_name, sizeof rd->parent_name);
    copy_str(rd->procedure_name, sizeof rd->procedure_name, p.name);
    snprintf(rd->processing_time, sizeof rd->processing_time, "%d %s làm việc", p.time_amount,
             strcmp(p.time_unit, "hour") == 0 ? "giờ" : "ngày");
    snprintf(rd->return_place, sizeof rd->return_place,
             "Bộ phận tiếp nhận và trả kết quả, %s", rd->unit_name);
    snprintf(rd->lookup_url, sizeof rd->lookup_url, "%s/tra-cuu?ma=%s", base_url, d->code);
    load_docs(db, d, &p, rd);
    if (d->received_by) {
        struct store_stmt *st;
        if (store_prepare(db, "SELECT full_name FROM accounts WHERE id = ?", &st) == 0) {
            store_bind_int(st, 1, d->received_by);
            if (store_step(st) == STORE_ROW)
                copy_str(rd->receiver, sizeof rd->receiver, store_col_text(st, 0));
            store_done(st);
        }
    }
    procedure_clear(&p);

    struct receipt *r = &rd->r;
    r->unit_name = rd->unit_name;
    r->unit_parent_name = rd->parent_name[0] ? rd->parent_name : NULL;
    r->code = rd->code;
    r->applicant_name = rd->applicant_name;
    r->applicant_address = rd->address;
    r->phone = rd->phone;
    r->email = rd->email;
    r->procedure_name = rd->procedure_name;
    r->channel = strcmp(d->channel, "online") == 0 ? "Trực tuyến"
                 : strcmp(d->channel, "post") == 0 ? "Bưu chính"
                                                    : "Trực tiếp";
    r->processing_time = rd->processing_time;
    r->received_at = d->submitted_at;
    r->due_at = d->due_at;
    r->return_place = rd->return_place;
    r->receiver_name = rd->receiver[0] ? rd->receiver : NULL;
    if (d->received_by && dossier_claim_code(db, d->id, rd->claim_code, sizeof rd->claim_code) == 0)
        r->claim_code = rd->claim_code[0] ? rd->claim_code : NULL;
    r->lookup_url = rd->lookup_url;
    if (public_id) {
        snprintf(rd->verify_url, sizeof rd->verify_url, "%s/xac-thuc/%s", base_url, public_id);
        r->verify_url = rd->verify_url;
    }
    return 0;
}

void receipt_data_clear(struct receipt_data *rd)
{
    for (int i = 0; i < RECEIPT_DATA_MAX_DOCS; i++) {
        free(rd->doc_names[i]);
        rd->doc_names[i] = NULL;
    }
}
