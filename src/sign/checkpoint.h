/* checkpoint: signed, timestamped checkpoints of the audit chain, so that
 * the log cannot be rewritten unnoticed. The hash chain alone shows an
 * edited entry only until someone recomputes every later hash, and shows
 * nothing when the newest entries are deleted. A checkpoint certifies, with
 * the system key's signature and an RFC 3161 timestamp, the hashes of every
 * entry since the previous checkpoint: an entry changed afterwards no
 * longer matches its checkpoint, wherever it is, and entries deleted below
 * the newest checkpoint are missing from what it certified.
 *
 * A checkpoint is a short text (the statement), its CMS signature (DER,
 * detached) and an optional timestamp token over the signature. They are
 * kept in their own table, and `motcua audit checkpoint --out FILE` writes
 * them to a file the operator keeps elsewhere: whoever can rewrite the
 * database can delete the newest checkpoints with the newest entries, but
 * not a copy shipped away. */
#ifndef MOTCUA_CHECKPOINT_H
#define MOTCUA_CHECKPOINT_H

#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct signer;

/* Gets a timestamp token over data (the signature): the TSA client's
 * tsa_timestamp_cb or the demo TSA's tsa_server_timestamp_cb. */
typedef int (*checkpoint_timestamp_fn)(void *ctx, const unsigned char *data, size_t len,
                                       unsigned char **token, size_t *token_len);

/* A checkpoint ready to be stored (all owned; checkpoint_clear frees). */
struct checkpoint {
    int64_t first, last;     /* the entries it certifies (first > last: none new) */
    int64_t created_at;
    char *statement;         /* the signed text */
    unsigned char *signature; /* CMS SignedData, DER, detached over the statement */
    size_t signature_len;
    unsigned char *timestamp; /* RFC 3161 token over the signature, or NULL */
    size_t timestamp_len;
};

/* Builds the next checkpoint from the entries after the last one stored:
 * reads them on db, signs the statement with s, and, when ts is given,
 * timestamps the signature (a timestamp that fails leaves the checkpoint
 * without one, to be added later; it never loses the checkpoint). Returns
 * 1 with *out filled, 0 when no entry is new (nothing to certify), or -1
 * with a reason in err. Runs anywhere but the writer: the TSA is a network
 * call. */
int checkpoint_build(struct store *db, const struct signer *s, checkpoint_timestamp_fn ts,
                     void *ts_ctx, int64_t now, struct checkpoint *out, char *err, size_t errlen);

/* Stores c (a write job's body, or inside the CLI's transaction), unless a
 * checkpoint for the same entries was stored meanwhile. Returns 0 or a store
 * error. */
int checkpoint_store(struct store *db, const struct checkpoint *c);

void checkpoint_clear(struct checkpoint *c);

/* Adds timestamps to stored checkpoints that have none (after the TSA was
 * unreachable). Returns the number added, or -1 with a reason in err. */
int checkpoint_timestamp_missing(struct store *db, checkpoint_timestamp_fn ts, void *ts_ctx,
                                 char *err, size_t errlen);

/* Writes every stored checkpoint to path, as a text file of records (the
 * format is in docs/audit.md), atomically. Returns 0 or -1 with err. */
int checkpoint_export(struct store *db, const char *path, char *err, size_t errlen);

/* What checkpoint_verify found. */
struct checkpoint_report {
    int64_t checkpoints;      /* checked */
    int64_t certified;        /* entries covered by them */
    int64_t newest_last;      /* the newest checkpoint's last entry, or 0 */
    int64_t bad_entry;        /* the first entry that does not match, or 0 */
    int64_t missing_from;     /* entries certified but gone: from .. to, or 0 */
    int64_t missing_to;
    int64_t untimestamped;    /* checkpoints without a timestamp yet */
    char why[512];            /* the first problem, in plain words */
};

/* Checks the checkpoints of db, or those of the file at path (an export
 * kept elsewhere) when path is not NULL, against the entries in db: every
 * signature (against trust), every timestamp (its imprint is the
 * signature's hash, its chain trusted), every certified entry present with
 * the certified hash, and the checkpoints contiguous. Returns 0 when all
 * hold, 1 with the first problem in r, or -1 when something cannot be read
 * (reason in r->why). */
int checkpoint_verify(struct store *db, const char *path, X509_STORE *trust,
                      struct checkpoint_report *r);

#endif
