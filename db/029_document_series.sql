-- Number series of a unit's own boards (Decree 30/2020 Art. 15.2): a council,
-- board or team (hội đồng, ban, tổ) that is named as the issuing body and uses
-- the unit's seal numbers its documents in a series of its own, with its own
-- abbreviation in the notation (05/QĐ-HĐTĐKT). The unit's head sets them up;
-- a draft names one, or takes its type's series (docs/documents.md "Series").
CREATE TABLE document_series (
    id           INTEGER PRIMARY KEY,
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    code         TEXT NOT NULL,          -- the register's series key: [a-z0-9_], 2-32
    name         TEXT NOT NULL,          -- Hội đồng Thi đua - Khen thưởng phường
    abbreviation TEXT NOT NULL,          -- HĐTĐKT, in place of the unit's in the notation
    created_by   INTEGER REFERENCES accounts(id),
    created_at   INTEGER NOT NULL,
    UNIQUE (unit_id, code)
);
ALTER TABLE documents ADD COLUMN series_code TEXT; -- a board's series, NULL: the type's
