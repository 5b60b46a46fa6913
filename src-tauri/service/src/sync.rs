//! Sync as reps and administrators use it: pull from every configured system (or from the
//! embedded sandbox when none is configured), match what changed into customers, and say
//! where each system stands.
//!
//! The pull itself is `concord_sync::pull`; this module picks the systems, runs the pull on
//! its own runtime off the caller's thread, forwards progress as [`Event`]s, then resolves
//! the pending source records (`concord_store::resolve`). It must never hold a password
//! anywhere but the keyring (or the loudly named fallback file) and never log personal data.

use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Instant;

use anyhow::Context as _;
use chrono::Utc;
use concord_store::table::{set_aside, sync_cursor, sync_status};
use concord_sync::pull::plan::Position;
use concord_sync::pull::{self, Progress, PullOptions, Stream};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::config::{SystemConfig, SystemKind};
use crate::error::{Result, ServiceError};
use crate::events::{Event, EventSink, NoEvents};
use crate::secrets::{SecretStorage, Secrets};
use crate::systems;
use crate::Service;

/// What to sync.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncOptions {
    /// Only the system of this name (or kind: `tryton`, `vendure`); all when absent.
    pub system: Option<String>,
    /// List every record, not only what changed since the last sync.
    pub full: bool,
}

/// How one stream of one system went.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StreamSummary {
    pub system: String,
    pub stream: String,
    pub full: bool,
    /// It went on from where an interrupted sync stopped.
    pub resumed: bool,
    #[ts(type = "number")]
    pub pages: u64,
    /// Records the system sent.
    #[ts(type = "number")]
    pub records: u64,
    /// Records new or changed.
    #[ts(type = "number")]
    pub changed: u64,
    #[ts(type = "number")]
    pub set_aside: u64,
    pub error: Option<String>,
}

/// What matching did after the pull.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ResolveSummary {
    /// Source records matched.
    #[ts(type = "number")]
    pub records: u64,
    #[ts(type = "number")]
    pub customers_created: u64,
    #[ts(type = "number")]
    pub customers_updated: u64,
    pub seconds: f64,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncSummary {
    /// True when the systems were the embedded sandbox (no system is configured).
    pub embedded_sandbox: bool,
    pub streams: Vec<StreamSummary>,
    #[ts(type = "number")]
    pub records_pulled: u64,
    #[ts(type = "number")]
    pub set_aside: u64,
    /// Every stream read to the end.
    pub complete: bool,
    pub pull_seconds: f64,
    pub resolve: ResolveSummary,
    /// The whole sync, pull and matching.
    pub seconds: f64,
}

/// Where one stream stands.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StreamPosition {
    pub stream: String,
    /// The next sync lists what changed at or after this moment (server clock).
    pub since: Option<String>,
    pub last_full_listing: Option<String>,
    /// An interrupted listing the next sync goes on with.
    pub unfinished: bool,
}

/// Where one system stands: what `concord status` and the status bar show.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SystemStatus {
    pub name: String,
    pub kind: SystemKind,
    pub url: Option<String>,
    pub embedded_sandbox: bool,
    pub last_attempt_at: Option<String>,
    pub last_success_at: Option<String>,
    pub last_error: Option<String>,
    #[ts(type = "number")]
    pub records_pulled: u64,
    /// Records that could not be read and wait for a fix in the system.
    #[ts(type = "number")]
    pub set_aside: u64,
    pub streams: Vec<StreamPosition>,
    pub secret: SecretStorage,
}

/// What `connect` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectReport {
    pub name: String,
    pub secret: SecretStorage,
    /// The settings file the system was added to.
    pub config_file: String,
}

/// The parts of a [`Service`] that sync needs beyond the cache.
pub(crate) struct SyncParts {
    events: RwLock<Arc<dyn EventSink>>,
    runtime: OnceLock<tokio::runtime::Runtime>,
    embedded: Mutex<Option<concord_sandbox::Sandbox>>,
    /// Held while a sync runs: two syncs of one installation at once would only race.
    running: Mutex<()>,
}

impl Default for SyncParts {
    fn default() -> Self {
        Self {
            events: RwLock::new(Arc::new(NoEvents)),
            runtime: OnceLock::new(),
            embedded: Mutex::new(None),
            running: Mutex::new(()),
        }
    }
}

impl Service {
    /// Sends the service's events to `sink` from now on.
    pub fn set_event_sink(&self, sink: Arc<dyn EventSink>) {
        *self
            .inner
            .sync
            .events
            .write()
            .unwrap_or_else(|e| e.into_inner()) = sink;
    }

    pub(crate) fn emit(&self, event: Event) {
        let sink = self
            .inner
            .sync
            .events
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        sink.emit(event);
    }

    fn secrets(&self) -> Secrets {
        Secrets::new(&self.paths().data_dir)
    }

