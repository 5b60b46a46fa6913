//! A stand-in for Vendure's Admin GraphQL API (the web store), served in process.
//!
//! It speaks the subset of Vendure 3's Admin API that Concord's connector and the contract
//! tests use, with Vendure's names, shapes and quirks, so the same client code runs against it
//! and against a real Vendure:
//!
//! - `login(username, password)`: the token comes back in the `vendure-auth-token` header and
//!   is sent afterwards as `Authorization: Bearer TOKEN`; a wrong password is an
//!   `InvalidCredentialsError` result with HTTP 200; without a valid token every other
//!   operation answers HTTP 200 with a `FORBIDDEN` GraphQL error and no data. `logout`, `me`.
//! - Queries: `customers` and `orders` (`take`/`skip`, `sort`, `filter` with string, ID, date,
//!   boolean and number operators, `filterOperator: AND | OR`), `customer(id)`, `order(id)`,
//!   `customerGroups`, `productVariants`, `countries`, `eligibleShippingMethodsForDraftOrder`.
//!   A customer has `addresses` (with `country { code name }`), `groups`, `user` (null for a
//!   guest) and `orders(options)`; an order has `customer`, `lines` with `productVariant`,
//!   `shippingLines`, money in minor units, and `billingAddress`/`shippingAddress` snapshots.
//! - Mutations: `createCustomer`, `updateCustomer`, `deleteCustomer`, `createCustomerAddress`,
//!   `updateCustomerAddress`, `deleteCustomerAddress`, `createCustomerGroup`,
//!   `addCustomersToGroup`, `removeCustomersFromGroup`, and the draft order flow
//!   (`createDraftOrder`, `setCustomerForDraftOrder`, `addItemToDraftOrder`,
//!   `setDraftOrderBillingAddress`, `setDraftOrderShippingAddress`,
//!   `setDraftOrderShippingMethod`, `transitionOrderToState`, `addManualPaymentToOrder`), with
//!   Vendure's error-result unions (`... on ErrorResult { errorCode message }`).
//! - A query that does not parse or validate is HTTP 400 with `GRAPHQL_PARSE_FAILED` or
//!   `GRAPHQL_VALIDATION_FAILED` and a message naming the field; a body that is not JSON is
//!   HTTP 400 with NestJS's `{"statusCode": 400, "message": ...}`.
//!
//! Behaviour copied from Vendure 3.7.3 on SQLite: `createdAt`/`updatedAt` in whole seconds,
//! `orderPlacedAt` with milliseconds; a date filter's `after` includes its own instant; editing
//! an address or a customer's groups does not move the customer's `updatedAt`, and paying an
//! order does not move the order's; order addresses are copies that later address book edits
//! never reach; guests (made by `setCustomerForDraftOrder` with `input`) have no `user`. The
//! catalogue is fixed: the countries, products, shipping method (500) and payment method
//! (`manual`) that `tests/systems/vendure/seed.js` gives the real server, with no tax.
//!
//! Not served: the Shop API, anything about products beyond reading variants, promotions, tax
//! configuration, fulfilment, refunds, channels, roles and administrators, custom fields.
//! It must never listen anywhere but loopback, and it holds invented people only.
//!
//! TODO(sandbox): payments are not kept as records (an order answers no `payments`), since
//! Concord reads only an order's state and placing date; a client that reads payments needs them.

mod schema;
mod seed;
pub mod store;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::json;

use crate::WriteLog;
pub use store::Store;

/// The response header that carries a new session token.
pub const TOKEN_HEADER: &str = "vendure-auth-token";
/// The path of the Admin API, as on a real Vendure server.
pub const ADMIN_API_PATH: &str = "/admin-api";
/// The superadmin's name, as Vendure's default.
pub const DEFAULT_USERNAME: &str = "superadmin";

/// The web store's records, sessions and write counts, shared by every request.
pub struct Shared {
    store: Mutex<Store>,
    sessions: Mutex<HashSet<String>>,
    session_counter: Mutex<u64>,
    /// Mixed into session tokens so that tokens of two sandboxes differ.
    token_salt: u64,
    pub(crate) username: String,
    pub(crate) password: String,
    pub(crate) writes: WriteLog,
}

impl Shared {
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while the lock was held leaves records that were valid before the write or
        // after it (every write checks before it changes), so the data is still usable.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn open_session(&self) -> String {
        let mut counter = self
            .session_counter
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *counter += 1;
        let token = format!(
            "{:016x}{:016x}",
            crate::faults::mix(self.token_salt ^ *counter),
            crate::faults::mix(*counter)
        );
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(token.clone());
        token
    }

    fn close_session(&self, token: &str) {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(token);
    }

    fn has_session(&self, token: &str) -> bool {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(token)
    }
}

/// A handle on one web store: its records, its login and its schema.
#[derive(Clone)]
pub struct VendureState {
    shared: Arc<Shared>,
    schema: schema::VendureSchema,
}

