//! Source records built by hand in a private cache, the way the pull sync stores them, so the
//! resolve tests depend on no system and no sandbox.

#![allow(dead_code)]

use concord_core::source::{CrossRef, SourceAddress, SourceContact, SourceCustomer, SourceOrder};
use concord_store::resolve::{resolve_pending, ResolveReport, ResolveSettings};
use rusqlite::{params, Connection};

pub const T0: &str = "2026-05-01T10:00:00Z";

pub fn cache() -> Connection {
    concord_store::open_in_memory().expect("an in-memory cache always opens")
}

/// A customer record of one system, filled in step by step.
#[derive(Clone)]
pub struct Record(pub SourceCustomer);

impl Record {
    pub fn new(system: &str, id: &str) -> Record {
        Record(SourceCustomer {
            system: system.into(),
            system_id: id.into(),
            changed_at: Some(T0.into()),
            ..SourceCustomer::default()
        })
    }

    pub fn web(id: &str) -> Record {
        Record::new("vendure", id)
    }

    pub fn erp(id: &str) -> Record {
        Record::new("tryton", id)
    }

    pub fn name(mut self, given: &str, family: &str) -> Record {
        self.0.given_name = Some(given.into());
        self.0.family_name = Some(family.into());
        self
    }

    pub fn full_name(mut self, full: &str) -> Record {
        self.0.full_name = Some(full.into());
        self
    }

    pub fn registered(mut self) -> Record {
        self.0.registered = true;
        self
    }

    pub fn email(mut self, value: &str) -> Record {
        self.0.emails.push(SourceContact {
            kind: "home".into(),
            value: value.into(),
            ..SourceContact::default()
        });
        self
    }

    pub fn phone(mut self, value: &str) -> Record {
        self.0.phones.push(SourceContact {
            kind: "mobile".into(),
            value: value.into(),
            ..SourceContact::default()
        });
        self
    }

    pub fn address(mut self, id: &str, line1: &str, city: &str, postcode: &str) -> Record {
        self.0.addresses.push(SourceAddress {
            system_id: id.into(),
            kind: "shipping".into(),
            default_shipping: self.0.addresses.is_empty(),
            line1: Some(line1.into()),
            city: Some(city.into()),
            postcode: Some(postcode.into()),
            country: Some("US".into()),
            ..SourceAddress::default()
        });
        self
    }

    pub fn birth_date(mut self, date: &str) -> Record {
        self.0.birth_date = Some(date.into());
        self
    }

    pub fn price_level(mut self, level: &str) -> Record {
        self.0.account.price_level = Some(level.into());
        self
    }

    pub fn customer_type(mut self, kind: &str) -> Record {
        self.0.account.customer_type = Some(kind.into());
        self
    }

    pub fn cross_ref(mut self, system: &str, id: &str) -> Record {
        self.0.cross_refs.push(CrossRef {
            system: system.into(),
            system_id: id.into(),
        });
        self
    }

    pub fn changed_at(mut self, at: &str) -> Record {
        self.0.changed_at = Some(at.into());
        self
    }
}

/// Stores a record as a pull does: the row (replacing the previous version) and, when its
/// normalized content changed, a pending_match entry. Returns the record's row id.
pub fn pull(conn: &Connection, record: &Record) -> i64 {
    let c = &record.0;
    let normalized = serde_json::to_string(c).unwrap();
    let previous: Option<String> = conn
        .query_row(
            "SELECT normalized FROM source_record WHERE system = ?1 AND system_id = ?2",
            params![c.system, c.system_id],
            |r| r.get(0),
        )
        .ok();
    conn.execute(
        "INSERT INTO source_record (system, system_id, version, raw_payload, normalized,
             fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5)
         ON CONFLICT (system, system_id) DO UPDATE SET normalized = excluded.normalized,
             raw_payload = excluded.raw_payload, fetched_at = excluded.fetched_at",
        params![c.system, c.system_id, c.version, normalized, T0],
    )
    .unwrap();
    let id: i64 = conn
        .query_row(
            "SELECT id FROM source_record WHERE system = ?1 AND system_id = ?2",
            params![c.system, c.system_id],
            |r| r.get(0),
        )
        .unwrap();
    if previous.as_deref() != Some(normalized.as_str()) {
        conn.execute(
            "INSERT OR IGNORE INTO pending_match (source_record_id) VALUES (?1)",
            [id],
        )
        .unwrap();
    }
    id
}

/// Stores an order placed by `customer_system_id`, as a pull does.
pub fn pull_order(conn: &Connection, system: &str, id: &str, customer_system_id: &str) {
    let order = SourceOrder {
        system: system.into(),
        system_id: id.into(),
        customer_system_id: customer_system_id.into(),
        number: format!("WEB-{id}"),
        channel: "web".into(),
        status: "placed".into(),
        placed_at: T0.into(),
        currency: "USD".into(),
        total_minor: 1_000,
        ship_to: Some(SourceAddress {
            line1: Some("1 Order Lane".into()),
            country: Some("US".into()),
            ..SourceAddress::default()
        }),
        ..SourceOrder::default()
    };
    conn.execute(
        "INSERT INTO source_order (system, system_id, customer_system_id, raw_payload,
             normalized, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5)
         ON CONFLICT (system, system_id) DO NOTHING",
        params![
            system,
            id,
            customer_system_id,
            serde_json::to_string(&order).unwrap(),
            T0
        ],
    )
    .unwrap();
}

pub fn resolve(conn: &mut Connection) -> ResolveReport {
    resolve_pending(conn, T0, &ResolveSettings::default()).expect("resolving succeeds")
}

pub fn resolve_at(conn: &mut Connection, now: &str) -> ResolveReport {
    resolve_pending(conn, now, &ResolveSettings::default()).expect("resolving succeeds")
}

/// The customer a source record is linked to.
pub fn customer_of(conn: &Connection, system: &str, id: &str) -> Option<i64> {
    conn.query_row(
        "SELECT l.customer_id FROM link l JOIN source_record r ON r.id = l.source_record_id
         WHERE r.system = ?1 AND r.system_id = ?2",
        params![system, id],
        |r| r.get(0),
    )
    .ok()
}

pub fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// Every row that a decision may change, in a fixed order, as text: two dumps are equal
/// exactly when the cache holds the same links, customers, accounts, contacts, addresses,
/// pinned values, pair decisions and provenance.
pub fn canonical_dump(conn: &Connection) -> String {
    let tables = [
        ("link", "source_record_id"),
        ("customer", "id"),
        ("account", "customer_id"),
        ("contact_point", "id"),
        ("address", "id"),
        ("customer_order", "id"),
        ("pinned_value", "customer_id, field"),
        (
            "pair_decision",
            "left_system, left_id, right_system, right_id",
        ),
        ("field_provenance", "customer_id, field"),
        ("search_document", "customer_id"),
    ];
    let mut out = String::new();
    for (table, order) in tables {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))
            .unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let mut cells = Vec::new();
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    cells.push(format!("{v:?}"));
                }
                Ok(cells.join(" | "))
            })
            .unwrap();
        out.push_str(&format!("== {table}\n"));
        for row in rows {
            out.push_str(&row.unwrap());
            out.push('\n');
        }
    }
    out
}
