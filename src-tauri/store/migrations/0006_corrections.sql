-- Corrections made by reps, and what the push needs to send each exactly once and to know its
-- own writes when they come back in a pull.

-- One rep's change to one customer, as the rep made it. The local change, this row and one
-- outbox entry per target system are written in one transaction.
CREATE TABLE correction (
    id              TEXT PRIMARY KEY,          -- random; each outbox entry's idempotency key
                                               -- is derived from it
    customer_id     INTEGER REFERENCES customer (id) ON DELETE SET NULL,
    kind            TEXT NOT NULL,             -- edit_address, add_address, edit_account, ...
    subject         TEXT NOT NULL CHECK (json_valid(subject)),  -- e.g. {"address_id": 3}
    base            TEXT NOT NULL CHECK (json_valid(base)),     -- the fields as the rep saw them
    ours            TEXT NOT NULL CHECK (json_valid(ours)),     -- the fields as the rep set them
    typed           TEXT CHECK (typed IS NULL OR json_valid(typed)), -- an address as typed
    keep_as_entered TEXT,                      -- the rep's reason for keeping what was typed
    reverts         TEXT REFERENCES correction (id),
    -- active: pushed or being pushed; held: collided with another rep's correction in this
    -- cache and waits for a supervisor, nothing queued.
    state           TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'held')),
    actor           TEXT NOT NULL,
    role            TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX correction_by_customer ON correction (customer_id, created_at);

-- The key every write request of an entry carries, so a system (or the sandbox) can tell a
-- repeat from a new write; when the entry was first sent, so a restart knows it may have
-- been applied; and the version the system gave the record after the confirmed write.
ALTER TABLE outbox ADD COLUMN idempotency_key TEXT;
ALTER TABLE outbox ADD COLUMN sent_at TEXT;
ALTER TABLE outbox ADD COLUMN confirmed_version TEXT;
CREATE UNIQUE INDEX outbox_by_idempotency_key ON outbox (idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX outbox_by_customer ON outbox (customer_id, id);

-- What Concord wrote to a system and the version the record had afterwards: a pull that
-- brings back exactly these values is Concord's own write coming back (an echo), not a
-- change made in the system.
CREATE TABLE pushed_write (
    id            INTEGER PRIMARY KEY,
    system        TEXT NOT NULL,
    record_key    TEXT NOT NULL,               -- e.g. 'customer:17' or 'address:42'
    correction_id TEXT NOT NULL REFERENCES correction (id),
    fields        TEXT NOT NULL CHECK (json_valid(fields)),
    version       TEXT,
    written_at    TEXT NOT NULL
);
CREATE INDEX pushed_write_by_record ON pushed_write (system, record_key, id);
