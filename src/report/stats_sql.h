/* stats_sql: the SQL that adds to the report counters, as text, so that
 * the benchmark's ceiling (bench/sqlite_ceiling.c), which must write
 * exactly the rows a submission writes, runs the same statements as
 * report/stats.c. The columns are those of stat_fig_columns, in order. */
#ifndef MOTCUA_STATS_SQL_H
#define MOTCUA_STATS_SQL_H

#define STATS_SQL_NFIGS 16
#define STATS_SQL_COLS                                                                             \
    "received, with_files, early, on_time, late, late_apology, refused, withdrawn, stopped,"      \
    " returned, supplements, rated_very, rated_ok, rated_not, paid_online, paid_desk"
#define STATS_SQL_ADD                                                                              \
    " received = received + excluded.received, with_files = with_files + excluded.with_files,"    \
    " early = early + excluded.early, on_time = on_time + excluded.on_time,"                       \
    " late = late + excluded.late, late_apology = late_apology + excluded.late_apology,"           \
    " refused = refused + excluded.refused,"                                                       \
    " withdrawn = withdrawn + excluded.withdrawn, stopped = stopped + excluded.stopped,"           \
    " returned = returned + excluded.returned, supplements = supplements + excluded.supplements,"  \
    " rated_very = rated_very + excluded.rated_very, rated_ok = rated_ok + excluded.rated_ok,"     \
    " rated_not = rated_not + excluded.rated_not,"                                                 \
    " paid_online = paid_online + excluded.paid_online, paid_desk = paid_desk + excluded.paid_desk"
#define STATS_SQL_PARAMS "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"

/* Parameters: unit_id, day (yyyymmdd) or month (yyyymm), procedure_id,
 * channel, level_d42, level_old, then the STATS_SQL_NFIGS deltas. */
#define STATS_UPSERT_DAILY_SQL                                                                     \
    "INSERT INTO stat_daily(unit_id, day, procedure_id, channel, level_d42, level_old, "          \
    STATS_SQL_COLS ") VALUES (?, ?, ?, ?, ?, ?, " STATS_SQL_PARAMS ")"                             \
    " ON CONFLICT (unit_id, day, procedure_id, channel, level_d42, level_old) DO UPDATE SET"      \
    STATS_SQL_ADD
#define STATS_UPSERT_MONTHLY_SQL                                                                   \
    "INSERT INTO stat_monthly(unit_id, month, procedure_id, channel, level_d42, level_old, "      \
    STATS_SQL_COLS ") VALUES (?, ?, ?, ?, ?, ?, " STATS_SQL_PARAMS ")"                             \
    " ON CONFLICT (unit_id, month, procedure_id, channel, level_d42, level_old) DO UPDATE SET"    \
    STATS_SQL_ADD

#endif
