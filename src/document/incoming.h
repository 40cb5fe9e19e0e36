/* incoming: official documents received (văn bản đến, Decree 30/2020
 * Art. 21-24; docs/documents.md "The incoming flow"). The copy issuing
 * delivers to a recipient unit (document/document.h, state arrived) is
 * registered by the unit's clerk with its incoming number (số đến, from the
 * register 'in' / INCOMING_SERIES, gap-free), or refused back with a
 * reason; the leader names the lead officer or unit, the supporting ones,
 * the instruction and the deadline; the lead handles and completes it.
 * Each step is a write job with its history line and audit entry; the
 * status codes are the exchange's (01 arrived ... 06 completed), which the
 * sender reads on its outgoing document (incoming_deliveries_json). The
 * tables are db/024_incoming.sql. */
#ifndef MOTCUA_INCOMING_H
#define MOTCUA_INCOMING_H

#include <jansson.h>
#include <stdint.h>

#include "base/derr.h"

struct store;
struct document;

#define INCOMING_PERM_RECEIVE "document.receive" /* the clerk: check, register, refuse */
#define INCOMING_PERM_ASSIGN "document.assign"   /* the leader: the instruction */
#define INCOMING_PERM_HANDLE "document.handle"   /* the officer who leads the handling */
#define INCOMING_SERIES "den"                    /* the one incoming series of a unit */
#define INCOMING_TEXT_MAX 2000                   /* characters of a reason, instruction, note */
#define INCOMING_MAX_SUPPORT 50                  /* supporting officers, and units */

enum incoming_status { INC_ARRIVED, INC_REFUSED, INC_REGISTERED, INC_ASSIGNED, INC_HANDLING,
                       INC_COMPLETED };
/* "arrived", "refused", ...; and the exchange's code "01" ... "06". */
const char *incoming_status_name(enum incoming_status s);
const char *incoming_status_code(enum incoming_status s);

/* A step on incoming document document_id by actor_id:
 *  INC_ACT_REFUSE    the clerk (document.receive) sends it back: text is
 *                    the reason (required); arrived only
 *  INC_ACT_REGISTER  the clerk registers it: the unit's next incoming
 *                    number of the year and the register line; arrived
 *                    only (409 already_registered after)
 *  INC_ACT_ASSIGN    the leader (document.assign): lead_account_id (an
 *                    officer with document.handle on the unit) or
 *                    lead_unit_id (the unit or one below), supporting
 *                    officers and units, text the instruction, deadline
 *                    YYYY-MM-DD (required); registered or assigned
 *  INC_ACT_START     the lead marks it being handled; assigned only
 *  INC_ACT_COMPLETE  the lead completes it, text the note; assigned or
 *                    being handled
 * A document the actor cannot read, or not incoming, is 404
 * document_not_found; a step the status does not allow is 409 wrong_state;
 * a missing permission 403 forbidden. Each step writes its history line
 * and an audit entry. The pointers are borrowed for the job's time. */
enum incoming_action { INC_ACT_REFUSE, INC_ACT_REGISTER, INC_ACT_ASSIGN, INC_ACT_START,
                       INC_ACT_COMPLETE };
struct incoming_step {
    int64_t document_id, actor_id;
    enum incoming_action action;
    const char *text;
    int64_t lead_account_id, lead_unit_id;
    const int64_t *support_accounts, *support_units;
    int nsupport_accounts, nsupport_units;
    const char *deadline;
    int64_t now;
    int64_t number; /* OUT of REGISTER: the số đến */
    struct derr err;
};
int incoming_step_job(struct store *db, void *arg);

/* The incoming side of document d (direction 'in'): {status, code, number,
 * registered_at, registered_by, refused_reason, lead: {id, name} | null,
 * lead_unit: {id, name} | null, support_accounts, support_units,
 * instruction, deadline, assigned_by, assigned_at, note, completed_at,
 * sender: {document_id, unit: {id, code, name}} | null, history: [{code,
 * status, by, note, at}]} (the first line, 01, is the delivery). A new
 * reference, or NULL on a store error. */
json_t *incoming_json(struct store *db, const struct document *d);

/* The deliveries of outgoing document source_id, for its sender:
 * [{document_id, unit: {id, code, name}, status, code, number, reason,
 * history: [{code, at}]}]. A new reference (an empty array for none), or
 * NULL on a store error. */
json_t *incoming_deliveries_json(struct store *db, int64_t source_id);

/* The lists: the clerk's arrived and registered, the leader's to assign,
 * the officer's to handle (lead or supporting), and the overdue ones
 * (deadline before today, YYYY-MM-DD, not completed). */
enum incoming_box { INC_BOX_ARRIVED, INC_BOX_REGISTERED, INC_BOX_TO_ASSIGN, INC_BOX_TO_HANDLE,
                    INC_BOX_OVERDUE };
int incoming_box_parse(const char *s); /* -1 for an unknown name */
/* The permission a box is scoped by (document.receive, ...). */
const char *incoming_box_permission(enum incoming_box b);
/* A page of a box over the units where account holds the box's permission
 * (unit_id: only that unit, 0: all): {items: [{id, unit_id, summary,
 * notation, priority, status, code, number, deadline, sender, arrived_at}],
 * total, limit, offset}. A new reference, or NULL on a store error. */
json_t *incoming_list_json(struct store *db, int64_t account_id, enum incoming_box box,
                           int64_t unit_id, const char *today, int limit, int offset);

#endif
