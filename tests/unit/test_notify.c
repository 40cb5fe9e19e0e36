/* Tests of notifications: the retry schedule, e-mail formatting (RFC 2047
 * headers, RFC 5322 message, Message-ID, date), the Vietnamese text, queueing
 * in the outbox (which events, which channels, idempotency) and the delivery
 * worker with a fake transport (retries, permanent failures, requeue after a
 * crash, channels left alone, the after-commit wake-up). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/text.h"
#include "base/util.h"
#include "harness.h"
#include "notify/curl_transport.h"
#include "notify/mail.h"
#include "notify/notify.h"
#include "notify/notify_worker.h"
#include "store/migrate.h"
#include "store/store.h"

static char dir[256];

/* --- helpers ------------------------------------------------------------ */

static int b64val(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes base64 (ignoring CR and LF) into out; returns the length or -1. */
static int unbase64(const char *s, size_t n, char *out, size_t cap)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' || s[i] == '\n')
            continue;
        if (s[i] == '=')
            break;
        int v = b64val(s[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o + 1 >= cap)
                return -1;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[o] = '\0';
    return (int)o;
}

/* Decodes a header made of encoded-words (and folds) back to UTF-8. Every
 * word must decode to valid UTF-8 on its own (no character split). */
static int decode_words(const char *h, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    while (*h) {
        while (*h == '\r' || *h == '\n' || *h == ' ')
            h++;
        if (!*h)
            break;
        if (strncmp(h, "=?UTF-8?B?", 10) != 0)
            return -1;
        const char *end = strstr(h + 10, "?=");
        if (!end)
            return -1;
        char word[128];
        int n = unbase64(h + 10, (size_t)(end - h - 10), word, sizeof word);
        if (n < 0 || n > 39 || !text_utf8_valid(word, (size_t)n) || o + (size_t)n + 1 > cap)
            return -1;
        memcpy(out + o, word, (size_t)n + 1);
        o += (size_t)n;
        h = end + 2;
    }
    return (int)o;
}

/* Longest line of s (lines end in CRLF); -1 if a bare LF or CR appears. */
static int longest_line(const char *s, size_t n)
{
    int longest = 0, cur = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r') {
            if (i + 1 >= n || s[i + 1] != '\n')
                return -1;
            i++;
            if (cur > longest)
                longest = cur;
            cur = 0;
        } else if (s[i] == '\n') {
            return -1;
        } else {
            cur++;
        }
    }
    return cur > longest ? cur : longest;
}

/* --- backoff ---------------------------------------------------------------- */

TEST(backoff_schedule)
{
    const int64_t want[] = {30, 120, 600, 1800, 3600, 7200, 14400};
    for (int i = 1; i <= 7; i++)
        CHECK_EQ_INT(notify_backoff(i, 1), want[i - 1]);
    CHECK_EQ_INT(NOTIFY_MAX_ATTEMPTS, 8);
    CHECK_EQ_INT(notify_backoff(8, 1), -1); /* the 8th failure is the last */
    CHECK_EQ_INT(notify_backoff(20, 1), -1);
    CHECK_EQ_INT(notify_backoff(0, 1), 30);
    /* Scaled for tests: rounded to whole seconds. */
    CHECK_EQ_INT(notify_backoff(1, 0.001), 0);
    CHECK_EQ_INT(notify_backoff(3, 0.001), 1);
    CHECK_EQ_INT(notify_backoff(7, 0.001), 14);
    CHECK_EQ_INT(notify_backoff(2, 0.5), 60);
    CHECK_EQ_INT(notify_backoff(5, 0), 0);
    CHECK_EQ_INT(notify_backoff(8, 0), -1);
}

TEST(backoff_scale_from_environment)
{
    double s = -5;
    unsetenv("MOTCUA_NOTIFY_BACKOFF_SCALE");
    CHECK_EQ_INT(notify_backoff_scale_env(&s), 0);
    CHECK(s == 1);
    setenv("MOTCUA_NOTIFY_BACKOFF_SCALE", "0.001", 1);
    CHECK_EQ_INT(notify_backoff_scale_env(&s), 0);
    CHECK(s == 0.001);
    setenv("MOTCUA_NOTIFY_BACKOFF_SCALE", "0", 1);
    CHECK_EQ_INT(notify_backoff_scale_env(&s), 0);
    CHECK(s == 0);
    const char *bad[] = {"abc", "-1", "1e9", "0.5x", " ", "nan"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("MOTCUA_NOTIFY_BACKOFF_SCALE", bad[i], 1);
        CHECK_EQ_INT(notify_backoff_scale_env(&s), -1);
    }
    unsetenv("MOTCUA_NOTIFY_BACKOFF_SCALE");
}

