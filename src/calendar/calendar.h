/* calendar: the working-time calendar that appointment dates (ngày hẹn trả
 * kết quả) are computed on: working sessions per weekday, public holidays
 * by the Labour Code 2019 (art. 112) with compensating days off, and the
 * government's yearly overrides (extra days off, make-up working days).
 * Vietnam local time is UTC+7 without daylight saving; times in the API are
 * Unix seconds (UTC). See docs/calendar.md. */
#ifndef MOTCUA_CALENDAR_H
#define MOTCUA_CALENDAR_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define CAL_TZ_OFFSET (7 * 3600) /* seconds east of UTC */
#define CAL_YEAR_MIN 1900        /* holidays need the lunar calendar */
#define CAL_YEAR_MAX 2199
#define CAL_MAX_SESSIONS 4   /* sessions per day */
#define CAL_NAME_MAX 96      /* bytes, with the NUL, of a day's name */
#define CAL_MAX_OVERRIDES 4096
#define CAL_OVERRIDES_TEXT_MAX (1 << 20) /* bytes of CSV text */
/* A working day, for converting processing times, is 8 hours (Labour Code
 * art. 105: normal hours are at most 8 a day), whatever the sessions. */
#define CAL_MINUTES_PER_DAY (8 * 60)
/* Largest processing time cal_due accepts: ten years of working days. */
#define CAL_MAX_WORKING_MINUTES ((int64_t)CAL_MINUTES_PER_DAY * 261 * 10)
#define CAL_ISO_LEN 26   /* "YYYY-MM-DDTHH:MM:SS+07:00" and the NUL */
#define CAL_LOCAL_LEN 17 /* "YYYY-MM-DDTHH:MM" and the NUL */

struct cal; /* opaque; read-only use from several threads is safe */

/* A working session, minutes since local midnight, start < end <= 1440. */
struct cal_session {
    int start;
    int end;
};

/* A day off, as listed by cal_holidays. */
struct cal_day {
    int y, m, d;
    char name[CAL_NAME_MAX]; /* Vietnamese, UTF-8 */
};

/* A calendar with the default sessions (Mon-Fri 07:00-11:30, 13:30-17:00),
 * the holiday rules, and the official overrides shipped in
 * data/holiday-overrides.csv. The caller owns it (cal_free). NULL when out
 * of memory or if the shipped file is missing or invalid. */
struct cal *cal_new_default(void);

/* As cal_new_default without the shipped overrides. NULL if out of memory. */
struct cal *cal_new_rules_only(void);

/* Frees a calendar; NULL is fine. */
void cal_free(struct cal *c);

/* Sets the sessions of one weekday (0 = Sunday .. 6 = Saturday): n sessions
 * (0 makes it a weekly rest day), each with 0 <= start < end <= 1440, in
 * order and not overlapping. Returns 0 or -EINVAL (calendar unchanged). */
int cal_set_sessions(struct cal *c, int weekday, const struct cal_session *s,
                     int n);

/* Loads official overrides from CSV text, one "YYYY-MM-DD,kind,name" a line
 * with kind "off" (an extra day off) or "work" (a working day, e.g. a
 * make-up Saturday, ngày làm bù); blank lines and lines starting with '#'
 * are skipped, an optional "date,kind,name" header is allowed, the name is
 * the rest of the line. A date already overridden is replaced. On bad input
 * returns -EINVAL, writes a message naming the line into err (Vietnamese,
 * NUL-terminated, may be NULL) and leaves the calendar unchanged; -ENOMEM
 * when out of memory. */
int cal_load_overrides_csv(struct cal *c, const char *text, char *err,
                           size_t errlen);

/* Removes every override. */
void cal_clear_overrides(struct cal *c);

/* Lists the days off of a year other than ordinary weekends: holidays by
 * rule (also when they fall on a weekend), compensating days off, override
 * days off; without the days an override makes working. Sorted by date.
 * OUT: out[0..n). Returns n, -ERANGE for a year outside CAL_YEAR_MIN..MAX,
 * -ENOSPC if max is too small (366 always suffices). */
int cal_holidays(const struct cal *c, int year, struct cal_day *out, int max);

/* 1 if y-m-d is a working day, 0 if not, -EINVAL for an invalid date,
 * -ERANGE outside CAL_YEAR_MIN..MAX. */
int cal_is_working_day(const struct cal *c, int y, int m, int d);

/* The moment the processing clock starts for a dossier received at
 * `received`: received itself when it is inside a session; otherwise the
 * start of the next session (lunch -> 13:30; evening or a day off -> the
 * next working morning). Received after cutoff_minute (minutes since local
 * midnight; -1 for none) on a working day: the start of the next working
 * day. Returns Unix seconds, or -EINVAL (received < 0, bad cutoff),
 * -ERANGE (past CAL_YEAR_MAX). */
int64_t cal_clock_start(const struct cal *c, int64_t received,
                        int cutoff_minute);

/* The appointment: the clock start (as cal_clock_start) plus working_minutes
 * of working time, skipping lunch, nights, weekends and days off. A result
 * that ends exactly at the end of a session stays there (17:00, not the next
 * morning); 0 minutes gives the clock start. Returns Unix seconds, or
 * -EINVAL (bad argument, minutes outside 0..CAL_MAX_WORKING_MINUTES),
 * -ERANGE (past CAL_YEAR_MAX). */
int64_t cal_due(const struct cal *c, int64_t received, int64_t working_minutes,
                int cutoff_minute);

/* Working minutes in [from, to), rounded down (0 if to <= from). On
 * resume after a pause, due = cal_due(c, resume, remaining, -1) with
 * remaining = cal_working_minutes_left(c, pause, due). Returns minutes, or -EINVAL
 * (from < 0), -ERANGE (past CAL_YEAR_MAX). */
int64_t cal_working_minutes_between(const struct cal *c, int64_t from,
                                    int64_t to);

/* The same, rounded up: the working time left on a clock paused at from
 * with its due at to. A part of a minute counts whole, so that pausing and
 * resuming never brings the due date earlier (the applicant loses no
 * time). */
int64_t cal_working_minutes_left(const struct cal *c, int64_t from, int64_t to);

/* Processing times in working minutes: days * CAL_MINUTES_PER_DAY, hours *
 * 60. -EINVAL if negative or too large for cal_due. */
int64_t cal_days_to_minutes(int64_t days);
int64_t cal_hours_to_minutes(int64_t hours);

/* The local date of Unix time t as yyyymmdd (20261207). */
int cal_local_ymd(int64_t t);

/* Formats Unix time t in Vietnam local time as "YYYY-MM-DDTHH:MM:SS+07:00"
 * (cal_format_iso, needs CAL_ISO_LEN bytes) or "YYYY-MM-DDTHH:MM"
 * (cal_format_local, CAL_LOCAL_LEN bytes). OUT: buf. Returns 0, -ENOSPC if
 * len is too small, -ERANGE for years outside 0000..9999. */
int cal_format_iso(int64_t t, char *buf, size_t len);
int cal_format_local(int64_t t, char *buf, size_t len);

/* Parses Vietnam local time "YYYY-MM-DDTHH:MM" (":SS" may follow; a space
 * may stand for the 'T') into Unix seconds. OUT: *out. Returns 0 or -EINVAL
 * (bad syntax, impossible date or time, year before 1000). */
int cal_parse_local(const char *s, int64_t *out);

/* The time as a JSON string "YYYY-MM-DDTHH:MM:SS+07:00", or JSON null for
 * t <= 0 (not set) or a time out of range. The one way every API answer
 * shows a time. */
json_t *cal_json_iso(int64_t t);

#endif
