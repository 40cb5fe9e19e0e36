/* http_fetch: see http_fetch.h. */
#include "sign/http_fetch.h"

#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* "sha256//" and the base64 of the SHA-256 of cert's public key (its
 * SubjectPublicKeyInfo DER), as CURLOPT_PINNEDPUBLICKEY takes it. */
static int pin_of(X509 *cert, char *out, size_t cap)
{
    unsigned char *der = NULL, md[32];
    unsigned mdlen = 0;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    int ok = len > 0 && EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) &&
             mdlen == 32 && cap >= 8 + 45;
    OPENSSL_free(der);
    if (!ok)
        return -1;
    memcpy(out, "sha256//", 8);
    EVP_EncodeBlock((unsigned char *)out + 8, md, 32); /* 44 characters and a NUL */
    return 0;
}

/* The pinned peer as the only trusted certificate (PEM bytes; malloc'd). */
static char *pem_of(X509 *cert, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data, *copy = NULL;
    long n;
    if (b && PEM_write_bio_X509(b, cert) && (n = BIO_get_mem_data(b, &data)) > 0 &&
        (copy = malloc((size_t)n))) {
        memcpy(copy, data, (size_t)n);
        *len = (size_t)n;
    }
    BIO_free(b);
    return copy;
}

/* Mutual TLS options (see struct fetch_request). Returns 0, or -1 when the
 * pin cannot be made (nothing must then be sent). */
static int set_tls(CURL *h, const struct fetch_request *r, char **pem)
{
    if (r->client_cert && r->client_key) {
        curl_easy_setopt(h, CURLOPT_SSLCERT, r->client_cert);
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(h, CURLOPT_SSLKEY, r->client_key);
        curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (!r->pinned_peer)
        return 0;
    char pin[64];
    size_t len = 0;
    if (pin_of(r->pinned_peer, pin, sizeof pin) || !(*pem = pem_of(r->pinned_peer, &len)))
        return -1;
    /* The listed certificate is the only trust anchor (curl lets OpenSSL
     * accept a trusted leaf that is not self-signed: partial chains), and
     * its key is pinned besides; the directory names the node, so the host
     * name is not what is checked. */
    struct curl_blob ca = {.data = *pem, .len = len, .flags = CURL_BLOB_NOCOPY};
    curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
    curl_easy_setopt(h, CURLOPT_CAINFO, NULL); /* not the system's CAs besides */
    curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, pin);
    curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    return 0;
}

enum fetch_outcome fetch_http(const struct fetch_request *r, unsigned char **answer,
                              size_t *answer_len, long *status, char *why, size_t whylen)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    struct answer a = {.too_large = 0};
    struct curl_slist *hdr = NULL;
    enum fetch_outcome out = FETCH_FAILED;
    int failed;
    char *pem = NULL;
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
    if (set_tls(h, r, &pem))
        goto done;
    CURLcode cc = curl_easy_perform(h);
    snprintf(why, whylen, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
    if (r->pinned_peer &&
        (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_PINNEDPUBKEYNOTMATCH)) {
        char words[CURL_ERROR_SIZE];
        snprintf(words, sizeof words, "%s", why);
        snprintf(why, whylen, "the server's certificate is not the one the directory lists (%s)",
                 words);
    }
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
    free(pem);
    curl_global_cleanup();
    return out;
}
