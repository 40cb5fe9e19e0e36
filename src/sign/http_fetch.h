/* http_fetch: one bounded HTTP exchange with libcurl for the trust layer's
 * outside services (a timestamp authority, a CA's OCSP responder and CRLs):
 * a POST of a body with its headers, or a GET; limited protocols, no
 * redirects, connect and total timeouts, an answer-size limit checked as
 * it arrives. Callers turn the outcome into their own messages. Thread-safe
 * (libcurl's global init is reference-counted in the libcurl Debian ships). */
#ifndef MOTCUA_SIGN_HTTP_FETCH_H
#define MOTCUA_SIGN_HTTP_FETCH_H

#include <openssl/types.h>
#include <stddef.h>

struct fetch_request {
    const char *url;
    const char *protocols;     /* for libcurl: "http" or "http,https" */
    const unsigned char *body; /* NULL: a GET */
    size_t body_len;
    const char *const *headers; /* "Name: value" lines, or NULL */
    size_t nheaders;
    long connect_timeout; /* seconds */
    long timeout;         /* seconds, the whole exchange */
    size_t max_answer;    /* bytes */
    const char *userpwd;  /* "user:password" for basic authentication, or NULL */
    int keep_error_body;  /* on FETCH_STATUS, give the answer's body too (a peer's
                             JSON refusal); 0: dropped */
    /* Mutual TLS between exchange nodes (https only; all NULL: no client
     * certificate, the server checked against the system's CAs). */
    const char *client_cert; /* PEM file: the certificate this side presents */
    const char *client_key;  /* PEM file: its private key */
    X509 *pinned_peer;       /* the only server certificate accepted: trusted alone, its
                                public key pinned, the host name not checked (the
                                directory names the node, not a DNS name); not owned */
};

enum fetch_outcome {
    FETCH_OK,          /* HTTP 200 with a body */
    FETCH_TOO_LARGE,   /* more than max_answer bytes */
    FETCH_TIMEOUT,     /* no complete answer within timeout */
    FETCH_UNREACHABLE, /* could not connect or send; why says how (with pinned_peer, a
                          server certificate other than it says so) */
    FETCH_STATUS,      /* an HTTP status other than 200 (in *status) */
    FETCH_EMPTY,       /* 200 without a body */
    FETCH_FAILED,      /* libcurl or memory failed */
};

/* Runs the exchange. OUT: on FETCH_OK (and on FETCH_STATUS with
 * keep_error_body, when a body came) *answer (malloc'd; free()) and
 * *answer_len; *status, the HTTP status when one came (else 0); why, libcurl's
 * words for a failure (may be empty). */
enum fetch_outcome fetch_http(const struct fetch_request *r, unsigned char **answer,
                              size_t *answer_len, long *status, char *why, size_t whylen);

#endif
