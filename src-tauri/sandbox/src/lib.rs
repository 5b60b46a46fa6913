//! Embedded stand-ins for a web store (Vendure Admin GraphQL) and an ERP (Tryton JSON-RPC),
//! served on loopback with a deterministic population and injectable network faults.
//!
//! [`Sandbox::start`] starts both inside the caller's tokio runtime on ephemeral ports of
//! 127.0.0.1 and hands back where they are and how to log in. The same connectors that talk to
//! the real systems talk to these, and the connectors' contract tests run against both, so the
//! sandbox answers as the real systems do: it is for demos, fault injection and scale. It must
//! never listen beyond loopback, and every person in it is invented.

pub mod faults;
pub mod population;
pub mod tryton;
pub mod usps;
pub mod vendure;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use axum::Router;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use tower::ServiceExt as _;

pub use faults::FaultSpec;
use faults::{ConnectionKill, FaultLayerState, Faults, Protocol};

/// The web store's superadmin password in every sandbox (it is not a secret: loopback only).
pub const VENDURE_PASSWORD: &str = "sandbox-superadmin";

/// Writes applied per `Idempotency-Key` request header, counted by both systems into one log.
#[derive(Clone, Default)]
pub struct WriteLog {
    counts: Arc<Mutex<HashMap<String, u32>>>,
}

impl WriteLog {
    /// Counts one applied write under `key`.
    pub fn record(&self, key: &str) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        *counts.entry(key.to_owned()).or_default() += 1;
    }

    /// How many writes arrived with this key.
    pub fn count(&self, key: &str) -> u32 {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.get(key).copied().unwrap_or(0)
    }
}

/// What to start: how many people, from which seed, with which faults.
#[derive(Debug, Clone, Default)]
pub struct SandboxOptions {
    /// People in the population; 0 gives empty systems (the catalogue only).
    pub customers: usize,
    /// Decides the population; the same seed gives the same people and records.
    pub seed: u64,
    pub faults: FaultSpec,
}

/// Where the web store's Admin API is and who to log in as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendureAccess {
    /// The Admin API, e.g. `http://127.0.0.1:41234/admin-api`.
    pub url: String,
    pub username: String,
    pub password: String,
}

/// Where the ERP's JSON-RPC is and who to log in as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrytonAccess {
    /// The server root, e.g. `http://127.0.0.1:41235/` (JSON-RPC at `<url><database>/rpc/`).
    pub url: String,
    pub database: String,
    pub login: String,
    pub password: String,
}

/// One HTTP server of the sandbox: its address and how to stop it.
struct Server {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Server {
    async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Both systems, running. Dropping it without [`Sandbox::shutdown`] leaves the servers running
/// until the runtime ends.
pub struct Sandbox {
    tryton: Server,
    erp_state: Arc<tryton::ErpState>,
    vendure: Server,
    vendure_state: vendure::VendureState,
    faults: Faults,
    writes: WriteLog,
}

impl Sandbox {
    /// Starts both systems on ephemeral loopback ports.
    pub async fn start(options: SandboxOptions) -> anyhow::Result<Sandbox> {
        Self::start_on(options, 0, 0).await
    }

    /// Starts both systems on the given loopback ports (0 for any free port).
    pub async fn start_on(
        options: SandboxOptions,
        tryton_port: u16,
        vendure_port: u16,
    ) -> anyhow::Result<Sandbox> {
        let writes = WriteLog::default();
        let faults = Faults::new(options.faults.clone());
        let population = (options.customers > 0)
            .then(|| population::Population::generate(options.customers, options.seed));

        let erp_state = match &population {
            Some(population) => tryton::ErpState::seeded(population),
            None => tryton::ErpState::empty(),
        };
        let erp_writes = writes.clone();
        let erp_state = Arc::new(erp_state.with_write_observer(move |key| erp_writes.record(key)));
        let tryton_router = with_faults(
            tryton::router(erp_state.clone()),
            &faults,
            Protocol::TrytonJsonRpc,
        );
        let tryton = serve(tryton_router, tryton_port)
            .await
            .context("starting the sandbox ERP")?;
        tracing::info!(port = tryton.addr.port(), "sandbox ERP listening");

        let (username, password) = (vendure::DEFAULT_USERNAME, VENDURE_PASSWORD);
        let vendure_state = match &population {
            Some(population) => {
                vendure::VendureState::seeded(username, password, writes.clone(), population)
            }
            None => vendure::VendureState::new(username, password, writes.clone()),
        };
        let vendure_router = with_faults(
            vendure::router(vendure_state.clone()),
            &faults,
            Protocol::VendureGraphql,
        );
        let vendure = match serve(vendure_router, vendure_port).await {
            Ok(server) => server,
            Err(error) => {
                // Half a sandbox is no use: the ERP stops too, freeing its port.
                tryton.stop().await;
                return Err(error.context("starting the sandbox web store"));
            }
        };
        tracing::info!(port = vendure.addr.port(), "sandbox web store listening");

        Ok(Sandbox {
            tryton,
            erp_state,
            vendure,
            vendure_state,
            faults,
            writes,
        })
    }

