/* changes: the hub that announces dossier changes to the modules that
 * follow them (the lookup cache, notifications, report counters, payment
 * requests, ...). A module exports a struct dossier_listener; the program
 * registers the listeners it wants once at start (app_listen_all in
 * src/app.c), the way SQLite registers VFSs, so dossier/ and workflow/ never
 * name the modules above them.
 *
 * A write job that changes a dossier (a submission, a workflow step, an
 * apology with a new appointment) calls dossier_changed() inside its
 * transaction, after the dossier row and its event are written. Each
 * listener's changed() runs in registration order; the first error stops
 * the list and the job rolls back. After the writer commits a batch,
 * dossier_changes_after_commit() runs the listeners' after-commit hooks.
 *
 * Not thread-safe: register before any thread runs write jobs; after that
 * the table is only read, by the writer thread (or by the one thread of a
 * CLI command or test). */
#ifndef MOTCUA_CHANGES_H
#define MOTCUA_CHANGES_H

#include <stdint.h>

struct store;

/* One change of a dossier. A change may leave the state and status as they
 * were (an assignment, an apology that gives a new appointment): listeners
 * that care about status changes compare from_status and to_status. */
struct dossier_change {
    int64_t dossier_id;
    const char *code;       /* the dossier code (never "" after submission) */
    const char *action;     /* what happened: "submit", "accept", "apology", ... */
    const char *from_state; /* workflow state before ("draft" for a submission) */
    const char *to_state;   /* workflow state after (== from_state if unchanged) */
    int from_status;        /* national status before (0 for a draft) */
    int to_status;          /* national status after */
    int64_t at;             /* Unix seconds */
    int64_t actor_id;       /* the account acting; 0 for the system */
};

/* A follower of dossier changes. The struct is borrowed by the hub and must
 * outlive the program's use of it (listeners are static constants). */
struct dossier_listener {
    const char *name; /* for logs and tests: "notify", "stats", ... */
    /* Inside the change's transaction. Returns 0, or a negative store
     * error: the job then rolls back, and later listeners are not called. */
    int (*changed)(struct store *db, const struct dossier_change *c);
    /* After the batch holding the change committed (the writer thread);
     * NULL if none. Called after every batch, whether or not this
     * listener's changed() ran in it: it must be cheap when idle. */
    void (*after_commit)(void);
};

/* Most listeners the hub holds. */
#define DOSSIER_LISTENERS_MAX 16

/* Adds l at the end of the list. Registering the same listener again does
 * nothing. Returns 0, or -1 when the table is full. Not thread-safe: call
 * before serving. */
int dossier_listen(const struct dossier_listener *l);

/* Empties the list (for tests that register their own listeners). */
void dossier_listen_reset(void);

/* Tells every listener of c, in order, inside the caller's transaction.
 * Returns 0, or the first listener's error (the caller rolls back). */
int dossier_changed(struct store *db, const struct dossier_change *c);

/* Runs the listeners' after-commit hooks, in order. The writer's
 * after-commit hook (writer_set_after_commit). */
void dossier_changes_after_commit(void);

#endif
