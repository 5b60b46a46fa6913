//! Where Concord's log lines go: rolling daily files in the log folder (the last 14 kept) and,
//! for the command line, standard error.
//!
//! Logs are for operators. Lifecycle events (start, stop, folders opened, sync runs) are
//! logged at `info`; failures with their context at `warn` or `error`. Personal data (names,
//! emails, phone numbers, addresses, what a rep typed) may be logged at `debug` at most, and
//! release builds compile `debug` and `trace` out entirely (`release_max_level_info`). A rep
//! sees messages in the UI, never log lines.
//!
//! The filter is read from `CONCORD_LOG` (the `tracing_subscriber` `EnvFilter` syntax), and
//! defaults to `info` in files and `warn` on standard error.

use std::path::Path;

use anyhow::Context as _;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

/// The variable holding the log filter.
pub const LOG_FILTER_ENV: &str = "CONCORD_LOG";

/// How many daily files are kept; older ones are deleted as new days begin.
pub const KEPT_LOG_FILES: usize = 14;

/// The prefix of every log file's name (`concord.2026-12-03.log`).
pub const LOG_FILE_PREFIX: &str = "concord";

/// Whether log lines are also written to standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stderr {
    /// For the command line: warnings and errors appear in the terminal too.
    Also,
    /// For the desktop app: files only.
    Off,
}

/// Keeps the background writer alive; dropping it flushes what is buffered.
#[must_use = "dropping the guard stops writing log files"]
pub struct LogGuard {
    _file: WorkerGuard,
}

/// Installs the process-wide logger writing into `log_dir`. Call once, early in `main`.
pub fn init(log_dir: &Path, stderr: Stderr) -> anyhow::Result<LogGuard> {
    std::fs::create_dir_all(log_dir)
        .with_context(|| format!("creating the log folder {}", log_dir.display()))?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(LOG_FILE_PREFIX)
        .filename_suffix("log")
        .max_log_files(KEPT_LOG_FILES)
        .build(log_dir)
        .with_context(|| format!("opening a log file in {}", log_dir.display()))?;
    let (file_writer, guard) = tracing_appender::non_blocking(appender);

    let file_layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(file_writer)
        .with_filter(filter("info"));
    let stderr_layer = (stderr == Stderr::Also).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_target(false)
            .with_filter(filter("warn"))
    });

    tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
        .try_init()
        .context("installing the logger a second time")?;
    Ok(LogGuard { _file: guard })
}

/// `CONCORD_LOG` when it is set and valid, `default` otherwise.
fn filter(default: &str) -> EnvFilter {
    EnvFilter::builder()
        .with_default_directive(default.parse().expect("a fixed level parses"))
        .with_env_var(LOG_FILTER_ENV)
        .from_env_lossy()
}
