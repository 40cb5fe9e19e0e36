/* Tests for src/calendar/calendar: holidays by rule and with the official
 * overrides, compensation, the override CSV, appointment dates and clock
 * pauses. Every expected value was worked out by hand from a wall calendar
 * (weekdays checked with date(1)), not taken from the code. */
#include <errno.h>
#include <stdlib.h>

#include "calendar/calendar.h"
#include "harness.h"

/* ---- helpers ------------------------------------------------------------ */

/* The holidays of a year as "MM-DD name" lines, for readable comparisons. */
static const char *holidays(const struct cal *c, int year)
{
    static char buf[4096];
    struct cal_day days[366];
    int n = cal_holidays(c, year, days, 366);
    if (n < 0) {
        snprintf(buf, sizeof buf, "error %d", n);
        return buf;
    }
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && off < sizeof buf; i++) {
        if (days[i].y != year)
            return "wrong year";
        int w = snprintf(buf + off, sizeof buf - off, "%02d-%02d %s\n",
                         days[i].m, days[i].d, days[i].name);
        if (w < 0)
            return "format error";
        off += (size_t)w;
    }
    return buf;
}

static int has_holiday(const struct cal *c, int y, int m, int d,
                       const char *name)
{
    struct cal_day days[366];
    int n = cal_holidays(c, y, days, 366);
    for (int i = 0; i < n; i++)
        if (days[i].m == m && days[i].d == d && strcmp(days[i].name, name) == 0)
            return 1;
    return 0;
}

static int64_t t_of(const char *local)
{
    int64_t t;
    if (cal_parse_local(local, &t) != 0)
        return -1;
    return t;
}

/* cal_due from a local time, as "YYYY-MM-DDTHH:MM" or "error N". */
static const char *due(const struct cal *c, const char *from, int64_t minutes,
                       int cutoff)
{
    static char buf[32];
    int64_t r = cal_due(c, t_of(from), minutes, cutoff);
    if (r < 0) {
        snprintf(buf, sizeof buf, "error %lld", (long long)r);
        return buf;
    }
    if (cal_format_local(r, buf, sizeof buf) != 0)
        return "format error";
    return buf;
}

static const char *fmt_local(int64_t t)
{
    static char buf[32];
    if (t < 0) {
        snprintf(buf, sizeof buf, "error %lld", (long long)t);
        return buf;
    }
    if (cal_format_local(t, buf, sizeof buf) != 0)
        return "format error";
    return buf;
}

/* ---- time helpers ------------------------------------------------------- */

