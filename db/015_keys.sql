-- Signing keys and certificates (docs/keys.md). Every unit signs with its
-- organisation key, its seal (con dấu điện tử); officials who sign (leaders)
-- have personal keys; the platform has a system key (the audit log's
-- checkpoints) and a time-stamping key. A private key is never stored in
-- clear: either PKCS#8 PEM encrypted with AES-256 under a key derived from
-- DATA/keys/master.key, or a PKCS#11 URI on a token with its PIN sealed the
-- same way or named by an environment variable.
CREATE TABLE signing_keys (
    id             INTEGER PRIMARY KEY,
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    account_id     INTEGER REFERENCES accounts(id),   -- NULL: the unit's own key
    kind           TEXT NOT NULL CHECK (kind IN ('seal', 'official', 'system', 'tsa', 'ca')),
    source         TEXT NOT NULL CHECK (source IN ('p12', 'pkcs11', 'demo')),
    cert_pem       TEXT NOT NULL,
    chain_pem      TEXT NOT NULL DEFAULT '',          -- intermediates, PEM, may be empty
    subject        TEXT NOT NULL,                     -- RFC 2253, UTF-8
    common_name    TEXT NOT NULL,                     -- the subject's CN: who signs, as shown
    issuer         TEXT NOT NULL,
    serial         TEXT NOT NULL,                     -- hex, upper case
    not_before     INTEGER NOT NULL,                  -- Unix seconds
    not_after      INTEGER NOT NULL,
    key_pem        TEXT,                              -- encrypted PKCS#8 PEM (p12, demo)
    pkcs11_module  TEXT,                              -- the token's PKCS#11 library
    pkcs11_uri     TEXT,                              -- RFC 7512 'pkcs11:...' of the private key
    pin_ref        TEXT,                              -- 'v1:...' sealed PIN, 'env:NAME', or NULL
    image_png      BLOB,                              -- the seal or the handwritten signature
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER,
    revoked_reason TEXT,
    -- An official's key belongs to an account; every other key to the unit.
    CHECK ((kind = 'official') = (account_id IS NOT NULL)),
    CHECK ((source = 'pkcs11') = (pkcs11_uri IS NOT NULL AND pkcs11_module IS NOT NULL)),
    CHECK (source = 'pkcs11' OR key_pem IS NOT NULL),
    CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL)),
    UNIQUE (issuer, serial)
);
CREATE INDEX signing_keys_owner ON signing_keys(unit_id, kind, account_id);

-- Root certificates the server trusts when it checks a chain: the demo
-- root of a demo data directory, and roots an operator adds.
CREATE TABLE trust_anchors (
    id          INTEGER PRIMARY KEY,
    cert_pem    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    fingerprint TEXT NOT NULL UNIQUE,                 -- SHA-256 of the DER, hex
    not_after   INTEGER NOT NULL,
    demo        INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
