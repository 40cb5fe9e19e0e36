/* work_record: work records (hồ sơ công việc, Decree 30/2020/NĐ-CP chapter
 * IV; docs/records.md). A unit's yearly list of records (danh mục hồ sơ) is
 * drafted and approved by its leader; a record is opened from an entry of
 * the approved list, or outside it with a reason; documents of the unit
 * and finished one-stop dossiers are filed into it; closing takes out the
 * documents that are still drafts, re-checks the retention and sets the
 * end date; the record goes to the unit's archive within a year of
 * closing. Each change is a write job with its audit entry; the tables are
 * db/025_work_records.sql. */
#ifndef MOTCUA_WORK_RECORD_H
#define MOTCUA_WORK_RECORD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"

struct store;

#define RECORD_PERM_MANAGE "record.manage"       /* open, file, close, hand over */
#define RECORD_PERM_APPROVE "record.approve_list" /* the leader approves the year's list */
#define RECORD_CODE_MAX 40        /* characters of a record's code (số và ký hiệu hồ sơ) */
#define RECORD_TITLE_MAX 500      /* characters of a title */
#define RECORD_REASON_MAX 1000    /* characters of the reason for a record outside the list */
#define RECORD_RETENTION_MAX 70   /* years; 0 is permanent (vĩnh viễn) */
#define RECORD_LIST_MAX_ENTRIES 500 /* entries of one unit's list of a year */
#define RECORD_MAX_ITEMS 2000     /* items filed in one record */

/* "10 năm", or "Vĩnh viễn" for 0. Writes it to out. */
void record_retention_label(int years, char *out, size_t cap);

/* Is s a real calendar date YYYY-MM-DD of the years 2000..9999? 1 or 0. */
int record_date_valid(const char *s);

/* The date the record closed at Unix time closed_at must be handed over
 * by: the same day a year later in Vietnam (29 February gives 28 February).
 * Writes YYYY-MM-DD to out. */
void record_handover_due(int64_t closed_at, char out[11]);

/* May the record be kept with this many years (0..RECORD_RETENTION_MAX)? */
int record_retention_valid(long years);

/* --- write jobs ----------------------------------------------------------- */

/* An entry in the list of unit_id and year, made as a draft on its first
 * entry. The actor holds record.manage on the unit (else 404
 * unit_not_found); the year is this year or the next (422 invalid_year);
 * the list is still a draft (409 list_approved); the code is new in the
 * list (409 code_taken); the owner (0: the actor) holds record.manage on
 * the unit (422 owner_invalid). OUT: list_id, entry_id, err. */
struct record_entry_add {
    int64_t actor_id, unit_id;
    int year;
    const char *code, *title;
    int retention_years;
    int64_t owner_id;
    int64_t now;
    int64_t list_id, entry_id; /* OUT */
    struct derr err;
};
int record_entry_add_job(struct store *db, void *arg);

/* The unit's leader approves the list of unit_id and year: record.approve_list
 * on the unit (403 forbidden; 404 unit_not_found without any record
 * permission there), a list with entries (404 list_not_found, 422
 * list_empty), not yet approved (409 already_approved). */
struct record_list_approve {
    int64_t actor_id, unit_id;
    int year;
    int64_t now;
    struct derr err;
};
int record_list_approve_job(struct store *db, void *arg);

/* Opens a record in unit_id. From entry_id: an entry of the unit's
 * approved list (404 entry_not_found, 409 list_not_approved); its code,
 * title and retention, the year of the list, and its owner unless owner_id
 * is given. Outside the list (entry_id 0): reason, code, title and
 * retention are required (422 reason_required, ...), the year is the
 * start date's. start_date (NULL: today) is a date (422 invalid_date);
 * the code is new in the unit's year (409 code_taken); the owner holds
 * record.manage on the unit (422 owner_invalid). OUT: id, err. */
struct record_open {
    int64_t actor_id, unit_id, entry_id;
    const char *code, *title, *reason, *start_date;
    int retention_years; /* -1: not given */
    int64_t owner_id;
    int64_t now;
    int64_t id; /* OUT */
    struct derr err;
};
int record_open_job(struct store *db, void *arg);

