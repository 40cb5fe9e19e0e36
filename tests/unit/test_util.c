/* Tests for base/util: copy_str's bounded copy. Regression (issue 7): a cut
 * in the middle of a UTF-8 sequence stored invalid text (a 100-character
 * emoji name cut to 255 bytes), which the PDF renderer then refused. */
#include "base/util.h"

#include <string.h>

#include "harness.h"

TEST(copy_str_fits)
{
    char buf[8];

    CHECK_EQ_INT(copy_str(buf, sizeof buf, "abc"), 0);
    CHECK_EQ_STR(buf, "abc");
    CHECK_EQ_INT(copy_str(buf, sizeof buf, "abcdefg"), 0); /* 7 bytes + NUL */
    CHECK_EQ_STR(buf, "abcdefg");
    CHECK_EQ_INT(copy_str(buf, 0, "x"), -1);
}

TEST(copy_str_ascii_cut)
{
    char buf[4];

    CHECK_EQ_INT(copy_str(buf, sizeof buf, "abcdef"), -1);
    CHECK_EQ_STR(buf, "abc");
}

TEST(copy_str_never_splits_a_character)
{
    char buf[6];

    /* "ễ" is E1 BB 85: "abcd" + its first byte would fit in 5 bytes. */
    CHECK_EQ_INT(copy_str(buf, sizeof buf, "abcd\xe1\xbb\x85"), -1);
    CHECK_EQ_STR(buf, "abcd");
    /* "ab" + "ễ" is exactly 5 bytes: kept whole. */
    CHECK_EQ_INT(copy_str(buf, sizeof buf, "ab\xe1\xbb\x85z"), -1);
    CHECK_EQ_STR(buf, "ab\xe1\xbb\x85");
    /* A 4-byte emoji (F0 9F 91 A8) cut after 1, 2 or 3 of its bytes. */
    CHECK_EQ_INT(copy_str(buf, sizeof buf, "abcd\xf0\x9f\x91\xa8"), -1);
    CHECK_EQ_STR(buf, "abcd");
    CHECK_EQ_INT(copy_str(buf, sizeof buf, "abc\xf0\x9f\x91\xa8"), -1);
    CHECK_EQ_STR(buf, "abc");
    CHECK_EQ_INT(copy_str(buf, sizeof buf, "ab\xf0\x9f\x91\xa8"), -1);
    CHECK_EQ_STR(buf, "ab");
    /* Two-byte Arabic letters (D8 B9) at an odd boundary. */
    CHECK_EQ_INT(copy_str(buf, sizeof buf, "a\xd8\xb9\xd8\xb9\xd8\xb9"), -1);
    CHECK_EQ_STR(buf, "a\xd8\xb9\xd8\xb9");
    /* Bytes that are not UTF-8 are cut where the room ends, as before. */
    CHECK_EQ_INT(copy_str(buf, sizeof buf, "\x80\x80\x80\x80\x80\x80\x80"), -1);
    CHECK_EQ_STR(buf, "\x80\x80\x80\x80\x80");
}

int main(void)
{
    RUN(copy_str_fits);
    RUN(copy_str_ascii_cut);
    RUN(copy_str_never_splits_a_character);
    return harness_done();
}
