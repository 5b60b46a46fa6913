//! `sync_cursor`: where the last pull of each stream of each system got to, so the next pull
//! asks only for what changed since.

use rusqlite::{params, Connection, OptionalExtension};

/// The position of the pull of `stream` from `system`, if one ever completed.
pub fn get(conn: &Connection, system: &str, stream: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT position FROM sync_cursor WHERE system = ?1 AND stream = ?2",
        [system, stream],
        |r| r.get(0),
    )
    .optional()
}

/// Records a new position; written in the same transaction as the rows it covers.
pub fn set(
    conn: &Connection,
    system: &str,
    stream: &str,
    position: &str,
    at: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO sync_cursor (system, stream, position, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (system, stream) DO UPDATE SET
             position = excluded.position, updated_at = excluded.updated_at",
        params![system, stream, position, at],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::cache;

    #[test]
    fn a_stream_never_pulled_has_no_position() {
        let conn = cache();

        assert_eq!(
            get(&conn, "vendure", "customers").unwrap(),
            None,
            "start from scratch"
        );
    }

    #[test]
    fn set_moves_the_position_of_one_stream_only() {
        let conn = cache();
        set(&conn, "vendure", "customers", "2026-01-01T00:00:00Z", "t0").unwrap();
        set(&conn, "vendure", "orders", "A", "t0").unwrap();

        set(&conn, "vendure", "customers", "2026-01-02T00:00:00Z", "t1").unwrap();

        assert_eq!(
            get(&conn, "vendure", "customers").unwrap().as_deref(),
            Some("2026-01-02T00:00:00Z"),
            "the newer position replaces the older"
        );
        assert_eq!(
            get(&conn, "vendure", "orders").unwrap().as_deref(),
            Some("A"),
            "untouched"
        );
    }
}
