/* password: Argon2id password hashes in the PHC string format
 * ("$argon2id$v=19$m=...,t=...,p=...$salt$hash"). Slow by design: call
 * from the worker pool, never from an event loop. */
#ifndef MOTCUA_PASSWORD_H
#define MOTCUA_PASSWORD_H

#include <stddef.h>

#define PASSWORD_HASH_MAX 160
#define PASSWORD_MIN_CHARS 8
#define PASSWORD_MAX_CHARS 128

/* Hashes password with a fresh random salt into out. Returns 0 or -1. */
int password_hash(const char *password, char *out, size_t cap);

/* Returns 1 if password matches the stored hash, 0 if not (or if the hash
 * is malformed). */
int password_verify(const char *password, const char *hash);

/* A hash of a random password, to verify against when the login is unknown,
 * so that unknown and known logins take the same time. */
const char *password_dummy_hash(void);

#endif
