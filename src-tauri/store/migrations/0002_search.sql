-- The search index: a rebuildable cache of the authoritative tables.
--
-- `search_document` holds, per customer, the folded text that name and company search runs
-- on. `search_fts` is an FTS5 external-content index over it, kept in step by the triggers
-- below in the way SQLite documents for external content: removal goes through the special
-- 'delete' command with the old values, never through UPDATE or DELETE on the index.

CREATE TABLE search_document (
    customer_id INTEGER PRIMARY KEY REFERENCES customer (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    company     TEXT NOT NULL,
    place       TEXT NOT NULL                  -- street lines and cities of every address
);

CREATE VIRTUAL TABLE search_fts USING fts5 (
    name, company, place,
    content = 'search_document',
    content_rowid = 'customer_id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);

CREATE TRIGGER search_document_after_insert AFTER INSERT ON search_document
BEGIN
    INSERT INTO search_fts (rowid, name, company, place)
    VALUES (new.customer_id, new.name, new.company, new.place);
END;

CREATE TRIGGER search_document_after_delete AFTER DELETE ON search_document
BEGIN
    INSERT INTO search_fts (search_fts, rowid, name, company, place)
    VALUES ('delete', old.customer_id, old.name, old.company, old.place);
END;

CREATE TRIGGER search_document_after_update AFTER UPDATE ON search_document
BEGIN
    INSERT INTO search_fts (search_fts, rowid, name, company, place)
    VALUES ('delete', old.customer_id, old.name, old.company, old.place);
    INSERT INTO search_fts (rowid, name, company, place)
    VALUES (new.customer_id, new.name, new.company, new.place);
END;

-- The index's own term list, read when the typo vocabulary is rebuilt.
CREATE VIRTUAL TABLE search_fts_terms USING fts5vocab (search_fts, 'row');

-- Typo tolerance: every indexed word, and every form of it with one character deleted
-- (a symmetric-deletion index). Two words within one edit of each other share a key.
CREATE TABLE search_term (
    term TEXT PRIMARY KEY
) WITHOUT ROWID;

CREATE TABLE search_term_deletion (
    deletion TEXT NOT NULL,
    term     TEXT NOT NULL,
    PRIMARY KEY (deletion, term)
) WITHOUT ROWID;
