//! A stand-in for Tryton 8.0, the ERP, speaking its JSON-RPC on loopback.
//!
//! Concord's Tryton connector runs unchanged against it: the contract tests
//! (`sync/tests/contract/tryton.rs`) pass against this server and against a real Tryton 8.0
//! alike, and where the two could differ the real one was asked and this one answers the same.
//!
//! # What is served, and why only that
//!
//! `POST /<database>/rpc/` with `{"id", "method", "params"}`, the last parameter being the
//! context:
//! - `common.db.login [login, {"password"}, lang]` answers `[user_id, token, null]`; later
//!   calls carry `Authorization: Session base64(login:user_id:token)`.
//!   `common.db.logout` ends the session; `common.server.version` answers the version.
//! - `model.res.user.get_preferences` answers the user's context (company, language).
//! - `search`, `search_read`, `search_count`, `read`, `create`, `write`, `delete` on the
//!   models Concord reads or its tests set up: `party.party`, `party.address`,
//!   `party.contact_mechanism`, `party.category`, `country.country`, `country.subdivision`,
//!   `currency.currency`, `company.company`, `product.uom`, `product.template`,
//!   `product.product`, `sale.sale` and `sale.line`; and the sale buttons `quote`, `confirm`,
//!   `cancel`, `draft`, refused as Tryton refuses them (a button not available in the sale's
//!   state, a quote without lines, without an invoice address, or for goods without a
//!   shipment address). A quote numbers the sale; a confirmation dates it.
//! - Domains as Tryton parses them: nested lists joined by `AND`/`OR`; the operators `=`,
//!   `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`, `like`, `ilike`, `not like`, `not ilike`;
//!   dotted paths through many2one, one2many and many2many (`addresses.last_modified_at`);
//!   SQL's nulls as Tryton words them (`!=` also matches an empty field, a one2many `= null`
//!   means none). `order`, `offset` and `limit`; keyset paging by `id` walks the index.
//! - Dotted field names when reading (`country.code` answers under `"country."`).
//! - Typed values (`Decimal`, `date`, `datetime` objects), booleans as 0/1 as SQLite gives them,
//!   `create_date`, `write_date`, `last_modified_at` (the write date; set on create too) and
//!   `_timestamp`; a `write` or `delete` whose context carries a `_timestamp` other than the
//!   record's current one fails with `ConcurrencyException` and changes nothing.
//! - one2many and many2many commands `create`, `write`, `delete`, `add`, `remove`.
//! - Active records: a search leaves out records whose `active` is off unless its domain names
//!   `active` or the context says `active_test: false`; one2many and many2many fields list
//!   active records only. Deleting follows each reference: children cascade, a required
//!   many2one (a sale's party) forbids the delete, any other is emptied. An address or contact
//!   mechanism never changes party. Party codes come from a sequence and are unique.
//!
//! Failures answer as Tryton's do: HTTP 401 for a refused login (HTML body) or an unknown
//! session (empty body), 403 for a method or model not exposed, 400 for a body that is not
//! JSON-RPC, 422 when the context is missing, and HTTP 200 `{"error": [name, detail]}` for
//! application errors (`UserError`, `ConcurrencyException`, and `["'field'", ""]` for an unknown
//! field, as the real server's KeyError reads).
//!
//! `tests/tryton_fidelity.rs` asks this server and a real Tryton 8.0 the same questions and
//! requires the same answers; add a question there when a new behaviour is copied.
//!
//! Left out on purpose, because Concord never calls them: other models and methods (they
//! answer 403), access rules, taxes (every sale's tax is 0), `child_of`, `rec_name` searches
//! beyond a many2one compared with text, `copy`, translations, and sessions that expire.
//!
//! Each write call (`create`, `write`, `delete`, a sale button) that succeeds is counted under
//! its `Idempotency-Key` request header, if it has one ([`ErpState::writes_by_key`]): the real
//! server ignores the header, tests use the count to prove a correction was written once.
//!
//! Records live in memory, one ordered map per model. Seeding 100,000 people (about 800,000
//! ERP records) takes about four seconds and 340 MB in a debug build.
//! TODO(perf): a search that is not keyset-paged by `id` scans the whole model, and deleting
//! a record scans every model that refers to it; fine for tests and demos, slow for bulk
//! deletes in a large population.
//!
//! It must never listen anywhere but loopback, and holds no real person's data: the people
//! come from the synthetic FEBRL data set and from [`crate::population`].
//!
//! # Use
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use std::sync::Arc;
//! use concord_sandbox::tryton::ErpState;
//!
//! let state = Arc::new(ErpState::empty());
//! let address = concord_sandbox::tryton::spawn_on_loopback(state.clone()).await?;
//! let url = format!("http://{address}/");
//! // Log in to `url` as `state.login()` / `state.password()` on `state.database()`;
//! // or serve `concord_sandbox::tryton::router(state)` wrapped in other layers.
//! # Ok(()) }
//! ```

mod db;
mod domain;
mod rpc;
mod schema;
mod seed;
mod value;

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, RwLock};

use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

use crate::population::Population;

