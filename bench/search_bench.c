/* search_bench: full-text search over many documents, in-process
 * (bench/search-bench runs it; docs/performance.md, "Search"). It makes a
 * fresh database holding db/023_search.sql, indexes ROWS generated
 * documents with search_index (Vietnamese titles, summaries, numbers and
 * bodies drawn from word lists, in units of a province tree, in
 * transactions of BATCH documents, as a documents module's jobs would),
 * then times QUERIES queries of 1 to 3 words through search_query on a
 * read-only connection (as a loop thread has):
 *   wide    the officer's scope is the whole province (every row passes
 *           the scope test: the most work for it);
 *   narrow  the scope is one commune;
 * and, for each query, the ceiling: the same FTS5 expression (what
 * search_match_expr makes of the words) ranked by the same weighted bm25,
 * LIMIT 20, through the sqlite3 C API on the same table, with no scope, no
 * filters, no snippets and no JSON. The three are run one after the other
 * for each query, so that a change of load on a shared machine lands on
 * all of them. A warm-up pass of the first 50 queries is not timed.
 *
 *   search_bench DB ROWS QUERIES [BATCH]
 *
 * Prints one line of KEY=value fields (bench/run's `field` reads them):
 *   search rows=N load_s=S docs_per_s=R db_mb=M queries=Q wide_p50_ms=..
 *   wide_p99_ms=.. narrow_p50_ms=.. narrow_p99_ms=.. ceil_p50_ms=..
 *   ceil_p99_ms=.. mean_hits=H empty=E
 * Exits 1 on a setup error, or if a query fails, or if the wide search
 * and the ceiling disagree on the first result of a query (a benchmark of
 * searches that do not find the same documents would be worthless). */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/assets.h"
#include "search/search.h"
#include "store/store.h"

/* Words of official documents, with diacritics (the folded forms are what
 * a user types half the time). Drawn with a skew: earlier words are more
 * frequent, as in real text. */
static const char *const words[] = {
    "việc", "công", "tác", "thực", "hiện", "triển", "khai", "ủy", "ban", "nhân", "dân",
    "tỉnh", "xã", "phường", "quản", "lý", "nhà", "nước", "kế", "hoạch", "năm", "tháng",
    "báo", "cáo", "kết", "quả", "đề", "nghị", "các", "đơn", "vị", "cơ", "quan", "quyết",
    "định", "thành", "lập", "ban", "chỉ", "đạo", "hướng", "dẫn", "phối", "hợp", "kiểm",
    "tra", "giám", "sát", "cải", "cách", "hành", "chính", "thủ", "tục", "hồ", "sơ", "dịch",
    "vụ", "trực", "tuyến", "chuyển", "đổi", "số", "dữ", "liệu", "dân", "cư", "đất", "đai",
    "xây", "dựng", "giao", "thông", "nông", "nghiệp", "môi", "trường", "tài", "nguyên",
    "y", "tế", "giáo", "dục", "văn", "hóa", "thể", "thao", "du", "lịch", "lao", "động",
    "thương", "binh", "xã", "hội", "an", "ninh", "quốc", "phòng", "chống", "thiên", "tai",
    "cứu", "nạn", "phòng", "cháy", "chữa", "cháy", "tiêm", "chủng", "dịch", "bệnh",
    "ngân", "sách", "thu", "chi", "đầu", "tư", "công", "dự", "án", "giải", "phóng", "mặt",
    "bằng", "bồi", "thường", "hỗ", "trợ", "tái", "định", "khen", "thưởng", "thi", "đua",
    "kỷ", "luật", "cán", "bộ", "công", "chức", "viên", "chức", "tuyển", "dụng", "bổ",
    "nhiệm", "điều", "động", "luân", "chuyển", "đào", "tạo", "bồi", "dưỡng", "tiếp",
    "công", "dân", "khiếu", "nại", "tố", "cáo", "phản", "ánh", "kiến", "nghị", "hộ",
    "tịch", "khai", "sinh", "kết", "hôn", "chứng", "thực", "bản", "sao", "giấy", "phép",
    "đăng", "ký", "kinh", "doanh", "thuế", "phí", "lệ", "phí", "rừng", "biển", "đảo",
    "sông", "ngòi", "đê", "điều", "thủy", "lợi", "điện", "nước", "sạch", "vệ", "sinh",
    "an", "toàn", "thực", "phẩm", "trẻ", "em", "người", "cao", "tuổi", "khuyết", "tật",
    "nghèo", "bền", "vững", "nông", "thôn", "mới", "đô", "thị", "văn", "minh", "Hạc",
    "Thành", "Thanh", "Hóa", "Sầm", "Sơn", "Nghi", "Sơn", "Bỉm", "Sơn", "Đông", "Hương",
};
#define NWORDS (sizeof words / sizeof words[0])

