/* mail: RFC 5322 messages and the SMTP transport (libcurl). */
#include "notify/mail.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/dynbuf.h"
#include "base/text.h"
#include "base/util.h"
#include "notify/curl_transport.h"
#include "notify/notify.h"

#define WORD_BYTES 39     /* text bytes per encoded-word: 52 base64 chars */
#define BODY_LINE 76      /* base64 characters per body line (RFC 2045) */
#define MAIL_MAX (256 * 1024)

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of n bytes into out (needs 4*ceil(n/3)+1); returns the length. */
static size_t base64(const unsigned char *p, size_t n, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = b64[(v >> 6) & 63];
        out[o++] = b64[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

static int addr_ok(const char *s)
{
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n < 3 || n >= MAIL_ADDR_MAX || !at || at == s || !at[1] || strchr(at + 1, '@'))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p >= 0x7f || strchr("<>()[]\\,;:\"", *p))
            return 0;
    return 1;
}

int mail_parse_sender(const char *spec, char *name, size_t namecap, char *addr, size_t addrcap)
{
    const char *lt = strchr(spec, '<');
    name[0] = addr[0] = '\0';
    if (!lt)
        return addr_ok(spec) && copy_str(addr, addrcap, spec) == 0 ? 0 : -1;
    const char *gt = strchr(lt, '>');
    if (!gt || gt[1])
        return -1;
    size_t an = (size_t)(gt - lt - 1), nn = (size_t)(lt - spec);
    while (nn > 0 && spec[nn - 1] == ' ')
        nn--;
    if (an + 1 > addrcap || nn + 1 > namecap)
        return -1;
    memcpy(addr, lt + 1, an);
    addr[an] = '\0';
    memcpy(name, spec, nn);
    name[nn] = '\0';
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < ' ' || *p == 0x7f || *p == '"' || *p == '<' || *p == '>')
            return -1;
    return addr_ok(addr) && text_utf8_valid(name, nn) ? 0 : -1;
}

/* force: encode even plain ASCII (a display name with specials). */
static int encode_header(const char *utf8, size_t prefix_len, int force, char *out, size_t cap)
{
    size_t n = strlen(utf8);
    int ascii = 1;
    if (!text_utf8_valid(utf8, n))
        return -1;
    for (const unsigned char *p = (const unsigned char *)utf8; *p; p++) {
        if (*p < ' ' || *p == 0x7f)
            return -1;
        if (*p > 0x7e)
            ascii = 0;
    }
    /* Plain text is fine unless it could be mistaken for an encoded-word. */
    if (ascii && !force && prefix_len + n <= 76 && !strstr(utf8, "=?")) {
        if (n + 1 > cap)
            return -1;
        memcpy(out, utf8, n + 1);
        return (int)n;
    }
    size_t o = 0, i = 0;
    while (i < n) {
        /* Take whole characters up to WORD_BYTES. */
        size_t k = 0;
        while (i + k < n) {
            uint32_t cp;
            int len = text_utf8_decode(utf8 + i + k, n - i - k, &cp);
            if (len < 0)
                return -1;
            if (k + (size_t)len > WORD_BYTES)
                break;
            k += (size_t)len;
        }
        char word[80];
        base64((const unsigned char *)utf8 + i, k, word);
        int w = snprintf(out + o, o < cap ? cap - o : 0, "%s=?UTF-8?B?%s?=", o ? "\r\n " : "",
                         word);
        if (w < 0 || o + (size_t)w + 1 > cap)
            return -1;
        o += (size_t)w;
        i += k;
    }
    if (n == 0) {
        if (cap < 1)
            return -1;
        out[0] = '\0';
    }
    return (int)o;
}

int mail_encode_header(const char *utf8, size_t prefix_len, char *out, size_t cap)
{
    return encode_header(utf8, prefix_len, 0, out, cap);
}