/* --- e-mail format ------------------------------------------------------------ */

TEST(header_plain_ascii_kept)
{
    char out[256];
    CHECK_EQ_INT(mail_encode_header("Ho so 000.01.90.H56-260115-0001", 9, out, sizeof out), 31);
    CHECK_EQ_STR(out, "Ho so 000.01.90.H56-260115-0001");
    CHECK_EQ_INT(mail_encode_header("", 9, out, sizeof out), 0);
    CHECK_EQ_STR(out, "");
}

TEST(header_utf8_encoded_words)
{
    const char *subject = "Hồ sơ 000.01.90.H56-260115-0001: Yêu cầu bổ sung giấy tờ";
    char out[512], back[256];
    int n = mail_encode_header(subject, 9, out, sizeof out);
    CHECK(n > 0);
    CHECK(strncmp(out, "=?UTF-8?B?", 10) == 0);
    CHECK(strstr(out, "\r\n ") != NULL); /* folded into several words */
    CHECK_EQ_INT(decode_words(out, back, sizeof back), (int)strlen(subject));
    CHECK_EQ_STR(back, subject);
    /* "Subject: " + first line, and every other line, within 76 characters. */
    char line[600];
    snprintf(line, sizeof line, "Subject: %s", out);
    int longest = longest_line(line, strlen(line));
    CHECK(longest > 0 && longest <= 76);
    /* Only printable ASCII on the wire. */
    for (const char *p = out; *p; p++)
        CHECK((*p >= ' ' && *p <= '~') || *p == '\r' || *p == '\n');
}

TEST(header_never_splits_a_character)
{
    /* 3-byte characters (ệ = E1 BB 87) in a row: 39 is a multiple of 3, so
     * mix in 2-byte ones (đ = C4 91) to force boundaries off the grid. */
    char s[400] = "";
    size_t n = 0;
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(s + n, sizeof s - n, "%s", i % 3 ? "ệ" : "đ");
    char out[2048], back[512];
    CHECK(mail_encode_header(s, 9, out, sizeof out) > 0);
    CHECK_EQ_INT(decode_words(out, back, sizeof back), (int)strlen(s));
    CHECK_EQ_STR(back, s);
}

TEST(header_refuses_controls_and_encodes_lookalikes)
{
    char out[512], back[256];
    CHECK_EQ_INT(mail_encode_header("a\r\nBcc: x@y.z", 9, out, sizeof out), -1);
    CHECK_EQ_INT(mail_encode_header("tab\there", 9, out, sizeof out), -1);
    CHECK_EQ_INT(mail_encode_header("\xC3\x28", 9, out, sizeof out), -1); /* invalid UTF-8 */
    /* ASCII that looks like an encoded-word is encoded, so it reads back as typed. */
    CHECK(mail_encode_header("=?UTF-8?B?SGk=?=", 9, out, sizeof out) > 0);
    CHECK(decode_words(out, back, sizeof back) > 0);
    CHECK_EQ_STR(back, "=?UTF-8?B?SGk=?=");
    /* Long ASCII is folded too. */
    char longs[200];
    memset(longs, 'a', 150);
    longs[150] = '\0';
    CHECK(mail_encode_header(longs, 9, out, sizeof out) > 0);
    CHECK(decode_words(out, back, sizeof back) == 150);
    /* Too small an output buffer. */
    CHECK_EQ_INT(mail_encode_header("Hồ sơ của Ông/Bà", 9, out, 10), -1);
}

TEST(message_id_and_date)
{
    char id[128], date[64];
    CHECK_EQ_INT(mail_message_id(42, 1768469400, "no-reply@dichvucong.example.vn", id, sizeof id),
                 0);
    CHECK_EQ_STR(id, "<motcua.42.1768469400@dichvucong.example.vn>");
    CHECK_EQ_INT(mail_message_id(7, 1, "odd@exa mple", id, sizeof id), 0);
    CHECK_EQ_STR(id, "<motcua.7.1@localhost>");
    CHECK_EQ_INT(mail_message_id(7, 1, "a@b.c", id, 8), -1);
    /* 2026-01-15 09:30 UTC is 16:30 in Vietnam, a Thursday. */
    CHECK_EQ_INT(mail_date(1768469400, date, sizeof date), 0);
    CHECK_EQ_STR(date, "Thu, 15 Jan 2026 16:30:00 +0700");
    /* Local midnight crosses the date line before UTC does. */
    CHECK_EQ_INT(mail_date(1767200400, date, sizeof date), 0); /* 2025-12-31 17:00 UTC */
    CHECK_EQ_STR(date, "Thu, 01 Jan 2026 00:00:00 +0700");
}