TEST(parse_and_format)
{
    int64_t t;
    /* 2025-03-03 is day 20150 after 1970-01-01: 55 years of 365 days plus
     * 14 leap days, then 31 + 28 + 2; 08:00 local is 01:00 UTC */
    CHECK_EQ_INT(cal_parse_local("2025-03-03T08:00", &t), 0);
    CHECK_EQ_INT(t, 20150LL * 86400 + 3600);
    CHECK_EQ_INT(cal_parse_local("2024-02-29 23:59:59", &t), 0);
    CHECK_EQ_INT(t, 1709225999);
    CHECK_EQ_INT(cal_parse_local("1970-01-01T07:00", &t), 0);
    CHECK_EQ_INT(t, 0);

    char buf[CAL_ISO_LEN];
    CHECK_EQ_INT(cal_format_iso(20150LL * 86400 + 3600, buf, sizeof buf), 0);
    CHECK_EQ_STR(buf, "2025-03-03T08:00:00+07:00");
    CHECK_EQ_INT(cal_format_iso(0, buf, sizeof buf), 0);
    CHECK_EQ_STR(buf, "1970-01-01T07:00:00+07:00");
    CHECK_EQ_INT(cal_format_iso(1709225999, buf, sizeof buf), 0);
    CHECK_EQ_STR(buf, "2024-02-29T23:59:59+07:00");
    CHECK_EQ_INT(cal_format_iso(-25200, buf, sizeof buf), 0); /* midnight */
    CHECK_EQ_STR(buf, "1970-01-01T00:00:00+07:00");
    CHECK_EQ_INT(cal_format_iso(-25201, buf, sizeof buf), 0);
    CHECK_EQ_STR(buf, "1969-12-31T23:59:59+07:00");
    CHECK_EQ_INT(cal_format_iso(0, buf, CAL_ISO_LEN - 1), -ENOSPC);
    char small[CAL_LOCAL_LEN];
    CHECK_EQ_INT(cal_format_local(1709225999, small, sizeof small), 0);
    CHECK_EQ_STR(small, "2024-02-29T23:59");
    CHECK_EQ_INT(cal_format_local(0, small, CAL_LOCAL_LEN - 1), -ENOSPC);

    const char *bad[] = {"2025-02-29T08:00", "2025-03-03T24:00",
                         "2025-03-03",       "2025-03-03T08:00Z",
                         "2025-03-03T8:00",  "abcd-03-03T08:00",
                         "2025/03/03T08:00", "2025-03-03T08:60",
                         "0999-03-03T08:00", "2025-03-03T08:00:61",
                         ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(cal_parse_local(bad[i], &t), -EINVAL);
}

TEST(minutes_helpers)
{
    CHECK_EQ_INT(cal_days_to_minutes(1), 480);
    CHECK_EQ_INT(cal_days_to_minutes(15), 7200);
    CHECK_EQ_INT(cal_hours_to_minutes(4), 240);
    CHECK_EQ_INT(cal_days_to_minutes(-1), -EINVAL);
    CHECK_EQ_INT(cal_days_to_minutes(1000000), -EINVAL);
}

/* ---- holidays ----------------------------------------------------------- */

TEST(holidays_2024_rules)
{
    struct cal *c = cal_new_rules_only();
    CHECK(c != NULL);
    /* Tết: 30 Chạp = Fri 09/02, 1/1-1/4 = Sat 10/02-Tue 13/02; Sat 10 and
     * Sun 11 give Wed 14 and Thu 15. Hùng Kings Thu 18/04. 2/9 is a
     * Monday: its companion is Tuesday 3/9. */
    CHECK_EQ_STR(holidays(c, 2024), "01-01 Tết Dương lịch\n"
                                    "02-09 Tết Nguyên Đán\n"
                                    "02-10 Tết Nguyên Đán\n"
                                    "02-11 Tết Nguyên Đán\n"
                                    "02-12 Tết Nguyên Đán\n"
                                    "02-13 Tết Nguyên Đán\n"
                                    "02-14 Nghỉ bù Tết Nguyên Đán\n"
                                    "02-15 Nghỉ bù Tết Nguyên Đán\n"
                                    "04-18 Giỗ Tổ Hùng Vương\n"
                                    "04-30 Ngày Giải phóng miền Nam\n"
                                    "05-01 Ngày Quốc tế Lao động\n"
                                    "09-02 Quốc khánh\n"
                                    "09-03 Quốc khánh\n");
    cal_free(c);
}

TEST(holidays_2025_rules)
{
    struct cal *c = cal_new_rules_only();
    /* Tết: 29 Chạp = Tue 28/01, 1/1-1/4 = Wed 29/01-Sat 01/02; Saturday
     * gives Monday 03/02. Hùng Kings Mon 07/04. 2/9 is a Tuesday: Monday
     * 1/9 joins it to the weekend. */
    CHECK_EQ_STR(holidays(c, 2025), "01-01 Tết Dương lịch\n"
                                    "01-28 Tết Nguyên Đán\n"
                                    "01-29 Tết Nguyên Đán\n"
                                    "01-30 Tết Nguyên Đán\n"
                                    "01-31 Tết Nguyên Đán\n"
                                    "02-01 Tết Nguyên Đán\n"
                                    "02-03 Nghỉ bù Tết Nguyên Đán\n"
                                    "04-07 Giỗ Tổ Hùng Vương\n"
                                    "04-30 Ngày Giải phóng miền Nam\n"
                                    "05-01 Ngày Quốc tế Lao động\n"
                                    "09-01 Quốc khánh\n"
                                    "09-02 Quốc khánh\n");
    cal_free(c);
}

TEST(holidays_2026_rules)
{
    struct cal *c = cal_new_rules_only();
    /* Tết: 29 Chạp = Mon 16/02 to Fri 20/02. Hùng Kings on Sunday 26/04
     * gives Monday 27/04. 2/9 is a Wednesday: the day before. */
    CHECK_EQ_STR(holidays(c, 2026), "01-01 Tết Dương lịch\n"
                                    "02-16 Tết Nguyên Đán\n"
                                    "02-17 Tết Nguyên Đán\n"
                                    "02-18 Tết Nguyên Đán\n"
                                    "02-19 Tết Nguyên Đán\n"
                                    "02-20 Tết Nguyên Đán\n"
                                    "04-26 Giỗ Tổ Hùng Vương\n"
                                    "04-27 Nghỉ bù Giỗ Tổ Hùng Vương\n"
                                    "04-30 Ngày Giải phóng miền Nam\n"
                                    "05-01 Ngày Quốc tế Lao động\n"
                                    "09-01 Quốc khánh\n"
                                    "09-02 Quốc khánh\n");
    cal_free(c);
}

TEST(holidays_with_shipped_overrides)
{
    struct cal *c = cal_new_default();
    CHECK(c != NULL);
    if (!c)
        return;
    CHECK_EQ_STR(holidays(c, 2024), "01-01 Tết Dương lịch\n"
                                    "02-08 Nghỉ Tết Nguyên Đán\n"
                                    "02-09 Tết Nguyên Đán\n"
                                    "02-10 Tết Nguyên Đán\n"
                                    "02-11 Tết Nguyên Đán\n"
                                    "02-12 Tết Nguyên Đán\n"
                                    "02-13 Tết Nguyên Đán\n"
                                    "02-14 Nghỉ bù Tết Nguyên Đán\n"
                                    "04-18 Giỗ Tổ Hùng Vương\n"
                                    "04-29 Nghỉ hoán đổi dịp 30/4 – 1/5\n"
                                    "04-30 Ngày Giải phóng miền Nam\n"
                                    "05-01 Ngày Quốc tế Lao động\n"
                                    "09-02 Quốc khánh\n"
                                    "09-03 Quốc khánh\n");
    CHECK_EQ_STR(holidays(c, 2025), "01-01 Tết Dương lịch\n"
                                    "01-27 Nghỉ Tết Nguyên Đán\n"
                                    "01-28 Tết Nguyên Đán\n"
                                    "01-29 Tết Nguyên Đán\n"
                                    "01-30 Tết Nguyên Đán\n"
                                    "01-31 Tết Nguyên Đán\n"
                                    "02-01 Tết Nguyên Đán\n"
                                    "04-07 Giỗ Tổ Hùng Vương\n"
                                    "04-30 Ngày Giải phóng miền Nam\n"
                                    "05-01 Ngày Quốc tế Lao động\n"
                                    "05-02 Nghỉ hoán đổi dịp 30/4 – 1/5\n"
                                    "09-01 Quốc khánh\n"
                                    "09-02 Quốc khánh\n");
    CHECK_EQ_STR(holidays(c, 2026), "01-01 Tết Dương lịch\n"
                                    "01-02 Nghỉ hoán đổi Tết Dương lịch\n"
                                    "02-16 Tết Nguyên Đán\n"
                                    "02-17 Tết Nguyên Đán\n"
                                    "02-18 Tết Nguyên Đán\n"
                                    "02-19 Tết Nguyên Đán\n"
                                    "02-20 Tết Nguyên Đán\n"
                                    "04-26 Giỗ Tổ Hùng Vương\n"
                                    "04-27 Nghỉ bù Giỗ Tổ Hùng Vương\n"
                                    "04-30 Ngày Giải phóng miền Nam\n"
                                    "05-01 Ngày Quốc tế Lao động\n"
                                    "08-31 Nghỉ hoán đổi dịp Quốc khánh\n"
                                    "09-01 Quốc khánh\n"
                                    "09-02 Quốc khánh\n");
    /* make-up Saturdays work; cancelled compensations are working days */
    CHECK_EQ_INT(cal_is_working_day(c, 2024, 5, 4), 1);
    CHECK_EQ_INT(cal_is_working_day(c, 2024, 2, 15), 1);
    CHECK_EQ_INT(cal_is_working_day(c, 2025, 4, 26), 1);
    CHECK_EQ_INT(cal_is_working_day(c, 2025, 2, 3), 1);
    CHECK_EQ_INT(cal_is_working_day(c, 2026, 1, 10), 1);
    CHECK_EQ_INT(cal_is_working_day(c, 2026, 8, 22), 1);
    CHECK_EQ_INT(cal_is_working_day(c, 2025, 4, 27), 0); /* Sunday */
    CHECK_EQ_INT(cal_is_working_day(c, 2025, 5, 2), 0);
    CHECK_EQ_INT(cal_is_working_day(c, 2026, 8, 31), 0);
    cal_free(c);
}

TEST(compensation)
{
    struct cal *c = cal_new_rules_only();
    /* 2022: 1/1 a Saturday -> Mon 3/1; Hùng Kings Sun 10/4 -> Mon 11/4;
     * 30/4 Sat and 1/5 Sun -> Mon 2/5 and Tue 3/5; 2/9 a Friday with
     * Thursday 1/9. (The government gave exactly these days in 2022.) */
    CHECK_EQ_STR(holidays(c, 2022), "01-01 Tết Dương lịch\n"
                                    "01-03 Nghỉ bù Tết Dương lịch\n"
                                    "01-31 Tết Nguyên Đán\n"
                                    "02-01 Tết Nguyên Đán\n"
                                    "02-02 Tết Nguyên Đán\n"
                                    "02-03 Tết Nguyên Đán\n"
                                    "02-04 Tết Nguyên Đán\n"
                                    "04-10 Giỗ Tổ Hùng Vương\n"
                                    "04-11 Nghỉ bù Giỗ Tổ Hùng Vương\n"
                                    "04-30 Ngày Giải phóng miền Nam\n"
                                    "05-01 Ngày Quốc tế Lao động\n"
                                    "05-02 Nghỉ bù Ngày Giải phóng miền Nam\n"
                                    "05-03 Nghỉ bù Ngày Quốc tế Lao động\n"
                                    "09-01 Quốc khánh\n"
                                    "09-02 Quốc khánh\n");
    /* 2023: Hùng Kings (leap month 2 put month 3 at 20/4) on Saturday
     * 29/4, 30/4 a Sunday, Monday 1/5 a holiday itself: the compensations
     * are Tuesday 2/5 and Wednesday 3/5 (the government gave 29/4-3/5).
     * 2/9 a Saturday: Friday 1/9 and Monday 4/9. */
    CHECK(has_holiday(c, 2023, 4, 29, "Giỗ Tổ Hùng Vương"));
    CHECK(has_holiday(c, 2023, 5, 2, "Nghỉ bù Giỗ Tổ Hùng Vương"));
    CHECK(has_holiday(c, 2023, 5, 3, "Nghỉ bù Ngày Giải phóng miền Nam"));
    CHECK_EQ_INT(cal_is_working_day(c, 2023, 5, 4), 1);
    CHECK(has_holiday(c, 2023, 9, 1, "Quốc khánh"));
    CHECK(has_holiday(c, 2023, 9, 4, "Nghỉ bù Quốc khánh"));
    CHECK_EQ_INT(cal_is_working_day(c, 2023, 9, 4), 0);
    CHECK_EQ_INT(cal_is_working_day(c, 2023, 9, 5), 1);
    /* 2021: 2/9 a Thursday -> Friday 3/9 */
    CHECK(has_holiday(c, 2021, 9, 3, "Quốc khánh"));
    CHECK_EQ_INT(cal_is_working_day(c, 2021, 9, 1), 1);
    /* 2029: 2/9 a Sunday -> Monday 3/9 as companion, Tuesday 4/9 off */
    CHECK(has_holiday(c, 2029, 9, 3, "Quốc khánh"));
    CHECK(has_holiday(c, 2029, 9, 4, "Nghỉ bù Quốc khánh"));
    /* before the 2019 Labour Code took effect (2021): 2/9 alone */
    CHECK(has_holiday(c, 2020, 9, 2, "Quốc khánh"));
    CHECK_EQ_INT(cal_is_working_day(c, 2020, 9, 1), 1);
    CHECK_EQ_INT(cal_is_working_day(c, 2020, 9, 3), 1);
    cal_free(c);
}

TEST(holidays_errors)
{
    struct cal *c = cal_new_rules_only();
    struct cal_day days[4];
    CHECK_EQ_INT(cal_holidays(c, 2024, days, 4), -ENOSPC);
    CHECK_EQ_INT(cal_holidays(c, 1899, days, 4), -ERANGE);
    CHECK_EQ_INT(cal_holidays(c, 2200, days, 4), -ERANGE);
    CHECK_EQ_INT(cal_is_working_day(c, 2025, 2, 29), -EINVAL);
    CHECK_EQ_INT(cal_is_working_day(c, 1899, 12, 29), -ERANGE);
    cal_free(c);
}

/* ---- overrides CSV ------------------------------------------------------ */

TEST(overrides_both_kinds)
{
    struct cal *c = cal_new_rules_only();
    char err[200];
    const char *csv = "date,kind,name\r\n"
                      "# a comment\r\n"
                      "\r\n"
                      "2025-03-05,off,Nghỉ đột xuất, có dấu phẩy\r\n"
                      "  2025-03-08 , WORK , Làm bù  \r\n";
    CHECK_EQ_INT(cal_is_working_day(c, 2025, 3, 5), 1);
    CHECK_EQ_INT(cal_is_working_day(c, 2025, 3, 8), 0);
    CHECK_EQ_INT(cal_load_overrides_csv(c, csv, err, sizeof err), 0);
    CHECK_EQ_STR(err, "");
    CHECK_EQ_INT(cal_is_working_day(c, 2025, 3, 5), 0);
    CHECK_EQ_INT(cal_is_working_day(c, 2025, 3, 8), 1);
    CHECK(has_holiday(c, 2025, 3, 5, "Nghỉ đột xuất, có dấu phẩy"));
    CHECK(!has_holiday(c, 2025, 3, 8, "Làm bù"));
    /* a work override removes a rule holiday from the list */
    CHECK_EQ_INT(cal_load_overrides_csv(c, "2025-09-01,work,Đi làm\n", err,
                                        sizeof err),
                 0);
    CHECK_EQ_INT(cal_is_working_day(c, 2025, 9, 1), 1);
    CHECK(!has_holiday(c, 2025, 9, 1, "Quốc khánh"));
    /* loading again replaces a date's override and keeps the others */
    CHECK_EQ_INT(cal_load_overrides_csv(c, "2025-03-05,work,Đi làm", err,
                                        sizeof err),
                 0);
    CHECK_EQ_INT(cal_is_working_day(c, 2025, 3, 5), 1);
    CHECK_EQ_INT(cal_is_working_day(c, 2025, 3, 8), 1);
    cal_clear_overrides(c);
    CHECK_EQ_INT(cal_is_working_day(c, 2025, 3, 8), 0);
    CHECK_EQ_INT(cal_is_working_day(c, 2025, 9, 1), 0);
    cal_free(c);
}

static void check_csv_error(const char *csv, const char *want1,
                            const char *want2)
{
    struct cal *c = cal_new_rules_only();
    char err[200];
    CHECK_EQ_INT(cal_load_overrides_csv(c, "2025-03-12,off,Trước\n", err,
                                        sizeof err),
                 0);
    const char *before = holidays(c, 2025);
    char saved[4096];
    snprintf(saved, sizeof saved, "%s", before);

    CHECK_EQ_INT(cal_load_overrides_csv(c, csv, err, sizeof err), -EINVAL);
    if (!strstr(err, want1) || (want2 && !strstr(err, want2))) {
        printf("  error \"%s\" lacks \"%s\"\n", err, want1);
        CHECK(0);
    }
    /* unchanged: the earlier override is there, nothing of the text is */
    CHECK_EQ_STR(holidays(c, 2025), saved);
    CHECK_EQ_INT(cal_is_working_day(c, 2025, 3, 12), 0);
    CHECK_EQ_INT(cal_is_working_day(c, 2025, 3, 13), 1);
    cal_free(c);
}

TEST(overrides_errors_leave_calendar_unchanged)
{
    check_csv_error("2025-03-13,off,A\n2025-03-14,off,B\n2025-13-01,off,C\n",
                    "dòng 3:", "ngày không hợp lệ");
    check_csv_error("# c\n2025-03-13,holiday,A\n", "dòng 2:", "loại");
    check_csv_error("2025-03-13,off\n", "dòng 1:", "thiếu trường");
    check_csv_error("2025-03-13,off,   \n", "dòng 1:", "thiếu tên");
    check_csv_error("2025-03-13,off,A\n2025-03-13,work,B\n", "dòng 2:",
                    "dòng 1");
    check_csv_error("1899-12-31,off,A\n", "dòng 1:", "ngoài");
    check_csv_error("2025-03-13,off,\xff\xfe\n", "dòng 1:", "UTF-8");
    check_csv_error("2025-3-13,off,A\n", "dòng 1:", "ngày không hợp lệ");
    check_csv_error("2025-03-13,off,"
                    "0123456789012345678901234567890123456789"
                    "0123456789012345678901234567890123456789"
                    "0123456789012345678901234567890123456789\n",
                    "dòng 1:", "tên quá dài");
    char longline[700];
    memset(longline, 'x', sizeof longline - 1);
    longline[sizeof longline - 1] = '\0';
    check_csv_error(longline, "dòng 1:", "quá dài");
}

/* ---- appointment dates -------------------------------------------------- */

TEST(due_basic)
{
    struct cal *c = cal_new_default();
    /* Mon 3 March 2025. One day from 08:00: 210 + 210 minutes on Monday,
     * 60 more on Tuesday from 07:00. */
    CHECK_EQ_STR(due(c, "2025-03-03T08:00", 480, -1), "2025-03-04T08:00");
    /* a full day from 07:00 ends at 17:00 the same day, not next morning */
    CHECK_EQ_STR(due(c, "2025-03-03T07:00", 480, -1), "2025-03-03T17:00");
    /* ending at the end of the morning session stays at 11:30 */
    CHECK_EQ_STR(due(c, "2025-03-03T07:00", 270, -1), "2025-03-03T11:30");
    /* 4 hours from 10:00: 90 until lunch, 150 from 13:30 */
    CHECK_EQ_STR(due(c, "2025-03-03T10:00", 240, -1), "2025-03-03T16:00");
    /* seconds are kept */
    CHECK_EQ_INT(cal_due(c, t_of("2025-03-03T09:15:30"), 60, -1),
                 t_of("2025-03-03T10:15:30"));
    cal_free(c);
}

TEST(due_receipt_outside_hours)
{
    struct cal *c = cal_new_default();
    /* at lunch: counts from 13:30 */
    CHECK_EQ_STR(due(c, "2025-03-03T12:15", 60, -1), "2025-03-03T14:30");
    CHECK_EQ_STR(due(c, "2025-03-03T11:30", 0, -1), "2025-03-03T13:30");
    /* after hours: next morning */
    CHECK_EQ_STR(due(c, "2025-03-03T18:00", 60, -1), "2025-03-04T08:00");
    CHECK_EQ_STR(due(c, "2025-03-03T17:00", 60, -1), "2025-03-04T08:00");
    /* early morning: that day's 07:00 */
    CHECK_EQ_STR(due(c, "2025-03-04T05:00", 60, -1), "2025-03-04T08:00");
    /* on a Saturday: Monday morning; a full day ends Monday 17:00 */
    CHECK_EQ_STR(due(c, "2025-03-08T10:00", 480, -1), "2025-03-10T17:00");
    CHECK_EQ_STR(due(c, "2025-03-08T10:00", 0, -1), "2025-03-10T07:00");
    /* inside a session with nothing to add: the receipt itself */
    CHECK_EQ_STR(due(c, "2025-03-03T09:10", 0, -1), "2025-03-03T09:10");
    CHECK_EQ_STR(fmt_local(cal_clock_start(c, t_of("2025-03-08T10:00"), -1)),
                 "2025-03-10T07:00");
    cal_free(c);
}

TEST(due_cutoff)
{
    struct cal *c = cal_new_default();
    int cut = 15 * 60;
    /* the sessions are 270 + 210 minutes. After 15:00: from Tuesday 07:00,
     * a day ends Tuesday 17:00 */
    CHECK_EQ_STR(due(c, "2025-03-03T15:30", 480, cut), "2025-03-04T17:00");
    CHECK_EQ_STR(due(c, "2025-03-03T15:00:30", 480, cut), "2025-03-04T17:00");
    /* without the cut-off: 90 minutes Monday, 270 Tuesday morning, 120
     * from 13:30 -> 15:30 */
    CHECK_EQ_STR(due(c, "2025-03-03T15:30", 480, -1), "2025-03-04T15:30");
    /* at 15:00 sharp it is not after the cut-off: 120 + 270 + 90 */
    CHECK_EQ_STR(due(c, "2025-03-03T15:00", 480, cut), "2025-03-04T15:00");
    /* at 14:59: 121 minutes Monday, 270 + 89 Tuesday -> 14:59 */
    CHECK_EQ_STR(due(c, "2025-03-03T14:59", 480, cut), "2025-03-04T14:59");
    /* half a day from 14:59: 121 Monday, 119 Tuesday -> 08:59 */
    CHECK_EQ_STR(due(c, "2025-03-03T14:59", 240, cut), "2025-03-04T08:59");
    /* Friday after the cut-off: Monday */
    CHECK_EQ_STR(due(c, "2025-03-07T16:00", 60, cut), "2025-03-10T08:00");
    /* on a Saturday the cut-off does not skip Monday too */
    CHECK_EQ_STR(due(c, "2025-03-08T16:00", 60, cut), "2025-03-10T08:00");
    CHECK_EQ_STR(fmt_local(cal_clock_start(c, t_of("2025-03-03T15:30"), cut)),
                 "2025-03-04T07:00");
    cal_free(c);
}

TEST(due_makeup_saturday)
{
    struct cal *def = cal_new_default(), *rules = cal_new_rules_only();
    /* Sat 26/04/2025 is a make-up working day with Monday's hours: from
     * 09:00, 150 + 210 minutes that day, 120 on Monday 28/04 */
    CHECK_EQ_STR(due(def, "2025-04-26T09:00", 480, -1), "2025-04-28T09:00");
    CHECK_EQ_STR(due(def, "2025-04-26T12:00", 60, -1), "2025-04-26T14:30");
    /* without the override it is an ordinary Saturday */
    CHECK_EQ_STR(due(rules, "2025-04-26T09:00", 480, -1), "2025-04-28T17:00");
    cal_free(def);
    cal_free(rules);
}

TEST(due_across_weekend_and_tet)
{
    struct cal *def = cal_new_default(), *rules = cal_new_rules_only();
    /* Thu 06/03/2025 16:00, two days: 60 Thu, 480 Fri, 270 + 150 on
     * Monday -> 16:00 */
    CHECK_EQ_STR(due(def, "2025-03-06T16:00", 960, -1), "2025-03-10T16:00");
    /* Fri 07/03 07:00, two days: 480 Friday, 480 Monday, ending exactly
     * at Monday 17:00, not Tuesday 07:00 */
    CHECK_EQ_STR(due(def, "2025-03-07T07:00", 960, -1), "2025-03-10T17:00");
    /* Mon 27/01/2025 was a Tết day off by the official plan, not by the
     * rules: the next working day is Monday 03/02 */
    CHECK_EQ_STR(due(def, "2025-01-27T08:00", 60, -1), "2025-02-03T08:00");
    CHECK_EQ_STR(due(rules, "2025-01-27T08:00", 60, -1), "2025-01-27T09:00");
    /* Fri 24/01/2025 10:00, two days: 300 minutes Friday, then nothing
     * until Monday 03/02 (480), 180 on Tuesday 04/02 -> 10:00. By the
     * rules alone Monday 27/01 works and Monday 03/02 is off: same end. */
    CHECK_EQ_STR(due(def, "2025-01-24T10:00", 960, -1), "2025-02-04T10:00");
    CHECK_EQ_STR(due(rules, "2025-01-24T10:00", 960, -1), "2025-02-04T10:00");
    /* Fri 13/02/2026 09:00, one day: 360 on Friday, Tết from 14/02 to
     * 22/02, 120 on Monday 23/02 */
    CHECK_EQ_STR(due(def, "2026-02-13T09:00", 480, -1), "2026-02-23T09:00");
    /* 15 working days from Mon 02/02/2026 08:00 (rules = official here):
     * Feb 2-6, 9-13 are 10 days, Feb 16-20 Tết, Feb 23-27 five more: the
     * same hour 15 working days later is Mon 02/03 08:00 */
    CHECK_EQ_STR(due(def, "2026-02-02T08:00", cal_days_to_minutes(15), -1),
                 "2026-03-02T08:00");
    cal_free(def);
    cal_free(rules);
}

TEST(pause_and_resume)
{
    struct cal *c = cal_new_default();
    /* received Mon 03/03/2025 09:00, 3 days = 1440 minutes */
    int64_t start = cal_clock_start(c, t_of("2025-03-03T09:00"), -1);
    CHECK_EQ_INT(start, t_of("2025-03-03T09:00"));
    /* paused Tue 10:00: Monday 150 + 210, Tuesday 180 = 540 elapsed */
    int64_t elapsed = cal_working_minutes_between(c, start,
                                                  t_of("2025-03-04T10:00"));
    CHECK_EQ_INT(elapsed, 540);
    int64_t remaining = 1440 - elapsed;
    /* resumed Thu 14:00: 180 Thursday, 480 Friday, then 240 from 07:00
     * on Monday 10/03 -> 11:00 */
    CHECK_EQ_STR(fmt_local(cal_due(c, t_of("2025-03-06T14:00"), remaining, -1)),
                 "2025-03-10T11:00");

    /* the interval is half-open and skips lunch, nights and weekends */
    CHECK_EQ_INT(cal_working_minutes_between(c, t_of("2025-03-03T11:00"),
                                             t_of("2025-03-03T14:00")),
                 60);
    CHECK_EQ_INT(cal_working_minutes_between(c, t_of("2025-03-07T16:00"),
                                             t_of("2025-03-10T08:00")),
                 120);
    CHECK_EQ_INT(cal_working_minutes_between(c, t_of("2025-03-03T08:00"),
                                             t_of("2025-03-03T08:00")),
                 0);
    CHECK_EQ_INT(cal_working_minutes_between(c, t_of("2025-03-04T08:00"),
                                             t_of("2025-03-03T08:00")),
                 0);
    CHECK_EQ_INT(cal_working_minutes_between(c, t_of("2025-03-03T09:00:30"),
                                             t_of("2025-03-03T09:02")),
                 1);
    /* The time left on a paused clock rounds up: a pause at 07:05:52 with
     * the due at 07:06:49 the next day leaves 480 minutes 57 seconds, so
     * 481; resumed at once, the due is not earlier (it was 07:05:52 with
     * the 480 a rounding down gives: the applicant lost 57 seconds). */
    int64_t pause = t_of("2025-03-04T07:05:52"), due = t_of("2025-03-05T07:06:49");
    CHECK_EQ_INT(cal_working_minutes_between(c, pause, due), 480);
    CHECK_EQ_INT(cal_working_minutes_left(c, pause, due), 481);
    CHECK(cal_due(c, pause, cal_working_minutes_left(c, pause, due), -1) >= due);
    CHECK_EQ_INT(cal_working_minutes_left(c, t_of("2025-03-03T09:00"), t_of("2025-03-03T09:02")),
                 2);
    CHECK_EQ_INT(cal_working_minutes_left(c, t_of("2025-03-03T12:00"), t_of("2025-03-03T12:30")),
                 0); /* lunch: nothing to round */
    /* a whole week: five days of 480 */
    CHECK_EQ_INT(cal_working_minutes_between(c, t_of("2025-03-03T00:00"),
                                             t_of("2025-03-10T00:00")),
                 2400);
    /* over Tết 2025 (official): nothing between Friday evening and 03/02 */
    CHECK_EQ_INT(cal_working_minutes_between(c, t_of("2025-01-24T17:00"),
                                             t_of("2025-02-03T07:00")),
                 0);
    cal_free(c);
}

TEST(custom_sessions)
{
    struct cal *c = cal_new_rules_only();
    struct cal_session sat = {7 * 60 + 30, 11 * 60 + 30};
    CHECK_EQ_INT(cal_set_sessions(c, 6, &sat, 1), 0);
    CHECK_EQ_INT(cal_is_working_day(c, 2025, 3, 8), 1);
    /* Saturday 10:00: 90 minutes to 11:30, 30 more on Monday */
    CHECK_EQ_STR(due(c, "2025-03-08T10:00", 120, -1), "2025-03-10T07:30");
    CHECK_EQ_STR(due(c, "2025-03-08T12:00", 0, -1), "2025-03-10T07:00");

    struct cal_session overlap[2] = {{420, 700}, {690, 1000}};
    struct cal_session empty = {600, 600};
    struct cal_session late = {600, 1441};
    CHECK_EQ_INT(cal_set_sessions(c, 6, overlap, 2), -EINVAL);
    CHECK_EQ_INT(cal_set_sessions(c, 6, &empty, 1), -EINVAL);
    CHECK_EQ_INT(cal_set_sessions(c, 6, &late, 1), -EINVAL);
    CHECK_EQ_INT(cal_set_sessions(c, 7, &sat, 1), -EINVAL);
    CHECK_EQ_INT(cal_set_sessions(c, 6, &sat, CAL_MAX_SESSIONS + 1), -EINVAL);
    CHECK_EQ_INT(cal_is_working_day(c, 2025, 3, 8), 1); /* unchanged */

    /* Sunday off stays off; a rest Saturday again */
    CHECK_EQ_INT(cal_set_sessions(c, 6, NULL, 0), 0);
    CHECK_EQ_INT(cal_is_working_day(c, 2025, 3, 8), 0);
    cal_free(c);
}

TEST(due_errors)
{
    struct cal *c = cal_new_rules_only();
    int64_t t = t_of("2025-03-03T08:00");
    CHECK_EQ_INT(cal_due(c, t, -1, -1), -EINVAL);
    CHECK_EQ_INT(cal_due(c, t, CAL_MAX_WORKING_MINUTES + 1, -1), -EINVAL);
    CHECK_EQ_INT(cal_due(c, t, 60, -2), -EINVAL);
    CHECK_EQ_INT(cal_due(c, t, 60, 1441), -EINVAL);
    CHECK_EQ_INT(cal_due(c, -5, 60, -1), -EINVAL);
    CHECK_EQ_INT(cal_due(c, t_of("2200-01-01T00:00"), 60, -1), -ERANGE);
    CHECK_EQ_INT(cal_due(c, t_of("2199-12-31T08:00"), 480 * 5, -1), -ERANGE);
    CHECK_EQ_INT(cal_working_minutes_between(c, -1, t), -EINVAL);
    CHECK_EQ_INT(cal_working_minutes_between(c, t, t_of("2200-01-02T00:00")),
                 -ERANGE);
    /* no working time at all: an error, not an endless loop */
    for (int wd = 0; wd < 7; wd++)
        CHECK_EQ_INT(cal_set_sessions(c, wd, NULL, 0), 0);
    CHECK_EQ_INT(cal_due(c, t, 60, -1), -ERANGE);
    CHECK_EQ_INT(cal_clock_start(c, t, -1), -ERANGE);
    cal_free(c);
}

int main(void)
{
    RUN(parse_and_format);
    RUN(minutes_helpers);
    RUN(holidays_2024_rules);
    RUN(holidays_2025_rules);
    RUN(holidays_2026_rules);
    RUN(holidays_with_shipped_overrides);
    RUN(compensation);
    RUN(holidays_errors);
    RUN(overrides_both_kinds);
    RUN(overrides_errors_leave_calendar_unchanged);
    RUN(due_basic);
    RUN(due_receipt_outside_hours);
    RUN(due_cutoff);
    RUN(due_makeup_saturday);
    RUN(due_across_weekend_and_tet);
    RUN(pause_and_resume);
    RUN(custom_sessions);
    RUN(due_errors);
    return harness_done();
}
