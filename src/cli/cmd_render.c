/* cmd_render: "motcua render register" prints a register of outgoing or
 * incoming documents (Decree 30/2020, Appendix IV) from a CSV of its rows,
 * as PDF, XLSX or CSV, without a database: for trying the layout, and for
 * printing rows taken from elsewhere. The output file appears whole or not at
 * all (written beside it under a temporary name, then renamed). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/derr.h"
#include "base/util.h"
#include "cli/cli.h"
#include "render/register_print.h"

static const char usage[] =
    "usage: motcua render register --direction out|in --year YYYY --unit-name NAME\n"
    "                              [--parent-name NAME] [--series NAME] [--volume N]\n"
    "                              --format pdf|xlsx|csv --rows ROWS.csv OUT\n"
    "  Prints the register of outgoing (out: sổ đăng ký văn bản đi) or incoming (in:\n"
    "  sổ đăng ký văn bản đến) documents in the layout of Decree 30/2020, Appendix IV,\n"
    "  into the file OUT: a PDF (A4 landscape, a cover page, then the table), an XLSX\n"
    "  workbook, or CSV (UTF-8 with a byte order mark).\n"
    "  ROWS.csv: UTF-8 CSV (RFC 4180), one document a row in register order, with a\n"
    "  header naming every column of the direction once, in any order:\n"
    "    out: number,date,summary,signer,recipients,file_copy_to,copies,sent_on,sign,note\n"
    "    in:  arrival_date,arrival_number,author,number,date,summary,handler,sign,note\n"
    "  (or the Vietnamese column titles a printed CSV carries). At most 100000 rows\n"
    "  and 64 MiB. See docs/registers.md.\n"
    "  Exit 0 printed, 1 bad rows or output error (OUT not written), 2 usage error.\n";

/* Reads the whole file, refusing one past REGPRINT_MAX_CSV before reading it
 * when its size is known. OUT: *out (malloc'd), *len. Returns 0, or 1 after
 * printing why. */
static int read_rows_file(const char *path, char **out, size_t *len)
{
    struct stat sb;
    size_t cap = 0, n = 0;
    char *buf = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 1;

    if (fd < 0) {
        fprintf(stderr, "motcua render: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "motcua render: %s is a directory\n", path);
        goto out;
    }
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size > REGPRINT_MAX_CSV) {
        fprintf(stderr, "motcua render: %s is larger than %zu MiB; print a shorter period\n",
                path, REGPRINT_MAX_CSV >> 20);
        goto out;
    }
    for (;;) {
        ssize_t got;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *grown;
            if (cap > REGPRINT_MAX_CSV) {
                fprintf(stderr, "motcua render: %s is larger than %zu MiB; print a shorter "
                        "period\n", path, REGPRINT_MAX_CSV >> 20);
                goto out;
            }
            grown = realloc(buf, ncap);
            if (!grown) {
                fprintf(stderr, "motcua render: out of memory reading %s\n", path);
                goto out;
            }
            buf = grown;
            cap = ncap;
        }
        got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            fprintf(stderr, "motcua render: cannot read %s: %s\n", path, strerror(errno));
            goto out;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    if (n > REGPRINT_MAX_CSV) {
        fprintf(stderr, "motcua render: %s is larger than %zu MiB; print a shorter period\n",
                path, REGPRINT_MAX_CSV >> 20);
        goto out;
    }
    *out = buf;
    *len = n;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    close(fd);
    return rc;
}

/* Writes data to path through a temporary file in the same directory, so
 * that path is either the whole output or untouched. Returns 0, or 1 after
 * printing why. */
static int write_whole(const char *path, const void *data, size_t len)
{
    int rc = write_file_atomic(path, data, len);
    if (rc)
        fprintf(stderr, "motcua render: cannot write %s: %s\n", path, strerror(-rc));
    return rc ? 1 : 0;
}

