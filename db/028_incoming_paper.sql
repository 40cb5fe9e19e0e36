-- Incoming documents from outside the platform (docs/documents.md "Paper
-- documents"): a letter that arrives on paper is scanned and entered by the
-- clerk as an incoming document ('in', 'arrived', no source_id) whose sender
-- is only a name: the organisation printed on it. The interconnection will
-- fill the same column for documents from other servers.
ALTER TABLE documents ADD COLUMN sender_name TEXT NOT NULL DEFAULT '';
