-- Hubs and the business types (docs/exchange.md "Hubs" and "Revoke and
-- replace"). A hub (the province's LGSP, the national axis) takes envelopes
-- for units it does not host and sends them on unchanged: it logs the
-- envelope received (direction 'in', no document) and queues it out again
-- (direction 'out', the same envelope in the file store), both marked relay.
ALTER TABLE exchange_messages ADD COLUMN relay INTEGER NOT NULL DEFAULT 0 CHECK (relay IN (0, 1));

-- A status message counts once per envelope. Its code alone is not enough:
-- an update's answer 15 and a later revoke's 15 are two answers (the status
-- envelope does not say which request it answers), while a retried or
-- replayed status is the same bytes (the sender signs it once). So the key
-- of a status received or relayed takes the envelope's hash; the sender's
-- own status rows keep theirs (the answers carry the business type they
-- answer).
DROP INDEX exchange_messages_key;
CREATE UNIQUE INDEX exchange_messages_key ON exchange_messages(direction, kind, edxml_id,
    from_organ, to_organ, business, status_code,
    CASE WHEN kind = 'status' AND (direction = 'in' OR relay = 1) THEN envelope_sha256 ELSE '' END)
    WHERE state <> 'refused';
