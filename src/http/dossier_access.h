/* dossier_access: finds the dossier a route names ({id}: numeric id or
 * code) and checks that the caller may see it. Anything else answers 404,
 * exactly like a dossier that does not exist, so codes cannot be probed. */
#ifndef MOTCUA_DOSSIER_ACCESS_H
#define MOTCUA_DOSSIER_ACCESS_H

struct req;
struct dossier;

enum {
    ACCESS_SUBMITTED = 0, /* only dossiers with a code */
    ACCESS_DRAFTS = 1,    /* also drafts: the citizen's own, the officer's walk-ins */
};

/* The citizen's own dossier. Returns 0, or -1 after replying. */
int own_dossier_or_reply(struct req *r, struct dossier *d, int access);

/* A dossier the officer may see: dossier.read on its receiving unit or the
 * unit holding it; with ACCESS_DRAFTS also the walk-in they are registering.
 * Returns 0, or -1 after replying. */
int staff_dossier_or_reply(struct req *r, struct dossier *d, int access);

/* The dossier as the route's caller may see it: on an officer's route
 * (ROUTE_STAFF) staff_dossier_or_reply, else own_dossier_or_reply. One
 * handler serves the citizen's route and the officer's twin; the route
 * table says which is which. Returns 0, or -1 after replying. */
int dossier_or_reply(struct req *r, struct dossier *d, int access);

/* What the unit issued (the result document, attached results) is the
 * applicant's once the result is returned (status 10); officers see it at
 * any time. Returns 0, or -1 after replying 409 no_result. */
int result_visible_or_reply(struct req *r, const struct dossier *d);

/* Whether the officer may attach or remove result documents of d: the
 * permission to process (dossier.process) or to approve (dossier.approve)
 * on the unit holding it. Says nothing of the dossier's status. */
int staff_may_edit_results(struct req *r, const struct dossier *d);

#endif
