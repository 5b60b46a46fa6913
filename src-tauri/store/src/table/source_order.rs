//! `source_order`: one system's copy of an order, as received and as normalized.
//!
//! The customer an order belongs to is decided by matching, so orders are kept here by the
//! system ID of the source record that placed them and `customer_order` is rebuilt from these
//! rows. The bill-to and ship-to snapshots inside `normalized` are the first ones seen: the
//! caller keeps them when it replaces a row (see [`upsert`]), because Tryton sends an order's
//! addresses as they read now, not as they were when the order was placed.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::json_column;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceOrderRow {
    /// Ignored on insert.
    pub id: i64,
    pub system: String,
    pub system_id: String,
    /// The system ID of the source record that placed the order.
    pub customer_system_id: String,
    pub version: Option<String>,
    pub raw_payload: String,
    pub normalized: serde_json::Value,
    pub fetched_at: String,
}

const COLUMNS: &str =
    "id, system, system_id, customer_system_id, version, raw_payload, normalized, fetched_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<SourceOrderRow> {
    Ok(SourceOrderRow {
        id: r.get(0)?,
        system: r.get(1)?,
        system_id: r.get(2)?,
        customer_system_id: r.get(3)?,
        version: r.get(4)?,
        raw_payload: r.get(5)?,
        normalized: json_column(r, 6)?,
        fetched_at: r.get(7)?,
    })
}

/// Stores `order`, replacing the previous copy from the same system and ID, and returns its
/// row id (unchanged on replacement). The row is written as given: keeping the first
/// snapshots is the caller's business, since only it knows which parts are snapshots.
pub fn upsert(conn: &Connection, order: &SourceOrderRow) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO source_order
             (system, system_id, customer_system_id, version, raw_payload, normalized, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (system, system_id) DO UPDATE SET
             customer_system_id = excluded.customer_system_id, version = excluded.version,
             raw_payload = excluded.raw_payload, normalized = excluded.normalized,
             fetched_at = excluded.fetched_at
         RETURNING id",
    )?
    .query_row(
        params![
            order.system,
            order.system_id,
            order.customer_system_id,
            order.version,
            order.raw_payload,
            order.normalized.to_string(),
            order.fetched_at
        ],
        |r| r.get(0),
    )
}

pub fn find(
    conn: &Connection,
    system: &str,
    system_id: &str,
) -> rusqlite::Result<Option<SourceOrderRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM source_order WHERE system = ?1 AND system_id = ?2"
    ))?
    .query_row([system, system_id], from_row)
    .optional()
}

/// The orders placed by one source record, by system ID.
pub fn for_source_customer(
    conn: &Connection,
    system: &str,
    customer_system_id: &str,
) -> rusqlite::Result<Vec<SourceOrderRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM source_order WHERE system = ?1 AND customer_system_id = ?2
         ORDER BY system_id"
    ))?;
    let rows = stmt.query_map([system, customer_system_id], from_row)?;
    rows.collect()
}

/// How many orders the cache holds from `system`.
pub fn count(conn: &Connection, system: &str) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT count(*) FROM source_order WHERE system = ?1")?
        .query_row([system], |r| r.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::cache;

    fn sample(system_id: &str, customer: &str) -> SourceOrderRow {
        SourceOrderRow {
            id: 0,
            system: "tryton".into(),
            system_id: system_id.into(),
            customer_system_id: customer.into(),
            version: Some("1".into()),
            raw_payload: r#"{"id":3,"number":"SO3"}"#.into(),
            normalized: serde_json::json!({ "number": "SO3" }),
            fetched_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn upsert_of_the_same_system_id_replaces_and_keeps_the_row_id() {
        let conn = cache();
        let first = upsert(&conn, &sample("3", "7")).unwrap();
        let mut newer = sample("3", "7");
        newer.version = Some("2".into());

        let second = upsert(&conn, &newer).unwrap();

        assert_eq!(first, second, "one row per system and order ID");
        let stored = find(&conn, "tryton", "3").unwrap().unwrap();
        assert_eq!(stored.version.as_deref(), Some("2"), "the newer copy wins");
        assert_eq!(stored.raw_payload, newer.raw_payload, "kept byte for byte");
    }

    #[test]
    fn orders_are_found_by_the_source_record_that_placed_them() {
        let conn = cache();
        upsert(&conn, &sample("3", "7")).unwrap();
        upsert(&conn, &sample("4", "7")).unwrap();
        upsert(&conn, &sample("5", "8")).unwrap();

        let orders = for_source_customer(&conn, "tryton", "7").unwrap();

        let ids: Vec<&str> = orders.iter().map(|o| o.system_id.as_str()).collect();
        assert_eq!(ids, ["3", "4"], "only the orders of party 7");
        assert_eq!(count(&conn, "tryton").unwrap(), 3, "every order counts");
    }

    #[test]
    fn a_normalized_form_that_is_not_json_is_refused() {
        let conn = cache();

        let result = conn.execute(
            "INSERT INTO source_order
                 (system, system_id, customer_system_id, raw_payload, normalized, fetched_at)
             VALUES ('tryton', '1', '1', '{}', 'not json', 't')",
            [],
        );

        assert!(result.is_err(), "the schema guards the normalized column");
    }
}
