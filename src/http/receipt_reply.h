/* receipt_reply: answers with a dossier's receipt (Giấy tiếp nhận hồ sơ và
 * hẹn trả kết quả) as a PDF signed with the receiving unit's seal: the
 * stored one, or issued now when the outbox has not yet (issued_reply.h).
 * Used by the citizen's and the officers' routes after their own access
 * checks. */
#ifndef MOTCUA_RECEIPT_REPLY_H
#define MOTCUA_RECEIPT_REPLY_H

struct req;
struct dossier;

/* d must be submitted (have a code). */
void reply_receipt(struct req *r, const struct dossier *d);

#endif
