/* Tests for auth/password: Argon2id hashes (PHC strings) and the check that
 * refuses easily guessed new passwords. Regression (issue 7): "12345678"
 * and a password equal to the citizen ID were accepted at registration. */
#include "auth/password.h"

#include <string.h>

#include "harness.h"

#define CID "038095001234"
#define NAME "Nguyễn Văn An"

TEST(hash_and_verify_round_trip)
{
    char h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];

    CHECK_EQ_INT(password_hash("Mật khẩu đủ dài 2026", h1, sizeof h1), 0);
    CHECK(strncmp(h1, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
    CHECK(strstr(h1, "Mật") == NULL);
    CHECK_EQ_INT(password_verify("Mật khẩu đủ dài 2026", h1), 1);
    /* A fresh salt each time: the same password hashes differently. */
    CHECK_EQ_INT(password_hash("Mật khẩu đủ dài 2026", h2, sizeof h2), 0);
    CHECK(strcmp(h1, h2) != 0);
    CHECK_EQ_INT(password_verify("Mật khẩu đủ dài 2026", h2), 1);
    /* Too small a buffer fails instead of truncating. */
    CHECK_EQ_INT(password_hash("Mật khẩu đủ dài 2026", h2, 20), -1);
}

TEST(wrong_password)
{
    char h[PASSWORD_HASH_MAX];

    CHECK_EQ_INT(password_hash("ngua-o-bo-song-ma", h, sizeof h), 0);
    CHECK_EQ_INT(password_verify("ngua-o-bo-song-mA", h), 0);
    CHECK_EQ_INT(password_verify("ngua-o-bo-song-m", h), 0);
    CHECK_EQ_INT(password_verify("", h), 0);
    /* Composed and decomposed "ữ" are different bytes: no match. */
    CHECK_EQ_INT(password_hash("s\xe1\xbb\xaf" "a-b\xc3\xb2", h, sizeof h), 0);
    CHECK_EQ_INT(password_verify("su\xcc\x9b\xcc\x83" "a-b\xc3\xb2", h), 0);
}

TEST(malformed_hash)
{
    char h[PASSWORD_HASH_MAX];

    CHECK_EQ_INT(password_verify("anything", ""), 0);
    CHECK_EQ_INT(password_verify("anything", "plain-text-password"), 0);
    /* Other Argon2 variants and bcrypt are not accepted. */
    CHECK_EQ_INT(password_verify("anything", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA"),
                 0);
    CHECK_EQ_INT(password_verify("anything", "$2b$12$abcdefghijklmnopqrstuuO3pYfeUuU0S"), 0);
    /* A real hash cut short or with a damaged digest. */
    CHECK_EQ_INT(password_hash("ngua-o-bo-song-ma", h, sizeof h), 0);
    h[strlen(h) - 10] = '\0';
    CHECK_EQ_INT(password_verify("ngua-o-bo-song-ma", h), 0);
    CHECK_EQ_INT(password_verify("ngua-o-bo-song-ma", "$argon2id$v=19$m=19456,t=2,p=1$$"), 0);
    CHECK_EQ_INT(password_verify("ngua-o-bo-song-ma", "$argon2id$"), 0);
}

TEST(dummy_hash_verifies_nothing)
{
    const char *d = password_dummy_hash();

    CHECK(strncmp(d, "$argon2id$", 10) == 0);
    CHECK(d == password_dummy_hash());
    CHECK_EQ_INT(password_verify("", d), 0);
    CHECK_EQ_INT(password_verify("motcua-demo", d), 0);
}

/* Passwords anyone would try first; each must be refused with a message. */
TEST(weak_passwords_refused)
{
    static const char *const weak[] = {
        "12345678",  "123456789", "11111111",    "password", "Password1", "qwertyui",
        "abcd1234",  "iloveyou",  "matkhau123",  "Matkhau@123", "mật khẩu 123",
        "anhyeuem123", "12341234", "aaaaaaaa",   "abcdefgh",
    };

    for (size_t i = 0; i < sizeof weak / sizeof weak[0]; i++) {
        const char *why = password_weakness(weak[i], CID, NAME);
        if (!why)
            printf("  accepted: %s\n", weak[i]);
        CHECK(why != NULL);
    }
}

TEST(personal_data_refused)
{
    const char *why;

    /* The login (citizen ID), alone or inside. */
    why = password_weakness(CID, CID, NAME);
    CHECK(why && strstr(why, "số định danh"));
    why = password_weakness("x" CID "!", CID, NAME);
    CHECK(why && strstr(why, "số định danh"));
    /* An officer's login too. */
    why = password_weakness("tiepnhan.hacthanh", "tiepnhan.hacthanh", "Phạm Thu Hà");
    CHECK(why && strstr(why, "tên đăng nhập"));
    /* The name, with or without diacritics, spaces or case. */
    why = password_weakness("Nguyễn Văn An", CID, NAME);
    CHECK(why && strstr(why, "họ tên"));
    why = password_weakness("nguyenvanan1990", CID, NAME);
    CHECK(why && strstr(why, "họ tên"));
    why = password_weakness("NGUYEN-VAN-AN", CID, NAME);
    CHECK(why != NULL);
    /* Parts of the name with a year are known words plus a date. */
    why = password_weakness("an1990nguyen", CID, NAME);
    CHECK(why != NULL);
}

TEST(length_limits)
{
    char s[PASSWORD_MAX_CHARS * 3 + 8];

    CHECK_EQ_STR(password_weakness("Xq7#pL2", NULL, NULL), "Mật khẩu cần ít nhất 8 ký tự.");
    CHECK_EQ_STR(password_weakness("", NULL, NULL), "Mật khẩu cần ít nhất 8 ký tự.");
    CHECK_EQ_STR(password_weakness(NULL, NULL, NULL), "Mật khẩu cần ít nhất 8 ký tự.");
    /* 129 characters (3 bytes each). */
    s[0] = '\0';
    for (int i = 0; i < PASSWORD_MAX_CHARS + 1; i++)
        strcat(s, i % 2 ? "ệ" : "ứ");
    CHECK_EQ_STR(password_weakness(s, NULL, NULL), "Mật khẩu không được dài quá 128 ký tự.");
}

/* Passwords the project's own tests, docs and benchmarks use, and a few
 * ordinary strong ones: accepted. */
TEST(strong_passwords_accepted)
{
    static const char *const strong[] = {
        "mat-khau-an-toan-123", "mat-khau-can-bo",   "mat-khau-lanh-dao-xa2",
        "Mat-khau-2026!",       "bench-mat-khau-2026", "bench-queue-pw",
        "tHa9#kLm",             "ngựa ô bờ sông Mã",  "Cà phê sữa đá lúc 6 giờ",
        "correct horse battery staple",
    };

    for (size_t i = 0; i < sizeof strong / sizeof strong[0]; i++) {
        const char *why = password_weakness(strong[i], CID, NAME);
        if (why)
            printf("  refused: %s (%s)\n", strong[i], why);
        CHECK(why == NULL);
    }
    /* No login or name given: only the password itself counts. */
    CHECK(password_weakness("mat-khau-an-toan-123", NULL, NULL) == NULL);
}

int main(void)
{
    RUN(hash_and_verify_round_trip);
    RUN(wrong_password);
    RUN(malformed_hash);
    RUN(dummy_hash_verifies_nothing);
    RUN(weak_passwords_refused);
    RUN(personal_data_refused);
    RUN(length_limits);
    RUN(strong_passwords_accepted);
    return harness_done();
}
