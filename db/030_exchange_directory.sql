-- The directory of the interconnection (docs/exchange.md "Nodes and the
-- directory"): every version this node has accepted, newest last. The
-- current one is the row with the highest version; only it keeps its
-- signed bytes (the database, not DATA/exchange/directory.cms, is the
-- truth). The versions stay so a message log can say which directory a
-- message was checked against.
CREATE TABLE exchange_directory (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL UNIQUE CHECK (version >= 1),
    issuer TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    fetched_at INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    source TEXT NOT NULL,
    signed BLOB
);
