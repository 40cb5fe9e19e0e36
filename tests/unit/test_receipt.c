/* Tests for src/render: the receipt PDF read back with poppler-utils
 * (pdftotext, pdfinfo, pdffonts), the QR code decoded with zbarimg, and the
 * pdf layout helper's page flow and error paths. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo.h>
#include <glib.h>

#include "harness.h"
#include "tool_run.h"
#include "render/letter.h"
#include "render/pdf.h"
#include "render/qr.h"
#include "render/receipt.h"


/* Under LeakSanitizer (the SAN=1 build): fontconfig, as driven by pango's
 * font cache, loses some patterns it allocates once per font; they are not
 * ours and do not grow per document (checked by rendering 2 vs 200
 * receipts). LSan calls this hook if it exists; otherwise it is unused. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

static const struct receipt_doc base_docs[] = {
    {"Tờ khai đăng ký khai sinh (theo mẫu)", 1, 0},
    {"Giấy chứng sinh do cơ sở y tế cấp", 1, 0},
    {"Giấy chứng nhận kết hôn của cha, mẹ", 0, 1},
};

static struct receipt base_receipt(void)
{
    return (struct receipt){
        .unit_name = "UBND phường Hạc Thành",
        .unit_parent_name = "UBND TỈNH THANH HÓA",
        .code = "000.00.06.H56-231027-0361",
        .applicant_name = "Nguyễn Thị Hồng Nhung",
        .applicant_address = "Số 12 đường Lê Lợi, phường Hạc Thành, tỉnh "
                             "Thanh Hóa",
        .phone = "0912 345 678",
        .email = "nhung.nguyen@example.vn",
        .procedure_name = "Đăng ký khai sinh",
        .channel = "Trực tiếp",
        .docs = base_docs,
        .ndocs = 3,
        .processing_time = "3 ngày làm việc",
        .received_at = 1698368700, /* 2023-10-27 08:05 +07 */
        .due_at = 1698831000,      /* 2023-11-01 16:30 +07 */
        .return_place = "Bộ phận tiếp nhận và trả kết quả phường Hạc Thành",
        .receiver_name = "Lê Văn Dũng",
        .lookup_url = "https://dichvucong.thanhhoa.gov.vn/tra-cuu?"
                      "ma=000.00.06.H56-231027-0361",
    };
}

/* Collapses runs of spaces, so that words spread by justification or by
 * pdftotext's layout mode still match. */
static void squeeze(char *s)
{
    char *w = s;

    for (char *r = s; *r; r++)
        if (!(*r == ' ' && w > s && w[-1] == ' '))
            *w++ = *r;
    *w = '\0';
}

