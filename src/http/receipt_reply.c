/* receipt_reply: gather on the loop thread, render on the pool, reply. */
#include "http/receipt_reply.h"

#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "dossier/dossier.h"
#include "dossier/receipt_data.h"
#include "http/http.h"
#include "render/receipt.h"

struct receipt_state {
    struct receipt_data rd;
    unsigned char *pdf;
    size_t len;
    int rc;
};

static void release_receipt(void *p)
{
    struct receipt_state *s = p;
    receipt_data_clear(&s->rd);
    free(s->pdf);
}

static void render_receipt_work(void *arg)
{
    struct receipt_state *s = arg;
    s->rc = receipt_render_pdf(&s->rd.r, &s->pdf, &s->len);
}

static void receipt_rendered(struct req *r)
{
    struct receipt_state *s = r->data;
    if (s->rc) {
        reply_internal(r, "receipt rendering failed");
        return;
    }
    char disp[160];
    snprintf(disp, sizeof disp, "inline; filename=\"bien-nhan-%s.pdf\"", s->rd.code);
    req_add_header(r, "Content-Disposition", disp);
    reply_bytes(r, 200, "application/pdf", s->pdf, s->len);
}

void reply_receipt(struct req *r, const struct dossier *d)
{
    struct receipt_state *s = req_state(r, sizeof *s, release_receipt);
    if (!s)
        return;
    if (receipt_data_load(r->db, d, r->app->base_url, &s->rd)) {
        reply_internal(r, "receipt data failed");
        return;
    }
    http_defer_work(r, render_receipt_work, s, receipt_rendered);
}
