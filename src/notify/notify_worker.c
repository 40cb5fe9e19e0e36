/* notify_worker: claims due outbox messages, sends them through the
 * channel's transport, records the outcome, retries with backoff. */
#include "notify/notify_worker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/util.h"
#include "notify/mail.h"
#include "notify/notify.h"
#include "notify/sms.h"
#include "store/store.h"

#define MAX_SLEEP_SEC 30   /* look again at least this often (rows from other processes) */
#define STOP_GRACE_SEC 5
#define ERR_MAX 500

enum { CH_EMAIL, CH_SMS, CH_COUNT };
static const char *const channel_names[CH_COUNT] = {"email", "sms"};

struct notify_worker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* CLOCK_MONOTONIC */
    int woken;           /* under lock */
    atomic_int stopping;
    atomic_int cancel;   /* abort the transfer under way */
    struct store *db;
    struct notify_transport *tr[CH_COUNT];
    int64_t paused_until[CH_COUNT]; /* the far side was down: leave it until then */
    double scale;
    char claim[33];
    struct notify_worker_stats stats; /* under lock */
};

/* One claimed message. */
struct claimed {
    int64_t id, created_at;
    int attempts, ch;
    char recipient[NOTIFY_RECIPIENT_MAX];
    char subject[NOTIFY_SUBJECT_MAX * 2];
    char *body;
};

static void wake_cb(void *arg) { notify_worker_wake(arg); }

