/* cmd_document: "motcua document register" prints a unit's register of
 * outgoing or incoming documents for a year (Decree 30/2020, Appendix IV)
 * from the database, as CSV, XLSX or PDF (docs/documents.md, "Printing the
 * registers"). The rows come from document/register_rows.h; the layout is
 * render/register_print.h's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/derr.h"
#include "base/util.h"
#include "cli/cli.h"
#include "document/register_rows.h"
#include "render/register_print.h"
#include "store/store.h"

static const char usage[] =
    "usage: motcua document register --data DIR --unit CODE --year YYYY --direction out|in\n"
    "                                --format csv|xlsx|pdf [--series SERIES] [--out FILE]\n"
    "  Prints the unit's register of outgoing (out: sổ đăng ký văn bản đi) or incoming\n"
    "  (in: sổ đăng ký văn bản đến) documents of the year, in number order, in the\n"
    "  layout of Decree 30/2020, Appendix IV. SERIES (outgoing only): the number\n"
    "  series, hanh_chinh (the administrative documents, the default) or a legal\n"
    "  normative type's code; a unit has one incoming register a year.\n"
    "  Without --out the CSV goes to standard output; XLSX and PDF need --out. A year\n"
    "  with nothing registered prints the cover and the empty table.\n"
    "  Exit 0 printed, 1 unknown unit or series, database or output error (FILE not\n"
    "  written), 2 usage error.\n";

/* Writes data to path through a temporary file beside it, so that path is
 * either the whole register or untouched. Returns 0, or 1 after printing
 * why. */
static int write_whole(const char *path, const void *data, size_t len)
{
    int rc = write_file_atomic(path, data, len);
    if (rc)
        fprintf(stderr, "motcua document register: cannot write %s: %s\n", path, strerror(-rc));
    return rc ? 1 : 0;
}

static int print_register(int argc, char **argv)
{
    const char *data = NULL, *unit = NULL, *year_s = NULL, *direction = NULL, *format = NULL;
    const char *series = NULL, *out_path = NULL, *pos[1];
    const struct cli_opt opts[] = {
        {"--data", 1, &data, NULL},           {"--unit", 1, &unit, NULL},
        {"--year", 1, &year_s, NULL},         {"--direction", 1, &direction, NULL},
        {"--format", 1, &format, NULL},       {"--series", 1, &series, NULL},
        {"--out", 1, &out_path, NULL},        {0}};
    struct document_register_rows rows = {0};
    struct derr err = {0};
    struct store *db = NULL;
    unsigned char *bin = NULL;
    char *csv = NULL;
    size_t len = 0;
    long year;
    int npos = 0, rc;

    rc = cli_parse(argc, argv, opts, usage, pos, 1, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (npos || !data || !unit || !year_s || !direction || !format) {
        fputs(usage, stderr);
        return 2;
    }
    if (strcmp(direction, "out") && strcmp(direction, "in")) {
        fprintf(stderr, "motcua document register: --direction is out (văn bản đi) or in "
                        "(văn bản đến), not '%s'\n", direction);
        return 2;
    }
    if (parse_long(year_s, 2000, 2199, &year)) {
        fprintf(stderr, "motcua document register: --year is a year from 2000 to 2199, "
                        "not '%s'\n", year_s);
        return 2;
    }
    int is_csv = strcmp(format, "csv") == 0, is_pdf = strcmp(format, "pdf") == 0;
    if (!is_csv && !is_pdf && strcmp(format, "xlsx")) {
        fprintf(stderr, "motcua document register: --format is csv, xlsx or pdf\n");
        return 2;
    }
    if (!is_csv && !out_path) {
        fprintf(stderr, "motcua document register: --format %s needs --out FILE\n", format);
        return 2;
    }
    if (cli_open_data(data, &db))
        return 1;
    rc = 1;
    if (document_register_rows(db, unit, (int)year, direction, series, &rows, &err)) {
        if (strcmp(err.code, "unit_not_found") == 0)
            fprintf(stderr, "motcua document register: no unit with the code '%s' (motcua "
                            "unit list shows them)\n", unit);
        else if (strcmp(err.code, "series_unknown") == 0 && strcmp(direction, "in") == 0)
            fprintf(stderr, "motcua document register: incoming documents have one register "
                            "a year; leave out --series\n");
        else if (strcmp(err.code, "series_unknown") == 0)
            fprintf(stderr, "motcua document register: no document type counts in the "
                            "series '%s'\n", series);
        else
            fprintf(stderr, "motcua document register: %s\n", err.message);
        goto out;
    }
    int fail;
    if (is_pdf)
        fail = regprint_pdf(&rows.reg, &bin, &len, &err);
    else if (is_csv)
        fail = regprint_csv(&rows.reg, &csv, &len, &err);
    else
        fail = regprint_xlsx(&rows.reg, &bin, &len, &err);
    if (fail) {
        fprintf(stderr, "motcua document register: %s\n", err.message);
        goto out;
    }
    if (out_path) {
        rc = write_whole(out_path, bin ? (const void *)bin : csv, len);
    } else {
        rc = fwrite(csv, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : 1;
        if (rc)
            fprintf(stderr, "motcua document register: cannot write to standard output\n");
    }
    if (rc == 0)
        fprintf(stderr, "motcua document register: %s %ld %s: %zu entries%s\n", unit, year,
                direction, rows.nrows, rows.nrows ? "" : " (the cover and an empty table)");
out:
    derr_clear(&err);
    free(bin);
    free(csv);
    document_register_rows_free(&rows);
    store_close(db);
    return rc;
}

int cmd_document(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "register") != 0) {
        fprintf(stderr, "motcua document: unknown subcommand '%s'\n%s", argv[1], usage);
        return 2;
    }
    /* cli_parse names the command by argv[0]. */
    char *sub_argv[64];
    if (argc - 1 > 63) {
        fprintf(stderr, "motcua document: too many arguments\n");
        return 2;
    }
    sub_argv[0] = (char *)"document register";
    for (int k = 2; k < argc; k++)
        sub_argv[k - 1] = argv[k];
    sub_argv[argc - 1] = NULL;
    return print_register(argc - 1, sub_argv);
}
