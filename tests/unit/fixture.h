/* A fresh data directory for the unit tests that drive the real jobs:
 * `motcua init --demo` (migrations, catalog, Thanh Hóa units, demo
 * accounts) in a temporary directory, one read-write connection, the
 * default calendar, and small helpers to run jobs and read rows.
 *
 *   if (fx_open("dossier")) return 1;  ...  fx_close(); */
#ifndef MOTCUA_TEST_FIXTURE_H
#define MOTCUA_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calendar/calendar.h"
#include "cli/cli.h"
#include "dossier/dossier.h"
#include "store/migrate.h"
#include "store/store.h"

static char fx_dir[256];
static struct store *fx_db;
static struct cal *fx_cal;

/* Demo accounts and codes (data/demo-accounts.csv, data/procedures.json). */
#define FX_CITIZEN "038095001234"
#define FX_CITIZEN2 "038196004321"
#define FX_RECEPTION "tiepnhan.hacthanh"  /* reception on FX_COMMUNE */
#define FX_SPECIALIST "chuyenvien.hacthanh" /* specialist on FX_COMMUNE */
#define FX_LEADER "lanhdao.hacthanh"      /* leader on FX_COMMUNE */
#define FX_ADMIN "quantri.tinh"           /* province_admin on FX_PROVINCE */
#define FX_PROVINCE "000.00.00.H56"
#define FX_COMMUNE "000.01.90.H56"  /* Phường Hạc Thành */
#define FX_COMMUNE2 "000.02.90.H56" /* another commune */
#define FX_EXTRACT "2.000635.000.00.00.H56" /* trích lục hộ tịch: 1 day, 15:00 cut-off, form only */
#define FX_COPY "2.000815.000.00.00.H56"    /* chứng thực bản sao: needs the original's scan */
#define FX_BUSINESS "9.000001.000.00.00.H56" /* a province-level procedure */

static inline int fx_open(const char *name)
{
    snprintf(fx_dir, sizeof fx_dir, "/tmp/motcua-test-%s-XXXXXX", name);
    if (!mkdtemp(fx_dir)) {
        perror("mkdtemp");
        return -1;
    }
    char *argv[] = {"init", "--data", fx_dir, "--demo", NULL};
    char path[400], err[256];
    snprintf(path, sizeof path, "%s/motcua.db", fx_dir);
    fx_cal = cal_new_default();
    if (cmd_init(4, argv) != 0 || !fx_cal || store_open(path, 0, &fx_db, err, sizeof err) ||
        migrate_apply(fx_db, err, sizeof err)) {
        printf("setup failed\n");
        return -1;
    }
    return 0;
}

static inline void fx_close(void)
{
    store_close(fx_db);
    cal_free(fx_cal);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx_dir);
    if (system(cmd) != 0)
        printf("could not remove %s\n", fx_dir);
}

/* An integer from a query with one optional text parameter; -1 if none. */
static inline int64_t fx_int(const char *sql, const char *arg)
{
    int64_t v = -1;
    return store_query_int(fx_db, sql, arg, &v) == STORE_ROW ? v : -1;
}

static inline int64_t fx_account(const char *login)
{
    return fx_int("SELECT id FROM accounts WHERE login = ?", login);
}

static inline int64_t fx_unit(const char *code)
{
    return fx_int("SELECT id FROM units WHERE code = ?", code);
}

/* A text column from a query with one text parameter, into out. */
static inline const char *fx_text(const char *sql, const char *arg, char *out, size_t cap)
{
    struct store_stmt *st;
    out[0] = '\0';
    if (store_prepare(fx_db, sql, &st) == 0) {
        if (arg)
            store_bind_text(st, 1, arg);
        if (store_step(st) == STORE_ROW)
            snprintf(out, cap, "%s", store_col_text(st, 0));
        store_done(st);
    }
    return out;
}

/* Every row of the tables a refused job must leave alone, as one number
 * that changes with any insert or update: the sum of the rows' counts and
 * of their last change times. */
static inline int64_t fx_state(void)
{
    return fx_int("SELECT (SELECT count(*) FROM dossiers) * 1000003"
                  " + (SELECT coalesce(sum(updated_at), 0) FROM dossiers)"
                  " + (SELECT count(*) FROM dossier_events) * 7919"
                  " + (SELECT count(*) FROM dossier_files) * 104729"
                  " + (SELECT coalesce(sum(size), 0) FROM dossier_files)"
                  " + (SELECT count(*) FROM audit_log) * 15485863"
                  " + (SELECT count(*) FROM payments) * 32452843",
                  NULL);
}

/* The dossier with this id as the database has it now (all zero if none). */
static inline struct dossier fx_dossier(int64_t id)
{
    struct dossier d;
    char key[24];
    memset(&d, 0, sizeof d);
    snprintf(key, sizeof key, "%lld", (long long)id);
    if (dossier_find(fx_db, key, 0, &d) != STORE_ROW)
        memset(&d, 0, sizeof d);
    return d;
}

/* Unix seconds of a local (UTC+7) date and time. */
static inline int64_t fx_local(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return (int64_t)timegm(&tm) - CAL_TZ_OFFSET;
}

#endif
