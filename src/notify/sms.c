/* sms: the HTTP SMS gateway transport (libcurl + jansson). */
#include "notify/sms.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "notify/curl_transport.h"
#include "notify/notify.h"

struct sms_transport {
    struct notify_transport base;
    CURL *curl;
    char url[512];
    char label[300];
    char errbuf[CURL_ERROR_SIZE];
};

/* The answer is not needed: read and drop it (bounded by the timeout). */
static size_t discard_cb(char *p, size_t size, size_t nmemb, void *arg) { return size * nmemb; }

static int sms_send(struct notify_transport *t_, const struct notify_message *m,
                    const atomic_int *cancel, char *err, size_t errlen)
{
    struct sms_transport *t = (struct sms_transport *)t_;
    json_t *o = json_pack("{s:s, s:s}", "to", m->recipient, "text", m->body);
    char *payload = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!payload) {
        snprintf(err, errlen, "cannot build the request (invalid text)");
        return NOTIFY_PERMANENT;
    }
    char key[96];
    snprintf(key, sizeof key, "Idempotency-Key: motcua-%lld-%lld", (long long)m->id,
             (long long)m->created_at);
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    struct curl_slist *h2 = hdr ? curl_slist_append(hdr, key) : NULL;
    if (!h2) {
        curl_slist_free_all(hdr);
        free(payload);
        snprintf(err, errlen, "out of memory");
        return NOTIFY_RETRY;
    }
    CURL *c = t->curl;
    curl_transport_limits(c, 30L, cancel, t->errbuf);
    curl_easy_setopt(c, CURLOPT_URL, t->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(payload));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h2);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_cb);
    CURLcode res = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
    curl_transport_forget(c);
    curl_slist_free_all(h2);
    free(payload);
    if (res != CURLE_OK) {
        snprintf(err, errlen, "%s: %s", curl_easy_strerror(res), t->errbuf[0] ? t->errbuf : "-");
        return code == 0 ? NOTIFY_DOWN : NOTIFY_RETRY;
    }
    if (code >= 200 && code < 300)
        return NOTIFY_SENT;
    snprintf(err, errlen, "the SMS gateway answered HTTP %ld", code);
    return code >= 400 && code < 500 && code != 408 && code != 429 ? NOTIFY_PERMANENT
                                                                  : NOTIFY_RETRY;
}

static void sms_free(struct notify_transport *t_)
{
    struct sms_transport *t = (struct sms_transport *)t_;
    if (!t)
        return;
    curl_transport_close(t->curl);
    free(t);
}

int sms_transport_new(const char *url, struct notify_transport **out, char *err, size_t errlen)
{
    struct sms_transport *t = calloc(1, sizeof *t);
    *out = NULL;
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (copy_str(t->url, sizeof t->url, url) ||
        curl_transport_url(url, "http,https", t->label, sizeof t->label, NULL)) {
        snprintf(err, errlen, "--sms-url must be an http:// or https:// URL");
        goto fail;
    }
    if (curl_transport_open(&t->curl, err, errlen))
        goto fail;
    t->base.channel = "sms";
    t->base.label = t->label;
    t->base.send = sms_send;
    t->base.free = sms_free;
    *out = &t->base;
    return 0;
fail:
    sms_free(&t->base);
    return -1;
}
