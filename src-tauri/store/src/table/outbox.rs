//! `outbox`: one entry per correction and target system, kept until that system confirms it
//! or it becomes a conflict. Entries are never deleted here; their state records the outcome.
//!
//! States, as a rep reads them: `pending` is queued, `in_flight` is sent (a write may have
//! reached the system; after a crash it is read back before anything is sent again),
//! `confirmed`, `failed` (permanently, with the system's message) and `conflict`.

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
    /// Sent as the `Idempotency-Key` header of every write request of this entry.
    pub idempotency_key: Option<String>,
    /// When the entry was first sent.
    pub sent_at: Option<String>,
    /// The record's version in the system after the confirmed write.
    pub confirmed_version: Option<String>,
}

const COLUMNS: &str = "id, correction_id, customer_id, target_system, operation, payload, \
    base_version, state, attempts, last_error, next_attempt_at, created_at, updated_at, \
    idempotency_key, sent_at, confirmed_version";

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
        idempotency_key: r.get(13)?,
        sent_at: r.get(14)?,
        confirmed_version: r.get(15)?,
    })
}

/// Queues an entry as pending. Queuing the same correction for the same system twice is
/// refused by the schema, so a correction can never be pushed twice.
pub fn enqueue(conn: &Connection, e: &OutboxEntry) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO outbox (correction_id, customer_id, target_system, operation, payload,
             base_version, state, created_at, updated_at, idempotency_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?7, ?8)",
        params![
            e.correction_id,
            e.customer_id,
            e.target_system,
            e.operation,
            e.payload.to_string(),
            e.base_version,
            e.created_at,
            e.idempotency_key
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

/// The entries the pusher may send now, oldest first: pending or sent, due at `now`, and with
/// no older unsettled entry for the same customer and system, so a customer's corrections
/// reach each system in the order they were made.
pub fn ready(conn: &Connection, now: &str, limit: i64) -> rusqlite::Result<Vec<OutboxEntry>> {
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("o.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = conn.prepare(&format!(
        "SELECT {cols} FROM outbox o
         WHERE o.state IN ('pending', 'in_flight')
           AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?1)
           AND NOT EXISTS (
               SELECT 1 FROM outbox earlier
               WHERE earlier.target_system = o.target_system
                 AND earlier.customer_id IS o.customer_id
                 AND earlier.id < o.id
                 AND earlier.state IN ('pending', 'in_flight'))
         ORDER BY o.id LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![now, limit], from_row)?;
    rows.collect()
}

/// Every entry still waiting (pending or sent), oldest first, due or not.
pub fn waiting(conn: &Connection) -> rusqlite::Result<Vec<OutboxEntry>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE state IN ('pending', 'in_flight') ORDER BY id"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect()
}

/// Every entry, newest first, up to `limit`.
pub fn recent(conn: &Connection, limit: i64) -> rusqlite::Result<Vec<OutboxEntry>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM outbox ORDER BY id DESC LIMIT ?1"
    ))?;
    let rows = stmt.query_map([limit], from_row)?;
    rows.collect()
}

/// The entries of one correction, one per target system.
pub fn for_correction(
    conn: &Connection,
    correction_id: &str,
) -> rusqlite::Result<Vec<OutboxEntry>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE correction_id = ?1 ORDER BY target_system"
    ))?;
    let rows = stmt.query_map([correction_id], from_row)?;
    rows.collect()
}

/// Marks an entry as sent before its write request leaves, so that after a crash the pusher
/// knows the write may have been applied and reads back first.
pub fn mark_sent(conn: &Connection, id: i64, at: &str) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE outbox SET state = 'in_flight', sent_at = coalesce(sent_at, ?2), updated_at = ?2
         WHERE id = ?1 AND state IN ('pending', 'in_flight')",
        params![id, at],
    )?;
    Ok(changed == 1)
}

/// Settles an entry as confirmed by the system, with the version the record has now.
pub fn mark_confirmed(
    conn: &Connection,
    id: i64,
    version: Option<&str>,
    at: &str,
) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE outbox SET state = 'confirmed', attempts = attempts + 1, last_error = NULL,
             next_attempt_at = NULL, confirmed_version = ?2, updated_at = ?3
         WHERE id = ?1",
        params![id, version, at],
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
            idempotency_key: Some(format!("c-1:{target}")),
            sent_at: None,
            confirmed_version: None,
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

    #[test]
    fn a_customers_later_entry_waits_for_the_earlier_one_in_the_same_system() {
        let (conn, customer) = cache_with_customer();
        let first = enqueue(&conn, &entry(customer, "tryton")).unwrap();
        let second = enqueue(
            &conn,
            &OutboxEntry {
                correction_id: "c-2".into(),
                idempotency_key: Some("c-2:tryton".into()),
                ..entry(customer, "tryton")
            },
        )
        .unwrap();
        let other_system = enqueue(&conn, &entry(customer, "vendure")).unwrap();

        let before: Vec<i64> = ready(&conn, "t0", 10)
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect();
        mark_confirmed(&conn, first, Some("v2"), "t1").unwrap();
        let after: Vec<i64> = ready(&conn, "t1", 10)
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect();

        assert_eq!(
            before,
            vec![first, other_system],
            "corrections reach a system in the order they were made"
        );
        assert_eq!(after, vec![second, other_system], "the next one follows");
    }

    #[test]
    fn a_sent_entry_stays_ready_so_a_restart_reads_it_back() {
        let (conn, customer) = cache_with_customer();
        let id = enqueue(&conn, &entry(customer, "tryton")).unwrap();

        mark_sent(&conn, id, "t1").unwrap();

        let stored = get(&conn, id).unwrap().unwrap();
        assert_eq!(
            stored.state, "in_flight",
            "the write may have reached the system"
        );
        assert_eq!(stored.sent_at.as_deref(), Some("t1"));
        assert_eq!(
            ready(&conn, "t1", 10).unwrap().len(),
            1,
            "still to be settled"
        );
        assert_eq!(waiting(&conn).unwrap().len(), 1);
    }

    #[test]
    fn one_idempotency_key_cannot_serve_two_entries() {
        let (conn, customer) = cache_with_customer();
        enqueue(&conn, &entry(customer, "tryton")).unwrap();

        let reused = enqueue(
            &conn,
            &OutboxEntry {
                correction_id: "c-9".into(),
                ..entry(customer, "tryton")
            },
        );

        assert!(reused.is_err(), "a key names exactly one write");
    }
}
