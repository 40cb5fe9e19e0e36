-- Data-sharing services between nodes (docs/exchange.md "Data-sharing
-- services"). exchange_service_access: which consumer units (OrganId) may
-- call which service this node offers. exchange_calls: every call, on the
-- consumer's node (side 'consumer') and on the provider's (side
-- 'provider'), with the signed request and the signed answer as they
-- travelled (each holds its signature), so either side can prove who asked
-- what and what was answered. exchange_nonces: the request nonces a
-- provider has accepted, kept while the request's time is within the
-- window, so a replayed request is refused.
CREATE TABLE exchange_service_access (
    service TEXT NOT NULL,
    organ TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (service, organ)
);

CREATE TABLE exchange_calls (
    id INTEGER PRIMARY KEY,
    side TEXT NOT NULL CHECK (side IN ('consumer', 'provider')),
    service TEXT NOT NULL,
    from_organ TEXT NOT NULL,
    to_organ TEXT NOT NULL,
    nonce TEXT NOT NULL,
    request_time INTEGER NOT NULL,
    at INTEGER NOT NULL,
    status INTEGER NOT NULL,
    result TEXT NOT NULL,
    account_id INTEGER,
    request_sha256 TEXT NOT NULL,
    request BLOB,
    answer_sha256 TEXT,
    answer BLOB
);
CREATE INDEX exchange_calls_at ON exchange_calls (at);

CREATE TABLE exchange_nonces (
    from_organ TEXT NOT NULL,
    nonce TEXT NOT NULL,
    request_time INTEGER NOT NULL,
    PRIMARY KEY (from_organ, nonce)
);
