-- Documents between nodes (docs/exchange.md "Sending and receiving"): which
-- node this server is, the exchange recipients a draft names, and the
-- message log that is also the outbox.

-- This server's node id in the directory (one row; `motcua exchange node`).
CREATE TABLE exchange_node (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    node_id TEXT NOT NULL,
    set_at INTEGER NOT NULL
);

-- Units on other nodes an outgoing document goes to: a JSON array of QĐ 20
-- codes, checked against the directory when the draft is made.
ALTER TABLE documents ADD COLUMN recipients_exchange TEXT NOT NULL DEFAULT '[]';

-- Every envelope sent ('out') and received ('in'). An outgoing row is the
-- outbox entry too: pending -> sending -> delivered (the receiving node
-- answered 2xx), or failed (it refused the envelope); a crash leaves
-- 'sending', which goes back to 'pending' at the next start. An incoming
-- row is 'received' (one row per local To of the envelope, with the
-- document it made) or 'refused' (with the reason; no document).
CREATE TABLE exchange_messages (
    id INTEGER PRIMARY KEY,
    direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    kind TEXT NOT NULL CHECK (kind IN ('document', 'status')),
    -- edXML DocumentId of the document (for a status: its ResponseFor's)
    edxml_id TEXT NOT NULL,
    from_organ TEXT NOT NULL,
    to_organ TEXT NOT NULL,       -- a status goes to ResponseFor/OrganId
    business INTEGER NOT NULL DEFAULT 0,   -- 0 new, 1 revoke, 2 update, 3 replace
    status_code TEXT NOT NULL DEFAULT '',  -- a status message's code; '' for a document
    -- out document: the issued document; out status: the incoming document it
    -- is about; in: the incoming document made (NULL for a status or a refusal)
    document_id INTEGER REFERENCES documents(id),
    node_id TEXT NOT NULL DEFAULT '',      -- the other node (recipient or sender)
    envelope_sha256 TEXT,                  -- the signed envelope in the file store
    envelope_size INTEGER,                 -- (out: written at the first attempt)
    verdict TEXT NOT NULL DEFAULT '',      -- in: 'valid' or the refusal's code
    signer TEXT NOT NULL DEFAULT '',       -- the signing certificate's subject
    directory_version INTEGER,             -- the directory the message was checked with
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'delivered', 'failed',
                                         'received', 'refused')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    claim TEXT,
    claimed_at INTEGER,
    last_status TEXT NOT NULL DEFAULT '',  -- out document: the recipient's latest status
    last_status_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- Never doubled: a retried or replayed envelope is the same key (DocumentId,
-- From, To, business type; and the code for a status). Refusals are logged
-- apart: the same forged envelope twice is two refusals.
CREATE UNIQUE INDEX exchange_messages_key ON exchange_messages(direction, kind, edxml_id,
    from_organ, to_organ, business, status_code) WHERE state <> 'refused';
CREATE INDEX exchange_messages_due ON exchange_messages(state, next_attempt_at)
    WHERE direction = 'out';
CREATE INDEX exchange_messages_document ON exchange_messages(document_id);
-- In order per recipient: the sender looks for an older message still
-- waiting for the same unit.
CREATE INDEX exchange_messages_recipient ON exchange_messages(to_organ, id)
    WHERE direction = 'out' AND state IN ('pending', 'sending');
