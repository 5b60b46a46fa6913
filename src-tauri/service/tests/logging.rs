//! Log files land in the log folder, at the levels the logging rules promise.
//!
//! The logger is process-wide, so this file holds a single test.

use concord_service::logging::{self, Stderr, LOG_FILE_PREFIX};

#[test]
fn lifecycle_goes_to_a_daily_file_and_debug_stays_out_by_default() {
    std::env::remove_var(logging::LOG_FILTER_ENV);
    let dir = tempfile::tempdir().unwrap();
    let log_dir = dir.path().join("logs");

    let guard = logging::init(&log_dir, Stderr::Off).unwrap();
    tracing::info!("desktop started");
    tracing::debug!(email = "dana@example.com", "looked up");
    drop(guard);

    let files: Vec<_> = std::fs::read_dir(&log_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "one file per day: {files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(LOG_FILE_PREFIX) && name.ends_with(".log"),
        "named {name}"
    );
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        text.contains("desktop started"),
        "lifecycle is logged at info: {text}"
    );
    assert!(
        !text.contains("dana@example.com"),
        "personal data never reaches info logs"
    );
}
