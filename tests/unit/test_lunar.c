/* Tests for src/calendar/lunar: known Vietnamese lunar dates (published
 * calendars), leap months, invalid dates, and the round trip over every day
 * of the supported range. */
#include <errno.h>

#include "calendar/lunar.h"
#include "harness.h"

static int tet(int year, int *m, int *d)
{
    struct lunar_date ld = {1, 1, year, 0};
    int y;
    int rc = lunar_to_solar(&ld, &y, m, d);
    if (rc == 0 && y != year)
        return -1;
    return rc;
}

#define CHECK_TET(year, em, ed)                                                \
    do {                                                                       \
        int m_, d_;                                                            \
        CHECK_EQ_INT(tet(year, &m_, &d_), 0);                                  \
        CHECK_EQ_INT(m_ * 100 + d_, (em) * 100 + (ed));                        \
    } while (0)

TEST(tet_dates)
{
    CHECK_TET(1985, 1, 21); /* Vietnam (UTC+7); China had 20 February */
    CHECK_TET(2020, 1, 25);
    CHECK_TET(2021, 2, 12);
    CHECK_TET(2022, 2, 1);
    CHECK_TET(2023, 1, 22);
    CHECK_TET(2024, 2, 10);
    CHECK_TET(2025, 1, 29);
    CHECK_TET(2026, 2, 17);
    CHECK_TET(2027, 2, 6);
    CHECK_TET(1968, 1, 29); /* North Vietnam, the year it moved to UTC+7 */
}

TEST(tet_1985_from_solar)
{
    struct lunar_date ld;
    CHECK_EQ_INT(lunar_from_solar(1985, 1, 21, &ld), 0);
    CHECK_EQ_INT(ld.day, 1);
    CHECK_EQ_INT(ld.month, 1);
    CHECK_EQ_INT(ld.year, 1985);
    CHECK_EQ_INT(ld.leap, 0);
    /* 20 Feb 1985 (Chinese new year) is lunar 1/2 in Vietnam */
    CHECK_EQ_INT(lunar_from_solar(1985, 2, 20, &ld), 0);
    CHECK_EQ_INT(ld.day, 1);
    CHECK_EQ_INT(ld.month, 2);
    CHECK_EQ_INT(ld.year, 1985);
    CHECK_EQ_INT(ld.leap, 0);
    /* Vietnam had no leap month in 1984 (China: leap 10) and leapt month 2
     * in 1985 instead */
    CHECK_EQ_INT(lunar_leap_month(1984), 0);
    CHECK_EQ_INT(lunar_leap_month(1985), 2);
}

TEST(hung_kings_day)
{
    int years[3] = {2024, 2025, 2026};
    int expect[3][2] = {{4, 18}, {4, 7}, {4, 26}};
    for (int i = 0; i < 3; i++) {
        struct lunar_date ld = {10, 3, years[i], 0};
        int y, m, d;
        CHECK_EQ_INT(lunar_to_solar(&ld, &y, &m, &d), 0);
        CHECK_EQ_INT(y, years[i]);
        CHECK_EQ_INT(m, expect[i][0]);
        CHECK_EQ_INT(d, expect[i][1]);
    }
}

TEST(last_day_of_lunar_year)
{
    struct lunar_date ld;
    /* 2024-02-09 was 30 tháng Chạp Quý Mão; 2025-01-28 was 29 tháng Chạp
     * Giáp Thìn (a 29-day month); 2026-02-16 is 29 tháng Chạp Ất Tỵ */
    CHECK_EQ_INT(lunar_from_solar(2024, 2, 9, &ld), 0);
    CHECK_EQ_INT(ld.day * 10000 + ld.month * 100, 301200);
    CHECK_EQ_INT(ld.year, 2023);
    CHECK_EQ_INT(lunar_from_solar(2025, 1, 28, &ld), 0);
    CHECK_EQ_INT(ld.day * 10000 + ld.month * 100, 291200);
    CHECK_EQ_INT(ld.year, 2024);
    CHECK_EQ_INT(lunar_month_length(2024, 12, 0), 29);
    CHECK_EQ_INT(lunar_from_solar(2026, 2, 16, &ld), 0);
    CHECK_EQ_INT(ld.day * 10000 + ld.month * 100, 291200);
    CHECK_EQ_INT(ld.year, 2025);
}

TEST(leap_months)
{
    CHECK_EQ_INT(lunar_leap_month(2020), 4);
    CHECK_EQ_INT(lunar_leap_month(2023), 2);
    CHECK_EQ_INT(lunar_leap_month(2025), 6);
    CHECK_EQ_INT(lunar_leap_month(2024), 0);
    CHECK_EQ_INT(lunar_leap_month(2026), 0);
    CHECK_EQ_INT(lunar_leap_month(2033), 11);

    /* the leap month 2 of 2023 began on 22 March 2023; month 2 on 20 Feb */
    struct lunar_date ld;
    CHECK_EQ_INT(lunar_from_solar(2023, 3, 22, &ld), 0);
    CHECK_EQ_INT(ld.day, 1);
    CHECK_EQ_INT(ld.month, 2);
    CHECK_EQ_INT(ld.leap, 1);
    CHECK_EQ_INT(lunar_from_solar(2023, 2, 20, &ld), 0);
    CHECK_EQ_INT(ld.day, 1);
    CHECK_EQ_INT(ld.month, 2);
    CHECK_EQ_INT(ld.leap, 0);
    CHECK_EQ_INT(lunar_from_solar(2023, 4, 20, &ld), 0);
    CHECK_EQ_INT(ld.day, 1);
    CHECK_EQ_INT(ld.month, 3);
    CHECK_EQ_INT(ld.leap, 0);

    /* leap 4 of 2020 began 23 May 2020; leap 6 of 2025 on 25 July 2025 */
    struct lunar_date l4 = {1, 4, 2020, 1}, l6 = {1, 6, 2025, 1};
    int y, m, d;
    CHECK_EQ_INT(lunar_to_solar(&l4, &y, &m, &d), 0);
    CHECK_EQ_INT(y * 10000 + m * 100 + d, 20200523);
    CHECK_EQ_INT(lunar_to_solar(&l6, &y, &m, &d), 0);
    CHECK_EQ_INT(y * 10000 + m * 100 + d, 20250725);
}