static char *pdf_to_text(const char *path)
{
    char cmd[512];
    char *t;

    snprintf(cmd, sizeof cmd, "pdftotext -layout -enc UTF-8 '%s' - 2>/dev/null",
             path);
    t = tool_run(cmd);
    if (t)
        squeeze(t);
    return t;
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

#define CHECK_HAS(text, s)                                                     \
    do {                                                                       \
        int has_ = (text) && strstr((text), (s)) != NULL;                      \
        if (!has_)                                                             \
            printf("  missing in PDF text: \"%s\"\n", (s));                    \
        CHECK(has_);                                                           \
    } while (0)

/* Renders r into a temp PDF. OUT: path; returns 0 or the render rc. */
static int render_to_file(const struct receipt *r, char *path, size_t n)
{
    unsigned char *pdf = NULL;
    size_t len = 0;
    int rc = receipt_render_pdf(r, &pdf, &len);

    if (rc == 0) {
        CHECK(len > 5 && memcmp(pdf, "%PDF-", 5) == 0);
        rc = tool_write_temp(pdf, len, ".pdf", path, n);
    }
    free(pdf);
    return rc;
}

TEST(vn_time)
{
    char buf[64];

    CHECK_EQ_INT(pdf_vn_time(1698368700, 0, buf, sizeof buf), 0);
    CHECK_EQ_STR(buf, "08 giờ 05 phút, ngày 27 tháng 10 năm 2023");
    CHECK_EQ_INT(pdf_vn_time(1698368700, 1, buf, sizeof buf), 0);
    CHECK_EQ_STR(buf, "ngày 27 tháng 10 năm 2023");
    /* 2023-12-31 17:30 UTC is already New Year in Vietnam. */
    CHECK_EQ_INT(pdf_vn_time(1704043800, 0, buf, sizeof buf), 0);
    CHECK_EQ_STR(buf, "00 giờ 30 phút, ngày 01 tháng 01 năm 2024");
    CHECK_EQ_INT(pdf_vn_time(0, 0, buf, sizeof buf), 0);
    CHECK_EQ_STR(buf, "07 giờ 00 phút, ngày 01 tháng 01 năm 1970");
    CHECK_EQ_INT(pdf_vn_time(0, 0, buf, 10), -ENOSPC);
    CHECK_EQ_INT(pdf_vn_time(INT64_MAX, 0, buf, sizeof buf), -EINVAL);
}

TEST(receipt_text)
{
    struct receipt r = base_receipt();
    char path[64], cmd[512];
    char *text = NULL, *fonts = NULL;

    CHECK_EQ_INT(render_to_file(&r, path, sizeof path), 0);
    text = pdf_to_text(path);
    CHECK(text != NULL);
    CHECK_HAS(text, "UBND TỈNH THANH HÓA");
    CHECK_HAS(text, "UBND PHƯỜNG HẠC THÀNH");
    CHECK_HAS(text, "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ");
    CHECK_HAS(text, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
    CHECK_HAS(text, "Độc lập - Tự do - Hạnh phúc");
    CHECK_HAS(text, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ");
    CHECK_HAS(text, "Mã hồ sơ: 000.00.06.H56-231027-0361");
    CHECK_HAS(text, "Tiếp nhận hồ sơ của: Nguyễn Thị Hồng Nhung");
    CHECK_HAS(text, "Số 12 đường Lê Lợi");
    CHECK_HAS(text, "0912 345 678");
    CHECK_HAS(text, "nhung.nguyen@example.vn");
    CHECK_HAS(text, "Nội dung yêu cầu giải quyết: Đăng ký khai sinh");
    CHECK_HAS(text, "Giấy chứng sinh do cơ sở y tế cấp");
    CHECK_HAS(text, "Bản chính");
    CHECK_HAS(text, "3 ngày làm việc");
    CHECK_HAS(text, "08 giờ 05 phút, ngày 27 tháng 10 năm 2023");
    CHECK_HAS(text, "16 giờ 30 phút, ngày 01 tháng 11 năm 2023");
    CHECK_HAS(text, "Trực tiếp");
    CHECK_HAS(text, "NGƯỜI NỘP HỒ SƠ");
    CHECK_HAS(text, "NGƯỜI TIẾP NHẬN HỒ SƠ");
    CHECK_HAS(text, "Lê Văn Dũng");
    CHECK_HAS(text, "Quét mã để tra cứu tình trạng hồ sơ");
    CHECK_EQ_INT(pdf_pages(path), 1);

    /* The fonts asked for are the ones embedded (no silent fallback). */
    snprintf(cmd, sizeof cmd, "pdffonts '%s' 2>/dev/null", path);
    fonts = tool_run(cmd);
    CHECK(fonts && strstr(fonts, "NotoSerif-Regular"));
    CHECK(fonts && strstr(fonts, "NotoSerif-Bold"));
    unlink(path);
    free(text);
    free(fonts);
}

TEST(receipt_online)
{
    struct receipt r = base_receipt();
    char path[64], *text;

    r.channel = "Trực tuyến";
    r.receiver_name = NULL;
    r.unit_parent_name = NULL;
    r.phone = NULL;
    r.email = NULL;
    CHECK_EQ_INT(render_to_file(&r, path, sizeof path), 0);
    text = pdf_to_text(path);
    CHECK_HAS(text, "Tiếp nhận trực tuyến");
    CHECK_HAS(text, "NGƯỜI TIẾP NHẬN HỒ SƠ");
    CHECK_HAS(text, "UBND PHƯỜNG HẠC THÀNH");
    CHECK(text && !strstr(text, "THANH HÓA\n"));
    unlink(path);
    free(text);
}

/* User data is text, never markup; decomposed Vietnamese comes out
 * precomposed (NFC). */
TEST(receipt_escaping_and_nfc)
{
    struct receipt r = base_receipt();
    char path[64], *text;

    /* "Nguyễn" with U+0065 U+0302 U+0303 instead of U+1EC5. */
    r.applicant_name = "Nguye\xcc\x82\xcc\x83n <b>Văn</b> & Co";
    CHECK_EQ_INT(render_to_file(&r, path, sizeof path), 0);
    text = pdf_to_text(path);
    CHECK_HAS(text, "Nguyễn <b>Văn</b> & Co");
    unlink(path);
    free(text);
}

TEST(receipt_many_docs_flow)
{
    enum { N = 60 };
    struct receipt_doc docs[N];
    char names[N][160];
    struct receipt r = base_receipt();
    char path[64], *text;

    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i],
                 "Giấy tờ thứ %d: bản sao giấy tờ chứng minh nhân thân "
                 "của người được khai sinh và người đi đăng ký khai sinh",
                 i + 1);
        docs[i] = (struct receipt_doc){names[i], i % 2, 1};
    }
    r.docs = docs;
    r.ndocs = N;
    r.applicant_name = "Tôn Nữ Thị Hoàng Quỳnh Như Nguyệt Ánh Dương "
                       "Phương Thảo Bảo Ngọc Khánh Linh Minh Châu";
    r.procedure_name = "Đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo "
                       "hiểm y tế cho trẻ em dưới 6 tuổi (liên thông thủ "
                       "tục hành chính theo Nghị định 63/2024/NĐ-CP)";
    CHECK_EQ_INT(render_to_file(&r, path, sizeof path), 0);
    CHECK(pdf_pages(path) > 1);
    text = pdf_to_text(path);
    CHECK_HAS(text, "Giấy tờ thứ 1:");
    CHECK_HAS(text, "Giấy tờ thứ 60:");
    CHECK_HAS(text, "NGƯỜI TIẾP NHẬN HỒ SƠ");
    CHECK_HAS(text, "63/2024/NĐ-CP");
    CHECK_HAS(text, "2. Số lượng hồ sơ: 01 bộ (60 giấy tờ).");
    unlink(path);
    free(text);
}

