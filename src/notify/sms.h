/* sms: SMS notifications through an HTTP gateway, as a notify transport.
 * Each message is one POST of JSON {"to": PHONE, "text": TEXT} with an
 * Idempotency-Key header derived from the outbox row (the same on every
 * retry, so a gateway that honours it drops duplicates). A 2xx answer means
 * sent; 4xx (except 408 and 429) is permanent; anything else is retried. */
#ifndef MOTCUA_SMS_H
#define MOTCUA_SMS_H

#include <stddef.h>

struct notify_transport;

/* Creates the transport for the gateway at url (http:// or https://; basic
 * auth may be given in the URL). OUT: *out, owned by the caller (t->free).
 * Returns 0, or -1 with a reason in err. */
int sms_transport_new(const char *url, struct notify_transport **out, char *err, size_t errlen);

#endif
