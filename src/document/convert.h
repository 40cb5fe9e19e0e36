/* convert: a Word body (DOCX) made into the PDF that is signed, by Debian's
 * LibreOffice run headless as an external program (docs/documents.md,
 * "Word bodies"). Each run has its own temporary directory (the input, the
 * output and a private LibreOffice profile, so runs never share state or
 * wait on each other's lock), a clean environment, no network where the
 * kernel allows a private network namespace, and a time limit after which
 * its whole process group is killed. Blocking: call it on the worker pool,
 * never on a loop thread or the writer. */
#ifndef MOTCUA_DOCUMENT_CONVERT_H
#define MOTCUA_DOCUMENT_CONVERT_H

#include <stddef.h>

#include "base/derr.h"

#define CONVERT_TIMEOUT_MS 60000 /* a run longer than this is killed */
#define CONVERT_SOFFICE "soffice" /* the program, looked up in PATH */

struct convert_opts {
    const char *program;  /* NULL: CONVERT_SOFFICE; a name is looked up in PATH */
    const char *tmp_dir;  /* where the run's directory is made; NULL: $TMPDIR or /tmp */
    int timeout_ms;       /* 0: CONVERT_TIMEOUT_MS */
    size_t max_out;       /* bytes of the PDF at most; 0: no bound but the memory's */
};

/* The conversions running at once are bounded, so that they never hold
 * every worker of the pool (sized to the cores by default) for the seconds
 * each takes: at most one less than the processors online, at least one.
 * convert_slot_take returns 1 with a slot taken (give it back with
 * convert_slot_release once the conversion is done), or 0 when all are
 * busy (answer 503: try again shortly). Thread-safe. */
int convert_slot_take(void);
void convert_slot_release(void);

/* Is data[0..len) a DOCX as far as its first bytes tell (a ZIP archive)?
 * 1 or 0. LibreOffice decides the rest. */
int convert_is_docx(const unsigned char *data, size_t len);

/* Converts the DOCX docx[0..len) to PDF. OUT: *pdf (malloc'd, the caller
 * frees) and *pdf_len. Returns 0, or -1 with err and *pdf NULL:
 *   DERR_INVALID "convert_timeout"  the run passed the time limit (its
 *                                   process group was killed);
 *   DERR_INVALID "convert_failed"   LibreOffice made no PDF (a damaged or
 *                                   protected file);
 *   DERR_TOO_LARGE "converted_too_large"  the PDF passed max_out;
 *   DERR_INTERNAL "converter_missing"  the program cannot be found;
 *   DERR_INTERNAL "internal"        a temporary file or process could
 *                                   not be made.
 * Nothing is left in tmp_dir. Safe from several threads at once. */
int convert_docx_to_pdf(const unsigned char *docx, size_t len, const struct convert_opts *o,
                        unsigned char **pdf, size_t *pdf_len, struct derr *err);

#endif
