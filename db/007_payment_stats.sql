-- motcua schema, version 7: fees paid, counted by how they were paid, for
-- the QĐ 766 indicator "dossiers whose fees were paid online". Counted on
-- the local day of payment, like the other counters (docs/reports.md).

ALTER TABLE stat_daily ADD COLUMN paid_online INTEGER NOT NULL DEFAULT 0;  -- gateway, bank transfer
ALTER TABLE stat_daily ADD COLUMN paid_desk INTEGER NOT NULL DEFAULT 0;    -- cash or card at the desk
ALTER TABLE stat_monthly ADD COLUMN paid_online INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stat_monthly ADD COLUMN paid_desk INTEGER NOT NULL DEFAULT 0;

-- Fees paid before this version are not in the counters yet.
INSERT OR REPLACE INTO settings(key, value)
SELECT 'report.rebuild_needed', '1' WHERE EXISTS (SELECT 1 FROM payments WHERE status = 'paid');