TEST(sender_parsing)
{
    char name[128], addr[256];
    CHECK_EQ_INT(mail_parse_sender("Cổng dịch vụ công <no-reply@dvc.example.vn>", name,
                                   sizeof name, addr, sizeof addr),
                 0);
    CHECK_EQ_STR(name, "Cổng dịch vụ công");
    CHECK_EQ_STR(addr, "no-reply@dvc.example.vn");
    CHECK_EQ_INT(mail_parse_sender("no-reply@dvc.example.vn", name, sizeof name, addr,
                                   sizeof addr),
                 0);
    CHECK_EQ_STR(name, "");
    CHECK_EQ_STR(addr, "no-reply@dvc.example.vn");
    const char *bad[] = {"", "no at sign", "a b@c.d", "x <a@b.c", "x <a@b.c> tail",
                         "x\r\nBcc: y <a@b.c>", "<a@@b.c>", "@b.c", "a@", "x <a@b.c\r\n>"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(mail_parse_sender(bad[i], name, sizeof name, addr, sizeof addr), -1);
}

TEST(transport_urls)
{
    char label[64];
    int user = -1;
    CHECK_EQ_INT(curl_transport_url("smtp://mail.example.vn:2525", "smtp,smtps", label,
                                    sizeof label, &user), 0);
    CHECK_EQ_STR(label, "smtp://mail.example.vn:2525");
    CHECK_EQ_INT(user, 0);
    /* The label never shows the login. */
    CHECK_EQ_INT(curl_transport_url("smtps://motcua:bi-mat@mail.example.vn", "smtp,smtps", label,
                                    sizeof label, &user), 0);
    CHECK_EQ_STR(label, "smtps://mail.example.vn");
    CHECK_EQ_INT(user, 1);
    CHECK_EQ_INT(curl_transport_url("https://sms.example.vn/send", "http,https", label,
                                    sizeof label, NULL), 0);
    CHECK_EQ_STR(label, "https://sms.example.vn");
    /* Other schemes, a scheme that only starts like an allowed one, no host,
     * a label that does not fit. */
    CHECK_EQ_INT(curl_transport_url("ftp://x.vn", "smtp,smtps", label, sizeof label, NULL), -1);
    CHECK_EQ_INT(curl_transport_url("smtpx://x.vn", "smtp,smtps", label, sizeof label, NULL), -1);
    CHECK_EQ_INT(curl_transport_url("http://", "http,https", label, sizeof label, NULL), -1);
    CHECK_EQ_INT(curl_transport_url("http://a-very-long-host-name-that-does-not-fit.example.vn",
                                    "http,https", label, 16, NULL), -1);
}

TEST(whole_message)
{
    const char *body = "Kính gửi Ông/Bà Lê Văn Hùng,\n\nHồ sơ của Ông/Bà đã được tiếp nhận.\n"
                       ".dòng bắt đầu bằng dấu chấm\n";
    struct mail_fields f = {.from_name = "Cổng dịch vụ công tỉnh Thanh Hóa",
                            .from_addr = "no-reply@dichvucong.example.vn",
                            .to_addr = "hung.le@example.vn",
                            .subject = "Hồ sơ 000.01.90.H56-260115-0001: Được tiếp nhận",
                            .body = body,
                            .id = 42,
                            .created_at = 1768469400};
    char *msg = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    CHECK_EQ_INT(mail_format(&f, &msg, &len), 0);
    if (!msg)
        return;
    CHECK_EQ_INT(strlen(msg), len);
    int longest = longest_line(msg, len);
    CHECK(longest > 0 && longest <= 78); /* CRLF only, RFC 5322's 78 */
    CHECK(strncmp(msg, "Date: Thu, 15 Jan 2026 16:30:00 +0700\r\n", 39) == 0);
    CHECK(strstr(msg, "\r\nMessage-ID: <motcua.42.1768469400@dichvucong.example.vn>\r\n"));
    CHECK(strstr(msg, "\r\nTo: <hung.le@example.vn>\r\n"));
    CHECK(strstr(msg, "\r\nSubject: =?UTF-8?B?"));
    CHECK(strstr(msg, "\r\nMIME-Version: 1.0\r\n"));
    CHECK(strstr(msg, "\r\nContent-Type: text/plain; charset=UTF-8\r\n"));
    CHECK(strstr(msg, "\r\nContent-Transfer-Encoding: base64\r\n"));
    CHECK(strstr(msg, "\r\nAuto-Submitted: auto-generated\r\n"));
    CHECK(strstr(msg, "<no-reply@dichvucong.example.vn>\r\n"));
    /* Subject decodes back. */
    const char *s = strstr(msg, "\r\nSubject: ");
    char subj[600] = "", back[300];
    if (s) {
        s += 11;
        const char *e = s;
        while (*e && !(e[0] == '\r' && e[1] == '\n' && e[2] != ' '))
            e++;
        snprintf(subj, sizeof subj, "%.*s", (int)(e - s), s);
    }
    CHECK(decode_words(subj, back, sizeof back) > 0);
    CHECK_EQ_STR(back, f.subject);
    /* The body: base64 of the text with CRLF line ends. */
    const char *sep = strstr(msg, "\r\n\r\n");
    char decoded[1024];
    CHECK(sep != NULL);
    if (sep) {
        CHECK(unbase64(sep + 4, strlen(sep + 4), decoded, sizeof decoded) > 0);
        CHECK_EQ_STR(decoded, "Kính gửi Ông/Bà Lê Văn Hùng,\r\n\r\nHồ sơ của Ông/Bà đã được "
                              "tiếp nhận.\r\n.dòng bắt đầu bằng dấu chấm\r\n");
    }
    /* The same row gives the same bytes: a retry is recognisably the same. */
    CHECK_EQ_INT(mail_format(&f, &again, &len2), 0);
    CHECK(again && len2 == len && memcmp(again, msg, len) == 0);
    free(again);
    free(msg);

    /* Addresses that could inject headers are refused. */
    f.to_addr = "x@y.z\r\nBcc: z@w.v";
    CHECK_EQ_INT(mail_format(&f, &msg, &len), -1);
    f.to_addr = "hung.le@example.vn";
    f.body = "\xff\xfe";
    CHECK_EQ_INT(mail_format(&f, &msg, &len), -1);
}

/* --- the text ------------------------------------------------------------------- */

TEST(compose_vietnamese_text)
{
    char subject[NOTIFY_SUBJECT_MAX], body[NOTIFY_BODY_MAX], sms[NOTIFY_SMS_MAX];
    struct notify_event e = {.code = "000.01.90.H56-260115-0001",
                             .applicant_name = "Lê Văn Hùng",
                             .procedure_name = "Đăng ký khai sinh",
                             .unit_name = "Phường Hạc Thành",
                             .status = 5,
                             .at = 1768469400,
                             .due_at = 1768800000,
                             .note = "Bản chụp giấy chứng sinh bị mờ",
                             .lookup_url = "https://dvc.example.vn/tra-cuu?ma=000.01.90.H56-260115-0001"};
    CHECK_EQ_INT(notify_compose(&e, subject, body, sms), 0);
    CHECK_EQ_STR(subject, "Hồ sơ 000.01.90.H56-260115-0001: Yêu cầu bổ sung giấy tờ");
    CHECK(strncmp(body, "Kính gửi Ông/Bà Lê Văn Hùng,\n", strlen("Kính gửi Ông/Bà Lê Văn Hùng,\n")) == 0);
    CHECK(strstr(body, "Mã hồ sơ: 000.01.90.H56-260115-0001\n"));
    CHECK(strstr(body, "Thủ tục: Đăng ký khai sinh\n"));
    CHECK(strstr(body, "Cơ quan tiếp nhận: Phường Hạc Thành\n"));
    CHECK(strstr(body, "Trạng thái: Yêu cầu bổ sung giấy tờ\n"));
    CHECK(strstr(body, "Thời điểm cập nhật: 16:30 ngày 15/01/2026\n"));
    CHECK(strstr(body, "Nội dung yêu cầu bổ sung: Bản chụp giấy chứng sinh bị mờ\n"));
    CHECK(strstr(body, "tạm dừng")); /* no appointment while paused */
    CHECK(!strstr(body, "Ngày hẹn trả kết quả:"));
    CHECK(strstr(body, "https://dvc.example.vn/tra-cuu?ma=000.01.90.H56-260115-0001"));
    CHECK(strstr(sms, "Lý do: Bản chụp giấy chứng sinh bị mờ."));
    CHECK(text_utf8_valid(body, strlen(body)) && text_utf8_valid(sms, strlen(sms)));

    /* Accepted: the appointment, no note. */
    e.status = 2;
    CHECK_EQ_INT(notify_compose(&e, subject, body, sms), 0);
    CHECK_EQ_STR(subject, "Hồ sơ 000.01.90.H56-260115-0001: Được tiếp nhận");
    CHECK(strstr(body, "Ngày hẹn trả kết quả: "));
    CHECK(!strstr(body, "Bản chụp"));
    CHECK(strstr(sms, "Hẹn trả: "));

    /* Refused: the reason is "Lý do". No link when no public address. */
    e.status = 3;
    e.lookup_url = "";
    CHECK_EQ_INT(notify_compose(&e, subject, body, sms), 0);
    CHECK(strstr(body, "Lý do: Bản chụp giấy chứng sinh bị mờ\n"));
    CHECK(!strstr(body, "Tra cứu"));
    CHECK(!strstr(body, "Ngày hẹn trả kết quả:"));

    /* The longest note an officer may write (1000 characters) is in the
     * e-mail whole; the SMS cuts it on a character boundary and marks it. */
    char note[3001] = "";
    size_t n = 0;
    for (int i = 0; i < 1000; i++)
        n += (size_t)snprintf(note + n, sizeof note - n, "%s", "ữ");
    CHECK_EQ_INT((int)n, 3000);
    e.note = note;
    CHECK_EQ_INT(notify_compose(&e, subject, body, sms), 0);
    CHECK(strstr(body, note));
    CHECK(!strstr(body, "…"));
    CHECK(strstr(sms, "…"));
    CHECK(text_utf8_valid(body, strlen(body)));
    CHECK(text_utf8_valid(sms, strlen(sms)));
    CHECK(strlen(sms) < NOTIFY_SMS_MAX);

    e.status = 0;
    CHECK_EQ_INT(notify_compose(&e, subject, body, sms), -1);
    e.status = 11;
    CHECK_EQ_INT(notify_compose(&e, subject, body, sms), -1);
}

/* --- queueing -------------------------------------------------------------------- */

static struct store *fresh_db(char *path, size_t cap)
{
    static int n;
    char err[256];
    struct store *db = NULL;
    snprintf(path, cap, "%s/n%d.db", dir, n++);
    if (store_open(path, 0, &db, err, sizeof err) || migrate_apply(db, err, sizeof err)) {
        printf("  cannot open %s: %s\n", path, err);
        return NULL;
    }
    int rc = store_exec(
        db,
        "INSERT INTO units(id, code, name, name_folded, level, path) VALUES"
        " (1, '000.01.90.H56', 'Phường Hạc Thành', 'phuong hac thanh', 'commune', '/1/');"
        "INSERT INTO procedures(id, code, name, name_folded, field, level_d42, level_old,"
        " time_amount, time_unit, handling_level) VALUES (1, '1.001193.000.00.00.H56',"
        " 'Đăng ký khai sinh', 'dang ky khai sinh', 'Hộ tịch', 'toan_trinh', 4, 1, 'day',"
        " 'commune');"
        "INSERT INTO accounts(id, kind, login, full_name, phone, email, password_hash,"
        " created_at) VALUES (1, 'citizen', '038095001234', 'Nguyễn Văn An', '0912345678',"
        " 'an.nguyen@example.vn', 'x', 0);"
        "INSERT INTO dossiers(id, code, procedure_id, unit_id, owner_id, state, status_code,"
        " applicant_name, applicant_phone, applicant_email, created_at, updated_at, due_at)"
        " VALUES (1, '000.01.90.H56-260115-0001', 1, 1, 1, 'submitted', 1, 'Lê Văn Hùng',"
        " '0903123456', 'hung.le@example.vn', 0, 0, 1768800000);"
        "INSERT INTO dossiers(id, code, procedure_id, unit_id, owner_id, state, status_code,"
        " created_at, updated_at) VALUES (2, '000.01.90.H56-260115-0002', 1, 1, 1,"
        " 'submitted', 1, 0, 0);");
    if (rc) {
        printf("  seed failed: %s\n", store_errmsg(db));
        store_close(db);
        return NULL;
    }
    return db;
}

static int64_t count(struct store *db, const char *sql)
{
    int64_t n = -1;
    store_query_int(db, sql, NULL, &n);
    return n;
}

static int64_t add_event(struct store *db, int64_t dossier, int status, int is_public,
                         const char *note)
{
    struct store_stmt *st;
    if (store_prepare(db,
                      "INSERT INTO dossier_events(dossier_id, at, state, status_code, note,"
                      " public) VALUES (?, 1768469400, 'x', ?, ?, ?)",
                      &st))
        return -1;
    store_bind_int(st, 1, dossier);
    store_bind_int(st, 2, status);
    store_bind_text(st, 3, note);
    store_bind_int(st, 4, is_public);
    int rc = store_step(st);
    store_done(st);
    return rc == STORE_DONE ? store_last_insert_id(db) : -1;
}

TEST(enqueue_status_changes_only)
{
    char path[300];
    struct store *db = fresh_db(path, sizeof path);
    CHECK(db != NULL);
    if (!db)
        return;
    struct notify_config cfg = {.base_url = "https://dvc.example.vn", .sms_enabled = 0};
    notify_configure(&cfg);

    int64_t e1 = add_event(db, 1, 1, 1, "Nộp hồ sơ trực tuyến");
    CHECK_EQ_INT(notify_enqueue(db, 1, 0), 0); /* 0: the newest event */
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM notify_outbox"), 1);
    CHECK_EQ_INT(count(db, "SELECT event_id FROM notify_outbox"), e1);
    struct store_stmt *st;
    CHECK_EQ_INT(store_prepare(db,
                               "SELECT channel, recipient, subject, body, status, attempts,"
                               " next_attempt_at - created_at FROM notify_outbox",
                               &st),
                 0);
    CHECK_EQ_INT(store_step(st), STORE_ROW);
    CHECK_EQ_STR(store_col_text(st, 0), "email");
    CHECK_EQ_STR(store_col_text(st, 1), "hung.le@example.vn"); /* the applicant's */
    CHECK_EQ_STR(store_col_text(st, 2), "Hồ sơ 000.01.90.H56-260115-0001: Mới đăng ký");
    CHECK(strstr(store_col_text(st, 3),
                 "https://dvc.example.vn/tra-cuu?ma=000.01.90.H56-260115-0001"));
    CHECK(!strstr(store_col_text(st, 3), "Nộp hồ sơ trực tuyến")); /* no note for status 1 */
    CHECK_EQ_STR(store_col_text(st, 4), "pending");
    CHECK_EQ_INT(store_col_int(st, 5), 0);
    CHECK_EQ_INT(store_col_int(st, 6), 0); /* due at once */
    store_done(st);

    /* Idempotent: the same event again queues nothing more. */
    CHECK_EQ_INT(notify_enqueue(db, 1, e1), 0);
    CHECK_EQ_INT(notify_enqueue(db, 1, 0), 0);
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM notify_outbox"), 1);

    /* 1 -> 4 is news; 4 -> 4 (assignment, forwarding) is not. */
    add_event(db, 1, 4, 1, "");
    CHECK_EQ_INT(notify_enqueue(db, 1, 0), 0);
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM notify_outbox"), 2);
    add_event(db, 1, 4, 1, "Chuyển đơn vị khác");
    CHECK_EQ_INT(notify_enqueue(db, 1, 0), 0);
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM notify_outbox"), 2);

    /* An internal (non-public) event is never sent. */
    add_event(db, 1, 8, 0, "nội bộ");
    CHECK_EQ_INT(notify_enqueue(db, 1, 0), 0);
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM notify_outbox"), 2);

    /* SMS only with a gateway; to the applicant's phone. */
    cfg.sms_enabled = 1;
    notify_configure(&cfg);
    int64_t e5 = add_event(db, 1, 5, 1, "Thiếu bản sao giấy tờ tùy thân");
    CHECK_EQ_INT(notify_enqueue(db, 1, e5), 0);
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM notify_outbox"), 4);
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM notify_outbox WHERE channel = 'sms' AND"
                           " recipient = '0903123456'"),
                 1);
    CHECK(count(db, "SELECT count(*) FROM notify_outbox WHERE channel = 'sms' AND body LIKE"
                    " '%Thiếu bản sao giấy tờ tùy thân%'") == 1);

    /* No applicant contact on dossier 2: the account's e-mail and phone. */
    add_event(db, 2, 1, 1, "");
    CHECK_EQ_INT(notify_enqueue(db, 2, 0), 0);
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM notify_outbox WHERE dossier_id = 2 AND"
                           " recipient IN ('an.nguyen@example.vn', '0912345678')"),
                 2);

    /* Nothing usable: no message, no error. */
    CHECK_EQ_INT(store_exec(db, "UPDATE accounts SET email = 'not an address', phone = '12'"),
                 0);
    add_event(db, 2, 2, 1, "");
    CHECK_EQ_INT(notify_enqueue(db, 2, 0), 0);
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM notify_outbox WHERE dossier_id = 2"), 2);
    /* A walk-in dossier without an account (where the schema allows it):
     * the applicant's own e-mail. */
    if (store_exec(db, "INSERT INTO dossiers(id, code, procedure_id, unit_id, owner_id, state,"
                       " status_code, applicant_email, created_at, updated_at) VALUES (3,"
                       " '000.01.90.H56-260115-0003', 1, 1, NULL, 'submitted', 1,"
                       " 'walk.in@example.vn', 0, 0)") == 0) {
        add_event(db, 3, 1, 1, "");
        CHECK_EQ_INT(notify_enqueue(db, 3, 0), 0);
        CHECK_EQ_INT(count(db, "SELECT count(*) FROM notify_outbox WHERE dossier_id = 3 AND"
                               " recipient = 'walk.in@example.vn'"),
                     1);
    }
    /* A dossier without events, an unknown one: nothing. */
    CHECK_EQ_INT(notify_enqueue(db, 99, 0), 0);
    CHECK_EQ_INT(notify_enqueue(db, 1, 12345), 0);

    cfg.sms_enabled = 0;
    notify_configure(&cfg);
    store_close(db);
}

