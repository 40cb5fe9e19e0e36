/* receipt: form 01 of Circular 01/2018/TT-VPCP, "Giấy tiếp nhận hồ sơ và hẹn
 * trả kết quả", laid out with the pdf module (see receipt.h). */
#include "render/receipt.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/pdf.h"

#define HEAD_SIZE 10.5  /* header block, pt */
#define BODY_SIZE 12.0  /* body text, pt */
#define TITLE_SIZE 14.0
#define QR_SIZE (26 * PDF_MM)
#define SIGN_GAP 56.0   /* room for a handwritten signature, pt */
#define COUNT_MAX 999   /* originals or copies of one document */

static const char *opt(const char *s)
{
    return s ? s : "";
}

static int field_ok(const char *s, int required)
{
    if (!s)
        return !required;
    if (required && !*s)
        return 0;
    return strnlen(s, RECEIPT_MAX_FIELD + 1) <= RECEIPT_MAX_FIELD;
}

static int check(const struct receipt *r)
{
    if (!field_ok(r->unit_name, 1) || !field_ok(r->unit_parent_name, 0) ||
        !field_ok(r->code, 1) || !field_ok(r->applicant_name, 1) ||
        !field_ok(r->applicant_address, 0) || !field_ok(r->phone, 0) ||
        !field_ok(r->email, 0) || !field_ok(r->procedure_name, 1) ||
        !field_ok(r->channel, 0) || !field_ok(r->processing_time, 0) ||
        !field_ok(r->return_place, 0) || !field_ok(r->receiver_name, 0) ||
        !field_ok(r->claim_code, 0) ||
        !field_ok(r->lookup_url, 1) || !field_ok(r->verify_url, 0))
        return -EINVAL;
    if (r->ndocs < 0 || r->ndocs > RECEIPT_MAX_DOCS || (r->ndocs && !r->docs))
        return -EINVAL;
    for (int i = 0; i < r->ndocs; i++) {
        const struct receipt_doc *d = &r->docs[i];
        if (!field_ok(d->name, 1) || d->originals < 0 ||
            d->originals > COUNT_MAX || d->copies < 0 || d->copies > COUNT_MAX)
            return -EINVAL;
    }
    return 0;
}

static int online(const struct receipt *r)
{
    return r->channel && strcmp(r->channel, "Trực tuyến") == 0;
}

/* Top block: agency on the left, national motto on the right. */
static int header(struct pdf_doc *d, const struct receipt *r)
{
    char *code_line = g_strdup_printf("Mã hồ sơ: %s", r->code);
    int rc = pdf_official_header(d, HEAD_SIZE, r->unit_parent_name, r->unit_name,
                                 "Bộ phận tiếp nhận và trả kết quả", code_line);
    g_free(code_line);
    return rc;
}

static int docs_table(struct pdf_doc *d, const struct receipt *r)
{
    static const struct pdf_table_col cols[] = {
        {"STT", 0.08, PDF_ALIGN_CENTER},
        {"Tên giấy tờ", 0.60, PDF_ALIGN_LEFT},
        {"Bản chính", 0.16, PDF_ALIGN_CENTER},
        {"Bản sao", 0.16, PDF_ALIGN_CENTER},
    };
    const char **cells = NULL;
    char (*nums)[3][12] = NULL;
    int rc, i;

    if (r->ndocs == 0)
        return pdf_text(d, &(struct pdf_style){.flags = PDF_ITALIC,
                                               .indent = 18,
                                               .space_after = 4},
                        "(Không có giấy tờ kèm theo)");
    cells = calloc((size_t)r->ndocs * 4, sizeof *cells);
    nums = calloc((size_t)r->ndocs, sizeof *nums);
    if (!cells || !nums) {
        rc = -ENOMEM;
        goto out;
    }
    for (i = 0; i < r->ndocs; i++) {
        snprintf(nums[i][0], sizeof nums[i][0], "%d", i + 1);
        snprintf(nums[i][1], sizeof nums[i][1], "%d", r->docs[i].originals);
        snprintf(nums[i][2], sizeof nums[i][2], "%d", r->docs[i].copies);
        cells[i * 4 + 0] = nums[i][0];
        cells[i * 4 + 1] = r->docs[i].name;
        cells[i * 4 + 2] = nums[i][1];
        cells[i * 4 + 3] = nums[i][2];
    }
    rc = pdf_table(d, cols, 4, cells, r->ndocs);
    if (!rc)
        rc = pdf_space(d, 6);
out:
    free(cells);
    free(nums);
    return rc;
}

static int signatures(struct pdf_doc *d, const struct receipt *r)
{
    const struct pdf_style title = {.flags = PDF_BOLD,
                                    .align = PDF_ALIGN_CENTER};
    const struct pdf_style note = {.flags = PDF_ITALIC,
                                   .align = PDF_ALIGN_CENTER};
    /* Names are user data: a few lines at most, so the block keeps its
     * shape whatever was typed. */
    const struct pdf_style name = {.flags = PDF_BOLD,
                                   .align = PDF_ALIGN_CENTER,
                                   .max_lines = 3};
    int web = online(r);
    /* Nobody signs an online submission: less room. */
    const struct pdf_style gap = {.space_after = web ? 14 : SIGN_GAP};
    struct pdf_line left[4], right[4];
    struct pdf_column cols[2];
    int nl = 0, nr = 0;
    int has_receiver = r->receiver_name && *r->receiver_name;

    left[nl++] = (struct pdf_line){.text = "NGƯỜI NỘP HỒ SƠ", .style = title};
    left[nl++] = (struct pdf_line){
        .text = web ? "Nộp trực tuyến" : "(Ký và ghi rõ họ tên)",
        .style = note};
    left[nl++] = (struct pdf_line){.style = gap};
    left[nl++] = (struct pdf_line){.text = r->applicant_name, .style = name};

    right[nr++] = (struct pdf_line){.text = "NGƯỜI TIẾP NHẬN HỒ SƠ",
                                    .style = title};
    right[nr++] = (struct pdf_line){
        .text = web ? "Tiếp nhận trực tuyến" : "(Ký và ghi rõ họ tên)",
        .style = note};
    right[nr++] = (struct pdf_line){.style = gap};
    if (has_receiver)
        right[nr++] = (struct pdf_line){.text = r->receiver_name,
                                        .style = name};

    cols[0] = (struct pdf_column){.x = 0, .width = 0.46, .lines = left,
                                  .nlines = nl};
    cols[1] = (struct pdf_column){.x = 0.50, .width = 0.50, .lines = right,
                                  .nlines = nr};
    return pdf_columns(d, cols, 2);
}

