/* curl_transport: what the libcurl transports (notify/mail.h for SMTP,
 * notify/sms.h for an SMS gateway over HTTP) share: one easy handle per
 * transport holding a reference to libcurl's global state, the limits and
 * the cancel check of every transfer, and how a failed transfer counts. */
#ifndef MOTCUA_CURL_TRANSPORT_H
#define MOTCUA_CURL_TRANSPORT_H

#include <curl/curl.h>
#include <stdatomic.h>
#include <stddef.h>

/* Takes a reference to libcurl's global state and makes an easy handle.
 * OUT: *out. Returns 0, or -1 with a reason in err. */
int curl_transport_open(CURL **out, char *err, size_t errlen);

/* Frees the handle and drops the reference; NULL is a no-op. */
void curl_transport_close(CURL *c);

/* Sets what every transfer has: no signals, 10 s to connect, `timeout`
 * seconds in all, connections reused for at most 30 s, the transfer
 * stopped soon after *cancel becomes nonzero, errors written to errbuf
 * (CURL_ERROR_SIZE bytes, cleared here). */
void curl_transport_limits(CURL *c, long timeout, const atomic_int *cancel, char *errbuf);

/* Clears what curl_transport_limits pointed at (the cancel flag). */
void curl_transport_forget(CURL *c);

/* Parses url and checks its scheme is one of the comma-separated
 * `schemes`. OUT: label, "scheme://host[:port]" for logs (no user or
 * password); *has_user (may be NULL), whether the URL names a user.
 * Returns 0 or -1. */
int curl_transport_url(const char *url, const char *schemes, char *label, size_t labelcap,
                       int *has_user);

#endif
