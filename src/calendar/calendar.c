/* calendar: working sessions, public holidays (rules + compensation +
 * official overrides) and the working-time arithmetic behind appointment
 * dates. Everything is computed in Vietnam local time (UTC+7); days are
 * Julian Day Numbers internally. */
#include "calendar/calendar.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/assets.h"
#include "calendar/lunar.h"

#define JDN_UNIX_EPOCH 2440588L /* 1970-01-01 */
#define DAY_SECONDS 86400
#define RULE_MAX 32      /* rule holidays + compensations in one year */
#define CSV_LINE_MAX 512 /* bytes of one override line */

enum ov_kind { OV_OFF = 1, OV_WORK = 2 };

struct override {
    long jdn;
    int kind;
    char name[CAL_NAME_MAX];
};

struct cal {
    struct cal_session sess[7][CAL_MAX_SESSIONS];
    int nsess[7];
    struct override *ov; /* sorted by jdn, no duplicates */
    size_t nov;
};

/* A day off by rule, or a compensating day off for one. */
struct rule_day {
    long jdn;
    const char *name;
    int comp; /* 1: "Nghỉ bù <name>" */
};

struct year_rules {
    int year;
    int n;
    struct rule_day d[RULE_MAX];
};

static const char NAME_NEW_YEAR[] = "Tết Dương lịch";
static const char NAME_TET[] = "Tết Nguyên Đán";
static const char NAME_HUNG[] = "Giỗ Tổ Hùng Vương";
static const char NAME_REUNIFICATION[] = "Ngày Giải phóng miền Nam";
static const char NAME_LABOUR[] = "Ngày Quốc tế Lao động";
static const char NAME_NATIONAL[] = "Quốc khánh";
static const char COMP_PREFIX[] = "Nghỉ bù ";

/* ---- small helpers ------------------------------------------------------ */

static int weekday_of(long jdn) { return (int)((jdn + 1) % 7); } /* 0 = Sun */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int days_in_month(int y, int m)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return mdays[m - 1];
}

