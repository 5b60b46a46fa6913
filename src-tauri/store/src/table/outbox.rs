//! `outbox`: one entry per correction and target system, kept until that system confirms it
//! or it becomes a conflict. Entries are never deleted here; their state records the outcome.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::json_column;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxEntry {
    /// Ignored on insert.
    pub id: i64,
    /// Groups the entries of one correction (one per target system).
    pub correction_id: String,
    pub customer_id: Option<i64>,
    pub target_system: String,
    pub operation: String,
    pub payload: serde_json::Value,
    /// The version of the target's record the correction was made against.
    pub base_version: Option<String>,
    /// pending, in_flight, confirmed, failed, conflict.
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "id, correction_id, customer_id, target_system, operation, payload, \
    base_version, state, attempts, last_error, next_attempt_at, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<OutboxEntry> {
    Ok(OutboxEntry {
        id: r.get(0)?,
        correction_id: r.get(1)?,
        customer_id: r.get(2)?,
        target_system: r.get(3)?,
        operation: r.get(4)?,
        payload: json_column(r, 5)?,
        base_version: r.get(6)?,
        state: r.get(7)?,
        attempts: r.get(8)?,
        last_error: r.get(9)?,
        next_attempt_at: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
    })
}

/// Queues an entry as pending. Queuing the same correction for the same system twice is
/// refused by the schema, so a correction can never be pushed twice.
pub fn enqueue(conn: &Connection, e: &OutboxEntry) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO outbox (correction_id, customer_id, target_system, operation, payload,
             base_version, state, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?7)",
        params![
            e.correction_id,
            e.customer_id,
            e.target_system,
            e.operation,
            e.payload.to_string(),
            e.base_version,
            e.created_at
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<OutboxEntry>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
}

/// Pending entries whose next attempt is due at `now`, oldest first.
pub fn due(conn: &Connection, now: &str, limit: i64) -> rusqlite::Result<Vec<OutboxEntry>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM outbox
         WHERE state = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?1)
         ORDER BY id LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![now, limit], from_row)?;
    rows.collect()
}

/// Records the outcome of an attempt: the new state, the error if any, and when to retry.
pub fn record_attempt(
    conn: &Connection,
    id: i64,
    state: &str,
    error: Option<&str>,
    next_attempt_at: Option<&str>,
    at: &str,
) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE outbox SET state = ?2, attempts = attempts + 1, last_error = ?3,
             next_attempt_at = ?4, updated_at = ?5
         WHERE id = ?1",
        params![id, state, error, next_attempt_at, at],
    )?;
    Ok(changed == 1)
}

/// How many entries are not yet confirmed (pending, in flight, failed or in conflict).
pub fn unconfirmed_count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM outbox WHERE state <> 'confirmed'",
        [],
        |r| r.get(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::cache_with_customer;

    fn entry(customer_id: i64, target: &str) -> OutboxEntry {
        OutboxEntry {
            id: 0,
            correction_id: "c-1".into(),
            customer_id: Some(customer_id),
            target_system: target.into(),
            operation: "update_address".into(),
            payload: serde_json::json!({ "line1": "1 New Rd" }),
            base_version: Some("v1".into()),
            state: "pending".into(),
            attempts: 0,
            last_error: None,
            next_attempt_at: None,
            created_at: "t0".into(),
            updated_at: "t0".into(),
        }
    }

    #[test]
    fn an_enqueued_entry_is_pending_and_due() {
        let (conn, customer) = cache_with_customer();

        let id = enqueue(&conn, &entry(customer, "tryton")).unwrap();

        assert_eq!(
            get(&conn, id).unwrap(),
            Some(OutboxEntry {
                id,
                ..entry(customer, "tryton")
            })
        );
        let due_ids: Vec<i64> = due(&conn, "t0", 10).unwrap().iter().map(|e| e.id).collect();
        assert_eq!(
            due_ids,
            vec![id],
            "a new entry is pushed at the next opportunity"
        );
    }

    #[test]
    fn the_same_correction_cannot_be_queued_twice_for_one_system() {
        let (conn, customer) = cache_with_customer();
        enqueue(&conn, &entry(customer, "tryton")).unwrap();

        let again = enqueue(&conn, &entry(customer, "tryton"));
        let other_system = enqueue(&conn, &entry(customer, "vendure"));

        assert!(
            again.is_err(),
            "a correction applied twice is a rule violation"
        );
        assert!(
            other_system.is_ok(),
            "each target system gets its own entry"
        );
    }

    #[test]
    fn a_failed_attempt_waits_until_its_retry_time() {
        let (conn, customer) = cache_with_customer();
        let id = enqueue(&conn, &entry(customer, "tryton")).unwrap();

        record_attempt(&conn, id, "pending", Some("503"), Some("t5"), "t1").unwrap();

        assert!(
            due(&conn, "t2", 10).unwrap().is_empty(),
            "not before its retry time"
        );
        assert_eq!(
            due(&conn, "t5", 10).unwrap().len(),
            1,
            "due at its retry time"
        );
        assert_eq!(
            get(&conn, id).unwrap().unwrap().attempts,
            1,
            "the attempt is counted"
        );
    }

    #[test]
    fn confirmed_entries_are_not_counted_as_waiting() {
        let (conn, customer) = cache_with_customer();
        let a = enqueue(&conn, &entry(customer, "tryton")).unwrap();
        enqueue(&conn, &entry(customer, "vendure")).unwrap();

        record_attempt(&conn, a, "confirmed", None, None, "t1").unwrap();

        assert_eq!(
            unconfirmed_count(&conn).unwrap(),
            1,
            "only the vendure entry waits"
        );
    }
}
