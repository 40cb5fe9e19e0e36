/* search/pdf_text: the text of a PDF for the search index, through
 * poppler's GLib library (search.h: search_pdf_text). Every bound is
 * checked here, not trusted to poppler: input size, pages, text kept, and
 * time between pages. Poppler parses untrusted files all day in desktop
 * viewers and repairs broken cross-reference tables itself; what it cannot
 * open is refused with a reason, never a crash of ours. */
#include <poppler.h>
#include <stdlib.h>
#include <string.h>

#include "base/dynbuf.h"
#include "base/util.h"
#include "search/search.h"

#define DEFAULT_MAX_INPUT ((size_t)64 << 20)
#define DEFAULT_MAX_PAGES 300
#define DEFAULT_MAX_MILLIS 10000

/* Appends page text t (changed in place) to b without control characters other than line feeds
 * (a form feed or a NUL from a hostile file becomes a space), cutting at
 * the last whole character that fits under max. Returns 1 if it was cut,
 * 0 if all of it went in, -1 if the buffer failed. */
static int add_page(struct dynbuf *b, char *t, size_t max)
{
    size_t room = max - dynbuf_len(b), n = strlen(t), i;
    int cut = 0;

    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)t[n] & 0xC0) == 0x80)
            n--;
        cut = 1;
    }
    for (i = 0; i < n; i++)
        if (((unsigned char)t[i] < 0x20 && t[i] != '\n') || t[i] == 0x7F)
            t[i] = ' ';
    return dynbuf_add(b, t, n) ? -1 : cut;
}

int search_pdf_text(const void *pdf, size_t len, const struct search_pdf_limits *lim,
                    char **text, size_t *text_len, struct derr *err)
{
    struct search_pdf_limits l = lim ? *lim : (struct search_pdf_limits){0};
    PopplerDocument *doc = NULL;
    GBytes *bytes = NULL;
    GError *gerr = NULL;
    struct dynbuf b;
    int64_t deadline;
    int pages, rc = 0;

    *text = NULL;
    *text_len = 0;
    if (!l.max_input)
        l.max_input = DEFAULT_MAX_INPUT;
    if (l.max_pages <= 0)
        l.max_pages = DEFAULT_MAX_PAGES;
    if (!l.max_text)
        l.max_text = SEARCH_BODY_MAX;
    if (l.max_millis <= 0)
        l.max_millis = DEFAULT_MAX_MILLIS;
    deadline = now_usec() + (int64_t)l.max_millis * 1000;
    dynbuf_init(&b, l.max_text);

    if (len > l.max_input)
        return derr_set(err, DERR_TOO_LARGE, "pdf_too_large", "Tệp PDF quá lớn để đọc nội dung",
                        NULL);
    /* Poppler would also look for a header further in; a file that does
     * not start as a PDF is not one here (uploads are checked the same
     * way). */
    if (!pdf || len < 8 || memcmp(pdf, "%PDF-", 5) != 0 || len > (size_t)G_MAXSSIZE)
        return derr_set(err, DERR_INVALID, "pdf_unreadable",
                        "Tệp không phải PDF hoặc bị hỏng, không đọc được nội dung", NULL);
    /* Borrowed: the GBytes does not outlive this call. */
    bytes = g_bytes_new_static(pdf, len);
    doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    if (!doc) {
        int encrypted = gerr && gerr->domain == POPPLER_ERROR && gerr->code == POPPLER_ERROR_ENCRYPTED;
        rc = encrypted ? derr_set(err, DERR_INVALID, "pdf_encrypted",
                                  "Tệp PDF được đặt mật khẩu, không đọc được nội dung", NULL)
                       : derr_set(err, DERR_INVALID, "pdf_unreadable",
                                  "Tệp không phải PDF hoặc bị hỏng, không đọc được nội dung", NULL);
        goto out;
    }
    /* Poppler repairs what it can and may "open" a file whose page tree
     * is gone; a document without a page has no text to index. */
    pages = poppler_document_get_n_pages(doc);
    if (pages <= 0) {
        rc = derr_set(err, DERR_INVALID, "pdf_unreadable",
                      "Tệp không phải PDF hoặc bị hỏng, không đọc được nội dung", NULL);
        goto out;
    }
    if (pages > l.max_pages) {
        pages = l.max_pages;
        rc = 1;
    }
    for (int i = 0; i < pages; i++) {
        PopplerPage *page;
        char *t;
        int cut;

        if (i > 0 && now_usec() > deadline) {
            rc = 1;
            break;
        }
        page = poppler_document_get_page(doc, i);
        if (!page)
            continue; /* a page poppler cannot build: the others still count */
        t = poppler_page_get_text(page);
        g_object_unref(page);
        if (!t)
            continue;
        /* poppler returns UTF-8; a hostile file is not trusted to make it so */
        if (!g_utf8_validate(t, -1, NULL)) {
            g_free(t);
            continue;
        }
        if (i > 0 && dynbuf_len(&b) < l.max_text)
            dynbuf_adds(&b, "\n");
        cut = dynbuf_len(&b) <= l.max_text ? add_page(&b, t, l.max_text) : 1;
        g_free(t);
        if (cut < 0) {
            rc = derr_set(err, DERR_INTERNAL, "internal", "Không đủ bộ nhớ", NULL);
            goto out;
        }
        if (cut) {
            rc = 1;
            break;
        }
    }
    *text = dynbuf_take(&b, text_len);
    if (!*text)
        rc = derr_set(err, DERR_INTERNAL, "internal", "Không đủ bộ nhớ", NULL);
out:
    if (rc < 0)
        dynbuf_free(&b);
    if (doc)
        g_object_unref(doc);
    if (bytes)
        g_bytes_unref(bytes);
    if (gerr)
        g_error_free(gerr);
    return rc;
}
