//! Opening the cache: the one place where connection settings and schema upgrades happen.
//!
//! A cache is a single SQLite file in WAL mode, so readers never wait for a writer and a
//! crash never leaves it half-written. Migrations are embedded `.sql` files applied in order,
//! each in its own transaction; they are append-only. A cache whose schema is newer than this
//! build knows is refused rather than read wrongly. Nothing else in the crate sets a PRAGMA.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

/// How long a connection waits for another connection's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        M::up(include_str!("../migrations/0001_cache.sql")),
        M::up(include_str!("../migrations/0002_search.sql")),
        M::up(include_str!(
            "../migrations/0003_covering_lookup_indexes.sql"
        )),
        M::up(include_str!("../migrations/0004_sync.sql")),
        M::up(include_str!("../migrations/0005_merge.sql")),
        M::up(include_str!("../migrations/0006_corrections.sql")),
    ])
});

/// The schema version this build writes: the number of migrations embedded above.
pub const SCHEMA_VERSION: i64 = 6;

/// Why the cache could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "the cache {path} was written by a newer Concord (schema version {found}; this version \
         understands up to {known}); update Concord, or move the file aside so it is rebuilt \
         from the systems"
    )]
    NewerCache {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("opening the cache {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("upgrading the schema of the cache {path}: {source}")]
    Migration {
        path: PathBuf,
        source: rusqlite_migration::Error,
    },
}

/// What a connection will be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Brings the schema up to date, then reads and writes.
    Writer,
    /// Only reads; expects a writer to have upgraded the schema.
    Reader,
}

/// Opens (creating if needed) the cache at `path` for reading and writing, upgrading its
/// schema to this build's.
pub fn open(path: &Path) -> Result<Connection, OpenError> {
    connect(path, Role::Writer)
}

/// Opens an existing cache for reading only, e.g. for lookups beside a long write.
pub fn open_reader(path: &Path) -> Result<Connection, OpenError> {
    connect(path, Role::Reader)
}

/// A private cache in memory, fully migrated: for tests and throw-away work.
pub fn open_in_memory() -> Result<Connection, OpenError> {
    connect(Path::new(":memory:"), Role::Writer)
}

/// Gives a connection a page cache large enough for a bulk load of millions of rows, whose
/// index b-trees would otherwise be re-read from disk on every insert. Costs memory (up to
/// `cache_mib` MiB) for as long as the connection lives; for loads and benchmarks only.
pub fn tune_for_bulk_load(conn: &Connection, cache_mib: u32) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "PRAGMA cache_size = -{}",
        u64::from(cache_mib) * 1024
    ))
}

fn connect(path: &Path, role: Role) -> Result<Connection, OpenError> {
    let sqlite = |source| OpenError::Sqlite {
        path: path.to_path_buf(),
        source,
    };

    let mut conn = match role {
        Role::Writer => Connection::open(path),
        Role::Reader => Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        ),
    }
    .map_err(sqlite)?;

    conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
    if role == Role::Writer {
        // journal_mode answers with the mode in force; in memory that stays "memory".
        let _mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(sqlite)?;
    }
    // 32 MiB of page cache per connection keeps the upper levels of every lookup index in
    // memory; SQLite's default of 2 MiB is re-read from disk on a large cache.
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768;",
    )
    .map_err(sqlite)?;

    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sqlite)?;
    if found > SCHEMA_VERSION {
        return Err(OpenError::NewerCache {
            path: path.to_path_buf(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    if role == Role::Writer {
        MIGRATIONS
            .to_latest(&mut conn)
            .map_err(|source| OpenError::Migration {
                path: path.to_path_buf(),
                source,
            })?;
    }
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_well_formed() {
        MIGRATIONS
            .validate()
            .expect("every embedded migration must apply to an empty cache");
    }

    #[test]
    fn a_new_cache_is_at_this_builds_schema_version() {
        let conn = open_in_memory().unwrap();

        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();

        assert_eq!(
            version, SCHEMA_VERSION,
            "a fresh cache gets every migration"
        );
    }

    #[test]
    fn file_cache_uses_wal_foreign_keys_and_normal_sync() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite");

        let conn = open(&path).unwrap();

        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        let fk: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        let sync: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal", "WAL lets lookups read while a sync writes");
        assert_eq!(
            fk, 1,
            "links and contacts must never point at a missing customer"
        );
        assert_eq!(
            sync, 1,
            "NORMAL is durable enough in WAL mode and much faster"
        );
    }

    #[test]
    fn a_cache_from_a_newer_concord_is_refused_with_a_clear_message() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite");
        let conn = open(&path).unwrap();
        conn.execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1))
            .unwrap();
        drop(conn);

        let result = open(&path);

        let err = result.expect_err("a newer schema may hold data this build would misread");
        assert!(matches!(err, OpenError::NewerCache { .. }), "got {err:?}");
        assert!(
            err.to_string().contains("written by a newer Concord"),
            "message: {err}"
        );
    }

    #[test]
    fn bulk_load_tuning_sets_the_page_cache() {
        let conn = open_in_memory().unwrap();

        tune_for_bulk_load(&conn, 64).unwrap();

        let size: i64 = conn
            .query_row("PRAGMA cache_size", [], |r| r.get(0))
            .unwrap();
        assert_eq!(size, -64 * 1024, "a negative cache_size is KiB");
    }

    #[test]
    fn reopening_an_up_to_date_cache_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite");
        drop(open(&path).unwrap());

        let again = open(&path);

        assert!(
            again.is_ok(),
            "migrations already applied must not be applied twice"
        );
    }

    #[test]
    fn a_reader_sees_what_the_writer_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite");
        let writer = open(&path).unwrap();
        writer
            .execute(
                "INSERT INTO cache_setting (key, value) VALUES ('k', 'v')",
                [],
            )
            .unwrap();

        let reader = open_reader(&path).unwrap();

        let value: String = reader
            .query_row("SELECT value FROM cache_setting WHERE key = 'k'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(value, "v", "readers share the file through WAL");
    }
}
