-- motcua schema, version 8: what an officer records when confirming a
-- payment at the desk or from the bank statement (docs/payments.md): the
-- receipt number or the bank transaction number, and a remark. Before this
-- version it was kept only in the audit log; payment_json now returns it
-- with the officer's name (payments.confirmed_by).

ALTER TABLE payments ADD COLUMN paid_note TEXT NOT NULL DEFAULT '';

-- Payments confirmed before this version: their note, from the audit entry
-- payment.paid written in the same transaction as the confirmation (at
-- most one per payment: a payment is paid once). One pass over the log.
UPDATE payments SET paid_note = a.note
FROM (SELECT object_id, json_extract(detail, '$.note') AS note
      FROM audit_log
      WHERE action = 'payment.paid' AND object_type = 'payment' AND json_valid(detail)) AS a
WHERE a.object_id = CAST(payments.id AS TEXT) AND typeof(a.note) = 'text'
  AND payments.method IN ('desk', 'bank_transfer');
