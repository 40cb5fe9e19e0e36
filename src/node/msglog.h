/* msglog: the exchange message log as proof (docs/exchange.md "The message
 * log"). Every envelope sent and received is a row of exchange_messages
 * (db/031) with its envelope in the file store; this module adds what makes
 * the log a proof and lets officers read it:
 *   - a timestamp token (RFC 3161) over each logged envelope's bytes, from
 *     this node's own timestamping, added by a worker thread that picks up
 *     rows without one (so that sending and receiving never wait for a
 *     TSA);
 *   - the retention the province sets (years) and the purge of rows older
 *     than it, with their envelope files, never a message still to send;
 *   - the officers' queries: a filtered page of rows, one row, its
 *     envelope and token, scoped to the units the officer may act for;
 *   - the units hosted by other nodes, for the draft form's recipients.
 * It sits in node/ (not exchange/) because it reads the file store. */
#ifndef MOTCUA_NODE_MSGLOG_H
#define MOTCUA_NODE_MSGLOG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"

struct store;

#define MSGLOG_RETENTION_DEFAULT 10 /* years, until the province sets it */
#define MSGLOG_RETENTION_MIN 1
#define MSGLOG_RETENTION_MAX 100
#define MSGLOG_YEAR (365 * 86400 + 6 * 3600) /* seconds: a Julian year */

/* Gets a timestamp token over data: the TSA client's tsa_timestamp_cb or
 * the in-process tsa_server_timestamp_cb (app->stamp). */
typedef int (*msglog_stamp_fn)(void *ctx, const unsigned char *data, size_t len,
                               unsigned char **token, size_t *token_len);

/* The retention in years, into *years: the one set, else the default.
 * Returns STORE_ROW (set), STORE_DONE (the default) or a store error. */
int msglog_retention_get(struct store *db, int *years);

/* Sets the retention. Returns 0, or -1 with err: DERR_INVALID
 * "bad_retention" outside MSGLOG_RETENTION_MIN..MAX, DERR_INTERNAL. */
int msglog_retention_set(struct store *db, long years, int64_t now, struct derr *err);

/* What a purge removed (or would remove, dry run). */
struct msglog_purge {
    int64_t cutoff; /* rows created before this Unix time go */
    int years;
    int64_t rows;   /* log rows */
    int64_t files;  /* envelope files no row refers to any more */
};

/* Removes the log rows created before now minus the retention, except
 * outgoing messages still pending or sending, then the envelope files no
 * remaining row refers to (after the commit: a crash between leaves an
 * unreferenced file, never a row without its envelope). With dry_run,
 * only counts. db must be writable (the CLI's connection or the worker's).
 * OUT: *out. Returns 0, or -1 with a reason in err. */
int msglog_purge(struct store *db, const char *files_dir, int64_t now, int dry_run,
                 struct msglog_purge *out, char *err, size_t errlen);

/* Timestamps up to max logged envelopes that have no token yet (one token
 * per envelope: rows sharing it get the same), skipping rows that failed
 * within the last retry_after seconds. A failure is kept on the row
 * (tsa_error) and logged. Returns the number of envelopes stamped, or -1
 * on a store error (reason in err). Runs off the writer: the TSA may be a
 * network call. */
int msglog_stamp_missing(struct store *db, const char *files_dir, msglog_stamp_fn stamp,
                         void *ctx, int64_t now, int max, int64_t retry_after, char *err,
                         size_t errlen);

/* The officers' filters (NULL or "": no filter). created_at within
 * [since, before) (Unix seconds; 0: no bound); text matches the edXML
 * DocumentId (which holds the notation) or the document's notation or
 * summary. */
struct msglog_filter {
    const char *direction, *kind, *state, *organ, *text;
    int64_t since, before;
    int limit, offset;
};

/* A page of the rows account_id may see, newest first: {items: [...],
 * total, limit, offset}. An officer sees a row whose local unit (From for
 * an outgoing row, To for an incoming one) is one where they hold
 * document.read (or below it); one holding unit.admin on the province sees
 * every row, refusals included. A new reference, or NULL on a store error. */
json_t *msglog_list_json(struct store *db, int64_t account_id, const struct msglog_filter *f);

/* One row as the officer may see it, with the signer, the verdict, the
 * directory version, the sender's bookkeeping and the timestamp's time and
 * TSA. OUT: *out (a new reference). Returns STORE_ROW, STORE_DONE (none,
 * or not visible to the account), or a store error. */
int msglog_get_json(struct store *db, int64_t account_id, int64_t id, json_t **out);

/* The envelope's SHA-256 (hex) of a visible row, into sha. Returns
 * STORE_ROW, STORE_DONE (no row, not visible, or no envelope yet) or a
 * store error. */
int msglog_envelope_sha(struct store *db, int64_t account_id, int64_t id, char sha[65]);

/* The timestamp token (DER) of a visible row. OUT: *token (free()),
 * *len. Returns STORE_ROW, STORE_DONE (no row, not visible, or not
 * stamped yet) or a store error (or STORE_ERR out of memory). */
int msglog_token(struct store *db, int64_t account_id, int64_t id, unsigned char **token,
                 size_t *len);

/* The units hosted by the other nodes of the installed directory, by
 * name: [{code, name, node, node_name}] (name: the catalog's, else the
 * code). An empty array when no directory is installed or it no longer
 * verifies. OUT: *out. Returns 0, or -1 on a store error. */
int msglog_units_json(struct store *db, int64_t now, json_t **out);

/* --- the worker of `serve` ------------------------------------------------ */

struct msglog_worker;

struct msglog_worker_config {
    const char *db_path, *files_dir;
    msglog_stamp_fn stamp; /* NULL: nothing is timestamped (logged once) */
    void *stamp_ctx;
    int tick;              /* seconds between looks (e.g. 2) */
};

/* Starts the thread: it stamps new envelopes every tick, and purges the
 * log once at start and then daily. Returns 0 with *out, or -1 with a
 * reason in err. */
int msglog_worker_start(const struct msglog_worker_config *c, struct msglog_worker **out,
                        char *err, size_t errlen);

/* Stops the thread (it finishes the envelope in hand). NULL is fine. */
void msglog_worker_stop(struct msglog_worker *w);

#endif