int mail_message_id(int64_t id, int64_t created_at, const char *from_addr, char *out,
                    size_t cap)
{
    const char *at = strrchr(from_addr, '@');
    const char *domain = at && at[1] ? at + 1 : "localhost";
    if (strspn(domain, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
        strlen(domain))
        domain = "localhost";
    int n = snprintf(out, cap, "<motcua.%lld.%lld@%s>", (long long)id, (long long)created_at,
                     domain);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

int mail_date(int64_t t, char *out, size_t cap)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t local = (time_t)(t + 7 * 3600);
    struct tm tm;
    if (!gmtime_r(&local, &tm))
        return -1;
    int n = snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d +0700", days[tm.tm_wday],
                     tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                     tm.tm_sec);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

static void header(struct dynbuf *b, const char *name, const char *value)
{
    dynbuf_addf(b, "%s: %s\r\n", name, value);
}

int mail_format(const struct mail_fields *f, char **out, size_t *len)
{
    struct dynbuf b;
    char date[64], msgid[MAIL_ADDR_MAX + 64], subject[1024], name[512], line[1024];
    size_t body_len = strlen(f->body);
    *out = NULL;
    *len = 0;
    if (!addr_ok(f->from_addr) || !addr_ok(f->to_addr) || body_len > MAIL_MAX / 2 ||
        !text_utf8_valid(f->body, body_len) || mail_date(f->created_at, date, sizeof date) ||
        mail_message_id(f->id, f->created_at, f->from_addr, msgid, sizeof msgid) ||
        mail_encode_header(f->subject, 9, subject, sizeof subject) < 0)
        return -1;
    dynbuf_init(&b, MAIL_MAX);
    header(&b, "Date", date);
    if (f->from_name && f->from_name[0]) {
        /* A phrase may hold only atoms: encode anything else. */
        size_t nn = strlen(f->from_name);
        int plain = strspn(f->from_name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789 !#$%&'*+-/=?^_`{|}~") == nn;
        if (encode_header(f->from_name, 6, !plain, name, sizeof name) < 0) {
            dynbuf_free(&b);
            return -1;
        }
        /* Fold before the address if the name's last line would get long. */
        const char *last = strrchr(name, '\n');
        size_t last_len = last ? strlen(last + 1) : 6 + strlen(name);
        int fold = last_len + 3 + strlen(f->from_addr) > 78;
        snprintf(line, sizeof line, "%s%s<%s>", name, fold ? "\r\n " : " ", f->from_addr);
    } else {
        snprintf(line, sizeof line, "<%s>", f->from_addr);
    }
    header(&b, "From", line);
    snprintf(line, sizeof line, "<%s>", f->to_addr);
    header(&b, "To", line);
    header(&b, "Subject", subject);
    header(&b, "Message-ID", msgid);
    header(&b, "MIME-Version", "1.0");
    header(&b, "Content-Type", "text/plain; charset=UTF-8");
    header(&b, "Content-Transfer-Encoding", "base64");
    header(&b, "Content-Language", "vi");
    header(&b, "Auto-Submitted", "auto-generated"); /* RFC 3834: no auto-replies */
    dynbuf_adds(&b, "\r\n");

    /* The body in canonical form (CRLF line ends), then base64. */
    char *canon = malloc(body_len * 2 + 1);
    if (!canon) {
        dynbuf_free(&b);
        return -1;
    }
    size_t cn = 0;
    for (size_t i = 0; i < body_len; i++) {
        if (f->body[i] == '\r')
            continue;
        if (f->body[i] == '\n')
            canon[cn++] = '\r';
        canon[cn++] = f->body[i];
    }
    /* 57 bytes make one 76-character line. */
    for (size_t i = 0; i < cn; i += 57) {
        char enc[BODY_LINE + 4];
        size_t k = cn - i < 57 ? cn - i : 57;
        size_t n = base64((const unsigned char *)canon + i, k, enc);
        dynbuf_add(&b, enc, n);
        dynbuf_adds(&b, "\r\n");
    }
    free(canon);
    /* The whole message or nothing: dynbuf_take refuses an incomplete one. */
    *out = dynbuf_take(&b, len);
    return *out ? 0 : -1;
}

/* --- the SMTP transport ------------------------------------------------------ */

struct mail_transport {
    struct notify_transport base;
    CURL *curl;
    char url[512];
    char from_name[MAIL_NAME_MAX], from_addr[MAIL_ADDR_MAX];
    char label[256 + 4 + MAIL_ADDR_MAX];
    long use_ssl;
    char errbuf[CURL_ERROR_SIZE];
    int socks[4]; /* the sockets libcurl has open, -1 for none */
};

/* libcurl opens and closes its sockets through these, so that a connection
 * left in a bad state (a failed or aborted transfer) can be shut down at
 * once: otherwise closing it later would send QUIT and wait for a reply. */
static curl_socket_t open_sock(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct mail_transport *t = arg;
    int fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    for (size_t i = 0; fd >= 0 && i < sizeof t->socks / sizeof t->socks[0]; i++) {
        if (t->socks[i] < 0) {
            t->socks[i] = fd;
            break;
        }
    }
    return fd >= 0 ? fd : CURL_SOCKET_BAD;
}

static int close_sock(void *arg, curl_socket_t fd)
{
    struct mail_transport *t = arg;
    for (size_t i = 0; i < sizeof t->socks / sizeof t->socks[0]; i++)
        if (t->socks[i] == fd)
            t->socks[i] = -1;
    return close(fd);
}

static void shut_socks(struct mail_transport *t)
{
    for (size_t i = 0; i < sizeof t->socks / sizeof t->socks[0]; i++)
        if (t->socks[i] >= 0)
            shutdown(t->socks[i], SHUT_RDWR);
}

struct upload {
    const char *p;
    size_t len, pos;
};

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *arg)
{
    struct upload *u = arg;
    size_t n = size * nmemb, left = u->len - u->pos;
    if (n > left)
        n = left;
    memcpy(dst, u->p + u->pos, n);
    u->pos += n;
    return n;
}

static int mail_send(struct notify_transport *t_, const struct notify_message *m,
                     const atomic_int *cancel, char *err, size_t errlen)
{
    struct mail_transport *t = (struct mail_transport *)t_;
    struct mail_fields f = {.from_name = t->from_name,
                            .from_addr = t->from_addr,
                            .to_addr = m->recipient,
                            .subject = m->subject,
                            .body = m->body,
                            .id = m->id,
                            .created_at = m->created_at};
    char *msg = NULL, from[MAIL_ADDR_MAX + 2], to[MAIL_ADDR_MAX + 2];
    size_t len = 0;
    if (mail_format(&f, &msg, &len)) {
        snprintf(err, errlen, "cannot build the message (bad address or text)");
        return NOTIFY_PERMANENT;
    }
    snprintf(from, sizeof from, "<%s>", t->from_addr);
    snprintf(to, sizeof to, "<%s>", m->recipient);
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    struct upload u = {msg, len, 0};
    CURL *c = t->curl;
    curl_transport_limits(c, 60L, cancel, t->errbuf);
    curl_easy_setopt(c, CURLOPT_URL, t->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_USE_SSL, t->use_ssl);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_sock);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, t);
    curl_easy_setopt(c, CURLOPT_CLOSESOCKETFUNCTION, close_sock);
    curl_easy_setopt(c, CURLOPT_CLOSESOCKETDATA, t);
    CURLcode res = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    /* The handle keeps pointers to these until the next message: clear them. */
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, NULL);
    curl_easy_setopt(c, CURLOPT_READDATA, NULL);
    curl_transport_forget(c);
    curl_slist_free_all(rcpt);
    free(msg);
    if (res == CURLE_OK)
        return NOTIFY_SENT;
    shut_socks(t); /* never reuse a connection in an unknown state */
    snprintf(err, errlen, "%s (smtp %ld): %s", curl_easy_strerror(res), code,
             t->errbuf[0] ? t->errbuf : "-");
    /* A 5xx reply to the envelope or the message is permanent (RFC 5321
     * 4.2.1); a refused login is a configuration problem worth retrying. */
    if (code >= 500 && code < 600 && res != CURLE_LOGIN_DENIED)
        return NOTIFY_PERMANENT;
    /* No reply at all: the server is down or unreachable. */
    return code == 0 ? NOTIFY_DOWN : NOTIFY_RETRY;
}

