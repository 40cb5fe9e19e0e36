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

/* Why a new password is too easy to guess, or NULL if it will do. Refused:
 * fewer than PASSWORD_MIN_CHARS or more than PASSWORD_MAX_CHARS characters;
 * the login (a citizen's ID number) inside it; the account holder's name
 * (diacritics, case, spaces and punctuation ignored) inside it; and anything the zxcvbn
 * estimate guesses in fewer than 10^8 tries, with the login, the words of
 * the name and common Vietnamese choices ("matkhau", "anhyeuem", ...) as
 * known words. login and name may be NULL. Returns a Vietnamese sentence for
 * the user (static, never freed). Pure and thread-safe; under a millisecond,
 * so it may run on an event loop. */
const char *password_weakness(const char *password, const char *login, const char *name);

#endif
