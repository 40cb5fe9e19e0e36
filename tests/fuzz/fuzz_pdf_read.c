/* libFuzzer target for sign/pdf_read: any bytes as a PDF. An accepted file
 * is walked the way signing and verification walk it: every object of the
 * table read (streams, object streams), the last and first pages, the
 * form's signature fields and their values, the trailer's entries
 * resolved, text strings decoded. Checked: nothing crashes, leaks or runs
 * away, and what is returned holds together (boxes normalised, rotation a
 * multiple of 90, a field's value a dictionary, text NUL-terminated). */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sign/pdf_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(struct pdfr *f, const struct pdfr_obj *o, int depth)
{
    char text[64];
    if (!o || depth > 3)
        return;
    switch (o->type) {
    case PDFR_STRING:
    case PDFR_NAME:
        pdfr_text(o, text, sizeof text);
        assert(strlen(text) < sizeof text);
        break;
    case PDFR_ARRAY:
        for (size_t i = 0; i < o->u.a.n && i < 16; i++)
            walk(f, o->u.a.items[i], depth + 1);
        break;
    case PDFR_DICT:
        for (size_t i = 0; i < o->u.d.n && i < 16; i++)
            walk(f, o->u.d.items[i].val, depth + 1);
        break;
    case PDFR_STREAM:
        assert(o->u.stm.data >= pdfr_data(f) &&
               o->u.stm.data + o->u.stm.len <= pdfr_data(f) + pdfr_len(f));
        walk(f, o->u.stm.dict, depth + 1);
        break;
    case PDFR_REF:
        walk(f, pdfr_resolve(f, o), depth + 1);
        break;
    default:
        break;
    }
}

static void check_page(const struct pdfr_page *p)
{
    assert(p->box[0] <= p->box[2] && p->box[1] <= p->box[3]);
    assert(p->rotate % 90 == 0 && p->rotate >= 0 && p->rotate < 360);
    assert(p->index >= 0 && p->index < p->count);
    assert(p->dict && p->dict->type == PDFR_DICT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pdfr *f;
    char err[256];
    if (pdfr_open(data, size, &f, err, sizeof err)) {
        assert(err[0]);
        return 0;
    }
    assert(pdfr_catalog(f, NULL, NULL));
    uint32_t n = pdfr_next_num(f);
    for (uint32_t i = 0; i < n && i < 4096; i++)
        walk(f, pdfr_get(f, i), 0);
    walk(f, pdfr_trailer(f), 0);
    struct pdfr_page pg;
    if (pdfr_page(f, -1, &pg) == 0) {
        check_page(&pg);
        assert(pg.index == pg.count - 1);
        if (pdfr_page(f, 0, &pg) == 0)
            check_page(&pg);
    } else {
        assert(pdfr_error(f)[0]);
    }
    struct pdfr_sigfield *fl;
    size_t nf;
    if (pdfr_sigfields(f, &fl, &nf) == 0) {
        for (size_t i = 0; i < nf; i++) {
            assert(strlen(fl[i].name) < sizeof fl[i].name);
            assert(!fl[i].value || fl[i].value->type == PDFR_DICT);
            assert(!fl[i].rect || fl[i].rect->type == PDFR_ARRAY);
            walk(f, fl[i].value, 0);
        }
        free(fl);
    }
    pdfr_free(f);
    return 0;
}
