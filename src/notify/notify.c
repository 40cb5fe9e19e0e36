/* notify: queueing messages in the outbox (inside write jobs), their
 * Vietnamese text, the retry schedule and the wake-up of the worker. */
#include "notify/notify.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "base/waker.h"
#include "calendar/calendar.h"
#include "dossier/changes.h"
#include "dossier/status.h"
#include "store/store.h"

static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;
static struct notify_config config;

/* Noted by notify_enqueue on the writer thread, fired by the after-commit
 * hook: wake the worker only after batches that queued something. */
static struct waker wake = WAKER_INIT;

void notify_configure(const struct notify_config *c)
{
    pthread_mutex_lock(&config_lock);
    config = *c;
    pthread_mutex_unlock(&config_lock);
}

void notify_set_waker(void (*fn)(void *), void *arg)
{
    waker_set(&wake, fn, arg);
}

void notify_after_commit(void)
{
    waker_fire(&wake);
}

/* --- retry schedule ---------------------------------------------------------- */

static const int64_t backoff_base[NOTIFY_MAX_ATTEMPTS - 1] = {30, 120, 600, 1800, 3600, 7200,
                                                              14400};

int64_t notify_backoff(int attempts, double scale)
{
    if (attempts >= NOTIFY_MAX_ATTEMPTS)
        return -1;
    if (attempts < 1)
        attempts = 1;
    if (!(scale >= 0))
        scale = 1;
    return (int64_t)llround((double)backoff_base[attempts - 1] * scale);
}

int notify_backoff_scale_env(double *out)
{
    const char *s = getenv("MOTCUA_NOTIFY_BACKOFF_SCALE");
    *out = 1;
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || end == s || !(v >= 0 && v <= 100))
        return -1;
    *out = v;
    return 0;
}

/* --- text ---------------------------------------------------------------------- */

/* Room for a dossier event's note: officers write at most 1000 characters
 * (WORKFLOW_NOTE_MAX), four bytes each at most in UTF-8. */
#define EVENT_NOTE_BYTES 4004

/* A bounded string builder: what does not fit is cut at a character
 * boundary, never in the middle of a UTF-8 sequence. */
struct sb {
    char *p;
    size_t cap, len;
};

