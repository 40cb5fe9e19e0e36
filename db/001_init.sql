-- motcua schema, version 1: units, procedures, accounts, sessions, dossiers,
-- files, the audit chain and settings. Times are Unix seconds (UTC).

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,          -- QĐ 20/2020 electronic identifier
    name        TEXT NOT NULL,
    name_folded TEXT NOT NULL,                 -- without diacritics, for search
    level       TEXT NOT NULL,                 -- province, department, commune, ...
    parent_id   INTEGER REFERENCES units(id),
    path        TEXT NOT NULL,                 -- '/1/5/' ancestors and self, for subtree scopes
    demo_code   INTEGER NOT NULL DEFAULT 0,
    address     TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX units_parent ON units(parent_id);
CREATE INDEX units_path ON units(path);

CREATE TABLE procedures (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,         -- national code, e.g. 1.001193.000.00.00.H56
    code_is_demo INTEGER NOT NULL DEFAULT 0,
    name         TEXT NOT NULL,
    name_folded  TEXT NOT NULL,
    field        TEXT NOT NULL,                -- lĩnh vực
    level_d42    TEXT NOT NULL CHECK (level_d42 IN ('toan_trinh', 'mot_phan')),
    level_old    INTEGER NOT NULL CHECK (level_old IN (2, 3, 4)),
    time_amount  INTEGER NOT NULL CHECK (time_amount >= 0),
    time_unit    TEXT NOT NULL CHECK (time_unit IN ('day', 'hour')),
    fee          INTEGER NOT NULL DEFAULT 0,   -- VND
    fee_note     TEXT NOT NULL DEFAULT '',
    cutoff       INTEGER,                      -- minutes since midnight, or NULL
    result_type  TEXT NOT NULL DEFAULT '',
    time_note    TEXT NOT NULL DEFAULT '',
    handling_level TEXT NOT NULL,              -- commune, province, ...: where it is handled
    handling_units TEXT NOT NULL DEFAULT '[]', -- JSON unit codes; overrides handling_level
    documents    TEXT NOT NULL DEFAULT '[]',   -- JSON [{key,name,originals,copies,required}]
    form         TEXT NOT NULL DEFAULT '{}',   -- JSON e-form schema (docs/eform.md)
    applicant    TEXT NOT NULL DEFAULT '{}',   -- JSON: which form fields name the applicant
    legal_basis  TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE procedure_units (
    procedure_id INTEGER NOT NULL REFERENCES procedures(id),
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    PRIMARY KEY (procedure_id, unit_id)
);

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('citizen', 'staff')),
    login         TEXT NOT NULL UNIQUE,        -- citizen ID number, or staff user name
    full_name     TEXT NOT NULL,
    phone         TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    totp_secret   TEXT,                        -- base32; officers log in with a one-time code
    totp_last_step INTEGER NOT NULL DEFAULT 0, -- the last code's time step: no code twice
    created_at    INTEGER NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,              -- SHA-256 of the cookie value, hex
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    csrf_token  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE dossiers (
    id           INTEGER PRIMARY KEY,
    code         TEXT UNIQUE,                  -- NULL while a draft
    procedure_id INTEGER NOT NULL REFERENCES procedures(id),
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    owner_id     INTEGER REFERENCES accounts(id), -- the citizen's account; NULL for a walk-in without one
    channel      TEXT NOT NULL DEFAULT 'online' CHECK (channel IN ('online', 'desk', 'post')),
    state        TEXT NOT NULL,
    status_code  INTEGER,                      -- national status 1..10, NULL for drafts
    form         TEXT NOT NULL DEFAULT '{}',
    applicant_name    TEXT NOT NULL DEFAULT '',
    applicant_address TEXT NOT NULL DEFAULT '',
    applicant_phone   TEXT NOT NULL DEFAULT '',
    applicant_email   TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    submitted_at INTEGER,
    due_at       INTEGER                       -- ngày hẹn trả: appointment
);
CREATE INDEX dossiers_owner ON dossiers(owner_id, id);
CREATE INDEX dossiers_unit_status ON dossiers(unit_id, status_code);

-- Per unit per local day counter behind the NNNN of dossier codes.
CREATE TABLE dossier_counters (
    unit_id INTEGER NOT NULL REFERENCES units(id),
    day     TEXT NOT NULL,                     -- yyMMdd, local time
    last    INTEGER NOT NULL,
    PRIMARY KEY (unit_id, day)
);

CREATE TABLE dossier_events (
    id          INTEGER PRIMARY KEY,
    dossier_id  INTEGER NOT NULL REFERENCES dossiers(id),
    at          INTEGER NOT NULL,
    state       TEXT NOT NULL,
    status_code INTEGER,
    note        TEXT NOT NULL DEFAULT '',
    actor_id    INTEGER REFERENCES accounts(id),
    public      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX dossier_events_dossier ON dossier_events(dossier_id, id);

-- Attachments are stored once by content hash under DATA/files/.
CREATE TABLE dossier_files (
    id           INTEGER PRIMARY KEY,
    dossier_id   INTEGER NOT NULL REFERENCES dossiers(id),
    name         TEXT NOT NULL,
    document_key TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    uploaded_at  INTEGER NOT NULL,
    UNIQUE (dossier_id, name)
);

-- Hash-chained audit log: hash = SHA-256(prev_hash || canonical entry).
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_id    INTEGER,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '{}',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);

-- Official yearly calendar changes on top of the computed holidays.
CREATE TABLE calendar_overrides (
    day  TEXT PRIMARY KEY,                     -- YYYY-MM-DD
    kind TEXT NOT NULL CHECK (kind IN ('off', 'work')),
    name TEXT NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