static int valid_date(int y, int m, int d)
{
    return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

/* Local seconds (Unix seconds shifted to UTC+7) at the start of a day. */
static int64_t day_start(long jdn)
{
    return ((int64_t)jdn - JDN_UNIX_EPOCH) * DAY_SECONDS;
}

/* First local second past the supported range: 2200-01-01T00:00 local. */
static int64_t local_end(void)
{
    return day_start(lunar_jdn(CAL_YEAR_MAX + 1, 1, 1));
}

__attribute__((format(printf, 3, 4))) static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- construction ------------------------------------------------------- */

static struct cal *cal_alloc(void)
{
    struct cal *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    static const struct cal_session def[2] = {{7 * 60, 11 * 60 + 30},
                                              {13 * 60 + 30, 17 * 60}};
    for (int wd = 1; wd <= 5; wd++) {
        memcpy(c->sess[wd], def, sizeof def);
        c->nsess[wd] = 2;
    }
    return c;
}

struct cal *cal_new_rules_only(void) { return cal_alloc(); }

struct cal *cal_new_default(void)
{
    struct cal *c = cal_alloc();
    if (!c)
        return NULL;
    const struct asset *a = asset_find("data/holiday-overrides.csv");
    char err[160];
    if (!a || cal_load_overrides_csv(c, (const char *)a->data, err,
                                     sizeof err) != 0) {
        cal_free(c);
        return NULL;
    }
    return c;
}

void cal_free(struct cal *c)
{
    if (!c)
        return;
    free(c->ov);
    free(c);
}

int cal_set_sessions(struct cal *c, int weekday, const struct cal_session *s,
                     int n)
{
    if (!c || weekday < 0 || weekday > 6 || n < 0 || n > CAL_MAX_SESSIONS ||
        (n > 0 && !s))
        return -EINVAL;
    for (int i = 0; i < n; i++) {
        if (s[i].start < 0 || s[i].start >= s[i].end || s[i].end > 1440)
            return -EINVAL;
        if (i > 0 && s[i].start < s[i - 1].end)
            return -EINVAL;
    }
    if (n > 0)
        memcpy(c->sess[weekday], s, (size_t)n * sizeof *s);
    c->nsess[weekday] = n;
    return 0;
}

/* ---- holiday rules ------------------------------------------------------ */

static int is_rest_weekday(const struct cal *c, long jdn)
{
    return c->nsess[weekday_of(jdn)] == 0;
}

static void add_rule(struct year_rules *r, long jdn, const char *name, int comp)
{
    if (r->n < RULE_MAX)
        r->d[r->n++] = (struct rule_day){jdn, name, comp};
}

static int in_rules(const struct year_rules *r, long jdn)
{
    for (int i = 0; i < r->n; i++)
        if (r->d[i].jdn == jdn)
            return 1;
    return 0;
}

/* 2 September's companion day (Labour Code 2019, art. 112.1.đ: "ngày 02
 * tháng 9 và 01 ngày liền kề trước hoặc sau"). We take the neighbour that
 * joins the break to the weekly rest days (2/9 on a Thursday: Friday 3/9; on
 * a Tuesday: Monday 1/9), otherwise 1/9 when it is a working weekday, else
 * 3/9. This gives 2021: 3/9, 2022: 1/9, 2023: 1/9, 2024: 3/9, 2025: 1/9,
 * 2026: 1/9, as the government decided those years. */
static long national_day_companion(const struct cal *c, int year)
{
    long j = lunar_jdn(year, 9, 2);
    if (!is_rest_weekday(c, j + 1) && is_rest_weekday(c, j + 2))
        return j + 1;
    if (!is_rest_weekday(c, j - 1) && is_rest_weekday(c, j - 2))
        return j - 1;
    if (!is_rest_weekday(c, j - 1))
        return j - 1;
    return j + 1;
}

static void sort_rules(struct year_rules *r)
{
    /* insertion sort, stable: a handful of entries */
    for (int i = 1; i < r->n; i++) {
        struct rule_day x = r->d[i];
        int j = i - 1;
        while (j >= 0 && r->d[j].jdn > x.jdn) {
            r->d[j + 1] = r->d[j];
            j--;
        }
        r->d[j + 1] = x;
    }
}

/* Holidays of a year by the rules, with compensating days off. The year
 * must be within CAL_YEAR_MIN..CAL_YEAR_MAX. */
static void compute_rules(const struct cal *c, int year, struct year_rules *r)
{
    r->year = year;
    r->n = 0;
    add_rule(r, lunar_jdn(year, 1, 1), NAME_NEW_YEAR, 0);

    int y, m, d;
    struct lunar_date tet = {1, 1, year, 0};
    if (lunar_to_solar(&tet, &y, &m, &d) == 0) {
        long t = lunar_jdn(y, m, d);
        /* the last day of the lunar year and lunar 1/1 to 1/4 */
        for (long k = t - 1; k <= t + 3; k++)
            add_rule(r, k, NAME_TET, 0);
    }
    struct lunar_date hung = {10, 3, year, 0};
    if (lunar_to_solar(&hung, &y, &m, &d) == 0)
        add_rule(r, lunar_jdn(y, m, d), NAME_HUNG, 0);

    add_rule(r, lunar_jdn(year, 4, 30), NAME_REUNIFICATION, 0);
    add_rule(r, lunar_jdn(year, 5, 1), NAME_LABOUR, 0);
    add_rule(r, lunar_jdn(year, 9, 2), NAME_NATIONAL, 0);
    /* the second day of Quốc khánh came with the 2019 code, from 2021 */
    if (year >= 2021)
        add_rule(r, national_day_companion(c, year), NAME_NATIONAL, 0);
    sort_rules(r);

    /* art. 112.3: a holiday on a weekly rest day (or on another holiday)
     * gives a day off on the next working day */
    int any_work = 0;
    for (int wd = 0; wd < 7; wd++)
        any_work |= c->nsess[wd] > 0;
    int nbase = any_work ? r->n : 0; /* no working weekday: no compensation */
    for (int i = 0; i < nbase; i++) {
        int clash = i > 0 && r->d[i - 1].jdn == r->d[i].jdn;
        if (!clash && !is_rest_weekday(c, r->d[i].jdn))
            continue;
        long k = r->d[i].jdn + 1;
        while (is_rest_weekday(c, k) || in_rules(r, k))
            k++;
        add_rule(r, k, r->d[i].name, 1);
    }
    sort_rules(r);
}

/* ---- overrides ---------------------------------------------------------- */

static const struct override *find_override(const struct cal *c, long jdn)
{
    size_t lo = 0, hi = c->nov;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->ov[mid].jdn < jdn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < c->nov && c->ov[lo].jdn == jdn) ? &c->ov[lo] : NULL;
}

