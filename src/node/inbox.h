/* inbox: an envelope another node POSTs to /api/v1/exchange/inbox. No
 * session: the envelope is the credential. exchange_inbox_check (on a
 * worker thread) verifies the signature against the trust anchors, parses
 * it, checks the signer's certificate is the seal of the From unit, that
 * From is hosted by a node of the directory and that the recipients are
 * this node's, and puts the envelope and its PDF in the file store; then
 * exchange_inbox_job (a write job) logs it and, unless its key was seen
 * before, creates the incoming document of each local To (state arrived)
 * and queues status 01 back, or for a status message records the
 * recipient's status on the sent document. A refusal is logged by
 * exchange_inbox_refusal_job. docs/exchange.md "Sending and receiving". */
#ifndef MOTCUA_EXCHANGE_INBOX_H
#define MOTCUA_EXCHANGE_INBOX_H

#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"
#include "exchange/edxml.h"
#include "exchange/edxml_sign.h"

struct store;
struct directory;

#define EXCHANGE_INBOX_MAX ((size_t)16 << 20) /* bytes of one envelope received */
#define EXCHANGE_INBOX_MAX_TO 32              /* local recipients of one envelope */

struct exchange_inbox {
    /* IN */
    const unsigned char *data;
    size_t len;
    const char *files_dir;
    int64_t now;
    /* on the node listener: the calling node (in the directory given to
     * the check), NULL on the plain listener */
    const struct directory_node *peer;
    /* filled by exchange_inbox_check */
    struct edxml e;
    struct edxml_verdict v;
    int parsed; /* 1: e needs edxml_free; 2: and it was read whole */
    char sender_node[64];
    int64_t directory_version;
    char envelope_sha[65];            /* in the file store once checked */
    char pdf_sha[65];                 /* the first PDF attachment, "" if none */
    int64_t pdf_size;
    char local[EXCHANGE_INBOX_MAX_TO][32]; /* To hosted by this node */
    int nlocal;
    char relay[EXCHANGE_INBOX_MAX_TO][32]; /* To this hub sends on */
    int nrelay;
    /* OUT of the job */
    int created, duplicates;
    struct derr err;
};

/* Checks in->data as above with anchors (NULL: none trusted), the
 * installed directory d (NULL: none installed) and this node's id self
 * ("" when not set). Returns 0, or -1 with in->err: the verification's and
 * the parser's refusals (DERR_INVALID), DERR_FORBIDDEN "unknown_sender"
 * (From not in the directory), "wrong_signer" (not From's seal),
 * DERR_INVALID "not_ours" (no recipient hosted here, nor relayed by this
 * hub), "business_document_required" (a revoke, update or replacement
 * naming no document), DERR_FORBIDDEN "wrong_node" (in->peer neither hosts
 * From nor is a hub), DERR_STATE "no_directory",
 * "node_not_configured"; DERR_INTERNAL when the file store fails. */
int exchange_inbox_check(struct exchange_inbox *in, X509_STORE *anchors,
                         const struct directory *d, const char *self);

/* The write job of a checked envelope (arg: struct exchange_inbox). */
int exchange_inbox_job(struct store *db, void *arg);

/* The write job that logs a refused envelope (arg: struct exchange_inbox
 * with its err set): a row 'refused' with the reason and what could be read. */
int exchange_inbox_refusal_job(struct store *db, void *arg);

/* Frees what in holds (not in itself). */
void exchange_inbox_clear(struct exchange_inbox *in);

#endif
