/* Tests for search/: indexing, queries without diacritics, ranking, prefix,
 * filters, the officer's scope, hostile queries and limits, snippets in the
 * original text, replace/remove/rebuild, and PDF text through poppler.
 *
 * The database is fresh and holds db/023_search.sql alone: search depends
 * on no other table. The corpus is a dozen documents of a province (/1/),
 * two communes (/1/5/, /1/6/) and a unit whose path starts like the first
 * commune's (/1/55/), so a prefix test on paths that forgot the closing
 * slash would show. Expected results are written out from the corpus by
 * hand, never read from the code under test. */
#include "search/search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "base/assets.h"
#include "base/dynbuf.h"
#include "harness.h"
#include "render/pdf.h"
#include "store/store.h"

static char dir[128];
static struct store *db;

static int open_db(void)
{
    char path[200], err[256];
    const struct asset *a = asset_find("db/023_search.sql");
    snprintf(dir, sizeof dir, "/tmp/motcua-test-search-XXXXXX");
    if (!mkdtemp(dir) || !a)
        return -1;
    snprintf(path, sizeof path, "%s/search.db", dir);
    if (store_open(path, 0, &db, err, sizeof err) || store_exec(db, (const char *)a->data)) {
        printf("setup failed: %s\n", err);
        return -1;
    }
    return 0;
}

static void close_db(void)
{
    char cmd[200];
    store_close(db);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("could not remove %s\n", dir);
}

struct item {
    int64_t ref;
    const char *path, *type, *reg, *date, *signer, *status, *title, *summary, *number, *body;
};

/* ref ids 1..12. A title match of "thiên tai" (4) and a body-only one (10);
 * the same "quyết định" in several units; a commune's own documents. */
static const struct item corpus[] = {
    {1, "/1/", "QĐ", "đi", "2026-03-02", "Nguyễn Văn An", "issued",
     "Quyết định về việc thành lập Ban chỉ đạo chuyển đổi số tỉnh", "Thành lập Ban chỉ đạo",
     "45/QĐ-UBND", "Chủ tịch Ủy ban nhân dân tỉnh quyết định thành lập Ban chỉ đạo."},
    {2, "/1/5/", "QĐ", "đi", "2026-04-10", "Lê Thị Bình", "issued",
     "Quyết định về việc thành lập Tổ công tác cải cách hành chính phường", "",
     "12/QĐ-UBND", "Thành lập Tổ công tác gồm các ông, bà có tên sau."},
    {3, "/1/5/", "CV", "đi", "2026-04-15", "Lê Thị Bình", "issued",
     "Công văn về việc triển khai thu thập dữ liệu dân cư", "Triển khai dữ liệu",
     "88/UBND-VP", "Đề nghị các tổ dân phố triển khai thu thập dữ liệu."},
    {4, "/1/", "KH", "đi", "2026-01-20", "Nguyễn Văn An", "issued",
     "Kế hoạch phòng chống thiên tai và tìm kiếm cứu nạn năm 2026", "",
     "07/KH-UBND", "Các sở, ngành chuẩn bị lực lượng, phương tiện."},
    {5, "/1/6/", "QĐ", "đi", "2026-05-05", "Trần Quốc Cường", "draft",
     "Quyết định về việc thành lập Hội đồng thi đua khen thưởng xã", "",
     "30/QĐ-UBND", "Hội đồng có nhiệm vụ tham mưu công tác thi đua."},
    {6, "/1/6/", "CV", "đến", "2026-05-12", "Phạm Minh Đức", "received",
     "Công văn về việc triển khai tiêm chủng mở rộng", "", "155/SYT-NVY",
     "Sở Y tế đề nghị Ủy ban nhân dân xã triển khai tiêm chủng."},
    {7, "/1/55/", "QĐ", "đi", "2026-02-14", "Hoàng Văn Em", "issued",
     "Quyết định về việc thành lập Đội kiểm tra liên ngành", "", "03/QĐ-BQL",
     "Thành lập Đội kiểm tra liên ngành."},
    {8, "/1/5/", "TB", "đi", "2026-06-01", "Lê Thị Bình", "issued",
     "Thông báo lịch tiếp công dân tháng 6", "", "20/TB-UBND",
     "Lãnh đạo phường tiếp công dân vào thứ Năm hằng tuần."},
    {9, "/1/", "BC", "đi", "2026-06-30", "Nguyễn Văn An", "issued",
     "Báo cáo kết quả cải cách hành chính 6 tháng đầu năm", "", "101/BC-UBND",
     "Kết quả cải cách thủ tục hành chính, số hóa hồ sơ."},
    {10, "/1/", "TB", "đến", "2026-07-01", "Vũ Thị Giang", "received",
     "Thông báo kết luận cuộc họp giao ban tháng 6", "", "15/TB-VP",
     "Giao ban đánh giá công tác tháng 6. Các địa phương chủ động phòng chống thiên tai mùa mưa "
     "bão, rà soát khu dân cư ven sông, bố trí lực lượng trực ban, báo cáo kịp thời mọi sự cố "
     "và thiệt hại phát sinh trên địa bàn theo quy định hiện hành."},
    {11, "/1/5/", "KH", "đi", "2026-03-25", "Lê Thị Bình", "issued",
     "Kế hoạch tổ chức Ngày Chuyển đổi số của phường", "", "09/KH-UBND",
     "Tuyên truyền, hướng dẫn người dân sử dụng dịch vụ công trực tuyến."},
    {12, "/1/6/", "GM", "đi", "2026-08-08", "Trần Quốc Cường", "issued",
     "Giấy mời dự hội nghị sơ kết công tác dân vận", "", "21/GM-UBND",
     "Kính mời đại biểu dự hội nghị."},
};
#define NCORPUS ((int)(sizeof corpus / sizeof corpus[0]))

