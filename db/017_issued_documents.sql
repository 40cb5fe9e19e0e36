-- Documents the platform issues signed (văn bản điện tử đã ký số): the
-- receipt (giấy tiếp nhận hồ sơ và hẹn trả kết quả), the result a leader
-- approves, apology letters and certified electronic copies (bản sao điện
-- tử có chứng thực). Each carries a QR code to the public verification page
-- /xac-thuc/{public_id}. The file itself is in the file store under sha256.
-- A row is written 'pending' in the transaction of the event that issues
-- the document (an outbox: nothing is lost if signing has to wait), and
-- becomes 'signed' once signed and timestamped, or 'awaiting_timestamp'
-- when it is signed but the timestamp authority could not be reached; the
-- timestamp is added later in place (docs/signatures.md).
CREATE TABLE issued_documents (
    id              INTEGER PRIMARY KEY,
    public_id       TEXT NOT NULL UNIQUE,     -- 20 characters of [a-z2-7]: the QR's id
    kind            TEXT NOT NULL CHECK (kind IN ('receipt', 'result', 'apology', 'certified_copy')),
    unit_id         INTEGER NOT NULL REFERENCES units(id),
    dossier_id      INTEGER REFERENCES dossiers(id),
    ref             TEXT NOT NULL DEFAULT '', -- which one of the dossier's: a result file's
                                              -- name, an apology's number, a copy's register number
    title           TEXT NOT NULL,            -- what it is, as the public page shows it
    state           TEXT NOT NULL CHECK (state IN ('pending', 'signed', 'awaiting_timestamp', 'failed')),
    sha256          TEXT,                     -- the file as issued; NULL while pending
    size            INTEGER,
    signers         TEXT NOT NULL DEFAULT '[]', -- JSON: [{role, name, title, organisation, serial, at}]
    error           TEXT,                     -- why the last try failed, for the officers
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,                  -- when the worker tries again (pending, awaiting_timestamp)
    created_at      INTEGER NOT NULL,
    signed_at       INTEGER,
    timestamped_at  INTEGER,
    CHECK ((state IN ('pending', 'failed')) = (sha256 IS NULL)),
    UNIQUE (dossier_id, kind, ref)
);
CREATE INDEX issued_documents_sha ON issued_documents(sha256);
CREATE INDEX issued_documents_due ON issued_documents(state, next_attempt_at);