static const char *const openings[] = {
    "Quyết định về việc", "Công văn về việc", "Kế hoạch", "Thông báo", "Báo cáo",
    "Tờ trình về việc", "Giấy mời", "Chỉ thị về việc", "Hướng dẫn", "Biên bản",
};
static const char *const types[] = {"QĐ", "CV", "KH", "TB", "BC", "TTr", "GM", "CT", "HD", "BB"};
static const char *const signers[] = {
    "Nguyễn Văn An", "Lê Thị Bình", "Trần Quốc Cường", "Phạm Minh Đức", "Hoàng Văn Em",
    "Vũ Thị Giang", "Đỗ Văn Hải", "Bùi Thị Hoa", "Ngô Văn Khánh", "Đặng Thị Lan",
};

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}
/* Skewed: the minimum of two draws favours the first words. */
static const char *word(void)
{
    uint32_t a = rnd(NWORDS), b = rnd(NWORDS);
    return words[a < b ? a : b];
}

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void add_words(char *buf, size_t cap, size_t *o, int n)
{
    for (int i = 0; i < n && *o < cap; i++) {
        int k = snprintf(buf + *o, cap - *o, " %s", word());
        if (k < 0 || (size_t)k >= cap - *o)
            break;
        *o += (size_t)k;
    }
}

/* The unit paths: the province /1/, 30 departments /1/2/../1/31/, 166
 * communes /1/100/../1/265/ (docs/architecture.md: units keep their path
 * of ids). Two documents in three belong to communes. */
static void unit_of(int64_t *id, char *path, size_t cap)
{
    uint32_t r = rnd(3);
    if (r < 2) {
        *id = 100 + rnd(166);
    } else {
        *id = rnd(31) + 1;
    }
    if (*id == 1)
        snprintf(path, cap, "/1/");
    else
        snprintf(path, cap, "/1/%lld/", (long long)*id);
}