static int index_item(const struct item *it)
{
    struct derr err = {0};
    struct search_doc d = {
        .kind = "document", .ref_id = it->ref, .unit_id = 100 + it->ref,
        .unit_path = it->path, .doc_type = it->type, .register_name = it->reg, .date = it->date,
        .signer = it->signer, .status = it->status, .title = it->title, .summary = it->summary,
        .number = it->number, .body = it->body, .body_len = strlen(it->body)};
    int rc = search_index(db, &d, &err);
    if (rc)
        printf("  index %lld: %s %s\n", (long long)it->ref, err.code, err.message);
    return rc;
}

static const char *const all_units[] = {"/1/"};
static const char *const commune5[] = {"/1/5/"};

/* Runs a query with the province's scope unless q has one; OUT: the ref
 * ids in order, as "1,4,10", into ids. Returns search_query's rc. */
static int run(struct search_query q, char *ids, size_t cap, json_t **res)
{
    struct derr err = {0};
    json_t *out = NULL, *it;
    size_t i, o = 0;
    int rc;

    if (!q.scope) {
        q.scope = all_units;
        q.nscope = 1;
    }
    ids[0] = '\0';
    rc = search_query(db, &q, &out, &err);
    if (rc) {
        snprintf(ids, cap, "error:%s", err.code ? err.code : "?");
        return rc;
    }
    json_array_foreach(json_object_get(out, "items"), i, it) {
        int n = snprintf(ids + o, cap - o, "%s%lld", o ? "," : "",
                         (long long)json_integer_value(json_object_get(it, "ref_id")));
        if (n < 0 || (size_t)n >= cap - o)
            break;
        o += (size_t)n;
    }
    if (res)
        *res = out;
    else
        json_decref(out);
    return 0;
}

/* The ref ids a text query finds (province scope), sorted by the caller's
 * expectation: the result order is compared as is. */
static const char *find(const char *text)
{
    static char ids[256];
    run((struct search_query){.text = text, .limit = 50}, ids, sizeof ids, NULL);
    return ids;
}

/* The same ids sorted, for tests where the order is not the point. */
static const char *find_sorted(const char *text)
{
    static char out[256];
    int v[64], n = 0;
    char *p = (char *)find(text), *end;
    if (strncmp(p, "error:", 6) == 0)
        return p;
    while (*p && n < 64) {
        v[n++] = (int)strtol(p, &end, 10);
        p = *end ? end + 1 : end;
    }
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            int t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%d", i ? "," : "", v[i]);
    return out;
}

static int64_t count_docs(void)
{
    int64_t n = -1;
    if (store_query_int(db, "SELECT count(*) FROM search_docs", NULL, &n) != STORE_ROW)
        return -1;
    return n;
}

/* Documents the index lists for a folded term (fts5vocab), -1 on error. */
static int64_t term_docs(const char *term)
{
    int64_t n = 0;
    int rc = store_query_int(db, "SELECT coalesce((SELECT doc FROM temp.search_vocab WHERE term = ?), 0)",
                             term, &n);
    return rc == STORE_ROW ? n : -1;
}

