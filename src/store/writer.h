/* writer: the one thread that writes to the database. Other threads queue
 * write jobs; the writer takes every queued job, runs them all in one
 * transaction (each inside its own savepoint, so a failing job rolls back
 * alone), commits once (one fsync for the batch: group commit), and only
 * then reports each job done. A 2xx answer is therefore always durable. */
#ifndef MOTCUA_WRITER_H
#define MOTCUA_WRITER_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct writer;

struct write_job {
    /* Runs on the writer thread inside the batch transaction. Must only touch
     * the database (no network, no heavy CPU). Returns 0 to keep its changes,
     * anything else to roll them back; the value ends up in rc. */
    int (*fn)(struct store *db, void *arg);
    void *arg;
    /* Called on the writer thread after the batch committed (or failed); it
     * must hand the job back to its owner quickly (e.g. event_active). */
    void (*notify)(struct write_job *job);
    void *owner;
    int rc; /* OUT: fn's result, or a store error if the commit failed */
    struct write_job *next;
};

/* Opens the read-write connection to path and starts the thread. */
int writer_start(const char *path, struct writer **out, char *err, size_t errlen);

/* Queues a job. Thread-safe. Fails (-1) once the writer is stopping. */
int writer_submit(struct writer *w, struct write_job *job);

/* Sets a function the writer calls after each batch's commit (or rollback),
 * before it reports the jobs done; e.g. to invalidate caches. Call before
 * submitting jobs. */
void writer_set_after_commit(struct writer *w, void (*fn)(void));

/* Runs the remaining jobs, stops the thread, closes the connection. */
void writer_stop(struct writer *w);

struct writer_stats {
    uint64_t jobs, batches, failed_jobs, failed_commits;
};
void writer_get_stats(struct writer *w, struct writer_stats *out);

#endif
