/* libFuzzer target for exchange/edxml and exchange/edxml_sign: arbitrary
 * bytes as an edXML envelope. Whatever is accepted has its required fields
 * in valid UTF-8 within their limits, is written again by edxml_build and
 * reads back to the same fields and attachment bytes; every refusal has a
 * code and a message. Envelopes with a Signature also go through
 * edxml_verify without anchors, which must never accept one.
 * Build and run: see docs/architecture.md ("Fuzzing"). */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "exchange/edxml.h"
#include "exchange/edxml_sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, size_t max)
{
    assert(s != NULL);
    assert(strlen(s) <= max);
    assert(text_utf8_valid(s, strlen(s)));
}

static void same(const struct edxml *a, const struct edxml *b)
{
    assert(a->kind == b->kind);
    assert(strcmp(a->from.organ_id, b->from.organ_id) == 0);
    assert(strcmp(a->from.organ_name, b->from.organ_name) == 0);
    if (a->kind == EDXML_STATUS) {
        assert(strcmp(a->status_code, b->status_code) == 0);
        assert(strcmp(a->timestamp, b->timestamp) == 0);
        assert(strcmp(a->description, b->description) == 0);
        assert(strcmp(a->response_for.document_id, b->response_for.document_id) == 0);
    } else {
        assert(a->nto == b->nto);
        for (size_t i = 0; i < a->nto; i++)
            assert(strcmp(a->to[i].organ_id, b->to[i].organ_id) == 0);
        assert(strcmp(a->document_id, b->document_id) == 0);
        assert(strcmp(a->subject, b->subject) == 0);
        assert(strcmp(a->content, b->content) == 0);
        assert(strcmp(a->promulgation_date, b->promulgation_date) == 0);
        assert(a->business.type == b->business.type);
        assert(a->business.nreceivers == b->business.nreceivers);
        assert(a->nto_places == b->nto_places);
    }
    assert(a->nattachments == b->nattachments);
    for (size_t i = 0; i < a->nattachments; i++) {
        assert(a->attachments[i].len == b->attachments[i].len);
        assert(a->attachments[i].len == 0 ||
               memcmp(a->attachments[i].data, b->attachments[i].data, a->attachments[i].len) ==
                   0);
        assert(strcmp(a->attachments[i].content_id, b->attachments[i].content_id) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct edxml e, r;
    struct derr err = {0};
    struct edxml_verdict v;
    char *out = NULL;
    size_t len;

    if (size > 1 << 20)
        return 0;
    if (edxml_parse(data, size, &e, &err)) {
        assert(err.code && *err.code && err.message[0]);
        edxml_free(&e);
        derr_clear(&err);
        return 0;
    }
    check_str(e.from.organ_id, EDXML_MAX_FIELD);
    assert(*e.from.organ_id);
    if (e.kind == EDXML_DOCUMENT) {
        assert(e.nto >= 1 && e.nto <= EDXML_MAX_TO);
        check_str(e.subject, EDXML_MAX_SUBJECT * 4);
        assert(*e.subject && text_utf8_chars(e.subject) <= EDXML_MAX_SUBJECT);
        check_str(e.content, EDXML_MAX_CONTENT);
        assert(strlen(e.promulgation_date) == 10);
    } else {
        assert(strlen(e.status_code) == 2 && strlen(e.timestamp) == 19);
    }
    assert(e.nattachments <= EDXML_MAX_ATTACHMENTS && e.nattachments == e.nmanifest);
    int rc = edxml_build(&e, &out, &len, &err);
    assert(rc == 0);
    assert(edxml_parse(out, len, &r, &err) == 0);
    same(&e, &r);
    edxml_free(&r);
    free(out);
    /* no anchors: nothing can be trusted */
    if (e.has_signature) {
        assert(edxml_verify(data, size, NULL, &v, &err) == -1);
        assert(err.code && *err.code);
    }
    edxml_free(&e);
    derr_clear(&err);
    return 0;
}