static int cmp_override(const void *a, const void *b)
{
    const struct override *x = a, *y = b;
    return (x->jdn > y->jdn) - (x->jdn < y->jdn);
}

void cal_clear_overrides(struct cal *c)
{
    if (!c)
        return;
    free(c->ov);
    c->ov = NULL;
    c->nov = 0;
}

static void trim(const char **b, const char **e)
{
    while (*b < *e && (**b == ' ' || **b == '\t'))
        (*b)++;
    while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
        (*e)--;
}

static int field_is(const char *b, const char *e, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(e - b) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = b[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (ch != word[i])
            return 0;
    }
    return 1;
}

static int parse_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* "YYYY-MM-DD", exactly. */
static int parse_date(const char *b, const char *e, int *y, int *m, int *d)
{
    if (e - b != 10 || b[4] != '-' || b[7] != '-')
        return -1;
    if (parse_digits(b, 4, y) || parse_digits(b + 5, 2, m) ||
        parse_digits(b + 8, 2, d))
        return -1;
    return valid_date(*y, *m, *d) ? 0 : -1;
}

/* Well-formed UTF-8 without control characters. */
static int valid_name(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char ch = s[i];
        size_t len;
        unsigned int cp;
        if (ch < 0x80) {
            if (ch < 0x20 || ch == 0x7f)
                return 0;
            i++;
            continue;
        } else if ((ch & 0xe0) == 0xc0) {
            len = 2;
            cp = ch & 0x1f;
        } else if ((ch & 0xf0) == 0xe0) {
            len = 3;
            cp = ch & 0x0f;
        } else if ((ch & 0xf8) == 0xf0) {
            len = 4;
            cp = ch & 0x07;
        } else {
            return 0;
        }
        if (i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
            return 0;
        i += len;
    }
    return 1;
}