    /// The runtime the pull and the embedded sandbox run on, made on first use.
    fn runtime(&self) -> Result<&tokio::runtime::Runtime> {
        if let Some(runtime) = self.inner.sync.runtime.get() {
            return Ok(runtime);
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("concord-sync")
            .build()
            .context("starting the sync runtime")?;
        Ok(self.inner.sync.runtime.get_or_init(|| runtime))
    }

    /// Runs `future` to completion on the sync runtime, blocking the calling thread. Hosts
    /// call service operations from a thread of their own (the desktop shell from a plain
    /// thread, not from inside an async task); from inside one this refuses with a message
    /// instead of panicking.
    pub(crate) fn run<T>(&self, future: impl std::future::Future<Output = T>) -> Result<T> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(ServiceError::internal(
                "a service operation that talks to the systems was called from inside an async \
                 task; call it from a thread of its own",
            ));
        }
        Ok(self.runtime()?.block_on(future))
    }

    /// The configured systems with their passwords; the embedded sandbox's when none is
    /// configured (started on first use).
    pub(crate) fn system_configs(&self) -> Result<(Vec<(SystemConfig, String)>, bool)> {
        let configured = &self.config().systems;
        if configured.is_empty() {
            return Ok((self.embedded_systems()?, true));
        }
        for kind in [SystemKind::Tryton, SystemKind::Vendure] {
            let named: Vec<&str> = configured
                .iter()
                .filter(|s| s.kind == kind)
                .map(|s| s.name.as_str())
                .collect();
            if named.len() > 1 {
                return Err(ServiceError::invalid_input(format!(
                    "{} in {} are all {kind} systems; the cache keeps one system of each kind",
                    named.join(", "),
                    self.paths().config_file().display()
                )));
            }
        }
        let secrets = self.secrets();
        let mut systems = Vec::new();
        for system in configured {
            let (password, _) = secrets.load(&system.name)?;
            let password = password.ok_or_else(|| {
                ServiceError::invalid_input(format!(
                    "no password is stored for {:?}: run `concord connect` for it",
                    system.name
                ))
            })?;
            systems.push((system.clone(), password));
        }
        Ok((systems, false))
    }

    fn embedded_systems(&self) -> Result<Vec<(SystemConfig, String)>> {
        let mut embedded = self
            .inner
            .sync
            .embedded
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if embedded.is_none() {
            let options = concord_sandbox::SandboxOptions {
                customers: systems::EMBEDDED_CUSTOMERS,
                seed: systems::EMBEDDED_SEED,
                faults: concord_sandbox::FaultSpec::none(),
            };
            let sandbox = self
                .run(concord_sandbox::Sandbox::start(options))?
                .context("starting the embedded sandbox")?;
            tracing::info!("embedded sandbox started");
            *embedded = Some(sandbox);
        }
        let sandbox = embedded.as_ref().expect("started above");
        Ok(systems::embedded_configs(sandbox))
    }

    /// Pulls from the systems, then matches what changed into customers.
    #[tracing::instrument(skip_all, err)]
    pub fn sync(&self, options: SyncOptions) -> Result<SyncSummary> {
        let _running =
            self.inner.sync.running.try_lock().map_err(|_| {
                ServiceError::invalid_input("a sync is already running in this window")
            })?;
        let started = Instant::now();
        let (configs, embedded_sandbox) = self.system_configs()?;
        let chosen: Vec<&(SystemConfig, String)> = configs
            .iter()
            .filter(|(config, _)| match &options.system {
                None => true,
                Some(wanted) => {
                    config.name.eq_ignore_ascii_case(wanted)
                        || config.kind.as_str().eq_ignore_ascii_case(wanted)
                }
            })
            .collect();
        if chosen.is_empty() {
            let names: Vec<&str> = configs.iter().map(|(c, _)| c.name.as_str()).collect();
            return Err(ServiceError::invalid_input(format!(
                "no system is called {:?}; the systems are: {}",
                options.system.as_deref().unwrap_or_default(),
                names.join(", ")
            )));
        }
        let connected: Vec<pull::SystemPull> = chosen
            .iter()
            .map(|(config, password)| systems::connect(config, password))
            .collect::<Result<_>>()?;
        tracing::info!(
            systems = connected.len(),
            embedded_sandbox,
            full = options.full,
            "sync started"
        );

        let conn = concord_store::open(self.cache_path())
            .map_err(|e| ServiceError::internal(e.to_string()))?;
        let service = self.clone();
        let progress: pull::ProgressFn = Arc::new(move |p: &Progress| {
            service.emit(Event::SyncProgress {
                system: p.system.as_str().to_owned(),
                stream: p.stream.as_str().to_owned(),
                records: p.records,
                pages: p.pages,
                rate_per_sec: p.rate_per_sec,
                done: p.done,
            });
        });
        let pulls = connected;
        let pull_options = PullOptions {
            full: options.full,
            ..PullOptions::default()
        };
        let report = self.run(pull::pull(conn, pulls, pull_options, Some(progress)))??;

        let resolve_started = Instant::now();
        let resolved = {
            let mut writer = self.cache().write();
            // Matching: the one call that turns pending source records into customers.
            concord_store::resolve::resolve_pending(
                &mut writer,
                &pull::stamp(Utc::now()),
                &self.resolve_settings()?,
            )
            .context("matching the records pulled into customers")?
        };
        let resolve = ResolveSummary {
            records: resolved.pending as u64,
            customers_created: resolved.customers_created as u64,
            customers_updated: resolved.customers_updated as u64,
            seconds: resolve_started.elapsed().as_secs_f64(),
        };

        let summary = SyncSummary {
            embedded_sandbox,
            streams: report
                .streams
                .iter()
                .map(|s| StreamSummary {
                    system: s.system.as_str().to_owned(),
                    stream: s.stream.as_str().to_owned(),
                    full: s.full,
                    resumed: s.resumed,
                    pages: s.pages,
                    records: s.received,
                    changed: s.changed,
                    set_aside: s.set_aside,
                    error: s.error.clone(),
                })
                .collect(),
            records_pulled: report.received(),
            set_aside: report.set_aside(),
            complete: report.complete(),
            pull_seconds: report.seconds,
            resolve,
            seconds: started.elapsed().as_secs_f64(),
        };
        tracing::info!(
            records = summary.records_pulled,
            set_aside = summary.set_aside,
            complete = summary.complete,
            "sync finished"
        );
        self.emit(Event::SyncFinished {
            summary: summary.clone(),
        });
        self.emit(Event::StatusChanged);
        Ok(summary)
    }

    /// Where each system stands, configured or embedded.
    pub fn sync_status(&self) -> Result<Vec<SystemStatus>> {
        let configured = &self.config().systems;
        let embedded = configured.is_empty();
        let secrets = self.secrets();
        let entries: Vec<(String, SystemKind, Option<String>, SecretStorage)> = if embedded {
            vec![
                (
                    "sandbox ERP".into(),
                    SystemKind::Tryton,
                    None,
                    SecretStorage::Keyring,
                ),
                (
                    "sandbox web store".into(),
                    SystemKind::Vendure,
                    None,
                    SecretStorage::Keyring,
                ),
            ]
        } else {
            configured
                .iter()
                .map(|s| {
                    let storage = secrets
                        .load(&s.name)
                        .map(|(_, storage)| storage)
                        .unwrap_or(SecretStorage::Missing);
                    (s.name.clone(), s.kind, Some(s.url.clone()), storage)
                })
                .collect()
        };

        let conn = self.cache().read();
        let mut statuses = Vec::new();
        for (name, kind, url, secret) in entries {
            let system = kind.as_str();
            let status = sync_status::get(&conn, system).context("reading the sync status")?;
            let mut streams = Vec::new();
            for stream in Stream::ALL {
                let stored = sync_cursor::get(&conn, system, stream.as_str())
                    .context("reading the sync positions")?;
                let position = Position::parse(stored.as_deref());
                streams.push(StreamPosition {
                    stream: stream.as_str().to_owned(),
                    since: position.since.map(pull::stamp),
                    last_full_listing: position.last_full.map(pull::stamp),
                    unfinished: position.listing.is_some(),
                });
            }
            statuses.push(SystemStatus {
                name,
                kind,
                url,
                embedded_sandbox: embedded,
                last_attempt_at: status.as_ref().and_then(|s| s.last_attempt_at.clone()),
                last_success_at: status.as_ref().and_then(|s| s.last_success_at.clone()),
                last_error: status.as_ref().and_then(|s| s.last_error.clone()),
                records_pulled: status
                    .as_ref()
                    .map_or(0, |s| s.records_pulled.max(0) as u64),
                set_aside: set_aside::count(&conn, system)
                    .context("counting set-aside records")?
                    .max(0) as u64,
                streams,
                secret: if embedded {
                    // The sandbox's invented login lives in memory only.
                    SecretStorage::Missing
                } else {
                    secret
                },
            });
        }
        Ok(statuses)
    }

    /// Tests a system's URL and credentials by logging in, then keeps the password (keyring,
    /// or the named fallback file) and adds the system to `config.toml`. Nothing is written
    /// when the login fails.
    pub fn connect(&self, system: SystemConfig, password: &str) -> Result<ConnectReport> {
        if self
            .config()
            .systems
            .iter()
            .any(|s| s.name.eq_ignore_ascii_case(&system.name))
        {
            return Err(ServiceError::invalid_input(format!(
                "a system called {:?} is already in {}",
                system.name,
                self.paths().config_file().display()
            )));
        }
        if let Some(other) = self.config().systems.iter().find(|s| s.kind == system.kind) {
            return Err(ServiceError::invalid_input(format!(
                "{:?} is already the {} system; the cache keeps one system of each kind",
                other.name, system.kind
            )));
        }
        let connected = systems::connect(&system, password)?;
        self.run(systems::test_login(&connected.source))?
            .map_err(systems::connector_error)?;

        let secret = self.secrets().store(&system.name, password)?;
        let path = self.paths().config_file();
        crate::config::append_system(&path, &system)?;
        tracing::info!(kind = %system.kind, "system connected");
        Ok(ConnectReport {
            name: system.name,
            secret,
            config_file: path.display().to_string(),
        })
    }
}
