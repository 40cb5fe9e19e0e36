/* eform: checks e-form schemas (tờ khai điện tử) and validates the data a
 * citizen submits against them. Schema errors are for developers (English);
 * validation errors are for citizens (Vietnamese message, English code). */
#include "catalog/eform.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "auth/citizen_id.h"
#include "base/text.h"

#if defined(__GNUC__)
#define EFORM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define EFORM_PRINTF(a, b)
#endif

enum ftype {
    FT_TEXT,
    FT_TEXTAREA,
    FT_DATE,
    FT_INTEGER,
    FT_YEAR,
    FT_SELECT,
    FT_CITIZEN_ID,
    FT_PHONE,
    FT_EMAIL,
    FT_CHECKBOX,
    FT_NONE
};

/* Optional keys each type accepts besides the common ones. */
#define K_LEN 1     /* min_length, max_length */
#define K_RANGE 2   /* min, max */
#define K_OPTIONS 4 /* options (then required) */

static const struct {
    const char *name;
    enum ftype type;
    int keys;
} ftypes[] = {
    {"text", FT_TEXT, K_LEN},         {"textarea", FT_TEXTAREA, K_LEN},
    {"date", FT_DATE, K_RANGE},       {"integer", FT_INTEGER, K_RANGE},
    {"year", FT_YEAR, K_RANGE},       {"select", FT_SELECT, K_OPTIONS},
    {"citizen_id", FT_CITIZEN_ID, 0}, {"phone", FT_PHONE, 0},
    {"email", FT_EMAIL, 0},           {"checkbox", FT_CHECKBOX, 0},
};

static const char *const top_keys[] = {"title", "description", "sections", NULL};
static const char *const section_keys[] = {"title", "description", "fields", NULL};
static const char *const field_keys[] = {"name", "label", "type", "required",
                                         "help", "placeholder", NULL};

#define EMAIL_MAX 254

/* ---- small helpers ---------------------------------------------------- */

static enum ftype ftype_of(const json_t *field)
{
    const char *t = json_string_value(json_object_get(field, "type"));
    if (!t)
        return FT_NONE;
    for (size_t i = 0; i < sizeof ftypes / sizeof ftypes[0]; i++)
        if (strcmp(ftypes[i].name, t) == 0)
            return ftypes[i].type;
    return FT_NONE;
}

static int ftype_keys(enum ftype t)
{
    for (size_t i = 0; i < sizeof ftypes / sizeof ftypes[0]; i++)
        if (ftypes[i].type == t)
            return ftypes[i].keys;
    return 0;
}

static int in_list(const char *key, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(key, *list) == 0)
            return 1;
    return 0;
}

/* 0 ok, 1 invalid UTF-8 or a control character. Newline, carriage return and
 * tab are allowed when multiline. */
static int bad_chars(const char *s, size_t len, int multiline)
{
    size_t i = 0;

    while (i < len) {
        uint32_t cp;
        int n = text_utf8_decode(s + i, len - i, &cp);
        if (n < 0)
            return 1;
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
            if (!(multiline && (cp == '\n' || cp == '\r' || cp == '\t')))
                return 1;
        }
        i += (size_t)n;
    }
    return 0;
}

