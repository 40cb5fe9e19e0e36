/* receipt_reply: the receipt is an issued document (http/issued_reply.h). */
#include "http/receipt_reply.h"

#include <stdio.h>

#include "dossier/dossier.h"
#include "http/issued_reply.h"

void reply_receipt(struct req *r, const struct dossier *d)
{
    char name[160];
    snprintf(name, sizeof name, "bien-nhan-%s.pdf", d->code);
    reply_issued(r, d, ISSUED_RECEIPT, "", name);
}
