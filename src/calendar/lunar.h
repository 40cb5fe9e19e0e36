/* lunar: the Vietnamese lunar calendar (âm lịch), computed astronomically for
 * UTC+7: months begin on the local day of the new moon, month 11 holds the
 * winter solstice, and in a 13-month year the leap month (tháng nhuận) is the
 * first month after month 11 that holds no major solar term (trung khí). */
#ifndef MOTCUA_LUNAR_H
#define MOTCUA_LUNAR_H

/* Supported range, in solar (Gregorian) dates, for both directions. */
#define LUNAR_YEAR_MIN 1900
#define LUNAR_YEAR_MAX 2199

struct lunar_date {
    int day;   /* 1..30 */
    int month; /* 1..12 */
    int year;  /* lunar year, numbered like the solar year it mostly covers */
    int leap;  /* 1 if the month is the leap month repeating `month` */
};

/* Converts the solar date y-m-d (Gregorian, in Vietnam) into its lunar date.
 * Returns 0, -EINVAL for an invalid date, -ERANGE outside
 * LUNAR_YEAR_MIN..LUNAR_YEAR_MAX. OUT: *out. Thread-safe. */
int lunar_from_solar(int y, int m, int d, struct lunar_date *out);

/* Converts a lunar date into the solar date. Returns 0, -EINVAL if there is
 * no such lunar date (day 30 of a 29-day month, a leap month the year does
 * not have), -ERANGE if the solar date falls outside the supported range.
 * OUT: *y, *m, *d. Thread-safe. */
int lunar_to_solar(const struct lunar_date *ld, int *y, int *m, int *d);

/* Number of days (29 or 30) of the given lunar month, or a negative error as
 * lunar_to_solar. */
int lunar_month_length(int year, int month, int leap);

/* The leap month of lunar year `year` (1..12), 0 if it has none, or a
 * negative error. A leap month 11 or 12 counts in the year it is numbered
 * in. */
int lunar_leap_month(int year);

/* Julian Day Number of a Gregorian date (no range check); and back. These
 * are exact integer formulas valid for any year after -4800. */
long lunar_jdn(int y, int m, int d);
void lunar_jdn_to_ymd(long jdn, int *y, int *m, int *d); /* OUT: y, m, d */

#endif
