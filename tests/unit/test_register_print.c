/* Tests for render/register_print: the registers of Decree 30/2020 read back
 * with poppler-utils (pdftotext, pdfinfo) and unzip, the CSV with a parser
 * of this file's own, the rows CSV reader's refusals, the checks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "harness.h"
#include "tool_run.h"
#include "render/register_print.h"

#define NROWS 250

/* Under LeakSanitizer: fontconfig, as driven by pango's font cache, keeps
 * patterns it allocates once per font (see test_receipt.c). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

/* --- helpers ---------------------------------------------------------------------- */

/* Collapses runs of white space (line breaks included) into one space. */
static void squeeze(char *s)
{
    char *w = s;

    for (char *r = s; *r; r++) {
        char c = (*r == '\n' || *r == '\t' || *r == '\r') ? ' ' : *r;
        if (!(c == ' ' && w > s && w[-1] == ' '))
            *w++ = c;
    }
    *w = '\0';
}

/* Collapses runs of spaces only, keeping lines (for pdftotext -layout,
 * where a cell's line is one run of a physical line). */
static void squeeze_spaces(char *s)
{
    char *w = s;

    for (char *r = s; *r; r++)
        if (!(*r == ' ' && w > s && w[-1] == ' '))
            *w++ = *r;
    *w = '\0';
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0, len = strlen(needle);

    for (const char *p = hay; hay && (p = strstr(p, needle)); p += len)
        n++;
    return n;
}

static int pdf_pages(const char *path)
{
    char cmd[512], *out, *p;
    long n = -1;

    snprintf(cmd, sizeof cmd, "pdfinfo '%s' 2>/dev/null", path);
    out = tool_run(cmd);
    if (!out)
        return -1;
    p = strstr(out, "Pages:");
    if (p)
        n = strtol(p + 6, NULL, 10);
    free(out);
    return (int)n;
}

#define CHECK_HAS(text, s)                                                                         \
    do {                                                                                           \
        int has_ = (text) && strstr((text), (s)) != NULL;                                          \
        if (!has_)                                                                                 \
            printf("  missing: \"%s\"\n", (s));                                                    \
        CHECK(has_);                                                                               \
    } while (0)

/* --- the register under test -------------------------------------------------------- */

/* Every letter with a Vietnamese tone or vowel mark, in groups. */
static const char *const marks[] = {"ắằẳẵặ", "ấầẩẫậ", "ếềểễệ", "ốồổỗộ", "ớờởỡợ", "ứừửữự", "ỳỷỹỵ",
                                    "ĐđƯưƠơ"};

/* Row i (0-based) of the test register: number "NNN/QĐ-UBND", a summary
 * of 1 to 4 paragraphs each starting "Quyết định số N về", the marks, and
 * for every tenth row a line with an ampersand and a <; notes with a comma
 * and a CRLF for every seventh. */
struct fixture {
    char *number[NROWS], *date[NROWS], *summary[NROWS], *note[NROWS], *copies[NROWS];
    struct regprint_row rows[NROWS];
};

static int reps(int i)
{
    return 1 + (i + 1) % 4;
}

static void fixture_init(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    for (int i = 0; i < NROWS; i++) {
        GString *s = g_string_new(NULL);
        int n = i + 1;
        for (int k = 0; k < reps(i); k++) {
            if (k)
                g_string_append_c(s, '\n');
            g_string_append_printf(s,
                                   "Quyết định số %d về việc phê duyệt kế hoạch \"chuyển đổi "
                                   "số\", cải cách hành chính năm 2026 của Ủy ban nhân dân "
                                   "phường Hạc Thành; giao Phòng Văn hóa – Xã hội tổ chức thực "
                                   "hiện, báo cáo kết quả trước ngày 15 tháng 12.\nDấu:",
                                   n);
            for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++)
                g_string_append_printf(s, " %s", marks[m]);
        }
        if (n % 10 == 0)
            g_string_append(s, "\nKinh phí: 5 < 10 & đủ.");
        f->summary[i] = g_string_free(s, FALSE);
        f->number[i] = g_strdup_printf("%03d/QĐ-UBND", n);
        f->date[i] = g_strdup_printf("%02d/%02d/2026", 1 + i % 28, 1 + i * 12 / NROWS);
        f->copies[i] = g_strdup_printf("%d", 2 + i % 5);
        f->note[i] = n % 7 == 0 ? g_strdup_printf("Ghi chú, dòng %d,\r\nhai dòng", n) : NULL;
        f->rows[i] = (struct regprint_row){
            .number = f->number[i],
            .date = f->date[i],
            .summary = f->summary[i],
            .signer = "Lê Thị Ngà",
            .recipients = "Như Điều 3;\nLưu: VT, VP.",
            .file_copy_to = "Văn phòng HĐND và UBND",
            .copies = f->copies[i],
            .sent_on = f->date[i],
            .note = f->note[i],
        };
    }
}