static int render_register(int argc, char **argv)
{
    const char *direction = NULL, *year_s = NULL, *unit_name = NULL, *parent_name = NULL;
    const char *series = NULL, *volume = NULL, *format = NULL, *rows_path = NULL, *pos[1];
    const struct cli_opt opts[] = {
        {"--direction", 1, &direction, NULL}, {"--year", 1, &year_s, NULL},
        {"--unit-name", 1, &unit_name, NULL}, {"--parent-name", 1, &parent_name, NULL},
        {"--series", 1, &series, NULL},       {"--volume", 1, &volume, NULL},
        {"--format", 1, &format, NULL},       {"--rows", 1, &rows_path, NULL},
        {0}};
    struct regprint_rows rows = {0};
    struct derr err = {0};
    struct stat sb;
    char *text = NULL;
    unsigned char *bin = NULL;
    char *csv = NULL;
    size_t text_len = 0, out_len = 0;
    long year;
    int npos = 0, rc;

    rc = cli_parse(argc, argv, opts, usage, pos, 1, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (npos != 1 || !direction || !year_s || !unit_name || !format || !rows_path) {
        fputs(usage, stderr);
        return 2;
    }
    if (strcmp(direction, "out") && strcmp(direction, "in")) {
        fprintf(stderr, "motcua render: --direction is out (văn bản đi) or in (văn bản đến), "
                        "not '%s'\n", direction);
        return 2;
    }
    if (parse_long(year_s, 2000, 2199, &year)) {
        fprintf(stderr, "motcua render: --year is a year from 2000 to 2199\n");
        return 2;
    }
    if (strcmp(format, "pdf") && strcmp(format, "xlsx") && strcmp(format, "csv")) {
        fprintf(stderr, "motcua render: --format is pdf, xlsx or csv\n");
        return 2;
    }
    if (stat(pos[0], &sb) == 0) {
        struct stat rb;
        if (!S_ISREG(sb.st_mode)) {
            fprintf(stderr, "motcua render: %s exists and is not a regular file\n", pos[0]);
            return 2;
        }
        /* Printing over the rows would lose them (a printed CSV has the
         * Vietnamese header, not the same file). */
        if (stat(rows_path, &rb) == 0 && rb.st_dev == sb.st_dev && rb.st_ino == sb.st_ino) {
            fprintf(stderr, "motcua render: OUT is the rows file %s; name another file\n",
                    rows_path);
            return 2;
        }
    }
    enum regprint_direction dir = strcmp(direction, "in") == 0 ? REGPRINT_IN : REGPRINT_OUT;
    if (read_rows_file(rows_path, &text, &text_len))
        return 1;
    rc = 1;
    if (regprint_rows_parse(dir, text, text_len, &rows, &err)) {
        fprintf(stderr, "motcua render: %s: %s\n", rows_path, err.message);
        goto out;
    }
    struct regprint_register reg = {
        .direction = dir,
        .parent_name = parent_name,
        .unit_name = unit_name,
        .year = (int)year,
        .series = series,
        .volume = volume,
        .rows = rows.rows,
        .nrows = rows.nrows,
    };
    int fail;
    if (strcmp(format, "pdf") == 0)
        fail = regprint_pdf(&reg, &bin, &out_len, &err);
    else if (strcmp(format, "xlsx") == 0)
        fail = regprint_xlsx(&reg, &bin, &out_len, &err);
    else
        fail = regprint_csv(&reg, &csv, &out_len, &err);
    if (fail) {
        fprintf(stderr, "motcua render: %s\n", err.message);
        goto out;
    }
    rc = write_whole(pos[0], bin ? (const void *)bin : csv, out_len);
    if (rc == 0)
        fprintf(stderr, "motcua render: %s: %zu rows, %zu bytes\n", pos[0], rows.nrows, out_len);
out:
    derr_clear(&err);
    free(bin);
    free(csv);
    regprint_rows_free(&rows);
    free(text);
    return rc;
}

int cmd_render(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "register") != 0) {
        fprintf(stderr, "motcua render: unknown document '%s'\n%s", argv[1], usage);
        return 2;
    }
    /* cli_parse names the command by argv[0]: "motcua render register: ..." */
    char *sub_argv[64];
    if (argc - 1 > 63) {
        fprintf(stderr, "motcua render: too many arguments\n");
        return 2;
    }
    sub_argv[0] = (char *)"render register";
    for (int k = 2; k < argc; k++)
        sub_argv[k - 1] = argv[k];
    sub_argv[argc - 1] = NULL;
    return render_register(argc - 1, sub_argv);
}
