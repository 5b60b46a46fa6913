//! `sync_status`: where each system stands, for the status bar and `concord status`.
//!
//! An attempt, a success and a failure are recorded separately so a failing system still
//! shows when it last worked. Records pulled are counted in the same transaction as the
//! page that brought them.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    pub system: String,
    pub last_attempt_at: Option<String>,
    pub last_success_at: Option<String>,
    /// The error of the last attempt, cleared by a success.
    pub last_error: Option<String>,
    /// Records read from the system since the cache was made.
    pub records_pulled: i64,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<SyncStatus> {
    Ok(SyncStatus {
        system: r.get(0)?,
        last_attempt_at: r.get(1)?,
        last_success_at: r.get(2)?,
        last_error: r.get(3)?,
        records_pulled: r.get(4)?,
    })
}

const COLUMNS: &str = "system, last_attempt_at, last_success_at, last_error, records_pulled";

pub fn get(conn: &Connection, system: &str) -> rusqlite::Result<Option<SyncStatus>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM sync_status WHERE system = ?1"
    ))?
    .query_row([system], from_row)
    .optional()
}

/// Every system that was ever attempted, by name.
pub fn all(conn: &Connection) -> rusqlite::Result<Vec<SyncStatus>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM sync_status ORDER BY system"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect()
}

/// Records that a pull of `system` started at `at`.
pub fn attempt(conn: &Connection, system: &str, at: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_status (system, last_attempt_at) VALUES (?1, ?2)
         ON CONFLICT (system) DO UPDATE SET last_attempt_at = excluded.last_attempt_at",
    )?
    .execute([system, at])?;
    Ok(())
}

/// Records that a pull of `system` ended without an error.
pub fn success(conn: &Connection, system: &str, at: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_status (system, last_attempt_at, last_success_at) VALUES (?1, ?2, ?2)
         ON CONFLICT (system) DO UPDATE SET
             last_success_at = excluded.last_success_at, last_error = NULL",
    )?
    .execute([system, at])?;
    Ok(())
}

/// Records why a pull of `system` failed.
pub fn failure(conn: &Connection, system: &str, at: &str, error: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_status (system, last_attempt_at, last_error) VALUES (?1, ?2, ?3)
         ON CONFLICT (system) DO UPDATE SET last_error = excluded.last_error",
    )?
    .execute(params![system, at, error])?;
    Ok(())
}

/// Adds `records` to the count of records pulled from `system`.
pub fn add_pulled(conn: &Connection, system: &str, records: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_status (system, records_pulled) VALUES (?1, ?2)
         ON CONFLICT (system) DO UPDATE SET records_pulled = records_pulled + excluded.records_pulled",
    )?
    .execute(params![system, records])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::cache;

    #[test]
    fn a_failure_keeps_the_last_success_and_a_success_clears_the_error() {
        let conn = cache();
        attempt(&conn, "tryton", "t1").unwrap();
        success(&conn, "tryton", "t1").unwrap();
        attempt(&conn, "tryton", "t2").unwrap();

        failure(&conn, "tryton", "t2", "HTTP 500").unwrap();

        let failed = get(&conn, "tryton").unwrap().unwrap();
        assert_eq!(
            failed.last_success_at.as_deref(),
            Some("t1"),
            "when it last worked"
        );
        assert_eq!(
            failed.last_error.as_deref(),
            Some("HTTP 500"),
            "why it fails now"
        );
        assert_eq!(failed.last_attempt_at.as_deref(), Some("t2"));

        success(&conn, "tryton", "t3").unwrap();

        let healed = get(&conn, "tryton").unwrap().unwrap();
        assert_eq!(
            healed.last_error, None,
            "an old error must not linger after a success"
        );
    }

    #[test]
    fn records_pulled_add_up_per_system() {
        let conn = cache();

        add_pulled(&conn, "vendure", 100).unwrap();
        add_pulled(&conn, "vendure", 20).unwrap();
        add_pulled(&conn, "tryton", 5).unwrap();

        let all = all(&conn).unwrap();
        let counts: Vec<(&str, i64)> = all
            .iter()
            .map(|s| (s.system.as_str(), s.records_pulled))
            .collect();
        assert_eq!(counts, [("tryton", 5), ("vendure", 120)]);
    }
}
