/* Tests for src/sign/pdf_read: cairo's files, cross-reference streams with
 * object streams, hybrid files, and the refusals (not a PDF, truncated at
 * every length, broken tables, encrypted, too large, too deep, loops,
 * duplicate keys), and text strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pdf_gen.h"
#include "sign/pdf_read.h"

static int contains(const char *s, const char *part)
{
    return s && strstr(s, part) != NULL;
}

/* Opens data and expects a refusal whose reason contains why. */
static void expect_refused(const unsigned char *data, size_t len, const char *why)
{
    struct pdfr *f = (struct pdfr *)1;
    char err[256] = "";
    CHECK_EQ_INT(pdfr_open(data, len, &f, err, sizeof err), -1);
    CHECK(f == NULL);
    if (!contains(err, why))
        printf("  expected \"%s\" in: %s\n", why, err);
    CHECK(contains(err, why));
}

TEST(cairo_pages_and_catalog)
{
    size_t len;
    unsigned char *pdf = gen_pdf_cairo(3, &len);
    struct pdfr *f;
    char err[256];
    CHECK_EQ_INT(pdfr_open(pdf, len, &f, err, sizeof err), 0);
    if (!f) {
        printf("  %s\n", err);
        free(pdf);
        return;
    }
    CHECK_EQ_INT(pdfr_xref_is_stream(f), 0);
    struct pdfr_page pg;
    CHECK_EQ_INT(pdfr_page(f, -1, &pg), 0);
    CHECK_EQ_INT(pg.count, 3);
    CHECK_EQ_INT(pg.index, 2);
    CHECK_EQ_INT((int)pg.box[2], 595);
    CHECK_EQ_INT((int)pg.box[3], 842);
    CHECK(pdfr_is_name(pdfr_dict_get(pg.dict, "Type"), "Page"));
    struct pdfr_page first;
    CHECK_EQ_INT(pdfr_page(f, 0, &first), 0);
    CHECK_EQ_INT(first.index, 0);
    CHECK(first.num != pg.num);
    CHECK_EQ_INT(pdfr_page(f, 3, &pg), -1);
    CHECK(contains(pdfr_error(f), "no page 4 (it has 3)"));
    struct pdfr_sigfield *fl;
    size_t n = 99;
    CHECK_EQ_INT(pdfr_sigfields(f, &fl, &n), 0);
    CHECK_EQ_INT(n, 0);
    free(fl);
    uint32_t cn;
    const struct pdfr_obj *cat = pdfr_catalog(f, &cn, NULL);
    CHECK(cat && pdfr_is_name(pdfr_dict_get(cat, "Type"), "Catalog"));
    CHECK(pdfr_next_num(f) > cn);
    pdfr_free(f);
    free(pdf);
}

TEST(xref_stream_and_object_stream)
{
    size_t len;
    unsigned char *pdf = gen_pdf_xref_stream(2, &len);
    struct pdfr *f;
    char err[256];
    CHECK_EQ_INT(pdfr_open(pdf, len, &f, err, sizeof err), 0);
    if (!f) {
        printf("  %s\n", err);
        free(pdf);
        return;
    }
    CHECK_EQ_INT(pdfr_xref_is_stream(f), 1);
    CHECK_EQ_INT(pdfr_next_num(f), 8); /* objects 0..7: 7 is the xref stream */
    uint32_t cn;
    CHECK(pdfr_catalog(f, &cn, NULL) != NULL);
    CHECK_EQ_INT(cn, 2);
    struct pdfr_page pg;
    CHECK_EQ_INT(pdfr_page(f, -1, &pg), 0);
    CHECK_EQ_INT(pg.count, 2);
    CHECK_EQ_INT(pg.num, 6);
    const struct pdfr_obj *c = pdfr_dict_get(pg.dict, "Contents");
    CHECK(c && c->type == PDFR_REF && c->u.ref.num == 4);
    const struct pdfr_obj *cs = pdfr_resolve(f, c);
    CHECK(cs && cs->type == PDFR_STREAM && cs->u.stm.len == strlen(gen_content));
    /* The trailer is the stream's dictionary; /ID is read from it. */
    const struct pdfr_obj *id = pdfr_dict_get(pdfr_trailer(f), "ID");
    CHECK(id && id->type == PDFR_ARRAY && id->u.a.n == 2);
    pdfr_free(f);
    free(pdf);
}