TEST(corpus_indexes)
{
    for (int i = 0; i < NCORPUS; i++)
        CHECK_EQ_INT(index_item(&corpus[i]), 0);
    CHECK_EQ_INT(count_docs(), NCORPUS);
    CHECK_EQ_INT(store_exec(db, "CREATE VIRTUAL TABLE temp.search_vocab"
                                " USING fts5vocab('main', 'search_fts', 'row')"),
                 0);
    /* the index holds folded terms only */
    CHECK_EQ_INT(term_docs("dinh"), 5);   /* "Quyết định" in 1, 2, 5, 7; "quy định" in 10 */
    CHECK_EQ_INT(term_docs("định"), 0);
    CHECK_EQ_INT(term_docs("doi"), 3);    /* "Đội" in 7, "chuyển đổi" in 1 and 11 */
}

TEST(no_diacritics_finds_accented)
{
    /* "quyet dinh": the four decisions (1, 2, 5, 7); 10 says "quy định",
     * which has "dinh" but not "quyet" */
    CHECK_EQ_STR(find_sorted("quyet dinh"), "1,2,5,7");
    CHECK_EQ_STR(find_sorted("Quyết định"), "1,2,5,7");
    CHECK_EQ_STR(find_sorted("QUYẾT ĐỊNH"), "1,2,5,7");
    /* decomposed input: e + U+0302 + U+0301 */
    CHECK_EQ_STR(find_sorted("quye\xcc\x82\xcc\x81t \xc4\x91inh"), "1,2,5,7");
    CHECK_EQ_STR(find_sorted("doi kiem tra"), "7");
    CHECK_EQ_STR(find_sorted("tiem chung"), "6");
}

TEST(title_match_ranks_above_body_match)
{
    /* 4 has "phòng chống thiên tai" in its title; 10 only in its body */
    CHECK_EQ_STR(find("thien tai"), "4,10");
    CHECK_EQ_STR(find("phong chong thien tai"), "4,10");
    /* "thành lập": titles of 1, 2, 5, 7 (and bodies); 2's body too */
    json_t *res = NULL;
    char ids[128];
    CHECK_EQ_INT(run((struct search_query){.text = "cai cach hanh chinh"}, ids, sizeof ids, &res),
                 0);
    /* titles of 2 and 9 say "cải cách hành chính"; both found, nothing else */
    CHECK_EQ_STR(find_sorted("cai cach hanh chinh"), "2,9");
    json_t *items = json_object_get(res, "items");
    CHECK(json_integer_value(json_object_get(json_array_get(items, 0), "score")) >=
          json_integer_value(json_object_get(json_array_get(items, 1), "score")));
    json_decref(res);
}

TEST(number_and_notation)
{
    CHECK_EQ_STR(find("12/QĐ-UBND"), "2");
    CHECK_EQ_STR(find("12/qd-ubnd"), "2");
    CHECK_EQ_STR(find_sorted("QĐ-UBND"), "1,2,5");
}

TEST(prefix_on_last_word)
{
    /* what an officer still typing sees: "chuyen doi s" does not prefix a
     * single letter; "chuyen doi so" does */
    CHECK_EQ_STR(find_sorted("chuyen do"), "1,11");
    CHECK_EQ_STR(find_sorted("thanh la"), "1,2,5,7");
    CHECK_EQ_STR(find_sorted("tiep cong da"), "8");
    /* only the last word is a prefix */
    CHECK_EQ_STR(find_sorted("tie cong dan"), "");
    /* a one-letter last word is a whole word ("6" is one: "tháng 6") */
    CHECK_EQ_STR(find_sorted("thang 6"), "8,9,10"); /* 9: "6 tháng": words, not a phrase */
    CHECK_EQ_STR(find_sorted("ke h"), "");
}