int cal_load_overrides_csv(struct cal *c, const char *text, char *err,
                           size_t errlen)
{
    int rc = 0;
    struct override *add = NULL, *merged = NULL;
    int *lines = NULL;
    size_t nadd = 0, cap = 0;

    if (err && errlen)
        err[0] = '\0';
    if (!c || !text) {
        set_err(err, errlen, "thiếu dữ liệu");
        return -EINVAL;
    }
    size_t total = strnlen(text, CAL_OVERRIDES_TEXT_MAX + 1);
    if (total > CAL_OVERRIDES_TEXT_MAX) {
        set_err(err, errlen, "tệp quá lớn (tối đa %d byte)",
                CAL_OVERRIDES_TEXT_MAX);
        return -EINVAL;
    }

    const char *p = text, *end = text + total;
    int lineno = 0, seen_data = 0;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end;
        const char *lb = p;
        p = eol ? eol + 1 : end;
        lineno++;
        if (le - lb > CSV_LINE_MAX) {
            set_err(err, errlen, "dòng %d: dòng quá dài (tối đa %d byte)",
                    lineno, CSV_LINE_MAX);
            rc = -EINVAL;
            goto out;
        }
        trim(&lb, &le);
        if (lb == le || *lb == '#')
            continue;

        const char *c1 = memchr(lb, ',', (size_t)(le - lb));
        const char *c2 = c1 ? memchr(c1 + 1, ',', (size_t)(le - c1 - 1)) : NULL;
        if (!c2) {
            set_err(err, errlen,
                    "dòng %d: thiếu trường (cần: ngày,loại,tên)", lineno);
            rc = -EINVAL;
            goto out;
        }
        const char *db = lb, *de = c1, *kb = c1 + 1, *ke = c2, *nb = c2 + 1,
                   *ne = le;
        trim(&db, &de);
        trim(&kb, &ke);
        trim(&nb, &ne);
        if (!seen_data && field_is(db, de, "date") && field_is(kb, ke, "kind")) {
            seen_data = 1; /* header line */
            continue;
        }
        seen_data = 1;

        int y, m, d;
        if (parse_date(db, de, &y, &m, &d)) {
            set_err(err, errlen,
                    "dòng %d: ngày không hợp lệ \"%.*s\" (cần YYYY-MM-DD)",
                    lineno, (int)(de - db > 20 ? 20 : de - db), db);
            rc = -EINVAL;
            goto out;
        }
        if (y < CAL_YEAR_MIN || y > CAL_YEAR_MAX) {
            set_err(err, errlen, "dòng %d: năm %d nằm ngoài %d–%d", lineno, y,
                    CAL_YEAR_MIN, CAL_YEAR_MAX);
            rc = -EINVAL;
            goto out;
        }
        int kind;
        if (field_is(kb, ke, "off"))
            kind = OV_OFF;
        else if (field_is(kb, ke, "work"))
            kind = OV_WORK;
        else {
            set_err(err, errlen,
                    "dòng %d: loại không hợp lệ \"%.*s\" (cần off hoặc work)",
                    lineno, (int)(ke - kb > 20 ? 20 : ke - kb), kb);
            rc = -EINVAL;
            goto out;
        }
        size_t nlen = (size_t)(ne - nb);
        if (nlen == 0) {
            set_err(err, errlen, "dòng %d: thiếu tên", lineno);
            rc = -EINVAL;
            goto out;
        }
        if (nlen >= CAL_NAME_MAX) {
            set_err(err, errlen, "dòng %d: tên quá dài (tối đa %d byte)",
                    lineno, CAL_NAME_MAX - 1);
            rc = -EINVAL;
            goto out;
        }
        if (!valid_name((const unsigned char *)nb, nlen)) {
            set_err(err, errlen,
                    "dòng %d: tên không phải văn bản UTF-8 hợp lệ", lineno);
            rc = -EINVAL;
            goto out;
        }
        long jdn = lunar_jdn(y, m, d);
        for (size_t i = 0; i < nadd; i++) {
            if (add[i].jdn == jdn) {
                set_err(err, errlen,
                        "dòng %d: ngày %04d-%02d-%02d lặp lại (đã có ở dòng %d)",
                        lineno, y, m, d, lines[i]);
                rc = -EINVAL;
                goto out;
            }
        }
        if (nadd == CAL_MAX_OVERRIDES) {
            set_err(err, errlen, "dòng %d: quá nhiều ngày (tối đa %d)", lineno,
                    CAL_MAX_OVERRIDES);
            rc = -EINVAL;
            goto out;
        }
        if (nadd == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            struct override *na = realloc(add, ncap * sizeof *na);
            if (!na) {
                rc = -ENOMEM;
                goto out;
            }
            add = na;
            int *nl = realloc(lines, ncap * sizeof *nl);
            if (!nl) {
                rc = -ENOMEM;
                goto out;
            }
            lines = nl;
            cap = ncap;
        }
        add[nadd].jdn = jdn;
        add[nadd].kind = kind;
        memcpy(add[nadd].name, nb, nlen);
        add[nadd].name[nlen] = '\0';
        lines[nadd] = lineno;
        nadd++;
    }

    /* merge: existing entries not redefined, then the new ones */
    size_t nm = 0;
    merged = malloc((c->nov + nadd + 1) * sizeof *merged);
    if (!merged) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < c->nov; i++) {
        int redefined = 0;
        for (size_t k = 0; k < nadd && !redefined; k++)
            redefined = add[k].jdn == c->ov[i].jdn;
        if (!redefined)
            merged[nm++] = c->ov[i];
    }
    if (nm + nadd > CAL_MAX_OVERRIDES) {
        set_err(err, errlen, "quá nhiều ngày điều chỉnh (tối đa %d)",
                CAL_MAX_OVERRIDES);
        rc = -EINVAL;
        goto out;
    }
    if (nadd)
        memcpy(merged + nm, add, nadd * sizeof *add);
    nm += nadd;
    qsort(merged, nm, sizeof *merged, cmp_override);
    free(c->ov);
    c->ov = merged;
    c->nov = nm;
    merged = NULL;
