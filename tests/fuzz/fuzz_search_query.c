/* libFuzzer target for search/match: whatever an officer types becomes an
 * FTS5 match expression that (1) has the shape search_match_expr promises
 * (quoted strings separated by single spaces, an optional * after the last
 * one, nothing else outside quotes, at most SEARCH_QUERY_WORDS of them,
 * no private-use character), and (2) FTS5 accepts without an error, on a table with the tokenizer of
 * db/023_search.sql. SQLite comes from Debian (not instrumented): what is
 * checked is that its answer is never a syntax error.
 * Build and run: see docs/architecture.md ("Fuzzing"). */
#include <assert.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "search/search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sqlite3 *db;
static sqlite3_stmt *st;

static void setup(void)
{
    if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
        sqlite3_exec(db,
                     "CREATE VIRTUAL TABLE f USING fts5(title, summary, number, body,"
                     " tokenize = \"unicode61 remove_diacritics 0 categories 'L* N* Co Mn'\","
                     " prefix = '2 3');"
                     "INSERT INTO f VALUES ('quyet dinh ve viec thanh lap', '', '12/qd-ubnd',"
                     " 'near and or not title');",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT count(*) FROM f WHERE f MATCH ?", -1, &st, NULL) !=
            SQLITE_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[1024], expr[SEARCH_EXPR_MAX];
    struct derr err = {0};
    size_t n = size < sizeof text - 1 ? size : sizeof text - 1, i, len;
    int words, in_quote = 0, pieces = 0;

    if (!db)
        setup();
    memcpy(text, data, n);
    text[n] = '\0';
    words = search_match_expr(text, expr, sizeof expr, &err);
    if (words < 0) {
        assert(err.kind == DERR_INVALID && err.code && err.message[0]);
        assert(expr[0] == '\0');
        return 0;
    }
    assert(words <= SEARCH_QUERY_WORDS);
    len = strlen(expr);
    assert(len < sizeof expr);
    if (words == 0) {
        assert(len == 0);
        return 0;
    }
    /* the shape: "..." ("...")* *?  with "" for a quote inside */
    for (i = 0; i < len; i++) {
        char c = expr[i];
        if (in_quote) {
            if (c == '"') {
                if (expr[i + 1] == '"')
                    i++;
                else
                    in_quote = 0;
            }
            continue;
        }
        if (c == '"') {
            in_quote = 1;
            pieces++;
        } else if (c == ' ') {
            assert(expr[i + 1] == '"');
        } else {
            assert(c == '*' && i == len - 1);
        }
    }
    assert(!in_quote);
    assert(pieces == words);
    /* no private-use character (U+E000-U+F8FF) gets through: the index's
     * scope tokens begin with one (src/search/search.c) */
    for (i = 0; i + 1 < len; i++) {
        unsigned char c0 = (unsigned char)expr[i], c1 = (unsigned char)expr[i + 1];
        assert(c0 != 0xEE && !(c0 == 0xEF && c1 >= 0x80 && c1 <= 0xA3));
    }
    /* FTS5 accepts it */
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    assert(rc == SQLITE_ROW);
    sqlite3_reset(st);
    return 0;
}