static void fixture_free(struct fixture *f)
{
    for (int i = 0; i < NROWS; i++) {
        g_free(f->number[i]);
        g_free(f->date[i]);
        g_free(f->summary[i]);
        g_free(f->note[i]);
        g_free(f->copies[i]);
    }
}

static struct regprint_register out_register(const struct fixture *f)
{
    return (struct regprint_register){
        .direction = REGPRINT_OUT,
        .parent_name = "UBND tỉnh Thanh Hóa",
        .unit_name = "Ủy ban nhân dân phường Hạc Thành",
        .year = 2026,
        .series = "Quyết định",
        .rows = f->rows,
        .nrows = NROWS,
    };
}

static const char *const out_titles[] = {
    "Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung văn bản",
    "Người ký", "Nơi nhận văn bản", "Đơn vị, người nhận bản lưu", "Số lượng bản",
    "Ngày chuyển", "Ký nhận", "Ghi chú"};
static const char *const in_titles[] = {
    "Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung", "Đơn vị hoặc người nhận", "Ký nhận", "Ghi chú"};

/* --- PDF -------------------------------------------------------------------------- */

TEST(pdf_outgoing_250_rows)
{
    struct fixture *f = malloc(sizeof *f);
    struct regprint_register r;
    struct derr err = {0};
    unsigned char *pdf = NULL;
    size_t len = 0;
    char path[64], cmd[600], *raw = NULL, *layout = NULL, *info = NULL;

    if (!f)
        return;
    fixture_init(f);
    r = out_register(f);
    CHECK_EQ_INT(regprint_pdf(&r, &pdf, &len, &err), 0);
    CHECK(pdf && len > 5 && memcmp(pdf, "%PDF-", 5) == 0);
    CHECK_EQ_INT(tool_write_temp(pdf, len, ".pdf", path, sizeof path), 0);
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' - 2>/dev/null", path);
    raw = tool_run(cmd);
    snprintf(cmd, sizeof cmd, "pdftotext -layout -enc UTF-8 '%s' - 2>/dev/null", path);
    layout = tool_run(cmd);
    snprintf(cmd, sizeof cmd, "pdfinfo '%s' 2>/dev/null", path);
    info = tool_run(cmd);
    CHECK(raw && layout && info);
    if (!raw || !layout || !info)
        goto out;

    /* A4 landscape: 297 x 210 mm is 841.89 x 595.28 pt. */
    CHECK_HAS(info, "Page size:       841.89 x 595.276 pts (A4)");
    CHECK_HAS(info, "Title:           Sổ đăng ký văn bản đi năm 2026 – Ủy ban nhân dân phường Hạc "
                    "Thành");
    int pages = pdf_pages(path);
    /* 250 rows of up to four paragraphs: far more than a few pages. */
    CHECK(pages > 20);

    /* Page by page (pdftotext ends each with a form feed). */
    int seen = 0;
    for (char *pg = raw, *ff; pg && *pg; pg = ff ? ff + 1 : NULL) {
        ff = strchr(pg, '\f');
        if (ff)
            *ff = '\0';
        squeeze(pg);
        if (!*pg || strcmp(pg, " ") == 0)
            continue;
        seen++;
        if (seen == 1) {
            /* The cover: as Appendix IV draws it. */
            CHECK_HAS(pg, "UBND TỈNH THANH HÓA ỦY BAN NHÂN DÂN PHƯỜNG HẠC THÀNH");
            CHECK_HAS(pg, "SỔ ĐĂNG KÝ VĂN BẢN ĐI");
            CHECK_HAS(pg, "Quyết định");
            CHECK_HAS(pg, "Năm 2026");
            /* Dates and numbers of the first and last rows (by hand: row 1
             * is 01/01, row 250 is day 1 + 249 % 28 = 26, month 1 + 249 *
             * 12 / 250 = 12). */
            CHECK_HAS(pg, "Từ ngày 01/01/2026 đến ngày 26/12/2026");
            CHECK_HAS(pg, "Từ số 001 đến số 250");
            CHECK_HAS(pg, "Quyển số:");
            CHECK(strstr(pg, "Người ký") == NULL);
            continue;
        }
        /* Every table page: its number at the top, the header, the numbers. */
        char num[16];
        snprintf(num, sizeof num, "%d ", seen);
        CHECK(strncmp(pg[0] == ' ' ? pg + 1 : pg, num, strlen(num)) == 0);
        for (size_t c = 0; c < sizeof out_titles / sizeof out_titles[0]; c++)
            CHECK_HAS(pg, out_titles[c]);
        CHECK_HAS(pg, "(1) (2) (3) (4) (5) (6) (7) (8) (9) (10)");
    }
    CHECK_EQ_INT(seen, pages);

    /* Every row's number once, every paragraph of its summary once. */
    squeeze_spaces(layout);
    for (int i = 0; i < NROWS; i++) {
        char s[64];
        snprintf(s, sizeof s, "%03d/QĐ-UBND", i + 1);
        if (count(layout, s) != 1)
            printf("  %s appears %zu times\n", s, count(layout, s));
        CHECK_EQ_INT(count(layout, s), 1);
        snprintf(s, sizeof s, "Quyết định số %d về", i + 1);
        CHECK_EQ_INT(count(layout, s), reps(i));
    }
    /* The marks survive, once for each paragraph. */
    size_t paragraphs = 0;
    for (int i = 0; i < NROWS; i++)
        paragraphs += (size_t)reps(i);
    for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++)
        CHECK_EQ_INT(count(layout, marks[m]), paragraphs);
    CHECK_EQ_INT(count(layout, "Lê Thị Ngà"), NROWS);
    CHECK_EQ_INT(count(layout, "Kinh phí: 5 < 10 & đủ."), NROWS / 10);