static void mail_free(struct notify_transport *t_)
{
    struct mail_transport *t = (struct mail_transport *)t_;
    if (!t)
        return;
    curl_transport_close(t->curl);
    free(t);
}

int mail_transport_new(const char *url, const char *from, struct notify_transport **out,
                       char *err, size_t errlen)
{
    struct mail_transport *t = calloc(1, sizeof *t);
    char where[256];
    int has_user = 0;
    *out = NULL;
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (copy_str(t->url, sizeof t->url, url) ||
        curl_transport_url(url, "smtp,smtps", where, sizeof where, &has_user)) {
        snprintf(err, errlen, "--smtp-url must be smtp://HOST[:PORT] or smtps://HOST[:PORT]");
        goto fail;
    }
    if (mail_parse_sender(from, t->from_name, sizeof t->from_name, t->from_addr,
                          sizeof t->from_addr)) {
        snprintf(err, errlen, "--smtp-from must be an address, or \"Name <address>\"");
        goto fail;
    }
    /* With a login, never send the password in clear: STARTTLS or smtps. */
    t->use_ssl = has_user || strncmp(where, "smtps:", 6) == 0 ? CURLUSESSL_ALL : CURLUSESSL_TRY;
    snprintf(t->label, sizeof t->label, "%s as %s", where, t->from_addr);
    for (size_t i = 0; i < sizeof t->socks / sizeof t->socks[0]; i++)
        t->socks[i] = -1;
    if (curl_transport_open(&t->curl, err, errlen))
        goto fail;
    t->base.channel = "email";
    t->base.label = t->label;
    t->base.send = mail_send;
    t->base.free = mail_free;
    *out = &t->base;
    return 0;
fail:
    mail_free(&t->base);
    return -1;
}
