/* cmd_report: "motcua report" from the shell: the same report as
 * GET /api/v1/reports/summary (without the permission check: whoever can
 * read the data directory can read the figures), the counters' rebuild
 * after an upgrade, and a check of the counters against a full scan. */
#include "cli/cmd_report.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/dynbuf.h"
#include "base/util.h"
#include "catalog/unit.h"
#include "cli/cli.h"
#include "report/export.h"
#include "report/report.h"
#include "report/stats.h"
#include "store/store.h"

static const char usage[] =
    "usage: motcua report --data DIR --unit CODE --from YYYY-MM-DD --to YYYY-MM-DD\n"
    "                     [--format json|csv|xlsx] [--out FILE] [--scan] [--repeat N]\n"
    "       motcua report rebuild --data DIR\n"
    "       motcua report check --data DIR --unit CODE --from YYYY-MM-DD --to YYYY-MM-DD\n"
    "  The figures of the unit and every unit under it for the local days\n"
    "  FROM..TO (inclusive): received by channel and online level, handled\n"
    "  early / on time / late, pending and overdue now, satisfaction, and the\n"
    "  QD 766 indicators. JSON and CSV go to stdout unless --out; XLSX needs\n"
    "  --out or a stdout that is not a terminal.\n"
    "  --scan      compute from the raw rows instead of the counters (slow)\n"
    "  --repeat N  compute N times and print the time per report on stderr\n"
    "  rebuild     recompute every counter from the dossiers' history\n"
    "  check       compare the counters with a full scan; exit 1 if they differ\n";

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int write_all(const char *path, const void *data, size_t len)
{
    FILE *fp = path ? fopen(path, "wb") : stdout;
    if (!fp) {
        perror(path);
        return -1;
    }
    int rc = fwrite(data, 1, len, fp) == len ? 0 : -1;
    if (path) {
        if (fclose(fp) != 0)
            rc = -1;
    } else if (fflush(fp) != 0) {
        rc = -1;
    }
    if (rc)
        fprintf(stderr, "motcua report: cannot write %s\n", path ? path : "stdout");
    return rc;
}

static int rebuild(struct store *db)
{
    int64_t events = 0;
    double t0 = now_ms();
    int rc = store_begin(db);
    if (rc == 0)
        rc = stats_rebuild(db, &events);
    if (rc == 0)
        rc = store_commit(db);
    else
        store_rollback(db);
    if (rc) {
        fprintf(stderr, "motcua report: rebuild failed: %s\n", store_errmsg(db));
        return 1;
    }
    printf("counters rebuilt from %lld events in %.0f ms\n", (long long)events, now_ms() - t0);
    return 0;
}

/* Compares the counters' report with a full scan's, figure by figure. */
static int check(struct store *db, const struct unit *u, int from, int to)
{
    struct report a = {0}, b = {0};
    int64_t now = now_unix();
    int rc = report_build(db, u, from, to, now, REPORT_COUNTERS, &a);
    if (rc == 0)
        rc = report_build(db, u, from, to, now, REPORT_SCAN, &b);
    if (rc) {
        fprintf(stderr, "motcua report: cannot compute the report: %s\n", store_errmsg(db));
        report_free(&a);
        report_free(&b);
        return 1;
    }
    json_t *ja = report_json(&a), *jb = report_json(&b);
    json_object_set_new(ja, "source", json_string("-"));
    json_object_set_new(jb, "source", json_string("-"));
    json_object_set_new(ja, "incomplete", json_false());
    int same = json_equal(ja, jb);
    if (!same) {
        char *ta = json_dumps(json_object_get(ja, "totals"), JSON_COMPACT | JSON_REAL_PRECISION(6));
        char *tb = json_dumps(json_object_get(jb, "totals"), JSON_COMPACT | JSON_REAL_PRECISION(6));
        printf("counters DIFFER from a full scan\ncounters: %s\nscan:     %s\n", ta ? ta : "",
               tb ? tb : "");
        free(ta);
        free(tb);
    } else {
        printf("counters match a full scan: %lld received, %lld handled\n",
               (long long)a.total.f[STAT_RECEIVED], (long long)report_handled(&a.total));
    }
    json_decref(ja);
    json_decref(jb);
    report_free(&a);
    report_free(&b);
    return same ? 0 : 1;
}