TEST(hybrid_file)
{
    size_t len;
    unsigned char *pdf = gen_pdf_hybrid(3, &len);
    struct pdfr *f;
    char err[256];
    CHECK_EQ_INT(pdfr_open(pdf, len, &f, err, sizeof err), 0);
    if (!f) {
        printf("  %s\n", err);
        free(pdf);
        return;
    }
    CHECK_EQ_INT(pdfr_xref_is_stream(f), 0);
    struct pdfr_page pg;
    CHECK_EQ_INT(pdfr_page(f, 1, &pg), 0);
    CHECK_EQ_INT(pg.count, 3);
    CHECK_EQ_INT(pg.num, 6);
    pdfr_free(f);
    free(pdf);
}

TEST(inherited_boxes_and_rotation)
{
    static const char *const objs[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 842 595] /Rotate 450 >>",
        "<< /Type /Page /Parent 2 0 R /CropBox [10 20 800 580] >>",
    };
    size_t len;
    unsigned char *pdf = gen_pdf_objects(objs, 3, "", &len);
    struct pdfr *f;
    char err[256];
    CHECK_EQ_INT(pdfr_open(pdf, len, &f, err, sizeof err), 0);
    struct pdfr_page pg;
    if (f && pdfr_page(f, 0, &pg) == 0) {
        CHECK_EQ_INT((int)pg.box[0], 10);
        CHECK_EQ_INT((int)pg.box[1], 20);
        CHECK_EQ_INT((int)pg.box[2], 800);
        CHECK_EQ_INT((int)pg.box[3], 580);
        CHECK_EQ_INT(pg.rotate, 90);
    } else {
        CHECK(0);
    }
    pdfr_free(f);
    free(pdf);
}

TEST(refusals)
{
    expect_refused((const unsigned char *)"hello, world", 12, "not a PDF");
    size_t len;
    unsigned char *pdf = gen_pdf_cairo(1, &len);
    expect_refused(pdf, len / 2, "truncated");
    free(pdf);

    pdf = gen_pdf_classic("", "", "/Encrypt << /Filter /Standard >>", &len);
    expect_refused(pdf, len, "encrypted");
    free(pdf);

    /* An offset in the table that points inside an object. */
    pdf = gen_pdf_classic("", "", "", &len);
    char *x = strstr((char *)pdf, "0000000000 65535 f \n");
    CHECK(x != NULL);
    if (x) {
        memcpy(x + 20, "0000000030", 10); /* inside the catalog */
        expect_refused(pdf, len, "broken");
    }
    free(pdf);

    /* 32 nested arrays are fine, 40 are not. */
    char deep[200] = "/Deep ";
    for (int i = 0; i < 40; i++)
        strcat(deep, "[");
    for (int i = 0; i < 40; i++)
        strcat(deep, "]");
    pdf = gen_pdf_classic(deep, "", "", &len);
    expect_refused(pdf, len, "deeper than 32");
    free(pdf);

    pdf = gen_pdf_classic("/Pages 3 0 R", "", "", &len);
    expect_refused(pdf, len, "twice");
    free(pdf);

    unsigned char *big = calloc(PDFR_MAX_FILE + 1, 1);
    if (big) {
        memcpy(big, "%PDF-1.4\n", 9);
        expect_refused(big, PDFR_MAX_FILE + 1, "larger than 50 MiB");
        free(big);
    }
}

TEST(prev_loop_refused)
{
    size_t len;
    unsigned char *pdf = gen_pdf_classic("", "", "", &len);
    const char *sx = strstr((char *)pdf, "startxref\n");
    long x = sx ? strtol(sx + 10, NULL, 10) : 0;
    free(pdf);
    char extra[64];
    snprintf(extra, sizeof extra, "/Prev %ld", x); /* the section is its own /Prev */
    pdf = gen_pdf_classic("", "", extra, &len);
    expect_refused(pdf, len, "loop");
    free(pdf);
}

TEST(page_tree_loop_refused)
{
    static const char *const objs[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
    };
    size_t len;
    unsigned char *pdf = gen_pdf_objects(objs, 3, "", &len);
    struct pdfr *f;
    char err[256];
    CHECK_EQ_INT(pdfr_open(pdf, len, &f, err, sizeof err), 0);
    struct pdfr_page pg;
    if (f) {
        CHECK_EQ_INT(pdfr_page(f, -1, &pg), -1);
        CHECK(contains(pdfr_error(f), "loops"));
    }
    pdfr_free(f);
    free(pdf);
}

