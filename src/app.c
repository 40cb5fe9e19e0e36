/* app: shared server state and the wiring of the dossier-change listeners. */
#include "app.h"

#include <stdio.h>

#include "base/util.h"
#include "document/shared_sent.h"
#include "dossier/changes.h"
#include "dossier/lookup_cache.h"
#include "dossier/shared_status.h"
#include "exchange/outbox.h"
#include "issued/issuing.h"
#include "node/sender.h"
#include "notify/notify.h"
#include "payment/payment.h"
#include "report/stats.h"

int app_set_data_dir(struct app *app, const char *dir)
{
    if (copy_str(app->data_dir, sizeof app->data_dir, dir))
        return -1;
    snprintf(app->db_path, sizeof app->db_path, "%s/motcua.db", dir);
    snprintf(app->files_dir, sizeof app->files_dir, "%s/files", dir);
    return 0;
}

int app_listen_all(void)
{
    /* Notifications first, as before the hub; the cache last, once the
     * change is complete. Payment cancellation and creation only touch
     * the payments table, which neither notify nor stats read; the issued
     * documents' outbox only issued_documents. */
    static const struct dossier_listener *const all[] = {
        &notify_listener,
        &stats_listener,
        &payment_listener,
        &issued_listener,
        &lookup_cache_listener,
        &node_listener, /* after-commit only: wakes the exchange sender */
    };
    for (size_t i = 0; i < ARRAY_LEN(all); i++)
        if (dossier_listen(all[i]))
            return -1;
    return 0;
}

int app_offer_services(void)
{
    static const struct sharing_service *const all[] = {
        &dossier_status_service,
        &documents_sent_service,
    };
    for (size_t i = 0; i < ARRAY_LEN(all); i++)
        if (sharing_offer(all[i]))
            return -1;
    return 0;
}
