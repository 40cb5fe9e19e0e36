/* mail: e-mail notifications. Builds RFC 5322 messages (MIME text/plain in
 * UTF-8, base64 body, RFC 2047 encoded headers, a Message-ID derived from
 * the outbox row so a duplicate after a crash is recognisable) and sends
 * them over SMTP with libcurl as a notify transport. */
#ifndef MOTCUA_MAIL_H
#define MOTCUA_MAIL_H

#include <stddef.h>
#include <stdint.h>

struct notify_transport;

#define MAIL_ADDR_MAX 256
#define MAIL_NAME_MAX 128

/* Splits a sender like "Cổng dịch vụ công <no-reply@example.vn>" or a bare
 * "no-reply@example.vn" into display name (may be "") and address. OUT: name,
 * addr. Returns 0, or -1 if the address is not a plain local@domain without
 * spaces, quotes or control characters, or does not fit. */
int mail_parse_sender(const char *spec, char *name, size_t namecap, char *addr, size_t addrcap);

/* Encodes UTF-8 text as a header field body. Printable ASCII that fits on the
 * line is copied as is; anything else becomes RFC 2047 encoded-words
 * (=?UTF-8?B?...?=, at most 39 bytes of text each, never splitting a
 * character), folded with CRLF SP so that no line exceeds 76 characters.
 * prefix_len is what the line already holds ("Subject: " = 9). OUT: out.
 * Returns the length written, or -1 if out is too small or the text is not
 * valid UTF-8 or holds control characters. */
int mail_encode_header(const char *utf8, size_t prefix_len, char *out, size_t cap);

/* "<motcua.ID.CREATED@DOMAIN>", DOMAIN being the sender address's domain.
 * The same outbox row always gives the same Message-ID. OUT: out. Returns
 * 0 or -1 if out is too small. */
int mail_message_id(int64_t id, int64_t created_at, const char *from_addr, char *out,
                    size_t cap);

/* RFC 5322 date in Vietnam time: "Thu, 15 Jan 2026 16:30:00 +0700". OUT:
 * out. Returns 0 or -1. */
int mail_date(int64_t t, char *out, size_t cap);

struct mail_fields {
    const char *from_name; /* "" for none */
    const char *from_addr;
    const char *to_addr;
    const char *subject;   /* UTF-8 */
    const char *body;      /* UTF-8 text, lines ending in \n */
    int64_t id, created_at; /* the outbox row: Message-ID and Date */
};

/* Builds the whole message, lines ending in CRLF, the body in base64 lines
 * of 76 characters. The result is the same for the same fields (the Date is
 * created_at), so a retried message is byte for byte the first one.
 * OUT: *out (malloc'd, NUL-terminated; the caller frees), *len. Returns 0,
 * or -1 on bad input (addresses, invalid UTF-8) or out of memory. */
int mail_format(const struct mail_fields *f, char **out, size_t *len);

/* Creates the SMTP transport. url: smtp://HOST[:PORT] or smtps://... (user
 * and password may be given in the URL; then STARTTLS is required on
 * smtp://; without them STARTTLS is used when the server offers it). from:
 * the sender, as for mail_parse_sender. OUT: *out, owned by the caller
 * (t->free). Returns 0, or -1 with a reason in err. */
int mail_transport_new(const char *url, const char *from, struct notify_transport **out,
                       char *err, size_t errlen);

#endif