static int is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!(s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
            return 0;
    return 1;
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

static int ymd_valid(int ymd)
{
    int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
    return ymd > 0 && y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
           d <= days_in_month(y, m);
}

/* Parses exactly "YYYY-MM-DD" (len bytes) into YYYYMMDD. Returns 0 or -1. */
static int parse_date(const char *s, size_t len, int *ymd)
{
    int v = 0;

    if (len != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7)
            continue;
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (!ymd_valid(v))
        return -1;
    *ymd = v;
    return 0;
}

/* A min/max limit: a literal, or "today" (date: today's date; year: this
 * year). */
struct limit {
    int set;
    int today;
    long long v;
};

/* Reads the limit `key` of a field of type t. Returns 0 (lim->set = 0 if the
 * key is absent) or -1 if the value does not fit the type. */
static int read_limit(const json_t *field, const char *key, enum ftype t,
                      struct limit *lim)
{
    const json_t *v = json_object_get(field, key);
    const char *s;

    memset(lim, 0, sizeof *lim);
    if (!v)
        return 0;
    lim->set = 1;
    if (t == FT_INTEGER) {
        if (!json_is_integer(v))
            return -1;
        lim->v = json_integer_value(v);
        return 0;
    }
    if (json_is_string(v)) {
        s = json_string_value(v);
        if (strcmp(s, "today") == 0) {
            lim->today = 1;
            return 0;
        }
        if (t == FT_DATE) {
            int ymd;
            if (parse_date(s, json_string_length(v), &ymd))
                return -1;
            lim->v = ymd;
            return 0;
        }
        return -1;
    }
    if (t == FT_YEAR && json_is_integer(v)) {
        lim->v = json_integer_value(v);
        return lim->v >= 1 && lim->v <= 9999 ? 0 : -1;
    }
    return -1;
}

static long long limit_value(const struct limit *lim, enum ftype t, int today_ymd)
{
    if (!lim->today)
        return lim->v;
    return t == FT_YEAR ? today_ymd / 10000 : today_ymd;
}

/* ---- schema check ----------------------------------------------------- */

static int fail(char *err, size_t errlen, const char *fmt, ...) EFORM_PRINTF(3, 4);

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return EFORM_ESCHEMA;
}

/* Checks a human-readable text property: a string of 1..maxchars characters
 * (0 allowed when !nonempty), valid UTF-8, no control characters. */
static int text_prop_ok(const json_t *v, size_t maxchars, int nonempty, int multiline)
{
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);

    if (!s)
        return 0;
    if (bad_chars(s, len, multiline))
        return 0;
    if (nonempty && is_blank(s, len))
        return 0;
    return text_utf8_chars(s) <= maxchars;
}

static int name_ok(const char *s, size_t len)
{
    if (len < 1 || len > EFORM_MAX_NAME)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '_'))
            return 0;
    return 1;
}

static int check_keys(const json_t *obj, const char *const *allowed, int extra,
                      const char **bad)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v) {
        if (in_list(key, allowed))
            continue;
        if ((extra & K_LEN) &&
            (strcmp(key, "min_length") == 0 || strcmp(key, "max_length") == 0))
            continue;
        if ((extra & K_RANGE) && (strcmp(key, "min") == 0 || strcmp(key, "max") == 0))
            continue;
        if ((extra & K_OPTIONS) && strcmp(key, "options") == 0)
            continue;
        *bad = key;
        return -1;
    }
    return 0;
}

static int check_options(const json_t *opts, size_t si, size_t fi, char *err,
                         size_t errlen)
{
    size_t n = json_array_size(opts);

    if (!json_is_array(opts) || n == 0 || n > EFORM_MAX_OPTIONS)
        return fail(err, errlen,
                    "sections[%zu].fields[%zu].options: need an array of 1..%d "
                    "options",
                    si, fi, EFORM_MAX_OPTIONS);
    for (size_t i = 0; i < n; i++) {
        const json_t *o = json_array_get(opts, i);
        const json_t *val = json_object_get(o, "value");
        const char *bad = NULL;

        if (!json_is_object(o) || check_keys(o, (const char *const[]){"value", "label", NULL},
                                             0, &bad))
            return fail(err, errlen,
                        "sections[%zu].fields[%zu].options[%zu]: need an object "
                        "with only \"value\" and \"label\"",
                        si, fi, i);
        if (!text_prop_ok(val, EFORM_MAX_NAME, 1, 0))
            return fail(err, errlen,
                        "sections[%zu].fields[%zu].options[%zu].value: need a "
                        "non-blank string of at most %d characters",
                        si, fi, i, EFORM_MAX_NAME);
        if (!text_prop_ok(json_object_get(o, "label"), EFORM_MAX_LABEL, 1, 0))
            return fail(err, errlen,
                        "sections[%zu].fields[%zu].options[%zu].label: need a "
                        "non-blank string of at most %d characters",
                        si, fi, i, EFORM_MAX_LABEL);
        for (size_t j = 0; j < i; j++)
            if (json_equal(json_object_get(json_array_get(opts, j), "value"), val))
                return fail(err, errlen,
                            "sections[%zu].fields[%zu].options[%zu].value: "
                            "duplicate value \"%s\"",
                            si, fi, i, json_string_value(val));
    }
    return 0;
}

