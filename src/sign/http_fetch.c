/* http_fetch: see http_fetch.h. */
#include "sign/http_fetch.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/dynbuf.h"

struct answer {
    struct dynbuf buf;
    int too_large;
};

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
    struct answer *a = arg;
    if (dynbuf_add(&a->buf, data, size * n)) {
        a->too_large = 1;
        return 0; /* curl stops the transfer */
    }
    return size * n;
}

/* The request's header lines, or NULL with *failed set. */
static struct curl_slist *header_list(const struct fetch_request *r, int *failed)
{
    struct curl_slist *list = NULL, *more;
    *failed = 0;
    for (size_t i = 0; i < r->nheaders; i++) {
        if (!(more = curl_slist_append(list, r->headers[i]))) {
            curl_slist_free_all(list);
            *failed = 1;
            return NULL;
        }
        list = more;
    }
    return list;
}

enum fetch_outcome fetch_http(const struct fetch_request *r, unsigned char **answer,
                              size_t *answer_len, long *status, char *why, size_t whylen)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    struct answer a = {.too_large = 0};
    struct curl_slist *hdr = NULL;
    enum fetch_outcome out = FETCH_FAILED;
    int failed;
    CURL *h = NULL;
    *answer = NULL;
    *answer_len = 0;
    *status = 0;
    why[0] = '\0';
    dynbuf_init(&a.buf, r->max_answer);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return FETCH_FAILED;
    hdr = header_list(r, &failed);
    if (failed || !(h = curl_easy_init()))
        goto done;
    curl_easy_setopt(h, CURLOPT_URL, r->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, r->protocols);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, r->connect_timeout);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, r->timeout);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "motcua");
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max_answer);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);
    if (hdr)
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    if (r->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)r->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    }
    if (r->userpwd && r->userpwd[0]) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERPWD, r->userpwd);
    }
    CURLcode cc = curl_easy_perform(h);
    snprintf(why, whylen, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
    if (a.too_large || cc == CURLE_FILESIZE_EXCEEDED)
        out = FETCH_TOO_LARGE;
    else if (cc == CURLE_OPERATION_TIMEDOUT)
        out = FETCH_TIMEOUT;
    else if (cc != CURLE_OK)
        out = FETCH_UNREACHABLE;
    else if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status), *status != 200) {
        out = FETCH_STATUS;
        if (r->keep_error_body && dynbuf_len(&a.buf) > 0)
            *answer = (unsigned char *)dynbuf_take(&a.buf, answer_len);
    }
    else if (dynbuf_len(&a.buf) == 0)
        out = FETCH_EMPTY;
    else if ((*answer = (unsigned char *)dynbuf_take(&a.buf, answer_len)))
        out = FETCH_OK;
done:
    dynbuf_free(&a.buf);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    curl_global_cleanup();
    return out;
}
