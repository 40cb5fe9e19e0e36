-- Hubs and the business types (docs/exchange.md "Hubs" and "Revoke and
-- replace"). A hub (the province's LGSP, the national axis) takes envelopes
-- for units it does not host and sends them on unchanged: it logs the
-- envelope received (direction 'in', no document) and queues it out again
-- (direction 'out', the same envelope in the file store), both marked relay.
ALTER TABLE exchange_messages ADD COLUMN relay INTEGER NOT NULL DEFAULT 0 CHECK (relay IN (0, 1));
