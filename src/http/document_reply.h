/* document_reply: answers with a PDF a unit issued on a dossier (the result
 * document, an apology letter), rendered on the worker pool with its own
 * read-only database connection. Callers check access first. */
#ifndef MOTCUA_DOCUMENT_REPLY_H
#define MOTCUA_DOCUMENT_REPLY_H

struct req;
struct dossier;

enum document_kind { DOCUMENT_RESULT, DOCUMENT_APOLOGY };

/* n: the apology letter's number (ignored for the result). */
void reply_document(struct req *r, const struct dossier *d, enum document_kind kind, int n);

#endif