static int load(struct store *db, long rows, long batch)
{
    char title[512], summary[512], number[64], body[4096], path[32], date[16];
    struct derr err = {0};
    for (long i = 0; i < rows; i++) {
        size_t o;
        int t = (int)rnd(10);
        int64_t unit;
        if (i % batch == 0 && store_begin(db))
            return -1;
        o = (size_t)snprintf(title, sizeof title, "%s", openings[t]);
        add_words(title, sizeof title, &o, 5 + (int)rnd(8));
        o = 0;
        summary[0] = '\0';
        if (rnd(2))
            add_words(summary, sizeof summary, &o, 8 + (int)rnd(10));
        o = 0;
        body[0] = '\0';
        add_words(body, sizeof body, &o, 40 + (int)rnd(80));
        unit_of(&unit, path, sizeof path);
        snprintf(number, sizeof number, "%u/%s-UBND", 1 + rnd(900), types[t]);
        snprintf(date, sizeof date, "%04u-%02u-%02u", 2020 + rnd(7), 1 + rnd(12), 1 + rnd(28));
        struct search_doc d = {
            .kind = "document", .ref_id = i + 1, .unit_id = unit, .unit_path = path,
            .doc_type = types[t], .register_name = rnd(2) ? "đi" : "đến", .date = date,
            .signer = signers[rnd(10)], .status = "issued", .title = title,
            .summary = summary[0] ? summary + 1 : "", .number = number, .body = body + 1,
            .body_len = strlen(body + 1)};
        if (search_index(db, &d, &err)) {
            fprintf(stderr, "search_bench: document %ld: %s\n", i + 1, err.message);
            store_rollback(db);
            return -1;
        }
        if ((i + 1) % batch == 0 || i + 1 == rows) {
            if (store_commit(db))
                return -1;
            if ((i + 1) % (batch * 20) == 0)
                fprintf(stderr, "  %ld documents\n", i + 1);
        }
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
    int k = (int)(p * (n - 1) + 0.5);
    return v[k < 0 ? 0 : k >= n ? n - 1 : k] * 1000.0;
}

/* A query of 1-3 words, half of them folded (typed without diacritics),
 * the last sometimes cut short (still being typed). */
static void make_query(char *q, size_t cap)
{
    int n = 1 + (int)rnd(3);
    size_t o = 0;
    q[0] = '\0';
    for (int i = 0; i < n; i++) {
        /* rarer words than the body's: uniform draws */
        const char *w = words[rnd(NWORDS)];
        int k = snprintf(q + o, cap - o, "%s%s", i ? " " : "", w);
        if (k < 0 || (size_t)k >= cap - o)
            break;
        o += (size_t)k;
    }
    if (rnd(2)) {
        char f[128];
        struct derr err = {0};
        /* folded as a user would type it: no diacritics */
        if (search_match_expr(q, f, sizeof f, &err) >= 0) {
            size_t j = 0;
            for (size_t i = 0; f[i] && j + 1 < cap; i++)
                if (f[i] != '"' && f[i] != '*')
                    q[j++] = f[i];
            q[j] = '\0';
        }
    }
    o = strlen(q);
    if (o > 4 && rnd(4) == 0 && (unsigned char)q[o - 1] < 0x80 && (unsigned char)q[o - 2] < 0x80 &&
        q[o - 2] != ' ')
        q[o - 1] = '\0';
}

static const char ceiling_sql[] =
    "SELECT rowid FROM search_fts WHERE search_fts MATCH ?"
    " ORDER BY bm25(search_fts, 10.0, 4.0, 5.0, 1.0, 0.0), rowid LIMIT 20";

int main(int argc, char **argv)
{
    struct store *db = NULL, *ro = NULL;
    sqlite3 *raw = NULL;
    sqlite3_stmt *st = NULL;
    char err[256];
    long rows, nq, batch = 10000;
    char *end;

    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: search_bench DB ROWS QUERIES [BATCH]\n");
        return 2;
    }
    rows = strtol(argv[2], &end, 10);
    if (*end || rows < 1000 || rows > 100000000L)
        return fprintf(stderr, "search_bench: ROWS 1000..100000000\n"), 2;
    nq = strtol(argv[3], &end, 10);
    if (*end || nq < 10 || nq > 100000)
        return fprintf(stderr, "search_bench: QUERIES 10..100000\n"), 2;
    if (argc == 5 && ((batch = strtol(argv[4], &end, 10)) < 1 || *end))
        return fprintf(stderr, "search_bench: BATCH >= 1\n"), 2;

    const struct asset *schema = asset_find("db/023_search.sql");
    char wal[600], shm[600];
    snprintf(wal, sizeof wal, "%s-wal", argv[1]);
    snprintf(shm, sizeof shm, "%s-shm", argv[1]);
    unlink(argv[1]);
    unlink(wal);
    unlink(shm);
    if (!schema || store_open(argv[1], 0, &db, err, sizeof err) ||
        store_exec(db, (const char *)schema->data)) {
        fprintf(stderr, "search_bench: cannot make %s: %s\n", argv[1], err);
        return 1;
    }
    fprintf(stderr, "search_bench: indexing %ld documents, %ld a transaction\n", rows, batch);
    double t0 = now_sec();
    if (load(db, rows, batch)) {
        fprintf(stderr, "search_bench: loading failed: %s\n", store_errmsg(db));
        return 1;
    }
    double load_s = now_sec() - t0;
    if (store_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)"))
        return 1;
    store_close(db);
    struct stat sb;
    double db_mb = stat(argv[1], &sb) == 0 ? (double)sb.st_size / (1 << 20) : 0;

    if (store_open(argv[1], 1, &ro, err, sizeof err) ||
        sqlite3_open_v2(argv[1], &raw, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(raw, ceiling_sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "search_bench: cannot open %s to query\n", argv[1]);
        return 1;
    }
    double *wide = calloc((size_t)nq, sizeof *wide), *narrow = calloc((size_t)nq, sizeof *narrow),
           *ceil = calloc((size_t)nq, sizeof *ceil);
    if (!wide || !narrow || !ceil)
        return 1;
    static const char *const province[] = {"/1/"};
    long hits = 0, empty = 0;
    uint64_t qseed = rng;
    for (int pass = 0; pass < 2; pass++) {
        long n = pass == 0 ? (nq < 50 ? nq : 50) : nq;
        rng = qseed; /* the warm-up runs the first queries of the timed pass */
        for (long i = 0; i < n; i++) {
            char q[256], expr[SEARCH_EXPR_MAX], commune[32];
            const char *narrow_scope[1] = {commune};
            struct derr derr = {0};
            json_t *out = NULL;
            int64_t first = -1, cfirst = -1;
            make_query(q, sizeof q);
            snprintf(commune, sizeof commune, "/1/%u/", 100 + rnd(166));
            if (search_match_expr(q, expr, sizeof expr, &derr) <= 0) {
                fprintf(stderr, "search_bench: query \"%s\" has no words\n", q);
                return 1;
            }
            struct search_query sq = {.text = q, .scope = province, .nscope = 1, .limit = 20};
            double a = now_sec();
            if (search_query(ro, &sq, &out, &derr)) {
                fprintf(stderr, "search_bench: query \"%s\": %s\n", q, derr.message);
                return 1;
            }
            double b = now_sec();
            json_t *items = json_object_get(out, "items");
            if (json_array_size(items) > 0)
                first = json_integer_value(json_object_get(json_array_get(items, 0), "ref_id"));
            if (pass == 1) {
                hits += (long)json_array_size(items);
                empty += json_array_size(items) == 0;
            }
            json_decref(out);
            sq.scope = narrow_scope;
            double c = now_sec();
            if (search_query(ro, &sq, &out, &derr)) {
                fprintf(stderr, "search_bench: query \"%s\": %s\n", q, derr.message);
                return 1;
            }
            double d = now_sec();
            json_decref(out);
            double e = now_sec();
            sqlite3_reset(st);
            sqlite3_bind_text(st, 1, expr, -1, SQLITE_TRANSIENT);
            int rc, k = 0;
            while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                if (k++ == 0)
                    cfirst = sqlite3_column_int64(st, 0);
            double f = now_sec();
            if (rc != SQLITE_DONE) {
                fprintf(stderr, "search_bench: ceiling query %s: %s\n", expr, sqlite3_errmsg(raw));
                return 1;
            }
            /* ref_id is the row's order of indexing, which is its rowid */
            if (first != cfirst) {
                fprintf(stderr, "search_bench: \"%s\": search found %lld first, the ceiling %lld\n",
                        q, (long long)first, (long long)cfirst);
                return 1;
            }
            if (pass == 1) {
                wide[i] = b - a;
                narrow[i] = d - c;
                ceil[i] = f - e;
            }
        }
    }
    qsort(wide, (size_t)nq, sizeof *wide, cmp_double);
    qsort(narrow, (size_t)nq, sizeof *narrow, cmp_double);
    qsort(ceil, (size_t)nq, sizeof *ceil, cmp_double);
    printf("search rows=%ld load_s=%.1f docs_per_s=%.0f db_mb=%.0f queries=%ld"
           " wide_p50_ms=%.2f wide_p99_ms=%.2f narrow_p50_ms=%.2f narrow_p99_ms=%.2f"
           " ceil_p50_ms=%.2f ceil_p99_ms=%.2f mean_hits=%.1f empty=%ld\n",
           rows, load_s, rows / load_s, db_mb, nq, pct(wide, (int)nq, 0.5),
           pct(wide, (int)nq, 0.99), pct(narrow, (int)nq, 0.5), pct(narrow, (int)nq, 0.99),
           pct(ceil, (int)nq, 0.5), pct(ceil, (int)nq, 0.99), (double)hits / (double)nq, empty);
    sqlite3_finalize(st);
    sqlite3_close(raw);
    store_close(ro);
    free(wide);
    free(narrow);
    free(ceil);
    return 0;
}
