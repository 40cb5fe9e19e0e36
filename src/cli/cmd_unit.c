/* cmd_unit: imports and lists units (agencies). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/procedure.h"
#include "catalog/unit.h"
#include "cli/cli.h"
#include "store/store.h"

static const char usage[] =
    "usage: motcua unit import --data DIR FILE.csv\n"
    "       motcua unit list --data DIR [--level LEVEL] [--kind KIND]\n"
    "       motcua unit kinds\n"
    "  import: loads units from CSV with the header\n"
    "          code,name,level,parent_code[,demo_code[,abbreviation[,kind]]]\n"
    "          (parents first; existing codes are updated; an empty abbreviation or kind\n"
    "          keeps the unit's). All or nothing: on any bad line nothing is imported\n"
    "          and the line is named.\n"
    "  list:   prints code, level, kind (- when not classified) and name of each unit,\n"
    "          in tree order.\n"
    "  kinds:  prints the kinds of unit and their Vietnamese labels.\n";

#define MAX_CSV (16 * 1024 * 1024)

struct import_job {
    char *text;
    size_t len;
    int count;
    char err[512];
};

static int import_job(struct store *db, void *arg)
{
    struct import_job *j = arg;
    if (unit_import_csv(db, j->text, j->len, &j->count, j->err, sizeof j->err))
        return -1;
    if (procedure_attach_units(db)) {
        snprintf(j->err, sizeof j->err, "cannot attach procedures to units");
        return -1;
    }
    return 0;
}

static int read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char *buf = malloc(MAX_CSV + 1);
    size_t n = buf ? fread(buf, 1, MAX_CSV + 1, f) : 0;
    fclose(f);
    if (!buf || n > MAX_CSV) {
        free(buf);
        return -2;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

static int do_import(const char *data, const char *file)
{
    struct import_job j = {0};
    int rc = read_file(file, &j.text, &j.len);
    if (rc) {
        fprintf(stderr, "motcua unit import: %s: %s\n", file,
                rc == -2 ? "larger than 16 MiB" : "cannot read");
        return 1;
    }
    struct store *db;
    if (cli_open_data(data, &db)) {
        free(j.text);
        return 1;
    }
    rc = store_run(db, import_job, &j);
    store_close(db);
    free(j.text);
    if (rc) {
        fprintf(stderr, "motcua unit import: %s: %s (nothing imported)\n", file,
                j.err[0] ? j.err : "failed");
        return 1;
    }
    printf("imported %d units from %s\n", j.count, file);
    return 0;
}

static int do_list(const char *data, const char *level, const char *kind)
{
    struct store *db;
    struct store_stmt *st;
    if (kind && !unit_kind_label(kind)) {
        fprintf(stderr, "motcua unit list: unknown kind '%s' (motcua unit kinds lists them)\n",
                kind);
        return 2;
    }
    if (cli_open_data(data, &db))
        return 1;
    int rc = store_prepare_all(db,
                               "SELECT code, level, kind, name FROM units"
                               " WHERE (?1 IS NULL OR level = ?1) AND (?2 IS NULL OR kind = ?2)"
                               " ORDER BY path",
                               &st, BIND_TEXT(level), BIND_TEXT(kind));
    if (rc == 0) {
        while ((rc = store_step(st)) == STORE_ROW) {
            const char *k = store_col_text(st, 2);
            printf("%s\t%s\t%s\t%s\n", store_col_text(st, 0), store_col_text(st, 1),
                   k[0] ? k : "-", store_col_text(st, 3));
        }
        store_done(st);
        rc = rc == STORE_DONE ? 0 : rc;
    }
    store_close(db);
    return rc ? 1 : 0;
}

static int do_kinds(void)
{
    json_t *kinds = unit_kinds_json();
    size_t i;
    json_t *k;
    json_array_foreach(kinds, i, k)
    {
        printf("%s\t%s\n", json_string_value(json_object_get(k, "kind")),
               json_string_value(json_object_get(k, "label")));
    }
    json_decref(kinds);
    return 0;
}

int cmd_unit(int argc, char **argv)
{
    const char *data = NULL, *level = NULL, *kind = NULL, *pos[2];
    int npos = 0;
    const struct cli_opt opts[] = {{"--data", 1, &data, NULL},
                                   {"--level", 1, &level, NULL},
                                   {"--kind", 1, &kind, NULL},
                                   {0}};
    int rc = cli_parse(argc, argv, opts, usage, pos, 2, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (npos == 1 && strcmp(pos[0], "kinds") == 0)
        return do_kinds();
    if (!data || npos < 1) {
        fputs(usage, stderr);
        return 2;
    }
    if (strcmp(pos[0], "import") == 0 && npos == 2)
        return do_import(data, pos[1]);
    if (strcmp(pos[0], "list") == 0 && npos == 1)
        return do_list(data, level, kind);
    fputs(usage, stderr);
    return 2;
}