    /// The ERP's server root, database and administrator.
    pub fn tryton(&self) -> TrytonAccess {
        TrytonAccess {
            url: format!("http://{}/", self.tryton.addr),
            database: self.erp_state.database().to_owned(),
            login: self.erp_state.login().to_owned(),
            password: self.erp_state.password().to_owned(),
        }
    }

    /// The ERP's records, to inspect them in tests.
    pub fn erp_state(&self) -> &tryton::ErpState {
        &self.erp_state
    }

    /// The web store's Admin API and its superadmin.
    pub fn vendure(&self) -> VendureAccess {
        VendureAccess {
            url: format!("http://{}{}", self.vendure.addr, vendure::ADMIN_API_PATH),
            username: self.vendure_state.username().to_owned(),
            password: self.vendure_state.password().to_owned(),
        }
    }

    /// The web store's records, to inspect them in tests.
    pub fn vendure_state(&self) -> &vendure::VendureState {
        &self.vendure_state
    }

    /// Puts other faults in force from now on, for both systems.
    pub fn set_faults(&self, faults: FaultSpec) {
        self.faults.set(faults);
    }

    /// How many writes arrived with this `Idempotency-Key`, in both systems.
    pub fn writes_by_key(&self, idempotency_key: &str) -> u32 {
        self.writes.count(idempotency_key)
    }

    /// Stops both servers and waits until they no longer accept connections.
    pub async fn shutdown(self) {
        self.tryton.stop().await;
        self.vendure.stop().await;
    }
}

fn with_faults(router: Router, faults: &Faults, protocol: Protocol) -> Router {
    let state = FaultLayerState {
        faults: faults.clone(),
        protocol,
    };
    router.layer(axum::middleware::from_fn_with_state(state, faults::apply))
}

/// Serves `router` on 127.0.0.1:`port`, one task per connection. Each request carries a
/// [`ConnectionKill`] so that a fault can close its connection without an answer.
async fn serve(router: Router, port: u16) -> anyhow::Result<Server> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("binding 127.0.0.1:{port}"))?;
    let addr = listener.local_addr()?;
    let (stop, mut stopped) = watch::channel(false);

    let task = tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            let stream = tokio::select! {
                _ = stopped.changed() => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::debug!("sandbox accept failed: {e}");
                        continue;
                    }
                },
            };
            let kill = Arc::new(Notify::new());
            let router = router.clone();
            let kill_for_requests = kill.clone();
            let service = hyper::service::service_fn(move |mut request| {
                request
                    .extensions_mut()
                    .insert(ConnectionKill(kill_for_requests.clone()));
                router.clone().oneshot(request)
            });
            let mut stopped = stopped.clone();
            connections.spawn(async move {
                let connection = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service);
                tokio::select! {
                    result = connection => {
                        if let Err(e) = result {
                            tracing::debug!("sandbox connection ended: {e}");
                        }
                    }
                    // Dropping the connection closes the socket without an answer.
                    _ = kill.notified() => {}
                    _ = stopped.changed() => {}
                }
            });
            // Reap finished connections so the set does not grow with a long run.
            while connections.try_join_next().is_some() {}
        }
        connections.shutdown().await;
    });
    Ok(Server { addr, stop, task })
}
