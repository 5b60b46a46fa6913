-- What resolving keeps beside the merged customers: stable address rows, where each shown
-- value came from, supervisors' decisions that every later resolve respects, and the
-- snapshots that let a decision be undone.

-- An address row is keyed by its source record and the address's own ID in that system, so
-- re-materializing a customer updates the same row instead of adding a new one.
ALTER TABLE address ADD COLUMN system_address_id TEXT;
CREATE UNIQUE INDEX address_by_source ON address (source_record_id, system_address_id)
    WHERE source_record_id IS NOT NULL AND system_address_id IS NOT NULL;

-- Set on customers that resolving built from source records; only those are removed when
-- they have no records left (customers loaded otherwise, such as fixtures, are not resolve's).
ALTER TABLE customer ADD COLUMN resolved INTEGER NOT NULL DEFAULT 0 CHECK (resolved IN (0, 1));

-- When a contact value was first seen on its source record (RFC 3339): "gained this phone
-- from the web store on ...".
ALTER TABLE contact_point ADD COLUMN seen_at TEXT;
CREATE INDEX contact_point_by_source ON contact_point (source_record_id)
    WHERE source_record_id IS NOT NULL;

-- Per merged customer and field: the value shown, the record and rule it came from, and what
-- the other linked records hold. Rewritten whenever the customer is materialized.
CREATE TABLE field_provenance (
    customer_id      INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    field            TEXT NOT NULL,
    value            TEXT NOT NULL,
    system           TEXT NOT NULL,
    source_record_id INTEGER,                  -- NULL for a value a supervisor typed
    system_id        TEXT,
    changed_at       TEXT,
    rule             TEXT NOT NULL,            -- owner, most_recent, most_complete, ...
    others           TEXT NOT NULL CHECK (json_valid(others)),
    disagreement     INTEGER NOT NULL DEFAULT 0 CHECK (disagreement IN (0, 1)),
    PRIMARY KEY (customer_id, field)
) WITHOUT ROWID;

-- A supervisor's choice of a field's value; survivorship shows it until the decision is
-- undone.
CREATE TABLE pinned_value (
    customer_id    INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    field          TEXT NOT NULL,
    value          TEXT NOT NULL,
    review_item_id INTEGER REFERENCES review_item (id),
    pinned_at      TEXT NOT NULL,
    PRIMARY KEY (customer_id, field)
) WITHOUT ROWID;

-- Two source records a supervisor decided are one customer, or not the same person. Keyed by
-- each system's own ID so the decision outlives the cache's row ids. `*_fingerprint` is what
-- the compared fields of each record were when decided: when either changes, the question is
-- put to a supervisor again.
CREATE TABLE pair_decision (
    left_system       TEXT NOT NULL,
    left_id           TEXT NOT NULL,
    right_system      TEXT NOT NULL,
    right_id          TEXT NOT NULL,
    verdict           TEXT NOT NULL CHECK (verdict IN ('same', 'apart')),
    left_fingerprint  TEXT NOT NULL,
    right_fingerprint TEXT NOT NULL,
    review_item_id    INTEGER REFERENCES review_item (id),
    decided_at        TEXT NOT NULL,
    PRIMARY KEY (left_system, left_id, right_system, right_id)
) WITHOUT ROWID;

-- The state a decision changed, as it was before, so undo restores it exactly.
CREATE TABLE decision_snapshot (
    review_item_id INTEGER PRIMARY KEY REFERENCES review_item (id),
    before         TEXT NOT NULL CHECK (json_valid(before)),
    taken_at       TEXT NOT NULL
);

-- Resolving asks "is this question already put?" for every uncertain pair and disagreement.
CREATE INDEX review_item_by_key ON review_item (kind, json_extract(subject, '$.key'));