/* --- the worker with a fake transport ------------------------------------------ */

struct fake {
    struct notify_transport base;
    atomic_int calls;
    int fail_first;   /* this many NOTIFY_RETRY, then success */
    int result;       /* after that: NOTIFY_SENT or a failure kind for ever */
    char last_subject[NOTIFY_SUBJECT_MAX * 2];
    int64_t last_id, last_created;
};

static int fake_send(struct notify_transport *t, const struct notify_message *m,
                     const atomic_int *cancel, char *err, size_t errlen)
{
    struct fake *f = (struct fake *)t;
    int n = atomic_fetch_add(&f->calls, 1) + 1;
    copy_str(f->last_subject, sizeof f->last_subject, m->subject);
    f->last_id = m->id;
    f->last_created = m->created_at;
    if (n <= f->fail_first) {
        snprintf(err, errlen, "temporary failure %d", n);
        return NOTIFY_RETRY;
    }
    if (f->result != NOTIFY_SENT)
        snprintf(err, errlen, "refused for good");
    return f->result;
}

static void fake_free(struct notify_transport *t) { (void)t; }

static void fake_init(struct fake *f, const char *channel, int fail_first, int result)
{
    memset(f, 0, sizeof *f);
    f->base.channel = channel;
    f->base.label = "fake";
    f->base.send = fake_send;
    f->base.free = fake_free;
    f->fail_first = fail_first;
    f->result = result;
}

