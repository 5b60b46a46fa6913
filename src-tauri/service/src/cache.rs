//! The service's handle on the local cache: one connection that writes and one that reads.
//!
//! SQLite in WAL mode lets a reader see the last commit while a writer works, so lookups
//! never wait for a sync's long transaction. Each connection sits behind its own mutex, which
//! makes the handle safe to share between threads. Nothing outside this module opens the
//! cache file.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use concord_store::OpenError;
use rusqlite::Connection;

use crate::error::{Result, ServiceError};

/// The cache file's name, in the data folder.
pub const CACHE_FILE_NAME: &str = "cache.sqlite";

// TODO(perf): a small pool of read connections; with one, concurrent lookups from several
// windows wait for each other (each takes milliseconds, so one suffices for one rep).
pub(crate) struct Cache {
    path: PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
}

impl Cache {
    /// Opens (creating and upgrading as needed) the cache in `data_dir`.
    pub(crate) fn open(data_dir: &Path) -> Result<Cache> {
        let path = data_dir.join(CACHE_FILE_NAME);
        // The writer first: it creates the file and brings the schema up to date.
        let writer = concord_store::open(&path).map_err(open_error)?;
        let reader = concord_store::open_reader(&path).map_err(open_error)?;
        Ok(Cache {
            path,
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The connection for reads; lookups and account views use it.
    pub(crate) fn read(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a read connection inconsistent:
        // SQLite rolls back any statement that did not finish.
        self.reader
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The connection for writes (sync, corrections, decisions).
    pub(crate) fn write(&self) -> MutexGuard<'_, Connection> {
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn open_error(err: OpenError) -> ServiceError {
    // Every way of failing to open is something the rep cannot fix at the counter; the
    // message says what to do (a newer cache names the upgrade).
    ServiceError::internal(err.to_string())
}
