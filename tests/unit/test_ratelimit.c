/* Tests of src/base/ratelimit.c: the three policies, counted as attempts
 * start, given back, forgotten. */
#include "base/ratelimit.h"
#include "harness.h"

TEST(window_counts_attempts_as_they_start)
{
    struct ratelimit *rl = ratelimit_new(5, 900);
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(ratelimit_take(rl, "login:a", 1000 + i), 0);
    /* The sixth attempt in the window waits until the window ends. */
    CHECK_EQ_INT(ratelimit_take(rl, "login:a", 1010), 1000 + 900 - 1010);
    CHECK_EQ_INT(ratelimit_take(rl, "login:a", 1011), 1000 + 900 - 1011);
    CHECK_EQ_INT(ratelimit_take(rl, "login:b", 1012), 0);
    /* A new window starts afresh. */
    CHECK_EQ_INT(ratelimit_take(rl, "login:a", 1900), 0);
    /* Given-back attempts do not count; reset forgets the key. */
    for (int i = 0; i < 10; i++) {
        CHECK_EQ_INT(ratelimit_take(rl, "ip:x", 2000), 0);
        ratelimit_give_back(rl, "ip:x");
    }
    for (int i = 0; i < 5; i++)
        ratelimit_take(rl, "login:c", 2000);
    CHECK(ratelimit_take(rl, "login:c", 2001) > 0);
    ratelimit_reset(rl, "login:c");
    CHECK_EQ_INT(ratelimit_take(rl, "login:c", 2001), 0);
    ratelimit_free(rl);
}

TEST(backoff_doubles_after_the_free_attempts)
{
    /* 3 free attempts, then 10 s, 20 s, 40 s, capped at 60 s; forgotten after 1 h. */
    struct ratelimit *rl = ratelimit_new_backoff(3, 10, 60, 3600);
    int64_t t = 5000;
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(ratelimit_take(rl, "k", t), 0);
    CHECK_EQ_INT(ratelimit_take(rl, "k", t + 4), 6);   /* 10 s after the last */
    CHECK_EQ_INT(ratelimit_take(rl, "k", t + 10), 0);  /* the 4th attempt */
    CHECK_EQ_INT(ratelimit_take(rl, "k", t + 25), 5);  /* 20 s after the 4th */
    CHECK_EQ_INT(ratelimit_take(rl, "k", t + 30), 0);  /* the 5th */
    CHECK_EQ_INT(ratelimit_take(rl, "k", t + 31), 39); /* 40 s after the 5th */
    CHECK_EQ_INT(ratelimit_take(rl, "k", t + 70), 0);  /* the 6th */
    CHECK_EQ_INT(ratelimit_take(rl, "k", t + 71), 59); /* capped at 60 s */
    CHECK_EQ_INT(ratelimit_take(rl, "k", t + 130), 0);
    CHECK_EQ_INT(ratelimit_take(rl, "k", t + 131), 59);
    /* Another key is not slowed; a given-back attempt does not count. */
    CHECK_EQ_INT(ratelimit_take(rl, "other", t + 131), 0);
    /* After an hour without attempts the key starts afresh. */
    CHECK_EQ_INT(ratelimit_take(rl, "k", t + 130 + 3600), 0);
    CHECK_EQ_INT(ratelimit_take(rl, "k", t + 130 + 3600), 0);
    ratelimit_reset(rl, "k");
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(ratelimit_take(rl, "k", t + 4000), 0);
    ratelimit_give_back(rl, "k");
    CHECK_EQ_INT(ratelimit_take(rl, "k", t + 4000), 0);
    CHECK(ratelimit_take(rl, "k", t + 4000) > 0);
    ratelimit_free(rl);
}

TEST(bucket_refills_at_its_rate)
{
    /* 60 a minute (one a second), bursts of 5. */
    struct ratelimit *rl = ratelimit_new_bucket(60, 5);
    int64_t t = 100;
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(ratelimit_take(rl, "ip:a", t), 0);
    CHECK_EQ_INT(ratelimit_take(rl, "ip:a", t), 1);
    CHECK_EQ_INT(ratelimit_take(rl, "ip:a", t + 1), 0);
    CHECK_EQ_INT(ratelimit_take(rl, "ip:a", t + 1), 1);
    /* A charge is a debt: 3 more must be earned back first. */
    ratelimit_charge(rl, "ip:a", 3, t + 1);
    CHECK_EQ_INT(ratelimit_take(rl, "ip:a", t + 1), 4);
    CHECK_EQ_INT(ratelimit_take(rl, "ip:a", t + 5), 0);
    /* A full bucket after a quiet while, never more than the burst. */
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(ratelimit_take(rl, "ip:a", t + 1000), 0);
    CHECK(ratelimit_take(rl, "ip:a", t + 1000) > 0);
    CHECK_EQ_INT(ratelimit_take(rl, "ip:b", t + 1000), 0);
    ratelimit_free(rl);
}

TEST(a_full_table_forgets_the_stalest_keys)
{
    struct ratelimit *rl = ratelimit_new(1, 100);
    char key[32];
    /* Far more keys than slots: each still gets its own count now. */
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "ip:%d", i);
        CHECK_EQ_INT(ratelimit_take(rl, key, 1), 0);
        CHECK(ratelimit_take(rl, key, 1) > 0);
    }
    ratelimit_free(rl);
}

int main(void)
{
    RUN(window_counts_attempts_as_they_start);
    RUN(backoff_doubles_after_the_free_attempts);
    RUN(bucket_refills_at_its_rate);
    RUN(a_full_table_forgets_the_stalest_keys);
    return harness_done();
}