static void sb_add(struct sb *b, const char *s)
{
    size_t room = b->cap - 1 - b->len, n = strlen(s);
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* At most max bytes of s (cut at a character boundary), and "…" if cut. */
static void sb_addn(struct sb *b, const char *s, size_t max)
{
    size_t n = strlen(s), cap = b->cap;
    if (n <= max) {
        sb_add(b, s);
        return;
    }
    /* Let sb_add cut: it never splits a character. */
    if (b->len + max + 1 < cap)
        b->cap = b->len + max + 1;
    sb_add(b, s);
    b->cap = cap;
    sb_add(b, "…");
}

/* "16:30 ngày 15/01/2026" in Vietnam local time. */
static void human_time(int64_t t, char *out, size_t cap)
{
    char iso[CAL_LOCAL_LEN];
    if (t <= 0 || cal_format_local(t, iso, sizeof iso) != 0) {
        copy_str(out, cap, "");
        return;
    }
    /* iso: YYYY-MM-DDTHH:MM */
    snprintf(out, cap, "%.5s ngày %.2s/%.2s/%.4s", iso + 11, iso + 8, iso + 5, iso);
}

/* What the status means for the citizen, in one sentence. */
static const char *lead(int status)
{
    switch (status) {
    case STATUS_SUBMITTED:
        return "Hồ sơ của Ông/Bà đã được nộp thành công và đang chờ cơ quan tiếp nhận.";
    case STATUS_ACCEPTED:
        return "Hồ sơ của Ông/Bà đã được cơ quan có thẩm quyền tiếp nhận.";
    case STATUS_REFUSED:
        return "Hồ sơ của Ông/Bà không được tiếp nhận.";
    case STATUS_PROCESSING:
        return "Hồ sơ của Ông/Bà đang được xử lý.";
    case STATUS_SUPPLEMENT:
        return "Cơ quan giải quyết yêu cầu Ông/Bà bổ sung giấy tờ cho hồ sơ.";
    case STATUS_PAYMENT:
        return "Ông/Bà cần thực hiện nghĩa vụ tài chính (nộp phí, lệ phí) để hồ sơ được "
               "tiếp tục xử lý.";
    case STATUS_WITHDRAWN:
        return "Hồ sơ đã được rút theo yêu cầu của Ông/Bà.";
    case STATUS_STOPPED:
        return "Hồ sơ của Ông/Bà đã dừng xử lý.";
    case STATUS_DONE:
        return "Hồ sơ của Ông/Bà đã được giải quyết xong; Ông/Bà có thể nhận kết quả.";
    case STATUS_RETURNED:
        return "Kết quả giải quyết hồ sơ đã được trả cho Ông/Bà.";
    default:
        return "Trạng thái hồ sơ của Ông/Bà đã thay đổi.";
    }
}

/* Statuses whose note (the officer's reason) the citizen must read. */
static int shows_note(int status)
{
    return status == STATUS_REFUSED || status == STATUS_SUPPLEMENT || status == STATUS_PAYMENT || status == STATUS_STOPPED;
}

/* Statuses for which the appointment still means something. */
static int shows_due(int status)
{
    return status == STATUS_SUBMITTED || status == STATUS_ACCEPTED || status == STATUS_PROCESSING || status == STATUS_DONE;
}

/* The clock is paused while the citizen has something to do. */
static int paused(int status) { return status == STATUS_SUPPLEMENT || status == STATUS_PAYMENT; }

int notify_compose(const struct notify_event *e, char *subject, char *body, char *sms)
{
    const char *status = status_name(e->status);
    char at[48], due[48];
    if (!status)
        return -1;
    human_time(e->at, at, sizeof at);
    human_time(e->due_at, due, sizeof due);

    struct sb s = {subject, NOTIFY_SUBJECT_MAX, 0};
    subject[0] = '\0';
    sb_add(&s, "Hồ sơ ");
    sb_addn(&s, e->code, 96);
    sb_add(&s, ": ");
    sb_add(&s, status);

    struct sb b = {body, NOTIFY_BODY_MAX, 0};
    body[0] = '\0';
    sb_add(&b, "Kính gửi Ông/Bà");
    if (e->applicant_name && e->applicant_name[0]) {
        sb_add(&b, " ");
        sb_addn(&b, e->applicant_name, 200);
    }
    sb_add(&b, ",\n\n");
    sb_add(&b, lead(e->status));
    sb_add(&b, "\n\n");
    sb_add(&b, "Mã hồ sơ: ");
    sb_addn(&b, e->code, 96);
    sb_add(&b, "\n");
    if (e->procedure_name && e->procedure_name[0]) {
        sb_add(&b, "Thủ tục: ");
        sb_addn(&b, e->procedure_name, 512);
        sb_add(&b, "\n");
    }
    if (e->unit_name && e->unit_name[0]) {
        sb_add(&b, "Cơ quan tiếp nhận: ");
        sb_addn(&b, e->unit_name, 512);
        sb_add(&b, "\n");
    }
    sb_add(&b, "Trạng thái: ");
    sb_add(&b, status);
    sb_add(&b, "\n");
    if (at[0]) {
        sb_add(&b, "Thời điểm cập nhật: ");
        sb_add(&b, at);
        sb_add(&b, "\n");
    }
    if (shows_due(e->status) && due[0]) {
        sb_add(&b, "Ngày hẹn trả kết quả: ");
        sb_add(&b, due);
        sb_add(&b, "\n");
    } else if (paused(e->status)) {
        sb_add(&b, "Thời hạn giải quyết tạm dừng cho đến khi Ông/Bà hoàn thành yêu cầu; "
                   "ngày hẹn trả kết quả mới sẽ được thông báo sau.\n");
    }
    if (shows_note(e->status) && e->note && e->note[0]) {
        sb_add(&b, e->status == STATUS_SUPPLEMENT ? "Nội dung yêu cầu bổ sung: " : "Lý do: ");
        sb_addn(&b, e->note, EVENT_NOTE_BYTES - 1);
        sb_add(&b, "\n");
    }
    if (e->lookup_url && e->lookup_url[0]) {
        sb_add(&b, "\nTra cứu tình trạng hồ sơ tại: ");
        sb_add(&b, e->lookup_url);
        sb_add(&b, "\n");
    }
    sb_add(&b, "\nĐây là thư tự động của hệ thống một cửa điện tử, vui lòng không trả lời "
               "thư này.\n");

    struct sb m = {sms, NOTIFY_SMS_MAX, 0};
    sms[0] = '\0';
    sb_add(&m, "Hồ sơ ");
    sb_addn(&m, e->code, 96);
    sb_add(&m, ": ");
    sb_add(&m, status);
    sb_add(&m, ".");
    if (shows_due(e->status) && due[0]) {
        sb_add(&m, " Hẹn trả: ");
        sb_add(&m, due);
        sb_add(&m, ".");
    }
    if (shows_note(e->status) && e->note && e->note[0]) {
        sb_add(&m, " Lý do: ");
        sb_addn(&m, e->note, 120);
        sb_add(&m, ".");
    }
    if (e->lookup_url && e->lookup_url[0]) {
        sb_add(&m, " Tra cứu: ");
        sb_add(&m, e->lookup_url);
    }
    return 0;
}

/* --- queueing -------------------------------------------------------------------- */

/* An address we are willing to put in a header and an SMTP envelope. */
static int email_ok(const char *s)
{
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n < 3 || n >= NOTIFY_RECIPIENT_MAX || !at || at == s || !at[1] || strchr(at + 1, '@'))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p >= 0x7f || strchr("<>()[]\\,;:\"", *p))
            return 0;
    return 1;
}

