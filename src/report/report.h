/* report: the province's figures for a unit's subtree and a period of local
 * days: dossiers received by channel and online level, the share received
 * online, handled early / on time / late, pending and overdue (as of now),
 * the citizens' satisfaction, and the indicators of the service quality
 * index (QĐ 766/QĐ-TTg) that the data supports. Figures come from the
 * counters (report/stats.h): whole months from stat_monthly, the days of
 * partial months from stat_daily, so a year of a province sums a few
 * thousand rows. The same report can be computed by scanning the raw rows
 * (REPORT_SCAN), for checks and for the benchmark. Definitions:
 * docs/reports.md. */
#ifndef MOTCUA_REPORT_H
#define MOTCUA_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/unit.h"
#include "report/stats.h"

struct store;

#define REPORT_MAX_DAYS 1096   /* the longest period: three years */
#define REPORT_DAY_GRAIN_MAX 92 /* periods up to a quarter are drawn day by day */

enum report_source { REPORT_COUNTERS, REPORT_SCAN };
enum report_grain { REPORT_DAY, REPORT_MONTH };

/* The figures of a unit, the subtree, or one point of the series. */
struct report_figs {
    int64_t f[STAT_NFIGS];                           /* by enum stat_fig */
    int64_t recv[STAT_NL42][STAT_NOLD][STAT_NCH];    /* received by levels and channel */
    int64_t files[STAT_NCH];                         /* received with files, by channel */
    int64_t pending, overdue; /* open now / open, clock running, past the appointment */
};

/* One line of the table by unit: the unit's own dossiers (own = 1) or a
 * direct child with everything under it. */
struct report_row {
    int64_t unit_id;
    char code[64];
    char name[256];
    int own;
    struct report_figs figs;
};

struct report_point {
    int key; /* yyyymmdd (REPORT_DAY) or yyyymm (REPORT_MONTH) */
    struct report_figs figs;
};

struct report {
    struct unit unit;
    int from_ymd, to_ymd;     /* local dates, inclusive */
    int64_t from_ts, to_ts;   /* [from_ts, to_ts): local midnights, Unix seconds */
    int64_t as_of;            /* "now" for pending and overdue */
    enum report_source source;
    enum report_grain grain;
    struct report_figs total;
    struct report_row *rows;  /* own row first, then children by code */
    size_t nrows;
    struct report_point *points; /* every day or month of the period, in order */
    size_t npoints;
    int64_t procedures;       /* procedures the subtree's units handle (catalog, now) */
    int64_t procedures_full;  /* of those, fully online (toàn trình) */
    int incomplete;           /* counters not rebuilt after an upgrade */
    /* Complaints and suggestions (phản ánh, kiến nghị) of the subtree's units,
     * answered (and rated) in the period; few enough to count directly. */
    int64_t feedback_answered, feedback_on_time, feedback_rated, feedback_satisfied;
};

/* Parses a strict "YYYY-MM-DD" (a real date, years 2000-2199) into yyyymmdd.
 * Returns 0 or -1. */
int report_parse_date(const char *s, int *ymd);

/* Checks a period: from <= to, at most REPORT_MAX_DAYS days. Returns 0, or
 * -1 with a Vietnamese reason in why. */
int report_check_period(int from_ymd, int to_ymd, char *why, size_t whylen);

/* Local (UTC+7) midnight at the start of yyyymmdd, Unix seconds. */
int64_t report_local_midnight(int ymd);

/* Days of a period, inclusive. */
int report_period_days(int from_ymd, int to_ymd);

/* Computes the report of unit u's subtree for [from_ymd, to_ymd], pending and
 * overdue as of now. Fills out (the caller frees it with report_free, also
 * after a failure). Returns 0 or a negative error. */
int report_build(struct store *db, const struct unit *u, int from_ymd, int to_ymd, int64_t now,
                 enum report_source src, struct report *out);
void report_free(struct report *r);

/* Derived figures. */
int64_t report_received_by(const struct report_figs *g, int channel);
int64_t report_handled(const struct report_figs *g);  /* early + on time + late */
int64_t report_ratings(const struct report_figs *g);
int64_t report_satisfied(const struct report_figs *g); /* very + ok */
/* num / den, or -1 when den is 0 (no data). */
double report_rate(int64_t num, int64_t den);

/* The QĐ 766 groups, in the order of DOMAIN.md. */
#define REPORT_GROUPS 5
extern const char *const report_group_titles[REPORT_GROUPS];

struct report_indicator {
    int group;          /* 1..REPORT_GROUPS */
    const char *key;    /* stable, ASCII */
    const char *title;  /* Vietnamese */
    int available;      /* 0: motcua lacks the data; note says which */
    int is_count;       /* a number of dossiers/procedures, not a ratio */
    int64_t num, den;   /* the ratio's parts (den 0: nothing to measure) */
    const char *note;   /* the basis, or what data is missing */
};

/* The indicators of the report, at most max; returns how many. */
size_t report_indicators(const struct report *r, struct report_indicator *out, size_t max);

/* Flat figures of one unit, the total or a point: received, online, desk,
 * post, online_share, with_files, handled, early, on_time, late,
 * on_time_rate, ..., satisfaction_rate (rates are fractions or null);
 * pending and overdue when with_pending. */
json_t *report_figs_json(const struct report_figs *g, int with_pending);

/* The whole report as JSON (docs/reports.md); NULL if out of memory. */
json_t *report_json(const struct report *r);

/* "YYYY-MM-DD" of yyyymmdd (buf >= 11 bytes). */
void report_format_ymd(int ymd, char *buf, size_t cap);

#endif