/* An optional length limit of field f: an integer in min..EFORM_MAX_LENGTH_CAP
 * when present (OUT: *out; unchanged when absent). */
static int length_limit(const json_t *f, const char *key, long long min, size_t si, size_t fi,
                        long long *out, char *err, size_t errlen)
{
    const json_t *v = json_object_get(f, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < min ||
        json_integer_value(v) > EFORM_MAX_LENGTH_CAP)
        return fail(err, errlen, "sections[%zu].fields[%zu].%s: need an integer in %lld..%d", si,
                    fi, key, min, EFORM_MAX_LENGTH_CAP);
    *out = json_integer_value(v);
    return 0;
}

static int check_lengths(const json_t *f, enum ftype t, size_t si, size_t fi,
                         char *err, size_t errlen)
{
    long long lo = 0, hi = t == FT_TEXTAREA ? EFORM_TEXTAREA_MAX : EFORM_TEXT_MAX;
    int rc = length_limit(f, "min_length", 0, si, fi, &lo, err, errlen);
    if (rc || (rc = length_limit(f, "max_length", 1, si, fi, &hi, err, errlen)))
        return rc;
    if (lo > hi)
        return fail(err, errlen,
                    "sections[%zu].fields[%zu]: min_length %lld is above "
                    "max_length %lld",
                    si, fi, lo, hi);
    return 0;
}

static int check_range(const json_t *f, enum ftype t, size_t si, size_t fi,
                       char *err, size_t errlen)
{
    struct limit lo, hi;

    if (read_limit(f, "min", t, &lo))
        return fail(err, errlen, "sections[%zu].fields[%zu].min: %s", si, fi,
                    t == FT_DATE   ? "need \"YYYY-MM-DD\" or \"today\""
                    : t == FT_YEAR ? "need a year 1..9999 or \"today\""
                                   : "need an integer");
    if (read_limit(f, "max", t, &hi))
        return fail(err, errlen, "sections[%zu].fields[%zu].max: %s", si, fi,
                    t == FT_DATE   ? "need \"YYYY-MM-DD\" or \"today\""
                    : t == FT_YEAR ? "need a year 1..9999 or \"today\""
                                   : "need an integer");
    if (lo.set && hi.set && !lo.today && !hi.today && lo.v > hi.v)
        return fail(err, errlen, "sections[%zu].fields[%zu]: min is above max",
                    si, fi);
    return 0;
}

