/* pdf_read: reads just enough of a PDF to append an incremental update to it
 * and to find its signatures: the cross-reference information (classic
 * tables, cross-reference streams, hybrid files, /Prev chains), objects at a
 * byte offset or inside object streams, the trailer, the catalog, the page
 * tree, the interactive form (AcroForm) and its signature fields.
 *
 * Everything the reader does is bounded (file size, nesting, object count,
 * decompressed bytes, xref sections, page tree size), because it reads files
 * that came from outside: a file past a bound is refused with a reason, never
 * half read. It refuses encrypted files. It decodes only the streams it needs
 * (object and cross-reference streams: FlateDecode with PNG predictors); page
 * content is never interpreted. Prefix pdfr_ ("PDF reader"), apart from the
 * layout helper's pdf_ in render/. Not thread-safe per file; separate files
 * may be read on separate threads. */
#ifndef MOTCUA_PDF_READ_H
#define MOTCUA_PDF_READ_H

#include <stddef.h>
#include <stdint.h>

#define PDFR_MAX_FILE ((size_t)50 << 20) /* bytes of a PDF the reader accepts */
#define PDFR_MAX_DEPTH 32                /* arrays and dictionaries inside each other */
#define PDFR_MAX_OBJECTS 1000000         /* object numbers (a table entry each) */
#define PDFR_MAX_SECTIONS 256            /* cross-reference sections in a /Prev chain */
#define PDFR_MAX_INFLATE ((size_t)64 << 20) /* decompressed stream bytes, whole file */
#define PDFR_MAX_PAGES 100000            /* pages in the page tree */
#define PDFR_MAX_FIELDS 10000            /* form fields visited */

enum pdfr_type {
    PDFR_NULL,
    PDFR_BOOL,
    PDFR_INT,
    PDFR_REAL,
    PDFR_STRING,
    PDFR_NAME,
    PDFR_ARRAY,
    PDFR_DICT,
    PDFR_REF,
    PDFR_STREAM,
};

struct pdfr_obj;

struct pdfr_kv {
    const char *key; /* the name without its slash, #xx decoded */
    struct pdfr_obj *val;
};

/* A parsed object. Everything points into memory the struct pdfr owns
 * (freed by pdfr_free); raw is the object's text as it stands in the file
 * or in a decompressed object stream (in_file says which), so an updated
 * dictionary can copy the values it does not change byte for byte. */
struct pdfr_obj {
    enum pdfr_type type;
    const unsigned char *raw;
    size_t raw_len;
    int in_file; /* raw lies in the file: raw - file = its byte offset */
    union {
        int b;
        int64_t i;
        double r;
        struct {
            unsigned char *p; /* decoded bytes (strings) or name; NUL-terminated */
            size_t len;
        } s;
        struct {
            struct pdfr_obj **items;
            size_t n;
        } a;
        struct {
            struct pdfr_kv *items;
            size_t n;
        } d;
        struct {
            uint32_t num;
            uint16_t gen;
        } ref;
        struct {
            struct pdfr_obj *dict;
            const unsigned char *data; /* encoded bytes, /Length of them, in the file */
            size_t len;
        } stm;
    } u;
};

struct pdfr; /* opaque: one opened file */

/* Opens the PDF in data[0..len) (which must stay valid and unchanged until
 * pdfr_free): checks the header, reads every cross-reference section from
 * the last startxref along /Prev, the trailer and the catalog. Refuses,
 * with a reason in err: not a PDF, larger than PDFR_MAX_FILE, truncated (no
 * startxref/%%EOF), a broken cross-reference table, an encrypted file
 * (/Encrypt), and any bound passed. OUT: *out (caller frees with
 * pdfr_free). Returns 0 or -1. */
int pdfr_open(const unsigned char *data, size_t len, struct pdfr **out, char *err,
              size_t errlen);

void pdfr_free(struct pdfr *f);

/* Why the last call on f failed (English; "" if none). Borrowed. */
const char *pdfr_error(const struct pdfr *f);

/* The file's bytes and length, as given to pdfr_open. */
const unsigned char *pdfr_data(const struct pdfr *f);
size_t pdfr_len(const struct pdfr *f);

/* The first object number free for new objects (the trailer's /Size, or one
 * more than the highest number in the table if that is larger). */
uint32_t pdfr_next_num(const struct pdfr *f);

/* Byte offset of the last cross-reference section (the last startxref), and
 * whether that section is a cross-reference stream. */
size_t pdfr_startxref(const struct pdfr *f);
int pdfr_xref_is_stream(const struct pdfr *f);