static int output(const struct report *r, const char *format, const char *out)
{
    if (strcmp(format, "csv") == 0) {
        char *csv;
        size_t len;
        if (report_csv(r, &csv, &len))
            return 1;
        int rc = write_all(out, csv, len);
        free(csv);
        return rc ? 1 : 0;
    }
    if (strcmp(format, "xlsx") == 0) {
        unsigned char *x;
        size_t len;
        if (!out && isatty(STDOUT_FILENO)) {
            fprintf(stderr, "motcua report: XLSX is binary: use --out FILE or a redirection\n");
            return 2;
        }
        if (report_xlsx(r, &x, &len)) {
            fprintf(stderr, "motcua report: cannot write the workbook\n");
            return 1;
        }
        int rc = write_all(out, x, len);
        free(x);
        return rc ? 1 : 0;
    }
    json_t *o = report_json(r);
    char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(o);
    if (!text)
        return 1;
    /* One write of the text and its line end (write_all truncates the file). */
    struct dynbuf b;
    dynbuf_init(&b, SIZE_MAX - 1);
    dynbuf_adds(&b, text);
    dynbuf_adds(&b, "\n");
    free(text);
    size_t len;
    char *line = dynbuf_take(&b, &len);
    int rc = line ? write_all(out, line, len) : -1;
    free(line);
    return rc ? 1 : 0;
}

int cmd_report(int argc, char **argv)
{
    const char *data = NULL, *code = NULL, *from_s = NULL, *to_s = NULL, *format = "json";
    const char *out = NULL, *repeat_s = NULL, *pos[1];
    int scan = 0, npos = 0;
    const struct cli_opt opts[] = {{"--data", 1, &data, NULL},     {"--unit", 1, &code, NULL},
                                   {"--from", 1, &from_s, NULL},   {"--to", 1, &to_s, NULL},
                                   {"--format", 1, &format, NULL}, {"--out", 1, &out, NULL},
                                   {"--repeat", 1, &repeat_s, NULL}, {"--scan", 0, NULL, &scan},
                                   {0}};
    int rc = cli_parse(argc, argv, opts, usage, pos, 1, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    const char *sub = npos ? pos[0] : "";
    if (!data || (npos && strcmp(sub, "rebuild") && strcmp(sub, "check"))) {
        fputs(usage, stderr);
        return 2;
    }
    int need_period = strcmp(sub, "rebuild") != 0;
    int from = 0, to = 0;
    long repeat = 1;
    char why[160];
    if (need_period) {
        if (!code || !from_s || !to_s) {
            fputs(usage, stderr);
            return 2;
        }
        if (report_parse_date(from_s, &from) || report_parse_date(to_s, &to)) {
            fprintf(stderr, "motcua report: dates are YYYY-MM-DD (years 2000-2199)\n");
            return 2;
        }
        if (report_check_period(from, to, why, sizeof why)) {
            fprintf(stderr, "motcua report: %s\n", why);
            return 2;
        }
        if (strcmp(format, "json") && strcmp(format, "csv") && strcmp(format, "xlsx")) {
            fprintf(stderr, "motcua report: --format is json, csv or xlsx\n");
            return 2;
        }
        if (repeat_s && parse_long(repeat_s, 1, 100000, &repeat)) {
            fprintf(stderr, "motcua report: --repeat is 1 to 100000\n");
            return 2;
        }
    }
    struct store *db;
    if (cli_open_data(data, &db))
        return 1;
    if (!need_period) {
        rc = rebuild(db);
        store_close(db);
        return rc;
    }
    struct unit u;
    if (unit_by_code(db, code, &u) != STORE_ROW) {
        fprintf(stderr, "motcua report: no unit %s\n", code);
        store_close(db);
        return 1;
    }
    if (strcmp(sub, "check") == 0) {
        rc = check(db, &u, from, to);
        store_close(db);
        return rc;
    }
    struct report rep = {0};
    double best = 0, total = 0;
    rc = 0;
    for (long i = 0; i < repeat && rc == 0; i++) {
        report_free(&rep);
        double t0 = now_ms();
        rc = report_build(db, &u, from, to, now_unix(), scan ? REPORT_SCAN : REPORT_COUNTERS,
                          &rep);
        double t = now_ms() - t0;
        total += t;
        if (i == 0 || t < best)
            best = t;
    }
    if (rc) {
        fprintf(stderr, "motcua report: cannot compute the report: %s\n", store_errmsg(db));
        report_free(&rep);
        store_close(db);
        return 1;
    }
    if (repeat_s)
        fprintf(stderr, "report (%s): %ld runs, best %.3f ms, mean %.3f ms\n",
                scan ? "full scan" : "counters", repeat, best, total / (double)repeat);
    if (rep.incomplete)
        fprintf(stderr, "motcua report: the counters are incomplete: run motcua report rebuild\n");
    rc = output(&rep, format, out);
    report_free(&rep);
    store_close(db);
    return rc;
}
