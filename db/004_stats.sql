-- motcua schema, version 4: the counters behind the reports, and the
-- citizens' ratings. Counters change in the same transaction as the dossier
-- change they count (src/report/, docs/reports.md), so a report over a year
-- of a province sums a few thousand rows instead of scanning every dossier.

-- One row per receiving unit, local day, procedure, channel and online
-- level; each column counts events of that day (a dossier received, a
-- dossier finished early, a rating given, ...). Levels are the procedure's
-- at the time of the event: Decree 42/2022 (toan_trinh, mot_phan) and the
-- older scale of Decree 43/2011 (2, 3, 4).
CREATE TABLE stat_daily (
    unit_id      INTEGER NOT NULL REFERENCES units(id),   -- the receiving unit
    day          INTEGER NOT NULL,                        -- local date, yyyymmdd
    procedure_id INTEGER NOT NULL REFERENCES procedures(id),
    channel      TEXT NOT NULL,                           -- online, desk, post
    level_d42    TEXT NOT NULL,
    level_old    INTEGER NOT NULL,
    received     INTEGER NOT NULL DEFAULT 0,  -- submitted (status 1; a walk-in at once 2)
    with_files   INTEGER NOT NULL DEFAULT 0,  -- of those, with electronic files at receipt
    early        INTEGER NOT NULL DEFAULT 0,  -- reached status 9 before the appointment's day
    on_time      INTEGER NOT NULL DEFAULT 0,  -- reached status 9 on the appointment's day, in time
    late         INTEGER NOT NULL DEFAULT 0,  -- reached status 9 after the appointment, or with an apology
    late_apology INTEGER NOT NULL DEFAULT 0,  -- of those, with an apology letter (phiếu xin lỗi)
    refused      INTEGER NOT NULL DEFAULT 0,  -- status 3
    withdrawn    INTEGER NOT NULL DEFAULT 0,  -- status 7
    stopped      INTEGER NOT NULL DEFAULT 0,  -- status 8
    returned     INTEGER NOT NULL DEFAULT 0,  -- status 10
    supplements  INTEGER NOT NULL DEFAULT 0,  -- supplement requests (entries into status 5)
    rated_very   INTEGER NOT NULL DEFAULT 0,  -- Rất hài lòng
    rated_ok     INTEGER NOT NULL DEFAULT 0,  -- Hài lòng
    rated_not    INTEGER NOT NULL DEFAULT 0,  -- Không hài lòng
    PRIMARY KEY (unit_id, day, procedure_id, channel, level_d42, level_old)
);

-- The same counters summed by local month (yyyymm): a report takes whole
-- months from here and only the days of partial months from stat_daily.
CREATE TABLE stat_monthly (
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    month        INTEGER NOT NULL,                        -- local month, yyyymm
    procedure_id INTEGER NOT NULL REFERENCES procedures(id),
    channel      TEXT NOT NULL,
    level_d42    TEXT NOT NULL,
    level_old    INTEGER NOT NULL,
    received     INTEGER NOT NULL DEFAULT 0,
    with_files   INTEGER NOT NULL DEFAULT 0,
    early        INTEGER NOT NULL DEFAULT 0,
    on_time      INTEGER NOT NULL DEFAULT 0,
    late         INTEGER NOT NULL DEFAULT 0,
    late_apology INTEGER NOT NULL DEFAULT 0,
    refused      INTEGER NOT NULL DEFAULT 0,
    withdrawn    INTEGER NOT NULL DEFAULT 0,
    stopped      INTEGER NOT NULL DEFAULT 0,
    returned     INTEGER NOT NULL DEFAULT 0,
    supplements  INTEGER NOT NULL DEFAULT 0,
    rated_very   INTEGER NOT NULL DEFAULT 0,
    rated_ok     INTEGER NOT NULL DEFAULT 0,
    rated_not    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, month, procedure_id, channel, level_d42, level_old)
);

-- The citizen's rating of the service, once per dossier, after the result
-- was returned (status 10).
CREATE TABLE dossier_ratings (
    dossier_id INTEGER PRIMARY KEY REFERENCES dossiers(id),
    level      TEXT NOT NULL CHECK (level IN ('rat_hai_long', 'hai_long', 'khong_hai_long')),
    comment    TEXT NOT NULL DEFAULT '',
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    rated_at   INTEGER NOT NULL
);
CREATE INDEX dossier_ratings_at ON dossier_ratings(rated_at);

-- A database that already holds dossiers gets its counters from
-- `motcua report rebuild` (a replay of the dossiers' history); until then
-- reports say they are incomplete.
INSERT INTO settings(key, value)
SELECT 'report.rebuild_needed', '1' WHERE EXISTS (SELECT 1 FROM dossiers WHERE code IS NOT NULL);
