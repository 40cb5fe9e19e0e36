/* cmd_calendar: "motcua calendar holidays" and "motcua calendar due", thin
 * shell front ends over src/calendar. Messages are in Vietnamese. */
#include "cli/cmd_calendar.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "calendar/calendar.h"

#define EXIT_USAGE 2

static const char USAGE_MAIN[] =
    "Cách dùng: motcua calendar <lệnh> [tùy chọn]\n"
    "Lịch làm việc: ngày nghỉ lễ và ngày hẹn trả kết quả (giờ Việt Nam, "
    "UTC+7).\n"
    "\n"
    "Lệnh:\n"
    "  holidays   liệt kê các ngày nghỉ trong một năm\n"
    "  due        tính ngày hẹn trả kết quả\n"
    "\n"
    "Xem thêm: motcua calendar <lệnh> --help\n";

static const char USAGE_HOLIDAYS[] =
    "Cách dùng: motcua calendar holidays --year YYYY [--rules-only]\n"
    "Liệt kê các ngày nghỉ của năm, trừ thứ Bảy và Chủ nhật thông thường:\n"
    "ngày lễ, Tết, ngày nghỉ bù và ngày nghỉ hoán đổi; mỗi dòng\n"
    "\"YYYY-MM-DD<TAB>tên\".\n"
    "\n"
    "  --year YYYY    năm cần liệt kê (1900–2199)\n"
    "  --rules-only   chỉ theo quy tắc của Bộ luật Lao động, bỏ qua các\n"
    "                 quyết định hoán đổi, làm bù hằng năm đi kèm phần mềm\n"
    "  --help         in hướng dẫn này\n";

static const char USAGE_DUE[] =
    "Cách dùng: motcua calendar due --from YYYY-MM-DDTHH:MM --working-days N\n"
    "                               [--hours H] [--cutoff HH:MM] "
    "[--rules-only]\n"
    "In ngày hẹn trả kết quả, dạng YYYY-MM-DDTHH:MM (giờ Việt Nam).\n"
    "\n"
    "  --from T          thời điểm tiếp nhận hồ sơ, giờ Việt Nam\n"
    "  --working-days N  thời hạn giải quyết, số ngày làm việc (8 giờ/ngày)\n"
    "  --hours H         thêm H giờ làm việc (có thể dùng một mình)\n"
    "  --cutoff HH:MM    hồ sơ nhận sau giờ này được tính từ đầu ngày làm\n"
    "                    việc tiếp theo (ví dụ khai sinh: 15:00)\n"
    "  --rules-only      chỉ theo quy tắc của Bộ luật Lao động, bỏ qua các\n"
    "                    quyết định hoán đổi, làm bù hằng năm đi kèm phần mềm\n"
    "  --help            in hướng dẫn này\n";

/* Prints "motcua calendar: <message>" and where to find help; returns the
 * usage exit status. */
__attribute__((format(printf, 2, 3))) static int
usage_error(const char *sub, const char *fmt, ...)
{
    va_list ap;
    fputs("motcua calendar: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nXem: motcua calendar%s%s --help\n", sub ? " " : "",
            sub ? sub : "");
    return EXIT_USAGE;
}

/* Matches "--name" (value in the next argument) or "--name=value". On a
 * match sets *val (NULL for a flag without value) and advances *i. Returns
 * 1 on a match, 0 if argv[*i] is another option, -1 if the value is
 * missing. */
static int opt_value(int argc, char **argv, int *i, const char *name,
                     const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *val = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *val = argv[++*i];
    return 1;
}

static struct cal *open_cal(int rules_only)
{
    struct cal *c = rules_only ? cal_new_rules_only() : cal_new_default();
    if (!c)
        fputs("motcua calendar: không tạo được lịch làm việc\n", stderr);
    return c;
}

static int cmd_holidays(int argc, char **argv)
{
    const char *year_s = NULL;
    int rules_only = 0, rc = 1;
    struct cal *c = NULL;
    struct cal_day days[366];

    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(USAGE_HOLIDAYS, stdout);
            return 0;
        } else if (strcmp(argv[i], "--rules-only") == 0) {
            rules_only = 1;
        } else if ((m = opt_value(argc, argv, &i, "--year", &v)) != 0) {
            if (m < 0)
                return usage_error("holidays", "thiếu giá trị cho --year");
            year_s = v;
        } else {
            return usage_error("holidays", "tùy chọn không hợp lệ: %s",
                               argv[i]);
        }
    }
    long year;
    if (!year_s)
        return usage_error("holidays", "cần --year YYYY");
    if (parse_long(year_s, CAL_YEAR_MIN, CAL_YEAR_MAX, &year) != 0)
        return usage_error("holidays", "năm không hợp lệ: %s (cần 1900–2199)",
                           year_s);

    c = open_cal(rules_only);
    if (!c)
        goto out;
    int n = cal_holidays(c, (int)year, days, (int)(sizeof days / sizeof days[0]));
    if (n < 0) {
        fprintf(stderr, "motcua calendar: lỗi khi tính ngày nghỉ (%d)\n", n);
        goto out;
    }
    for (int i = 0; i < n; i++)
        printf("%04d-%02d-%02d\t%s\n", days[i].y, days[i].m, days[i].d,
               days[i].name);
    rc = (fflush(stdout) == 0 && !ferror(stdout)) ? 0 : 1;
