/* payment: fees and charges (phí, lệ phí) of a dossier and their payment.
 * An officer requests a payment (the workflow step request_payment, national
 * status 6, the clock paused); the citizen pays online through a gateway or
 * by bank transfer (VietQR), or at the desk; the confirmed payment moves the
 * dossier back to where it was (the system step confirm_payment). A payment
 * is pending, paid or cancelled; leaving the payment state any other way
 * (stop) cancels it. Confirmation is idempotent: the same gateway
 * transaction confirms once, whatever is repeated.
 *
 * Write operations are writer jobs (one transaction with the workflow step
 * and the audit entry); reads take any connection. The configuration (bank
 * account for VietQR, gateway, secret) is set once by payment_configure
 * before the server starts and is read-only afterwards. */
#ifndef MOTCUA_PAYMENT_H
#define MOTCUA_PAYMENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"
#include "payment/gateway.h"

struct store;
struct cal;

#define PAYMENT_MAX_AMOUNT 999999999999LL /* VND */
/* Longest note of a payment request or confirmation, in characters. */
#define PAYMENT_NOTE_MAX 1000
#define PAYMENT_REF_MAX 24

struct payment {
    int64_t id, dossier_id;
    char reference[PAYMENT_REF_MAX]; /* "MC000042" */
    int64_t amount;                  /* VND, > 0 */
    char purpose[512];               /* what is paid for, Vietnamese */
    char status[12];                 /* pending, paid, cancelled */
    char method[16];                 /* gateway, bank_transfer, desk; "" until paid */
    char gateway[16], gateway_txn[64];
    char note[PAYMENT_NOTE_MAX * 4 + 1];      /* the officer's note with the request */
    /* What the officer recorded when confirming at the desk or from the bank
     * statement: "Biên lai số ..." or "Giao dịch ngân hàng số ...", then
     * ". " and a remark (docs/payments.md); "" for the gateway. */
    char paid_note[PAYMENT_NOTE_MAX * 4 + 1];
    int64_t requested_by, confirmed_by;
    char confirmed_by_name[256];              /* the confirming officer's full name, or "" */
    int64_t created_at, paid_at, cancelled_at; /* 0 when not set */
};

/* --- configuration ---------------------------------------------------------- */

struct payment_config {
    /* The account citizens transfer to (VietQR). */
    char bank_bin[8], bank_name[128], account[24], account_name[128];
    int bank_demo;   /* the account is a demo one: say so on every page */
    /* The online gateway. */
    char gateway[16], merchant[64], gateway_url[512];
    int checkout_minutes;
    char secret[256]; /* "" = online payment off */
    int test_gateway; /* serve the local test gateway under /test-gateway/ */
    char base_url[256];
};

/* Reads the configuration: config_path (a file like data/payment.json) or,
 * when NULL, the embedded data/payment.json; secret ("" or NULL: none;
 * with test_gateway a random one is made); base_url is the server's public
 * address (for return URLs and a relative gateway URL). Call once, before
 * any thread uses payment_config(). Returns 0, or -1 with a reason in err. */
int payment_configure(const char *config_path, const char *secret, int test_gateway,
                      const char *base_url, char *err, size_t errlen);

/* The configuration (zeroed before payment_configure). Read-only. */
const struct payment_config *payment_config(void);

/* The gateway's configuration in the form gateway functions take. */
struct gateway_config payment_gateway_config(void);

/* --- reads ---------------------------------------------------------------------- */

/* What a dossier's procedure charges: unit_amount per unit counted by the
 * form's integer field per_field ("" for a flat fee; quantity 1 then, or
 * when the form holds no usable number), amount = unit_amount x quantity. */
struct payment_fee {
    int64_t unit_amount, quantity, amount; /* VND */
    char per_field[65];
    char procedure_name[512];
    char note[2048];
};
int payment_fee(struct store *db, int64_t dossier_id, struct payment_fee *out);

/* The dossier's current payment: the pending one, else the newest.
 * Returns STORE_ROW, STORE_DONE or an error. */
int payment_for_dossier(struct store *db, int64_t dossier_id, struct payment *out);

/* The payment with this reference ("MC000042"). STORE_ROW, STORE_DONE, error. */
int payment_by_reference(struct store *db, const char *reference, struct payment *out);

/* The VietQR payload for paying p into the configured account by bank
 * transfer; the transfer's content is the payment's reference. Returns the
 * length or -1. */
int payment_vietqr(const struct payment *p, char *out, size_t cap);

