/* report_gen: fills a motcua database (made by `motcua init --demo`) with a
 * province-year of dossiers for the report benchmark (bench/report-bench):
 * their rows, their history (dossier_events), files, apology letters and
 * ratings, written straight into SQLite in one transaction. The counters
 * are then built by `motcua report rebuild`, which replays that history with
 * the same rules as the live hook. Distributions are rough but plausible:
 * most dossiers at communes, about 60% online, a working-hours arrival
 * pattern, most finished on time, a few late, refused or withdrawn. */
#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: report_gen DB DOSSIERS YEAR [SEED]\n"
    "  adds DOSSIERS dossiers submitted during YEAR (local time) to DB\n";

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static int below(int n) { return (int)(next() % (uint64_t)n); }
static int chance(int percent) { return below(100) < percent; }

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

#define TZ (7 * 3600)
#define MAX_UNITS 4096
#define MAX_PROCS 512

struct unit {
    int64_t id;
    char code[64];
    int procs[64];  /* indexes into procs[] handled by the unit */
    int nprocs;
};
struct proc {
    int64_t id;
    int days;
};

static struct unit units[MAX_UNITS];
static int nunits;
static struct proc procs[MAX_PROCS];
static int nprocs;

static int die(sqlite3 *db, const char *what)
{
    fprintf(stderr, "report_gen: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
    return 1;
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "report_gen: %s\n  in %s\n", sqlite3_errmsg(db), sql);
        exit(1);
    }
    return st;
}

static void run(sqlite3_stmt *st)
{
    if (sqlite3_step(st) != SQLITE_DONE) {
        fprintf(stderr, "report_gen: %s\n", sqlite3_errmsg(sqlite3_db_handle(st)));
        exit(1);
    }
    sqlite3_reset(st);
}

static int load(sqlite3 *db)
{
    sqlite3_stmt *st = prep(db, "SELECT id, time_amount * CASE time_unit WHEN 'hour' THEN 0"
                                " ELSE 1 END FROM procedures ORDER BY id");
    while (sqlite3_step(st) == SQLITE_ROW && nprocs < MAX_PROCS) {
        procs[nprocs].id = sqlite3_column_int64(st, 0);
        int d = sqlite3_column_int(st, 1);
        procs[nprocs++].days = d > 0 ? d : 1;
    }
    sqlite3_finalize(st);
    st = prep(db, "SELECT u.id, u.code, group_concat(pu.procedure_id) FROM units u"
                  " JOIN procedure_units pu ON pu.unit_id = u.id GROUP BY u.id ORDER BY u.id");
    while (sqlite3_step(st) == SQLITE_ROW && nunits < MAX_UNITS) {
        struct unit *u = &units[nunits++];
        u->id = sqlite3_column_int64(st, 0);
        snprintf(u->code, sizeof u->code, "%s", (const char *)sqlite3_column_text(st, 1));
        char list[4096];
        snprintf(list, sizeof list, "%s", (const char *)sqlite3_column_text(st, 2));
        for (char *p = list; *p && u->nprocs < 64;) {
            int64_t pid = strtoll(p, &p, 10);
            for (int k = 0; k < nprocs; k++)
                if (procs[k].id == pid)
                    u->procs[u->nprocs++] = k;
            if (*p == ',')
                p++;
        }
    }
    sqlite3_finalize(st);
    return nunits > 0 && nprocs > 0 ? 0 : -1;
}

/* Unix seconds of local midnight of day `doy` (0-based) of year y. */
static int64_t day_start(int y, int doy)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mday = 1 + doy;
    return (int64_t)timegm(&tm) - TZ;
}

static int weekday(int64_t t) { return (int)(((t + TZ) / 86400 + 4) % 7); } /* 0 = Sunday */

/* A working moment about `days` working days after t (weekends skipped). */
static int64_t add_working_days(int64_t t, int days)
{
    while (days > 0) {
        t += 86400;
        if (weekday(t) != 0 && weekday(t) != 6)
            days--;
    }
    return t;
}