/* Waits (up to 10 s) until the query returns want. */
static int64_t wait_count(struct store *db, const char *sql, int64_t want)
{
    int64_t n = -1;
    for (int i = 0; i < 1000; i++) {
        n = count(db, sql);
        if (n == want)
            break;
        usleep(10000);
    }
    return n;
}

static int queue_job(struct store *db, void *arg)
{
    int64_t dossier = *(int64_t *)arg;
    int status = (int)count(db, "SELECT coalesce(max(status_code), 0) + 1 FROM dossier_events");
    if (add_event(db, dossier, status > 10 ? 1 : status, 1, "") < 0)
        return -1;
    return notify_enqueue(db, dossier, 0);
}

/* A fresh database with the messages of dossier 1 queued under cfg. */
static struct store *queued_db(char *path, size_t cap, const struct notify_config *cfg)
{
    struct store *db = fresh_db(path, cap);
    int64_t d1 = 1;
    notify_configure(cfg);
    if (db && store_run(db, queue_job, &d1) != 0) {
        store_close(db);
        return NULL;
    }
    return db;
}

TEST(worker_retries_then_sends)
{
    char path[300], err[256];
    struct notify_config cfg = {.base_url = "", .sms_enabled = 0};
    struct store *db = queued_db(path, sizeof path, &cfg);
    CHECK(db != NULL);
    if (!db)
        return;

    struct fake email;
    fake_init(&email, "email", 2, NOTIFY_SENT);
    struct notify_worker_config wc = {.email = &email.base, .backoff_scale = 0};
    struct notify_worker *w = NULL;
    CHECK_EQ_INT(notify_worker_start(path, &wc, &w, err, sizeof err), 0);
    if (!w) {
        store_close(db);
        return;
    }
    CHECK_EQ_INT(wait_count(db, "SELECT count(*) FROM notify_outbox WHERE status = 'sent'", 1),
                 1);
    CHECK_EQ_INT(count(db, "SELECT attempts FROM notify_outbox"), 3);
    CHECK_EQ_INT(count(db, "SELECT sent_at IS NOT NULL AND claim IS NULL FROM notify_outbox"),
                 1);
    CHECK_EQ_INT(atomic_load(&email.calls), 3);
    CHECK_EQ_INT(email.last_id, count(db, "SELECT id FROM notify_outbox"));
    CHECK_EQ_INT(email.last_created, count(db, "SELECT created_at FROM notify_outbox"));
    CHECK_EQ_STR(email.last_subject, "Hồ sơ 000.01.90.H56-260115-0001: Mới đăng ký");
    struct notify_worker_stats s;
    notify_worker_get_stats(w, &s);
    CHECK_EQ_INT(s.sent, 1);
    CHECK_EQ_INT(s.retried, 2);

    /* A commit that queues wakes the worker at once (its idle wait is 30 s). */
    int64_t d1 = 1;
    CHECK_EQ_INT(store_run(db, queue_job, &d1), 0);
    notify_after_commit();
    CHECK_EQ_INT(wait_count(db, "SELECT count(*) FROM notify_outbox WHERE status = 'sent'", 2),
                 2);
    notify_worker_stop(w);
    store_close(db);
}

