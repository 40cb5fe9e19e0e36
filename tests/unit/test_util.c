/* Tests for base/util: copy_str's bounded copy. Regression (issue 7): a cut
 * in the middle of a UTF-8 sequence stored invalid text (a 100-character
 * emoji name cut to 255 bytes), which the PDF renderer then refused. And
 * write_file_atomic: the file whole, or untouched, never a temporary left. */
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The names in dir, counted. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

TEST(write_file_atomic_whole_or_untouched)
{
    char dir[] = "/tmp/motcua-util-XXXXXX", path[128], inside[160];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/so.csv", dir);
    CHECK_EQ_INT(write_file_atomic(path, "abc", 3), 0);
    CHECK_EQ_INT((int)file_size(path), 3);
    CHECK_EQ_INT(write_file_atomic(path, "hello world", 11), 0); /* replaced */
    CHECK_EQ_INT((int)file_size(path), 11);
    CHECK_EQ_INT(entries(dir), 1); /* no temporary left beside it */
    /* A path whose directory does not exist: refused, nothing written. */
    snprintf(inside, sizeof inside, "%s/none/so.csv", dir);
    CHECK_EQ_INT(write_file_atomic(inside, "x", 1), -ENOENT);
    /* Over a directory: the rename fails; the directory and the file stay. */
    snprintf(inside, sizeof inside, "%s/sub", dir);
    CHECK_EQ_INT(mkdir(inside, 0700), 0);
    CHECK(write_file_atomic(inside, "x", 1) < 0);
    CHECK_EQ_INT(entries(dir), 2);
    CHECK_EQ_INT((int)file_size(path), 11);
    rmdir(inside);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    RUN(copy_str_fits);
    RUN(copy_str_ascii_cut);
    RUN(copy_str_never_splits_a_character);
    RUN(write_file_atomic_whole_or_untouched);
    return harness_done();
}