TEST(receipt_invalid)
{
    struct receipt r = base_receipt();
    struct receipt_doc bad = {"x", -1, 0};
    unsigned char *pdf = (unsigned char *)"x";
    size_t len = 1;
    char big[RECEIPT_MAX_FIELD + 2];

    CHECK_EQ_INT(receipt_render_pdf(NULL, &pdf, &len), -EINVAL);
    CHECK(pdf == NULL && len == 0);
    r.applicant_name = NULL;
    CHECK_EQ_INT(receipt_render_pdf(&r, &pdf, &len), -EINVAL);
    r = base_receipt();
    r.code = "";
    CHECK_EQ_INT(receipt_render_pdf(&r, &pdf, &len), -EINVAL);
    r = base_receipt();
    r.applicant_name = "Nguy\xff\xfe";
    CHECK_EQ_INT(receipt_render_pdf(&r, &pdf, &len), -EINVAL);
    r = base_receipt();
    r.docs = &bad;
    r.ndocs = 1;
    CHECK_EQ_INT(receipt_render_pdf(&r, &pdf, &len), -EINVAL);
    r = base_receipt();
    r.ndocs = -1;
    CHECK_EQ_INT(receipt_render_pdf(&r, &pdf, &len), -EINVAL);
    r = base_receipt();
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    r.applicant_address = big;
    CHECK_EQ_INT(receipt_render_pdf(&r, &pdf, &len), -EINVAL);
    CHECK(pdf == NULL);
}

