/* document_reply: answers with a dossier's documents: a PDF the unit issued
 * (the result document, an apology letter), rendered on the worker pool
 * with its own read-only database connection, or an attached file. Callers
 * check access first. */
#ifndef MOTCUA_DOCUMENT_REPLY_H
#define MOTCUA_DOCUMENT_REPLY_H

struct req;
struct dossier;

enum document_kind { DOCUMENT_RESULT, DOCUMENT_APOLOGY };

/* n: the apology letter's number (ignored for the result). */
void reply_document(struct req *r, const struct dossier *d, enum document_kind kind, int n);

/* An attached file by name, with its stored content type; 404 if none. */
void reply_dossier_file(struct req *r, const struct dossier *d, const char *name);

/* A result document the officers attached (dossier/results.h), as a
 * download; 404 if the dossier has none of that name. */
void reply_result_file(struct req *r, const struct dossier *d, const char *name);

#endif
