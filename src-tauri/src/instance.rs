//! One running desktop app per data folder: an exclusive lock on a file inside the folder.
//!
//! Two windows writing the same cache and outbox could push a correction twice, so a second
//! start on the same folder is refused. The operating system releases the lock when the
//! process ends, however it ends, so a crash never leaves the folder locked.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// The lock file's name inside the data folder.
pub const LOCK_FILE_NAME: &str = "desktop.lock";

/// Holds the folder for as long as it lives.
pub struct InstanceLock {
    _lock: fd_lock::RwLockWriteGuard<'static, File>,
}

/// Why the folder could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "Concord is already open for the data folder {folder}{}. Switch to that window, or \
         start this one with another data folder (CONCORD_DATA_DIR).",
        holder.map(|pid| format!(" (process {pid})")).unwrap_or_default()
    )]
    AlreadyRunning {
        folder: PathBuf,
        holder: Option<u32>,
    },
    #[error(transparent)]
    Io(#[from] anyhow::Error),
}

/// Takes the data folder for this process, or says who holds it.
pub fn acquire(data_dir: &Path) -> Result<InstanceLock, LockError> {
    let path = data_dir.join(LOCK_FILE_NAME);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("opening the lock file {}", path.display()))?;

    // The lock must outlive `main`'s frames up to process exit, so it is given a static home.
    let lock: &'static mut fd_lock::RwLock<File> = Box::leak(Box::new(fd_lock::RwLock::new(file)));
    let mut guard = match lock.try_write() {
        Ok(guard) => guard,
        Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {
            return Err(LockError::AlreadyRunning {
                folder: data_dir.to_path_buf(),
                holder: read_holder(&path),
            })
        }
        Err(err) => {
            let err = anyhow::Error::new(err);
            return Err(err.context(format!("locking {}", path.display())).into());
        }
    };

    // The process id is only a hint for the person reading the refusal; failing to write it
    // does not make the lock any less held.
    let _ = write_holder(&mut guard);
    Ok(InstanceLock { _lock: guard })
}

fn write_holder(file: &mut File) -> std::io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    write!(file, "{}", std::process::id())?;
    file.flush()
}

fn read_holder(path: &Path) -> Option<u32> {
    let mut text = String::new();
    File::open(path).ok()?.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_start_on_the_same_folder_is_refused_and_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let _first = acquire(dir.path()).unwrap();

        let second = acquire(dir.path());

        match second {
            Err(LockError::AlreadyRunning { folder, holder }) => {
                assert_eq!(folder, dir.path(), "the refusal names the folder in use");
                assert_eq!(holder, Some(std::process::id()), "and who holds it");
            }
            other => panic!(
                "two windows on one cache could push twice: {:?}",
                other.err()
            ),
        }
    }

    #[test]
    fn different_folders_run_side_by_side() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let _first = acquire(a.path()).unwrap();

        let second = acquire(b.path());

        assert!(
            second.is_ok(),
            "a separate data folder is a separate installation"
        );
    }

    #[test]
    fn the_refusal_tells_the_person_what_to_do() {
        let err = LockError::AlreadyRunning {
            folder: "/data/concord".into(),
            holder: Some(7),
        };

        let text = err.to_string();

        assert!(text.contains("already open for the data folder /data/concord (process 7)"));
        assert!(
            text.contains("CONCORD_DATA_DIR"),
            "the way out is named: {text}"
        );
    }
}
