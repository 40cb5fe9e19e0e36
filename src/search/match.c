/* search/match: what an officer typed, made into an FTS5 match expression
 * that can only mean "these words". FTS5 has a query language (AND, OR,
 * NOT, NEAR(...), column filters "title:", "^", "*", parentheses, quoted
 * phrases), and user text must never be read as it: a stray quote is a
 * syntax error, "NEAR(" a different query. So the text is folded, cut at
 * spaces, and every piece written as a quoted FTS5 string ("" inside
 * doubles a quote), which FTS5 takes as a phrase of the tokens inside
 * whatever they are. Pieces are ANDed (FTS5's implicit operator); the last
 * one gets a * after its closing quote (a prefix on its last token), since
 * it is the word still being typed. Kept apart from search.c, with no
 * database, for tests/fuzz/fuzz_search_query.c. */
#include <string.h>

#include "base/text.h"
#include "search/search.h"

/* Does byte c end a word for the prefix rule? ASCII that is neither a
 * letter nor a digit (FTS5's tokenizer splits there too). */
static int ascii_sep(unsigned char c)
{
    return c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
}

int search_match_expr(const char *text, char *out, size_t cap, struct derr *err)
{
    char folded[SEARCH_QUERY_MAX + 1];
    size_t len, o = 0, i = 0, k, tail;
    int words = 0, rc;

    if (cap < SEARCH_EXPR_MAX)
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi tìm kiếm", NULL);
    out[0] = '\0';
    if (!text)
        return 0;
    len = strlen(text);
    if (len > SEARCH_QUERY_MAX)
        return derr_set(err, DERR_INVALID, "query_too_long",
                        "Từ khóa tìm kiếm quá dài (tối đa 256 byte)", "q");
    if (!text_utf8_valid(text, len))
        return derr_set(err, DERR_INVALID, "query_invalid", "Từ khóa tìm kiếm không hợp lệ", "q");
    rc = text_fold(text, folded, sizeof folded);
    if (rc < 0)
        return derr_set(err, DERR_INVALID, "query_invalid", "Từ khóa tìm kiếm không hợp lệ", "q");
    len = (size_t)rc;
    /* Private-use characters (U+E000-U+F8FF: EE xx xx, EF 80..A3 xx) are
     * blanked: the index's scope tokens start with one (search.c), and no
     * word typed may match them. */
    for (i = 0; i + 2 < len; i++) {
        unsigned char c0 = (unsigned char)folded[i], c1 = (unsigned char)folded[i + 1];
        if (c0 == 0xEE || (c0 == 0xEF && c1 >= 0x80 && c1 <= 0xA3)) {
            folded[i] = folded[i + 1] = folded[i + 2] = ' ';
            i += 2;
        }
    }
    i = 0;

    while (i < len) {
        size_t start, end;
        int searchable = 0;

        while (i < len && folded[i] == ' ')
            i++;
        if (i >= len)
            break;
        start = i;
        while (i < len && folded[i] != ' ')
            i++;
        end = i;
        if (end - start > SEARCH_WORD_MAX) {
            out[0] = '\0'; /* a refusal leaves no half-built expression */
            return derr_set(err, DERR_INVALID, "query_word_too_long",
                            "Một từ trong từ khóa tìm kiếm quá dài (tối đa 64 byte)", "q");
        }
        /* A piece of punctuation only ("-", "*", a lone quote) has no token:
         * left out rather than sent as an empty phrase. Non-ASCII counts as
         * a possible letter; if the tokenizer disagrees, FTS5 ignores the
         * empty phrase in an AND. */
        for (k = start; k < end; k++)
            if (!ascii_sep((unsigned char)folded[k])) {
                searchable = 1;
                break;
            }
        if (!searchable)
            continue;
        if (++words > SEARCH_QUERY_WORDS) {
            out[0] = '\0';
            return derr_set(err, DERR_INVALID, "query_too_many_words",
                            "Từ khóa tìm kiếm có quá nhiều từ (tối đa 8 từ)", "q");
        }
        if (o > 0)
            out[o++] = ' ';
        out[o++] = '"';
        for (k = start; k < end; k++) {
            if (folded[k] == '"')
                out[o++] = '"';
            out[o++] = folded[k];
        }
        out[o++] = '"';
        out[o] = '\0';
    }
    if (words == 0) {
        out[0] = '\0';
        return 0;
    }
    /* The prefix: the last piece's last token, trailing punctuation aside,
     * if it has 2 characters at least (bytes: a non-ASCII letter is 2 or
     * more). A one-letter prefix would pull in a large part of the index
     * for little meaning. o - 1 is the closing quote. */
    k = o - 1;
    while (k > 0 && out[k - 1] != '"' && ascii_sep((unsigned char)out[k - 1]) &&
           out[k - 1] != ' ')
        k--;
    tail = 0;
    while (k > 0 && !ascii_sep((unsigned char)out[k - 1])) {
        k--;
        tail++;
    }
    if (tail >= 2) {
        out[o++] = '*';
        out[o] = '\0';
    }
    return words;
}
