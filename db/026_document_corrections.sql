-- Corrections and recall of issued documents (Decree 30/2020/NĐ-CP, Art. 17
-- on correcting and recalling documents; docs/documents.md "Corrections and
-- recall"). An issued document keeps its number and its register line for
-- ever; what happens to it after is a mark:
--   replaced   a new document, drafted with replaces_id, corrects its
--              content and is issued: the original no longer applies;
--   corrected  a correcting công văn, drafted with corrects_id, fixes its
--              form (a wrong date, a misspelt name);
--   recalled   the unit's leader withdraws it, with a reason.
-- The marks are written inside the job that issues the new document (or
-- recalls), on the original and on every incoming copy delivered of it, so
-- the recipients see them with the document and a recalled copy refuses
-- further steps.

-- The draft's link to the document it replaces or corrects (at most one).
ALTER TABLE documents ADD COLUMN replaces_id INTEGER REFERENCES documents(id);
ALTER TABLE documents ADD COLUMN corrects_id INTEGER REFERENCES documents(id);
CREATE INDEX documents_replaces ON documents(replaces_id) WHERE replaces_id IS NOT NULL;
CREATE INDEX documents_corrects ON documents(corrects_id) WHERE corrects_id IS NOT NULL;

-- by_document_id, notation: the issued outgoing document that replaced or
-- corrected it (none for a recall). marked_on: the day, Vietnam time, as
-- the register's note prints it.
CREATE TABLE document_marks (
    id             INTEGER PRIMARY KEY,
    document_id    INTEGER NOT NULL REFERENCES documents(id),
    kind           TEXT NOT NULL CHECK (kind IN ('replaced', 'corrected', 'recalled')),
    by_document_id INTEGER REFERENCES documents(id),
    notation       TEXT NOT NULL DEFAULT '',
    reason         TEXT NOT NULL DEFAULT '',
    account_id     INTEGER REFERENCES accounts(id),
    marked_on      TEXT NOT NULL,             -- YYYY-MM-DD, Vietnam time
    created_at     INTEGER NOT NULL,
    CHECK ((kind = 'recalled') = (by_document_id IS NULL)),
    CHECK (kind <> 'recalled' OR reason <> '')
);
CREATE INDEX document_marks_doc ON document_marks(document_id, id);
-- A document is replaced once and recalled once; it may be corrected again.
CREATE UNIQUE INDEX document_marks_once ON document_marks(document_id, kind)
    WHERE kind IN ('replaced', 'recalled');

-- A body uploaded as a Word file (DOCX) is kept as it came, under this hash
-- in the file store, beside the PDF LibreOffice made of it, which is the
-- version's body (sha256) and the one signed (docs/documents.md, "Word
-- bodies"). NULL for a PDF uploaded as such.
ALTER TABLE document_versions ADD COLUMN source_sha256 TEXT;