out:
    free(merged);
    free(add);
    free(lines);
    if (rc == -ENOMEM)
        set_err(err, errlen, "hết bộ nhớ");
    return rc;
}

/* ---- day status --------------------------------------------------------- */

/* Caches the rule holidays of the year last asked for, for day walks. */
struct walk {
    const struct cal *c;
    struct year_rules r;
};

static void walk_init(struct walk *w, const struct cal *c)
{
    w->c = c;
    w->r.year = 0;
    w->r.n = 0;
}

/* Sessions of local day jdn (n = 0 on a day off). */
static const struct cal_session *day_sessions(struct walk *w, long jdn, int *n)
{
    const struct cal *c = w->c;
    int wd = weekday_of(jdn);
    const struct override *o = find_override(c, jdn);
    if (o) {
        if (o->kind == OV_OFF) {
            *n = 0;
            return NULL;
        }
        if (c->nsess[wd]) {
            *n = c->nsess[wd];
            return c->sess[wd];
        }
        /* a make-up day on a rest weekday works the hours of the first
         * working weekday from Monday on */
        for (int k = 1; k <= 7; k++) {
            if (c->nsess[k % 7]) {
                *n = c->nsess[k % 7];
                return c->sess[k % 7];
            }
        }
        *n = 0;
        return NULL;
    }
    if (c->nsess[wd] == 0) {
        *n = 0;
        return NULL;
    }
    int y, m, d;
    lunar_jdn_to_ymd(jdn, &y, &m, &d);
    if (w->r.year != y)
        compute_rules(c, y, &w->r);
    if (in_rules(&w->r, jdn)) {
        *n = 0;
        return NULL;
    }
    *n = c->nsess[wd];
    return c->sess[wd];
}

int cal_is_working_day(const struct cal *c, int y, int m, int d)
{
    if (!c || !valid_date(y, m, d))
        return -EINVAL;
    if (y < CAL_YEAR_MIN || y > CAL_YEAR_MAX)
        return -ERANGE;
    struct walk w;
    walk_init(&w, c);
    int n;
    day_sessions(&w, lunar_jdn(y, m, d), &n);
    return n > 0;
}

int cal_holidays(const struct cal *c, int year, struct cal_day *out, int max)
{
    if (!c || max < 0 || (max > 0 && !out))
        return -EINVAL;
    if (year < CAL_YEAR_MIN || year > CAL_YEAR_MAX)
        return -ERANGE;
    struct year_rules r;
    compute_rules(c, year, &r);
    long first = lunar_jdn(year, 1, 1), last = lunar_jdn(year, 12, 31);
    int n = 0, ri = 0;
    /* walk the year's days in order: rule days and override days */
    for (long j = first; j <= last; j++) {
        const struct override *o = find_override(c, j);
        const struct rule_day *rd = NULL;
        while (ri < r.n && r.d[ri].jdn < j)
            ri++;
        if (ri < r.n && r.d[ri].jdn == j)
            rd = &r.d[ri]; /* the first rule of the day names it */
        if (o ? o->kind != OV_OFF : !rd)
            continue;
        if (n == max)
            return -ENOSPC;
        struct cal_day *cd = &out[n++];
        lunar_jdn_to_ymd(j, &cd->y, &cd->m, &cd->d);
        if (o)
            snprintf(cd->name, sizeof cd->name, "%s", o->name);
        else
            snprintf(cd->name, sizeof cd->name, "%s%s",
                     rd->comp ? COMP_PREFIX : "", rd->name);
    }
    return n;
}

/* ---- working time ------------------------------------------------------- */

static int check_time(int64_t t)
{
    if (t < 0)
        return -EINVAL;
    if (t + CAL_TZ_OFFSET >= local_end())
        return -ERANGE;
    return 0;
}

