/* api_exchange: what a node offers other nodes over HTTP. For now the
 * directory: GET /api/v1/exchange/directory answers the signed directory
 * this node has installed (DATA/exchange/directory.cms, docs/exchange.md
 * "Nodes and the directory"), as it is, so other nodes fetch it from the
 * hub. No login: it is signed, and whoever receives it verifies it. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "exchange/directory.h"
#include "http/http.h"
#include "http/router.h"

static void directory_get(struct req *r)
{
    char path[1200];
    struct stat sb;
    int fd = -1;
    if (snprintf(path, sizeof path, "%s/exchange/directory.cms", r->app->data_dir) <
        (int)sizeof path)
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        reply_error(r, 404, "no_directory", "Máy chủ này chưa cài đặt danh bạ nút liên thông.",
                    NULL);
        return;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0 ||
        (size_t)sb.st_size > DIRECTORY_MAX_SIZE) {
        close(fd);
        reply_internal(r, "the installed directory file cannot be served");
        return;
    }
    /* A node must see a new version as soon as the hub installs it. */
    req_add_header(r, "Cache-Control", "no-cache");
    reply_file(r, 200, "application/pkcs7-mime; smime-type=signed-data", fd, (size_t)sb.st_size);
}

const struct route api_exchange_routes[] = {
    {"GET", "/api/v1/exchange/directory", directory_get, 0},
    {NULL, NULL, NULL, 0},
};