out:
    unlink(path);
    free(raw);
    free(layout);
    free(info);
    free(pdf);
    fixture_free(f);
    free(f);
}

TEST(pdf_incoming)
{
    static const struct regprint_row rows[] = {
        {.arrival_date = "05/01/2026", .arrival_number = "1", .author = "Sở Nội vụ tỉnh Thanh Hóa",
         .number = "15/SNV-VP", .date = "03/01/2026",
         .summary = "Công văn về việc hướng dẫn công tác văn thư, lưu trữ năm 2026",
         .handler = "Văn phòng HĐND và UBND phường"},
        {.arrival_date = "06/01/2026", .arrival_number = "2", .author = "Sở Tài chính",
         .number = "20/STC-NS", .date = "04/01/2026",
         /* Decomposed (NFD) marks, as some systems send them: printed as NFC. */
         .summary = "Ve\xcc\x82\xcc\x80 vie\xcc\x82\xcc\xa3" "c quye\xcc\x82\xcc\x81t toa\xcc\x81n",
         .handler = "Bộ phận kế toán", .note = "Khẩn"},
    };
    struct regprint_register r = {
        .direction = REGPRINT_IN,
        .unit_name = "UBND xã Đông Tiến",
        .year = 2026,
        .volume = "01",
        .rows = rows,
        .nrows = 2,
    };
    struct derr err = {0};
    unsigned char *pdf = NULL;
    size_t len = 0;
    char path[64], cmd[600], *text = NULL;

    CHECK_EQ_INT(regprint_pdf(&r, &pdf, &len, &err), 0);
    CHECK_EQ_INT(tool_write_temp(pdf, len, ".pdf", path, sizeof path), 0);
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' - 2>/dev/null", path);
    text = tool_run(cmd);
    if (text)
        squeeze(text);
    CHECK_EQ_INT(pdf_pages(path), 2);
    CHECK_HAS(text, "UBND XÃ ĐÔNG TIẾN");
    CHECK_HAS(text, "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN");
    CHECK_HAS(text, "Từ ngày 05/01/2026 đến ngày 06/01/2026");
    CHECK_HAS(text, "Từ số 1 đến số 2");
    CHECK_HAS(text, "Quyển số: 01");
    for (size_t c = 0; c < sizeof in_titles / sizeof in_titles[0]; c++)
        CHECK_HAS(text, in_titles[c]);
    CHECK_HAS(text, "(1) (2) (3) (4) (5) (6) (7) (8) (9)");
    CHECK(text && strstr(text, "(10)") == NULL);
    CHECK_HAS(text, "Sở Nội vụ tỉnh Thanh Hóa");
    CHECK_HAS(text, "Về việc quyết toán");
    CHECK_HAS(text, "Khẩn");
    unlink(path);
    free(text);
    free(pdf);
}

