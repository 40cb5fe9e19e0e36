-- Official documents (văn bản hành chính, Decree 30/2020/NĐ-CP): their
-- types, the registers (sổ văn bản đi / đến) of each unit, year, direction
-- and number series, the documents with every body uploaded, and the
-- register's lines. The outgoing flow (docs/documents.md): a specialist
-- drafts, the head of department reviews, the leader signs, the clerk
-- (văn thư) issues: number and date from the register, the unit's seal,
-- and an incoming copy delivered to each internal recipient unit.

-- The types of data/document-types.json, loaded at init. series: the
-- number series the type counts in (every administrative type shares
-- 'hanh_chinh'; each legal normative type has its own).
CREATE TABLE document_types (
    code         TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    abbreviation TEXT NOT NULL,         -- '' for công văn and thư công
    kind         TEXT NOT NULL CHECK (kind IN ('administrative', 'legal')),
    series       TEXT NOT NULL
);

-- What a unit allows: confidential (mật) documents only where enabled.
CREATE TABLE document_unit_settings (
    unit_id       INTEGER PRIMARY KEY REFERENCES units(id),
    allows_secret INTEGER NOT NULL DEFAULT 0
);

-- One register per unit, year, direction and series. last_number is the
-- last number taken (0 for none yet): the next is last_number + 1, taken
-- by an UPDATE inside the issuing job's transaction, so two issues can
-- never read the same value and a refused issue leaves no gap.
-- closed_at: the year was closed; the register refuses new numbers.
CREATE TABLE document_registers (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    year        INTEGER NOT NULL,
    direction   TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    series      TEXT NOT NULL,
    last_number INTEGER NOT NULL DEFAULT 0,
    closed_at   INTEGER,
    created_at  INTEGER NOT NULL,
    UNIQUE (unit_id, year, direction, series)
);

CREATE TABLE documents (
    id               INTEGER PRIMARY KEY,
    unit_id          INTEGER NOT NULL REFERENCES units(id),
    direction        TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    type_code        TEXT NOT NULL REFERENCES document_types(code),
    summary          TEXT NOT NULL,           -- trích yếu
    priority         TEXT NOT NULL CHECK (priority IN
                         ('thuong', 'khan', 'thuong_khan', 'hoa_toc', 'hoa_toc_hen_gio')),
    confidentiality  TEXT NOT NULL CHECK (confidentiality IN ('thuong', 'mat')),
    state            TEXT NOT NULL CHECK (state IN
                         ('draft', 'in_review', 'returned', 'approved', 'signed', 'issued',
                          'arrived')),
    department       TEXT NOT NULL DEFAULT '', -- the drafting department's abbreviation (VP)
    drafter_id       INTEGER REFERENCES accounts(id),
    reviewer_id      INTEGER REFERENCES accounts(id),
    signer_id        INTEGER REFERENCES accounts(id),  -- who is to sign, then who signed
    signer_title     TEXT NOT NULL DEFAULT '',        -- "CHỦ TỊCH", "KT. CHỦ TỊCH ..."
    due_at           INTEGER,
    recipients_internal TEXT NOT NULL DEFAULT '[]',   -- JSON array of unit ids
    recipients_external TEXT NOT NULL DEFAULT '',     -- nơi nhận outside the platform
    register_id      INTEGER REFERENCES document_registers(id),
    number           INTEGER,
    notation         TEXT,                    -- 12/QĐ-UBND
    issued_on        TEXT,                    -- YYYY-MM-DD, Vietnam time
    sha256           TEXT,                    -- the current PDF in the file store
    size             INTEGER,
    issued_id        INTEGER REFERENCES issued_documents(id),
    source_id        INTEGER REFERENCES documents(id), -- an incoming copy: the outgoing one
    signed_at        INTEGER,
    issued_at        INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    CHECK ((number IS NULL) = (register_id IS NULL)),
    UNIQUE (register_id, number)
);
CREATE INDEX documents_unit ON documents(unit_id, direction, state);
CREATE INDEX documents_source ON documents(source_id);

-- Every body uploaded, kept: who, when, and the review's comment on it.
CREATE TABLE document_versions (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    version     INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('draft', 'signed', 'issued')),
    account_id  INTEGER REFERENCES accounts(id),
    comment     TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    UNIQUE (document_id, version)
);

-- The register's lines (sổ đăng ký văn bản đi / đến): one per number.
CREATE TABLE document_register_entries (
    id          INTEGER PRIMARY KEY,
    register_id INTEGER NOT NULL REFERENCES document_registers(id),
    number      INTEGER NOT NULL,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    notation    TEXT NOT NULL DEFAULT '',
    entered_on  TEXT NOT NULL,                -- YYYY-MM-DD, Vietnam time
    summary     TEXT NOT NULL,
    signer_name TEXT NOT NULL DEFAULT '',
    recipients  TEXT NOT NULL DEFAULT '',
    created_by  INTEGER REFERENCES accounts(id),
    created_at  INTEGER NOT NULL,
    UNIQUE (register_id, number),
    UNIQUE (register_id, document_id)
);
