/* sender: the thread that delivers the exchange outbox (outgoing rows of
 * exchange_messages), modelled on the notification worker: it claims one
 * due row at a time (pending, next_attempt_at <= now) by marking it
 * 'sending' and counting the attempt, commits, then works. At the first
 * attempt it builds the envelope (a document: from the issued document and
 * its PDF; a status: from the incoming document it answers), signs it with
 * the sending unit's seal and keeps it in the file store, so every retry
 * sends the same bytes (a second thread prepares the envelopes of the next
 * few messages of each recipient ahead, while the first is being posted).
 * It POSTs the envelope to the recipient node's
 * address + /api/v1/exchange/inbox (the node found in the installed
 * directory at each attempt): a 2xx marks it 'delivered'; a 4xx refusal
 * 'failed' with the reason; anything else (unreachable, timeout, 5xx, no
 * directory, no node for the recipient) is retried with backoff, never
 * dropped. Rows a crash left 'sending' go back to 'pending' at start:
 * delivery is at least once, and the receiver's unique key makes it once.
 *
 * Transport: plain HTTP to a loopback address or HTTPS with the system's
 * CAs today. Mutual TLS between nodes (the node certificate of the
 * directory on both sides) is the next step: the seam is post_envelope()
 * in sender.c. */
#ifndef MOTCUA_EXCHANGE_SENDER_H
#define MOTCUA_EXCHANGE_SENDER_H

#include <stddef.h>

struct exchange_sender;

/* Opens its own connection to db_path, requeues interrupted rows, sets the
 * outbox's waker and starts the thread. data_dir holds the keys (the
 * seals), files_dir the file store. The backoff is scaled by the
 * environment variable MOTCUA_EXCHANGE_BACKOFF_SCALE (0 to 100, default 1;
 * tests make it short). OUT: *out. Returns 0, or -1 with a reason in err. */
int exchange_sender_start(const char *db_path, const char *data_dir, const char *files_dir,
                          struct exchange_sender **out, char *err, size_t errlen);

/* Makes the sender look for due rows now. Thread-safe. */
void exchange_sender_wake(struct exchange_sender *s);

/* Stops and joins the thread, closes its connection, frees s. NULL is fine. */
void exchange_sender_stop(struct exchange_sender *s);

/* The delay before attempt attempts + 1, in seconds: 10 s doubling to at
 * most an hour, times scale (at least 1 s). */
long exchange_backoff(int attempts, double scale);

/* Writes len bytes into the file store files_dir (durable, under their
 * SHA-256, whose hex goes to sha). Returns 0 or a negative errno. Shared
 * with the inbox. */
int exchange_file_put(const char *files_dir, const void *data, size_t len, char sha[65]);

/* The hub's listener (dossier/changes.h) whose after-commit hook fires the
 * sender's waker; registered by app_listen_all. */
struct dossier_listener;
extern const struct dossier_listener node_listener;

#endif