static int check_field(const json_t *f, size_t si, size_t fi, const char **names,
                       size_t nnames, char *err, size_t errlen)
{
    const json_t *name = json_object_get(f, "name");
    const json_t *req = json_object_get(f, "required");
    const json_t *v;
    const char *bad = NULL;
    enum ftype t;
    int rc;

    if (!json_is_object(f))
        return fail(err, errlen, "sections[%zu].fields[%zu]: need an object", si, fi);
    if (!json_is_string(name) ||
        !name_ok(json_string_value(name), json_string_length(name)))
        return fail(err, errlen,
                    "sections[%zu].fields[%zu].name: need [a-z0-9_]{1,%d}", si,
                    fi, EFORM_MAX_NAME);
    for (size_t i = 0; i < nnames; i++)
        if (strcmp(names[i], json_string_value(name)) == 0)
            return fail(err, errlen,
                        "sections[%zu].fields[%zu].name: duplicate field \"%s\"",
                        si, fi, names[i]);
    t = ftype_of(f);
    if (t == FT_NONE)
        return fail(err, errlen,
                    "sections[%zu].fields[%zu].type: need one of text, textarea, "
                    "date, integer, year, select, citizen_id, phone, email, "
                    "checkbox",
                    si, fi);
    if (check_keys(f, field_keys, ftype_keys(t), &bad))
        return fail(err, errlen,
                    "sections[%zu].fields[%zu]: key \"%s\" is not allowed for "
                    "type %s",
                    si, fi, bad, json_string_value(json_object_get(f, "type")));
    if (!text_prop_ok(json_object_get(f, "label"), EFORM_MAX_LABEL, 1, 0))
        return fail(err, errlen,
                    "sections[%zu].fields[%zu].label: need a non-blank string of "
                    "at most %d characters",
                    si, fi, EFORM_MAX_LABEL);
    if (req && !json_is_boolean(req))
        return fail(err, errlen, "sections[%zu].fields[%zu].required: need a boolean",
                    si, fi);
    if ((v = json_object_get(f, "help")) && !text_prop_ok(v, EFORM_MAX_HELP, 0, 1))
        return fail(err, errlen,
                    "sections[%zu].fields[%zu].help: need a string of at most %d "
                    "characters",
                    si, fi, EFORM_MAX_HELP);
    if ((v = json_object_get(f, "placeholder")) &&
        !text_prop_ok(v, EFORM_MAX_HELP, 0, 0))
        return fail(err, errlen,
                    "sections[%zu].fields[%zu].placeholder: need a string of at "
                    "most %d characters",
                    si, fi, EFORM_MAX_HELP);
    rc = 0;
    if (ftype_keys(t) & K_LEN)
        rc = check_lengths(f, t, si, fi, err, errlen);
    else if (ftype_keys(t) & K_RANGE)
        rc = check_range(f, t, si, fi, err, errlen);
    else if (ftype_keys(t) & K_OPTIONS)
        rc = check_options(json_object_get(f, "options"), si, fi, err, errlen);
    return rc;
}

int eform_check_schema(const json_t *schema, char *err, size_t errlen)
{
    const char *names[EFORM_MAX_FIELDS];
    size_t nnames = 0, nsec;
    const json_t *secs, *v;
    const char *bad = NULL;

    if (err && errlen > 0)
        err[0] = '\0';
    if (!json_is_object(schema))
        return fail(err, errlen, "schema: need an object");
    if (check_keys(schema, top_keys, 0, &bad))
        return fail(err, errlen, "schema: unknown key \"%s\"", bad);
    if ((v = json_object_get(schema, "title")) && !text_prop_ok(v, EFORM_MAX_LABEL, 1, 0))
        return fail(err, errlen, "title: need a non-blank string of at most %d characters",
                    EFORM_MAX_LABEL);
    if ((v = json_object_get(schema, "description")) &&
        !text_prop_ok(v, EFORM_MAX_HELP, 0, 1))
        return fail(err, errlen, "description: need a string of at most %d characters",
                    EFORM_MAX_HELP);
    secs = json_object_get(schema, "sections");
    nsec = json_array_size(secs);
    if (!json_is_array(secs) || nsec == 0 || nsec > EFORM_MAX_SECTIONS)
        return fail(err, errlen, "sections: need an array of 1..%d sections",
                    EFORM_MAX_SECTIONS);
    for (size_t si = 0; si < nsec; si++) {
        const json_t *sec = json_array_get(secs, si);
        const json_t *fields = json_object_get(sec, "fields");
        size_t nf = json_array_size(fields);

        if (!json_is_object(sec))
            return fail(err, errlen, "sections[%zu]: need an object", si);
        if (check_keys(sec, section_keys, 0, &bad))
            return fail(err, errlen, "sections[%zu]: unknown key \"%s\"", si, bad);
        if (!text_prop_ok(json_object_get(sec, "title"), EFORM_MAX_LABEL, 1, 0))
            return fail(err, errlen,
                        "sections[%zu].title: need a non-blank string of at most "
                        "%d characters",
                        si, EFORM_MAX_LABEL);
        if ((v = json_object_get(sec, "description")) &&
            !text_prop_ok(v, EFORM_MAX_HELP, 0, 1))
            return fail(err, errlen,
                        "sections[%zu].description: need a string of at most %d "
                        "characters",
                        si, EFORM_MAX_HELP);
        if (!json_is_array(fields) || nf == 0)
            return fail(err, errlen, "sections[%zu].fields: need a non-empty array", si);
        for (size_t fi = 0; fi < nf; fi++) {
            const json_t *f = json_array_get(fields, fi);
            int rc;

            if (nnames >= EFORM_MAX_FIELDS)
                return fail(err, errlen, "schema: more than %d fields", EFORM_MAX_FIELDS);
            rc = check_field(f, si, fi, names, nnames, err, errlen);
            if (rc)
                return rc;
            names[nnames++] = json_string_value(json_object_get(f, "name"));
        }
    }
    return 0;
}

