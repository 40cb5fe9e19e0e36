-- Signed, timestamped checkpoints of the audit chain (sign/checkpoint.h):
-- each certifies the hashes of the entries since the previous one. Kept
-- apart from audit_log, and exported to a file kept elsewhere, so that
-- rewriting or truncating the log shows (docs/audit.md).
CREATE TABLE audit_checkpoints (
    id INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL,
    first_entry INTEGER NOT NULL,
    last_entry INTEGER NOT NULL UNIQUE,
    statement TEXT NOT NULL,          -- the signed text: entry ids and hashes
    signature BLOB NOT NULL,          -- CMS SignedData, DER, detached
    timestamp_token BLOB              -- RFC 3161 token over the signature; NULL until obtained
);
