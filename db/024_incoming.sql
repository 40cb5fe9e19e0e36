-- Incoming official documents (văn bản đến, Decree 30/2020/NĐ-CP Art. 21-24):
-- what happens to the copy db/021 delivers to a recipient unit (documents
-- row, direction 'in', state 'arrived'). The clerk checks its signatures and
-- registers it with the unit's incoming number (số đến, from the register
-- 'in' / 'den' of the year, gap-free like the outgoing numbers), or refuses
-- it back with a reason; the leader names who leads (an officer or a unit),
-- who supports, the instruction and a deadline; the lead officer handles it
-- and completes it. The statuses are the exchange's codes, which the sender
-- reads on its outgoing document: 01 arrived (no row here yet), 02 refused,
-- 03 registered, 04 assigned, 05 being handled, 06 completed.
--
-- documents.state stays 'arrived' for every incoming copy: its CHECK can only
-- be widened by rebuilding the table, which others reference; the incoming
-- side's own state lives here, one row per copy from its first step.
CREATE TABLE document_incoming (
    document_id      INTEGER PRIMARY KEY REFERENCES documents(id),
    status           TEXT NOT NULL CHECK (status IN
                         ('refused', 'registered', 'assigned', 'handling', 'completed')),
    register_id      INTEGER REFERENCES document_registers(id),
    number           INTEGER,                 -- số đến
    registered_by    INTEGER REFERENCES accounts(id),
    registered_at    INTEGER,
    refused_reason   TEXT NOT NULL DEFAULT '',
    lead_account_id  INTEGER REFERENCES accounts(id),
    lead_unit_id     INTEGER REFERENCES units(id),
    support_accounts TEXT NOT NULL DEFAULT '[]',  -- JSON array of account ids
    support_units    TEXT NOT NULL DEFAULT '[]',  -- JSON array of unit ids
    instruction      TEXT NOT NULL DEFAULT '',    -- ý kiến chỉ đạo
    deadline         TEXT,                        -- YYYY-MM-DD, the last day
    assigned_by      INTEGER REFERENCES accounts(id),
    assigned_at      INTEGER,
    handled_by       INTEGER REFERENCES accounts(id),
    completed_at     INTEGER,
    note             TEXT NOT NULL DEFAULT '',    -- the handler's last note
    updated_at       INTEGER NOT NULL,
    CHECK ((number IS NULL) = (register_id IS NULL)),
    UNIQUE (register_id, number)
);
CREATE INDEX document_incoming_status ON document_incoming(status, deadline);

-- Every step of an incoming document: the exchange's status code, who,
-- when, and the step's text (a refusal's reason, the instruction, a note).
CREATE TABLE document_incoming_history (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    status      TEXT NOT NULL CHECK (status IN ('02', '03', '04', '05', '06')),
    account_id  INTEGER REFERENCES accounts(id),
    note        TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX document_incoming_history_doc ON document_incoming_history(document_id, id);
