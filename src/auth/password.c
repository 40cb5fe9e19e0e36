/* password: Argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane),
 * and the check that refuses easily guessed new passwords (zxcvbn). */
#include "auth/password.h"

#include <argon2.h>
#include <pthread.h>
#include <string.h>
#include <zxcvbn.h>

#include "base/text.h"
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

/* --- weak passwords ----------------------------------------------------- */

/* zxcvbn's "safely unguessable" level (score 3): 10^8 guesses, log2 = 26.6
 * bits. Online guessing is limited to a few tries per login, but a stolen
 * database would be attacked offline (Argon2id slows that, it does not stop
 * a guess found in the first hundred million). */
#define MIN_BITS 26.6
#define FOLD_CAP (PASSWORD_MAX_CHARS * 8 + 1) /* bytes; text_fold never grows */
#define NAME_WORDS 12 /* words of a name used as known words */

/* Words Vietnamese users pick that zxcvbn's English lists lack (folded). */
static const char *const common_vi[] = {
    "matkhau", "mat khau", "anhyeuem", "emyeuanh", "yeuem",     "yeuanh",  "vietnam",
    "hanoi",   "saigon",   "thanhhoa", "motcua",   "dichvucong", "congdan", "canbo",
    "quantri", "xinchao",  "tiepnhan", "ubnd",
};

static const char MSG_SHORT[] = "Mật khẩu cần ít nhất 8 ký tự.";
static const char MSG_LONG[] = "Mật khẩu không được dài quá 128 ký tự.";
static const char MSG_LOGIN[] =
    "Mật khẩu không được chứa số định danh hoặc tên đăng nhập của bạn.";
static const char MSG_NAME[] = "Mật khẩu không được dựa trên họ tên của bạn.";
static const char MSG_GUESSABLE[] =
    "Mật khẩu quá dễ đoán (mật khẩu phổ biến, dãy số, phím liền nhau, ký tự lặp lại hoặc "
    "thông tin cá nhân). Hãy dùng một cụm từ dài hơn, khó đoán hơn.";

/* Folds s (Vietnamese diacritics off, ASCII lower case) into out and, with
 * only its letters and digits ("nguyen-van an" -> "nguyenvanan"), into
 * flat. Returns the length of flat, or -1. */
static int fold_flat(const char *s, char *out, char *flat, size_t cap)
{
    size_t j = 0;
    if (!s || text_fold(s, out, cap) < 0)
        return -1;
    for (size_t i = 0; out[i]; i++) {
        unsigned char ch = (unsigned char)out[i];
        if (ch >= 0x80 || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
            flat[j++] = out[i];
    }
    flat[j] = '\0';
    return (int)j;
}

const char *password_weakness(const char *password, const char *login, const char *name)
{
    char pw[FOLD_CAP], pw_flat[FOLD_CAP], lg[FOLD_CAP], lg_flat[FOLD_CAP];
    char nm[FOLD_CAP], nm_flat[FOLD_CAP];
    const char *dict[ARRAY_LEN(common_vi) + 2 + NAME_WORDS + 1];
    int nd = 0, lg_len, nm_len;
    size_t chars;

    if (!password)
        return MSG_SHORT;
    if (strnlen(password, FOLD_CAP) >= FOLD_CAP)
        return MSG_LONG;
    chars = text_utf8_chars(password);
    if (chars < PASSWORD_MIN_CHARS)
        return MSG_SHORT;
    if (chars > PASSWORD_MAX_CHARS)
        return MSG_LONG;
    if (fold_flat(password, pw, pw_flat, sizeof pw) < 0)
        return MSG_GUESSABLE; /* not UTF-8: callers check that first */

    /* A login or name too long to fold is checked as if absent: both are
     * bounded far below FOLD_CAP by their own rules. */
    if (login && strnlen(login, FOLD_CAP) >= FOLD_CAP)
        login = NULL;
    if (name && strnlen(name, FOLD_CAP) >= FOLD_CAP)
        name = NULL;
    lg_len = fold_flat(login, lg, lg_flat, sizeof lg);
    nm_len = fold_flat(name, nm, nm_flat, sizeof nm);
    if (lg_len >= 4 && strstr(pw_flat, lg_flat))
        return MSG_LOGIN;
    if (nm_len >= 6 && strstr(pw_flat, nm_flat))
        return MSG_NAME;

    for (size_t i = 0; i < ARRAY_LEN(common_vi); i++)
        dict[nd++] = common_vi[i];
    if (lg_len > 0)
        dict[nd++] = lg_flat;
    if (nm_len > 0) {
        dict[nd++] = nm_flat;
        /* Each word of the name ("nguyen", "van", "an"), split in place. */
        for (char *w = nm; *w && nd < (int)ARRAY_LEN(dict) - 1;) {
            char *sp = strchr(w, ' ');
            if (sp)
                *sp = '\0';
            dict[nd++] = w;
            if (!sp)
                break;
            w = sp + 1;
        }
    }
    dict[nd] = NULL;
    /* The folded form too: "Mật khẩu 123" is as guessable as "mat khau 123". */
    double bits = ZxcvbnMatch(password, dict, NULL);
    double folded = ZxcvbnMatch(pw, dict, NULL);
    if (folded < bits)
        bits = folded;
    return bits < MIN_BITS ? MSG_GUESSABLE : NULL;
}
