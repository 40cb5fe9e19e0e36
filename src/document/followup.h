/* followup: the leaders' follow-up board of incoming documents (theo dõi
 * chỉ đạo, docs/documents.md "The follow-up board", db/027_followup.sql):
 * what each lead unit has been asked to handle, by deadline and state,
 * with the documents behind each figure. The counters (followup_counts)
 * change inside the transaction of the incoming step that moves a
 * document (incoming_step_job calls followup_count before and after its
 * write), the way the dossier figures follow dossier changes; "overdue" is
 * computed when the board is read, from the deadline in the counters' key. */
#ifndef MOTCUA_FOLLOWUP_H
#define MOTCUA_FOLLOWUP_H

#include <jansson.h>
#include <stdint.h>

struct store;

/* The board's states: the stored ones (assigned 04, handling 05, completed
 * 06 on or before the deadline, completed after it) and overdue (assigned
 * or handling with the deadline before today). */
enum followup_state { FU_ASSIGNED, FU_HANDLING, FU_ON_TIME, FU_LATE, FU_OVERDUE, FU_NSTATES };
/* "assigned", "handling", "on_time", "late", "overdue". */
const char *followup_state_name(enum followup_state s);
int followup_state_parse(const char *s); /* -1 for an unknown name */

/* Adds delta (+1 or -1) to the counter of incoming document document_id as
 * its row stands now: nothing when it is not on the board (no row, refused,
 * registered, no deadline). A step calls it with -1 before its write and
 * +1 after, inside its transaction. 0, or a negative store error (the job
 * then rolls back). */
int followup_count(struct store *db, int64_t document_id, int delta);

/* The filters of the board and its drill-down: deadlines from..to
 * (YYYY-MM-DD, inclusive; "" for no bound), a state (-1 for all), and
 * today (YYYY-MM-DD, local) for overdue. The pointers are borrowed. */
struct followup_filter {
    const char *from, *to, *today;
    int state;
};

/* The board of the lead units where account_id holds document.read (with
 * the units below them): {units: [{unit: {id, code, name}, assigned,
 * handling, overdue, on_time, late, total}], totals: {the same figures}},
 * units in the order of the unit tree; with a state, only the units with
 * at least one. overdue is part of assigned + handling; total is assigned
 * + handling + on_time + late. A new reference, or NULL on a store error. */
json_t *followup_board_json(struct store *db, int64_t account_id,
                            const struct followup_filter *f);

/* The documents behind a figure: the incoming documents lead unit unit_id
 * leads, filtered as the board: {items: [{id, unit_id, summary, notation,
 * number, status, code, state, overdue, deadline, lead: {id, name} | null,
 * assigned_at, completed_at, sender}], total, limit, offset}, by deadline.
 * The caller checks that the unit is on the officer's board. A new
 * reference, or NULL on a store error. */
json_t *followup_unit_json(struct store *db, int64_t unit_id, const struct followup_filter *f,
                           int limit, int offset);

/* What the leader's form offers for a document received by unit_id: the
 * officers who may lead it (document.handle on the unit, enabled) and the
 * units that may (the unit and those below it), at most 500 of each:
 * {officers: [{id, name}], units: [{id, code, name}]}, in the order of
 * names and of the unit tree. A new reference, or NULL on a store error. */
json_t *followup_assignees_json(struct store *db, int64_t unit_id);

#endif