/* First working instant at or after local second l (local seconds). */
static int64_t next_working(struct walk *w, int64_t l, int64_t lend)
{
    long jdn = (long)(floor_div(l, DAY_SECONDS) + JDN_UNIX_EPOCH);
    int64_t sod = l - day_start(jdn);
    for (; day_start(jdn) < lend; jdn++, sod = 0) {
        int n;
        const struct cal_session *s = day_sessions(w, jdn, &n);
        for (int i = 0; i < n; i++) {
            if (sod < (int64_t)s[i].end * 60) {
                int64_t from = (int64_t)s[i].start * 60;
                return day_start(jdn) + (sod > from ? sod : from);
            }
        }
    }
    return -ERANGE;
}

static int64_t clock_start_local(struct walk *w, int64_t received,
                                 int cutoff_minute)
{
    int64_t l = received + CAL_TZ_OFFSET;
    if (cutoff_minute >= 0) {
        long jdn = (long)(floor_div(l, DAY_SECONDS) + JDN_UNIX_EPOCH);
        int n;
        day_sessions(w, jdn, &n);
        if (n > 0 && l - day_start(jdn) > (int64_t)cutoff_minute * 60)
            l = day_start(jdn + 1);
    }
    return next_working(w, l, local_end());
}

/* The arguments checked, then the clock start in local seconds (w ready
 * for walking on from it); a negative error otherwise. */
static int64_t checked_start(struct walk *w, const struct cal *c, int64_t received,
                             int cutoff_minute)
{
    if (!c || cutoff_minute < -1 || cutoff_minute > 1440)
        return -EINVAL;
    int rc = check_time(received);
    if (rc)
        return rc;
    walk_init(w, c);
    return clock_start_local(w, received, cutoff_minute);
}

int64_t cal_clock_start(const struct cal *c, int64_t received,
                        int cutoff_minute)
{
    struct walk w;
    int64_t l = checked_start(&w, c, received, cutoff_minute);
    return l < 0 ? l : l - CAL_TZ_OFFSET;
}

int64_t cal_due(const struct cal *c, int64_t received, int64_t working_minutes,
                int cutoff_minute)
{
    if (working_minutes < 0 || working_minutes > CAL_MAX_WORKING_MINUTES)
        return -EINVAL;
    struct walk w;
    int64_t l = checked_start(&w, c, received, cutoff_minute);
    if (l < 0)
        return l;
    int64_t rem = working_minutes * 60, lend = local_end();
    long jdn = (long)(floor_div(l, DAY_SECONDS) + JDN_UNIX_EPOCH);
    int64_t sod = l - day_start(jdn);
    for (; day_start(jdn) < lend; jdn++, sod = 0) {
        int n;
        const struct cal_session *s = day_sessions(&w, jdn, &n);
        for (int i = 0; i < n; i++) {
            int64_t a = (int64_t)s[i].start * 60, b = (int64_t)s[i].end * 60;
            if (sod >= b)
                continue;
            if (sod < a)
                sod = a;
            /* the result may equal a session end: it stays there */
            if (rem <= b - sod)
                return day_start(jdn) + sod + rem - CAL_TZ_OFFSET;
            rem -= b - sod;
            sod = b;
        }
    }
    return -ERANGE;
}

/* Working seconds in [from, to), or a negative errno. */
static int64_t working_seconds_between(const struct cal *c, int64_t from, int64_t to)
{
    if (!c)
        return -EINVAL;
    int rc = check_time(from);
    if (rc)
        return rc;
    if (to <= from)
        return 0;
    if (to + CAL_TZ_OFFSET > local_end())
        return -ERANGE;
    struct walk w;
    walk_init(&w, c);
    int64_t lf = from + CAL_TZ_OFFSET, lt = to + CAL_TZ_OFFSET, sum = 0;
    long j0 = (long)(floor_div(lf, DAY_SECONDS) + JDN_UNIX_EPOCH);
    long j1 = (long)(floor_div(lt - 1, DAY_SECONDS) + JDN_UNIX_EPOCH);
    for (long j = j0; j <= j1; j++) {
        int n;
        const struct cal_session *s = day_sessions(&w, j, &n);
        for (int i = 0; i < n; i++) {
            int64_t a = day_start(j) + (int64_t)s[i].start * 60;
            int64_t b = day_start(j) + (int64_t)s[i].end * 60;
            if (a < lf)
                a = lf;
            if (b > lt)
                b = lt;
            if (b > a)
                sum += b - a;
        }
    }
    return sum;
}