int main(int argc, char **argv)
{
    long n, year, seed = 1;
    if (argc < 4 || argc > 5 || parse_long(argv[2], 1, 100000000, &n) ||
        parse_long(argv[3], 2000, 2199, &year) || (argc == 5 && parse_long(argv[4], 1, 1L << 40, &seed))) {
        fputs(usage, stderr);
        return 2;
    }
    rng ^= (uint64_t)seed * 0x2545F4914F6CDD1Dull;
    sqlite3 *db;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK)
        return die(db, "open");
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA foreign_keys=OFF;"
                     " PRAGMA cache_size=-262144",
                 NULL, NULL, NULL);
    if (load(db))
        return die(db, "no units or procedures: run motcua init --demo first");
    int64_t owner = 0, officer = 0;
    sqlite3_stmt *st = prep(db, "SELECT (SELECT min(id) FROM accounts WHERE kind = 'citizen'),"
                                " (SELECT min(id) FROM accounts WHERE kind = 'staff')");
    if (sqlite3_step(st) == SQLITE_ROW) {
        owner = sqlite3_column_int64(st, 0);
        officer = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (!owner || !officer)
        return die(db, "no demo accounts");
    int64_t base_id = 0;
    st = prep(db, "SELECT coalesce(max(id), 0) FROM dossiers");
    if (sqlite3_step(st) == SQLITE_ROW)
        base_id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);

    sqlite3_stmt *ins_d = prep(
        db, "INSERT INTO dossiers(id, code, procedure_id, unit_id, owner_id, channel, state,"
            " status_code, created_at, updated_at, submitted_at, due_at, first_due_at,"
            " current_unit_id, finished_at, applicant_name, applicant_folded)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'Nguyễn Văn An', 'nguyen van an')");
    sqlite3_stmt *ins_e = prep(db, "INSERT INTO dossier_events(dossier_id, at, state, status_code,"
                                   " action, from_state, unit_id) VALUES (?, ?, ?, ?, ?, ?, ?)");
    sqlite3_stmt *ins_f = prep(db, "INSERT INTO dossier_files(dossier_id, name, document_key,"
                                   " content_type, size, sha256, uploaded_at)"
                                   " VALUES (?, 'ban-quet.pdf', 'giay_to', 'application/pdf',"
                                   " 120000, 'aa', ?)");
    sqlite3_stmt *ins_a = prep(db, "INSERT INTO dossier_apologies(dossier_id, n, old_due_at,"
                                   " new_due_at, reason, officer_id, at)"
                                   " VALUES (?, 1, ?, ?, 'Cần xác minh thêm', ?, ?)");
    sqlite3_stmt *ins_r = prep(db, "INSERT INTO dossier_ratings(dossier_id, level, comment,"
                                   " account_id, rated_at) VALUES (?, ?, '', ?, ?)");
    int ndays = (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 366 : 365;
    int64_t year_end = day_start((int)year, ndays);
    int64_t events = 0;
    time_t t0 = time(NULL);
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (long i = 0; i < n; i++) {
        int64_t id = base_id + 1 + i;
        /* Communes get most dossiers (units with a "commune" code end in .90.H56 in the demo). */
        struct unit *u = &units[below(nunits)];
        if (!strstr(u->code, ".90.") && chance(70))
            u = &units[below(nunits)];
        struct proc *p = &procs[u->procs[below(u->nprocs)]];
        int r = below(100);
        const char *channel = r < 62 ? "online" : r < 95 ? "desk" : "post";
        int online = channel[0] == 'o';
        /* Arrival: a working day (weekend for a few online ones), 07:00-17:00 local. */
        int doy;
        int64_t day;
        do {
            doy = below(ndays);
            day = day_start((int)year, doy);
        } while ((weekday(day + 43200) == 0 || weekday(day + 43200) == 6) && !(online && chance(10)));
        int64_t sub = day + 7 * 3600 + below(10 * 3600);
        int64_t due = add_working_days(sub, p->days);
        int64_t events_at[8];
        int statuses[8], ne = 0;
        const char *names[8], *actions[8];
#define EV(T, S, NAME, ACTION)                                                                     \
    (events_at[ne] = (T), statuses[ne] = (S), names[ne] = (NAME), actions[ne] = (ACTION), ne++)
        EV(sub, 1, "submitted", "submit");
        EV(sub + (online ? 1800 + below(7200) : 0), 2, "received", "accept");
        int64_t t = events_at[1];
        int fate = below(100), finished = 0, status = 2, apology = 0;
        const char *state = "received";
        int64_t fin = 0;
        if (online && fate < 3) { /* refused at the desk */
            ne = 1;
            fin = sub + 3600 + below(3 * 3600);
            EV(fin, 3, "refused", "refuse");
            status = 3, state = "refused", finished = 1;
        } else if (fate < 5) {
            fin = t + 86400 + below(86400);
            EV(fin, 7, "withdrawn", "withdraw");
            status = 7, state = "withdrawn", finished = 1;
        } else if (fate < 6) {
            fin = t + 3 * 86400;
            EV(fin, 8, "stopped", "stop");
            status = 8, state = "stopped", finished = 1;
        } else {
            if (chance(10)) { /* a supplement request: the appointment moves */
                EV(t + 3600, 5, "supplement", "request_supplement");
                t += 86400 + below(2 * 86400);
                EV(t, 2, "received", "supply");
                due += t - (events_at[ne - 2]);
            }
            EV(t + 600, 4, "processing", "assign");
            int q = below(100);
            if (q < 25) /* early: a day or more before the appointment's day */
                fin = due - 86400 - below(2 * 86400);
            else if (q < 85) /* on the appointment's day, before its hour */
                fin = due - below(4 * 3600);
            else { /* late; a fifth of them with an apology letter */
                fin = due + 3600 + below(4 * 86400);
                apology = chance(20);
            }
            if (fin <= t + 1200)
                fin = t + 1200;
            if (fin < year_end || chance(30)) {
                EV(fin, 9, "done", "approve");
                status = 9, state = "done", finished = 1;
                if (chance(85)) {
                    EV(fin + below(3 * 86400), 10, "returned", "return_result");
                    status = 10, state = "returned";
                }
            } else {
                status = 4, state = "processing", fin = 0;
            }
        }
        if (!finished)
            fin = 0;
        char code[96];
        snprintf(code, sizeof code, "%s-%04ld-%07ld", u->code, year % 10000, i + 1);
        sqlite3_bind_int64(ins_d, 1, id);
        sqlite3_bind_text(ins_d, 2, code, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins_d, 3, p->id);
        sqlite3_bind_int64(ins_d, 4, u->id);
        sqlite3_bind_int64(ins_d, 5, owner);
        sqlite3_bind_text(ins_d, 6, channel, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_d, 7, state, -1, SQLITE_STATIC);
        sqlite3_bind_int(ins_d, 8, status);
        sqlite3_bind_int64(ins_d, 9, sub - 600);
        sqlite3_bind_int64(ins_d, 10, events_at[ne - 1]);
        sqlite3_bind_int64(ins_d, 11, sub);
        sqlite3_bind_int64(ins_d, 12, apology ? due + 3 * 86400 : due);
        sqlite3_bind_int64(ins_d, 13, due);
        sqlite3_bind_int64(ins_d, 14, u->id);
        if (fin)
            sqlite3_bind_int64(ins_d, 15, fin);
        else
            sqlite3_bind_null(ins_d, 15);
        run(ins_d);
        const char *prev = "draft";
        for (int k = 0; k < ne; k++) {
            sqlite3_bind_int64(ins_e, 1, id);
            sqlite3_bind_int64(ins_e, 2, events_at[k]);
            sqlite3_bind_text(ins_e, 3, names[k], -1, SQLITE_STATIC);
            sqlite3_bind_int(ins_e, 4, statuses[k]);
            sqlite3_bind_text(ins_e, 5, actions[k], -1, SQLITE_STATIC);
            sqlite3_bind_text(ins_e, 6, prev, -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins_e, 7, u->id);
            run(ins_e);
            prev = names[k];
            events++;
        }
        if (chance(online ? 80 : 55)) {
            sqlite3_bind_int64(ins_f, 1, id);
            sqlite3_bind_int64(ins_f, 2, sub - 300);
            run(ins_f);
        }
        if (apology) {
            sqlite3_bind_int64(ins_a, 1, id);
            sqlite3_bind_int64(ins_a, 2, due);
            sqlite3_bind_int64(ins_a, 3, due + 3 * 86400);
            sqlite3_bind_int64(ins_a, 4, officer);
            sqlite3_bind_int64(ins_a, 5, due - 3600);
            run(ins_a);
        }
        if (status == 10 && chance(35)) {
            int s = below(100);
            sqlite3_bind_int64(ins_r, 1, id);
            sqlite3_bind_text(ins_r, 2, s < 55 ? "rat_hai_long" : s < 90 ? "hai_long" : "khong_hai_long",
                              -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins_r, 3, owner);
            sqlite3_bind_int64(ins_r, 4, events_at[ne - 1] + below(5 * 86400));
            run(ins_r);
        }
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return die(db, "commit");
    sqlite3_finalize(ins_d);
    sqlite3_finalize(ins_e);
    sqlite3_finalize(ins_f);
    sqlite3_finalize(ins_a);
    sqlite3_finalize(ins_r);
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    sqlite3_close(db);
    printf("generated dossiers=%ld events=%lld units=%d seconds=%ld\n", n, (long long)events,
           nunits, (long)(time(NULL) - t0));
    return 0;
}
