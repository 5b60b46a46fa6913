//! The operations reps and supervisors perform, written once for every host: the desktop
//! shell, the command line and the tests call them the same way.
//!
//! Nothing here knows about Tauri or a terminal.
//!
//! # The IPC contract
//!
//! Every type that crosses to the desktop UI (arguments, results, events, errors) derives
//! `ts_rs::TS` and carries `#[ts(export)]`. Running the tests (`cargo test --workspace`)
//! writes the TypeScript declarations into `ui/src/lib/ipc/` (the folder is set in
//! `.cargo/config.toml`); they are committed, and the test command fails when the committed
//! files differ from what the Rust types produce. Errors cross as [`ServiceError`]:
//! `{ code, message }`.
//!
//! # Adding an operation
//!
//! A method on [`Service`] taking plain values and returning [`Result`]. Methods may block
//! (SQLite, files); hosts call them off their UI thread. A method never prints and never
//! logs personal data above `debug` (see [`logging`]).

pub mod address_form;
mod cache;
pub mod config;
pub mod corrections;
pub mod error;
pub mod events;
pub mod logging;
pub mod lookup;
pub mod review;
pub mod roles;
pub mod secrets;
pub mod settings;
pub mod status;
pub mod sync;
mod systems;

use std::sync::Arc;

use anyhow::Context as _;

pub use cache::CACHE_FILE_NAME;
pub use config::{Config, Paths, Role};
pub use error::{ErrorCode, Result, ServiceError};
pub use lookup::{CustomerView, LookupHit, LookupResults};
pub use review::{ReviewDecision, ReviewDetail, ReviewSummary};
pub use status::{AppStatus, SyncState};
pub use sync::{SyncOptions, SyncSummary, SystemStatus};

/// An open Concord installation: its folders, its settings and, as they land, its cache and
/// sync engine. Cloning is cheap and every clone shares the same state, so one `Service` can
/// serve many threads.
#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

struct Inner {
    paths: Paths,
    config: Config,
    cache: cache::Cache,
    sync: sync::SyncParts,
}

impl Service {
    /// Opens the installation in `paths`, creating its data folder on first use.
    // No `err` here: a settings error may quote the file, and the file names a person.
    #[tracing::instrument(skip_all, fields(data_dir = %paths.data_dir.display()))]
    pub fn open(paths: Paths) -> Result<Self> {
        std::fs::create_dir_all(&paths.data_dir)
            .with_context(|| format!("creating the data folder {}", paths.data_dir.display()))?;
        let config = Config::load(&paths.config_file())?;
        let cache = cache::Cache::open(&paths.data_dir)?;

        tracing::info!(role = %config.user.role, "service opened");
        Ok(Self {
            inner: Arc::new(Inner {
                paths,
                config,
                cache,
                sync: sync::SyncParts::default(),
            }),
        })
    }

    /// The folders this installation uses.
    pub fn paths(&self) -> &Paths {
        &self.inner.paths
    }

    /// The local cache.
    pub(crate) fn cache(&self) -> &cache::Cache {
        &self.inner.cache
    }

    /// The file holding the local cache.
    pub fn cache_path(&self) -> &std::path::Path {
        self.inner.cache.path()
    }

    /// The settings read when the installation was opened.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// How records are matched and merged: the defaults, with the survivorship rules of
    /// `config.toml` laid over them.
    pub(crate) fn resolve_settings(&self) -> Result<concord_store::resolve::ResolveSettings> {
        let survivorship = self
            .inner
            .config
            .survivorship
            .settings()
            .map_err(ServiceError::invalid_input)?;
        Ok(concord_store::resolve::ResolveSettings {
            survivorship,
            ..Default::default()
        })
    }

    /// What the status bar shows.
    pub fn status(&self) -> Result<AppStatus> {
        let user = &self.inner.config.user;
        // Read on its own line: the read connection's lock is released before the next read.
        let sync = SyncState::read(&self.cache().read()).context("reading the sync status")?;
        Ok(AppStatus {
            sync,
            pending_pushes: self.pending_pushes()?,
            user: user.name.clone(),
            role: user.role,
        })
    }
}
