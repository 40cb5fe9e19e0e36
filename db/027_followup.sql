-- The leaders' follow-up board of incoming documents (theo dõi chỉ đạo,
-- docs/documents.md "The follow-up board"): how many documents each lead
-- unit has been asked to handle, by deadline and state. Like the dossier
-- figures (db/004_stats.sql), the counters change in the same transaction
-- as the incoming step that moves a document (src/document/followup.c), so
-- the board sums a few rows per unit instead of scanning every document.
--
-- The lead unit is the unit the leader named, or, when an officer leads,
-- the unit that received the document. The state is the document's:
-- assigned (04), handling (05), or completed (06) split into on_time (the
-- local day of completion on or before the deadline) and late. "Overdue" is
-- not stored: it is assigned or handling with a deadline before today,
-- which the board computes at read time from the deadline in the key.
CREATE TABLE followup_counts (
    unit_id  INTEGER NOT NULL REFERENCES units(id),   -- the lead unit
    deadline TEXT NOT NULL,                           -- YYYY-MM-DD, the last day
    state    TEXT NOT NULL CHECK (state IN ('assigned', 'handling', 'on_time', 'late')),
    n        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, deadline, state)
);

-- The documents already assigned before this migration.
INSERT INTO followup_counts(unit_id, deadline, state, n)
SELECT coalesce(i.lead_unit_id, d.unit_id), i.deadline,
       CASE WHEN i.status <> 'completed' THEN i.status
            WHEN date(i.completed_at + 25200, 'unixepoch') <= i.deadline THEN 'on_time'
            ELSE 'late' END,
       count(*)
  FROM document_incoming i JOIN documents d ON d.id = i.document_id
 WHERE i.status IN ('assigned', 'handling', 'completed') AND i.deadline IS NOT NULL
 GROUP BY 1, 2, 3;

-- The board's drill-down: the documents a unit leads.
CREATE INDEX document_incoming_lead_unit ON document_incoming(lead_unit_id, deadline);