/* The QR code alone, drawn on an image surface and read back by zbarimg. */
TEST(qr_decodes_to_url)
{
    const char *url = base_receipt().lookup_url;
    cairo_surface_t *s;
    cairo_t *cr;
    char path[64], cmd[512], *out;
    int mods = qr_modules(url), px = 6, side;

    CHECK(mods >= 21);
    if (mods < 21)
        return;
    side = (mods + 2 * QR_QUIET) * px;
    s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, side, side);
    cr = cairo_create(s);
    CHECK_EQ_INT(qr_draw(cr, url, 0, 0, side), 0);
    cairo_destroy(cr);
    snprintf(path, sizeof path, "/tmp/test_receipt_XXXXXX.png");
    {
        int fd = mkstemps(path, 4);
        CHECK(fd >= 0);
        if (fd >= 0)
            close(fd);
    }
    CHECK_EQ_INT(cairo_surface_write_to_png(s, path), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(s);

    /* zbarimg comes from zbar-tools, which scripts/install-deps.sh installs. */
    CHECK(system("command -v zbarimg >/dev/null 2>&1") == 0);
    snprintf(cmd, sizeof cmd, "zbarimg --raw -q '%s' 2>/dev/null", path);
    out = tool_run(cmd);
    CHECK(out != NULL);
    if (out) {
        out[strcspn(out, "\n")] = '\0';
        CHECK_EQ_STR(out, url);
    }
    free(out);
    unlink(path);

    CHECK_EQ_INT(qr_modules(""), -EINVAL);
    CHECK_EQ_INT(qr_modules(NULL), -EINVAL);
}

/* The QR printed in the receipt PDF is the lookup URL too. */
TEST(receipt_qr_in_pdf)
{
    struct receipt r = base_receipt();
    char path[64], cmd[600], *out;

    CHECK(system("command -v zbarimg >/dev/null 2>&1") == 0);
    CHECK_EQ_INT(render_to_file(&r, path, sizeof path), 0);
    snprintf(cmd, sizeof cmd,
             "pdftoppm -png -r 150 -singlefile '%s' '%s' && "
             "zbarimg --raw -q '%s.png' 2>/dev/null; rm -f '%s.png'",
             path, path, path, path);
    out = tool_run(cmd);
    CHECK(out != NULL);
    if (out) {
        out[strcspn(out, "\n")] = '\0';
        CHECK_EQ_STR(out, r.lookup_url);
    }
    free(out);
    unlink(path);
}

/* pdf helper: a table row taller than a page is split, not cut. */
TEST(pdf_tall_row_splits)
{
    static const struct pdf_table_col cols[] = {
        {"STT", 0.1, PDF_ALIGN_CENTER},
        {"Nội dung", 0.9, PDF_ALIGN_LEFT},
    };
    struct pdf_doc *d = NULL;
    unsigned char *pdf = NULL;
    size_t len = 0, n = 0;
    char *big = malloc(16000), path[64], *text;
    const char *cells[2];

    CHECK(big != NULL);
    if (!big)
        return;
    n += (size_t)snprintf(big, 16000, "ĐẦU ");
    while (n < 15000)
        n += (size_t)snprintf(big + n, 16000 - n, "Hồ sơ hợp lệ đầy đủ. ");
    snprintf(big + n, 16000 - n, "CUỐI");
    cells[0] = "1";
    cells[1] = big;
    CHECK_EQ_INT(pdf_begin(&d, NULL), 0);
    CHECK_EQ_INT(pdf_table(d, cols, 2, cells, 1), 0);
    CHECK_EQ_INT(pdf_text(d, NULL, "Kết thúc bảng"), 0);
    CHECK_EQ_INT(pdf_end(d, &pdf, &len), 0);
    pdf_free(d);
    CHECK_EQ_INT(tool_write_temp(pdf, len, ".pdf", path, sizeof path), 0);
    CHECK(pdf_pages(path) >= 3);
    text = pdf_to_text(path);
    CHECK_HAS(text, "ĐẦU Hồ sơ");
    CHECK_HAS(text, "CUỐI");
    CHECK_HAS(text, "Kết thúc bảng");
    unlink(path);
    free(text);
    free(pdf);
    free(big);
}

/* n code points taken from repeating `unit` (malloc'd). */
static char *codepoints(const char *unit, int n)
{
    GString *s = g_string_new(NULL);
    const char *p = unit;

    for (int i = 0; i < n; i++) {
        const char *next = g_utf8_next_char(p);
        g_string_append_len(s, p, next - p);
        p = *next ? next : unit;
    }
    return g_string_free(s, FALSE);
}