TEST(worker_gives_up)
{
    char path[300], err[256];
    struct notify_config cfg = {.base_url = "", .sms_enabled = 1};
    struct store *db = queued_db(path, sizeof path, &cfg); /* one e-mail, one SMS */
    CHECK(db != NULL);
    if (!db)
        return;
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM notify_outbox"), 2);

    /* E-mail always fails for a while: failed after NOTIFY_MAX_ATTEMPTS. SMS is
     * refused for good: failed after one attempt. */
    struct fake email, sms;
    fake_init(&email, "email", 1000, NOTIFY_SENT);
    fake_init(&sms, "sms", 0, NOTIFY_PERMANENT);
    struct notify_worker_config wc = {.email = &email.base, .sms = &sms.base, .backoff_scale = 0};
    struct notify_worker *w = NULL;
    CHECK_EQ_INT(notify_worker_start(path, &wc, &w, err, sizeof err), 0);
    CHECK_EQ_INT(wait_count(db, "SELECT count(*) FROM notify_outbox WHERE status = 'failed'", 2),
                 2);
    CHECK_EQ_INT(count(db, "SELECT attempts FROM notify_outbox WHERE channel = 'email'"),
                 NOTIFY_MAX_ATTEMPTS);
    CHECK_EQ_INT(count(db, "SELECT attempts FROM notify_outbox WHERE channel = 'sms'"), 1);
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM notify_outbox WHERE last_error = ''"), 0);
    CHECK_EQ_INT(atomic_load(&email.calls), NOTIFY_MAX_ATTEMPTS);
    notify_worker_stop(w);
    cfg.sms_enabled = 0;
    notify_configure(&cfg);
    store_close(db);
}

