/* refresh: the directory fetched from this node's upstream hub
 * (node/refresh.h). */
#include "node/refresh.h"

#include <stdio.h>
#include <string.h>

#include "base/derr.h"
#include "base/log.h"
#include "sign/http_fetch.h"
#include "exchange/directory.h"
#include "exchange/node_tls.h"
#include "exchange/outbox.h"
#include "store/store.h"

/* The URL of the directory this node's upstream serves, into url; 0, or -1
 * when there is none (no directory, no node id, no upstream). */
static int upstream_url(struct store *db, const char *data_dir, const char *province,
                        int64_t now, char *url, size_t len, struct node_tls_client *tls)
{
    char self[EXCHANGE_NODE_ID_MAX];
    struct directory d = {0};
    struct derr err = {0};
    int rc = -1;
    if (exchange_node_get(db, self) != STORE_ROW ||
        directory_load(db, province, now, &d, NULL, NULL, &err))
        goto out;
    const struct directory_node *me = directory_node_by_id(&d, self);
    const struct directory_node *up = me && me->upstream[0] ? directory_node_by_id(&d, me->upstream)
                                                            : NULL;
    if (!up)
        goto out;
    size_t alen = strlen(up->address);
    while (alen > 0 && up->address[alen - 1] == '/')
        alen--;
    rc = snprintf(url, len, "%.*s/api/v1/exchange/directory", (int)alen, up->address) <
                 (int)len
             ? 0
             : -1;
    /* At an https address, the upstream's node listener wants this node's
     * certificate, and only the one the directory lists is accepted back. */
    if (rc == 0 && node_tls_client_init(tls, data_dir, up))
        rc = -1;
out:
    derr_clear(&err);
    directory_free(&d);
    return rc;
}

int node_directory_refresh(struct store *db, const char *data_dir, int64_t now)
{
    char province[32], url[512];
    struct directory_cached c;
    struct derr err = {0};
    struct node_tls_client tls;
    memset(&tls, 0, sizeof tls);
    if (exchange_province(db, province) != STORE_ROW ||
        upstream_url(db, data_dir, province, now, url, sizeof url, &tls))
        return 0;
    struct fetch_request via = {0};
    node_tls_client_apply(&tls, &via);
    int rc = directory_fetch_via(db, data_dir, province, url, &via, now, &c, &err);
    node_tls_client_free(&tls);
    if (rc == 0) {
        log_info("exchange: directory version %lld installed from %s", (long long)c.version, url);
        return 1;
    }
    /* The hub has the version this node has, or an older one: nothing to do. */
    int quiet = err.code &&
                (strcmp(err.code, "same_version") == 0 || strcmp(err.code, "rollback") == 0);
    if (!quiet)
        log_warn("exchange: directory from %s: %s (%s)", url, err.message,
                 err.code ? err.code : "");
    derr_clear(&err);
    return quiet ? 0 : -1;
}
