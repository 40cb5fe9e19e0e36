/* letter: result documents and apology letters on the pdf.h layout. */
#include "render/letter.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "render/pdf.h"

static const struct pdf_style title_style = {
    .size = 14, .flags = PDF_BOLD | PDF_UPPER, .align = PDF_ALIGN_CENTER, .space_before = 18};
static const struct pdf_style body = {.align = PDF_ALIGN_LEFT, .space_after = 4};

/* "Hạc Thành, ngày 27 tháng 11 năm 2026" in italics, right side. */
static int place_date(struct pdf_doc *d, const char *place, int64_t t)
{
    char date[64];
    if (pdf_vn_time(t, 1, date, sizeof date))
        return -EINVAL;
    return pdf_textf(d,
                     &(struct pdf_style){.flags = PDF_ITALIC, .align = PDF_ALIGN_RIGHT,
                                         .space_before = 6},
                     "%s, %s", place && *place ? place : "", date);
}

static int signature(struct pdf_doc *d, const char *title, const char *name)
{
    struct pdf_line lines[3] = {
        {.text = title, .style = {.flags = PDF_BOLD | PDF_UPPER, .align = PDF_ALIGN_CENTER}},
        {.text = NULL, .style = {.space_after = 48}},
        {.text = name, .style = {.flags = PDF_BOLD, .align = PDF_ALIGN_CENTER, .max_lines = 3}},
    };
    struct pdf_column col = {.x = 0.5, .width = 0.5, .lines = lines, .nlines = 3};
    return pdf_columns(d, &col, 1);
}

/* The QR code at the foot: the signed document's verification page, with
 * the lookup printed under it; or the lookup alone; or nothing. */
static int foot_qr(struct pdf_doc *d, const char *lookup_url, const char *verify_url)
{
    const struct pdf_style caption = {.size = 9, .flags = PDF_ITALIC};
    if (verify_url && *verify_url) {
        char text[1200];
        if (lookup_url && *lookup_url)
            snprintf(text, sizeof text,
                     "Quét mã để xác thực văn bản điện tử có ký số: %s\n"
                     "Tra cứu tình trạng hồ sơ: %s",
                     verify_url, lookup_url);
        else
            snprintf(text, sizeof text, "Quét mã để xác thực văn bản điện tử có ký số: %s",
                     verify_url);
        return pdf_qr(d, verify_url, 56, PDF_ALIGN_LEFT, &caption, text);
    }
    if (lookup_url && *lookup_url)
        return pdf_qr(d, lookup_url, 56, PDF_ALIGN_LEFT, &caption,
                      "Quét mã để kiểm tra hồ sơ và kết quả");
    return 0;
}

static int finish(struct pdf_doc *d, int rc, unsigned char **out, size_t *len)
{
    int end = pdf_end(d, out, len);
    pdf_free(d);
    return rc ? rc : end;
}

int letter_result_pdf(const struct letter_result *l, unsigned char **out, size_t *len)
{
    struct pdf_doc *d;
    if (!l->unit_name || !l->title || !l->signer_title || (l->nfields && !l->fields))
        return -EINVAL;
    int rc = pdf_begin(&d, &(struct pdf_options){.title = l->title});
    if (rc)
        return rc;
    rc = pdf_official_header(d, 11, l->parent_name, l->unit_name, NULL, l->number_line);
    if (!rc)
        rc = place_date(d, l->place, l->issued_at);
    if (!rc)
        rc = pdf_text(d, &title_style, l->title);
    if (!rc && l->subtitle)
        rc = pdf_text(d, &(struct pdf_style){.flags = PDF_ITALIC, .align = PDF_ALIGN_CENTER},
                      l->subtitle);
    if (!rc)
        rc = pdf_space(d, 10);
    /* Label on the left, the value in bold on the right, each wrapping in
     * its own column: the look of civil-status extracts. */
    for (int i = 0; !rc && i < l->nfields; i++) {
        char label[400];
        snprintf(label, sizeof label, "%s:", l->fields[i].label);
        struct pdf_line left = {.text = label, .style = {.space_after = 1}};
        struct pdf_line right = {.text = l->fields[i].value && *l->fields[i].value
                                             ? l->fields[i].value
                                             : " ",
                                 .style = {.flags = PDF_BOLD, .space_after = 1}};
        struct pdf_column row[2] = {{.x = 0, .width = 0.36, .lines = &left, .nlines = 1},
                                    {.x = 0.37, .width = 0.63, .lines = &right, .nlines = 1}};
        rc = pdf_columns(d, row, 2);
    }
    if (!rc)
        rc = pdf_space(d, 14);
    if (!rc)
        rc = signature(d, l->signer_title, l->signer_name ? l->signer_name : "");
    if (!rc)
        rc = foot_qr(d, l->lookup_url, l->verify_url);
    return finish(d, rc, out, len);
}

int letter_apology_pdf(const struct letter_apology *l, unsigned char **out, size_t *len)
{
    struct pdf_doc *d;
    char received[64], first[64], again[64];
    if (!l->unit_name || !l->code || !l->applicant_name || !l->reason || !l->signer_title ||
        pdf_vn_time(l->received_at, 0, received, sizeof received) ||
        pdf_vn_time(l->first_due_at, 0, first, sizeof first) ||
        pdf_vn_time(l->new_due_at, 0, again, sizeof again))
        return -EINVAL;
    int rc = pdf_begin(&d, &(struct pdf_options){.title = "Phiếu xin lỗi và hẹn lại ngày trả kết quả"});
    if (rc)
        return rc;
    rc = pdf_official_header(d, 11, l->parent_name, l->unit_name, NULL, NULL);
    if (!rc)
        rc = place_date(d, l->place, l->issued_at);
    if (!rc)
        rc = pdf_text(d, &title_style, "Phiếu xin lỗi và hẹn lại ngày trả kết quả");
    if (!rc)
        rc = pdf_space(d, 10);
    if (!rc)
        rc = pdf_textf(d,
                       &(struct pdf_style){.align = PDF_ALIGN_CENTER, .space_after = 10,
                                           .max_lines = 4},
                       "Kính gửi: <b>%s</b>", l->applicant_name);
    if (!rc)
        rc = pdf_textf(d, &body,
                       "Vào %s, %s đã tiếp nhận hồ sơ <b>%s</b> của Ông/Bà, mã hồ sơ "
                       "<b>%s</b>, hẹn trả kết quả vào %s.",
                       received, l->unit_name, l->procedure_name ? l->procedure_name : "",
                       l->code, first);
    if (!rc)
        rc = pdf_textf(d, &body, "Tuy nhiên đến nay, hồ sơ của Ông/Bà chưa được giải quyết xong. "
                                 "Lý do: %s.",
                       l->reason);
    if (!rc)
        rc = pdf_textf(d, &body,
                       "Sự chậm trễ này đã gây phiền hà cho Ông/Bà. %s thành thật xin lỗi và "
                       "hẹn lại thời gian trả kết quả vào <b>%s</b>.",
                       l->unit_name, again);
    if (!rc)
        rc = pdf_text(d, &body, "Mong nhận được sự thông cảm của Ông/Bà.");
    if (!rc)
        rc = pdf_space(d, 14);
    if (!rc)
        rc = signature(d, l->signer_title, l->signer_name ? l->signer_name : "");
    if (!rc)
        rc = foot_qr(d, l->lookup_url, l->verify_url);
    return finish(d, rc, out, len);
}