/* The cover's ranges given by the caller win over the rows'; an empty
 * register prints its cover and an empty table, with dots to fill in. */
TEST(pdf_cover_ranges)
{
    struct regprint_register r = {
        .direction = REGPRINT_OUT,
        .unit_name = "Sở Tư pháp",
        .year = 2027,
        .from_date = "01/01/2027",
        .to_date = "31/12/2027",
        .from_number = "01",
        .to_number = "999",
    };
    struct derr err = {0};
    unsigned char *pdf = NULL;
    size_t len = 0;
    char path[64], cmd[600], *text = NULL;

    CHECK_EQ_INT(regprint_pdf(&r, &pdf, &len, &err), 0);
    CHECK_EQ_INT(tool_write_temp(pdf, len, ".pdf", path, sizeof path), 0);
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' - 2>/dev/null", path);
    text = tool_run(cmd);
    if (text)
        squeeze(text);
    CHECK_HAS(text, "Năm 2027");
    CHECK_HAS(text, "Từ ngày 01/01/2027 đến ngày 31/12/2027");
    CHECK_HAS(text, "Từ số 01 đến số 999");
    CHECK_HAS(text, "Quyển số: …………");
    CHECK_HAS(text, "(1) (2) (3)");
    unlink(path);
    free(text);
    free(pdf);

    r.from_date = r.to_date = r.from_number = r.to_number = NULL;
    CHECK_EQ_INT(regprint_pdf(&r, &pdf, &len, &err), 0);
    CHECK_EQ_INT(tool_write_temp(pdf, len, ".pdf", path, sizeof path), 0);
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' - 2>/dev/null", path);
    text = tool_run(cmd);
    if (text)
        squeeze(text);
    CHECK_HAS(text, "Từ ngày ………… đến ngày …………");
    CHECK_HAS(text, "Từ số ………… đến số …………");
    unlink(path);
    free(text);
    free(pdf);
}

/* --- XLSX ------------------------------------------------------------------------- */

/* text with &, < and > as XML writes them. */
static char *xml_escaped(const char *s)
{
    GString *o = g_string_new(NULL);

    for (; *s; s++) {
        if (*s == '&')
            g_string_append(o, "&amp;");
        else if (*s == '<')
            g_string_append(o, "&lt;");
        else if (*s == '>')
            g_string_append(o, "&gt;");
        else
            g_string_append_c(o, *s);
    }
    return g_string_free(o, FALSE);
}

TEST(xlsx_outgoing)
{
    struct fixture *f = malloc(sizeof *f);
    struct regprint_register r;
    struct derr err = {0};
    unsigned char *x = NULL;
    size_t len = 0;
    char path[64], cmd[600], *strings = NULL, *sheet = NULL, *book = NULL, *styles = NULL;

    if (!f)
        return;
    fixture_init(f);
    r = out_register(f);
    CHECK_EQ_INT(regprint_xlsx(&r, &x, &len, &err), 0);
    CHECK(x && len > 4 && memcmp(x, "PK\x03\x04", 4) == 0);
    CHECK_EQ_INT(tool_write_temp(x, len, ".xlsx", path, sizeof path), 0);
    snprintf(cmd, sizeof cmd, "unzip -p '%s' xl/sharedStrings.xml 2>/dev/null", path);
    strings = tool_run(cmd);
    snprintf(cmd, sizeof cmd, "unzip -p '%s' xl/worksheets/sheet1.xml 2>/dev/null", path);
    sheet = tool_run(cmd);
    snprintf(cmd, sizeof cmd, "unzip -p '%s' xl/workbook.xml 2>/dev/null", path);
    book = tool_run(cmd);
    snprintf(cmd, sizeof cmd, "unzip -p '%s' xl/styles.xml 2>/dev/null", path);
    styles = tool_run(cmd);
    CHECK(strings && sheet && book && styles);
    CHECK_HAS(styles, "wrapText=\"1\"");
    CHECK_HAS(strings, "<t>UBND TỈNH THANH HÓA</t>");
    CHECK_HAS(strings, "<t>ỦY BAN NHÂN DÂN PHƯỜNG HẠC THÀNH</t>");
    CHECK_HAS(strings, "<t>SỔ ĐĂNG KÝ VĂN BẢN ĐI – Quyết định – NĂM 2026</t>");
    for (size_t c = 0; c < sizeof out_titles / sizeof out_titles[0]; c++) {
        char t[128];
        snprintf(t, sizeof t, "<t>%s</t>", out_titles[c]);
        CHECK_HAS(strings, t);
    }
    CHECK_HAS(strings, "<t>(10)</t>");
    for (int i = 0; i < NROWS; i++) {
        char *want = xml_escaped(f->summary[i]);
        char num[64];
        snprintf(num, sizeof num, "<t>%03d/QĐ-UBND</t>", i + 1);
        CHECK_EQ_INT(count(strings, num), 1);
        CHECK(strings && strstr(strings, want));
        g_free(want);
    }
    CHECK_EQ_INT(count(strings, "Kinh phí: 5 &lt; 10 &amp; đủ."), NROWS / 10);
    CHECK_HAS(sheet, "orientation=\"landscape\"");
    CHECK_HAS(sheet, "paperSize=\"9\"");
    CHECK_HAS(book, "Văn bản đi");
    /* The header and the numbers repeat on every printed page. */
    CHECK_HAS(book, "_xlnm.Print_Titles");
    unlink(path);
    free(strings);
    free(sheet);
    free(book);
    free(styles);
    free(x);
    fixture_free(f);
    free(f);
}

