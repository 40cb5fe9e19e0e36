-- motcua schema, version 10: search in the officers' list of complaints and
-- suggestions (phản ánh, kiến nghị) without diacritics (không dấu). Each item
-- keeps its subject, content and sender's name folded as text_fold() in
-- src/base/text.c does, joined by line feeds (which folding never leaves, so
-- a search never matches across two of them); src/feedback/feedback.c writes
-- it for new items.

ALTER TABLE feedback ADD COLUMN search_folded TEXT NOT NULL DEFAULT '';

-- Items sent before this version: folded here, in SQL, the same way. The
-- characters text_fold() changes, as ranges of code points and what each
-- becomes ('' drops it, ' ' is whitespace):
CREATE TEMP TABLE fold_range(lo INTEGER, hi INTEGER, rep TEXT);
INSERT INTO fold_range VALUES
    (0x09, 0x0D, ' '), (0xA0, 0xA0, ' '), (0x2000, 0x200A, ' '), (0x202F, 0x202F, ' '),
    (0x3000, 0x3000, ' '),
    (0xC0, 0xC5, 'a'), (0xC7, 0xC7, 'c'), (0xC8, 0xCB, 'e'), (0xCC, 0xCF, 'i'),
    (0xD0, 0xD0, 'd'), (0xD1, 0xD1, 'n'), (0xD2, 0xD6, 'o'), (0xD8, 0xD8, 'o'),
    (0xD9, 0xDC, 'u'), (0xDD, 0xDD, 'y'),
    (0xE0, 0xE5, 'a'), (0xE7, 0xE7, 'c'), (0xE8, 0xEB, 'e'), (0xEC, 0xEF, 'i'),
    (0xF0, 0xF0, 'd'), (0xF1, 0xF1, 'n'), (0xF2, 0xF6, 'o'), (0xF8, 0xF8, 'o'),
    (0xF9, 0xFC, 'u'), (0xFD, 0xFD, 'y'), (0xFF, 0xFF, 'y'),
    (0x102, 0x103, 'a'), (0x110, 0x111, 'd'), (0x128, 0x129, 'i'), (0x168, 0x169, 'u'),
    (0x1A0, 0x1A1, 'o'), (0x1AF, 0x1B0, 'u'),
    (0x300, 0x36F, ''),
    (0x1EA0, 0x1EB7, 'a'), (0x1EB8, 0x1EC7, 'e'), (0x1EC8, 0x1ECB, 'i'),
    (0x1ECC, 0x1EE3, 'o'), (0x1EE4, 0x1EF1, 'u'), (0x1EF2, 0x1EF9, 'y');

-- One row per character, numbered from 1.
CREATE TEMP TABLE fold_map(n INTEGER PRIMARY KEY, ch TEXT NOT NULL, rep TEXT NOT NULL);
WITH RECURSIVE cp(c, hi, rep) AS (
    SELECT lo, hi, rep FROM fold_range
    UNION ALL
    SELECT c + 1, hi, rep FROM cp WHERE c < hi
)
INSERT INTO fold_map(ch, rep) SELECT char(c), rep FROM cp ORDER BY c;

-- Every character replaced, one step per character; then ASCII lowercased
-- (SQLite's lower() changes ASCII only, as text_fold() does), runs of spaces
-- made one (char(1) cannot be in the text: control characters are refused)
-- and the ends trimmed.
CREATE TEMP TABLE fold_done(id INTEGER PRIMARY KEY, s TEXT NOT NULL);
WITH RECURSIVE step(id, n, a, b, c) AS (
    SELECT f.id, 0, f.subject, f.content, acc.full_name
    FROM feedback f JOIN accounts acc ON acc.id = f.account_id
    UNION ALL
    SELECT step.id, step.n + 1, replace(step.a, m.ch, m.rep), replace(step.b, m.ch, m.rep),
           replace(step.c, m.ch, m.rep)
    FROM step JOIN fold_map m ON m.n = step.n + 1
),
folded(id, a, b, c) AS (
    SELECT id, lower(a), lower(b), lower(c) FROM step
    WHERE n = (SELECT max(n) FROM fold_map)
)
INSERT INTO fold_done(id, s)
SELECT id,
       trim(replace(replace(replace(a, ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''), ' ')
       || char(10) ||
       trim(replace(replace(replace(b, ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''), ' ')
       || char(10) ||
       trim(replace(replace(replace(c, ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''), ' ')
FROM folded;

UPDATE feedback SET search_folded = (SELECT s FROM fold_done WHERE fold_done.id = feedback.id)
WHERE id IN (SELECT id FROM fold_done);

DROP TABLE fold_done;
DROP TABLE fold_map;
DROP TABLE fold_range;
