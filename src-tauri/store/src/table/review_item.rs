//! `review_item`: an uncertain match, a disagreement between systems, a colliding edit or a
//! push conflict, waiting for a supervisor. A decision is recorded on the item and can be
//! undone; the item is never deleted.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::{json_column, json_column_opt};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewItem {
    /// Ignored on insert.
    pub id: i64,
    /// uncertain_match, disagreement, colliding_edit, conflict.
    pub kind: String,
    pub customer_id: Option<i64>,
    /// What is at stake (the records or the field).
    pub subject: serde_json::Value,
    /// What the supervisor needs to decide (scores, values, base/ours/theirs).
    pub evidence: serde_json::Value,
    /// open, decided, undone.
    pub state: String,
    pub decision: Option<serde_json::Value>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub created_at: String,
}

impl ReviewItem {
    /// A new open item.
    pub fn open(
        kind: &str,
        customer_id: Option<i64>,
        subject: serde_json::Value,
        evidence: serde_json::Value,
        at: &str,
    ) -> ReviewItem {
        ReviewItem {
            id: 0,
            kind: kind.into(),
            customer_id,
            subject,
            evidence,
            state: "open".into(),
            decision: None,
            decided_by: None,
            decided_at: None,
            created_at: at.into(),
        }
    }
}

const COLUMNS: &str = "id, kind, customer_id, subject, evidence, state, decision, decided_by, \
    decided_at, created_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<ReviewItem> {
    Ok(ReviewItem {
        id: r.get(0)?,
        kind: r.get(1)?,
        customer_id: r.get(2)?,
        subject: json_column(r, 3)?,
        evidence: json_column(r, 4)?,
        state: r.get(5)?,
        decision: json_column_opt(r, 6)?,
        decided_by: r.get(7)?,
        decided_at: r.get(8)?,
        created_at: r.get(9)?,
    })
}

pub fn insert(conn: &Connection, item: &ReviewItem) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO review_item (kind, customer_id, subject, evidence, state, created_at)
         VALUES (?1, ?2, ?3, ?4, 'open', ?5)",
        params![
            item.kind,
            item.customer_id,
            item.subject.to_string(),
            item.evidence.to_string(),
            item.created_at
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<ReviewItem>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM review_item WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
}

/// Open items, oldest first.
pub fn open_items(conn: &Connection, limit: i64) -> rusqlite::Result<Vec<ReviewItem>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM review_item WHERE state = 'open' ORDER BY created_at, id LIMIT ?1"
    ))?;
    let rows = stmt.query_map([limit], from_row)?;
    rows.collect()
}

/// Records a supervisor's decision on an open item; returns false when the item is not open
/// (already decided by someone else), so a decision never silently replaces another.
pub fn decide(
    conn: &Connection,
    id: i64,
    decision: &serde_json::Value,
    by: &str,
    at: &str,
) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE review_item SET state = 'decided', decision = ?2, decided_by = ?3,
             decided_at = ?4
         WHERE id = ?1 AND state = 'open'",
        params![id, decision.to_string(), by, at],
    )?;
    Ok(changed == 1)
}

/// Items in any state, or in one state, newest first.
pub fn list(
    conn: &Connection,
    state: Option<&str>,
    limit: i64,
) -> rusqlite::Result<Vec<ReviewItem>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM review_item WHERE ?1 IS NULL OR state = ?1
         ORDER BY created_at DESC, id DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![state, limit], from_row)?;
    rows.collect()
}

/// How many items wait for a supervisor.
pub fn open_count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM review_item WHERE state = 'open'",
        [],
        |r| r.get(0),
    )
}

/// Puts a decided item back in the queue, its decision removed: what undoing a decision
/// leaves. The audit log keeps the decision that was taken and undone. Returns false when the
/// item was not decided.
pub fn reopen(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE review_item SET state = 'open', decision = NULL, decided_by = NULL,
             decided_at = NULL
         WHERE id = ?1 AND state = 'decided'",
        [id],
    )?;
    Ok(changed == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::cache_with_customer;

    fn item(customer_id: i64) -> ReviewItem {
        ReviewItem {
            id: 0,
            kind: "uncertain_match".into(),
            customer_id: Some(customer_id),
            subject: serde_json::json!({ "source_records": [1, 2] }),
            evidence: serde_json::json!({ "email": "same", "name": "different" }),
            state: "open".into(),
            decision: None,
            decided_by: None,
            decided_at: None,
            created_at: "t0".into(),
        }
    }

    #[test]
    fn a_new_item_is_open_with_its_evidence() {
        let (conn, customer) = cache_with_customer();

        let id = insert(&conn, &item(customer)).unwrap();

        assert_eq!(
            get(&conn, id).unwrap(),
            Some(ReviewItem {
                id,
                ..item(customer)
            })
        );
        assert_eq!(
            open_items(&conn, 10).unwrap().len(),
            1,
            "it waits for a supervisor"
        );
    }

    #[test]
    fn a_decided_item_leaves_the_queue_and_cannot_be_decided_again() {
        let (conn, customer) = cache_with_customer();
        let id = insert(&conn, &item(customer)).unwrap();
        let keep_apart = serde_json::json!({ "link": false });

        let first = decide(&conn, id, &keep_apart, "sam", "t1").unwrap();
        let second = decide(&conn, id, &serde_json::json!({ "link": true }), "kim", "t2").unwrap();

        assert!(first, "an open item can be decided");
        assert!(!second, "a second decision must not overwrite the first");
        assert!(
            open_items(&conn, 10).unwrap().is_empty(),
            "decided items leave the queue"
        );
        let stored = get(&conn, id).unwrap().unwrap();
        assert_eq!(
            stored.decision,
            Some(keep_apart),
            "the first decision stands"
        );
        assert_eq!(
            stored.decided_by.as_deref(),
            Some("sam"),
            "who decided is recorded"
        );
    }

    #[test]
    fn a_reopened_item_is_back_in_the_queue_without_its_decision() {
        let (conn, customer) = cache_with_customer();
        let id = insert(&conn, &item(customer)).unwrap();
        decide(&conn, id, &serde_json::json!({ "link": true }), "sam", "t1").unwrap();

        let reopened = reopen(&conn, id).unwrap();

        assert!(reopened, "a decided item can be reopened");
        assert_eq!(
            get(&conn, id).unwrap().unwrap(),
            ReviewItem {
                id,
                ..item(customer)
            }
        );
        assert_eq!(
            open_count(&conn).unwrap(),
            1,
            "it waits for a supervisor again"
        );
        assert!(
            !reopen(&conn, id).unwrap(),
            "an open item has nothing to undo"
        );
    }

    #[test]
    fn listing_filters_by_state() {
        let (conn, customer) = cache_with_customer();
        let a = insert(&conn, &item(customer)).unwrap();
        let _b = insert(&conn, &item(customer)).unwrap();
        decide(&conn, a, &serde_json::json!({}), "sam", "t1").unwrap();

        let decided = list(&conn, Some("decided"), 10).unwrap();
        let all = list(&conn, None, 10).unwrap();

        assert_eq!(decided.len(), 1, "only the decided one");
        assert_eq!(decided[0].id, a);
        assert_eq!(all.len(), 2, "no filter lists every item");
    }
}