/* --- CSV ------------------------------------------------------------------------- */

/* An RFC 4180 reader written for this test: records of fields, CRLF
 * between records. Returns the number of records, fields in rec[][]
 * (g_malloc'd), -1 on a syntax error or a bare LF between records. */
#define CSV_MAXREC (NROWS + 2)
#define CSV_MAXF 12
static int parse_csv(const char *s, char *rec[CSV_MAXREC][CSV_MAXF], int nf[CSV_MAXREC])
{
    int r = 0;

    while (*s) {
        if (r >= CSV_MAXREC)
            return -1;
        nf[r] = 0;
        for (;;) {
            GString *f = g_string_new(NULL);
            if (*s == '"') {
                s++;
                for (;;) {
                    if (!*s) {
                        g_string_free(f, TRUE);
                        return -1;
                    }
                    if (s[0] == '"' && s[1] == '"') {
                        g_string_append_c(f, '"');
                        s += 2;
                    } else if (*s == '"') {
                        s++;
                        break;
                    } else {
                        g_string_append_c(f, *s++);
                    }
                }
            } else {
                while (*s && *s != ',' && *s != '\r' && *s != '\n')
                    g_string_append_c(f, *s++);
            }
            if (nf[r] >= CSV_MAXF) {
                g_string_free(f, TRUE);
                return -1;
            }
            rec[r][nf[r]++] = g_string_free(f, FALSE);
            if (*s == ',') {
                s++;
                continue;
            }
            if (s[0] == '\r' && s[1] == '\n') {
                s += 2;
                break;
            }
            if (!*s)
                break;
            return -1;
        }
        r++;
    }
    return r;
}

TEST(csv_outgoing_round_trip)
{
    struct fixture *f = malloc(sizeof *f);
    struct regprint_register r;
    struct derr err = {0};
    char *csv = NULL;
    size_t len = 0;
    static char *rec[CSV_MAXREC][CSV_MAXF];
    static int nf[CSV_MAXREC];
    int n;

    if (!f)
        return;
    fixture_init(f);
    r = out_register(f);
    CHECK_EQ_INT(regprint_csv(&r, &csv, &len, &err), 0);
    CHECK(csv && len > 3 && memcmp(csv, "\xEF\xBB\xBF", 3) == 0);
    CHECK_EQ_INT(strlen(csv), len);
    n = csv ? parse_csv(csv + 3, rec, nf) : -1;
    CHECK_EQ_INT(n, NROWS + 1);
    if (n != NROWS + 1)
        goto out;
    CHECK_EQ_INT(nf[0], 10);
    for (int c = 0; c < 10 && c < nf[0]; c++)
        CHECK_EQ_STR(rec[0][c], out_titles[c]);
    for (int i = 0; i < NROWS; i++) {
        const char *want[10] = {f->number[i], f->date[i], f->summary[i], "Lê Thị Ngà",
                                "Như Điều 3;\nLưu: VT, VP.", "Văn phòng HĐND và UBND",
                                f->copies[i], f->date[i], "", f->note[i] ? f->note[i] : ""};
        CHECK_EQ_INT(nf[i + 1], 10);
        for (int c = 0; c < 10 && c < nf[i + 1]; c++)
            CHECK_EQ_STR(rec[i + 1][c], want[c]);
    }
out:
    for (int i = 0; i < n; i++)
        for (int c = 0; c < nf[i]; c++)
            g_free(rec[i][c]);
    free(csv);
    fixture_free(f);
    free(f);
}

