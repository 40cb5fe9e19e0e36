/* Tests of dynbuf: appends of every kind, growth past the first block,
 * the ceiling (an append that would pass it fails, and so does everything
 * after it), take and free leaving a usable empty buffer. */
#include "base/dynbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

TEST(appends)
{
    struct dynbuf b;
    dynbuf_init(&b, 1024);
    CHECK_EQ_STR(dynbuf_ptr(&b), ""); /* empty, not NULL */
    CHECK_EQ_INT(dynbuf_len(&b), 0);
    CHECK_EQ_INT(dynbuf_adds(&b, "Hồ sơ "), 0);
    CHECK_EQ_INT(dynbuf_addf(&b, "%s-%04d", "000.01.90.H56-261207", 7), 0);
    CHECK_EQ_INT(dynbuf_add(&b, "xyz", 1), 0);
    CHECK_EQ_INT(dynbuf_add(&b, NULL, 0), 0);
    CHECK_EQ_STR(dynbuf_ptr(&b), "Hồ sơ 000.01.90.H56-261207-0007x");
    CHECK_EQ_INT(dynbuf_len(&b), strlen("Hồ sơ 000.01.90.H56-261207-0007x"));
    CHECK(!dynbuf_failed(&b));
    size_t len = 0;
    char *s = dynbuf_take(&b, &len);
    CHECK_EQ_STR(s, "Hồ sơ 000.01.90.H56-261207-0007x");
    CHECK_EQ_INT(len, strlen(s));
    free(s);
    /* Taken: empty again, same ceiling. */
    CHECK_EQ_INT(dynbuf_len(&b), 0);
    CHECK_EQ_INT(b.max, 1024);
    s = dynbuf_take(&b, &len); /* an empty buffer hands over "" */
    CHECK_EQ_STR(s, "");
    CHECK_EQ_INT(len, 0);
    free(s);
    dynbuf_free(&b);
}

TEST(grows_past_the_first_block)
{
    struct dynbuf b;
    dynbuf_init(&b, 1 << 20);
    for (int i = 0; i < 10000; i++)
        CHECK_EQ_INT(dynbuf_addf(&b, "%05d,", i), 0);
    CHECK_EQ_INT(dynbuf_len(&b), 60000);
    CHECK(memcmp(dynbuf_ptr(&b) + 6 * 9999, "09999,", 6) == 0);
    CHECK_EQ_INT(dynbuf_ptr(&b)[60000], '\0');
    /* A formatted append longer than the stack buffer inside addf. */
    char longs[1000];
    memset(longs, 'a', sizeof longs - 1);
    longs[sizeof longs - 1] = '\0';
    CHECK_EQ_INT(dynbuf_addf(&b, "[%s]", longs), 0);
    CHECK_EQ_INT(dynbuf_len(&b), 60000 + 1001);
    CHECK_EQ_INT(dynbuf_ptr(&b)[dynbuf_len(&b) - 1], ']');
    dynbuf_free(&b);
    CHECK_EQ_INT(dynbuf_len(&b), 0);
}

TEST(the_ceiling)
{
    struct dynbuf b;
    dynbuf_init(&b, 10);
    CHECK_EQ_INT(dynbuf_adds(&b, "0123456789"), 0); /* exactly the maximum */
    CHECK_EQ_INT(dynbuf_len(&b), 10);
    CHECK(!dynbuf_failed(&b));
    CHECK_EQ_INT(dynbuf_add(&b, "x", 1), -1); /* one byte more */
    CHECK(dynbuf_failed(&b));
    CHECK_EQ_INT(dynbuf_add(&b, "", 0), -1); /* failed stays failed */
    CHECK_EQ_INT(dynbuf_adds(&b, ""), -1);
    size_t len = 99;
    CHECK(dynbuf_take(&b, &len) == NULL); /* incomplete content is never handed over */
    CHECK_EQ_INT(len, 0);
    CHECK(!dynbuf_failed(&b)); /* and the buffer starts over */
    CHECK_EQ_INT(dynbuf_addf(&b, "%d", 12345), 0);
    CHECK_EQ_INT(dynbuf_addf(&b, "%d", 123456), -1); /* 11 > 10 */
    CHECK(dynbuf_failed(&b));
    dynbuf_free(&b);

    dynbuf_init(&b, 4);
    char big[300];
    memset(big, 'b', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_EQ_INT(dynbuf_addf(&b, "%s", big), -1); /* formatted, past the maximum */
    dynbuf_free(&b);

    dynbuf_init(&b, 0); /* nothing at all may be added */
    CHECK_EQ_INT(dynbuf_add(&b, "a", 1), -1);
    dynbuf_free(&b);
}

TEST(files)
{
    char path[] = "/tmp/motcua-test-dynbuf-XXXXXX";
    FILE *f = fdopen(mkstemp(path), "w+");
    CHECK(f != NULL);
    if (!f)
        return;
    for (int i = 0; i < 3000; i++)
        fprintf(f, "dòng %04d\n", i);
    long size = ftell(f);
    struct dynbuf b;
    dynbuf_init(&b, (size_t)size);
    rewind(f);
    CHECK_EQ_INT(dynbuf_add_file(&b, f), 0);
    CHECK_EQ_INT(dynbuf_len(&b), size);
    CHECK(strncmp(dynbuf_ptr(&b), "dòng 0000\n", strlen("dòng 0000\n")) == 0);
    dynbuf_free(&b);
    dynbuf_init(&b, (size_t)size - 1); /* one byte too small */
    rewind(f);
    CHECK_EQ_INT(dynbuf_add_file(&b, f), -1);
    CHECK(dynbuf_failed(&b));
    dynbuf_free(&b);
    fclose(f);
    remove(path);
}

int main(void)
{
    RUN(appends);
    RUN(grows_past_the_first_block);
    RUN(the_ceiling);
    RUN(files);
    return harness_done();
}
