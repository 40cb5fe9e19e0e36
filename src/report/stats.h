/* stats: the counters behind the reports (tables stat_daily and
 * stat_monthly, db/004_stats.sql). Each dossier change adds to the counters
 * of its receiving unit, local day, procedure, channel and online level in
 * the same transaction as the change (the dossier_changed hook), and so
 * does a citizen's rating. stats_rebuild recomputes every counter from the
 * dossiers' history, with the same rules. The rules, precisely, are in
 * docs/reports.md. */
#ifndef MOTCUA_STATS_H
#define MOTCUA_STATS_H

#include <stdint.h>

struct store;

/* What a counter row counts. The order is the order of the columns in the
 * stat_* tables after the key. */
enum stat_fig {
    STAT_RECEIVED,    /* submitted (online: status 1; a walk-in: 1 then 2 at once) */
    STAT_WITH_FILES,  /* received with at least one electronic file */
    STAT_EARLY,       /* reached status 9 before the local day of the appointment */
    STAT_ON_TIME,     /* reached status 9 on the appointment's day, not after it */
    STAT_LATE,        /* reached status 9 after the appointment, or with an apology */
    STAT_LATE_APOLOGY, /* of those, with an apology letter and a new appointment */
    STAT_REFUSED,     /* status 3 */
    STAT_WITHDRAWN,   /* status 7 */
    STAT_STOPPED,     /* status 8 */
    STAT_RETURNED,    /* status 10 */
    STAT_SUPPLEMENTS, /* entries into status 5 (a supplement request) */
    STAT_RATED_VERY,  /* Rất hài lòng */
    STAT_RATED_OK,    /* Hài lòng */
    STAT_RATED_NOT,   /* Không hài lòng */
    STAT_PAID_ONLINE, /* fees paid online: through the gateway or by bank transfer */
    STAT_PAID_DESK,   /* fees paid in cash or by card at the desk */
    STAT_NFIGS
};

/* Column names of the figures, in enum order ("received", ...). */
extern const char *const stat_fig_columns[STAT_NFIGS];

/* Channels and levels, as stored in dossiers and procedures. */
enum { STAT_CH_ONLINE, STAT_CH_DESK, STAT_CH_POST, STAT_NCH };
enum { STAT_L42_FULL, STAT_L42_PART, STAT_NL42 };   /* toan_trinh, mot_phan */
enum { STAT_NOLD = 3 };                             /* levels 2, 3, 4 (Decree 43/2011) */

/* Index of a channel / Decree 42 level / old level; -1 if unknown. */
int stat_channel_index(const char *channel);
int stat_level42_index(const char *level);
int stat_level_old_index(int64_t level);
extern const char *const stat_channel_names[STAT_NCH];
extern const char *const stat_level42_names[STAT_NL42];

/* What the counting needs to know of the dossier besides the change. */
struct stat_facts {
    int64_t due_at;  /* the appointment now (moved by pauses and by apologies) */
    int has_files;   /* at least one electronic file (at receipt) */
    int apologized;  /* an apology letter with a new appointment was issued */
};

/* How a status change counts: fills delta[] (zeroed first) from the
 * national statuses before and after, the time of the change and the
 * dossier's facts (the appointment for status 9, the files for a
 * receipt). Returns 1 if anything counts, 0 if not. The hook, the rebuild
 * and the full scan all use these rules, so they exist once. */
int stat_classify(int from_status, int to_status, int64_t at, const struct stat_facts *facts,
                  int64_t delta[STAT_NFIGS]);

/* Early, on time or late (STAT_EARLY, STAT_ON_TIME, STAT_LATE) for a dossier
 * finished at `finished` with the appointment `due`: late after it, or
 * whenever an apology letter was needed (the appointment first promised
 * was missed, whatever the new one); early before the appointment's local
 * day; on time otherwise. */
int stat_timeliness(int64_t finished, int64_t due, int apologized);

/* Local (UTC+7) date of Unix seconds t as yyyymmdd. */
int stat_local_ymd(int64_t t);

/* The dossier-change listener (dossier/changes.h): adds the change's
 * counts (stat_classify) inside the change's transaction. A change that
 * keeps the national status counts nothing. */
struct dossier_listener;
extern const struct dossier_listener stats_listener;

/* Adds delta to the daily and monthly counters of a dossier, on the local
 * day of `at`, with the dossier's unit, procedure, channel and the
 * procedure's levels now. Inside the caller's transaction. */
int stats_add_for_dossier(struct store *db, int64_t dossier_id, int64_t at,
                          const int64_t delta[STAT_NFIGS]);

/* The figure a rating level counts in ("rat_hai_long" STAT_RATED_VERY,
 * "hai_long" STAT_RATED_OK, "khong_hai_long" STAT_RATED_NOT), or -1. */
int stat_rating_fig(const char *level);

/* The figure a fee paid by `method` counts in (STAT_PAID_ONLINE for
 * "gateway" and "bank_transfer", STAT_PAID_DESK for "desk"), or -1. */
int stat_payment_fig(const char *method);

/* Recomputes every counter from the dossiers' history (dossier_events),
 * the ratings and the paid fees, replacing what is stored; clears the "rebuild needed" mark.
 * Inside the caller's transaction. OUT: *events, the events replayed.
 * Returns 0, or a negative error (store error or out of memory). */
int stats_rebuild(struct store *db, int64_t *events);

#endif
