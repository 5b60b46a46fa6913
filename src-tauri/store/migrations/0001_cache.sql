-- The authoritative tables of the cache. Append-only: a released migration is never edited;
-- changes go into a new numbered file.

-- Small settings of this cache, such as the country national phone numbers are read in.
CREATE TABLE cache_setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One system's copy of a customer, as received and as normalized.
CREATE TABLE source_record (
    id          INTEGER PRIMARY KEY,
    system      TEXT NOT NULL,                 -- e.g. 'vendure', 'tryton'
    system_id   TEXT NOT NULL,                 -- the ID that system gives the record
    version     TEXT,                          -- that system's version or timestamp
    raw_payload TEXT NOT NULL,                 -- exactly what the system sent
    normalized  TEXT NOT NULL CHECK (json_valid(normalized)),
    fetched_at  TEXT NOT NULL,                 -- RFC 3339, UTC
    UNIQUE (system, system_id)
);

-- A merged customer: what the rep sees, built from linked source records.
CREATE TABLE customer (
    id           INTEGER PRIMARY KEY,
    display_name TEXT NOT NULL,
    title        TEXT,
    given_name   TEXT NOT NULL DEFAULT '',
    family_name  TEXT NOT NULL DEFAULT '',
    suffix       TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

-- "This source record is this customer." Concord's own, reversible; never a merge in a system.
CREATE TABLE link (
    source_record_id INTEGER PRIMARY KEY REFERENCES source_record (id) ON DELETE CASCADE,
    customer_id      INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    rule             TEXT NOT NULL,            -- why they were linked
    linked_at        TEXT NOT NULL
);
CREATE INDEX link_by_customer ON link (customer_id);

-- Commercial facts about a customer; one row per customer.
CREATE TABLE account (
    customer_id            INTEGER PRIMARY KEY REFERENCES customer (id) ON DELETE CASCADE,
    customer_type          TEXT NOT NULL
                           CHECK (customer_type IN ('retail', 'wholesale', 'tax_exempt')),
    tax_certificate_number TEXT,
    tax_certificate_expiry TEXT,               -- ISO date
    price_level            TEXT,
    pricing_model          TEXT,
    credit_terms           TEXT,
    company                TEXT,
    job_title              TEXT,
    sex                    TEXT,
    birth_date             TEXT                -- ISO date
);

-- Emails and phones. The value as received is always kept; the normalized columns are filled
-- when it could be normalized, and `problem` says why when it could not.
CREATE TABLE contact_point (
    id                INTEGER PRIMARY KEY,
    customer_id       INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    source_record_id  INTEGER REFERENCES source_record (id) ON DELETE SET NULL,
    medium            TEXT NOT NULL CHECK (medium IN ('email', 'phone')),
    kind              TEXT NOT NULL,           -- home, work, mobile, fax, other
    value_as_received TEXT NOT NULL,
    email             TEXT,                    -- normalized address
    e164              TEXT,
    extension         TEXT,
    national_number   TEXT,                    -- national significant number, digits only
    problem           TEXT
);
CREATE INDEX contact_point_by_customer ON contact_point (customer_id);
CREATE INDEX contact_point_by_email ON contact_point (email) WHERE email IS NOT NULL;
CREATE INDEX contact_point_by_e164 ON contact_point (e164) WHERE e164 IS NOT NULL;
CREATE INDEX contact_point_by_national_number ON contact_point (national_number)
    WHERE national_number IS NOT NULL;

-- Every address a customer has; several per customer.
CREATE TABLE address (
    id                  INTEGER PRIMARY KEY,
    customer_id         INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    source_record_id    INTEGER REFERENCES source_record (id) ON DELETE SET NULL,
    kind                TEXT NOT NULL,         -- billing, shipping, home, work, other
    is_default_billing  INTEGER NOT NULL DEFAULT 0 CHECK (is_default_billing IN (0, 1)),
    is_default_shipping INTEGER NOT NULL DEFAULT 0 CHECK (is_default_shipping IN (0, 1)),
    recipient           TEXT,
    company             TEXT,
    line1               TEXT NOT NULL,
    line2               TEXT,
    city                TEXT,
    region              TEXT,
    postcode            TEXT,
    country             TEXT NOT NULL,         -- ISO 3166-1 alpha-2
    standardized        TEXT CHECK (standardized IS NULL OR json_valid(standardized)),
    validation_status   TEXT NOT NULL DEFAULT 'not_checked',
    validation_evidence TEXT CHECK (validation_evidence IS NULL OR json_valid(validation_evidence)),
    postcode_key        TEXT,                  -- postcode for lookup: upper case, no spaces
    house_number        TEXT,                  -- leading number of the delivery line
    updated_at          TEXT NOT NULL
);
CREATE INDEX address_by_customer ON address (customer_id);
CREATE INDEX address_by_postcode ON address (postcode_key, house_number)
    WHERE postcode_key IS NOT NULL;

-- Orders from every channel, with the addresses as they were on the order.
CREATE TABLE customer_order (
    id              INTEGER PRIMARY KEY,
    customer_id     INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    system          TEXT NOT NULL,
    system_order_id TEXT NOT NULL,
    number          TEXT NOT NULL,             -- as the system shows it
    number_key      TEXT NOT NULL,             -- for lookup: no '#', prefix or leading zeros
    channel         TEXT NOT NULL
                    CHECK (channel IN ('web', 'phone', 'mail', 'store', 'marketplace')),
    status          TEXT NOT NULL,
    placed_at       TEXT NOT NULL,
    currency        TEXT NOT NULL,
    subtotal_minor  INTEGER NOT NULL,
    tax_minor       INTEGER NOT NULL,
    shipping_minor  INTEGER NOT NULL,
    total_minor     INTEGER NOT NULL,
    lines           TEXT NOT NULL CHECK (json_valid(lines)),
    bill_to         TEXT CHECK (bill_to IS NULL OR json_valid(bill_to)),
    ship_to         TEXT CHECK (ship_to IS NULL OR json_valid(ship_to)),
    UNIQUE (system, system_order_id)
);
CREATE INDEX customer_order_by_customer ON customer_order (customer_id, placed_at);
CREATE INDEX customer_order_by_number_key ON customer_order (number_key);

-- Where each pull from each system got to.
CREATE TABLE sync_cursor (
    system     TEXT NOT NULL,
    stream     TEXT NOT NULL,                  -- e.g. 'customers', 'orders'
    position   TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (system, stream)
) WITHOUT ROWID;

-- One entry per correction and target system, pushed until confirmed or in conflict.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    correction_id   TEXT NOT NULL,
    customer_id     INTEGER REFERENCES customer (id) ON DELETE SET NULL,
    target_system   TEXT NOT NULL,
    operation       TEXT NOT NULL,
    payload         TEXT NOT NULL CHECK (json_valid(payload)),
    base_version    TEXT,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'in_flight', 'confirmed', 'failed', 'conflict')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (correction_id, target_system)
);
CREATE INDEX outbox_by_state ON outbox (state, next_attempt_at);

-- Decisions waiting for a supervisor, and the decisions taken.
CREATE TABLE review_item (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL
                CHECK (kind IN ('uncertain_match', 'disagreement', 'colliding_edit', 'conflict')),
    customer_id INTEGER REFERENCES customer (id) ON DELETE SET NULL,
    subject     TEXT NOT NULL CHECK (json_valid(subject)),
    evidence    TEXT NOT NULL CHECK (json_valid(evidence)),
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'decided', 'undone')),
    decision    TEXT CHECK (decision IS NULL OR json_valid(decision)),
    decided_by  TEXT,
    decided_at  TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX review_item_by_state ON review_item (state, created_at);

-- Who did what, when. Rows are only ever added.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    customer_id INTEGER,
    detail      TEXT NOT NULL CHECK (json_valid(detail))
);
CREATE INDEX audit_log_by_customer ON audit_log (customer_id, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
