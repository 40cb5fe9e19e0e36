-- motcua schema, version 3: the notification outbox. A status change the
-- citizen should know of writes its messages here in the same transaction
-- as the change; the delivery worker sends them (docs/notifications.md).

CREATE TABLE notify_outbox (
    id              INTEGER PRIMARY KEY,
    dossier_id      INTEGER NOT NULL REFERENCES dossiers(id),
    event_id        INTEGER NOT NULL REFERENCES dossier_events(id),
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient       TEXT NOT NULL,             -- e-mail address or phone number
    subject         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL,             -- plain text (UTF-8)
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0, -- counted when a delivery starts
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    claim           TEXT,                      -- the worker run holding a 'sending' row
    claimed_at      INTEGER,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    -- Idempotency key: one message per dossier event and channel, whatever
    -- retries or repeated calls happen.
    UNIQUE (event_id, channel)
);
CREATE INDEX notify_outbox_due ON notify_outbox(status, next_attempt_at);
CREATE INDEX notify_outbox_dossier ON notify_outbox(dossier_id, id);