/// The version `common.server.version` answers.
pub const VERSION: &str = "8.0.12";
/// The database the sandbox serves.
pub const DATABASE: &str = "concord";
/// The one user, with Tryton's usual administrator login.
pub const LOGIN: &str = "admin";
/// The administrator's password.
pub const PASSWORD: &str = "concord-sandbox-Pw7";
/// The administrator's user ID.
const USER_ID: i64 = 1;

type WriteObserver = Box<dyn Fn(&str) + Send + Sync>;

/// The sandbox ERP: its database, sessions and write counts. Share it behind an [`Arc`] with
/// [`router`]; every method takes `&self`.
pub struct ErpState {
    db: RwLock<db::Database>,
    sessions: Mutex<HashSet<String>>,
    writes: Mutex<HashMap<String, u32>>,
    /// Told of each counted write too, so a caller can keep one count across systems.
    write_observer: Option<WriteObserver>,
    database: String,
    login: String,
    password: String,
}

impl ErpState {
    /// A database with what a fresh Tryton gets from `tests/systems/tryton/seed.py`: a
    /// company, currencies, countries with subdivisions, a unit and three products; no
    /// customers.
    pub fn empty() -> ErpState {
        let mut db = db::Database::new();
        seed::basics(&mut db);
        ErpState {
            db: RwLock::new(db),
            sessions: Mutex::new(HashSet::new()),
            writes: Mutex::new(HashMap::new()),
            write_observer: None,
            database: DATABASE.to_owned(),
            login: LOGIN.to_owned(),
            password: PASSWORD.to_owned(),
        }
    }

    /// The basics of [`ErpState::empty`] plus every ERP record of `population`: parties with
    /// their addresses, contact mechanisms and categories, and their sales.
    pub fn seeded(population: &Population) -> ErpState {
        let state = ErpState::empty();
        {
            let mut db = state.db.write().expect("a new lock is not poisoned");
            seed::population(&mut db, population);
        }
        state
    }

    /// Also tells `observer` the `Idempotency-Key` of every write counted, for a count kept
    /// across both sandbox systems.
    pub fn with_write_observer(
        mut self,
        observer: impl Fn(&str) + Send + Sync + 'static,
    ) -> ErpState {
        self.write_observer = Some(Box::new(observer));
        self
    }

    pub fn database(&self) -> &str {
        &self.database
    }

    pub fn login(&self) -> &str {
        &self.login
    }

    pub fn password(&self) -> &str {
        &self.password
    }

    /// How many write calls carried `Idempotency-Key: key` and succeeded.
    pub fn writes_by_key(&self, key: &str) -> u32 {
        let writes = self
            .writes
            .lock()
            .expect("the write counts lock is never poisoned");
        writes.get(key).copied().unwrap_or(0)
    }

    /// How many records `model` holds (0 for a model the sandbox does not serve).
    pub fn count(&self, model: &str) -> usize {
        let db = self
            .db
            .read()
            .expect("the ERP database lock is never poisoned");
        db.table(model).map(|t| db.len(t)).unwrap_or(0)
    }

    fn count_write(&self, key: &str) {
        let mut writes = self
            .writes
            .lock()
            .expect("the write counts lock is never poisoned");
        *writes.entry(key.to_owned()).or_default() += 1;
        drop(writes);
        if let Some(observer) = &self.write_observer {
            observer(key);
        }
    }

    fn open_session(&self) -> String {
        let mut sessions = self
            .sessions
            .lock()
            .expect("the sessions lock is never poisoned");
        // Tokens only need to be unguessable by another test, not secure: the std hasher's
        // random per-process keys serve without another dependency.
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_usize(sessions.len());
        let high = hasher.finish();
        hasher.write_u64(high);
        let token = format!("{high:016x}{:016x}", hasher.finish());
        sessions.insert(token.clone());
        token
    }

    fn close_session(&self, headers: &HeaderMap) {
        if let Some((_, _, token)) = rpc::session_of(headers) {
            self.sessions
                .lock()
                .expect("the sessions lock is never poisoned")
                .remove(&token);
        }
    }

    fn has_session(&self, headers: &HeaderMap) -> bool {
        let Some((login, user, token)) = rpc::session_of(headers) else {
            return false;
        };
        login == self.login
            && user == USER_ID
            && self
                .sessions
                .lock()
                .expect("the sessions lock is never poisoned")
                .contains(&token)
    }

    fn preferences(&self) -> Value {
        json!({
            "company": seed::COMPANY_ID,
            "company.rec_name": seed::COMPANY_NAME,
            "company_filter": "one",
            "language": "en",
            "language_direction": "ltr",
            "groups": [1],
        })
    }
}

/// Serves `state` alone on an ephemeral port of 127.0.0.1 in the current tokio runtime, until
/// the runtime ends; answers where. For tests that need the ERP without the web store (the
/// whole sandbox starts with [`crate::Sandbox::start`]).
pub async fn spawn_on_loopback(state: Arc<ErpState>) -> std::io::Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let app = router(state);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::warn!("the sandbox ERP stopped serving: {error}");
        }
    });
    Ok(address)
}

/// The HTTP routes of the sandbox ERP: `POST /<database>/rpc/`. Wrap it in layers (faults)
/// before serving as needed.
pub fn router(state: Arc<ErpState>) -> Router {
    Router::new()
        .route("/{database}/rpc/", post(rpc::handle))
        .with_state(state)
}
