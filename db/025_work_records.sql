-- Work records (hồ sơ công việc, Decree 30/2020/NĐ-CP chapter IV,
-- docs/records.md). Each unit keeps a yearly list of records (danh mục hồ
-- sơ), drafted and then approved by the unit's leader at the start of the
-- year; a record (hồ sơ) is opened from an entry of the approved list, or
-- outside it with a reason (Art. 28.2); documents of the unit and finished
-- one-stop dossiers are filed into it as the work goes; it is closed when
-- the work ends (drafts taken out, retention re-checked) and handed over to
-- the unit's archive within a year of closing.
--
-- Retention (thời hạn bảo quản) is a number of years, 1..70, or 0 for
-- permanent (vĩnh viễn).

CREATE TABLE record_lists (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    year        INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('draft', 'approved')),
    created_by  INTEGER REFERENCES accounts(id),
    created_at  INTEGER NOT NULL,
    approved_by INTEGER REFERENCES accounts(id),
    approved_at INTEGER,
    CHECK ((state = 'approved') = (approved_at IS NOT NULL)),
    UNIQUE (unit_id, year)
);

-- The list's entries: what records the unit plans to keep that year.
CREATE TABLE record_list_entries (
    id              INTEGER PRIMARY KEY,
    list_id         INTEGER NOT NULL REFERENCES record_lists(id),
    code            TEXT NOT NULL,            -- số và ký hiệu hồ sơ
    title           TEXT NOT NULL,            -- tiêu đề hồ sơ
    retention_years INTEGER NOT NULL CHECK (retention_years BETWEEN 0 AND 70),
    owner_id        INTEGER REFERENCES accounts(id), -- người lập hồ sơ
    created_at      INTEGER NOT NULL,
    UNIQUE (list_id, code)
);

CREATE TABLE work_records (
    id              INTEGER PRIMARY KEY,
    unit_id         INTEGER NOT NULL REFERENCES units(id),
    year            INTEGER NOT NULL,
    entry_id        INTEGER REFERENCES record_list_entries(id), -- NULL: outside the list
    reason          TEXT NOT NULL DEFAULT '',  -- why a record outside the list
    code            TEXT NOT NULL,
    title           TEXT NOT NULL,
    retention_years INTEGER NOT NULL CHECK (retention_years BETWEEN 0 AND 70),
    owner_id        INTEGER NOT NULL REFERENCES accounts(id),
    start_date      TEXT NOT NULL,             -- YYYY-MM-DD
    state           TEXT NOT NULL CHECK (state IN ('open', 'closed', 'handed_over')),
    end_date        TEXT,                      -- YYYY-MM-DD, set on closing
    retention_before INTEGER,                  -- the retention before closing changed it
    closed_by       INTEGER REFERENCES accounts(id),
    closed_at       INTEGER,
    handed_over_by  INTEGER REFERENCES accounts(id),
    handed_over_at  INTEGER,
    created_by      INTEGER REFERENCES accounts(id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CHECK (entry_id IS NOT NULL OR reason <> ''),
    CHECK ((state = 'open') = (closed_at IS NULL)),
    CHECK ((state = 'handed_over') = (handed_over_at IS NOT NULL)),
    UNIQUE (unit_id, year, code)
);
CREATE INDEX work_records_unit ON work_records(unit_id, state, closed_at);

-- What is filed in a record: a document of the unit (outgoing or incoming)
-- or a finished one-stop dossier. removed_at: taken out (by hand while the
-- record was open, or as a draft on closing: removed_reason 'draft').
-- A document or dossier sits in at most one record at a time.
CREATE TABLE work_record_items (
    id             INTEGER PRIMARY KEY,
    record_id      INTEGER NOT NULL REFERENCES work_records(id),
    document_id    INTEGER REFERENCES documents(id),
    dossier_id     INTEGER REFERENCES dossiers(id),
    added_by       INTEGER REFERENCES accounts(id),
    added_at       INTEGER NOT NULL,
    removed_by     INTEGER REFERENCES accounts(id),
    removed_at     INTEGER,
    removed_reason TEXT NOT NULL DEFAULT '' CHECK (removed_reason IN ('', 'manual', 'draft')),
    CHECK ((document_id IS NULL) <> (dossier_id IS NULL))
);
CREATE INDEX work_record_items_record ON work_record_items(record_id, id);
CREATE UNIQUE INDEX work_record_items_document ON work_record_items(document_id)
    WHERE document_id IS NOT NULL AND removed_at IS NULL;
CREATE UNIQUE INDEX work_record_items_dossier ON work_record_items(dossier_id)
    WHERE dossier_id IS NOT NULL AND removed_at IS NULL;