void notify_worker_wake(struct notify_worker *w)
{
    pthread_mutex_lock(&w->lock);
    w->woken = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static int channel_index(const char *name)
{
    for (int i = 0; i < CH_COUNT; i++)
        if (strcmp(name, channel_names[i]) == 0)
            return i;
    return -1;
}

/* The channel name to bind in "channel IN (?, ?)": "-" matches nothing. */
static const char *usable(struct notify_worker *w, int ch, int64_t now)
{
    return w->tr[ch] && w->paused_until[ch] <= now ? channel_names[ch] : "-";
}

/* Marks the next due message 'sending' under our claim. STORE_ROW with m
 * filled, STORE_DONE if nothing is due, or an error. */
static int claim_next(struct notify_worker *w, int64_t now, struct claimed *m)
{
    struct store_stmt *st;
    /* Whether anything is due at all, by a read: the claim below takes the
     * database's write lock, which the writer thread (and so every request
     * that changes something) would otherwise wait for after each batch. */
    const char *email = usable(w, CH_EMAIL, now), *sms = usable(w, CH_SMS, now);
    if (email[0] == '-' && sms[0] == '-')
        return STORE_DONE;
    int rc = store_prepare(w->db,
                           "SELECT 1 FROM notify_outbox WHERE status = 'pending' AND"
                           " next_attempt_at <= ? AND channel IN (?, ?) LIMIT 1",
                           &st);
    if (rc)
        return rc;
    store_bind_int(st, 1, now);
    store_bind_text(st, 2, email);
    store_bind_text(st, 3, sms);
    rc = store_step(st);
    store_done(st);
    if (rc != STORE_ROW)
        return rc;
    rc = store_prepare(w->db,
                           "UPDATE notify_outbox SET status = 'sending', attempts = attempts + 1,"
                           " claim = ?1, claimed_at = ?2 WHERE id = (SELECT id FROM notify_outbox"
                           " WHERE status = 'pending' AND next_attempt_at <= ?2 AND channel IN"
                           " (?3, ?4) ORDER BY next_attempt_at, id LIMIT 1)"
                           " RETURNING id, channel, recipient, subject, body, attempts, created_at",
                           &st);
    if (rc)
        return rc;
    store_bind_text(st, 1, w->claim);
    store_bind_int(st, 2, now);
    store_bind_text(st, 3, email);
    store_bind_text(st, 4, sms);
    rc = store_step(st);
    if (rc == STORE_ROW) {
        m->id = store_col_int(st, 0);
        m->ch = channel_index(store_col_text(st, 1));
        copy_str(m->recipient, sizeof m->recipient, store_col_text(st, 2));
        copy_str(m->subject, sizeof m->subject, store_col_text(st, 3));
        m->body = strdup(store_col_text(st, 4));
        m->attempts = (int)store_col_int(st, 5);
        m->created_at = store_col_int(st, 6);
        /* Finish the statement: its autocommit transaction commits here, and
         * nothing may be sent unless the claim is durable. */
        int fin;
        while ((fin = store_step(st)) == STORE_ROW)
            ;
        if (fin != STORE_DONE)
            rc = fin < 0 ? fin : STORE_ERR;
        else if (!m->body || m->ch < 0)
            rc = STORE_ERR;
    }
    store_done(st);
    return rc;
}

/* Records the outcome of an attempt; retried a few times if the database
 * is busy, since a lost 'sent' would mean a duplicate after a restart. */
static int record(struct notify_worker *w, const struct claimed *m, const char *status,
                  int64_t next_at, const char *error)
{
    int rc = STORE_ERR;
    for (int tries = 0; tries < 10; tries++) {
        struct store_stmt *st;
        rc = store_prepare(w->db,
                           "UPDATE notify_outbox SET status = ?, next_attempt_at = ?,"
                           " last_error = ?, sent_at = ?, claim = NULL"
                           " WHERE id = ? AND claim = ? AND status = 'sending'",
                           &st);
        if (rc == 0) {
            int64_t now = now_unix();
            store_bind_text(st, 1, status);
            store_bind_int(st, 2, next_at);
            store_bind_text(st, 3, error);
            if (strcmp(status, "sent") == 0)
                store_bind_int(st, 4, now);
            else
                store_bind_null(st, 4);
            store_bind_int(st, 5, m->id);
            store_bind_text(st, 6, w->claim);
            rc = store_step(st);
            store_done(st);
            if (rc == STORE_DONE)
                return 0;
        }
        log_error("notify: cannot record message %lld as %s: %s", (long long)m->id, status,
                  store_errmsg(w->db));
        struct timespec pause = {0, 200 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return rc;
}

static void count(struct notify_worker *w, uint64_t *field)
{
    pthread_mutex_lock(&w->lock);
    (*field)++;
    pthread_mutex_unlock(&w->lock);
}

/* Sends one claimed message and records what happened. */
static void deliver(struct notify_worker *w, struct claimed *m)
{
    struct notify_transport *t = w->tr[m->ch];
    struct notify_message msg = {.id = m->id,
                                 .created_at = m->created_at,
                                 .channel = channel_names[m->ch],
                                 .recipient = m->recipient,
                                 .subject = m->subject,
                                 .body = m->body};
    char err[ERR_MAX] = "";
    int res = t->send(t, &msg, &w->cancel, err, sizeof err);
    int64_t now = now_unix();
    if (res == NOTIFY_SENT) {
        /* Commit at once: from the far side's acceptance to this commit is
         * the only window in which a crash causes a duplicate. */
        record(w, m, "sent", now, "");
        count(w, &w->stats.sent);
        return;
    }
    int64_t delay = res == NOTIFY_PERMANENT ? -1 : notify_backoff(m->attempts, w->scale);
    if (atomic_load(&w->cancel) && res != NOTIFY_PERMANENT)
        delay = 0; /* cut short by our own stop: try again at the next start */
    if (delay < 0) {
        log_warn("notify: %s message %lld failed after %d attempt(s): %s", channel_names[m->ch],
                 (long long)m->id, m->attempts, err);
        record(w, m, "failed", now, err);
        count(w, &w->stats.failed);
        return;
    }
    log_warn("notify: %s message %lld, attempt %d: %s; next in %lld s", channel_names[m->ch],
             (long long)m->id, m->attempts, err, (long long)delay);
    record(w, m, "pending", now + delay, err);
    if (res == NOTIFY_DOWN)
        w->paused_until[m->ch] = now + delay;
    count(w, &w->stats.retried);
}

/* Sends every due message. Returns 0, or a store error. */
static int deliver_due(struct notify_worker *w)
{
    while (!atomic_load(&w->stopping)) {
        struct claimed m;
        memset(&m, 0, sizeof m);
        int rc = claim_next(w, now_unix(), &m);
        if (rc == STORE_ROW)
            deliver(w, &m);
        free(m.body);
        if (rc == STORE_DONE)
            return 0;
        if (rc != STORE_ROW) {
            log_error("notify: cannot claim a message: %s", store_errmsg(w->db));
            return rc;
        }
    }
    return 0;
}

/* Seconds until something may be due (MAX_SLEEP_SEC at most). */
static int64_t next_wait(struct notify_worker *w)
{
    int64_t now = now_unix(), wait = MAX_SLEEP_SEC;
    for (int ch = 0; ch < CH_COUNT; ch++) {
        if (!w->tr[ch])
            continue;
        struct store_stmt *st;
        if (store_prepare(w->db,
                          "SELECT min(next_attempt_at) FROM notify_outbox WHERE status ="
                          " 'pending' AND channel = ?",
                          &st))
            return 1;
        store_bind_text(st, 1, channel_names[ch]);
        if (store_step(st) == STORE_ROW && !store_col_is_null(st, 0)) {
            int64_t at = store_col_int(st, 0);
            if (at < w->paused_until[ch])
                at = w->paused_until[ch];
            if (at - now < wait)
                wait = at - now;
        }
        store_done(st);
    }
    return wait < 0 ? 0 : wait;
}

static void *worker_main(void *arg)
{
    struct notify_worker *w = arg;
    while (!atomic_load(&w->stopping)) {
        pthread_mutex_lock(&w->lock);
        w->woken = 0;
        pthread_mutex_unlock(&w->lock);
        int64_t wait = deliver_due(w) ? 1 : next_wait(w);
        if (wait <= 0)
            continue;
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += wait;
        pthread_mutex_lock(&w->lock);
        while (!w->woken && !atomic_load(&w->stopping)) {
            if (pthread_cond_timedwait(&w->cond, &w->lock, &until))
                break; /* timed out */
        }
        pthread_mutex_unlock(&w->lock);
    }
    return NULL;
}

/* Messages a crash left 'sending' go back to the queue. */
static int requeue_interrupted(struct store *db, int64_t *n)
{
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "UPDATE notify_outbox SET status = 'pending', claim = NULL,"
                               " next_attempt_at = ? WHERE status = 'sending'",
                               &st, BIND_INT(now_unix()));
    if (rc)
        return rc;
    rc = store_step(st);
    store_done(st);
    *n = store_changes(db);
    return rc == STORE_DONE ? 0 : STORE_ERR;
}

static void free_worker(struct notify_worker *w)
{
    for (int ch = 0; ch < CH_COUNT; ch++)
        if (w->tr[ch])
            w->tr[ch]->free(w->tr[ch]);
    store_close(w->db);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    free(w);
}

int notify_worker_start(const char *db_path, const struct notify_worker_config *c,
                        struct notify_worker **out, char *err, size_t errlen)
{
    struct notify_worker *w = calloc(1, sizeof *w);
    *out = NULL;
    if (!w) {
        snprintf(err, errlen, "out of memory");
        if (c->email)
            c->email->free(c->email);
        if (c->sms)
            c->sms->free(c->sms);
        return -1;
    }
    w->tr[CH_EMAIL] = c->email;
    w->tr[CH_SMS] = c->sms;
    w->scale = c->backoff_scale;
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &ca);
    pthread_condattr_destroy(&ca);

    unsigned char token[16];
    int64_t requeued = 0;
    if (random_bytes(token, sizeof token)) {
        snprintf(err, errlen, "no randomness for the worker's claim");
        goto fail;
    }
    hex_encode(token, sizeof token, w->claim);
    if (store_open(db_path, 0, &w->db, err, errlen))
        goto fail;
    if (requeue_interrupted(w->db, &requeued)) {
        snprintf(err, errlen, "cannot requeue interrupted messages: %s", store_errmsg(w->db));
        goto fail;
    }
    if (requeued)
        log_warn("notify: %lld message(s) interrupted by a stop are queued again",
                 (long long)requeued);

    int prc = thread_start(&w->thread, worker_main, w);
    if (prc) {
        snprintf(err, errlen, "cannot start the notification thread");
        goto fail;
    }
    notify_set_waker(wake_cb, w);
    for (int ch = 0; ch < CH_COUNT; ch++)
        log_info("notify: %s %s%s", channel_names[ch], w->tr[ch] ? "through " : "off",
                 w->tr[ch] ? w->tr[ch]->label : " (messages stay queued)");
    *out = w;
    return 0;
fail:
    free_worker(w);
    return -1;
}

void notify_worker_stop(struct notify_worker *w)
{
    if (!w)
        return;
    notify_set_waker(NULL, NULL);
    pthread_mutex_lock(&w->lock);
    atomic_store(&w->stopping, 1);
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += STOP_GRACE_SEC;
    if (pthread_timedjoin_np(w->thread, NULL, &deadline) != 0) {
        atomic_store(&w->cancel, 1);
        pthread_join(w->thread, NULL);
    }
    free_worker(w);
}

void notify_worker_get_stats(struct notify_worker *w, struct notify_worker_stats *out)
{
    pthread_mutex_lock(&w->lock);
    *out = w->stats;
    pthread_mutex_unlock(&w->lock);
}

int notify_serve_start(const char *db_path, const char *base_url, const char *smtp_url,
                       const char *smtp_from, const char *sms_url, struct notify_worker **out,
                       char *err, size_t errlen)
{
    struct notify_worker_config wc = {0};
    struct notify_config nc = {0};
    *out = NULL;
    if (notify_backoff_scale_env(&wc.backoff_scale)) {
        snprintf(err, errlen, "MOTCUA_NOTIFY_BACKOFF_SCALE must be a number from 0 to 100");
        return -1;
    }
    if (smtp_url && smtp_url[0] &&
        mail_transport_new(smtp_url, smtp_from && smtp_from[0] ? smtp_from : "no-reply@localhost",
                           &wc.email, err, errlen))
        return -1;
    if (sms_url && sms_url[0] && sms_transport_new(sms_url, &wc.sms, err, errlen)) {
        if (wc.email)
            wc.email->free(wc.email);
        return -1;
    }
    copy_str(nc.base_url, sizeof nc.base_url, base_url ? base_url : "");
    nc.sms_enabled = wc.sms != NULL;
    notify_configure(&nc);
    return notify_worker_start(db_path, &wc, out, err, errlen);
}
