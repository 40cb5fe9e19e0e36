-- The exchange message log as proof (docs/exchange.md "The message log"):
-- each logged envelope gets an RFC 3161 timestamp token over its bytes from
-- this node's timestamping, added after the fact by the stamping worker
-- (node/msglog.c) so that sending and receiving never wait for it; the
-- province sets how long the log is kept.

-- The token (DER, a CMS ContentInfo over a TSTInfo), its genTime and the
-- TSA's name as the token says; tsa_tried_at: the last failed try (the
-- worker waits before trying that row again), tsa_error: why.
ALTER TABLE exchange_messages ADD COLUMN tsa_token BLOB;
ALTER TABLE exchange_messages ADD COLUMN tsa_time INTEGER;
ALTER TABLE exchange_messages ADD COLUMN tsa_name TEXT NOT NULL DEFAULT '';
ALTER TABLE exchange_messages ADD COLUMN tsa_tried_at INTEGER;
ALTER TABLE exchange_messages ADD COLUMN tsa_error TEXT NOT NULL DEFAULT '';

-- What the worker looks for: an envelope logged, no token yet.
CREATE INDEX exchange_messages_unstamped ON exchange_messages(id)
    WHERE tsa_token IS NULL AND envelope_sha256 IS NOT NULL;
-- The officers' page lists newest first; the purge looks for the oldest.
CREATE INDEX exchange_messages_created ON exchange_messages(created_at, id);
CREATE INDEX exchange_messages_envelope ON exchange_messages(envelope_sha256);

-- How long the log is kept, in years (one row; `motcua exchange
-- retention`); without a row, the default (MSGLOG_RETENTION_DEFAULT).
CREATE TABLE exchange_retention (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    years INTEGER NOT NULL CHECK (years BETWEEN 1 AND 100),
    set_at INTEGER NOT NULL
);

-- A token is about the envelope its row names: should a row ever name
-- another envelope, its token goes and the worker stamps the new one.
CREATE TRIGGER exchange_messages_envelope_changed AFTER UPDATE OF envelope_sha256
    ON exchange_messages WHEN old.envelope_sha256 IS NOT new.envelope_sha256
BEGIN
    UPDATE exchange_messages SET tsa_token = NULL, tsa_time = NULL, tsa_name = '',
        tsa_tried_at = NULL, tsa_error = '' WHERE id = new.id;
END;
