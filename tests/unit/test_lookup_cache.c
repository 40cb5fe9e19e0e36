/* The public lookup cache: hits, invalidation, and the rule that an answer
 * read before an invalidation is never stored. */
#include <stdio.h>
#include <string.h>

#include "dossier/lookup_cache.h"
#include "harness.h"

TEST(put_then_get_returns_the_answer)
{
    char out[64];
    lookup_cache_put("A-1", "{\"s\":1}", 7, lookup_cache_generation());
    int n = lookup_cache_get("A-1", out, sizeof out);
    CHECK_EQ_INT(n, 7);
    CHECK_EQ_INT(memcmp(out, "{\"s\":1}", 7), 0);
    CHECK_EQ_INT(lookup_cache_get("A-2", out, sizeof out), -1);
    CHECK_EQ_INT(lookup_cache_get("A-1", out, 3), -1); /* does not fit: a miss */
}

TEST(invalidate_drops_the_answer)
{
    char out[64];
    lookup_cache_put("B-1", "{\"s\":1}", 7, lookup_cache_generation());
    lookup_cache_invalidate("B-1");
    CHECK_EQ_INT(lookup_cache_get("B-1", out, sizeof out), -1);
    lookup_cache_after_commit();
    CHECK_EQ_INT(lookup_cache_get("B-1", out, sizeof out), -1);
}

TEST(answer_read_before_an_invalidation_is_not_stored)
{
    char out[64];
    uint64_t gen = lookup_cache_generation(); /* reader starts */
    lookup_cache_invalidate("C-1");          /* a write job changes C-1 */
    lookup_cache_put("C-1", "{\"old\":1}", 9, gen); /* reader's stale answer */
    CHECK_EQ_INT(lookup_cache_get("C-1", out, sizeof out), -1);
}

TEST(commit_invalidates_again)
{
    char out[64];
    lookup_cache_invalidate("D-1"); /* inside the job, before commit */
    /* A reader starting now still sees the old committed row... */
    uint64_t gen = lookup_cache_generation();
    lookup_cache_put("D-1", "{\"old\":1}", 9, gen);
    /* ...and the after-commit pass removes what it stored. */
    lookup_cache_after_commit();
    CHECK_EQ_INT(lookup_cache_get("D-1", out, sizeof out), -1);
}

TEST(many_codes_stay_reachable)
{
    char code[32], out[64];
    int misses = 0;
    for (int i = 0; i < 500; i++) {
        snprintf(code, sizeof code, "E-%d", i);
        lookup_cache_put(code, "{}", 2, lookup_cache_generation());
    }
    for (int i = 0; i < 500; i += 7) {
        snprintf(code, sizeof code, "E-%d", i);
        lookup_cache_invalidate(code);
    }
    lookup_cache_after_commit();
    for (int i = 0; i < 500; i++) {
        snprintf(code, sizeof code, "E-%d", i);
        int n = lookup_cache_get(code, out, sizeof out);
        if (i % 7 == 0)
            CHECK_EQ_INT(n, -1);
        else if (n != 2)
            misses++;
    }
    /* 500 codes fill no shard past its limit: every one is still there. */
    CHECK_EQ_INT(misses, 0);
}

int main(void)
{
    RUN(put_then_get_returns_the_answer);
    RUN(invalidate_drops_the_answer);
    RUN(answer_read_before_an_invalidation_is_not_stored);
    RUN(commit_invalidates_again);
    RUN(many_codes_stay_reachable);
    return harness_done();
}