/* A printed CSV reads back as the rows it came from (its Vietnamese header
 * is accepted), and NFD input comes out NFC. */
TEST(csv_reads_back)
{
    static const struct regprint_row rows[] = {
        {.arrival_date = "05/01/2026", .arrival_number = "1", .author = "Sở \"Nội vụ\", tỉnh",
         .number = "15/SNV-VP", .date = "03/01/2026", .summary = "Dòng 1\nDòng 2, có dấu phẩy",
         .handler = "Văn phòng"},
        {.arrival_date = "06/01/2026", .arrival_number = "2", .author = "Sở Tài chính",
         .summary = "Ve\xcc\x82\xcc\x80 vie\xcc\x82\xcc\xa3" "c"},
    };
    struct regprint_register r = {.direction = REGPRINT_IN, .unit_name = "UBND xã A",
                                  .year = 2026, .rows = rows, .nrows = 2};
    struct regprint_rows back = {0};
    struct derr err = {0};
    char *csv = NULL;
    size_t len = 0;

    CHECK_EQ_INT(regprint_csv(&r, &csv, &len, &err), 0);
    CHECK_EQ_INT(regprint_rows_parse(REGPRINT_IN, csv, len, &back, &err), 0);
    CHECK_EQ_INT(back.nrows, 2);
    if (back.nrows == 2) {
        CHECK_EQ_STR(back.rows[0].author, "Sở \"Nội vụ\", tỉnh");
        CHECK_EQ_STR(back.rows[0].summary, "Dòng 1\nDòng 2, có dấu phẩy");
        CHECK_EQ_STR(back.rows[0].number, "15/SNV-VP");
        CHECK_EQ_STR(back.rows[0].note, "");
        CHECK_EQ_STR(back.rows[1].summary, "Về việc");
        CHECK_EQ_STR(back.rows[1].arrival_number, "2");
    }
    /* The printed CSV's header is the incoming register's, not the outgoing. */
    regprint_rows_free(&back);
    CHECK_EQ_INT(regprint_rows_parse(REGPRINT_OUT, csv, len, &back, &err), -1);
    CHECK_EQ_INT(err.kind, DERR_INVALID);
    CHECK(back.rows == NULL && back.nrows == 0 && back.text == NULL);
    free(csv);
}

/* --- the rows CSV reader ------------------------------------------------------------- */

TEST(rows_parse_accepts)
{
    /* Columns in another order, LF line ends, a BOM, a quoted line break,
     * blank lines skipped, no final line end. */
    static const char text[] =
        "\xEF\xBB\xBFsummary,number,date,signer,recipients,file_copy_to,copies,sent_on,sign,note\n"
        "\"Quyết định \"\"A\"\",\nhai dòng\",01/QĐ-UBND,02/01/2026,Lê Văn B,Nơi nhận,VP,2,"
        "02/01/2026,,\n"
        "\n"
        "Báo cáo,02/BC-UBND,03/01/2026,,,,,,,cuối";
    struct regprint_rows rows = {0};
    struct derr err = {0};

    CHECK_EQ_INT(regprint_rows_parse(REGPRINT_OUT, text, sizeof text - 1, &rows, &err), 0);
    CHECK_EQ_INT(rows.nrows, 2);
    if (rows.nrows == 2) {
        CHECK_EQ_STR(rows.rows[0].summary, "Quyết định \"A\",\nhai dòng");
        CHECK_EQ_STR(rows.rows[0].number, "01/QĐ-UBND");
        CHECK_EQ_STR(rows.rows[0].signer, "Lê Văn B");
        CHECK_EQ_STR(rows.rows[0].copies, "2");
        CHECK_EQ_STR(rows.rows[0].note, "");
        CHECK(rows.rows[0].arrival_date == NULL);
        CHECK_EQ_STR(rows.rows[1].summary, "Báo cáo");
        CHECK_EQ_STR(rows.rows[1].note, "cuối");
    }
    regprint_rows_free(&rows);
    CHECK(rows.rows == NULL && rows.text == NULL && rows.nrows == 0);

    const char *const *names;
    CHECK_EQ_INT(regprint_columns(REGPRINT_IN, &names), 9);
    CHECK_EQ_STR(names[0], "arrival_date");
    CHECK_EQ_STR(names[8], "note");
    CHECK_EQ_INT(regprint_columns(REGPRINT_OUT, &names), 10);
    CHECK_EQ_STR(names[5], "file_copy_to");
}

