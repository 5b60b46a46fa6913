//! `audit_log`: who did what, when. Append-only: the schema refuses updates and deletes.

use rusqlite::{params, Connection, Row};
use serde::Serialize;

use super::json_column;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Ignored on append.
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub customer_id: Option<i64>,
    pub detail: serde_json::Value,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        customer_id: r.get(4)?,
        detail: json_column(r, 5)?,
    })
}

pub fn append(conn: &Connection, e: &AuditEntry) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, customer_id, detail)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![e.at, e.actor, e.action, e.customer_id, e.detail.to_string()],
    )?;
    Ok(conn.last_insert_rowid())
}

/// What happened to a customer, oldest first.
pub fn for_customer(conn: &Connection, customer_id: i64) -> rusqlite::Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT id, at, actor, action, customer_id, detail FROM audit_log
         WHERE customer_id = ?1 ORDER BY at, id",
    )?;
    let rows = stmt.query_map([customer_id], from_row)?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(customer_id: Option<i64>, at: &str) -> AuditEntry {
        AuditEntry {
            id: 0,
            at: at.into(),
            actor: "sam".into(),
            action: "address.corrected".into(),
            customer_id,
            detail: serde_json::json!({ "address_id": 3 }),
        }
    }

    #[test]
    fn appended_entries_are_listed_for_their_customer_in_order() {
        let conn = crate::table::test_support::cache();
        append(&conn, &entry(Some(1), "t2")).unwrap();
        let first = append(&conn, &entry(Some(1), "t1")).unwrap();
        append(&conn, &entry(Some(2), "t1")).unwrap();

        let listed = for_customer(&conn, 1).unwrap();

        assert_eq!(listed.len(), 2, "only customer 1's entries");
        assert_eq!(
            listed[0],
            AuditEntry {
                id: first,
                ..entry(Some(1), "t1")
            },
            "oldest first"
        );
    }

    #[test]
    fn the_audit_log_refuses_updates_and_deletes() {
        let conn = crate::table::test_support::cache();
        let id = append(&conn, &entry(None, "t1")).unwrap();

        let update = conn.execute("UPDATE audit_log SET actor = 'x' WHERE id = ?1", [id]);
        let delete = conn.execute("DELETE FROM audit_log WHERE id = ?1", [id]);

        assert!(update.is_err(), "history must not be rewritten");
        assert!(delete.is_err(), "history must not be erased");
    }
}
