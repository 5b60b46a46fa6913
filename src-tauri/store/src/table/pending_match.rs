//! `pending_match`: source records stored by a pull and not yet matched into customers.
//!
//! Written in the same transaction as the record it names and removed in the same
//! transaction as the match, so a crash between pull and match loses nothing.

use rusqlite::Connection;

/// Marks a source record as needing (re)matching; marking it twice is harmless.
pub fn add(conn: &Connection, source_record_id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO pending_match (source_record_id) VALUES (?1)")?
        .execute([source_record_id])?;
    Ok(())
}

/// Every pending source record id, smallest first.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached("SELECT source_record_id FROM pending_match ORDER BY 1")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT count(*) FROM pending_match")?
        .query_row([], |r| r.get(0))
}

/// Removes the mark once the record is matched.
pub fn remove(conn: &Connection, source_record_id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM pending_match WHERE source_record_id = ?1")?
        .execute([source_record_id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::source_record::{self, SourceRecord};
    use crate::table::test_support::cache;

    fn stored_record(conn: &Connection, system_id: &str) -> i64 {
        source_record::upsert(
            conn,
            &SourceRecord {
                id: 0,
                system: "tryton".into(),
                system_id: system_id.into(),
                version: None,
                raw_payload: "{}".into(),
                normalized: serde_json::json!({}),
                fetched_at: "t".into(),
            },
        )
        .unwrap()
    }

    #[test]
    fn a_record_marked_twice_is_pending_once() {
        let conn = cache();
        let id = stored_record(&conn, "1");

        add(&conn, id).unwrap();
        add(&conn, id).unwrap();

        assert_eq!(
            list(&conn).unwrap(),
            [id],
            "matching the record once is enough"
        );
    }

    #[test]
    fn removing_the_mark_leaves_the_others() {
        let conn = cache();
        let a = stored_record(&conn, "1");
        let b = stored_record(&conn, "2");
        add(&conn, a).unwrap();
        add(&conn, b).unwrap();

        remove(&conn, a).unwrap();

        assert_eq!(list(&conn).unwrap(), [b]);
        assert_eq!(count(&conn).unwrap(), 1);
    }

    #[test]
    fn a_mark_for_a_record_that_does_not_exist_is_refused() {
        let conn = cache();

        let result = add(&conn, 4242);

        assert!(result.is_err(), "a pending mark must name a stored record");
    }
}
