/* Tests for auth/totp: RFC 6238 one-time codes. The expected codes are the
 * SHA-1 test vectors of RFC 6238 appendix B (secret "12345678901234567890"),
 * written here by hand; the RFC prints 8 digits, a 6-digit code is the last
 * six of them (both are the same truncated value modulo 10^8 and 10^6). */
#include "auth/totp.h"

#include <string.h>

#include "harness.h"

/* base32 of the ASCII secret "12345678901234567890" */
#define RFC_SECRET "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static const struct {
    int64_t t;
    const char *code;
} rfc[] = {
    {59, "287082"},          /* 94287082 */
    {1111111109, "081804"},  /* 07081804 */
    {1111111111, "050471"},  /* 14050471 */
    {1234567890, "005924"},  /* 89005924 */
    {2000000000, "279037"},  /* 69279037 */
    {20000000000, "353130"}, /* 65353130 */
};

TEST(rfc6238_sha1_vectors)
{
    for (size_t i = 0; i < sizeof rfc / sizeof rfc[0]; i++) {
        char code[7] = "";
        CHECK_EQ_INT(totp_code(RFC_SECRET, rfc[i].t, code), 0);
        CHECK_EQ_STR(code, rfc[i].code);
        /* The matching step is the one of T: floor(T / 30). */
        CHECK_EQ_INT(totp_check(RFC_SECRET, rfc[i].code, rfc[i].t, 0), rfc[i].t / 30);
    }
}

/* 1111111109 and 1111111111 are consecutive steps (37037036, 37037037). */
TEST(one_step_of_drift_either_way)
{
    /* The previous step's code, checked one step later: accepted as that step. */
    CHECK_EQ_INT(totp_check(RFC_SECRET, "081804", 1111111111, 0), 37037036);
    /* The next step's code, checked one step early (a clock ahead). */
    CHECK_EQ_INT(totp_check(RFC_SECRET, "050471", 1111111109, 0), 37037037);
    /* Two steps away: refused. */
    CHECK_EQ_INT(totp_check(RFC_SECRET, "081804", 1111111111 + 30, 0), 0);
    CHECK_EQ_INT(totp_check(RFC_SECRET, "050471", 1111111109 - 30, 0), 0);
    /* A code of another time altogether. */
    CHECK_EQ_INT(totp_check(RFC_SECRET, "287082", 1111111111, 0), 0);
}

/* The step of the last accepted code is stored; a code at or below it is
 * refused, so each code works once. */
TEST(a_code_works_once)
{
    int64_t step = totp_check(RFC_SECRET, "050471", 1111111111, 0);
    CHECK_EQ_INT(step, 37037037);
    CHECK_EQ_INT(totp_check(RFC_SECRET, "050471", 1111111111, step), 0);
    CHECK_EQ_INT(totp_check(RFC_SECRET, "050471", 1111111111 + 10, step), 0);
    /* The previous step's code is refused too once a later one was used. */
    CHECK_EQ_INT(totp_check(RFC_SECRET, "081804", 1111111111, step), 0);
    /* The next step's code still works, once. */
    CHECK_EQ_INT(totp_check(RFC_SECRET, "050471", 1111111111, step - 1), step);
}

TEST(malformed_codes_and_secrets)
{
    static const char *const bad[] = {"", "05047", "0504711", "05047a", " 50471", "+50471",
                                      "０５０４７１"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(totp_check(RFC_SECRET, bad[i], 1111111111, 0), 0);
    CHECK_EQ_INT(totp_check(RFC_SECRET, NULL, 1111111111, 0), 0);
    /* An unusable secret: not base32, too long, missing. */
    CHECK_EQ_INT(totp_check("not base32!", "050471", 1111111111, 0), -1);
    CHECK_EQ_INT(totp_check(RFC_SECRET RFC_SECRET RFC_SECRET, "050471", 1111111111, 0), -1);
    CHECK_EQ_INT(totp_check(NULL, "050471", 1111111111, 0), -1);
    char code[7];
    CHECK_EQ_INT(totp_code("not base32!", 59, code), -1);
}

TEST(new_secrets)
{
    char a[TOTP_SECRET_B32_MAX + 1], b[TOTP_SECRET_B32_MAX + 1], code[7];

    CHECK_EQ_INT(totp_new_secret(a, sizeof a), 0);
    CHECK_EQ_INT(totp_new_secret(b, sizeof b), 0);
    /* 160 bits = 32 base32 characters, no padding. */
    CHECK_EQ_INT(strlen(a), 32);
    CHECK_EQ_INT(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 32);
    CHECK(strcmp(a, b) != 0);
    /* Its codes are accepted. */
    CHECK_EQ_INT(totp_code(a, 1700000000, code), 0);
    CHECK_EQ_INT(strspn(code, "0123456789"), 6);
    CHECK_EQ_INT(totp_check(a, code, 1700000000, 0), 1700000000 / 30);
    CHECK_EQ_INT(totp_new_secret(a, 10), -1);
}

TEST(otpauth_uri)
{
    char uri[200];

    CHECK_EQ_INT(totp_uri(RFC_SECRET, "tiepnhan.hacthanh", uri, sizeof uri), 0);
    CHECK_EQ_STR(uri, "otpauth://totp/motcua:tiepnhan.hacthanh?secret=" RFC_SECRET
                      "&issuer=motcua&digits=6&period=30");
    CHECK_EQ_INT(totp_uri(RFC_SECRET, "tiepnhan.hacthanh", uri, 40), -1);
}

int main(void)
{
    RUN(rfc6238_sha1_vectors);
    RUN(one_step_of_drift_either_way);
    RUN(a_code_works_once);
    RUN(malformed_codes_and_secrets);
    RUN(new_secrets);
    RUN(otpauth_uri);
    return harness_done();
}