TEST(snippet_is_original_text_with_matches_marked)
{
    json_t *res = NULL;
    char ids[64];
    CHECK_EQ_INT(run((struct search_query){.text = "thien tai"}, ids, sizeof ids, &res), 0);
    json_t *first = json_array_get(json_object_get(res, "items"), 0);
    json_t *parts = json_object_get(first, "snippet"), *p;
    char joined[512] = "", matched[128] = "";
    size_t i;
    json_array_foreach(parts, i, p) {
        const char *t = json_string_value(json_object_get(p, "text"));
        strncat(joined, t, sizeof joined - strlen(joined) - 1);
        if (json_is_true(json_object_get(p, "match"))) {
            strncat(matched, t, sizeof matched - strlen(matched) - 1);
            strncat(matched, "|", sizeof matched - strlen(matched) - 1);
        }
    }
    CHECK_EQ_STR(json_string_value(json_object_get(first, "title")),
                 "Kế hoạch phòng chống thiên tai và tìm kiếm cứu nạn năm 2026");
    CHECK_EQ_STR(joined, "Kế hoạch phòng chống thiên tai và tìm kiếm cứu nạn năm 2026");
    CHECK_EQ_STR(matched, "thiên|tai|");
    CHECK_EQ_STR(json_string_value(json_object_get(first, "number")), "07/KH-UBND");
    CHECK_EQ_STR(json_string_value(json_object_get(first, "date")), "2026-01-20");
    json_decref(res);
}

TEST(filters)
{
    char ids[128];
    struct search_query q = {.text = "quyet dinh"};
    q.doc_type = "QĐ";
    q.date_from = "2026-03-01";
    q.date_to = "2026-04-30";
    /* 1 (03-02) and 2 (04-10): in either order (their bm25 scores are
     * within 1%: the filter is the point here) */
    CHECK_EQ_INT(run(q, ids, sizeof ids, NULL), 0);
    CHECK(strcmp(ids, "1,2") == 0 || strcmp(ids, "2,1") == 0);
    q = (struct search_query){.text = "trien khai", .register_name = "đến"};
    CHECK_EQ_INT(run(q, ids, sizeof ids, NULL), 0);
    CHECK_EQ_STR(ids, "6");
    q = (struct search_query){.text = "thanh lap", .signer = "le thi binh"};
    CHECK_EQ_INT(run(q, ids, sizeof ids, NULL), 0);
    CHECK_EQ_STR(ids, "2");
    q = (struct search_query){.text = "thanh lap", .status = "draft"};
    CHECK_EQ_INT(run(q, ids, sizeof ids, NULL), 0);
    CHECK_EQ_STR(ids, "5");
    q = (struct search_query){.text = "thanh lap", .kind = "other"};
    CHECK_EQ_INT(run(q, ids, sizeof ids, NULL), 0);
    CHECK_EQ_STR(ids, "");
    /* no words: the filters alone, newest document date first */
    q = (struct search_query){.signer = "Lê Thị Bình"};
    CHECK_EQ_INT(run(q, ids, sizeof ids, NULL), 0);
    CHECK_EQ_STR(ids, "8,3,2,11");
    q = (struct search_query){.doc_type = "TB", .date_from = "2026-06-15"};
    CHECK_EQ_INT(run(q, ids, sizeof ids, NULL), 0);
    CHECK_EQ_STR(ids, "10");
}

TEST(scope_never_shows_another_units_documents)
{
    char ids[128];
    struct search_query q = {.text = "quyet dinh", .scope = commune5, .nscope = 1};
    /* /1/5/ sees 2 only: not the province's 1, not /1/6/'s 5, not /1/55/'s 7 */
    CHECK_EQ_INT(run(q, ids, sizeof ids, NULL), 0);
    CHECK_EQ_STR(ids, "2");
    q.text = NULL; /* /1/5/'s own: 8 (06-01), 3 (04-15), 2 (04-10), 11 (03-25) */
    CHECK_EQ_INT(run(q, ids, sizeof ids, NULL), 0);
    CHECK_EQ_STR(ids, "8,3,2,11");
    const char *const two[] = {"/1/55/", "/1/6/"};
    q = (struct search_query){.text = "thanh lap", .scope = two, .nscope = 2};
    CHECK_EQ_INT(run(q, ids, sizeof ids, NULL), 0);
    CHECK(strcmp(ids, "5,7") == 0 || strcmp(ids, "7,5") == 0);
    /* no scope at all: nothing, not everything */
    const char *const none[] = {NULL};
    q = (struct search_query){.text = "thanh lap", .scope = none, .nscope = 0};
    CHECK_EQ_INT(run(q, ids, sizeof ids, NULL), 0);
    CHECK_EQ_STR(ids, "");
    /* a malformed path is refused, not matched as a pattern */
    const char *const bad[] = {"/1/%"};
    q = (struct search_query){.text = "thanh lap", .scope = bad, .nscope = 1};
    CHECK(run(q, ids, sizeof ids, NULL) < 0);
    CHECK_EQ_STR(ids, "error:scope_invalid");
    const char *const bad2[] = {"/1"};
    q.scope = bad2;
    CHECK(run(q, ids, sizeof ids, NULL) < 0);
    CHECK_EQ_STR(ids, "error:scope_invalid");
}