impl VendureState {
    /// An empty web store (the catalogue only) whose superadmin logs in with these
    /// credentials; writes are counted in `writes`.
    pub fn new(username: &str, password: &str, writes: WriteLog) -> Self {
        let shared = Arc::new(Shared {
            store: Mutex::new(Store::default()),
            sessions: Mutex::new(HashSet::new()),
            session_counter: Mutex::new(0),
            token_salt: crate::faults::mix(password.len() as u64 ^ 0x5eed),
            username: username.to_owned(),
            password: password.to_owned(),
            writes,
        });
        let schema = schema::build(shared.clone());
        Self { shared, schema }
    }

    /// A web store holding the population's web customers, addresses, groups and orders.
    pub fn seeded(
        username: &str,
        password: &str,
        writes: WriteLog,
        population: &crate::population::Population,
    ) -> Self {
        let state = Self::new(username, password, writes);
        seed::seed(&mut state.store(), population);
        state
    }

    /// Direct access to the records, to seed them or to check them in tests.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.shared.store()
    }

    pub fn username(&self) -> &str {
        &self.shared.username
    }

    pub fn password(&self) -> &str {
        &self.shared.password
    }

    /// The schema in GraphQL SDL, for people who want to see what is served.
    pub fn sdl(&self) -> String {
        self.schema.sdl()
    }
}

/// The Admin API's routes: `POST /admin-api`.
pub fn router(state: VendureState) -> Router {
    Router::new()
        .route(ADMIN_API_PATH, post(admin_api))
        .with_state(state)
}

async fn admin_api(State(state): State<VendureState>, headers: HeaderMap, body: Bytes) -> Response {
    let request: async_graphql::Request = match serde_json::from_slice::<serde_json::Value>(&body) {
        Err(e) => {
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            return json_response(
                StatusCode::BAD_REQUEST,
                &json!({"statusCode": 400, "message": format!("Unexpected JSON: {e}"),
                    "timestamp": now, "path": ADMIN_API_PATH}),
                HeaderMap::new(),
            );
        }
        Ok(value) => match serde_json::from_value(value) {
            Ok(request) => request,
            Err(_) => {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    &json!({"errors": [{"message": "GraphQL operations must contain a \
                        non-empty `query` or a `persistedQuery` extension.",
                        "extensions": {"code": "BAD_REQUEST"}}]}),
                    HeaderMap::new(),
                )
            }
        },
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    let idempotency_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let request = request.data(schema::RequestInfo {
        token,
        idempotency_key,
    });

    let response = state.schema.execute(request).await;

    let mut headers = HeaderMap::new();
    for (name, value) in response.http_headers.iter() {
        headers.insert(name.clone(), value.clone());
    }
    if response.errors.is_empty() {
        // Serialized as it is, so the fields keep the order the query asked for them in.
        let body = serde_json::to_vec(&response).unwrap_or_default();
        return json_bytes(StatusCode::OK, body, headers);
    }
    let mut status = StatusCode::OK;
    let mut body = serde_json::to_value(&response).unwrap_or_else(|_| json!({}));
    if let Some(errors) = body.get_mut("errors").and_then(|e| e.as_array_mut()) {
        for error in errors.iter_mut() {
            // Errors from resolvers carry a path and a code of their own; the others come from
            // parsing or validating the document, which Apollo answers with 400 and a code.
            if error.get("path").is_some() || error.pointer("/extensions/code").is_some() {
                continue;
            }
            status = StatusCode::BAD_REQUEST;
            let message = error["message"].as_str().unwrap_or("").to_owned();
            let (code, message) = match syntax_error(&message) {
                Some(message) => ("GRAPHQL_PARSE_FAILED", message),
                None => ("GRAPHQL_VALIDATION_FAILED", apollo_wording(&message)),
            };
            error["message"] = json!(message);
            error["extensions"] = json!({"http": {"status": 400, "headers": {}}, "code": code});
        }
        if status == StatusCode::BAD_REQUEST {
            // A document that fails validation is never executed, so there is no data at all.
            if let Some(object) = body.as_object_mut() {
                object.remove("data");
            }
        }
    }
    json_response(status, &body, headers)
}

/// graphql-js words an unknown field as "Cannot query field"; clients and people searching
/// for the message know that wording.
fn apollo_wording(message: &str) -> String {
    match message.strip_prefix("Unknown field ") {
        Some(rest) => format!("Cannot query field {rest}"),
        None => message.to_owned(),
    }
}

/// A parse error as graphql-js words it ("Syntax Error: ..."), or `None` for other errors.
/// The parser's own message points at the spot with an ASCII drawing and ends with what it
/// expected there (`= expected selection`).
fn syntax_error(message: &str) -> Option<String> {
    if !message.contains("-->") {
        return None;
    }
    let expected = message
        .lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix("= "))
        .unwrap_or("unexpected input");
    Some(format!("Syntax Error: {}.", expected.trim_end_matches('.')))
}

fn json_response(status: StatusCode, body: &serde_json::Value, headers: HeaderMap) -> Response {
    json_bytes(status, body.to_string().into_bytes(), headers)
}

fn json_bytes(status: StatusCode, body: Vec<u8>, headers: HeaderMap) -> Response {
    let mut response = (status, Body::from(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response.headers_mut().extend(headers);
    response
}
