/* A tiny test harness: CHECK() records a failure and goes on, the run prints
 * one line per failure and closes with "N passed, N failed".
 *
 *   TEST(lunar_tet_2024) { CHECK_EQ_INT(d, 10); }
 *   int main(void) { RUN(lunar_tet_2024); return harness_done(); }
 */
#ifndef MOTCUA_TEST_HARNESS_H
#define MOTCUA_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

static int harness_passed, harness_failed, harness_cur_failed;

#define TEST(name) static void test_##name(void)

#define RUN(name)                                                              \
    do {                                                                       \
        harness_cur_failed = 0;                                                \
        test_##name();                                                         \
        if (harness_cur_failed) {                                              \
            harness_failed++;                                                  \
            printf("not ok - %s\n", #name);                                    \
        } else {                                                               \
            harness_passed++;                                                  \
            printf("ok - %s\n", #name);                                        \
        }                                                                      \
    } while (0)

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            harness_cur_failed = 1;                                            \
            printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);  \
        }                                                                      \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                     \
    do {                                                                       \
        long long va_ = (long long)(a), vb_ = (long long)(b);                  \
        if (va_ != vb_) {                                                      \
            harness_cur_failed = 1;                                            \
            printf("  %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, \
                   #a, va_, vb_);                                              \
        }                                                                      \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                     \
    do {                                                                       \
        const char *sa_ = (a), *sb_ = (b);                                     \
        if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) {                           \
            harness_cur_failed = 1;                                            \
            printf("  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__,       \
                   __LINE__, #a, sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");  \
        }                                                                      \
    } while (0)

static inline int harness_done(void)
{
    printf("%d passed, %d failed\n", harness_passed, harness_failed);
    return harness_failed ? 1 : 0;
}

#endif
