/* receipt: the dossier receipt, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
 * (form 01 of Circular 01/2018/TT-VPCP), rendered as an A4 PDF with a QR
 * code of the public lookup URL. Plain data in, PDF bytes out. */
#ifndef MOTCUA_RENDER_RECEIPT_H
#define MOTCUA_RENDER_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

#define RECEIPT_MAX_FIELD 2048 /* bytes in any one text field (300 characters of 4 bytes fit) */
#define RECEIPT_MAX_DOCS 500

/* thành phần hồ sơ: one submitted document and its counts */
struct receipt_doc {
    const char *name;
    int originals, copies; /* bản chính, bản sao */
};

struct receipt {
    const char *unit_name;        /* e.g. "UBND phường Hạc Thành" */
    const char *unit_parent_name; /* e.g. "UBND TỈNH THANH HÓA", may be NULL */
    const char *code;             /* mã hồ sơ */
    const char *applicant_name, *applicant_address, *phone, *email;
    const char *procedure_name;
    const char *channel; /* "Trực tuyến", "Trực tiếp", "Bưu chính" */
    const struct receipt_doc *docs;
    int ndocs;
    const char *processing_time; /* e.g. "3 ngày làm việc" */
    int64_t received_at, due_at; /* Unix seconds; printed in UTC+7 */
    const char *return_place;
    const char *receiver_name; /* NULL/empty: blank, or "Tiếp nhận trực
                                  tuyến" when the channel is online */
    const char *lookup_url;    /* the public lookup, printed (and the QR without verify_url) */
    const char *verify_url;    /* the signed receipt's verification page
                                  (/xac-thuc/{id}): the QR code; NULL: none */
    const char *claim_code;    /* a walk-in's code to follow it online, or NULL */
};

/* Renders the receipt. Required: unit_name, code, applicant_name,
 * procedure_name, lookup_url; other text fields may be NULL (printed
 * empty). Long texts wrap and many documents flow onto further pages.
 * OUT: *out (malloc'd PDF bytes, caller frees) and *len.
 * Returns 0, -EINVAL for missing or over-long fields, invalid UTF-8 or bad
 * counts, -ENOMEM, -EFBIG (PDF over PDF_MAX_BYTES), -EIO. */
int receipt_render_pdf(const struct receipt *r, unsigned char **out,
                       size_t *len);

#endif
