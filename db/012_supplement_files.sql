-- motcua schema, version 12: which supplement request a file was sent with
-- (the dossier_events row of the request), NULL for files of the draft or
-- registered at the desk. The applicant may take back a file sent with the
-- supplement still open, never one handed in before; officers see which
-- files came with which request.
ALTER TABLE dossier_files ADD COLUMN supplement_event_id INTEGER REFERENCES dossier_events(id);