TEST(hostile_queries_are_text_not_syntax)
{
    /* each is searched as words (none of which the corpus has) or ignored:
     * no error, no injected operator */
    const char *hostile[] = {"\"", "\"\"", "AND", "OR", "NOT", "*", "NEAR(", "NEAR(quyet dinh, 2)",
                             "title:quyet", "^quyet", "(", ")", "quyet AND dinh",
                             "quyet OR khongco", "- quyet", "{title} : dinh", "quyet\"dinh",
                             "\"quyet", "'; DROP TABLE search_docs; --", "quyet*", "+", "\\",
                             "“quyết định”"};
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        char ids[128];
        int rc = run((struct search_query){.text = hostile[i]}, ids, sizeof ids, NULL);
        if (rc)
            printf("  query %s: %s\n", hostile[i], ids);
        CHECK_EQ_INT(rc, 0);
    }
    /* a raw FTS5 query would have found 1, 2, 5, 7 for these: */
    CHECK_EQ_STR(find("quyet AND dinh"), "");      /* "and" is a word to find */
    CHECK_EQ_STR(find("NEAR(quyet dinh, 2)"), ""); /* "near" is a word to find */
    CHECK_EQ_STR(find("title:quyet"), "");         /* "title" is a word to find */
    CHECK_EQ_STR(find("quyet OR khongco"), "");
    /* the index's scope tokens are not words anyone can search for */
    CHECK_EQ_STR(find("\xee\x80\x80" "1"), "");
    CHECK_EQ_STR(find("\xee\x80\x80" "1x5"), "");
    CHECK_EQ_STR(find("scope:\xee\x80\x80" "1x5"), "");
    CHECK_EQ_STR(find("thanh lap scope : \xee\x80\x80" "1x55"), "");
    CHECK_EQ_INT(term_docs("\xee\x80\x80" "1x5"), 4); /* the index has them: 2, 3, 8, 11 */
    /* punctuation alone finds nothing */
    CHECK_EQ_STR(find("\""), "");
    CHECK_EQ_STR(find("*"), "");
    /* quotes typed around words: still the words */
    CHECK_EQ_STR(find_sorted("\"quyet dinh\""), "1,2,5,7");
    CHECK_EQ_STR(find_sorted("“quyết định”"), "1,2,5,7");
    CHECK_EQ_STR(find_sorted("quyet*"), "1,2,5,7");
    CHECK_EQ_INT(count_docs(), NCORPUS);
}

TEST(match_expression_quotes_every_word)
{
    char e[SEARCH_EXPR_MAX];
    struct derr err = {0};
    CHECK_EQ_INT(search_match_expr("Quyết định", e, sizeof e, &err), 2);
    CHECK_EQ_STR(e, "\"quyet\" \"dinh\"*");
    CHECK_EQ_INT(search_match_expr("a\"b NEAR(", e, sizeof e, &err), 2);
    CHECK_EQ_STR(e, "\"a\"\"b\" \"near(\"*");
    CHECK_EQ_INT(search_match_expr("ke h", e, sizeof e, &err), 2);
    CHECK_EQ_STR(e, "\"ke\" \"h\"");
    CHECK_EQ_INT(search_match_expr(" * - ", e, sizeof e, &err), 0);
    CHECK_EQ_STR(e, "");
}

TEST(limits_refused_clearly)
{
    char ids[128], big[400], word[80];
    memset(big, 'a', 257);
    big[257] = '\0';
    CHECK(run((struct search_query){.text = big}, ids, sizeof ids, NULL) < 0);
    CHECK_EQ_STR(ids, "error:query_too_long");
    memset(word, 'b', 65);
    word[65] = '\0';
    CHECK(run((struct search_query){.text = word}, ids, sizeof ids, NULL) < 0);
    CHECK_EQ_STR(ids, "error:query_word_too_long");
    CHECK(run((struct search_query){.text = "a b c d e f g h i"}, ids, sizeof ids, NULL) < 0);
    CHECK_EQ_STR(ids, "error:query_too_many_words");
    CHECK_EQ_INT(run((struct search_query){.text = "a b c d e f g h"}, ids, sizeof ids, NULL), 0);
    CHECK(run((struct search_query){.text = "quy\xe1\xba"}, ids, sizeof ids, NULL) < 0);
    CHECK_EQ_STR(ids, "error:query_invalid");
    CHECK(run((struct search_query){.text = "quyet", .offset = 1001}, ids, sizeof ids, NULL) < 0);
    CHECK_EQ_STR(ids, "error:offset_too_large");
    CHECK(run((struct search_query){.text = "quyet", .date_from = "2026-13-01"}, ids, sizeof ids,
              NULL) < 0);
    CHECK_EQ_STR(ids, "error:date_invalid");
}

