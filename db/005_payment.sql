-- motcua schema, version 5: fees and payments (docs/payments.md). A fee is
-- requested by an officer (the workflow step request_payment, status 6);
-- the citizen pays online through a gateway or by bank transfer (VietQR),
-- or at the desk; a confirmed payment resumes processing.

CREATE TABLE payments (
    id           INTEGER PRIMARY KEY,
    dossier_id   INTEGER NOT NULL REFERENCES dossiers(id),
    reference    TEXT UNIQUE,                  -- 'MC' || id: the gateway's txn_ref, the transfer's content
    amount       INTEGER NOT NULL CHECK (amount > 0 AND amount <= 999999999999), -- VND
    purpose      TEXT NOT NULL,                -- what is paid for (Vietnamese, for people)
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'paid', 'cancelled')),
    method       TEXT CHECK (method IN ('gateway', 'bank_transfer', 'desk')), -- set when paid
    gateway      TEXT,                         -- e.g. 'testgw', for method 'gateway'
    gateway_txn  TEXT,                         -- the gateway's transaction number
    note         TEXT NOT NULL DEFAULT '',     -- the officer's note at request / desk confirmation
    requested_by INTEGER REFERENCES accounts(id),
    confirmed_by INTEGER REFERENCES accounts(id), -- the officer for desk / bank transfer
    created_at   INTEGER NOT NULL,
    paid_at      INTEGER,
    cancelled_at INTEGER,
    CHECK ((status = 'paid') = (paid_at IS NOT NULL AND method IS NOT NULL)),
    CHECK ((method = 'gateway') = (gateway_txn IS NOT NULL AND gateway IS NOT NULL)),
    -- Idempotent confirmation: one gateway transaction pays at most one payment.
    UNIQUE (gateway, gateway_txn)
);
-- At most one payment waiting per dossier: a second request cannot race the first.
CREATE UNIQUE INDEX payments_one_pending ON payments(dossier_id) WHERE status = 'pending';
CREATE INDEX payments_dossier ON payments(dossier_id, id);
CREATE INDEX payments_paid_at ON payments(paid_at);

-- The gateway's side of the ledger, for reconciliation: what the gateway says
-- it collected. The local test gateway writes it as it approves; a real
-- gateway's settlement file would be imported here.
CREATE TABLE gateway_records (
    id          INTEGER PRIMARY KEY,
    gateway     TEXT NOT NULL,
    gateway_txn TEXT NOT NULL,
    txn_ref     TEXT NOT NULL,                 -- our payment reference, as the gateway knows it
    amount      INTEGER NOT NULL,              -- VND
    paid_at     INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    UNIQUE (gateway, gateway_txn)
);
CREATE INDEX gateway_records_paid_at ON gateway_records(paid_at);
CREATE INDEX gateway_records_ref ON gateway_records(gateway, txn_ref);