int receipt_render_pdf(const struct receipt *r, unsigned char **out,
                       size_t *len)
{
    static const struct pdf_options po = {
        .size = BODY_SIZE,
        .number_pages = 1,
        .title = "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"};
    /* Ordinary lines take one to three lines; the cap keeps absurd user
     * data (hundreds of very wide glyphs) from filling pages. */
    const struct pdf_style body = {.align = PDF_ALIGN_JUSTIFY,
                                   .space_after = 4,
                                   .max_lines = 10};
    const struct pdf_style item = {.align = PDF_ALIGN_JUSTIFY,
                                   .first_indent = -14,
                                   .space_after = 4};
    struct pdf_doc *d = NULL;
    char received[64], due[64];
    char *caption = NULL;
    int rc;

    if (!out || !len)
        return -EINVAL;
    *out = NULL;
    *len = 0;
    if (!r)
        return -EINVAL;
    rc = check(r);
    if (rc)
        goto out;
    rc = pdf_vn_time(r->received_at, 0, received, sizeof received);
    if (!rc)
        rc = pdf_vn_time(r->due_at, 0, due, sizeof due);
    if (rc)
        goto out;
    rc = pdf_begin(&d, &po);
    if (rc)
        goto out;

    /* Every call below returns the document's sticky error once one has
     * happened, so the sequence is checked once, at pdf_end(). */
    header(d, r);
    pdf_space(d, 16);
    pdf_text(d,
             &(struct pdf_style){.size = TITLE_SIZE,
                                 .flags = PDF_BOLD,
                                 .align = PDF_ALIGN_CENTER,
                                 .space_after = 14},
             "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ");

    pdf_textf(d, &body, "Bộ phận tiếp nhận và trả kết quả: %s",
              r->unit_name);
    pdf_textf(d, &body, "Tiếp nhận hồ sơ của: <b>%s</b>", r->applicant_name);
    pdf_textf(d, &body, "Địa chỉ: %s", opt(r->applicant_address));
    pdf_textf(d,
              &(struct pdf_style){.tab = pdf_text_width(d) / 2,
                                  .space_after = body.space_after,
                                  .max_lines = body.max_lines},
              "Số điện thoại: %s\tEmail: %s", opt(r->phone), opt(r->email));
    pdf_textf(d, &body, "Nội dung yêu cầu giải quyết: <b>%s</b>",
              r->procedure_name);
    pdf_textf(d, &body, "Hình thức nộp hồ sơ: %s", opt(r->channel));

    pdf_text(d, &item, "1. Thành phần hồ sơ nộp gồm:");
    docs_table(d, r);
    pdf_textf(d, &item, "2. Số lượng hồ sơ: 01 bộ (%d giấy tờ).", r->ndocs);
    pdf_textf(d, &item, "3. Thời gian giải quyết hồ sơ theo quy định: %s.",
              opt(r->processing_time));
    pdf_textf(d, &item, "4. Thời gian nhận hồ sơ: %s.", received);
    pdf_textf(d, &item, "5. Thời gian hẹn trả kết quả: %s.", due);
    pdf_textf(d, &item, "6. Đăng ký nhận kết quả tại: %s.",
              opt(r->return_place));
    if (r->claim_code && *r->claim_code)
        pdf_textf(d, &item,
                  "7. Mã nhận hồ sơ: %s. Để theo dõi hồ sơ trên Cổng dịch vụ công, đăng nhập, "
                  "vào mục \"Hồ sơ của tôi\", chọn \"Nhận hồ sơ nộp tại quầy\" và nhập mã hồ sơ "
                  "cùng mã này. Không đưa mã này cho người khác.",
                  r->claim_code);

    pdf_space(d, 14);
    signatures(d, r);
    pdf_space(d, 10);
    /* A signed receipt's QR is its verification page; the lookup stays
     * printed beside it. */
    if (r->verify_url && *r->verify_url)
        caption = g_markup_printf_escaped(
            "<i>Quét mã để xác thực giấy tiếp nhận (văn bản điện tử có ký số)</i>\n"
            "<span size=\"9216\">%s</span>\n"
            "<i>Tra cứu tình trạng hồ sơ:</i> <span size=\"9216\">%s</span>",
            r->verify_url, r->lookup_url);
    else
        caption = g_markup_printf_escaped(
            "<i>Quét mã để tra cứu tình trạng hồ sơ</i>\n"
            "<span size=\"9216\">%s</span>",
            r->lookup_url);
    pdf_qr(d, r->verify_url && *r->verify_url ? r->verify_url : r->lookup_url, QR_SIZE,
           PDF_ALIGN_LEFT, &(struct pdf_style){.flags = PDF_MARKUP}, caption);
    rc = pdf_end(d, out, len);
out:
    g_free(caption);
    pdf_free(d);
    return rc;
}
