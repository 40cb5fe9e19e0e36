-- motcua schema, version 11: fees charged per unit of something the applicant
-- asks for (8.000 đồng per copy of an extract): the name of the integer
-- form field that counts them, '' for a flat fee. `motcua init` fills it
-- from data/procedures.json (fee.per_field).
ALTER TABLE procedures ADD COLUMN fee_per_field TEXT NOT NULL DEFAULT '';
