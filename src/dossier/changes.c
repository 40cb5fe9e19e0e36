/* changes: the listeners of dossier changes, called in order. */
#include "dossier/changes.h"

#include "store/store.h"

int dossier_changed(struct store *db, const struct dossier_change *c)
{
    (void)db;
    (void)c;
    return 0;
}
