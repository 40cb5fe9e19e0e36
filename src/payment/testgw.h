/* testgw: the other side of the local test gateway ("testgw"), used only by
 * the tests and the demo (`motcua serve --test-gateway`): it checks the
 * merchant's signed checkout, keeps the gateway's own record of what it
 * collected (gateway_records, which reconciliation compares with the
 * payments), signs the result and posts it to the merchant's notification
 * URL, server to server, like a real Vietnamese gateway. No money moves. */
#ifndef MOTCUA_TESTGW_H
#define MOTCUA_TESTGW_H

#include <stddef.h>
#include <stdint.h>

#include "payment/gateway.h"

struct store;

#define TESTGW_EXPIRED (-10) /* beside the enum gw_status values */

/* Starts libcurl (once, before threads). Returns 0 or -1. */
int testgw_init(void);

/* A checkout as the gateway reads it. */
struct testgw_order {
    char merchant[64];
    char txn_ref[32];
    int64_t amount;
    char order_info[256];
    char return_url[512];
    int64_t expire_at;
};

/* Checks a checkout's parameters (signature, merchant, fields, expiry at
 * now). Returns GW_OK, an enum gw_status or TESTGW_EXPIRED. OUT: *o. */
int testgw_read_checkout(const struct gateway_config *cfg, const struct gw_params *ps,
                         int64_t now, struct testgw_order *o);

/* The signed result parameters (for the notification and the return URL):
 * response_code "00" when paid, "24" (cancelled by the payer) otherwise.
 * Returns 0 or -1. OUT: *out (cleared first). */
int testgw_result_params(const struct gateway_config *cfg, const struct testgw_order *o,
                         const char *gateway_txn, int paid, int64_t paid_at,
                         struct gw_params *out);

/* Records the collection in gateway_records, once per reference: a second
 * approval of the same reference reuses the first transaction (and its
 * time), so the notification repeated is the same one. */
struct testgw_record {
    char txn_ref[32];
    int64_t amount;
    int64_t now;
    char gateway_txn[64]; /* IN: a new number; OUT: the one recorded */
    int64_t paid_at;      /* OUT */
};
int testgw_record_job(struct store *db, void *arg);

/* A new transaction number: "TG" and 12 random digits. Returns 0 or -1. */
int testgw_new_txn(char out[64]);

/* POSTs body as application/x-www-form-urlencoded to url (10 s timeout).
 * Blocking: call it from the worker pool. OUT: *status, the HTTP status.
 * Returns 0, or -1 with a reason in err when no answer came. */
int testgw_post(const char *url, const char *body, long *status, char *err, size_t errlen);

#endif