TEST(worker_requeues_interrupted_and_leaves_unconfigured_channels)
{
    char path[300], err[256];
    struct notify_config cfg = {.base_url = "", .sms_enabled = 1};
    struct store *db = queued_db(path, sizeof path, &cfg);
    CHECK(db != NULL);
    if (!db)
        return;
    /* As a crash leaves it: 'sending' under a dead worker's claim. */
    CHECK_EQ_INT(store_exec(db, "UPDATE notify_outbox SET status = 'sending', attempts = 1,"
                                " claim = 'dead', claimed_at = 1"),
                 0);
    struct fake email;
    fake_init(&email, "email", 0, NOTIFY_SENT);
    struct notify_worker_config wc = {.email = &email.base, .backoff_scale = 1};
    struct notify_worker *w = NULL;
    CHECK_EQ_INT(notify_worker_start(path, &wc, &w, err, sizeof err), 0);
    CHECK_EQ_INT(wait_count(db, "SELECT count(*) FROM notify_outbox WHERE status = 'sent'", 1),
                 1);
    CHECK_EQ_INT(count(db, "SELECT attempts FROM notify_outbox WHERE channel = 'email'"), 2);
    /* No SMS transport: the SMS went back to pending and stays there, untouched. */
    usleep(200000);
    CHECK_EQ_INT(count(db, "SELECT count(*) FROM notify_outbox WHERE channel = 'sms' AND"
                           " status = 'pending' AND claim IS NULL AND attempts = 1"),
                 1);
    CHECK_EQ_INT(atomic_load(&email.calls), 1);
    notify_worker_stop(w);
    cfg.sms_enabled = 0;
    notify_configure(&cfg);
    store_close(db);
}