/* A phone number an SMS gateway can take: optional +, then 8 to 15 digits. */
static int phone_ok(const char *s)
{
    if (*s == '+')
        s++;
    size_t n = strlen(s);
    return n >= 8 && n <= 15 && strspn(s, "0123456789") == n;
}

static int newest_event(struct store *db, int64_t dossier_id, int64_t *out)
{
    struct store_stmt *st;
    int rc = store_prepare_all(db, "SELECT max(id) FROM dossier_events WHERE dossier_id = ?", &st,
                               BIND_INT(dossier_id));
    if (rc)
        return rc;
    rc = store_step(st);
    *out = rc == STORE_ROW ? store_col_int(st, 0) : 0;
    store_done(st);
    return rc < 0 ? rc : 0;
}

static int previous_status(struct store *db, int64_t dossier_id, int64_t event_id, int *out)
{
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "SELECT status_code FROM dossier_events WHERE dossier_id = ? AND"
                               " id < ? ORDER BY id DESC LIMIT 1",
                               &st, BIND_INT(dossier_id), BIND_INT(event_id));
    if (rc)
        return rc;
    rc = store_step(st);
    *out = rc == STORE_ROW ? (int)store_col_int(st, 0) : 0;
    store_done(st);
    return rc < 0 ? rc : 0;
}

/* Everything a message says, copied out of one query. */
struct facts {
    int status, is_public;
    int64_t at, due_at;
    char note[EVENT_NOTE_BYTES], code[96], applicant[256], email[NOTIFY_RECIPIENT_MAX], phone[32];
    char unit[512], procedure[512];
};

static int load_facts(struct store *db, int64_t dossier_id, int64_t event_id, struct facts *f)
{
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "SELECT e.status_code, e.public, e.at, e.note, d.code, d.due_at,"
                               " d.applicant_name, d.applicant_email, d.applicant_phone,"
                               " a.full_name, a.email, a.phone, u.name, p.name"
                               " FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id"
                               " LEFT JOIN accounts a ON a.id = d.owner_id" /* walk-ins: none */
                               " JOIN units u ON u.id = d.unit_id"
                               " JOIN procedures p ON p.id = d.procedure_id"
                               " WHERE e.id = ? AND e.dossier_id = ?",
                               &st, BIND_INT(event_id), BIND_INT(dossier_id));
    if (rc)
        return rc;
    rc = store_step(st);
    if (rc == STORE_ROW) {
        f->status = (int)store_col_int(st, 0);
        f->is_public = (int)store_col_int(st, 1);
        f->at = store_col_int(st, 2);
        copy_str(f->note, sizeof f->note, store_col_text(st, 3));
        copy_str(f->code, sizeof f->code, store_col_text(st, 4));
        f->due_at = store_col_int(st, 5);
        const char *name = store_col_text(st, 6), *email = store_col_text(st, 7);
        const char *phone = store_col_text(st, 8);
        copy_str(f->applicant, sizeof f->applicant, name[0] ? name : store_col_text(st, 9));
        copy_str(f->email, sizeof f->email, email[0] ? email : store_col_text(st, 10));
        copy_str(f->phone, sizeof f->phone, phone[0] ? phone : store_col_text(st, 11));
        copy_str(f->unit, sizeof f->unit, store_col_text(st, 12));
        copy_str(f->procedure, sizeof f->procedure, store_col_text(st, 13));
    }
    store_done(st);
    return rc;
}