/* Regression (issue 7): receipts and apology letters answered 500 for text
 * the forms accept: a name of very wide glyphs (U+FDFD) made the signature
 * block taller than a page (-EMSGSIZE), and 300 four-byte characters were
 * over the field limit (-EINVAL). Each script below comes at the longest the
 * forms accept (name 100, address 300, reason 500 characters); the PDF must
 * come out with its Vietnamese text intact. Fonts missing for a script draw
 * boxes, they do not fail. */
TEST(receipt_and_apology_any_script)
{
    static const struct {
        const char *what, *name, *address, *reason;
    } cases[] = {
        {"CJK", "漢字越南語", "北京市海淀区中关村大街", "由于需要核实信息"},
        /* A ZWJ family, a flag (regional indicators), a skin tone. */
        {"emoji",
         "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7"
         "\xe2\x80\x8d\xf0\x9f\x91\xa6\xf0\x9f\x87\xbb\xf0\x9f\x87\xb3\xf0\x9f\x91\x8d"
         "\xf0\x9f\x8f\xbd",
         "\xf0\x9f\x87\xbb\xf0\x9f\x87\xb3\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbf",
         "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa6"},
        {"U+FDFD", "\xef\xb7\xbd", "\xef\xb7\xbd", "\xef\xb7\xbd"},
        {"Arabic", "محمدعبداللهالعربي", "شارع الملك فهد الرياض", "نحتاج إلى التحقق من المعلومات"},
        {"Hebrew", "שלוםעולםישראל", "רחוב הרצל תל אביב", "צריך לבדוק את המידע"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *name = codepoints(cases[i].name, 100);
        char *address = codepoints(cases[i].address, 300);
        char *reason = codepoints(cases[i].reason, 500);
        struct receipt r = base_receipt();
        char path[64], *text = NULL;
        unsigned char *pdf = NULL;
        size_t len = 0;
        int rc;

        r.applicant_name = name;
        r.applicant_address = address;
        rc = render_to_file(&r, path, sizeof path);
        if (rc)
            printf("  %s: receipt rc %d\n", cases[i].what, rc);
        CHECK_EQ_INT(rc, 0);
        if (rc == 0) {
            text = pdf_to_text(path);
            CHECK_HAS(text, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ");
            CHECK_HAS(text, "Mã hồ sơ: 000.00.06.H56-231027-0361");
            CHECK_HAS(text, "Nội dung yêu cầu giải quyết: Đăng ký khai sinh");
            CHECK_HAS(text, "NGƯỜI TIẾP NHẬN HỒ SƠ");
            CHECK_HAS(text, "Lê Văn Dũng");
            CHECK_HAS(text, "Quét mã để tra cứu tình trạng hồ sơ");
            /* Cut with an ellipsis rather than spread over many pages. */
            CHECK(pdf_pages(path) >= 1 && pdf_pages(path) <= 3);
            unlink(path);
            free(text);
        }

        struct letter_apology a = {
            .unit_name = "UBND phường Hạc Thành",
            .code = "000.00.06.H56-231027-0361",
            .applicant_name = name,
            .procedure_name = "Đăng ký khai sinh",
            .received_at = 1698368700,
            .first_due_at = 1698831000,
            .new_due_at = 1699000000,
            .issued_at = 1698900000,
            .reason = reason,
            .place = "Hạc Thành",
            .signer_title = "Người đại diện",
            .signer_name = name,
        };
        rc = letter_apology_pdf(&a, &pdf, &len);
        if (rc)
            printf("  %s: apology rc %d\n", cases[i].what, rc);
        CHECK_EQ_INT(rc, 0);
        if (rc == 0 && tool_write_temp(pdf, len, ".pdf", path, sizeof path) == 0) {
            text = pdf_to_text(path);
            CHECK_HAS(text, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ");
            CHECK_HAS(text, "Kính gửi:");
            CHECK_HAS(text, "Mong nhận được sự thông cảm của Ông/Bà.");
            CHECK_HAS(text, "NGƯỜI ĐẠI DIỆN");
            unlink(path);
            free(text);
        }
        free(pdf);
        g_free(name);
        g_free(address);
        g_free(reason);
    }
}

/* pdf helper: a column block whose text is taller than a page is cut with
 * an ellipsis to fit, instead of failing with -EMSGSIZE; what follows is
 * drawn. */
TEST(pdf_columns_squeeze_tall_text)
{
    char *wide = codepoints("\xef\xb7\xbd", 400);
    struct pdf_line lines[3] = {
        {.text = "NGƯỜI NỘP HỒ SƠ", .style = {.flags = PDF_BOLD}},
        {.text = wide, .style = {.flags = PDF_BOLD}},
        {.text = "Đã ký", .style = {.flags = PDF_ITALIC}},
    };
    struct pdf_column col = {.x = 0, .width = 0.46, .lines = lines, .nlines = 3};
    struct pdf_doc *d = NULL;
    unsigned char *pdf = NULL;
    size_t len = 0;
    char path[64], *text = NULL;

    CHECK_EQ_INT(pdf_begin(&d, NULL), 0);
    CHECK_EQ_INT(pdf_columns(d, &col, 1), 0);
    CHECK_EQ_INT(pdf_text(d, NULL, "Sau khối chữ ký"), 0);
    CHECK_EQ_INT(pdf_end(d, &pdf, &len), 0);
    pdf_free(d);
    if (pdf && tool_write_temp(pdf, len, ".pdf", path, sizeof path) == 0) {
        /* The block fills at most one page (the ellipsis is drawn; pdftotext
         * reports the text it stands for, so it cannot be checked here). */
        CHECK(pdf_pages(path) <= 2);
        text = pdf_to_text(path);
        CHECK_HAS(text, "NGƯỜI NỘP HỒ SƠ");
        CHECK_HAS(text, "Đã ký");
        CHECK_HAS(text, "Sau khối chữ ký");
        unlink(path);
    }
    free(text);
    free(pdf);
    g_free(wide);
}

/* pdf helper: errors are sticky and reported by pdf_end. */
TEST(pdf_errors)
{
    struct pdf_doc *d = NULL;
    unsigned char *pdf = NULL;
    size_t len = 0;

    CHECK_EQ_INT(pdf_begin(&d, NULL), 0);
    CHECK_EQ_INT(pdf_textf(d, NULL, "<b>%s", "unclosed"), -EINVAL);
    CHECK_EQ_INT(pdf_text(d, NULL, "ok"), -EINVAL);
    CHECK_EQ_INT(pdf_end(d, &pdf, &len), -EINVAL);
    CHECK(pdf == NULL && len == 0);
    pdf_free(d);
    pdf_free(NULL);

    CHECK_EQ_INT(pdf_begin(&d, NULL), 0);
    CHECK_EQ_INT(pdf_qr(d, "", 80, PDF_ALIGN_LEFT, NULL, NULL), -EINVAL);
    pdf_free(d);

    /* Output past the limit fails cleanly (the real limit is 20 MiB). */
    CHECK_EQ_INT(pdf_begin(&d, &(struct pdf_options){.max_bytes = 4096}), 0);
    for (int i = 0; i < 20; i++)
        pdf_text(d, NULL, "Trang dài: Cộng hòa xã hội chủ nghĩa Việt Nam.");
    CHECK_EQ_INT(pdf_end(d, &pdf, &len), -EFBIG);
    CHECK(pdf == NULL && len == 0);
    pdf_free(d);
}

int main(void)
{
    RUN(vn_time);
    RUN(receipt_text);
    RUN(receipt_online);
    RUN(receipt_escaping_and_nfc);
    RUN(receipt_many_docs_flow);
    RUN(receipt_invalid);
    RUN(qr_decodes_to_url);
    RUN(receipt_qr_in_pdf);
    RUN(pdf_tall_row_splits);
    RUN(pdf_errors);
    RUN(receipt_and_apology_any_script);
    RUN(pdf_columns_squeeze_tall_text);
    return harness_done();
}
