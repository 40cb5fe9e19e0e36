/* issued_reply: answers with a document the platform issued signed
 * (issued/issuing.h): the stored file when it is signed (or signed and
 * awaiting its timestamp). A receipt or apology letter still pending in
 * the outbox, or failed, or from before signed documents (no row), is
 * issued right away on the worker pool by the same code as the issuing
 * worker, then recorded; when the worker (or another download) finished
 * first, its file is the answer. Callers check access first. */
#ifndef MOTCUA_ISSUED_REPLY_H
#define MOTCUA_ISSUED_REPLY_H

#include "issued/issued.h"

struct req;
struct dossier;

/* Answers with document (kind, ref) of d, as filename ("bien-nhan-....pdf").
 * Returns 0 once it answers (or will), or 1 without answering when d has
 * no row for a result (kind ISSUED_RESULT): the caller renders the unsigned
 * document of a dossier approved before results were signed. */
int reply_issued(struct req *r, const struct dossier *d, enum issued_kind kind, const char *ref,
                 const char *filename);

#endif
