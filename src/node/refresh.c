/* refresh: the directory fetched from this node's upstream hub
 * (node/refresh.h). */
#include "node/refresh.h"

#include <stdio.h>
#include <string.h>

#include "base/derr.h"
#include "base/log.h"
#include "exchange/directory.h"
#include "exchange/outbox.h"
#include "store/store.h"

/* The URL of the directory this node's upstream serves, into url; 0, or -1
 * when there is none (no directory, no node id, no upstream). */
static int upstream_url(struct store *db, const char *province, int64_t now, char *url,
                        size_t len)
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
    if (exchange_province(db, province) != STORE_ROW ||
        upstream_url(db, province, now, url, sizeof url))
        return 0;
    if (directory_fetch(db, data_dir, province, url, now, &c, &err) == 0) {
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
