/* copies: certified electronic copies from originals (chứng thực bản sao
 * điện tử từ bản chính, Decree 23/2015/NĐ-CP), issued at the desk in a
 * dossier of a procedure whose result is a certified copy: the register
 * (sổ chứng thực bản sao từ bản chính) of each unit and year with its
 * numbers, the copy's record beside its issued document (issued/), and the
 * holder's code that attaches the copy to a later dossier instead of a new
 * upload. How the PDF is made is in copies/copy_pdf.h; the design, in
 * docs/certified-copies.md.
 *
 * Write operations are writer jobs (one transaction with the audit entry);
 * reads take any connection. */
#ifndef MOTCUA_COPIES_H
#define MOTCUA_COPIES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"
#include "issued/issued.h"

struct store;

#define COPIES_PERMISSION "copy.certify" /* who certifies: người thực hiện chứng thực */
#define COPIES_CODE_LEN 10               /* the holder's code, shown XXXXX-XXXXX */
#define COPIES_TITLE_MAX 200             /* characters of the original's title */
#define COPIES_SIGNER_TITLE_MAX 60       /* characters of the certifier's title */
#define COPIES_MAX_SCANS 20              /* files one copy is made from */
#define COPIES_BOOK_MAX 32               /* bytes of "01/2026-SCT/BS" */

/* The register's book of a year: "01/2026-SCT/BS" (one book a year).
 * OUT: out (at least COPIES_BOOK_MAX bytes). */
void copies_book(int year, char *out, size_t cap);

/* The year of Unix time t in Vietnam. */
int copies_year(int64_t t);

/* The next number of unit_id's register for year: one past the last, 1 for
 * a new year. OUT: *number. Returns 0 or a store error. */
int copies_next_number(struct store *db, int64_t unit_id, int year, int64_t *number);

/* Is s, as a person types it (any case, spaces and dashes ignored), the
 * shape of a code? Writes the canonical code (COPIES_CODE_LEN upper-case
 * characters) to out (COPIES_CODE_LEN + 1 bytes). 1 or 0. */
int copies_code_normalise(const char *s, char out[COPIES_CODE_LEN + 1]);

/* --- issuing --------------------------------------------------------------- */

/* One scan of the dossier a copy is made from. */
struct copies_source {
    char name[101];         /* the dossier file's name */
    char sha256[65];
    char content_type[32];  /* application/pdf, image/jpeg, image/png */
    int64_t size;
};

/* What is known before the copy is made, checked by copies_issue_check on
 * the loop and again by copies_issue_job in its transaction. */
struct copies_issue {
    int64_t dossier_id, officer_id;
    char title[COPIES_TITLE_MAX * 4 + 1];             /* the original's title */
    char signer_title[COPIES_SIGNER_TITLE_MAX * 4 + 1]; /* "" = "NGƯỜI THỰC HIỆN CHỨNG THỰC" */
    const char *names[COPIES_MAX_SCANS];              /* the scans, by file name (borrowed) */
    int nnames;
    int64_t now;
    /* Filled by copies_issue_check: */
    int64_t unit_id;                /* the unit certifying: the one holding the dossier */
    char unit_name[256];
    char officer_name[256];
    struct copies_source sources[COPIES_MAX_SCANS];
    int year;
    int64_t number;                 /* the number the copy is made with */
    char book[COPIES_BOOK_MAX];
    char public_id[ISSUED_PUBLIC_ID_LEN + 1]; /* drawn once: its QR is on the page */
    char code[COPIES_CODE_LEN + 1];           /* drawn once */
    /* Filled by the caller once the copy is made and signed: */
    int pages;
    struct issued_signed signed_as;
    char sha256[65];
    /* OUT of copies_issue_job: */
    int64_t copy_id, issued_id;
    struct derr err;
};

