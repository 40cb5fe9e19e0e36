/* register_rows: the lines of a unit's register of documents, read from
 * document_register_entries with their documents, as the text rows
 * render/register_print.h prints (Decree 30/2020, Appendix IV). */
#include "document/register_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "document/corrections.h"
#include "document/incoming.h"
#include "store/store.h"

/* Keeps a copy of s in out's strings. Returns the copy, or NULL when out
 * of memory. */
static const char *keep(struct document_register_rows *out, const char *s)
{
    if (out->nstrings == out->capstrings) {
        size_t ncap = out->capstrings ? out->capstrings * 2 : 64;
        char **grown = realloc(out->strings, ncap * sizeof *grown);
        if (!grown)
            return NULL;
        out->strings = grown;
        out->capstrings = ncap;
    }
    char *copy = strdup(s ? s : "");
    if (copy)
        out->strings[out->nstrings++] = copy;
    return copy;
}

/* "2026-12-07" as the register prints it, "07/12/2026"; anything else as
 * it is (an empty date stays empty). */
static const char *keep_date(struct document_register_rows *out, const char *iso)
{
    char buf[16];
    if (iso && strlen(iso) == 10 && iso[4] == '-' && iso[7] == '-') {
        snprintf(buf, sizeof buf, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
        return keep(out, buf);
    }
    return keep(out, iso);
}

/* "Quyết định" + " " + "về việc ...": column (3) of the outgoing register
 * and (6) of the incoming one are the type's name and the summary. A
 * summary written alone starts "Về việc"; after the type's name it reads
 * "về việc". The types' names tell the list's entries apart with a
 * bracket ("Quyết định (cá biệt)"); the document is called without it. */
static const char *keep_summary(struct document_register_rows *out, const char *type_name,
                                const char *summary)
{
    static const char ve_viec[] = "Về việc";
    size_t tlen = strlen(type_name), n = tlen + strlen(summary) + 2;
    const char *bracket = strstr(type_name, " (");
    if (bracket && tlen > 0 && type_name[tlen - 1] == ')')
        tlen = (size_t)(bracket - type_name);
    char *buf = malloc(n);
    if (!buf)
        return NULL;
    int lower = tlen && strncmp(summary, ve_viec, sizeof ve_viec - 1) == 0;
    snprintf(buf, n, "%.*s%s%s%s", (int)tlen, type_name, tlen && summary[0] ? " " : "",
             lower ? "v" : "", summary + (lower ? 1 : 0));
    const char *kept = keep(out, buf);
    free(buf);
    return kept;
}

static const char *const rows_sql_out =
    "SELECT e.number, e.notation, e.entered_on, t.name, e.summary, e.signer_name, e.recipients,"
    " d.department, (SELECT count(*) FROM documents c WHERE c.source_id = d.id),"
    " coalesce(" DOCUMENT_MARKS_NOTE_SQL("d") ", '')"
    " FROM document_register_entries e"
    " JOIN document_registers r ON r.id = e.register_id"
    " JOIN documents d ON d.id = e.document_id"
    " JOIN document_types t ON t.code = d.type_code"
    " WHERE r.unit_id = ? AND r.year = ? AND r.direction = ? AND r.series = ?"
    " ORDER BY e.number";

/* The sending unit of a copy delivered in the platform is its author; a
 * paper document's is the organisation the clerk entered. Column (7), the unit
 * or person who receives it, is the lead the leader named: an officer, else
 * a unit, else empty until the assignment. */
static const char *const rows_sql_in =
    "SELECT e.number, d.notation, e.entered_on, t.name, e.summary, d.issued_on,"
    " COALESCE((SELECT su.name FROM documents s JOIN units su ON su.id = s.unit_id"
    "           WHERE s.id = d.source_id), d.sender_name),"
    " COALESCE((SELECT COALESCE(a.full_name, lu.name) FROM document_incoming i"
    "           LEFT JOIN accounts a ON a.id = i.lead_account_id"
    "           LEFT JOIN units lu ON lu.id = i.lead_unit_id"
    "           WHERE i.document_id = d.id), ''),"
    " coalesce(" DOCUMENT_MARKS_NOTE_SQL("d") ", '')"
    " FROM document_register_entries e"
    " JOIN document_registers r ON r.id = e.register_id"
    " JOIN documents d ON d.id = e.document_id"
    " JOIN document_types t ON t.code = d.type_code"
    " WHERE r.unit_id = ? AND r.year = ? AND r.direction = ? AND r.series = ?"
    " ORDER BY e.number";

/* Fills one row from the statement's current line. Returns 0 or -1 (out of
 * memory). */
static int fill_row(struct document_register_rows *out, struct store_stmt *st, int in,
                    struct regprint_row *row)
{
    char num[24];
    memset(row, 0, sizeof *row);
    row->summary = keep_summary(out, store_col_text(st, 3), store_col_text(st, 4));
    if (!in) {
        row->number = keep(out, store_col_text(st, 1));
        row->date = keep_date(out, store_col_text(st, 2));
        row->signer = keep(out, store_col_text(st, 5));
        row->recipients = keep(out, store_col_text(st, 6));
        row->file_copy_to = keep(out, store_col_text(st, 7));
        /* Copies to units of the platform leave with the issuing. */
        row->sent_on = store_col_int(st, 8) > 0 ? row->date : keep(out, "");
        row->note = keep(out, store_col_text(st, 9));
        return row->summary && row->number && row->date && row->signer && row->recipients &&
                       row->file_copy_to && row->sent_on && row->note
                   ? 0
                   : -1;
    }
    snprintf(num, sizeof num, "%lld", (long long)store_col_int(st, 0));
    row->arrival_number = keep(out, num);
    row->number = keep(out, store_col_text(st, 1));
    row->arrival_date = keep_date(out, store_col_text(st, 2));
    row->date = keep_date(out, store_col_text(st, 5));
    row->author = keep(out, store_col_text(st, 6));
    row->handler = keep(out, store_col_text(st, 7));
    row->note = keep(out, store_col_text(st, 8));
    return row->summary && row->arrival_number && row->number && row->arrival_date &&
                   row->date && row->author && row->handler && row->note
               ? 0
               : -1;
}

int document_register_rows(struct store *db, const char *unit_code, int year,
                           const char *direction, const char *series,
                           struct document_register_rows *out, struct derr *err)
{
    struct store_stmt *st = NULL;
    int64_t unit_id = 0;
    int in = strcmp(direction, "in") == 0, rc;

    memset(out, 0, sizeof *out);
    out->reg.direction = in ? REGPRINT_IN : REGPRINT_OUT;
    out->reg.year = year;

    /* A unit has one incoming register a year, whatever the types in it. */
    if (!series)
        series = in ? INCOMING_SERIES : "hanh_chinh";
    else if (in && strcmp(series, INCOMING_SERIES) != 0)
        return derr_set(err, DERR_INVALID, "series_unknown",
                        "Văn bản đến có một sổ chung trong năm.", "series");

    rc = store_prepare_all(db,
                           "SELECT u.id, u.name, COALESCE(p.name, '') FROM units u"
                           " LEFT JOIN units p ON p.id = u.parent_id WHERE u.code = ?",
                           &st, BIND_TEXT(unit_code));
    if (rc)
        goto store_fail;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        unit_id = store_col_int(st, 0);
        out->reg.unit_name = keep(out, store_col_text(st, 1));
        out->reg.parent_name = keep(out, store_col_text(st, 2));
    }
    store_done(st);
    if (rc == STORE_DONE) {
        document_register_rows_free(out);
        return derr_set(err, DERR_NOT_FOUND, "unit_not_found", "Không tìm thấy đơn vị.",
                        "unit");
    }
    if (rc != STORE_ROW || !out->reg.unit_name || !out->reg.parent_name)
        goto store_fail;

    /* The general register has no series on its cover; a legal type's
     * register is named by its type (Art. 15), a board's by the board. */
    if (!in && strcmp(series, "hanh_chinh") != 0) {
        /* A legal type's own series, or a board's (document/series.h). */
        rc = store_prepare_all(db, "SELECT name FROM (SELECT name, 0 AS k, code FROM"
                                   " document_types WHERE series = ?1 UNION ALL"
                                   " SELECT name, 1, code FROM document_series"
                                   " WHERE unit_id = ?2 AND code = ?1) ORDER BY k, code LIMIT 1",
                               &st, BIND_TEXT(series), BIND_INT(unit_id));
        if (rc)
            goto store_fail;
        rc = store_step(st);
        if (rc == STORE_ROW)
            out->reg.series = keep(out, store_col_text(st, 0));
        store_done(st);
        if (rc == STORE_DONE) {
            document_register_rows_free(out);
            return derr_set(err, DERR_INVALID, "series_unknown",
                            "Không có sổ văn bản theo loại này.", "series");
        }
        if (rc != STORE_ROW || !out->reg.series)
            goto store_fail;
    }

    rc = store_prepare_all(db, in ? rows_sql_in : rows_sql_out, &st, BIND_INT(unit_id),
                           BIND_INT(year), BIND_TEXT(direction), BIND_TEXT(series));
    if (rc)
        goto store_fail;
    size_t cap = 0;
    while ((rc = store_step(st)) == STORE_ROW) {
        if (out->nrows == REGPRINT_MAX_ROWS) {
            store_done(st);
            document_register_rows_free(out);
            return derr_set(err, DERR_TOO_LARGE, "too_large",
                            "Sổ có quá 100.000 dòng; hãy in theo từng giai đoạn.", "");
        }
        if (out->nrows == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct regprint_row *grown = realloc(out->rows, ncap * sizeof *grown);
            if (!grown)
                break;
            out->rows = grown;
            cap = ncap;
        }
        if (fill_row(out, st, in, &out->rows[out->nrows]))
            break;
        out->nrows++;
    }
    store_done(st);
    if (rc != STORE_DONE)
        goto store_fail;
    out->reg.rows = out->rows;
    out->reg.nrows = out->nrows;
    return 0;

store_fail:
    document_register_rows_free(out);
    return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", "");
}

void document_register_rows_free(struct document_register_rows *out)
{
    for (size_t i = 0; i < out->nstrings; i++)
        free(out->strings[i]);
    free(out->strings);
    free(out->rows);
    memset(out, 0, sizeof *out);
}