TEST(paging)
{
    char ids[128];
    json_t *res = NULL;
    /* the filter-only list of the province: 12 documents by date, newest first:
     * 12 (08-08), 10 (07-01), 9 (06-30), 8 (06-01), 6 (05-12), ... */
    CHECK_EQ_INT(run((struct search_query){.limit = 3}, ids, sizeof ids, &res), 0);
    CHECK_EQ_STR(ids, "12,10,9");
    CHECK(json_is_true(json_object_get(res, "has_more")));
    json_decref(res);
    CHECK_EQ_INT(run((struct search_query){.limit = 3, .offset = 3}, ids, sizeof ids, NULL), 0);
    CHECK_EQ_STR(ids, "8,6,5");
    CHECK_EQ_INT(run((struct search_query){.limit = 3, .offset = 9}, ids, sizeof ids, &res), 0);
    CHECK_EQ_STR(ids, "1,7,4");
    CHECK(json_is_false(json_object_get(res, "has_more")));
    json_decref(res);
    /* a limit above the maximum is lowered, not refused */
    CHECK_EQ_INT(run((struct search_query){.limit = 100000}, ids, sizeof ids, NULL), 0);
    CHECK_EQ_STR(ids, "12,10,9,8,6,5,3,2,11,1,7,4");
}

TEST(reindex_replaces_and_remove_deletes)
{
    char ids[64];
    struct derr err = {0};
    struct search_doc d = {.kind = "document", .ref_id = 12, .unit_id = 112,
                           .unit_path = "/1/6/", .doc_type = "GM", .date = "2026-08-09",
                           .title = "Giấy mời dự lễ khánh thành cầu Đông Hương", .body = "",
                           .body_len = 0};
    CHECK_EQ_STR(find("hoi nghi so ket"), "12");
    CHECK_EQ_INT(search_index(db, &d, &err), 0);
    CHECK_EQ_INT(count_docs(), NCORPUS);
    CHECK_EQ_STR(find("hoi nghi so ket"), "");
    CHECK_EQ_STR(find("khanh thanh cau dong huong"), "12");
    /* "dân vận" left with 12's old title: "văn" stays in 3 and 6 ("Công
     * văn"); signers are not indexed */
    CHECK_EQ_INT(term_docs("van"), 2);
    CHECK_EQ_INT(term_docs("khanh"), 1);
    /* refused input changes nothing */
    struct search_doc bad = d;
    bad.title = "";
    CHECK(search_index(db, &bad, &err) < 0);
    CHECK_EQ_STR(err.code, "title_required");
    bad = d;
    bad.unit_path = "/1/6";
    CHECK(search_index(db, &bad, &err) < 0);
    CHECK_EQ_STR(err.code, "unit_path_invalid");
    bad = d;
    bad.date = "9 tháng 8";
    CHECK(search_index(db, &bad, &err) < 0);
    CHECK_EQ_STR(err.code, "date_invalid");
    bad = d;
    bad.body = "ab\xff";
    bad.body_len = 3;
    CHECK(search_index(db, &bad, &err) < 0);
    CHECK_EQ_STR(err.code, "text_invalid");
    CHECK_EQ_STR(find("khanh thanh cau dong huong"), "12");
    CHECK_EQ_INT(count_docs(), NCORPUS);
    /* remove */
    CHECK_EQ_INT(search_remove(db, "document", 12, &err), 0);
    CHECK_EQ_INT(search_remove(db, "document", 12, &err), 0); /* twice: nothing to do */
    CHECK_EQ_INT(count_docs(), NCORPUS - 1);
    CHECK_EQ_STR(find("khanh thanh"), "");
    CHECK_EQ_INT(term_docs("khanh"), 0);
    (void)ids;
}

