-- A walk-in dossier is never linked to an account through the ID number a
-- citizen typed at registration: anyone can type anyone's number. The
-- applicant gets a claim code on the receipt instead (mã nhận hồ sơ), and
-- enters it online to follow the dossier; the code is cleared once used.
-- The applicant's ID number, as shown at the desk, is kept for the day
-- accounts carry a verified identity.
ALTER TABLE dossiers ADD COLUMN applicant_id_number TEXT;
ALTER TABLE dossiers ADD COLUMN claim_code TEXT;
