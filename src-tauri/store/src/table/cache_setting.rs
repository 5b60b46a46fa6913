//! `cache_setting`: small settings that belong to one cache, such as the country in which
//! national phone numbers are read. Never holds credentials.

use rusqlite::{params, Connection, OptionalExtension};

/// The key under which the default phone region (ISO 3166-1 alpha-2) is kept.
pub const DEFAULT_REGION: &str = "default_region";

/// The region national numbers are read in when a cache has none set.
pub const FALLBACK_REGION: &str = "US";

pub fn get(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT value FROM cache_setting WHERE key = ?1",
        [key],
        |r| r.get(0),
    )
    .optional()
}

pub fn set(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO cache_setting (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// The region in which phone numbers without a country code are read.
pub fn default_region(conn: &Connection) -> rusqlite::Result<String> {
    Ok(get(conn, DEFAULT_REGION)?.unwrap_or_else(|| FALLBACK_REGION.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::cache;

    #[test]
    fn a_setting_reads_back_what_was_last_set() {
        let conn = cache();
        set(&conn, "k", "first").unwrap();

        set(&conn, "k", "second").unwrap();

        assert_eq!(
            get(&conn, "k").unwrap().as_deref(),
            Some("second"),
            "set overwrites"
        );
    }

    #[test]
    fn default_region_falls_back_to_us_until_set() {
        let conn = cache();

        let before = default_region(&conn).unwrap();
        set(&conn, DEFAULT_REGION, "GB").unwrap();

        assert_eq!(
            before, "US",
            "a new cache reads national numbers as US numbers"
        );
        assert_eq!(default_region(&conn).unwrap(), "GB", "a set region is used");
    }
}
