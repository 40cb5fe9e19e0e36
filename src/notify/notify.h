/* notify: messages to citizens about their dossiers (thông báo cho công
 * dân). A status change the citizen should know of queues one message per
 * channel the citizen has (e-mail, SMS) in the outbox table, inside the
 * write job that makes the change, so the message exists if and only if the
 * change committed. The delivery worker (notify/notify_worker.h) sends them
 * through a transport (notify/mail.h for SMTP, notify/sms.h for an SMS
 * gateway) with retries and backoff. See docs/notifications.md. */
#ifndef MOTCUA_NOTIFY_H
#define MOTCUA_NOTIFY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define NOTIFY_MAX_ATTEMPTS 8
#define NOTIFY_SUBJECT_MAX 256
#define NOTIFY_BODY_MAX 8192
#define NOTIFY_RECIPIENT_MAX 256

/* What write jobs need to know when they queue messages. Set once when the
 * server starts, before the writer runs jobs (notify_configure); the
 * defaults queue e-mail and no SMS, with no lookup link. */
struct notify_config {
    char base_url[256];  /* public address: links are BASE/tra-cuu?ma=CODE */
    int sms_enabled;     /* queue SMS only when a gateway is configured */
};

/* Installs the configuration used by notify_enqueue. Thread-safe. */
void notify_configure(const struct notify_config *c);

/* Queues the messages for one dossier event, inside the caller's write job
 * (same transaction). event_id 0 means the dossier's newest event (the one
 * the job just wrote). Nothing is queued when the event did not change the
 * national status (e.g. an assignment inside "Đang xử lý"), when the event
 * is not public, or when the citizen has no address for a channel: e-mail
 * goes to the dossier's applicant e-mail, else the owner account's (a
 * walk-in dossier may have no account); SMS (when a gateway is configured)
 * to the applicant phone, else the account's.
 * Calling it twice for the same event queues nothing more (one row per event
 * and channel). Returns 0 or a negative store error. */
int notify_enqueue(struct store *db, int64_t dossier_id, int64_t event_id);

/* The writer's after-commit hook: wakes the delivery worker if a job of the
 * batch queued messages. Cheap when nothing was queued. */
void notify_after_commit(void);

/* The dossier-change listener (dossier/changes.h): a change of the national
 * status queues the citizen's messages for the dossier's newest event
 * (notify_enqueue); a change that keeps the status (an assignment, an
 * apology) is no news. Its after-commit hook is notify_after_commit. */
struct dossier_listener;
extern const struct dossier_listener notify_listener;

/* The delivery worker registers how to wake it (fn(arg)); NULL to remove.
 * Thread-safe: after it returns, fn is not called any more. */
void notify_set_waker(void (*fn)(void *), void *arg);

/* Seconds to wait after a failed attempt, attempts being the number of
 * attempts made so far (1 after the first): 30 s, 2 min, 10 min, 30 min,
 * 1 h, 2 h, 4 h, each multiplied by scale (rounded to whole seconds; scale
 * 0 retries at once). -1 once attempts reaches NOTIFY_MAX_ATTEMPTS: the
 * message has failed for good. */
int64_t notify_backoff(int attempts, double scale);

/* The backoff scale from the environment variable MOTCUA_NOTIFY_BACKOFF_SCALE
 * (a decimal number in [0, 100]; for tests), else 1. -1 if it is set but not
 * such a number. */
int notify_backoff_scale_env(double *out);

/* What a message about one status change says. */
struct notify_event {
    const char *code;            /* dossier code */
    const char *applicant_name;  /* may be "" */
    const char *procedure_name;
    const char *unit_name;       /* the receiving unit */
    int status;                  /* national status 1..10 */
    int64_t at;                  /* the time of the change */
    int64_t due_at;              /* appointment, 0 if none */
    const char *note;            /* the officer's reason, "" if none */
    const char *lookup_url;      /* "" if no public address is known */
};
#define NOTIFY_SMS_MAX (NOTIFY_SUBJECT_MAX * 2)

/* Composes the Vietnamese text for a status change. Pure function, used by
 * notify_enqueue and by the tests. OUT: subject (NOTIFY_SUBJECT_MAX bytes),
 * body (NOTIFY_BODY_MAX), sms (NOTIFY_SMS_MAX). Long fields are cut at a
 * character boundary so the text always fits. Returns 0, or -1 for a
 * status outside 1..10. */
int notify_compose(const struct notify_event *e, char *subject, char *body, char *sms);

/* --- transports ------------------------------------------------------------ */

/* What a transport's send returns. NOTIFY_DOWN is a retry for a far side
 * that could not be reached at all: the worker then leaves the channel's
 * other messages alone until this one is due again. */
enum { NOTIFY_SENT = 0, NOTIFY_RETRY = -1, NOTIFY_PERMANENT = -2, NOTIFY_DOWN = -3 };

/* One message as the worker hands it to a transport. */
struct notify_message {
    int64_t id;          /* outbox id */
    int64_t created_at;  /* with id, makes the Message-ID / idempotency key */
    const char *channel;
    const char *recipient;
    const char *subject;
    const char *body;
};

/* A delivery channel. The worker owns it and uses it from its thread only. */
struct notify_transport {
    const char *channel; /* "email" or "sms" */
    const char *label;   /* for logs: where it delivers, never credentials */
    /* Sends m. Returns NOTIFY_SENT once the far side has accepted it,
     * NOTIFY_RETRY for a failure worth retrying, NOTIFY_DOWN when the far
     * side could not be reached, NOTIFY_PERMANENT for one that will not
     * change (e.g. an SMTP 5xx reply), with a reason in err.
     * It should give up soon after *cancel becomes nonzero. */
    int (*send)(struct notify_transport *t, const struct notify_message *m,
                const atomic_int *cancel, char *err, size_t errlen);
    /* Frees the transport. */
    void (*free)(struct notify_transport *t);
};

#endif