TEST(self_referencing_length_refused)
{
    static const char *const objs[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
        "<< /Length 4 0 R >>\nstream\nxx\nendstream",
    };
    size_t len;
    unsigned char *pdf = gen_pdf_objects(objs, 4, "", &len);
    struct pdfr *f;
    char err[256];
    CHECK_EQ_INT(pdfr_open(pdf, len, &f, err, sizeof err), 0);
    if (f) {
        CHECK(pdfr_get(f, 4) == NULL);
        CHECK(contains(pdfr_error(f), "refers to itself"));
        CHECK(pdfr_get(f, 4) == NULL); /* a failed object stays failed */
    }
    pdfr_free(f);
    free(pdf);
}

TEST(wrong_stream_length_refused)
{
    size_t len;
    unsigned char *pdf = gen_pdf_xref_stream(1, &len);
    /* The xref stream's /Length made larger: no endstream where it ends. */
    static const char key[] = "/Columns 7>> /Length ";
    char *p = memmem(pdf, len, key, strlen(key));
    CHECK(p != NULL);
    if (p) {
        p += strlen(key);
        p[0] = '9';
        expect_refused(pdf, len, "/Length");
    }
    free(pdf);
}

/* Every prefix of a good file is refused (it has no %%EOF after its
 * startxref), except the file without its last newline; none crashes. */
TEST(every_truncation_refused)
{
    size_t len;
    unsigned char *pdf = gen_pdf_xref_stream(2, &len);
    int accepted = 0;
    for (size_t n = 0; n < len; n++) {
        unsigned char *copy = malloc(n ? n : 1);
        memcpy(copy, pdf, n);
        struct pdfr *f;
        char err[256];
        if (pdfr_open(copy, n, &f, err, sizeof err) == 0) {
            accepted++;
            CHECK_EQ_INT(n, len - 1);
            pdfr_free(f);
        }
        free(copy);
    }
    CHECK_EQ_INT(accepted, 1);
    free(pdf);
}

TEST(damaged_object_stream_refused)
{
    size_t len;
    unsigned char *pdf = gen_pdf_xref_stream(1, &len);
    char *s = memmem(pdf, len, "stream\n", 7);
    CHECK(s != NULL);
    if (s) {
        for (int i = 10; i < 20; i++)
            s[7 + i] ^= 0x55;
        struct pdfr *f;
        char err[256] = "";
        CHECK_EQ_INT(pdfr_open(pdf, len, &f, err, sizeof err), -1);
        CHECK(err[0] != 0);
    }
    free(pdf);
}

TEST(text_strings)
{
    char out[64];
    unsigned char u16[] = {0xFE, 0xFF, 0x00, 'T', 0x00, 'r', 0x1E, 0xCB, 0xD8, 0x3D, 0xDE, 0x00};
    struct pdfr_obj s = {.type = PDFR_STRING};
    s.u.s.p = u16;
    s.u.s.len = sizeof u16;
    pdfr_text(&s, out, sizeof out);
    CHECK_EQ_STR(out, "Tr\xe1\xbb\x8b\xf0\x9f\x98\x80"); /* "Trị😀" */
    unsigned char doc[] = {'a', 0x80, 0xE9};
    s.u.s.p = doc;
    s.u.s.len = sizeof doc;
    pdfr_text(&s, out, sizeof out);
    CHECK_EQ_STR(out, "a\xe2\x80\xa2\xc3\xa9"); /* "a•é" */
    /* Cut at a character boundary. */
    s.u.s.p = u16;
    s.u.s.len = sizeof u16;
    pdfr_text(&s, out, 5);
    CHECK_EQ_STR(out, "Tr");
}

int main(void)
{
    RUN(cairo_pages_and_catalog);
    RUN(xref_stream_and_object_stream);
    RUN(hybrid_file);
    RUN(inherited_boxes_and_rotation);
    RUN(refusals);
    RUN(prev_loop_refused);
    RUN(page_tree_loop_refused);
    RUN(self_referencing_length_refused);
    RUN(wrong_stream_length_refused);
    RUN(every_truncation_refused);
    RUN(damaged_object_stream_refused);
    RUN(text_strings);
    return harness_done();
}
