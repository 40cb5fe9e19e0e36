/* totp: one-time codes for officers' logins (RFC 6238: HMAC-SHA1, 30-second
 * steps, 6 digits), as any authenticator app makes them; liboath computes
 * them. Secrets are kept base32-encoded, as the apps expect. */
#ifndef MOTCUA_TOTP_H
#define MOTCUA_TOTP_H

#include <stddef.h>
#include <stdint.h>

#define TOTP_SECRET_B32_MAX 64
#define TOTP_STEP 30

/* A new random 160-bit secret, base32 (32 characters). Returns 0 or -1. */
int totp_new_secret(char *b32, size_t cap);

/* Checks a 6-digit code against the secret at time now, allowing one step
 * of clock drift either way. Returns the matching time step (> 0), 0 if the
 * code is wrong, -1 if the secret is unusable. A step at or below
 * last_step is refused, so a code cannot be used twice. */
int64_t totp_check(const char *b32_secret, const char *code, int64_t now, int64_t last_step);

/* The code for time now (for tests and the demo). Returns 0 or -1. */
int totp_code(const char *b32_secret, int64_t now, char code[7]);

/* otpauth:// URI for authenticator apps (a QR of it adds the account). */
int totp_uri(const char *b32_secret, const char *login, char *out, size_t cap);

#endif