TEST(worker_start_fails_cleanly)
{
    char err[256] = "";
    struct fake email;
    fake_init(&email, "email", 0, NOTIFY_SENT);
    struct notify_worker_config wc = {.email = &email.base, .backoff_scale = 1};
    struct notify_worker *w = (struct notify_worker *)1;
    CHECK_EQ_INT(notify_worker_start("/nonexistent/dir/x.db", &wc, &w, err, sizeof err), -1);
    CHECK(w == NULL);
    CHECK(err[0] != '\0');
    notify_worker_stop(NULL);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/motcua-test-notify-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(backoff_schedule);
    RUN(backoff_scale_from_environment);
    RUN(header_plain_ascii_kept);
    RUN(header_utf8_encoded_words);
    RUN(header_never_splits_a_character);
    RUN(header_refuses_controls_and_encodes_lookalikes);
    RUN(message_id_and_date);
    RUN(sender_parsing);
    RUN(transport_urls);
    RUN(whole_message);
    RUN(compose_vietnamese_text);
    RUN(enqueue_status_changes_only);
    RUN(worker_retries_then_sends);
    RUN(worker_gives_up);
    RUN(worker_requeues_interrupted_and_leaves_unconfigured_channels);
    RUN(worker_start_fails_cleanly);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("  could not remove %s\n", dir);
    return harness_done();
}
