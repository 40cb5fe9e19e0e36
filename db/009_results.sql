-- motcua schema, version 9: result documents (kết quả giải quyết) that
-- officers attach to a dossier: the signed decision, certificate or extract
-- as a file (PDF or a scan), beside the result PDF drawn from a procedure's
-- template. Kept apart from dossier_files, which holds what the applicant
-- handed in (and which the reports count at receipt).
CREATE TABLE dossier_results (
    id           INTEGER PRIMARY KEY,
    dossier_id   INTEGER NOT NULL REFERENCES dossiers(id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    uploaded_by  INTEGER NOT NULL REFERENCES accounts(id),
    uploaded_at  INTEGER NOT NULL,
    UNIQUE (dossier_id, name)
);