/* ---- validation ------------------------------------------------------- */

struct vstate {
    struct eform_error *errs;
    int max_errs;
    int count;
    int today_ymd;
};

static void add_err(struct vstate *st, const char *field, const char *code,
                    const char *fmt, ...) EFORM_PRINTF(4, 5);

static void add_err(struct vstate *st, const char *field, const char *code,
                    const char *fmt, ...)
{
    va_list ap;

    if (st->count < st->max_errs) {
        struct eform_error *e = &st->errs[st->count];
        size_t n = strnlen(field, EFORM_MAX_NAME);

        /* Keep a cut key well-formed: do not end inside a UTF-8 sequence. */
        if (field[n] != '\0')
            while (n > 0 && ((unsigned char)field[n] & 0xC0) == 0x80)
                n--;
        memcpy(e->field, field, n);
        e->field[n] = '\0';
        e->code = code;
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof e->message, fmt, ap);
        va_end(ap);
    }
    st->count++;
}

/* Vietnamese mobile numbers: 0 + [35789] + 8 digits; landlines: 02 + 9
 * digits (11 digits since 2017); either may start +84 instead of 0. Spaces,
 * dots and hyphens between digits are allowed. */
static int phone_ok(const char *s, size_t len)
{
    char d[16];
    size_t n = 0, i = 0;

    if (len >= 3 && s[0] == '+' && s[1] == '8' && s[2] == '4') {
        d[n++] = '0';
        i = 3;
    }
    for (; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            if (n >= sizeof d - 1)
                return 0;
            d[n++] = s[i];
        } else if (!(s[i] == ' ' || s[i] == '.' || s[i] == '-') || n == 0 ||
                   i + 1 == len) {
            return 0;
        }
    }
    if (n == 10 && d[0] == '0' && strchr("35789", d[1]))
        return 1;
    if (n == 11 && d[0] == '0' && d[1] == '2')
        return 1;
    return 0;
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(char c)
{
    return is_alpha(c) || (c >= '0' && c <= '9');
}

/* A practical subset of RFC 5321 addresses, ASCII only: a local part of
 * atext and single inner dots, then a domain of at least two dot-separated
 * labels (1..63 letters, digits or inner hyphens) whose last label is 2 or
 * more letters. */
static int email_ok(const char *s, size_t len)
{
    const char *at = memchr(s, '@', len);
    size_t local, i, label = 0, labels = 0, last_start;

    if (!at || len > EMAIL_MAX)
        return 0;
    local = (size_t)(at - s);
    if (local < 1 || local > 64 || s[0] == '.' || s[local - 1] == '.')
        return 0;
    for (i = 0; i < local; i++) {
        if (s[i] == '.' && s[i + 1] == '.')
            return 0;
        if (!is_alnum(s[i]) && !strchr(".!#$%&'*+/=?^_`{|}~-", s[i]))
            return 0;
    }
    for (i = local + 1; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (label == 0 || s[i - 1] == '-')
                return 0;
            labels++;
            label = 0;
            continue;
        }
        if (!is_alnum(s[i]) && !(s[i] == '-' && label > 0))
            return 0;
        if (++label > 63)
            return 0;
    }
    /* the last label (top-level domain) must be letters only */
    for (last_start = len; last_start > local + 1 && s[last_start - 1] != '.';)
        last_start--;
    if (labels < 2 || len - last_start < 2)
        return 0;
    for (i = last_start; i < len; i++)
        if (!is_alpha(s[i]))
            return 0;
    return 1;
}

