/* password: Argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane). */
#include "auth/password.h"

#include <argon2.h>
#include <pthread.h>
#include <string.h>

#include "base/util.h"

#define T_COST 2
#define M_COST (19 * 1024)
#define PARALLELISM 1
#define SALT_LEN 16
#define HASH_LEN 32

int password_hash(const char *password, char *out, size_t cap)
{
    unsigned char salt[SALT_LEN];
    if (random_bytes(salt, sizeof salt))
        return -1;
    int rc = argon2id_hash_encoded(T_COST, M_COST, PARALLELISM, password, strlen(password), salt,
                                   sizeof salt, HASH_LEN, out, cap);
    return rc == ARGON2_OK ? 0 : -1;
}

int password_verify(const char *password, const char *hash)
{
    if (strncmp(hash, "$argon2id$", 10) != 0)
        return 0;
    return argon2id_verify(hash, password, strlen(password)) == ARGON2_OK;
}

static char dummy[PASSWORD_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
    unsigned char raw[16];
    char pw[33];
    random_bytes(raw, sizeof raw);
    hex_encode(raw, sizeof raw, pw);
    password_hash(pw, dummy, sizeof dummy);
}

const char *password_dummy_hash(void)
{
    pthread_once(&dummy_once, make_dummy);
    return dummy;
}
