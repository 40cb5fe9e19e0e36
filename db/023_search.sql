-- motcua schema, version 23: full-text search over official documents
-- (văn bản: decisions, official letters, plans...) for the e-office. The
-- documents module indexes a document through src/search/ (search_index)
-- in its own write job; officers query it through search_query. See
-- docs/search.md.
--
-- search_docs holds one row per indexed item: what the filters and the
-- officer's scope test (kind, unit and its path, type, register, date,
-- signer, status); search_text the item's ORIGINAL text (title, summary,
-- number, body), with diacritics.
--
-- search_fts is an FTS5 index with search_text as its external content.
-- What is indexed is not the original text but text folded by text_fold()
-- (src/base/text.c: no diacritics, đ -> d, lowercase), inserted by
-- src/search/search.c; the tokenizer never sees a diacritic. Why external
-- content over the ORIGINAL text rather than a contentless table or a copy
-- of the folded text:
--   - snippet() re-reads a column from the content table and re-tokenizes
--     it to place the phrase positions the index gives. Folding maps every
--     character to one character of the same class (a letter to a letter,
--     a space to a space; combining marks U+0300-U+036F vanish inside their
--     word, which is why the tokenizer counts Mn as a word character), so
--     token N of the original is token N of the folded text, and snippets
--     come out in the original Vietnamese, with the matches marked.
--   - The text is stored once (not once folded and once original).
--   - A contentless table cannot give snippets, and on SQLite 3.40
--     (Debian 12) it cannot delete a row without its indexed values
--     (contentless_delete arrived in 3.43) - which would have to be stored
--     anyway.
-- The price: the index does not follow the content by itself. search.c
-- deletes a row from the index with the 'delete' command and the folded
-- values (folded again from search_text) before it changes or removes the
-- row, and FTS5's own 'rebuild' must never be run (it would index the
-- original text, diacritics and all): search_rebuild() in search.c is the
-- rebuild (a migration calls it if text_fold ever folds differently).
--
-- Columns of the index: title, summary (trích yếu), number (số, ký hiệu:
-- "12/QĐ-UBND"), body (the document's text, from its PDF), and scope: one
-- token for the item's unit and one for each unit above it (U+E000 then
-- "1", "1x5", "1x5x23" for /1/5/23/: a private-use character that no
-- query word can hold, src/search/match.c). A query ANDs the officer's
-- units (scope : ("<U+E000>1x5" OR ...)) with the words, so the index
-- itself leaves out what the officer may not see, before any ranking: a
-- commune's search ranks the commune's documents, not the province's.
-- bm25 weights the columns 10, 4, 5, 1 and 0 at query time. prefix='2 3'
-- keeps prefix queries on the last word (what the officer is still typing)
-- fast on a million documents.

CREATE TABLE search_docs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,            -- what the item is: 'incoming', 'outgoing', ... (the caller's)
    ref_id INTEGER NOT NULL,       -- its id in the caller's own table
    unit_id INTEGER NOT NULL,      -- the unit it belongs to
    unit_path TEXT NOT NULL,       -- that unit's path, '/1/5/23/' (units.path)
    doc_type TEXT NOT NULL DEFAULT '', -- loại văn bản: 'QĐ', 'CV', 'KH', ...
    register TEXT NOT NULL DEFAULT '', -- sổ văn bản: the register it is entered in
    doc_date TEXT NOT NULL DEFAULT '', -- ngày văn bản, 'YYYY-MM-DD', or ''
    signer TEXT NOT NULL DEFAULT '',   -- người ký, as written
    signer_folded TEXT NOT NULL DEFAULT '', -- the same, text_fold()ed, for the filter
    status TEXT NOT NULL DEFAULT '',   -- the caller's status
    indexed_at INTEGER NOT NULL,   -- Unix seconds
    UNIQUE (kind, ref_id)
);

-- The text, apart from the filters: a query tests the filters and the
-- scope of every match, and those rows stay small and close together
-- (a few per page) instead of sharing pages with bodies of up to 512 KiB.
-- Same id as search_docs.
CREATE TABLE search_text (
    id INTEGER PRIMARY KEY REFERENCES search_docs(id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    number TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    scope TEXT NOT NULL DEFAULT '' -- the scope tokens of unit_path (below)
);

CREATE INDEX search_docs_date ON search_docs(doc_date, id);

CREATE VIRTUAL TABLE search_fts USING fts5(
    title, summary, number, body, scope,
    content = 'search_text', content_rowid = 'id',
    tokenize = "unicode61 remove_diacritics 0 categories 'L* N* Co Mn'",
    prefix = '2 3'
);
