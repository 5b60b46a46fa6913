//! One running desktop app per data folder: an exclusive lock on a file inside the folder.
//!
//! Two windows writing the same cache and outbox could push a correction twice, so a second
//! start on the same folder does not open a window: it hands its command-line arguments (a
//! screen pop's `concord://lookup?...` link) to the running one over a socket in the folder,
//! and exits. The operating system releases the lock when the process ends, however it ends,
//! so a crash never leaves the folder locked.
//!
//! The socket lives in the data folder, so only someone who may write that folder can talk
//! to the window, and what they can say is limited to arguments the window reads as links.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// The lock file's name inside the data folder.
pub const LOCK_FILE_NAME: &str = "desktop.lock";

/// The socket through which a second start hands its arguments to the running window.
pub const SOCKET_FILE_NAME: &str = "desktop.sock";

/// The most a second start may send; a few links fit many times over.
const MAX_FORWARDED_BYTES: u64 = 64 * 1024;

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

/// Hands `arguments` to the window that holds `data_dir`, and says whether it took them.
#[cfg(unix)]
pub fn forward(data_dir: &Path, arguments: &[String]) -> std::io::Result<()> {
    use std::os::unix::net::UnixStream;

    let mut stream = UnixStream::connect(data_dir.join(SOCKET_FILE_NAME))?;
    stream.set_write_timeout(Some(std::time::Duration::from_secs(5)))?;
    // One argument per line: a link never holds a raw newline (it would be escaped).
    stream.write_all(arguments.join("\n").as_bytes())?;
    stream.shutdown(std::net::Shutdown::Write)
}

/// TODO(desktop): forward over a named pipe on Windows; until then a second start there is
/// refused with the message that names the folder.
#[cfg(not(unix))]
pub fn forward(_data_dir: &Path, _arguments: &[String]) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "handing arguments to the running window is not available on this system",
    ))
}

/// Listens for the arguments of later starts on `data_dir` and passes each start's list to
/// `receive`, on a thread of its own. Only the holder of the folder's lock may call this; it
/// is why a socket file left by a crashed run can be taken as stale and replaced.
#[cfg(unix)]
pub fn listen<F>(data_dir: &Path, receive: F) -> anyhow::Result<()>
where
    F: Fn(Vec<String>) + Send + 'static,
{
    use std::os::unix::net::UnixListener;

    let path = data_dir.join(SOCKET_FILE_NAME);
    let _ = std::fs::remove_file(&path);
    let listener =
        UnixListener::bind(&path).with_context(|| format!("listening on {}", path.display()))?;

    std::thread::Builder::new()
        .name("second-start".into())
        .spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let mut text = String::new();
                // A sender that writes garbage or never finishes costs one read, not the
                // window: the read is bounded in size and time, and bad UTF-8 is dropped.
                let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
                if stream
                    .take(MAX_FORWARDED_BYTES)
                    .read_to_string(&mut text)
                    .is_err()
                {
                    tracing::warn!("a second start sent arguments that could not be read");
                    continue;
                }
                receive(text.lines().map(str::to_string).collect());
            }
        })
        .context("starting the thread that hears later starts")?;
    Ok(())
}

#[cfg(not(unix))]
pub fn listen<F>(_data_dir: &Path, _receive: F) -> anyhow::Result<()>
where
    F: Fn(Vec<String>) + Send + 'static,
{
    Ok(())
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

    #[cfg(unix)]
    #[test]
    fn a_second_start_hands_its_arguments_to_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let _lock = acquire(dir.path()).unwrap();
        let (sent, heard) = std::sync::mpsc::channel();
        listen(dir.path(), move |args| sent.send(args).unwrap()).unwrap();

        let args = vec!["concord://lookup?phone=%2B15550100142".to_string()];
        forward(dir.path(), &args).unwrap();

        let received = heard
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("the running window hears the second start");
        assert_eq!(received, args, "the link arrives exactly as it was passed");
    }

    #[cfg(unix)]
    #[test]
    fn forwarding_fails_when_no_window_listens() {
        let dir = tempfile::tempdir().unwrap();

        let result = forward(dir.path(), &["concord://lookup?q=x".to_string()]);

        assert!(
            result.is_err(),
            "the second start must learn that nobody took its arguments"
        );
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
