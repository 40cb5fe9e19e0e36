/* refresh: every node keeps the directory its hub serves. The sender
 * thread calls node_directory_refresh now and then (hourly by default,
 * MOTCUA_DIRECTORY_REFRESH_SECONDS): this node's upstream, as the
 * installed directory names it, is asked for its copy
 * (GET {address}/api/v1/exchange/directory), which is installed when it is
 * a newer version the province signed (directory_fetch: the same checks as
 * `motcua directory fetch`). A node without an upstream (the top hub, a
 * flat directory) is installed by its operator. docs/exchange.md "The
 * cache". */
#ifndef MOTCUA_NODE_REFRESH_H
#define MOTCUA_NODE_REFRESH_H

#include <stdint.h>

struct store;

#define NODE_REFRESH_DEFAULT_SECONDS 3600

/* One refresh at now. Returns 1 when a newer version was installed, 0 when
 * there was nothing newer or nowhere to ask, -1 when the upstream could not
 * be asked or its copy was refused for another reason (logged). */
int node_directory_refresh(struct store *db, const char *data_dir, int64_t now);

#endif
