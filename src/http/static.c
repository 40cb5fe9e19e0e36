/* static: web pages and their assets. */
#include "http/static.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "base/assets.h"
#include "base/dynbuf.h"
#include "base/util.h"
#include "http/http.h"
#include "issued/public.h"

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".yaml", "text/yaml; charset=utf-8"},
};

static const char *type_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot)
        for (size_t i = 0; i < ARRAY_LEN(types); i++)
            if (strcmp(dot, types[i].ext) == 0)
                return types[i].type;
    return NULL;
}

/* Only plain segments of safe characters; no dot-files, no "..". */
static int safe_path(const char *p)
{
    if (*p != '/')
        return 0;
    for (const char *s = p; *s; s++) {
        char c = *s;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-' || c == '/';
        if (!ok)
            return 0;
        if (c == '/' && (s[1] == '.' || s[1] == '/'))
            return 0;
    }
    return 1;
}

/* Pages served from disk during development: none is near this. */
#define WEB_FILE_MAX (32u << 20)

static int serve_one(struct req *r, const char *rel, int status)
{
    const char *type = type_of(rel);
    if (!type)
        return -1;
    if (r->app->web_dir[0]) {
        char full[2200];
        char *data;
        size_t len;
        snprintf(full, sizeof full, "%s/%s", r->app->web_dir, rel + 4 /* skip "web/" */);
        if (!(data = dynbuf_read_file(full, WEB_FILE_MAX, &len)))
            return -1;
        req_add_header(r, "Cache-Control", "no-cache");
        reply_bytes(r, status, type, data, len);
        free(data);
        return 0;
    }
    const struct asset *a = asset_find(rel);
    if (!a)
        return -1;
    req_add_header(r, "Cache-Control", "no-cache");
    reply_bytes(r, status, type, a->data, a->len);
    return 0;
}

/* A page whose last segment is a parameter its script reads from the
 * path: /xac-thuc/{public_id}, the QR code of an issued document, is
 * web/xac-thuc.html. A well-formed id (in any case) gets it with 200; any
 * other segment gets the same page with 404, so a mistyped address still
 * explains itself and offers to check a file. Returns -1 for other paths. */
static int serve_id_page(struct req *r)
{
    static const char prefix[] = "/xac-thuc/";
    const char *id = r->path + sizeof prefix - 1;
    char pid[ISSUED_PUBLIC_ID_LEN + 1];
    if (strncmp(r->path, prefix, sizeof prefix - 1) != 0 || !*id || strchr(id, '/'))
        return -1;
    return serve_one(r, "web/xac-thuc.html", issued_public_id_normalize(id, pid) ? 200 : 404);
}

void static_serve(struct req *r)
{
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
        reply_error(r, 405, "method_not_allowed", "Phương thức không được hỗ trợ", NULL);
        return;
    }
    if (!safe_path(r->path)) {
        reply_not_found(r);
        return;
    }
    if (serve_id_page(r) == 0)
        return;
    char rel[1100];
    size_t n = strlen(r->path);
    if (r->path[n - 1] == '/') {
        snprintf(rel, sizeof rel, "web%sindex.html", r->path); /* "/can-bo/" */
    } else if (!strchr(strrchr(r->path, '/'), '.')) {
        snprintf(rel, sizeof rel, "web%s.html", r->path); /* "/tra-cuu" -> web/tra-cuu.html */
        if (serve_one(r, rel, 200) == 0)
            return;
        snprintf(rel, sizeof rel, "web%s/index.html", r->path); /* "/can-bo" */
    } else {
        snprintf(rel, sizeof rel, "web%s", r->path);
    }
    if (serve_one(r, rel, 200) == 0)
        return;
    static const char page[] =
        "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><title>Không tìm thấy</title>"
        "<p>Không tìm thấy trang này. <a href=\"/\">Về trang chủ</a></p></html>";
    reply_bytes(r, 404, "text/html; charset=utf-8", page, sizeof page - 1);
}
