-- Certified electronic copies from originals (chứng thực bản sao điện tử từ
-- bản chính, Decree 23/2015/NĐ-CP; docs/certified-copies.md).
--
-- A procedure whose result is a certified copy says so (data/procedures.json
-- "result_kind": "certified_copy").
ALTER TABLE procedures ADD COLUMN result_kind TEXT NOT NULL DEFAULT '';

-- The register of copies certified from originals (sổ chứng thực bản sao từ
-- bản chính) of each unit and year, one row per copy: its number (số chứng
-- thực) runs 1, 2, 3... within the unit's year with no gap and no
-- duplicate, in the book (quyển số) "01/2026-SCT/BS". The number is taken
-- in the write job that records the signed copy: a copy rendered with a
-- number another one took meanwhile is rendered again with the next one,
-- so a refused or failed copy never uses a number.
CREATE TABLE certified_copies (
    id               INTEGER PRIMARY KEY,
    unit_id          INTEGER NOT NULL REFERENCES units(id),   -- the certifying unit
    year             INTEGER NOT NULL,                       -- the register's year (Vietnam time)
    number           INTEGER NOT NULL CHECK (number >= 1),   -- số chứng thực
    book             TEXT NOT NULL,                          -- quyển số: "01/2026-SCT/BS"
    code             TEXT NOT NULL UNIQUE,                   -- the holder's code for reuse
    dossier_id       INTEGER NOT NULL REFERENCES dossiers(id),
    issued_id        INTEGER NOT NULL UNIQUE REFERENCES issued_documents(id), -- the signed PDF
    title            TEXT NOT NULL,                          -- the original, as the officer typed it
    pages            INTEGER NOT NULL CHECK (pages >= 1),
    sources          TEXT NOT NULL,                          -- JSON: [{name, sha256, content_type}]:
                                                             -- the dossier's scans it was made from
    holder_id_number TEXT NOT NULL DEFAULT '',               -- the requester's ID number (the desk's
                                                             -- reuse checks it against the applicant)
    officer_id       INTEGER NOT NULL REFERENCES accounts(id), -- người thực hiện chứng thực
    created_at       INTEGER NOT NULL,
    UNIQUE (unit_id, year, number)
);
CREATE INDEX certified_copies_dossier ON certified_copies(dossier_id);

-- Where a copy was reused: attached by its code to a later dossier instead
-- of a new upload (the file is the copy's signed PDF, by its hash). One row
-- per copy and dossier; attaching it again updates it.
CREATE TABLE certified_copy_uses (
    id           INTEGER PRIMARY KEY,
    copy_id      INTEGER NOT NULL REFERENCES certified_copies(id),
    dossier_id   INTEGER NOT NULL REFERENCES dossiers(id),
    file_name    TEXT NOT NULL,
    document_key TEXT NOT NULL DEFAULT '',
    account_id   INTEGER NOT NULL REFERENCES accounts(id), -- the citizen, or the desk officer
    at           INTEGER NOT NULL,
    UNIQUE (copy_id, dossier_id)
);
CREATE INDEX certified_copy_uses_dossier ON certified_copy_uses(dossier_id);