TEST(control_characters_do_not_break_snippets)
{
    struct derr err = {0};
    static const char body[] = "Nội dung \x02lạ\x03 có ký tự điều khiển\x01 và tab\tở giữa";
    struct search_doc d = {.kind = "document", .ref_id = 40, .unit_id = 140, .unit_path = "/1/",
                           .title = "Văn bản thử ký tự", .body = body, .body_len = sizeof body - 1};
    json_t *res = NULL;
    char ids[64];
    CHECK_EQ_INT(search_index(db, &d, &err), 0);
    CHECK_EQ_INT(run((struct search_query){.text = "dieu khien"}, ids, sizeof ids, &res), 0);
    CHECK_EQ_STR(ids, "40");
    json_t *parts = json_object_get(json_array_get(json_object_get(res, "items"), 0), "snippet"), *p;
    size_t i;
    int marked = 0;
    json_array_foreach(parts, i, p) {
        const char *t = json_string_value(json_object_get(p, "text"));
        CHECK(strchr(t, '\x02') == NULL && strchr(t, '\x03') == NULL);
        if (json_is_true(json_object_get(p, "match"))) {
            marked++;
            CHECK(strcmp(t, "điều") == 0 || strcmp(t, "khiển") == 0);
        }
    }
    CHECK_EQ_INT(marked, 2);
    json_decref(res);
    CHECK_EQ_INT(search_remove(db, "document", 40, &err), 0);
}

TEST(rebuild_gives_the_same_answers)
{
    CHECK_EQ_INT(store_exec(db, "BEGIN"), 0);
    CHECK_EQ_INT(search_rebuild(db), 0);
    CHECK_EQ_INT(store_exec(db, "COMMIT"), 0);
    CHECK_EQ_INT(term_docs("định"), 0);
    CHECK_EQ_INT(term_docs("dinh"), 5);
    CHECK_EQ_STR(find_sorted("quyet dinh"), "1,2,5,7");
    CHECK_EQ_STR(find("thien tai"), "4,10");
}

/* --- PDF text -------------------------------------------------------------- */

static unsigned char *make_pdf(const char *page1, const char *page2, size_t *len)
{
    struct pdf_doc *d = NULL;
    unsigned char *out = NULL;
    struct pdf_style st = {0};
    if (pdf_begin(&d, NULL) == 0 && pdf_text(d, &st, page1) == 0 &&
        (!page2 || (pdf_new_page(d) == 0 && pdf_text(d, &st, page2) == 0)) &&
        pdf_end(d, &out, len) == 0) {
        pdf_free(d);
        return out;
    }
    pdf_free(d);
    free(out);
    return NULL;
}

TEST(pdf_text_of_a_rendered_document)
{
    size_t len = 0, tlen = 0;
    char *text = NULL;
    struct derr err = {0};
    unsigned char *pdf = make_pdf("QUYẾT ĐỊNH về việc thành lập Ban chỉ đạo phòng chống thiên tai",
                                  "Điều 2. Chánh Văn phòng chịu trách nhiệm thi hành.", &len);
    CHECK(pdf != NULL);
    if (!pdf)
        return;
    CHECK_EQ_INT(search_pdf_text(pdf, len, NULL, &text, &tlen, &err), 0);
    CHECK(text && strstr(text, "QUYẾT ĐỊNH về việc thành lập") != NULL);
    CHECK(text && strstr(text, "Chánh Văn phòng") != NULL);
    CHECK(text && strlen(text) == tlen);
    /* and it is found without diacritics once indexed */
    struct search_doc d = {.kind = "document", .ref_id = 50, .unit_id = 150, .unit_path = "/1/",
                           .title = "Văn bản từ PDF", .body = text, .body_len = tlen};
    char ids[64];
    CHECK_EQ_INT(search_index(db, &d, &err), 0);
    CHECK_EQ_STR(find("chanh van phong thi hanh"), "50");
    CHECK_EQ_INT(search_remove(db, "document", 50, &err), 0);
    free(text);
    text = NULL;

    /* one page at most: the first page only, and said to be cut */
    struct search_pdf_limits one = {.max_pages = 1};
    CHECK_EQ_INT(search_pdf_text(pdf, len, &one, &text, &tlen, &err), 1);
    CHECK(text && strstr(text, "thành lập") != NULL && strstr(text, "Chánh") == NULL);
    free(text);
    text = NULL;
    /* 8 bytes of text: cut between characters, still UTF-8 */
    struct search_pdf_limits small = {.max_text = 8};
    CHECK_EQ_INT(search_pdf_text(pdf, len, &small, &text, &tlen, &err), 1);
    CHECK(tlen <= 8 && text && g_utf8_validate(text, (gssize)tlen, NULL));
    CHECK(text && strncmp(text, "QUYẾT", tlen < 7 ? tlen : 7) == 0);
    free(text);
    text = NULL;
    /* too large */
    struct search_pdf_limits tiny = {.max_input = len - 1};
    CHECK_EQ_INT(search_pdf_text(pdf, len, &tiny, &text, &tlen, &err), -1);
    CHECK_EQ_STR(err.code, "pdf_too_large");
    CHECK(text == NULL);
    free(pdf);
    (void)ids;
}