static void refused(const char *text, size_t len, enum derr_kind kind, const char *code,
                    const char *in_message)
{
    struct regprint_rows rows = {0};
    struct derr err = {0};

    CHECK_EQ_INT(regprint_rows_parse(REGPRINT_OUT, text, len, &rows, &err), -1);
    CHECK_EQ_INT(err.kind, kind);
    CHECK_EQ_STR(err.code, code);
    if (!strstr(err.message, in_message))
        printf("  message \"%s\" lacks \"%s\"\n", err.message, in_message);
    CHECK(strstr(err.message, in_message) != NULL);
    CHECK(rows.rows == NULL && rows.nrows == 0 && rows.text == NULL);
}

#define OUT_HEADER "number,date,summary,signer,recipients,file_copy_to,copies,sent_on,sign,note\n"

TEST(rows_parse_refuses)
{
    static const char unknown[] = "number,date,summary,signer,recipients,file_copy_to,copies,"
                                  "sent_on,sign,note,arrival_date\n";
    static const char missing[] = "number,date,summary,signer,recipients,file_copy_to,copies,"
                                  "sent_on,sign\n";
    static const char twice[] = "number,date,summary,signer,recipients,file_copy_to,copies,"
                                "sent_on,sign,number\n";
    static const char short_row[] = OUT_HEADER "1,2,3\n";
    static const char open_quote[] = OUT_HEADER "1,2,\"chưa đóng,4,5,6,7,8,9,10\n";
    static const char stray_quote[] = OUT_HEADER "1,2,ab\"c,4,5,6,7,8,9,10\n";
    static const char after_quote[] = OUT_HEADER "1,2,\"ab\"c,4,5,6,7,8,9,10\n";
    static const char bad_utf8[] = OUT_HEADER "1,2,\xC3\x28,4,5,6,7,8,9,10\n";

    refused(unknown, sizeof unknown - 1, DERR_INVALID, "bad_csv_header", "\"arrival_date\"");
    refused(missing, sizeof missing - 1, DERR_INVALID, "bad_csv_header", "thiếu cột \"note\"");
    refused(twice, sizeof twice - 1, DERR_INVALID, "bad_csv_header", "\"number\" có hai lần");
    refused("", 0, DERR_INVALID, "bad_csv_header", "trống");
    refused(short_row, sizeof short_row - 1, DERR_INVALID, "bad_csv", "Dòng 2 có 3 cột");
    refused(open_quote, sizeof open_quote - 1, DERR_INVALID, "bad_csv", "Dòng 2");
    refused(stray_quote, sizeof stray_quote - 1, DERR_INVALID, "bad_csv", "Dòng 2");
    refused(after_quote, sizeof after_quote - 1, DERR_INVALID, "bad_csv", "Dòng 2");
    refused(bad_utf8, sizeof bad_utf8 - 1, DERR_INVALID, "bad_csv", "UTF-8");

    /* A cell past REGPRINT_MAX_CELL. */
    GString *s = g_string_new(OUT_HEADER "1,2,");
    for (int i = 0; i <= REGPRINT_MAX_CELL; i++)
        g_string_append_c(s, 'a');
    g_string_append(s, ",4,5,6,7,8,9,10\n");
    refused(s->str, s->len, DERR_TOO_LARGE, "cell_too_long", "Dòng 2");
    g_string_free(s, TRUE);

    /* One row past REGPRINT_MAX_ROWS. */
    s = g_string_new(OUT_HEADER);
    for (int i = 0; i <= REGPRINT_MAX_ROWS; i++)
        g_string_append(s, "1,,,,,,,,,\n");
    refused(s->str, s->len, DERR_TOO_LARGE, "too_many_rows", "100000");
    /* ... and exactly REGPRINT_MAX_ROWS is read. */
    struct regprint_rows rows = {0};
    struct derr err = {0};
    CHECK_EQ_INT(regprint_rows_parse(REGPRINT_OUT, s->str, s->len - strlen("1,,,,,,,,,\n"),
                                     &rows, &err),
                 0);
    CHECK_EQ_INT(rows.nrows, REGPRINT_MAX_ROWS);
    regprint_rows_free(&rows);
    g_string_free(s, TRUE);

    /* Past REGPRINT_MAX_CSV bytes: refused before it is read. */
    char *big = calloc(1, REGPRINT_MAX_CSV + 1);
    CHECK(big != NULL);
    if (big)
        refused(big, REGPRINT_MAX_CSV + 1, DERR_TOO_LARGE, "csv_too_large", "64 MiB");
    free(big);
}

