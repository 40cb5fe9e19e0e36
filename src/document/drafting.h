/* drafting: what an officer's draft form may choose from: the units the
 * officer drafts for, each with the officials who may sign for it. */
#ifndef MOTCUA_DOCUMENT_DRAFTING_H
#define MOTCUA_DOCUMENT_DRAFTING_H

#include <jansson.h>
#include <stdint.h>

struct store;

/* At most this many units (an officer drafts for one unit or a few). */
#define DRAFTING_MAX_UNITS 50

/* {units: [{id, code, name, abbreviation, signers: [{id, name, title}],
 * series: [{code, name, abbreviation}] (its boards' own, document/series.h)}]}
 * for the units where account_id holds document.draft (the units of the
 * grants themselves, by name); signers are the enabled officials holding
 * document.sign on the unit or above, with their role's title. A new
 * reference, or NULL on a store error. */
json_t *document_drafting_json(struct store *db, int64_t account_id);

#endif