TEST(pdf_text_refuses_broken_files)
{
    size_t len = 0, tlen = 99;
    char *text = (char *)"untouched";
    struct derr err = {0};
    static const char junk[] = "%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\n"
                               "trailer << /Root 1 0 R >>\n%%EOF\n";
    CHECK_EQ_INT(search_pdf_text(junk, sizeof junk - 1, NULL, &text, &tlen, &err), -1);
    CHECK_EQ_STR(err.code, "pdf_unreadable");
    CHECK(text == NULL && tlen == 0);
    CHECK_EQ_INT(search_pdf_text("not a pdf at all", 16, NULL, &text, &tlen, &err), -1);
    CHECK_EQ_STR(err.code, "pdf_unreadable");
    CHECK_EQ_INT(search_pdf_text("", 0, NULL, &text, &tlen, &err), -1);
    CHECK_EQ_STR(err.code, "pdf_unreadable");

    /* a rendered PDF cut in half: whatever poppler makes of it, an answer,
     * not a crash (it may repair enough to read a page, or refuse) */
    unsigned char *pdf = make_pdf("Kế hoạch năm 2026", NULL, &len);
    CHECK(pdf != NULL);
    if (pdf) {
        int rc = search_pdf_text(pdf, len / 2, NULL, &text, &tlen, &err);
        CHECK(rc == -1 || rc == 0 || rc == 1);
        if (rc >= 0)
            free(text);
        else
            CHECK_EQ_STR(err.code, "pdf_unreadable");
    }

    /* encrypted with a user password (qpdf, a test dependency) */
    char in[200], out[200], cmd[600];
    snprintf(in, sizeof in, "%s/plain.pdf", dir);
    snprintf(out, sizeof out, "%s/locked.pdf", dir);
    FILE *f = fopen(in, "wb");
    CHECK(f && pdf && fwrite(pdf, 1, len, f) == len);
    if (f)
        fclose(f);
    free(pdf);
    snprintf(cmd, sizeof cmd, "qpdf --encrypt matkhau chu 256 -- '%s' '%s'", in, out);
    CHECK_EQ_INT(system(cmd), 0);
    size_t elen = 0;
    char *enc = dynbuf_read_file(out, (size_t)1 << 20, &elen);
    CHECK(enc != NULL);
    if (enc) {
        CHECK_EQ_INT(search_pdf_text(enc, elen, NULL, &text, &tlen, &err), -1);
        CHECK_EQ_STR(err.code, "pdf_encrypted");
        CHECK(text == NULL);
        free(enc);
    }
    /* encrypted with an empty user password (only the owner's rights
     * restricted): it opens, and its text is read */
    snprintf(cmd, sizeof cmd, "qpdf --encrypt '' chu 256 --modify=none -- '%s' '%s'", in, out);
    CHECK_EQ_INT(system(cmd), 0);
    enc = dynbuf_read_file(out, (size_t)1 << 20, &elen);
    CHECK(enc != NULL);
    if (enc) {
        CHECK_EQ_INT(search_pdf_text(enc, elen, NULL, &text, &tlen, &err), 0);
        CHECK(text && strstr(text, "Kế hoạch năm 2026") != NULL);
        free(text);
        free(enc);
    }
}

int main(void)
{
    if (open_db())
        return 1;
    RUN(corpus_indexes);
    RUN(no_diacritics_finds_accented);
    RUN(title_match_ranks_above_body_match);
    RUN(number_and_notation);
    RUN(prefix_on_last_word);
    RUN(snippet_is_original_text_with_matches_marked);
    RUN(filters);
    RUN(scope_never_shows_another_units_documents);
    RUN(hostile_queries_are_text_not_syntax);
    RUN(match_expression_quotes_every_word);
    RUN(limits_refused_clearly);
    RUN(paging);
    RUN(reindex_replaces_and_remove_deletes);
    RUN(control_characters_do_not_break_snippets);
    RUN(rebuild_gives_the_same_answers);
    RUN(pdf_text_of_a_rendered_document);
    RUN(pdf_text_refuses_broken_files);
    close_db();
    return harness_done();
}
