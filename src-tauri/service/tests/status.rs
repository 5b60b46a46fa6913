//! The status a host shows comes from the data folder it opened.

use concord_service::config::UserConfig;
use concord_service::{Config, ErrorCode, Paths, Role, Service, SyncState};

#[test]
fn status_names_the_configured_user_and_role() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_data_dir(dir.path());
    let user = UserConfig {
        name: "Dana Reyes".into(),
        role: Role::Supervisor,
    };
    Config {
        user,
        ..Config::default()
    }
    .save(&paths.config_file())
    .unwrap();

    let status = Service::open(paths).unwrap().status().unwrap();

    assert_eq!(
        status.user, "Dana Reyes",
        "the status bar shows who is signed in"
    );
    assert_eq!(
        status.role,
        Role::Supervisor,
        "the role decides what the UI offers"
    );
}

#[test]
fn a_fresh_data_folder_has_never_synced_and_nothing_to_push() {
    let dir = tempfile::tempdir().unwrap();

    let status = Service::open(Paths::in_data_dir(dir.path().join("new")))
        .unwrap()
        .status();

    let status = status.unwrap();
    assert_eq!(
        status.sync,
        SyncState::NeverSynced,
        "nothing was ever pulled into it"
    );
    assert_eq!(status.pending_pushes, 0, "nothing was ever corrected in it");
}

#[test]
fn opening_creates_the_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("a").join("b");

    Service::open(Paths::in_data_dir(&data_dir)).unwrap();

    assert!(
        data_dir.is_dir(),
        "the first start must not require any setup by hand"
    );
}

#[test]
fn a_broken_settings_file_stops_opening_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_data_dir(dir.path());
    std::fs::write(paths.config_file(), "[user\nname = ").unwrap();

    let err = Service::open(paths)
        .err()
        .expect("a broken file must not be read as defaults");

    assert_eq!(
        err.code,
        ErrorCode::InvalidInput,
        "the person can fix the file"
    );
    assert!(
        err.message.contains("config.toml"),
        "names the file to fix: {err}"
    );
}

#[test]
fn the_status_crosses_ipc_in_camel_case() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_data_dir(dir.path());
    let user = UserConfig {
        name: "Sam".into(),
        role: Role::Rep,
    };
    Config {
        user,
        ..Config::default()
    }
    .save(&paths.config_file())
    .unwrap();
    let status = Service::open(paths).unwrap().status().unwrap();

    let json = serde_json::to_value(status).unwrap();

    assert_eq!(
        json,
        serde_json::json!({
            "sync": { "state": "neverSynced" },
            "pendingPushes": 0,
            "user": "Sam",
            "role": "rep",
        }),
        "the generated TypeScript types promise exactly this shape"
    );
}

#[test]
fn a_service_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}

    assert_send_sync::<Service>();
}
