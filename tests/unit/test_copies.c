/* Tests of src/copies/: the statement's text, the copy's PDF from PNG,
 * JPEG and PDF scans (a JPEG embedded byte for byte, a PDF kept as it
 * is), refused scans, and the register: numbers in sequence per unit and
 * year, a copy made with a number taken meanwhile refused with nothing
 * written, a new year starting at 1, the permission, and the signed copy
 * verifying against the data directory's roots. */
#include "copies/copies.h"
#include "copies/copy_pdf.h"

#include <cairo.h>
#include <math.h>
#include <jpeglib.h>

#include "base/util.h"
#include "fixture.h"
#include "harness.h"
#include "issued/signing.h"
#include "pdf_gen.h"
#include "sign/keys.h"
#include "sign/pdf_read.h"
#include "sign/pdf_verify.h"
#include "dossier/filestore.h"

static int64_t unit, leader, specialist, reception;

/* --- scans, made here --------------------------------------------------- */

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int n)
{
    return dynbuf_add(closure, data, n) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* A w x h PNG: white with dark bars. Caller frees. */
static unsigned char *make_png(int w, int h, size_t *len)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    for (int y = 20; y < h - 20; y += 30)
        cairo_rectangle(cr, 20, y, w - 40, 6);
    cairo_fill(cr);
    cairo_destroy(cr);
    struct dynbuf b;
    dynbuf_init(&b, 16 << 20);
    cairo_surface_write_to_png_stream(s, to_buf, &b);
    cairo_surface_destroy(s);
    return gen_take(&b, len);
}

