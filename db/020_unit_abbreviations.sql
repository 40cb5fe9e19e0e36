-- The short name a unit signs its documents with (tên viết tắt của cơ quan,
-- Decree 30/2020, Appendix I): the second half of a notation such as
-- 12/QĐ-UBND or 345/STC-VP. The People's Committees of the province and of
-- the communes are "UBND"; the province's departments have their usual
-- short names. Units imported later give theirs in the CSV (empty until
-- then: such a unit cannot number documents, and is told so).
ALTER TABLE units ADD COLUMN abbreviation TEXT NOT NULL DEFAULT '';

UPDATE units SET abbreviation = 'UBND' WHERE level IN ('province', 'commune');
UPDATE units SET abbreviation = CASE code
    WHEN '000.00.01.H56' THEN 'VP'
    WHEN '000.00.02.H56' THEN 'TTPVHCC'
    WHEN '000.00.03.H56' THEN 'STP'
    WHEN '000.00.04.H56' THEN 'STC'
    WHEN '000.00.05.H56' THEN 'SNV'
    WHEN '000.00.06.H56' THEN 'SXD'
    WHEN '000.00.07.H56' THEN 'SNNMT'
    WHEN '000.00.08.H56' THEN 'SKHCN'
    WHEN '000.00.09.H56' THEN 'SCT'
    WHEN '000.00.10.H56' THEN 'SGDĐT'
    WHEN '000.00.11.H56' THEN 'SYT'
    WHEN '000.00.12.H56' THEN 'SVHTTDL'
    WHEN '000.00.13.H56' THEN 'TTr'
    ELSE abbreviation END
 WHERE level = 'department';
