/* curl_transport: the parts of the libcurl transports that are the same for
 * SMTP and HTTP. */
#include "notify/curl_transport.h"

#include <stdio.h>
#include <string.h>

int curl_transport_open(CURL **out, char *err, size_t errlen)
{
    /* Reference-counted: each transport holds libcurl's global state. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "cannot start libcurl");
        return -1;
    }
    if (!(*out = curl_easy_init())) {
        curl_global_cleanup();
        snprintf(err, errlen, "cannot start libcurl");
        return -1;
    }
    return 0;
}

void curl_transport_close(CURL *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c);
    curl_global_cleanup(); /* pairs with the init in curl_transport_open */
}

static int progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    const atomic_int *cancel = arg;
    return cancel && atomic_load(cancel) ? 1 : 0;
}

void curl_transport_limits(CURL *c, long timeout, const atomic_int *cancel, char *errbuf)
{
    errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(c, CURLOPT_MAXAGE_CONN, 30L);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)cancel);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
}

void curl_transport_forget(CURL *c) { curl_easy_setopt(c, CURLOPT_XFERINFODATA, NULL); }

/* Whether name is one of the comma-separated words of list. */
static int in_list(const char *name, const char *list)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p += len + (end ? 1 : 0);
    }
    return 0;
}

int curl_transport_url(const char *url, const char *schemes, char *label, size_t labelcap,
                       int *has_user)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL;
    int rc = -1;
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !in_list(scheme, schemes))
        goto out;
    if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
        port = NULL;
    if (has_user)
        *has_user = curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK && user && user[0];
    int n = snprintf(label, labelcap, "%s://%s%s%s", scheme, host, port ? ":" : "",
                     port ? port : "");
    rc = n < 0 || (size_t)n >= labelcap ? -1 : 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_url_cleanup(u);
    return rc;
}