TEST(invalid_dates)
{
    struct lunar_date ld;
    int y, m, d;
    CHECK_EQ_INT(lunar_from_solar(2023, 2, 29, &ld), -EINVAL);
    CHECK_EQ_INT(lunar_from_solar(2023, 13, 1, &ld), -EINVAL);
    CHECK_EQ_INT(lunar_from_solar(1899, 12, 31, &ld), -ERANGE);
    CHECK_EQ_INT(lunar_from_solar(2200, 1, 1, &ld), -ERANGE);

    struct lunar_date no30 = {30, 12, 2024, 0};  /* a 29-day month */
    struct lunar_date noleap = {1, 3, 2023, 1};  /* 2023 leaps month 2 */
    struct lunar_date nomonth = {1, 13, 2023, 0};
    struct lunar_date noday = {0, 1, 2023, 0};
    CHECK_EQ_INT(lunar_to_solar(&no30, &y, &m, &d), -EINVAL);
    CHECK_EQ_INT(lunar_to_solar(&noleap, &y, &m, &d), -EINVAL);
    CHECK_EQ_INT(lunar_to_solar(&nomonth, &y, &m, &d), -EINVAL);
    CHECK_EQ_INT(lunar_to_solar(&noday, &y, &m, &d), -EINVAL);
}

TEST(jdn)
{
    CHECK_EQ_INT(lunar_jdn(1970, 1, 1), 2440588);
    CHECK_EQ_INT(lunar_jdn(2000, 1, 1), 2451545);
    int y, m, d;
    lunar_jdn_to_ymd(2460000, &y, &m, &d); /* 2023-02-24 */
    CHECK_EQ_INT(y * 10000 + m * 100 + d, 20230224);
}

/* Every day of 1900-2199: the lunar date converts back to the same day,
 * and consecutive days step through the lunar calendar as they must. */
TEST(round_trip_every_day)
{
    long first = lunar_jdn(LUNAR_YEAR_MIN, 1, 1);
    long last = lunar_jdn(LUNAR_YEAR_MAX, 12, 31);
    struct lunar_date prev = {0, 0, 0, 0};
    int bad = 0, month_len = 0;
    for (long j = first; j <= last && bad < 5; j++) {
        int y, m, d, y2, m2, d2;
        struct lunar_date ld;
        lunar_jdn_to_ymd(j, &y, &m, &d);
        if (lunar_from_solar(y, m, d, &ld) != 0 ||
            lunar_to_solar(&ld, &y2, &m2, &d2) != 0 || y2 != y || m2 != m ||
            d2 != d) {
            printf("  round trip fails at %04d-%02d-%02d\n", y, m, d);
            bad++;
            continue;
        }
        if (j > first) {
            int ok;
            if (ld.day == 1) {
                /* a new month: 29 or 30 days for the one before; the number
                 * goes up by one, or stays for a leap month */
                ok = (prev.day == 29 || prev.day == 30) &&
                     ((ld.leap && !prev.leap && ld.month == prev.month &&
                       ld.year == prev.year) ||
                      (!ld.leap && ld.month == prev.month % 12 + 1 &&
                       ld.year == prev.year + (ld.month == 1)));
                if (ok && month_len) {
                    int len = lunar_month_length(prev.year, prev.month,
                                                 prev.leap);
                    ok = len == prev.day;
                }
                month_len = 1;
            } else {
                ok = ld.day == prev.day + 1 && ld.month == prev.month &&
                     ld.leap == prev.leap && ld.year == prev.year;
            }
            if (!ok) {
                printf("  bad step at %04d-%02d-%02d\n", y, m, d);
                bad++;
            }
        }
        prev = ld;
    }
    CHECK_EQ_INT(bad, 0);
}

/* Each lunar year of the range has 12 months, plus at most one leap month,
 * and a year with a leap month is 383-385 days long, else 353-355. */
TEST(year_lengths)
{
    int bad = 0;
    for (int year = LUNAR_YEAR_MIN + 1; year < LUNAR_YEAR_MAX && bad < 5;
         year++) {
        struct lunar_date a = {1, 1, year, 0}, b = {1, 1, year + 1, 0};
        int y, m, d;
        if (lunar_to_solar(&a, &y, &m, &d) != 0) {
            bad++;
            continue;
        }
        long ja = lunar_jdn(y, m, d);
        if (lunar_to_solar(&b, &y, &m, &d) != 0) {
            bad++;
            continue;
        }
        long len = lunar_jdn(y, m, d) - ja;
        int leap = lunar_leap_month(year);
        int ok = leap ? (len >= 383 && len <= 385) : (len >= 353 && len <= 355);
        if (!ok) {
            printf("  year %d: %ld days, leap month %d\n", year, len, leap);
            bad++;
        }
    }
    CHECK_EQ_INT(bad, 0);
}

int main(void)
{
    RUN(tet_dates);
    RUN(tet_1985_from_solar);
    RUN(hung_kings_day);
    RUN(last_day_of_lunar_year);
    RUN(leap_months);
    RUN(invalid_dates);
    RUN(jdn);
    RUN(round_trip_every_day);
    RUN(year_lengths);
    return harness_done();
}
