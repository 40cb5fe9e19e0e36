/* checkpoint_worker: the thread of `serve` that makes audit checkpoints by
 * itself (sign/checkpoint.h): when entries_max entries have accumulated
 * since the last checkpoint, or interval seconds have passed with at least
 * one, it signs the new hashes with the system key, timestamps them, and
 * stores the checkpoint; it also adds timestamps to checkpoints left
 * without one while the timestamp authority was away. It has its own
 * connection and writes one small row now and then, beside the writer. */
#ifndef MOTCUA_CHECKPOINT_WORKER_H
#define MOTCUA_CHECKPOINT_WORKER_H

#include <stdint.h>

#include "sign/checkpoint.h"

struct checkpoint_worker;

struct checkpoint_worker_config {
    const char *db_path, *data_dir;
    int64_t entries_max;  /* checkpoint after this many new entries (e.g. 1000) */
    int64_t interval;     /* or after this many seconds with any (e.g. 600) */
    checkpoint_timestamp_fn timestamp; /* NULL: none */
    void *timestamp_ctx;
};

/* Starts the worker if the data directory has a system key; without one it
 * logs once that the log is not checkpointed and returns 0 with *out NULL.
 * Returns -1 with a reason in err when it cannot start. */
int checkpoint_worker_start(const struct checkpoint_worker_config *c,
                            struct checkpoint_worker **out, char *err, size_t errlen);

/* Stops the thread (it finishes a checkpoint in progress). NULL is fine. */
void checkpoint_worker_stop(struct checkpoint_worker *w);

#endif