/* --- the checks --------------------------------------------------------------------- */

TEST(check_refuses)
{
    struct regprint_row row = {.number = "1/QĐ", .summary = "Trích yếu"};
    struct regprint_register r = {.direction = REGPRINT_OUT, .unit_name = "UBND xã A",
                                  .year = 2026, .rows = &row, .nrows = 1};
    struct derr err = {0};
    unsigned char *pdf = (unsigned char *)"x";
    char *csv = (char *)"x";
    size_t len = 7;

    CHECK_EQ_INT(regprint_check(&r, &err), 0);

    r.direction = (enum regprint_direction)7;
    CHECK_EQ_INT(regprint_pdf(&r, &pdf, &len, &err), -1);
    CHECK_EQ_STR(err.code, "bad_direction");
    CHECK(pdf == NULL && len == 0);
    r.direction = REGPRINT_OUT;

    r.unit_name = "";
    CHECK_EQ_INT(regprint_csv(&r, &csv, &len, &err), -1);
    CHECK_EQ_STR(err.code, "unit_name_required");
    CHECK(csv == NULL && len == 0);
    r.unit_name = "UBND\nxã A";
    CHECK_EQ_INT(regprint_check(&r, &err), -1);
    CHECK_EQ_STR(err.field, "unit_name");
    r.unit_name = "UBND xã A";

    r.year = 1999;
    CHECK_EQ_INT(regprint_check(&r, &err), -1);
    CHECK_EQ_STR(err.code, "bad_year");
    r.year = 2026;

    row.summary = "Trích \x01 yếu";
    CHECK_EQ_INT(regprint_check(&r, &err), -1);
    CHECK_EQ_INT(err.kind, DERR_INVALID);
    CHECK_EQ_STR(err.field, "rows[0].summary");
    CHECK(strstr(err.message, "Dòng 1") != NULL);
    row.summary = "Tr\xC3";
    CHECK_EQ_INT(regprint_check(&r, &err), -1);
    CHECK_EQ_STR(err.field, "rows[0].summary");
    row.summary = "Trích yếu";
    /* A field of the other register is not printed, so not checked. */
    row.author = "\x01";
    CHECK_EQ_INT(regprint_check(&r, &err), 0);

    char *big = malloc(REGPRINT_MAX_CELL + 2);
    if (big) {
        memset(big, 'a', REGPRINT_MAX_CELL + 1);
        big[REGPRINT_MAX_CELL + 1] = '\0';
        row.note = big;
        CHECK_EQ_INT(regprint_check(&r, &err), -1);
        CHECK_EQ_STR(err.field, "rows[0].note");
        big[REGPRINT_MAX_CELL] = '\0';
        CHECK_EQ_INT(regprint_check(&r, &err), 0);
        row.note = NULL;
    }
    free(big);

    /* Too many rows: refused before any row is looked at. */
    r.nrows = REGPRINT_MAX_ROWS + 1;
    CHECK_EQ_INT(regprint_xlsx(&r, &pdf, &len, &err), -1);
    CHECK_EQ_INT(err.kind, DERR_TOO_LARGE);
    CHECK_EQ_STR(err.code, "too_many_rows");
}

int main(void)
{
    RUN(pdf_outgoing_250_rows);
    RUN(pdf_incoming);
    RUN(pdf_cover_ranges);
    RUN(xlsx_outgoing);
    RUN(csv_outgoing_round_trip);
    RUN(csv_reads_back);
    RUN(rows_parse_accepts);
    RUN(rows_parse_refuses);
    RUN(check_refuses);
    return harness_done();
}
