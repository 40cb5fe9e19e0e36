/* changes: the listeners of dossier changes, called in order. */
#include "dossier/changes.h"

#include "notify/notify.h"
#include "payment/payment.h"
#include "report/stats.h"
#include "store/store.h"

int dossier_changed(struct store *db, const struct dossier_change *c)
{
    /* The citizen's message for the newest event, in the same transaction. */
    int rc = notify_enqueue(db, c->dossier_id, 0);
    /* The report counters (received, finished early/on time/late, ...). */
    if (rc == 0)
        rc = stats_dossier_changed(db, c);
    /* Payment requests and their cancellation (payment/payment.h). */
    if (rc == 0)
        rc = payment_dossier_changed(db, c);
    return rc;
}