/* Files into or takes out of record record_id (open only: 409
 * record_not_open):
 *  RECORD_ITEM_ADD_DOCUMENT  document_id, or the notation of a document of
 *                            the record's unit: a document of another unit
 *                            is 422 document_other_unit, one not found 404
 *                            document_not_found, two with the notation 422
 *                            notation_ambiguous; one already filed 409
 *                            already_filed. A draft may be filed.
 *  RECORD_ITEM_ADD_DOSSIER   dossier_id or its code: one the actor cannot
 *                            see is 404 dossier_not_found; its handling
 *                            not ended (national status 3, 7, 8, 9, 10)
 *                            409 dossier_not_finished; received or held by
 *                            another unit than the record's 422
 *                            dossier_other_unit; filed already 409
 *                            already_filed.
 *  RECORD_ITEM_REMOVE        item_id (404 item_not_found).
 * The actor holds record.manage on the record's unit (403 forbidden); a
 * record they cannot see is 404 record_not_found. OUT: item_id for an add. */
enum record_item_action { RECORD_ITEM_ADD_DOCUMENT, RECORD_ITEM_ADD_DOSSIER, RECORD_ITEM_REMOVE };
struct record_item {
    int64_t actor_id, record_id;
    enum record_item_action action;
    int64_t document_id, dossier_id, item_id;
    const char *notation, *dossier_code;
    int64_t now;
    struct derr err;
};
int record_item_job(struct store *db, void *arg);

/* Closes record record_id (open only: 409 record_not_open): the documents
 * filed that are neither issued (outgoing) nor registered (incoming) are
 * taken out (removed_reason 'draft'); retention_years (-1: unchanged)
 * replaces the retention, the old one kept in retention_before; end_date
 * (NULL: today) not before the start date (422 invalid_date). The actor
 * holds record.manage (403 forbidden). OUT: nremoved, err. */
struct record_close {
    int64_t actor_id, record_id;
    int retention_years;
    const char *end_date;
    int64_t now;
    int nremoved; /* OUT */
    struct derr err;
};
int record_close_job(struct store *db, void *arg);

/* Hands record record_id over to the unit's archive: closed only (409
 * record_not_closed, already_handed_over). record.manage (403). */
struct record_handover {
    int64_t actor_id, record_id;
    int64_t now;
    struct derr err;
};
int record_handover_job(struct store *db, void *arg);

/* --- reading -------------------------------------------------------------- */

/* Does account hold record.manage or record.approve_list on unit_id (or
 * above)? 1 or 0. Records of other units are answered 404. */
int record_unit_visible(struct store *db, int64_t account_id, int64_t unit_id);

/* The unit of record id, for the visibility check. Returns STORE_ROW with
 * *unit_id, STORE_DONE, or a store error. */
int record_unit_of(struct store *db, int64_t id, int64_t *unit_id);

/* The units where account holds a record permission directly (not those
 * below), by name: [{id, code, name, can_manage, can_approve}]. A new
 * reference, or NULL on a store error. */
json_t *record_units_json(struct store *db, int64_t account_id);

/* The list of unit_id and year: {id, unit_id, year, state, created_at,
 * approved_by: {id, name} | null, approved_at, entries: [{id, code, title,
 * retention_years, retention, owner: {id, name} | null, record_id}]}, or
 * JSON null when the unit has none that year. A new reference, or NULL on
 * a store error. */
json_t *record_list_json(struct store *db, int64_t unit_id, int year);

/* The records of unit_id and year (state NULL: any of open, closed,
 * handed_over), by code: [{id, code, title, state, retention_years,
 * retention, owner, start_date, end_date, items}]. NULL on a store error. */
json_t *record_records_json(struct store *db, int64_t unit_id, int year, const char *state);

/* Record id with its items: {id, unit: {id, code, name}, year, entry_id,
 * reason, code, title, retention_years, retention, retention_before,
 * owner, start_date, end_date, state, closed_at, closed_by, handover_due,
 * handed_over_at, handed_over_by, items: [{id, kind, document: {...} |
 * dossier: {...}, added_at, added_by}], removed: [the items taken out as
 * drafts on closing]}; NULL on a store error or none. */
json_t *record_json(struct store *db, int64_t id);

/* The closed records not handed over, of the units where account holds
 * record.manage (unit_id: only that one, 0: all), the oldest due first:
 * [{id, unit: {id, name}, code, title, closed_at, end_date, due, overdue}]
 * with due = record_handover_due(closed_at) and overdue when due < today
 * (YYYY-MM-DD). NULL on a store error. */
json_t *record_handover_due_json(struct store *db, int64_t account_id, int64_t unit_id,
                                 const char *today);

#endif
