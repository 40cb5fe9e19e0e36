/* worker: the issuing worker, the thread of `serve` that empties the outbox
 * of issued documents (issued/issuing.h). It takes due rows (pending, or
 * awaiting their timestamp, next_attempt_at <= now), one at a time:
 * renders, signs with the unit's seal and stores a pending receipt or
 * apology letter, or adds the missing timestamps of one awaiting them,
 * then records the outcome in a short transaction of its own connection
 * (beside the writer, like the audit checkpoints and the notification
 * outbox). A failed try is counted and put off (issued_backoff); a key
 * that will not come back (none, revoked, expired) marks a pending row
 * 'failed' with the reason, which the officers see. It wakes after a
 * commit that added rows (issued_set_waker), and at least every 30 s. At
 * start every row still to do is due at once (a restart may bring the
 * timestamp authority back). */
#ifndef MOTCUA_ISSUED_WORKER_H
#define MOTCUA_ISSUED_WORKER_H

#include <stddef.h>

#include "issued/issuing.h"

struct issued_worker;

/* Opens its connection to db_path, registers itself as the waker and
 * starts the thread. env's strings are copied; the stamp context must
 * outlive the worker. OUT: *out. Returns 0, or -1 with a reason in err. */
int issued_worker_start(const char *db_path, const struct issued_env *env,
                        struct issued_worker **out, char *err, size_t errlen);

/* Makes the worker look for due rows now. Thread-safe. */
void issued_worker_wake(struct issued_worker *w);

/* Stops the thread (after the document in hand), closes its connection,
 * frees w. NULL is fine. */
void issued_worker_stop(struct issued_worker *w);

#endif
