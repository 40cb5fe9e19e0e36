/* changes: the listeners of dossier changes, called in order. */
#include "dossier/changes.h"

#include "notify/notify.h"
#include "store/store.h"

int dossier_changed(struct store *db, const struct dossier_change *c)
{
    /* The citizen's message for the newest event, in the same transaction. */
    int rc = notify_enqueue(db, c->dossier_id, 0);
    return rc;
}