out:
    cal_free(c);
    return rc;
}

/* "HH:MM" from 00:00 to 24:00 into minutes since midnight. */
static int parse_hhmm(const char *s, int *out)
{
    if (strlen(s) != 5 || s[2] != ':')
        return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 24 || m > 59 || (h == 24 && m != 0))
        return -1;
    *out = h * 60 + m;
    return 0;
}

static int cmd_due(int argc, char **argv)
{
    const char *from_s = NULL, *days_s = NULL, *hours_s = NULL,
               *cutoff_s = NULL;
    int rules_only = 0, rc = 1;
    struct cal *c = NULL;

    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m = 0;
        const char **slot = NULL;
        const char *name = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(USAGE_DUE, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--rules-only") == 0) {
            rules_only = 1;
            continue;
        }
        static const char *const names[4] = {"--from", "--working-days",
                                              "--hours", "--cutoff"};
        const char **slots[4] = {&from_s, &days_s, &hours_s, &cutoff_s};
        for (int k = 0; k < 4 && m == 0; k++) {
            m = opt_value(argc, argv, &i, names[k], &v);
            slot = slots[k];
            name = names[k];
        }
        if (m == 0)
            return usage_error("due", "tùy chọn không hợp lệ: %s", argv[i]);
        if (m < 0)
            return usage_error("due", "thiếu giá trị cho %s", name);
        *slot = v;
    }

    int64_t from, minutes = 0;
    int cutoff = -1;
    long n;
    if (!from_s)
        return usage_error("due", "cần --from YYYY-MM-DDTHH:MM");
    if (cal_parse_local(from_s, &from) != 0)
        return usage_error("due",
                           "thời điểm không hợp lệ: %s (cần "
                           "YYYY-MM-DDTHH:MM)",
                           from_s);
    if (!days_s && !hours_s)
        return usage_error("due", "cần --working-days N (hoặc --hours H)");
    if (days_s) {
        if (parse_long(days_s, 0,
                       CAL_MAX_WORKING_MINUTES / CAL_MINUTES_PER_DAY,
                       &n) != 0)
            return usage_error("due", "số ngày làm việc không hợp lệ: %s",
                               days_s);
        minutes += cal_days_to_minutes(n);
    }
    if (hours_s) {
        if (parse_long(hours_s, 0, CAL_MAX_WORKING_MINUTES / 60, &n) != 0)
            return usage_error("due", "số giờ không hợp lệ: %s", hours_s);
        minutes += cal_hours_to_minutes(n);
    }
    if (minutes > CAL_MAX_WORKING_MINUTES)
        return usage_error("due", "thời hạn quá dài (tối đa 10 năm)");
    if (cutoff_s && parse_hhmm(cutoff_s, &cutoff) != 0)
        return usage_error("due", "giờ chốt không hợp lệ: %s (cần HH:MM)",
                           cutoff_s);

    c = open_cal(rules_only);
    if (!c)
        goto out;
    int64_t t = cal_due(c, from, minutes, cutoff);
    if (t == -ERANGE || t == -EINVAL) {
        rc = usage_error("due",
                         "thời điểm hoặc ngày hẹn nằm ngoài phạm vi của lịch "
                         "(từ 1970 đến hết 2199): %s",
                         from_s);
        goto out;
    }
    char buf[CAL_LOCAL_LEN];
    if (t < 0 || cal_format_local(t, buf, sizeof buf) != 0) {
        fputs("motcua calendar: không tính được ngày hẹn\n", stderr);
        goto out;
    }
    printf("%s\n", buf);
    rc = (fflush(stdout) == 0 && !ferror(stdout)) ? 0 : 1;
out:
    cal_free(c);
    return rc;
}

int cmd_calendar(int argc, char **argv)
{
    if (argc < 2)
        return usage_error(NULL, "thiếu lệnh (holidays hoặc due)");
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ||
        strcmp(sub, "help") == 0) {
        fputs(USAGE_MAIN, stdout);
        return 0;
    }
    if (strcmp(sub, "holidays") == 0)
        return cmd_holidays(argc - 1, argv + 1);
    if (strcmp(sub, "due") == 0)
        return cmd_due(argc - 1, argv + 1);
    return usage_error(NULL, "lệnh không hợp lệ: %s", sub);
}