/* Everything a copy needs before it is made, from the loop's read-only
 * connection: the dossier is of a procedure whose result is a certified
 * copy and is being handled (received, processing, awaiting approval:
 * 409 wrong_state otherwise); the officer holds copy.certify on the unit
 * holding it (403 forbidden); each name is a file the applicant handed in
 * (404 scan_not_found, field "files"), either one PDF or images (JPEG,
 * PNG) only (422 mixed_scans); the officer's personal key and the unit's
 * seal may sign now (the key store's refusal: no_certificate,
 * certificate_expired, ...). Fills the unit, names, sources, the register's
 * year, book and next number, and draws the public id and the code.
 * Returns 0 or -1 with a->err. */
int copies_issue_check(struct store *db, struct copies_issue *a);

/* Records a copy made and signed as a says (its file already stored): the
 * checks of copies_issue_check again, then the register's number, which
 * must still be the next one (else DERR_TAKEN "register_moved": make the
 * copy again with copies_next_number's; nothing is written), the issued
 * document, the copy's row and the audit entry. */
int copies_issue_job(struct store *db, void *arg);

/* --- reuse ----------------------------------------------------------------- */

/* Attaches a certified copy to a dossier by its code, as a file of the
 * document document_key, instead of an upload: the copy's signed PDF by
 * its hash, named ban-sao-chung-thuc-CODE.pdf, through the same checks as
 * an upload (dossier_add_file_job: a draft the actor may change or a
 * supplement; a document of its procedure; room), and the copy marked as
 * used in that dossier. Whose copies may be attached:
 *  - a citizen (staff 0): copies of dossiers they own whose result was
 *    returned, to their own dossier;
 *  - an officer (staff 1) registering a walk-in: copies issued by a unit
 *    where they hold dossier.read (or below it), whose dossier's result was
 *    returned, for the same person: the copy's holder ID number is the
 *    walk-in applicant's, as shown at the desk.
 * Any other code (malformed, unknown, someone else's) is refused alike:
 * 404 copy_not_found, field "code". */
struct copies_attach {
    int64_t dossier_id, actor_id;
    int staff;
    char code[64];            /* as typed */
    char document_key[65];
    /* OUT: */
    char file_name[101];
    int64_t copy_id, size;
    struct derr err;
};
int copies_attach_job(struct store *db, void *arg);

/* --- reading --------------------------------------------------------------- */

/* One copy, as the API shows it. */
struct copies_copy {
    int64_t id, unit_id, dossier_id, issued_id, officer_id;
    int year;
    int64_t number;
    char book[COPIES_BOOK_MAX];
    char code[COPIES_CODE_LEN + 1];
    char title[COPIES_TITLE_MAX * 4 + 1];
    int pages;
    int64_t created_at;
    char public_id[ISSUED_PUBLIC_ID_LEN + 1];
    char sha256[65];
    int64_t size;
    char state[24];           /* the issued document's state */
};

/* The copies issued in a dossier, oldest first, for the officers:
 * [{id, number, book, year, code, title, pages, created_at, public_id,
 *   state, size, officer, unit, sources, uses}]. A new reference, or NULL on
 * a store error. */
json_t *copies_dossier_json(struct store *db, int64_t dossier_id);

/* The holder's copies (of dossiers they own, their result returned),
 * newest first: [{code, number, book, year, title, pages, created_at,
 * public_id, unit, dossier_code, size, uses}]. NULL on a store error. */
json_t *copies_owner_json(struct store *db, int64_t account_id);

/* A copy by its code, only if account_id may download it (the holder,
 * the dossier's result returned); a copy by id in a dossier for officers.
 * Returns STORE_ROW with *out, STORE_DONE, or a store error. */
int copies_get_owned(struct store *db, const char *code, int64_t account_id,
                     struct copies_copy *out);
int copies_get_in_dossier(struct store *db, int64_t dossier_id, int64_t id,
                          struct copies_copy *out);

/* Is the dossier's procedure one whose result is a certified copy? 1, 0,
 * or a negative store error. */
int copies_dossier_certifies(struct store *db, int64_t dossier_id);

/* JSON of one copy (the fields of copies_dossier_json without officer,
 * sources and uses). A new reference or NULL. */
json_t *copies_copy_json(const struct copies_copy *c);

#endif
