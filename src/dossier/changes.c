/* changes: the table of dossier-change listeners and the calls to them. */
#include "dossier/changes.h"

#include <stddef.h>

static const struct dossier_listener *listeners[DOSSIER_LISTENERS_MAX];
static int nlisteners;

int dossier_listen(const struct dossier_listener *l)
{
    for (int i = 0; i < nlisteners; i++)
        if (listeners[i] == l)
            return 0;
    if (nlisteners >= DOSSIER_LISTENERS_MAX)
        return -1;
    listeners[nlisteners++] = l;
    return 0;
}

void dossier_listen_reset(void)
{
    nlisteners = 0;
}

int dossier_changed(struct store *db, const struct dossier_change *c)
{
    for (int i = 0; i < nlisteners; i++) {
        int rc = listeners[i]->changed ? listeners[i]->changed(db, c) : 0;
        if (rc)
            return rc;
    }
    return 0;
}

void dossier_changes_after_commit(void)
{
    for (int i = 0; i < nlisteners; i++)
        if (listeners[i]->after_commit)
            listeners[i]->after_commit();
}
