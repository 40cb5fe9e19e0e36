/* notify_worker: the thread that delivers the outbox. It has its own
 * read-write connection. It claims one due message at a time (pending,
 * next_attempt_at <= now) by marking it 'sending' with its claim and
 * counting the attempt, commits, and only then talks to the far side; after
 * the far side accepted the message it marks it 'sent'. A failure is retried
 * with exponential backoff (notify_backoff) and the message is 'failed'
 * after NOTIFY_MAX_ATTEMPTS attempts or a permanent refusal. At start,
 * messages left 'sending' by a crash go back to 'pending': delivery is at
 * least once, and the only duplicate window is between the far side's
 * acceptance and the 'sent' commit (the Message-ID / Idempotency-Key lets
 * the receiving side drop such a duplicate). A channel without a transport
 * is left alone: its messages stay pending, never dropped. */
#ifndef MOTCUA_NOTIFY_WORKER_H
#define MOTCUA_NOTIFY_WORKER_H

#include <stddef.h>
#include <stdint.h>

struct notify_transport;
struct notify_worker;

struct notify_worker_config {
    struct notify_transport *email; /* NULL: e-mail stays pending */
    struct notify_transport *sms;   /* NULL: SMS stays pending */
    double backoff_scale;           /* 1 in production (notify_backoff) */
};

/* Opens its connection to db_path, puts messages left 'sending' back to
 * 'pending', registers itself as the after-commit waker and starts the
 * thread (with SIGINT, SIGTERM and SIGPIPE blocked). Takes ownership of the
 * transports, also on failure. OUT: *out. Returns 0, or -1 with a reason in
 * err. */
int notify_worker_start(const char *db_path, const struct notify_worker_config *c,
                        struct notify_worker **out, char *err, size_t errlen);

/* Makes the worker look for due messages now. Thread-safe. */
void notify_worker_wake(struct notify_worker *w);

/* Stops the worker: a message being sent gets up to 5 seconds to finish,
 * then its transfer is aborted (it is retried at the next start). Joins the
 * thread, closes the connection, frees the transports and w. NULL is fine. */
void notify_worker_stop(struct notify_worker *w);

struct notify_worker_stats {
    uint64_t sent, retried, failed;
};
void notify_worker_get_stats(struct notify_worker *w, struct notify_worker_stats *out);

/* For `motcua serve`: builds the transports from the options (NULL or ""
 * leaves a channel off: its messages stay pending), reads
 * MOTCUA_NOTIFY_BACKOFF_SCALE, installs the configuration notify_enqueue
 * uses (base_url for links; SMS queued only with a gateway) and starts the
 * worker. OUT: *out. Returns 0, or -1 with a reason in err. */
int notify_serve_start(const char *db_path, const char *base_url, const char *smtp_url,
                       const char *smtp_from, const char *sms_url, struct notify_worker **out,
                       char *err, size_t errlen);

#endif