/* The VietQR payload drawn as a PNG, as a "data:image/png;base64,..." URL.
 * Returns a new string (free it) or NULL. */
char *payment_qr_png_data_url(const char *payload, int size_px);

/* JSON of a payment for the API (amount, status, method, reference, times;
 * for a payment confirmed by an officer, paid_note and confirmed_by, the
 * officer's full name). The same for the officers and for the payer: a
 * receipt number and the name of who took the money are on the paper
 * receipt too. Returns a new reference, NULL when out of memory. */
json_t *payment_json(const struct payment *p);

/* Most entries in each list of the reconciliation report. */
#define PAYMENT_RECON_LIST_MAX 1000

/* The reconciliation report for payments of dossiers received by unit_id
 * or below, paid in [from, to) (Unix seconds): paid payments against the
 * gateway's records: matched, missing at the gateway, missing here,
 * mismatched amounts; the payments confirmed by officers (desk, bank
 * transfer) one by one; with totals per method. Gateway records whose
 * reference names no payment are listed only when include_unknown. Each
 * list keeps its first PAYMENT_RECON_LIST_MAX entries; "truncated_lists"
 * names the lists cut, the summary counts them all. NULL on error. */
json_t *payment_reconciliation_json(struct store *db, int64_t unit_id, int64_t from, int64_t to,
                                    int include_unknown);

/* --- write jobs -------------------------------------------------------------- */

/* An officer asks for a payment: creates the pending payment and takes the
 * step request_payment (processing -> payment) in one transaction. amount
 * < 0 uses the procedure's fee; a fee of 0 (exempt, e.g. birth registration
 * on time) is refused unless an amount is given. If the dossier is already
 * waiting for payment without a pending one (the step was taken through
 * the generic action route), only the payment is created. */
struct payment_request {
    int64_t dossier_id, actor_id;
    int64_t amount;          /* VND, or -1 for the procedure's fee */
    char note[PAYMENT_NOTE_MAX * 4 + 1];         /* required: what is to be paid, shown to the citizen */
    const struct cal *cal;
    int64_t now;
    struct derr err;         /* OUT */
    int64_t payment_id;      /* OUT */
};
int payment_request_job(struct store *db, void *arg);

enum payment_outcome {
    PAYMENT_CONFIRMED = 1,   /* paid now; the dossier resumed */
    PAYMENT_ALREADY = 2,     /* the same transaction was confirmed before: nothing changed */
    PAYMENT_NOT_PAID = 3,    /* the gateway reports a failure: nothing changed */
};

/* A gateway's confirmation (already signature-checked: r comes from the
 * gateway's read_result). Refusals, with nothing changed: unknown payment
 * (not_found), another amount (invalid "amount_mismatch"), a payment
 * already paid by another transaction or cancelled (state). */
struct payment_confirm {
    char gateway[16];
    struct gateway_result r;
    const struct cal *cal;
    int64_t now;
    struct derr err;         /* OUT */
    int outcome;             /* OUT: enum payment_outcome */
    int64_t dossier_id;      /* OUT */
};
int payment_confirm_job(struct store *db, void *arg);

/* An officer records a payment made at the desk (cash, card) or a bank
 * transfer seen on the account statement: the pending payment is paid, the
 * note kept with it (paid_note) and the dossier resumes. Needs
 * dossier.receive on the dossier's unit. */
struct payment_desk {
    int64_t dossier_id, actor_id;
    char method[16];         /* "desk" or "bank_transfer" */
    char note[PAYMENT_NOTE_MAX * 4 + 1]; /* the receipt or transaction number, a remark */
    const struct cal *cal;
    int64_t now;
    struct derr err;         /* OUT */
    int64_t payment_id;      /* OUT */
};
int payment_desk_job(struct store *db, void *arg);

/* The dossier-change listener (dossier/changes.h). It follows states, not
 * action names: entering the "payment" state with no pending payment (the
 * step taken through the generic action route) creates one for the
 * procedure's fee, unless the procedure is exempt (fee 0: the officer then
 * names an amount through payment_request_job); leaving the "payment" state
 * with a payment still pending (withdrawal, stop) cancels it. A confirmed
 * payment is marked paid before the confirm step, so that step finds
 * nothing pending. */
struct dossier_listener;
extern const struct dossier_listener payment_listener;

/* The reference of payment id: "MC" and at least six digits. */
void payment_reference(int64_t id, char out[PAYMENT_REF_MAX]);

#endif