/* A w x h JPEG (a grey gradient). Caller frees. */
static unsigned char *make_jpeg(int w, int h, size_t *len)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr je;
    unsigned char *out = NULL;
    unsigned long n = 0;
    ci.err = jpeg_std_error(&je);
    jpeg_create_compress(&ci);
    jpeg_mem_dest(&ci, &out, &n);
    ci.image_width = (JDIMENSION)w;
    ci.image_height = (JDIMENSION)h;
    ci.input_components = 3;
    ci.in_color_space = JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_start_compress(&ci, TRUE);
    unsigned char *row = malloc((size_t)w * 3);
    while (ci.next_scanline < ci.image_height) {
        for (int x = 0; x < w; x++)
            row[x * 3] = row[x * 3 + 1] = row[x * 3 + 2] = (unsigned char)(x * 255 / w);
        JSAMPROW rows[1] = {row};
        jpeg_write_scanlines(&ci, rows, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    free(row);
    *len = n;
    return out;
}

static const struct copies_statement statement = {
    .unit_name = "Phường Hạc Thành",
    .number = 15,
    .book = "01/2026-SCT/BS",
    .when = 0, /* set in main: 12/03/2026 09:00 in Vietnam */
    .verify_url = "https://dichvucong.thanhhoa.example.vn/xac-thuc/abcdefghijklmnopqrst",
};

static struct copies_statement the_statement(void)
{
    struct copies_statement st = statement;
    st.when = fx_local(2026, 3, 12, 9, 0);
    return st;
}

TEST(the_statement_reads_as_the_circular_form)
{
    struct copies_statement st = the_statement();
    char text[512];
    CHECK_EQ_INT(copies_statement_text(&st, text, sizeof text), 0);
    CHECK_EQ_STR(text, "Chứng thực bản sao này đúng với bản chính.\n"
                       "Số chứng thực: 15, Quyển số: 01/2026-SCT/BS\n"
                       "Phường Hạc Thành, ngày 12 tháng 03 năm 2026");
    CHECK_EQ_INT(copies_statement_text(&st, text, 40), -1);
    char book[COPIES_BOOK_MAX];
    copies_book(2027, book, sizeof book);
    CHECK_EQ_STR(book, "01/2027-SCT/BS");
    /* 31/12/2026 23:30 in Vietnam is 16:30 UTC: still 2026; half an hour later, 2027. */
    CHECK_EQ_INT(copies_year(fx_local(2026, 12, 31, 23, 30)), 2026);
    CHECK_EQ_INT(copies_year(fx_local(2027, 1, 1, 0, 0)), 2027);
}

TEST(codes_are_read_as_people_type_them)
{
    char out[COPIES_CODE_LEN + 1];
    CHECK_EQ_INT(copies_code_normalise("abcde-fghjk", out), 1);
    CHECK_EQ_STR(out, "ABCDEFGHJK");
    CHECK_EQ_INT(copies_code_normalise(" ABC DE FGH JK ", out), 1);
    CHECK_EQ_STR(out, "ABCDEFGHJK");
    CHECK_EQ_INT(copies_code_normalise("ABCDE-FGHJ", out), 0);     /* too short */
    CHECK_EQ_INT(copies_code_normalise("ABCDE-FGHJKL", out), 0);   /* too long */
    CHECK_EQ_INT(copies_code_normalise("ABCDE-FGHJ0", out), 0);    /* 0 is not in the alphabet */
    CHECK_EQ_INT(copies_code_normalise("ABCDE-FGHJI", out), 0);    /* nor I */
    CHECK_EQ_INT(copies_code_normalise("ABCDE/FGHJK", out), 0);
    CHECK_EQ_INT(copies_code_normalise("", out), 0);
    CHECK_EQ_INT(copies_code_normalise(NULL, out), 0);
}

TEST(png_scans_become_a4_pages_with_the_statement_band)
{
    size_t l1, l2;
    unsigned char *p1 = make_png(600, 850, &l1), *p2 = make_png(850, 600, &l2);
    struct copies_scan scans[2] = {{"a.png", p1, l1, "image/png"}, {"b.png", p2, l2, "image/png"}};
    struct copies_statement st = the_statement();
    struct copies_pdf out;
    struct derr err = {0};
    CHECK_EQ_INT(copies_make_pdf(scans, 2, &st, &out, &err), 0);
    CHECK_EQ_INT(out.pages, 2);
    CHECK_EQ_INT(out.pdf_scan, 0);
    CHECK_EQ_INT(out.has_seal_rect, 0);
    CHECK(out.len > 1000 && memcmp(out.pdf, "%PDF-", 5) == 0);
    /* The last page is landscape A4 (the second image is wider than tall):
     * the official signs in the band's right part, above the bottom margin. */
    CHECK(out.official_rect[2] <= 841.89 - 28 && out.official_rect[0] > 841.89 / 2);
    CHECK(out.official_rect[1] >= 28 && out.official_rect[3] < 595.28 / 2);
    CHECK(strstr(out.statement, "Số chứng thực: 15, Quyển số: 01/2026-SCT/BS") != NULL);
    struct pdfr *f;
    char why[256];
    CHECK_EQ_INT(pdfr_open(out.pdf, out.len, &f, why, sizeof why), 0);
    struct pdfr_page pg;
    CHECK_EQ_INT(pdfr_page(f, -1, &pg), 0);
    CHECK_EQ_INT(pg.count, 2);
    CHECK(pg.box[2] > 841 && pg.box[2] < 842 && pg.box[3] > 595 && pg.box[3] < 596);
    CHECK_EQ_INT(pdfr_page(f, 0, &pg), 0);
    CHECK(pg.box[2] > 595 && pg.box[2] < 596);
    pdfr_free(f);
    copies_pdf_clear(&out);
    free(p1);
    free(p2);
}

TEST(a_jpeg_is_embedded_as_it_came)
{
    size_t len;
    unsigned char *j = make_jpeg(400, 560, &len);
    struct copies_scan scan = {"a.jpg", j, len, "image/jpeg"};
    struct copies_statement st = the_statement();
    struct copies_pdf out;
    struct derr err = {0};
    CHECK_EQ_INT(copies_make_pdf(&scan, 1, &st, &out, &err), 0);
    CHECK(memmem(out.pdf, out.len, j, len) != NULL);
    CHECK(memmem(out.pdf, out.len, "/DCTDecode", 10) != NULL);
    copies_pdf_clear(&out);
    /* Cut in half: damaged, refused. */
    scan.len = len / 2;
    CHECK_EQ_INT(copies_make_pdf(&scan, 1, &st, &out, &err), -1);
    CHECK_EQ_STR(err.code, "scan_unreadable");
    CHECK_EQ_STR(err.field, "files");
    CHECK(out.pdf == NULL);
    free(j);
}

TEST(a_pdf_scan_is_kept_byte_for_byte)
{
    size_t len;
    unsigned char *pdf = gen_pdf_cairo(3, &len);
    struct copies_scan scan = {"a.pdf", pdf, len, "application/pdf"};
    struct copies_statement st = the_statement();
    struct copies_pdf out;
    struct derr err = {0};
    CHECK_EQ_INT(copies_make_pdf(&scan, 1, &st, &out, &err), 0);
    CHECK_EQ_INT(out.pdf_scan, 1);
    CHECK_EQ_INT(out.pages, 3);
    CHECK(out.len == len && memcmp(out.pdf, pdf, len) == 0);
    CHECK_EQ_INT(out.has_seal_rect, 1);
    /* The seal's right edge on the left third of the official's block,
     * which starts at 45% of the widget: clear of the QR code on its left. */
    double w = out.official_rect[2] - out.official_rect[0];
    double block = out.official_rect[0] + 0.45 * w;
    CHECK(out.seal_rect[2] > block && out.seal_rect[2] < block + (0.55 * w) / 3 + 0.01);
    CHECK(out.seal_rect[0] > out.official_rect[0] + 0.30 * w);
    copies_pdf_clear(&out);
    free(pdf);
}

/* A scan whose page is turned (/Rotate 90: an A4 page shown landscape):
 * the statement goes at the bottom right as displayed, 10 mm in, and the
 * rectangles are the displayed page's (pades_options.rect). */
TEST(a_turned_pdf_scan_is_signed_as_displayed)
{
    size_t len;
    unsigned char *pdf = gen_pdf_classic("", "/Rotate 90", "", &len);
    struct copies_scan scan = {"a.pdf", pdf, len, "application/pdf"};
    struct copies_statement st = the_statement();
    struct copies_pdf out;
    struct derr err = {0};
    CHECK_EQ_INT(copies_make_pdf(&scan, 1, &st, &out, &err), 0);
    CHECK_EQ_INT(out.pdf_scan, 1);
    /* Displayed 842 x 595: 400 x 200 pt, right edge at 842 - 10 mm. */
    const double mm10 = 10 * 72.0 / 25.4;
    CHECK(fabs(out.official_rect[2] - (842 - mm10)) < 0.01);
    CHECK(fabs(out.official_rect[0] - (842 - mm10 - 400)) < 0.01);
    CHECK(fabs(out.official_rect[1] - mm10) < 0.01);
    CHECK(fabs(out.official_rect[3] - (mm10 + 200)) < 0.01);
    CHECK(out.seal_rect[0] > out.official_rect[0] && out.seal_rect[2] < out.official_rect[2]);
    copies_pdf_clear(&out);
    free(pdf);
}

TEST(bad_scans_are_refused)
{
    struct copies_statement st = the_statement();
    struct copies_pdf out;
    struct derr err = {0};
    /* A PDF the reader refuses. */
    const unsigned char junk[] = "%PDF-1.4\nnothing more";
    struct copies_scan s = {"x.pdf", junk, sizeof junk - 1, "application/pdf"};
    CHECK_EQ_INT(copies_make_pdf(&s, 1, &st, &out, &err), -1);
    CHECK_EQ_STR(err.code, "scan_unreadable");
    /* A PNG too small to be a scan, one too large (its header says
     * 20000 x 20000; refused before anything is decoded), one damaged. */
    size_t len;
    unsigned char *p = make_png(50, 50, &len);
    s = (struct copies_scan){"x.png", p, len, "image/png"};
    CHECK_EQ_INT(copies_make_pdf(&s, 1, &st, &out, &err), -1);
    CHECK_EQ_STR(err.code, "scan_too_small");
    free(p);
    p = make_png(200, 300, &len);
    unsigned char big[64];
    memcpy(big, p, sizeof big);
    const unsigned char side[4] = {0, 0, 0x4e, 0x20}; /* 20000 */
    memcpy(big + 16, side, 4);
    memcpy(big + 20, side, 4);
    s = (struct copies_scan){"x.png", big, sizeof big, "image/png"};
    CHECK_EQ_INT(copies_make_pdf(&s, 1, &st, &out, &err), -1);
    CHECK_EQ_STR(err.code, "scan_too_large");
    CHECK_EQ_INT(err.kind, DERR_TOO_LARGE);
    s = (struct copies_scan){"x.png", p, len - 30, "image/png"};
    CHECK_EQ_INT(copies_make_pdf(&s, 1, &st, &out, &err), -1);
    CHECK_EQ_STR(err.code, "scan_unreadable");
    /* A PDF among images. */
    struct copies_scan two[2] = {{"a.pdf", junk, sizeof junk - 1, "application/pdf"},
                                 {"x.png", p, len, "image/png"}};
    CHECK_EQ_INT(copies_make_pdf(two, 2, &st, &out, &err), -1);
    CHECK_EQ_STR(err.code, "mixed_scans");
    CHECK(out.pdf == NULL);
    free(p);
}

/* --- the register --------------------------------------------------------- */

static int64_t dossier_id;

/* A received dossier of the certification procedure with a stored PNG scan. */
static int64_t certification_dossier(void)
{
    struct dossier_create c = {.procedure_code = FX_COPY, .unit_code = FX_COMMUNE,
                               .received_by = reception, .channel = "desk",
                               .applicant_id_number = "038090012345",
                               .applicant_name = "Lê Văn Hùng"};
    if (dossier_create_job(fx_db, &c))
        return -1;
    size_t len;
    unsigned char *p = make_png(400, 560, &len);
    char dir[400], sha[65];
    snprintf(dir, sizeof dir, "%s/files", fx_dir);
    int rc = issued_store_file(dir, p, len, sha);
    free(p);
    if (rc)
        return -1;
    char sql[600];
    snprintf(sql, sizeof sql,
             "UPDATE dossiers SET code = 'TEST-COPY-%lld', state = 'received', status_code = 2,"
             " current_unit_id = unit_id"
             " WHERE id = %lld",
             (long long)c.id, (long long)c.id);
    if (store_exec(fx_db, sql))
        return -1;
    snprintf(sql, sizeof sql,
             "INSERT INTO dossier_files (dossier_id, name, document_key, content_type, size,"
             " sha256, uploaded_at) VALUES (%lld, 'scan.png', 'ban_chinh', 'image/png', %zu,"
             " '%s', 0)",
             (long long)c.id, len, sha);
    return store_exec(fx_db, sql) ? -1 : c.id;
}

static const char *scan_names[] = {"scan.png"};

static void new_issue(struct copies_issue *a, int64_t officer, int64_t now)
{
    memset(a, 0, sizeof *a);
    a->dossier_id = dossier_id;
    a->officer_id = officer;
    a->names[0] = scan_names[0];
    a->nnames = 1;
    a->now = now;
    copy_str(a->title, sizeof a->title, "Giấy khai sinh");
}

/* Makes and signs the copy a describes, as the HTTP layer does on the pool
 * (without timestamps), and stores it. */
static int make_and_sign(struct copies_issue *a, json_t **signers)
{
    char path[600];
    snprintf(path, sizeof path, "%s/files", fx_dir);
    size_t size;
    int fd = filestore_open(path, a->sources[0].sha256, &size);
    if (fd < 0)
        return -1;
    unsigned char *data = malloc(size);
    if (read(fd, data, size) != (ssize_t)size) {
        close(fd);
        free(data);
        return -1;
    }
    close(fd);
    struct copies_scan scan = {"scan.png", data, size, "image/png"};
    char url[200];
    snprintf(url, sizeof url, "https://example.vn/xac-thuc/%s", a->public_id);
    struct copies_statement st = {a->unit_name, a->number, a->book, a->now, url};
    struct copies_pdf pdf;
    struct issued_output out;
    struct derr err = {0};
    int rc = copies_make_pdf(&scan, 1, &st, &pdf, &err);
    free(data);
    if (rc)
        return -1;
    struct issued_signature sigs[2] = {
        {.unit_id = a->unit_id, .account_id = a->officer_id, .title = "PHÓ CHỦ TỊCH",
         .rect = pdf.official_rect},
        {.unit_id = a->unit_id}};
    struct issued_signing in = {.data_dir = fx_dir, .sigs = sigs, .nsigs = 2, .now = a->now};
    rc = issued_sign_pdf(fx_db, &in, pdf.pdf, pdf.len, &out, &err);
    copies_pdf_clear(&pdf);
    if (rc)
        return -1;
    rc = issued_store_file(path, out.pdf, out.len, a->sha256);
    X509_STORE *trust = keys_trust_store(fx_db);
    json_t *report = NULL;
    char why[256];
    if (!rc && (pdfv_verify(out.pdf, out.len, trust, &report, why, sizeof why) != 0 ||
                strcmp(json_string_value(json_object_get(report, "verdict")), "valid") != 0))
        rc = -1;
    json_decref(report);
    X509_STORE_free(trust);
    a->pages = 1;
    *signers = out.signers;
    out.signers = NULL;
    a->signed_as = (struct issued_signed){.state = out.state, .sha256 = a->sha256,
                                          .size = (int64_t)out.len, .signers = *signers};
    issued_output_clear(&out);
    return rc;
}

static int run_job(struct copies_issue *a)
{
    store_begin(fx_db);
    int rc = copies_issue_job(fx_db, a);
    if (rc)
        store_rollback(fx_db);
    else
        store_commit(fx_db);
    return rc;
}

static int64_t copies_rows(void)
{
    return fx_int("SELECT (SELECT count(*) FROM certified_copies) * 1000"
                  " + (SELECT count(*) FROM issued_documents)",
                  NULL);
}

TEST(numbers_run_in_sequence_and_a_taken_one_writes_nothing)
{
    int64_t now = fx_local(2026, 6, 1, 9, 0);
    struct copies_issue a, b;
    json_t *sa = NULL, *sb = NULL;
    /* Two copies made at the same time: both read number 1. */
    new_issue(&a, leader, now);
    new_issue(&b, leader, now);
    CHECK_EQ_INT(copies_issue_check(fx_db, &a), 0);
    CHECK_EQ_INT(copies_issue_check(fx_db, &b), 0);
    CHECK_EQ_INT(a.number, 1);
    CHECK_EQ_INT(b.number, 1);
    CHECK_EQ_STR(a.book, "01/2026-SCT/BS");
    CHECK(strcmp(a.public_id, b.public_id) != 0);
    CHECK_EQ_INT(make_and_sign(&a, &sa), 0);
    CHECK_EQ_INT(make_and_sign(&b, &sb), 0);
    CHECK_EQ_INT(run_job(&a), 0);
    /* The second finds its number taken: refused, nothing written. */
    int64_t state = fx_state(), rows = copies_rows();
    CHECK_EQ_INT(run_job(&b), -1);
    CHECK_EQ_STR(b.err.code, "register_moved");
    CHECK_EQ_INT(b.err.kind, DERR_TAKEN);
    CHECK_EQ_INT(fx_state(), state);
    CHECK_EQ_INT(copies_rows(), rows);
    /* Made again with the next number, it is recorded as 2. */
    derr_clear(&b.err);
    CHECK_EQ_INT(copies_next_number(fx_db, b.unit_id, b.year, &b.number), 0);
    CHECK_EQ_INT(b.number, 2);
    json_decref(sb);
    CHECK_EQ_INT(make_and_sign(&b, &sb), 0);
    CHECK_EQ_INT(run_job(&b), 0);
    char list[64];
    fx_text("SELECT group_concat(number, ',') FROM (SELECT number FROM certified_copies"
            " ORDER BY number)", NULL, list, sizeof list);
    CHECK_EQ_STR(list, "1,2");
    /* The record beside its issued document. */
    CHECK_EQ_INT(fx_int("SELECT count(*) FROM certified_copies c JOIN issued_documents i"
                        " ON i.id = c.issued_id WHERE i.kind = 'certified_copy'"
                        " AND c.holder_id_number = '038090012345' AND c.pages = 1",
                        NULL),
                 2);
    CHECK_EQ_INT(fx_int("SELECT count(*) FROM audit_log WHERE action = 'copy.certify'", NULL), 2);
    json_decref(sa);
    json_decref(sb);
}

TEST(a_new_year_opens_a_new_book_at_1)
{
    struct copies_issue a;
    json_t *s = NULL;
    new_issue(&a, leader, fx_local(2027, 1, 4, 9, 0));
    CHECK_EQ_INT(copies_issue_check(fx_db, &a), 0);
    CHECK_EQ_INT(a.number, 1);
    CHECK_EQ_STR(a.book, "01/2027-SCT/BS");
    CHECK_EQ_INT(make_and_sign(&a, &s), 0);
    CHECK_EQ_INT(run_job(&a), 0);
    json_decref(s);
}

TEST(who_may_certify_and_when)
{
    struct copies_issue a;
    int64_t now = fx_local(2026, 6, 2, 9, 0);
    /* The specialist holds no copy.certify. */
    new_issue(&a, specialist, now);
    CHECK_EQ_INT(copies_issue_check(fx_db, &a), -1);
    CHECK_EQ_STR(a.err.code, "forbidden");
    /* A scan the dossier does not have. */
    new_issue(&a, leader, now);
    a.names[0] = "khong-co.png";
    CHECK_EQ_INT(copies_issue_check(fx_db, &a), -1);
    CHECK_EQ_STR(a.err.code, "scan_not_found");
    /* Not while the dossier waits for its fee. */
    CHECK_EQ_INT(store_exec(fx_db, "UPDATE dossiers SET state = 'payment', status_code = 6"
                                   " WHERE code LIKE 'TEST-COPY-%'"),
                 0);
    new_issue(&a, leader, now);
    CHECK_EQ_INT(copies_issue_check(fx_db, &a), -1);
    CHECK_EQ_STR(a.err.code, "wrong_state");
    CHECK_EQ_INT(store_exec(fx_db, "UPDATE dossiers SET state = 'received', status_code = 2"
                                   " WHERE code LIKE 'TEST-COPY-%'"),
                 0);
}

int main(void)
{
    if (fx_open("copies"))
        return 1;
    unit = fx_unit(FX_COMMUNE);
    leader = fx_account(FX_LEADER);
    specialist = fx_account(FX_SPECIALIST);
    reception = fx_account(FX_RECEPTION);
    RUN(the_statement_reads_as_the_circular_form);
    RUN(codes_are_read_as_people_type_them);
    RUN(png_scans_become_a4_pages_with_the_statement_band);
    RUN(a_jpeg_is_embedded_as_it_came);
    RUN(a_pdf_scan_is_kept_byte_for_byte);
    RUN(a_turned_pdf_scan_is_signed_as_displayed);
    RUN(bad_scans_are_refused);
    dossier_id = certification_dossier();
    if (dossier_id <= 0) {
        printf("cannot make the certification dossier\n");
        return 1;
    }
    RUN(numbers_run_in_sequence_and_a_taken_one_writes_nothing);
    RUN(a_new_year_opens_a_new_book_at_1);
    RUN(who_may_certify_and_when);
    fx_close();
    return harness_done();
}
