-- The LGSP interface (docs/exchange.md "The LGSP interface"): e-office
-- products that are not motcua use this node as their provincial hub. Each
-- organisation (OrganId) such a product acts for is registered here with a
-- secret token (only its SHA-256 is kept), and the envelopes addressed to it
-- wait in a queue until the product fetches them and confirms.

CREATE TABLE lgsp_organs (
    organ TEXT PRIMARY KEY,            -- OrganId (QĐ 20 code)
    name TEXT NOT NULL,
    token_sha256 TEXT NOT NULL,        -- hex SHA-256 of the token `lgsp add` printed
    created_at INTEGER NOT NULL,
    revoked_at INTEGER                 -- NULL while the token is good
);

-- One row per envelope held for an organisation: its docId is the row id.
-- The envelope's bytes are in the file store under envelope_sha256, logged
-- in exchange_messages (direction 'in', state 'received') as message_id.
CREATE TABLE lgsp_pending (
    id INTEGER PRIMARY KEY,
    organ TEXT NOT NULL REFERENCES lgsp_organs(organ),
    message_id INTEGER NOT NULL REFERENCES exchange_messages(id),
    kind TEXT NOT NULL CHECK (kind IN ('document', 'status')),
    edxml_id TEXT NOT NULL,            -- the DocumentId (a status: its ResponseFor's)
    from_organ TEXT NOT NULL,
    envelope_sha256 TEXT NOT NULL,
    envelope_size INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER               -- set by confirmReceived: no longer pending
);
CREATE INDEX lgsp_pending_organ ON lgsp_pending(organ, id) WHERE confirmed_at IS NULL;
