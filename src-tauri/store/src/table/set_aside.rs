//! `set_aside`: records a pull could not read, with the reason, kept as received.
//!
//! One odd record never stops a sync, and nobody loses sight of it: the row stays until a
//! later pull reads the same record fine, which removes it ([`clear`]).

use rusqlite::{params, Connection, Row};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetAside {
    pub id: i64,
    pub system: String,
    /// `customers` or `orders`.
    pub stream: String,
    /// Empty when even the ID could not be read.
    pub system_id: String,
    pub reason: String,
    pub raw_payload: String,
    pub first_seen: String,
    pub last_seen: String,
}

const COLUMNS: &str = "id, system, stream, system_id, reason, raw_payload, first_seen, last_seen";

fn from_row(r: &Row<'_>) -> rusqlite::Result<SetAside> {
    Ok(SetAside {
        id: r.get(0)?,
        system: r.get(1)?,
        stream: r.get(2)?,
        system_id: r.get(3)?,
        reason: r.get(4)?,
        raw_payload: r.get(5)?,
        first_seen: r.get(6)?,
        last_seen: r.get(7)?,
    })
}

/// Records that a record could not be read at `at`; a record already set aside keeps its
/// `first_seen` and gets the latest reason and payload.
pub fn record(
    conn: &Connection,
    system: &str,
    stream: &str,
    system_id: &str,
    reason: &str,
    raw_payload: &str,
    at: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO set_aside
             (system, stream, system_id, reason, raw_payload, first_seen, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (system, stream, system_id) DO UPDATE SET
             reason = excluded.reason, raw_payload = excluded.raw_payload,
             last_seen = excluded.last_seen",
    )?
    .execute(params![system, stream, system_id, reason, raw_payload, at])?;
    Ok(())
}

/// Forgets a set-aside record because it was read fine; true when there was one.
pub fn clear(
    conn: &Connection,
    system: &str,
    stream: &str,
    system_id: &str,
) -> rusqlite::Result<bool> {
    let removed = conn
        .prepare_cached(
            "DELETE FROM set_aside WHERE system = ?1 AND stream = ?2 AND system_id = ?3",
        )?
        .execute([system, stream, system_id])?;
    Ok(removed > 0)
}

/// Every set-aside record, by system, stream and ID.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<SetAside>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM set_aside ORDER BY system, stream, system_id"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect()
}

/// How many records of `system` are set aside.
pub fn count(conn: &Connection, system: &str) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT count(*) FROM set_aside WHERE system = ?1")?
        .query_row([system], |r| r.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::cache;

    #[test]
    fn a_record_set_aside_twice_keeps_when_it_was_first_seen() {
        let conn = cache();
        record(&conn, "vendure", "customers", "9", "bad date", "{}", "t1").unwrap();

        record(
            &conn,
            "vendure",
            "customers",
            "9",
            "bad name",
            "{\"a\":1}",
            "t2",
        )
        .unwrap();

        let rows = list(&conn).unwrap();
        assert_eq!(rows.len(), 1, "one row per record");
        assert_eq!(rows[0].first_seen, "t1", "the first sighting stays");
        assert_eq!(rows[0].last_seen, "t2");
        assert_eq!(
            rows[0].reason, "bad name",
            "the latest reason is the one to fix"
        );
        assert_eq!(
            rows[0].raw_payload, "{\"a\":1}",
            "the latest payload is kept"
        );
    }

    #[test]
    fn clearing_removes_only_that_record() {
        let conn = cache();
        record(&conn, "vendure", "customers", "9", "r", "{}", "t").unwrap();
        record(&conn, "vendure", "orders", "9", "r", "{}", "t").unwrap();

        let removed = clear(&conn, "vendure", "customers", "9").unwrap();
        let again = clear(&conn, "vendure", "customers", "9").unwrap();

        assert!(removed, "the record was set aside");
        assert!(!again, "nothing left to clear");
        assert_eq!(
            count(&conn, "vendure").unwrap(),
            1,
            "the order stays set aside"
        );
    }
}