/* A date past its limit: side is "trước" (before the minimum) or "sau"
 * (after the maximum). */
static void date_out_of_range(struct vstate *st, const char *name, const struct limit *lim,
                              const char *side)
{
    long long m = limit_value(lim, FT_DATE, st->today_ymd);
    if (lim->today)
        add_err(st, name, "out_of_range", "Ngày không được %s ngày hôm nay", side);
    else
        add_err(st, name, "out_of_range", "Ngày không được %s %02lld/%02lld/%04lld", side,
                m % 100, m / 100 % 100, m / 10000);
}

static void check_date(struct vstate *st, const json_t *f, const char *name,
                       const char *s, size_t len)
{
    struct limit lo, hi;
    int ymd;

    if (parse_date(s, len, &ymd)) {
        add_err(st, name, "bad_date", "Ngày không hợp lệ (cần dạng YYYY-MM-DD)");
        return;
    }
    read_limit(f, "min", FT_DATE, &lo);
    read_limit(f, "max", FT_DATE, &hi);
    if (lo.set && ymd < limit_value(&lo, FT_DATE, st->today_ymd))
        date_out_of_range(st, name, &lo, "trước");
    else if (hi.set && ymd > limit_value(&hi, FT_DATE, st->today_ymd))
        date_out_of_range(st, name, &hi, "sau");
}

static void check_number(struct vstate *st, const json_t *f, enum ftype t,
                         const char *name, long long v)
{
    struct limit lo, hi;

    if (t == FT_YEAR && (v < 1 || v > 9999)) {
        add_err(st, name, "out_of_range", "Năm không hợp lệ");
        return;
    }
    read_limit(f, "min", t, &lo);
    read_limit(f, "max", t, &hi);
    if (lo.set && v < limit_value(&lo, t, st->today_ymd))
        add_err(st, name, "out_of_range",
                t == FT_YEAR ? "Năm không được trước năm %lld"
                             : "Giá trị không được nhỏ hơn %lld",
                limit_value(&lo, t, st->today_ymd));
    else if (hi.set && v > limit_value(&hi, t, st->today_ymd))
        add_err(st, name, "out_of_range",
                t == FT_YEAR ? "Năm không được sau năm %lld"
                             : "Giá trị không được lớn hơn %lld",
                limit_value(&hi, t, st->today_ymd));
}

static void check_string(struct vstate *st, const json_t *f, enum ftype t,
                         const char *name, const json_t *v)
{
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    const char *why = NULL;

    if (bad_chars(s, len, t == FT_TEXTAREA)) {
        add_err(st, name, "bad_chars", "Nội dung có ký tự không hợp lệ");
        return;
    }
    switch (t) {
    case FT_TEXT:
    case FT_TEXTAREA: {
        const json_t *mn = json_object_get(f, "min_length");
        const json_t *mx = json_object_get(f, "max_length");
        long long lo = mn ? json_integer_value(mn) : 0;
        long long hi = mx ? json_integer_value(mx)
                          : (t == FT_TEXTAREA ? EFORM_TEXTAREA_MAX : EFORM_TEXT_MAX);
        size_t n = text_utf8_chars(s);
        if ((long long)n > hi)
            add_err(st, name, "too_long", "Không được quá %lld ký tự", hi);
        else if ((long long)n < lo)
            add_err(st, name, "too_short", "Cần ít nhất %lld ký tự", lo);
        break;
    }
    case FT_DATE:
        check_date(st, f, name, s, len);
        break;
    case FT_SELECT: {
        const json_t *opts = json_object_get(f, "options");
        for (size_t i = 0; i < json_array_size(opts); i++)
            if (json_equal(json_object_get(json_array_get(opts, i), "value"), v))
                return;
        add_err(st, name, "bad_option", "Giá trị không có trong danh sách lựa chọn");
        break;
    }
    case FT_CITIZEN_ID:
        if (citizen_id_check(s, st->today_ymd / 10000, NULL, &why))
            add_err(st, name, "bad_citizen_id", "%s", why);
        break;
    case FT_PHONE:
        if (!phone_ok(s, len))
            add_err(st, name, "bad_phone",
                    "Số điện thoại không hợp lệ (10 chữ số bắt đầu bằng 0, "
                    "hoặc +84)");
        break;
    case FT_EMAIL:
        if (!email_ok(s, len))
            add_err(st, name, "bad_email", "Địa chỉ email không hợp lệ");
        break;
    default:
        break;
    }
}