int64_t cal_working_minutes_between(const struct cal *c, int64_t from, int64_t to)
{
    int64_t sec = working_seconds_between(c, from, to);
    return sec < 0 ? sec : sec / 60;
}

int64_t cal_working_minutes_left(const struct cal *c, int64_t from, int64_t to)
{
    int64_t sec = working_seconds_between(c, from, to);
    return sec < 0 ? sec : (sec + 59) / 60;
}

int64_t cal_days_to_minutes(int64_t days)
{
    if (days < 0 || days > CAL_MAX_WORKING_MINUTES / CAL_MINUTES_PER_DAY)
        return -EINVAL;
    return days * CAL_MINUTES_PER_DAY;
}

int64_t cal_hours_to_minutes(int64_t hours)
{
    if (hours < 0 || hours > CAL_MAX_WORKING_MINUTES / 60)
        return -EINVAL;
    return hours * 60;
}

/* ---- formatting and parsing --------------------------------------------- */

static int split_local(int64_t t, int *y, int *mo, int *d, int *h, int *mi,
                       int *s)
{
    int64_t l = t + CAL_TZ_OFFSET;
    int64_t days = floor_div(l, DAY_SECONDS);
    int64_t sod = l - days * DAY_SECONDS;
    /* years 0..9999 only: keeps the day count well inside a long */
    if (days < -719528 || days > 2932896)
        return -ERANGE;
    lunar_jdn_to_ymd((long)(days + JDN_UNIX_EPOCH), y, mo, d);
    *h = (int)(sod / 3600);
    *mi = (int)(sod / 60 % 60);
    *s = (int)(sod % 60);
    return 0;
}

/* Local time as "YYYY-MM-DDTHH:MM", and with iso ":SS+07:00" after it. */
static int format_local(int64_t t, char *buf, size_t len, int iso)
{
    int y, mo, d, h, mi, s;
    if (!buf || len < (iso ? CAL_ISO_LEN : CAL_LOCAL_LEN))
        return -ENOSPC;
    int rc = split_local(t, &y, &mo, &d, &h, &mi, &s);
    if (rc)
        return rc;
    if (iso)
        snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d+07:00", y, mo, d, h, mi, s);
    else
        snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d", y, mo, d, h, mi);
    return 0;
}

int cal_format_iso(int64_t t, char *buf, size_t len) { return format_local(t, buf, len, 1); }

int cal_format_local(int64_t t, char *buf, size_t len) { return format_local(t, buf, len, 0); }

int cal_parse_local(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, sec = 0;
    if (!s || !out)
        return -EINVAL;
    size_t n = strnlen(s, 20);
    if (n != 16 && n != 19)
        return -EINVAL;
    if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
        s[13] != ':' || (n == 19 && s[16] != ':'))
        return -EINVAL;
    if (parse_digits(s, 4, &y) || parse_digits(s + 5, 2, &mo) ||
        parse_digits(s + 8, 2, &d) || parse_digits(s + 11, 2, &h) ||
        parse_digits(s + 14, 2, &mi) ||
        (n == 19 && parse_digits(s + 17, 2, &sec)))
        return -EINVAL;
    if (y < 1000 || !valid_date(y, mo, d) || h > 23 || mi > 59 || sec > 59)
        return -EINVAL;
    *out = day_start(lunar_jdn(y, mo, d)) + h * 3600 + mi * 60 + sec -
           CAL_TZ_OFFSET;
    return 0;
}

json_t *cal_json_iso(int64_t t)
{
    char buf[CAL_ISO_LEN];
    if (t <= 0 || cal_format_iso(t, buf, sizeof buf) < 0)
        return json_null();
    return json_string(buf);
}

int cal_local_ymd(int64_t t)
{
    time_t local = (time_t)(t + CAL_TZ_OFFSET);
    struct tm tm;
    gmtime_r(&local, &tm);
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}
