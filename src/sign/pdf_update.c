/* pdf_update: the end of an incremental update, and PDF names. See pdf_update.h. */
#include "sign/pdf_update.h"

#include <stdlib.h>
#include <string.h>

static int cmp_obj(const void *a, const void *b)
{
    const struct pdfu_obj *x = a, *y = b;
    return x->num < y->num ? -1 : x->num > y->num;
}

void pdfu_put_name(struct dynbuf *b, const char *n)
{
    dynbuf_adds(b, "/");
    for (const unsigned char *p = (const unsigned char *)n; *p; p++) {
        if (*p < 0x21 || *p > 0x7e || strchr("()<>[]{}/%#", *p))
            dynbuf_addf(b, "#%02X", *p);
        else
            dynbuf_add(b, p, 1);
    }
}

/* The trailer entries carried over: /Root, /Info, /ID. */
static void put_trailer_keys(struct dynbuf *b, const struct pdfr_obj *t)
{
    static const char *const keep[] = {"Root", "Info", "ID"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        const struct pdfr_obj *v = pdfr_dict_get(t, keep[i]);
        if (v) {
            dynbuf_adds(b, " ");
            pdfu_put_name(b, keep[i]);
            dynbuf_adds(b, " ");
            dynbuf_add(b, v->raw, v->raw_len);
        }
    }
}

/* Readers that know streams accept a table after a stream too (checked by
 * hand with qpdf 11.3 --check and pdfsig 22.12 on a file so updated), but a
 * reader that knows only tables could not follow /Prev into the stream
 * anyway, and the spec's hybrid form exists for the other direction:
 * matching the original is the form every reader of the original follows. */
int pdfu_xref(struct dynbuf *b, struct pdfr *f, const struct pdfu_obj *objs, int n,
              uint32_t next)
{
    size_t prev = pdfr_startxref(f);
    int is_stream = pdfr_xref_is_stream(f);
    struct pdfu_obj *all = malloc(((size_t)n + 1) * sizeof *all);
    if (!all)
        return -1;
    memcpy(all, objs, (size_t)n * sizeof *all);
    size_t xoff = dynbuf_len(b);
    if (is_stream)
        all[n++] = (struct pdfu_obj){next, 0, xoff};
    qsort(all, (size_t)n, sizeof *all, cmp_obj);
    if (is_stream) {
        struct dynbuf idx, rows;
        dynbuf_init(&idx, 1 << 20);
        dynbuf_init(&rows, 1 << 20);
        for (int i = 0; i < n; i++) {
            unsigned char r[7];
            r[0] = 1;
            for (int k = 0; k < 4; k++)
                r[1 + k] = (unsigned char)(all[i].off >> (8 * (3 - k)));
            r[5] = (unsigned char)(all[i].gen >> 8);
            r[6] = (unsigned char)all[i].gen;
            dynbuf_add(&rows, r, sizeof r);
            if (i == 0 || all[i].num != all[i - 1].num + 1) {
                int run = 1;
                while (i + run < n && all[i + run].num == all[i].num + (uint32_t)run)
                    run++;
                dynbuf_addf(&idx, "%s%u %d", i ? " " : "", all[i].num, run);
            }
        }
        int bad = dynbuf_failed(&idx) || dynbuf_failed(&rows);
        if (!bad) {
            dynbuf_addf(b, "%u 0 obj\n<</Type /XRef /Size %u /W [1 4 2] /Index [%s] /Prev %zu",
                        next, next + 1, dynbuf_ptr(&idx), prev);
            put_trailer_keys(b, pdfr_trailer(f));
            dynbuf_addf(b, " /Length %zu>>\nstream\n", dynbuf_len(&rows));
            dynbuf_add(b, dynbuf_ptr(&rows), dynbuf_len(&rows));
            dynbuf_addf(b, "\nendstream\nendobj\nstartxref\n%zu\n%%%%EOF\n", xoff);
        }
        dynbuf_free(&idx);
        dynbuf_free(&rows);
        free(all);
        return bad || dynbuf_failed(b) ? -1 : 0;
    }
    dynbuf_adds(b, "xref\n");
    for (int i = 0; i < n;) {
        int run = 1;
        while (i + run < n && all[i + run].num == all[i].num + (uint32_t)run)
            run++;
        dynbuf_addf(b, "%u %d\n", all[i].num, run);
        for (int k = 0; k < run; k++)
            dynbuf_addf(b, "%010zu %05u n \n", all[i + k].off, (unsigned)all[i + k].gen);
        i += run;
    }
    dynbuf_addf(b, "trailer\n<</Size %u /Prev %zu", next, prev);
    put_trailer_keys(b, pdfr_trailer(f));
    dynbuf_addf(b, ">>\nstartxref\n%zu\n%%%%EOF\n", xoff);
    free(all);
    return dynbuf_failed(b) ? -1 : 0;
}
