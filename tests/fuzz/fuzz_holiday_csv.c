/* libFuzzer target for calendar/cal_load_overrides_csv, the reader of the
 * government's yearly holiday decisions (data/holiday-overrides.csv, see
 * docs/calendar.md). Input: the CSV text (up to the first NUL byte).
 *
 * Checked on every input: the answer is 0 or -EINVAL; a refusal explains
 * itself and leaves the calendar exactly as it was (the overrides loaded
 * before stay in force); an accepted text loads the same way into a fresh
 * calendar and again into the same one, and every data line of it, read
 * here by a small parser of its own, has taken effect: an "off" line makes
 * its day a day off listed under its name, a "work" line a working day.
 * Build and run: see docs/architecture.md ("Fuzzing"). */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/assets.h"
#include "calendar/calendar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* calendar.c finds the shipped overrides through the embedded assets, which
 * this target does not link: cal_new_default is not used here. */
const struct asset *asset_find(const char *path) {
  (void)path;
  return NULL;
}

/* Overrides in force before the fuzzed text: a refusal must keep them. */
static const char base_text[] = "2025-01-27,off,Nghỉ Tết Nguyên Đán\n"
                                "2025-04-26,work,Làm bù cho ngày 02/05/2025\n";

#define CHECK_LINES 64 /* data lines compared with the calendar, per input */

struct line {
  int y, m, d, off;
  char name[CAL_NAME_MAX];
};

static void trim(const char **b, const char **e) {
  while (*b < *e && (**b == ' ' || **b == '\t'))
    (*b)++;
  while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
    (*e)--;
}

static int digits(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/* Reads the data lines of a text the calendar accepted (so every line is
 * well formed; a line whose first field is not a date is the header).
 * OUT: out[0..n). Returns n, at most max. */
static int read_lines(const char *text, struct line *out, int max) {
  int n = 0;
  const char *p = text, *end = text + strlen(text);
  while (p < end && n < max) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *lb = p, *le = eol ? eol : end;
    p = eol ? eol + 1 : end;
    trim(&lb, &le);
    if (lb == le || *lb == '#')
      continue;
    const char *c1 = memchr(lb, ',', (size_t)(le - lb));
    assert(c1); /* accepted: every data line has two commas */
    const char *c2 = memchr(c1 + 1, ',', (size_t)(le - c1 - 1));
    assert(c2);
    const char *db = lb, *de = c1, *kb = c1 + 1, *ke = c2, *nb = c2 + 1,
               *ne = le;
    trim(&db, &de);
    trim(&kb, &ke);
    trim(&nb, &ne);
    if (de - db != 10 || db[4] != '-' || db[7] != '-' || digits(db, 4) < 0 ||
        digits(db + 5, 2) < 0 || digits(db + 8, 2) < 0)
      continue; /* the header */
    struct line *l = &out[n++];
    l->y = digits(db, 4);
    l->m = digits(db + 5, 2);
    l->d = digits(db + 8, 2);
    assert(ke - kb == 3 || ke - kb == 4);
    l->off = ke - kb == 3; /* "off" or "work", in any case */
    assert((size_t)(ne - nb) < sizeof l->name);
    memcpy(l->name, nb, (size_t)(ne - nb));
    l->name[ne - nb] = '\0';
  }
  return n;
}

/* The days off of a year, as cal_holidays lists them. */
static int holidays(const struct cal *c, int year, struct cal_day *out) {
  int n = cal_holidays(c, year, out, 366);
  assert(n >= 0 && n <= 366);
  for (int i = 0; i < n; i++) {
    assert(out[i].y == year);
    assert(memchr(out[i].name, '\0', sizeof out[i].name) != NULL);
    assert(out[i].name[0] != '\0');
    if (i > 0) /* sorted by date, one entry a day */
      assert(out[i - 1].m * 100 + out[i - 1].d < out[i].m * 100 + out[i].d);
  }
  return n;
}

static int same_days(const struct cal_day *a, int na, const struct cal_day *b,
                     int nb) {
  if (na != nb)
    return 0;
  for (int i = 0; i < na; i++)
    if (a[i].m != b[i].m || a[i].d != b[i].d ||
        strcmp(a[i].name, b[i].name) != 0)
      return 0;
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct cal_day before[366], after[366];
  static struct line lines[CHECK_LINES];
  char err[200], err2[200];
  char *text;
  struct cal *c, *fresh;
  int rc, nb, na;

  if (size > 1 << 16)
    return 0;
  text = malloc(size + 1);
  assert(text);
  memcpy(text, data, size);
  text[size] = '\0';

  c = cal_new_rules_only();
  fresh = cal_new_rules_only();
  assert(c && fresh);
  assert(cal_load_overrides_csv(c, base_text, err, sizeof err) == 0);
  nb = holidays(c, 2025, before);

  memset(err, 'x', sizeof err);
  rc = cal_load_overrides_csv(c, text, err, sizeof err);
  assert(rc == 0 || rc == -EINVAL);
  assert(memchr(err, '\0', sizeof err) != NULL);
  if (rc != 0) {
    /* refused: a message, and the calendar as it was */
    assert(err[0] != '\0');
    na = holidays(c, 2025, after);
    assert(same_days(before, nb, after, na));
    assert(cal_is_working_day(c, 2025, 1, 27) == 0);
    assert(cal_is_working_day(c, 2025, 4, 26) == 1);
    /* and the same text is refused the same way on a fresh calendar */
    assert(cal_load_overrides_csv(fresh, text, err2, sizeof err2) == rc);
    goto out;
  }
  assert(err[0] == '\0');
  /* the same text loads into a fresh calendar, and again on top of
   * itself (a date already overridden is replaced, not repeated) */
  assert(cal_load_overrides_csv(fresh, text, err2, sizeof err2) == 0);
  na = holidays(c, 2025, after);
  assert(cal_load_overrides_csv(c, text, err2, sizeof err2) == 0);
  nb = holidays(c, 2025, before);
  assert(same_days(before, nb, after, na));

  /* every data line took effect, as read here */
  int n = read_lines(text, lines, CHECK_LINES);
  for (int i = 0; i < n; i++) {
    const struct line *l = &lines[i];
    int later = 0; /* a line repeated in the text would have been refused */
    for (int k = i + 1; k < n; k++)
      later |= lines[k].y == l->y && lines[k].m == l->m && lines[k].d == l->d;
    assert(!later);
    assert(cal_is_working_day(fresh, l->y, l->m, l->d) == !l->off);
    if (!l->off)
      continue;
    int nd = holidays(fresh, l->y, after), found = 0;
    for (int k = 0; k < nd && !found; k++)
      found = after[k].m == l->m && after[k].d == l->d &&
              strcmp(after[k].name, l->name) == 0;
    assert(found);
  }
out:
  cal_free(c);
  cal_free(fresh);
  free(text);
  return 0;
}
