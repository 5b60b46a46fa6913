//! `source_record`: one system's copy of a customer, as received and as normalized.
//!
//! The raw payload is stored byte for byte as the system sent it, so nothing it said is lost
//! even when normalization did not understand it. One row per system and system ID.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::json_column;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceRecord {
    /// Ignored on insert.
    pub id: i64,
    pub system: String,
    pub system_id: String,
    pub version: Option<String>,
    pub raw_payload: String,
    pub normalized: serde_json::Value,
    pub fetched_at: String,
}

const COLUMNS: &str = "id, system, system_id, version, raw_payload, normalized, fetched_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<SourceRecord> {
    Ok(SourceRecord {
        id: r.get(0)?,
        system: r.get(1)?,
        system_id: r.get(2)?,
        version: r.get(3)?,
        raw_payload: r.get(4)?,
        normalized: json_column(r, 5)?,
        fetched_at: r.get(6)?,
    })
}

/// Stores `record`, replacing the previous copy from the same system and ID, and returns its
/// row id (unchanged on replacement, so links stay valid).
pub fn upsert(conn: &Connection, record: &SourceRecord) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO source_record (system, system_id, version, raw_payload, normalized, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (system, system_id) DO UPDATE SET
             version = excluded.version, raw_payload = excluded.raw_payload,
             normalized = excluded.normalized, fetched_at = excluded.fetched_at
         RETURNING id",
    )?
    .query_row(
        params![
            record.system,
            record.system_id,
            record.version,
            record.raw_payload,
            record.normalized.to_string(),
            record.fetched_at
        ],
        |r| r.get(0),
    )
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<SourceRecord>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM source_record WHERE id = ?1"
    ))?
    .query_row([id], from_row)
    .optional()
}

pub fn find(
    conn: &Connection,
    system: &str,
    system_id: &str,
) -> rusqlite::Result<Option<SourceRecord>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM source_record WHERE system = ?1 AND system_id = ?2"
    ))?
    .query_row([system, system_id], from_row)
    .optional()
}

/// The source records linked to a customer, by system then system ID.
pub fn for_customer(conn: &Connection, customer_id: i64) -> rusqlite::Result<Vec<SourceRecord>> {
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("s.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {cols} FROM source_record s JOIN link l ON l.source_record_id = s.id
         WHERE l.customer_id = ?1 ORDER BY s.system, s.system_id"
    ))?;
    let rows = stmt.query_map([customer_id], from_row)?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::link::{self, Link};
    use crate::table::test_support::{cache, cache_with_customer};

    pub(crate) fn sample(system_id: &str) -> SourceRecord {
        SourceRecord {
            id: 0,
            system: "vendure".into(),
            system_id: system_id.into(),
            version: Some("1".into()),
            raw_payload: r#"{"id":"7","emailAddress":"ADA@EXAMPLE.COM "}"#.into(),
            normalized: serde_json::json!({ "email": "ada@example.com" }),
            fetched_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn upsert_keeps_the_raw_payload_exactly() {
        let conn = cache();
        let record = sample("7");

        let id = upsert(&conn, &record).unwrap();

        let stored = get(&conn, id).unwrap().unwrap();
        assert_eq!(
            stored.raw_payload, record.raw_payload,
            "what a system sent is never altered"
        );
        assert_eq!(
            stored.normalized, record.normalized,
            "the normalized form round-trips"
        );
    }

    #[test]
    fn upsert_of_the_same_system_id_replaces_and_keeps_the_row_id() {
        let conn = cache();
        let first = upsert(&conn, &sample("7")).unwrap();
        let mut newer = sample("7");
        newer.version = Some("2".into());

        let second = upsert(&conn, &newer).unwrap();

        assert_eq!(
            first, second,
            "links point at the row id, so it must not change"
        );
        let stored = find(&conn, "vendure", "7").unwrap().unwrap();
        assert_eq!(stored.version.as_deref(), Some("2"), "the newer copy wins");
    }

    #[test]
    fn get_of_an_unknown_id_is_none() {
        let conn = cache();

        assert_eq!(get(&conn, 42).unwrap(), None, "absence is not an error");
    }

    #[test]
    fn for_customer_lists_only_linked_records() {
        let (conn, customer) = cache_with_customer();
        let linked = upsert(&conn, &sample("1")).unwrap();
        upsert(&conn, &sample("2")).unwrap();
        link::insert(
            &conn,
            &Link::new(linked, customer, "test", "2026-01-01T00:00:00Z"),
        )
        .unwrap();

        let records = for_customer(&conn, customer).unwrap();

        let ids: Vec<&str> = records.iter().map(|r| r.system_id.as_str()).collect();
        assert_eq!(ids, vec!["1"], "an unlinked record belongs to no customer");
    }
}
