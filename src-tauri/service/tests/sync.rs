//! Sync through the service, as the desktop app and the command line call it: the configured
//! systems or the embedded sandbox, progress events, the recorded status.

use std::sync::{Arc, Mutex};

use concord_sandbox::{FaultSpec, Sandbox, SandboxOptions};
use concord_service::config::{MappingConfig, SystemConfig, SystemKind};
use concord_service::events::{Event, EventSink};
use concord_service::secrets::SecretStorage;
use concord_service::{Paths, Service, SyncOptions, SyncState};

#[derive(Default)]
struct Collected(Mutex<Vec<Event>>);

impl EventSink for Collected {
    fn emit(&self, event: Event) {
        self.0.lock().unwrap().push(event);
    }
}

/// A sandbox on a runtime of its own, alive as long as the returned runtime.
fn sandbox(customers: usize) -> (tokio::runtime::Runtime, Sandbox) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxOptions {
            customers,
            seed: 2,
            faults: FaultSpec::none(),
        }))
        .unwrap();
    (runtime, sandbox)
}

fn connect_both(service: &Service, sandbox: &Sandbox) {
    let t = sandbox.tryton();
    let v = sandbox.vendure();
    let tryton = SystemConfig {
        name: "erp".into(),
        kind: SystemKind::Tryton,
        url: t.url,
        database: Some(t.database),
        login: t.login,
        page_size: Some(20),
        full_listing_hours: None,
        mapping: MappingConfig::default(),
    };
    let vendure = SystemConfig {
        name: "web store".into(),
        kind: SystemKind::Vendure,
        url: v.url,
        database: None,
        login: v.username,
        page_size: Some(20),
        full_listing_hours: None,
        mapping: MappingConfig::default(),
    };
    let report = service.connect(tryton, &t.password).unwrap();
    assert!(
        matches!(report.secret, SecretStorage::File { .. }),
        "CONCORD_SECRETS=file keeps tests out of the person's keyring"
    );
    service.connect(vendure, &v.password).unwrap();
}

#[test]
fn a_sync_of_the_connected_systems_reports_progress_and_records_its_status() {
    std::env::set_var("CONCORD_SECRETS", "file");
    let (_runtime, sandbox) = sandbox(60);
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_data_dir(dir.path());
    connect_both(&Service::open(paths.clone()).unwrap(), &sandbox);
    // Reopened, as the next start of the app reads the systems just added.
    let service = Service::open(paths).unwrap();
    let events = Arc::new(Collected::default());
    service.set_event_sink(events.clone());

    let summary = service.sync(SyncOptions::default()).unwrap();

    assert!(summary.complete && !summary.embedded_sandbox, "{summary:?}");
    assert!(
        summary.records_pulled > 60,
        "both systems' customers and orders"
    );
    let events = events.0.lock().unwrap();
    let progress = events
        .iter()
        .filter(|e| matches!(e, Event::SyncProgress { done: false, .. }))
        .count();
    assert!(
        progress >= 4,
        "a progress event per stored page, got {progress}"
    );
    assert!(
        matches!(events.last(), Some(Event::StatusChanged)),
        "the status bar is told last"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::SyncFinished { .. })),
        "the summary is sent too"
    );
    let statuses = service.sync_status().unwrap();
    assert_eq!(statuses.len(), 2);
    for status in &statuses {
        assert!(status.last_success_at.is_some() && status.last_error.is_none());
        assert!(
            matches!(status.secret, SecretStorage::File { .. }),
            "says where"
        );
    }
    assert!(
        matches!(service.status().unwrap().sync, SyncState::Synced { .. }),
        "the status bar no longer says never synced"
    );
}

#[test]
fn a_sync_of_an_unknown_system_says_which_systems_there_are() {
    std::env::set_var("CONCORD_SECRETS", "file");
    let (_runtime, sandbox) = sandbox(0);
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_data_dir(dir.path());
    connect_both(&Service::open(paths.clone()).unwrap(), &sandbox);
    let service = Service::open(paths).unwrap();

    let error = service
        .sync(SyncOptions {
            system: Some("crm".into()),
            full: false,
        })
        .unwrap_err();

    assert!(
        error.message.contains("erp") && error.message.contains("web store"),
        "names the systems to choose from: {}",
        error.message
    );
}

#[test]
fn without_configured_systems_the_embedded_sandbox_is_synced() {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::open(Paths::in_data_dir(dir.path())).unwrap();

    let summary = service.sync(SyncOptions::default()).unwrap();

    assert!(
        summary.embedded_sandbox,
        "a fresh installation has something to show"
    );
    assert!(summary.complete, "{summary:?}");
    assert!(
        summary.resolve.customers_created > 0,
        "customers to look up"
    );
    let statuses = service.sync_status().unwrap();
    assert!(statuses
        .iter()
        .all(|s| s.embedded_sandbox && s.last_success_at.is_some()));
}
