/* gateway: online payment gateways (cổng thanh toán) in the style Vietnamese
 * gateways use: the merchant sends the browser to the gateway with a signed
 * query string; the gateway confirms the result server to server with a
 * signed body and sends the browser back to a return URL with the same
 * signed parameters. The signature is HMAC-SHA512, as lowercase hex, over
 * the canonical string of the parameters:
 *
 *   every parameter except "secure_hash", sorted by name (bytewise), written
 *   name=value with both percent-encoded (RFC 3986: A-Z a-z 0-9 - . _ ~ kept,
 *   every other byte as %XX in capitals, space as %20), joined by '&'.
 *
 * A gateway is a table of function pointers (struct payment_gateway); the
 * one implementation here is "testgw", the local test gateway used by the
 * tests and the demo (see payment/testgw.h for its own side). */
#ifndef MOTCUA_GATEWAY_H
#define MOTCUA_GATEWAY_H

#include <stddef.h>
#include <stdint.h>

#define GW_MAX_PARAMS 24
#define GW_MAX_NAME 32
#define GW_MAX_VALUE 512
#define GW_MAX_BODY 8192      /* a notification body or query string */
#define GW_HASH_PARAM "secure_hash"
#define GW_HASH_HEX 128       /* HMAC-SHA512 as hex digits */

/* Parameters of a request to or from a gateway, in the order added. */
struct gw_params {
    int n;
    struct {
        char name[GW_MAX_NAME];
        char value[GW_MAX_VALUE];
    } p[GW_MAX_PARAMS];
};

/* Adds one parameter. -1 if the name is empty or too long, the value too
 * long, the name already present, or the list full. */
int gw_params_add(struct gw_params *ps, const char *name, const char *value);

/* The value of a parameter, or NULL. */
const char *gw_params_get(const struct gw_params *ps, const char *name);

/* Parses application/x-www-form-urlencoded text (a body or a query string):
 * '&'-separated name=value, percent-decoded, '+' as space. Refuses (-1)
 * malformed escapes, NUL bytes, a repeated name and anything over the
 * limits above. OUT: *ps (cleared first). */
int gw_params_parse(const char *text, size_t len, struct gw_params *ps);

/* Writes the canonical string (see above) into out. Returns its length, or
 * -1 if it does not fit. */
int gw_canonical(const struct gw_params *ps, char *out, size_t cap);

/* Writes every parameter, secure_hash included, sorted and encoded the same
 * way, as a query string or form body. Returns its length or -1. */
int gw_encode(const struct gw_params *ps, char *out, size_t cap);

/* HMAC-SHA512 of the canonical string with secret, as lowercase hex.
 * OUT: hex[GW_HASH_HEX + 1]. Returns 0, or -1 (empty secret, too long). */
int gw_sign(const struct gw_params *ps, const char *secret, char *hex);

/* Adds (or replaces) secure_hash with the signature. Returns 0 or -1. */
int gw_params_sign(struct gw_params *ps, const char *secret);

/* Does secure_hash match the signature of the other parameters (compared
 * in constant time; upper- or lowercase hex accepted)? 1 yes, 0 no. */
int gw_verify(const struct gw_params *ps, const char *secret);

/* Percent-encodes s (RFC 3986 unreserved kept) into out. Returns the
 * length or -1 if it does not fit. */
int gw_percent_encode(const char *s, char *out, size_t cap);

/* Local time (UTC+7) as yyyyMMddHHmmss, the gateways' date format, and back
 * (-1 if malformed). */
void gw_format_time(int64_t t, char out[15]);
int64_t gw_parse_time(const char *s);

/* --- the gateway interface ---------------------------------------------- */

struct gateway_config {
    const char *merchant;  /* our merchant code at the gateway */
    const char *secret;    /* the shared HMAC key */
    const char *url;       /* absolute URL of the gateway's payment page */
};

/* What the merchant asks the gateway to collect. */
struct gateway_order {
    const char *txn_ref;    /* our reference of the payment, e.g. "MC000042" */
    int64_t amount;         /* VND */
    const char *order_info; /* ASCII description shown by the gateway */
    const char *return_url; /* where the gateway sends the browser back */
    int64_t now, expire_at; /* Unix seconds */
};

/* The outcome a gateway reports (by notification or on the return URL). */
struct gateway_result {
    char txn_ref[32];
    char gateway_txn[64];   /* the gateway's transaction number */
    int64_t amount;
    char response_code[8];  /* "00" paid; anything else: not paid */
    int paid;               /* response_code == "00" */
    int64_t paid_at;        /* Unix seconds, from the gateway's pay_date */
};

enum gw_status {
    GW_OK = 0,
    GW_MALFORMED = -1,      /* a required parameter is missing or invalid */
    GW_BAD_SIGNATURE = -2,  /* missing or wrong secure_hash */
    GW_WRONG_MERCHANT = -3, /* signed, but for another merchant */
};

struct payment_gateway {
    const char *name;
    /* Writes the signed URL to send the browser to. Returns 0 or -1. */
    int (*checkout_url)(const struct gateway_config *cfg, const struct gateway_order *o,
                        char *out, size_t cap);
    /* Checks the signature and reads a notification's or a return's
     * parameters. Returns an enum gw_status. OUT: *r on GW_OK. */
    int (*read_result)(const struct gateway_config *cfg, const struct gw_params *ps,
                       struct gateway_result *r);
};

extern const struct payment_gateway gateway_testgw;

/* The gateway with this name, or NULL. */
const struct payment_gateway *gateway_find(const char *name);

#endif
