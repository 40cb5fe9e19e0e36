-- motcua schema, version 6: complaints and suggestions (phản ánh, kiến nghị)
-- about administrative procedures: received from citizens, assigned,
-- answered within working days, and rated by the citizen.

CREATE TABLE feedback (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('complaint', 'suggestion')),
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    unit_id     INTEGER NOT NULL REFERENCES units(id),   -- the unit concerned
    dossier_id  INTEGER REFERENCES dossiers(id),         -- the dossier it is about, if any
    subject     TEXT NOT NULL,
    content     TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('received', 'assigned', 'answered')),
    assignee_id INTEGER REFERENCES accounts(id),
    received_at INTEGER NOT NULL,
    due_at      INTEGER NOT NULL,                        -- answer due, in working time
    answered_at INTEGER,
    answered_by INTEGER REFERENCES accounts(id),
    answer      TEXT,
    rating      TEXT CHECK (rating IN ('rat_hai_long', 'hai_long', 'khong_hai_long')),
    rated_at    INTEGER
);
CREATE INDEX feedback_account ON feedback(account_id, id);
CREATE INDEX feedback_unit_state ON feedback(unit_id, state);
