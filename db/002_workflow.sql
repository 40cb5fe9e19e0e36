-- motcua schema, version 2: officers' roles scoped to unit subtrees, the
-- dossier workflow as data, and what processing needs on each dossier.

CREATE TABLE roles (
    name  TEXT PRIMARY KEY,                    -- reception, specialist, leader, ...
    title TEXT NOT NULL                        -- Vietnamese name shown to people
);

CREATE TABLE role_permissions (
    role       TEXT NOT NULL REFERENCES roles(name),
    permission TEXT NOT NULL,                  -- e.g. dossier.receive
    PRIMARY KEY (role, permission)
);

-- An officer holds a role on a unit and, through it, on every unit below.
CREATE TABLE staff_roles (
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    role       TEXT NOT NULL REFERENCES roles(name),
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    PRIMARY KEY (account_id, role, unit_id)
);
CREATE INDEX staff_roles_account ON staff_roles(account_id);

-- Workflow states: each maps to a national status code and says whether
-- the processing clock runs, is paused (supplement, fee) or has stopped.
CREATE TABLE workflow_states (
    workflow    TEXT NOT NULL,
    state       TEXT NOT NULL,
    status_code INTEGER NOT NULL CHECK (status_code BETWEEN 0 AND 10),
    title       TEXT NOT NULL,
    clock       TEXT NOT NULL CHECK (clock IN ('none', 'running', 'paused', 'stopped')),
    PRIMARY KEY (workflow, state)
);

-- Who may move a dossier from one state to another, and what the step
-- needs. to_state '@resume' returns to the state the dossier was paused in.
CREATE TABLE workflow_transitions (
    workflow   TEXT NOT NULL,
    from_state TEXT NOT NULL,
    action     TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    actor      TEXT NOT NULL CHECK (actor IN ('owner', 'staff', 'system')),
    permission TEXT NOT NULL DEFAULT '',       -- for staff
    param      TEXT NOT NULL DEFAULT '',       -- '', 'assignee' or 'unit'
    needs_note INTEGER NOT NULL DEFAULT 0,
    title      TEXT NOT NULL,                  -- the button's Vietnamese label
    PRIMARY KEY (workflow, from_state, action)
);

ALTER TABLE procedures ADD COLUMN workflow TEXT NOT NULL DEFAULT 'default';
-- How the result document is drawn from the form (docs/results.md).
ALTER TABLE procedures ADD COLUMN result_template TEXT NOT NULL DEFAULT '{}';

ALTER TABLE dossiers ADD COLUMN received_by INTEGER REFERENCES accounts(id); -- officer who registered a walk-in
ALTER TABLE dossiers ADD COLUMN current_unit_id INTEGER REFERENCES units(id);
ALTER TABLE dossiers ADD COLUMN assignee_id INTEGER REFERENCES accounts(id);
ALTER TABLE dossiers ADD COLUMN first_due_at INTEGER;     -- the first appointment, never moved
ALTER TABLE dossiers ADD COLUMN remaining_minutes INTEGER; -- working time left while paused
ALTER TABLE dossiers ADD COLUMN resume_state TEXT;         -- where a paused dossier goes back to
ALTER TABLE dossiers ADD COLUMN finished_at INTEGER;       -- when it reached a stopped state
ALTER TABLE dossiers ADD COLUMN applicant_folded TEXT NOT NULL DEFAULT ''; -- name without diacritics, for search
CREATE INDEX dossiers_current_unit ON dossiers(current_unit_id, status_code);
CREATE INDEX dossiers_due ON dossiers(due_at);
CREATE INDEX dossiers_status ON dossiers(status_code, due_at); -- the open set, for the desk's lists

ALTER TABLE dossier_events ADD COLUMN action TEXT NOT NULL DEFAULT '';
ALTER TABLE dossier_events ADD COLUMN from_state TEXT NOT NULL DEFAULT '';
ALTER TABLE dossier_events ADD COLUMN unit_id INTEGER REFERENCES units(id);

-- Apology letters with a new appointment (phiếu xin lỗi và hẹn lại): the
-- first appointment stays in dossiers.first_due_at, each new one is here.
CREATE TABLE dossier_apologies (
    id         INTEGER PRIMARY KEY,
    dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
    n          INTEGER NOT NULL,                -- 1, 2, ... per dossier
    old_due_at INTEGER NOT NULL,
    new_due_at INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    officer_id INTEGER NOT NULL REFERENCES accounts(id),
    at         INTEGER NOT NULL,
    UNIQUE (dossier_id, n)
);

-- How long each unit held a dossier (forwarding between units and levels).
CREATE TABLE dossier_holds (
    id         INTEGER PRIMARY KEY,
    dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    from_at    INTEGER NOT NULL,
    to_at      INTEGER
);
CREATE INDEX dossier_holds_dossier ON dossier_holds(dossier_id);

UPDATE dossiers SET current_unit_id = unit_id, first_due_at = due_at WHERE code IS NOT NULL;
