/* document_reply: answers with a dossier's documents: a PDF the unit issued
 * (the result document, an apology letter) as signed and stored
 * (http/issued_reply.h) — a result from before signed results is rendered
 * on the worker pool with its own read-only connection — or an attached
 * file. Callers check access first. */
#ifndef MOTCUA_DOCUMENT_REPLY_H
#define MOTCUA_DOCUMENT_REPLY_H

#include "dossier/dossier.h"

struct req;

enum document_kind { DOCUMENT_RESULT, DOCUMENT_APOLOGY };

/* n: the apology letter's number (ignored for the result). */
void reply_document(struct req *r, const struct dossier *d, enum document_kind kind, int n);

/* A file of the dossier by name, as a download with its stored content
 * type: one the applicant handed in (DOSSIER_FILES_HANDED_IN) or a result
 * document the officers attached (DOSSIER_FILES_RESULTS, dossier/results.h);
 * 404 if the dossier has none of that name. */
void reply_dossier_file(struct req *r, const struct dossier *d, enum dossier_files kind,
                        const char *name);

#endif