static int insert_message(struct store *db, int64_t dossier_id, int64_t event_id,
                          const char *channel, const char *recipient, const char *subject,
                          const char *body, int64_t now)
{
    struct store_stmt *st;
    int rc = store_prepare_all(db,
                               "INSERT INTO notify_outbox(dossier_id, event_id, channel, recipient,"
                               " subject, body, next_attempt_at, created_at)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?7, ?7)"
                               " ON CONFLICT(event_id, channel) DO NOTHING",
                               &st,
                               BIND_INT(dossier_id), BIND_INT(event_id), BIND_TEXT(channel),
                               BIND_TEXT(recipient), BIND_TEXT(subject), BIND_TEXT(body),
                               BIND_INT(now));
    if (rc)
        return rc;
    rc = store_step(st);
    store_done(st);
    if (rc == STORE_DONE && store_changes(db) > 0)
        waker_note(&wake);
    return rc == STORE_DONE ? 0 : (rc < 0 ? rc : STORE_ERR);
}

int notify_enqueue(struct store *db, int64_t dossier_id, int64_t event_id)
{
    struct notify_config cfg;
    pthread_mutex_lock(&config_lock);
    cfg = config;
    pthread_mutex_unlock(&config_lock);

    int rc = 0;
    if (event_id <= 0 && (rc = newest_event(db, dossier_id, &event_id)))
        return rc;
    if (event_id <= 0)
        return 0;
    struct facts *f = calloc(1, sizeof *f);
    char *body = malloc(NOTIFY_BODY_MAX);
    if (!f || !body) {
        rc = STORE_ERR;
        goto out;
    }
    rc = load_facts(db, dossier_id, event_id, f);
    if (rc != STORE_ROW) {
        rc = rc == STORE_DONE ? 0 : rc;
        goto out;
    }
    rc = 0;
    int before = 0;
    if ((rc = previous_status(db, dossier_id, event_id, &before)))
        goto out;
    /* Only changes of the national status are news for the citizen. */
    if (!f->is_public || f->status < STATUS_SUBMITTED || f->status > STATUS_MAX || f->status == before || !f->code[0])
        goto out;

    char url[512] = "", subject[NOTIFY_SUBJECT_MAX], sms[NOTIFY_SMS_MAX];
    if (cfg.base_url[0])
        snprintf(url, sizeof url, "%s/tra-cuu?ma=%s", cfg.base_url, f->code);
    struct notify_event ev = {.code = f->code,
                              .applicant_name = f->applicant,
                              .procedure_name = f->procedure,
                              .unit_name = f->unit,
                              .status = f->status,
                              .at = f->at,
                              .due_at = f->due_at,
                              .note = f->note,
                              .lookup_url = url};
    if (notify_compose(&ev, subject, body, sms))
        goto out;
    int64_t now = now_unix();
    if (email_ok(f->email))
        rc = insert_message(db, dossier_id, event_id, "email", f->email, subject, body, now);
    if (rc == 0 && cfg.sms_enabled && phone_ok(f->phone))
        rc = insert_message(db, dossier_id, event_id, "sms", f->phone, subject, sms, now);
out:
    free(f);
    free(body);
    return rc;
}

static int notify_changed(struct store *db, const struct dossier_change *c)
{
    if (c->from_status == c->to_status)
        return 0;
    return notify_enqueue(db, c->dossier_id, 0);
}

const struct dossier_listener notify_listener = {
    .name = "notify",
    .changed = notify_changed,
    .after_commit = notify_after_commit,
};
