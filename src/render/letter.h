/* letter: the documents a unit issues on a dossier besides the receipt:
 * the result document drawn from a procedure's template (e.g. the birth
 * certificate extract), and the apology letter with a new appointment that
 * a late dossier requires (phiếu xin lỗi và hẹn lại ngày trả kết quả).
 * Plain structs in, PDF bytes out; Vietnamese text. */
#ifndef MOTCUA_LETTER_H
#define MOTCUA_LETTER_H

#include <stddef.h>
#include <stdint.h>

struct letter_field {
    const char *label, *value;
};

struct letter_result {
    const char *parent_name, *unit_name; /* the issuing agency */
    const char *number_line;             /* e.g. "Số: 000.01.90.H56-261127-0001" */
    const char *title, *subtitle;        /* subtitle may be NULL */
    const struct letter_field *fields;
    int nfields;
    int64_t issued_at;                   /* printed as the place-and-date line */
    const char *place;                   /* e.g. "Hạc Thành" */
    const char *signer_title, *signer_name;
    const char *lookup_url;              /* the public lookup, may be NULL */
    const char *verify_url;              /* the signed document's verification page
                                            (/xac-thuc/{id}), may be NULL */
};

struct letter_apology {
    const char *parent_name, *unit_name;
    const char *code, *applicant_name, *procedure_name;
    int64_t received_at, first_due_at, new_due_at, issued_at;
    const char *reason;
    const char *place;
    const char *signer_title, *signer_name;
    const char *lookup_url, *verify_url; /* as in letter_result, may be NULL */
};

/* The QR code at the foot of a letter: the verification page when there is
 * one (the lookup printed under it), else the lookup. */

/* Each returns 0 with the malloc'd PDF bytes in *out and *len, or a negative errno
 * (-EINVAL for missing text or invalid UTF-8). */
int letter_result_pdf(const struct letter_result *l, unsigned char **out, size_t *len);
int letter_apology_pdf(const struct letter_apology *l, unsigned char **out, size_t *len);

#endif