static void check_field_value(struct vstate *st, const json_t *f, const json_t *data,
                              int partial)
{
    const char *name = json_string_value(json_object_get(f, "name"));
    const json_t *v = json_object_get(data, name);
    int required = json_is_true(json_object_get(f, "required")) && !partial;
    enum ftype t = ftype_of(f);

    if (!v || json_is_null(v)) {
        if (required)
            add_err(st, name, "required", "Trường này là bắt buộc");
        return;
    }
    switch (t) {
    case FT_CHECKBOX:
        if (!json_is_boolean(v))
            add_err(st, name, "bad_type", "Giá trị phải là true hoặc false");
        else if (required && json_is_false(v))
            add_err(st, name, "required", "Bạn cần đánh dấu vào ô này");
        return;
    case FT_INTEGER:
    case FT_YEAR:
        if (!json_is_integer(v))
            add_err(st, name, "bad_type", "Giá trị phải là một số nguyên");
        else
            check_number(st, f, t, name, json_integer_value(v));
        return;
    default:
        break;
    }
    if (!json_is_string(v)) {
        add_err(st, name, "bad_type",
                t == FT_DATE ? "Ngày phải là chuỗi dạng YYYY-MM-DD"
                             : "Giá trị phải là một chuỗi văn bản");
        return;
    }
    if (is_blank(json_string_value(v), json_string_length(v))) {
        /* An empty or blank string means "not filled in". */
        if (required)
            add_err(st, name, "required", "Trường này là bắt buộc");
        return;
    }
    check_string(st, f, t, name, v);
}

static int schema_has_field(const json_t *schema, const char *key)
{
    const json_t *secs = json_object_get(schema, "sections");

    for (size_t si = 0; si < json_array_size(secs); si++) {
        const json_t *fields = json_object_get(json_array_get(secs, si), "fields");
        for (size_t fi = 0; fi < json_array_size(fields); fi++) {
            const json_t *n = json_object_get(json_array_get(fields, fi), "name");
            if (strcmp(json_string_value(n), key) == 0)
                return 1;
        }
    }
    return 0;
}

int eform_validate(const json_t *schema, const json_t *data, int partial,
                   int today_ymd, struct eform_error *errs, int max_errs)
{
    if (schema && eform_check_schema(schema, NULL, 0))
        return EFORM_ESCHEMA;
    return eform_validate_checked(schema, data, partial, today_ymd, errs, max_errs);
}

int eform_validate_checked(const json_t *schema, const json_t *data, int partial,
                           int today_ymd, struct eform_error *errs, int max_errs)
{
    struct vstate st = {errs, max_errs, 0, today_ymd};
    const json_t *secs;
    const char *key;
    json_t *v;

    if (!schema || !data || max_errs < 0 || (max_errs > 0 && !errs) ||
        !ymd_valid(today_ymd) || today_ymd < 19000101)
        return EFORM_EINVAL;
    if (!json_is_object(data)) {
        add_err(&st, "", "bad_type", "Dữ liệu biểu mẫu phải là một đối tượng JSON");
        return st.count;
    }
    secs = json_object_get(schema, "sections");
    for (size_t si = 0; si < json_array_size(secs); si++) {
        const json_t *fields = json_object_get(json_array_get(secs, si), "fields");
        for (size_t fi = 0; fi < json_array_size(fields); fi++)
            check_field_value(&st, json_array_get(fields, fi), data, partial);
    }
    json_object_foreach((json_t *)data, key, v) {
        if (!schema_has_field(schema, key))
            add_err(&st, key, "unknown_field", "Trường này không có trong biểu mẫu");
    }
    return st.count;
}