/* The newest trailer dictionary (for a cross-reference stream: its stream
 * dictionary). Borrowed. */
const struct pdfr_obj *pdfr_trailer(const struct pdfr *f);

/* Indirect object num: borrowed, or NULL (free, absent, unreadable; the
 * reason in pdfr_error). A generation other than the table's is NULL. */
const struct pdfr_obj *pdfr_get(struct pdfr *f, uint32_t num);

/* o itself, or what the reference o points to (following a chain of
 * references up to a bound). NULL for NULL, a dangling reference or an
 * unreadable object. Borrowed. */
const struct pdfr_obj *pdfr_resolve(struct pdfr *f, const struct pdfr_obj *o);

/* The value under key in dictionary d (or in a stream's dictionary), not
 * resolved: NULL if d is not a dictionary or has no such key. Borrowed. */
const struct pdfr_obj *pdfr_dict_get(const struct pdfr_obj *d, const char *key);

/* pdfr_dict_get, then pdfr_resolve. */
const struct pdfr_obj *pdfr_dict_res(struct pdfr *f, const struct pdfr_obj *d, const char *key);

/* Is o a name equal to name? */
int pdfr_is_name(const struct pdfr_obj *o, const char *name);

/* A number (integer or real) as a double; 0 with -1 for anything else. */
int pdfr_number(const struct pdfr_obj *o, double *out);

/* The catalog (the trailer's /Root, resolved; a dictionary). Its object
 * number and generation in *num, *gen. Borrowed. */
const struct pdfr_obj *pdfr_catalog(struct pdfr *f, uint32_t *num, uint16_t *gen);

struct pdfr_page {
    uint32_t num; /* the page object */
    uint16_t gen;
    const struct pdfr_obj *dict; /* borrowed */
    double box[4];               /* the visible area (CropBox within MediaBox,
                                    inherited), x0 y0 x1 y1, normalised */
    int rotate;                  /* /Rotate (inherited): 0, 90, 180 or 270 */
    int index;                   /* 0-based */
    int count;                   /* pages in the document */
};

/* Finds page index (0-based; -1 = the last page) by walking the page tree
 * (bounded, cycles refused). OUT: *page. Returns 0, or -1 (no such page, a
 * broken tree; reason in pdfr_error). */
int pdfr_page(struct pdfr *f, int index, struct pdfr_page *page);

/* The page as displayed ("shown space"): its visible area turned clockwise
 * by /Rotate, measured in points from the displayed lower left corner,
 * which is put at (box[0], box[1]) so that on an unrotated page the shown
 * space is the default user space itself. OUT: out, x0 y0 x1 y1 (width and
 * height swapped for 90 and 270). */
void pdfr_page_shown_box(const struct pdfr_page *page, double out[4]);

/* A rectangle from the shown space to the page's default user space
 * (user), and back (shown); both x0 y0 x1 y1, the result normalised. */
void pdfr_page_to_user(const struct pdfr_page *page, const double shown[4], double user[4]);
void pdfr_page_to_shown(const struct pdfr_page *page, const double user[4], double shown[4]);

/* A signature field (/FT /Sig, own or inherited) of the interactive form. */
struct pdfr_sigfield {
    char name[256];                /* the fully qualified field name, UTF-8 best effort */
    const struct pdfr_obj *field;  /* the field dictionary; borrowed */
    uint32_t field_num;            /* its object number (0 if direct) */
    const struct pdfr_obj *value;  /* /V resolved (the signature dictionary), or NULL
                                      for an empty field; borrowed */
    uint32_t value_num;            /* /V's object number (0 if direct) */
    const struct pdfr_obj *rect;   /* the widget's /Rect (the field's, or its first
                                      kid's), or NULL; borrowed */
    uint32_t page_num;             /* the widget's /P, or 0 */
};

/* Lists the signature fields of the catalog's /AcroForm, in the order of
 * /Fields (depth-first through /Kids). OUT: *fields (an array the caller
 * frees with free(); the pointers inside are borrowed from f) and *n.
 * A file without a form gives n = 0. Returns 0 or -1. */
int pdfr_sigfields(struct pdfr *f, struct pdfr_sigfield **fields, size_t *n);

/* Decodes a text string (PDFDocEncoding, or UTF-16BE with a BOM, or UTF-8
 * with its BOM) into UTF-8 in out (always NUL-terminated, cut at a
 * character boundary if it does not fit). */
void pdfr_text(const struct pdfr_obj *s, char *out, size_t cap);

#endif
