-- What the pull sync keeps beside the source records: orders as each system holds them, the
-- records it could not read, where each system stands, and which records still need matching.

-- One system's copy of an order. Kept apart from `customer_order` because the customer an
-- order belongs to is decided by matching, which may change; `customer_order` is rebuilt
-- from these rows. The bill-to and ship-to in `normalized` are the first ones seen, never
-- replaced by a later pull: Tryton sends the address as it is now, not as it was.
CREATE TABLE source_order (
    id                 INTEGER PRIMARY KEY,
    system             TEXT NOT NULL,
    system_id          TEXT NOT NULL,
    customer_system_id TEXT NOT NULL,          -- the source record that placed it
    version            TEXT,
    raw_payload        TEXT NOT NULL,
    normalized         TEXT NOT NULL CHECK (json_valid(normalized)),
    fetched_at         TEXT NOT NULL,
    UNIQUE (system, system_id)
);
CREATE INDEX source_order_by_customer ON source_order (system, customer_system_id);

-- A record a pull could not read, with why, so one odd record never stops a sync and nobody
-- loses sight of it. Removed when a later pull reads the record.
CREATE TABLE set_aside (
    id          INTEGER PRIMARY KEY,
    system      TEXT NOT NULL,
    stream      TEXT NOT NULL,                 -- 'customers' or 'orders'
    system_id   TEXT NOT NULL,                 -- '' when even the ID could not be read
    reason      TEXT NOT NULL,
    raw_payload TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    UNIQUE (system, stream, system_id)
);

-- Where each system stands: what the status bar and `concord status` show.
CREATE TABLE sync_status (
    system          TEXT PRIMARY KEY,
    last_attempt_at TEXT,
    last_success_at TEXT,
    last_error      TEXT,
    records_pulled  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Source records stored by a pull and not yet matched into customers. Written in the same
-- transaction as the record, removed in the same transaction as the match, so a crash
-- between the two loses nothing.
CREATE TABLE pending_match (
    source_record_id INTEGER PRIMARY KEY REFERENCES source_record (id) ON DELETE CASCADE
);
