//! A stand-in for the USPS Addresses API v3 on loopback: the OAuth2 client-credentials token
//! endpoint and the address standardization endpoint, over a small deterministic table of
//! addresses, with faults that can be switched on (expired token, 429 with `Retry-After`, 503).
//!
//! It speaks the real API's shapes (query parameters, JSON fields, error envelope) so the same
//! client code runs against it and against the real service. It must never be reachable from
//! anywhere but loopback, and it holds no real person's address.

use std::collections::{HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use concord_core::address::{standardize, Verdict};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The client id the simulator accepts.
pub const CLIENT_ID: &str = "concord-sandbox-client";
/// The client secret the simulator accepts.
pub const CLIENT_SECRET: &str = "concord-sandbox-secret";
/// Lifetime of an issued token, as the real service announces it.
const TOKEN_LIFETIME_SECS: u64 = 28_799;

/// A fault served instead of the next address response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 401, as when the token expired on the server's side.
    Unauthorized,
    /// 429 with `Retry-After` in seconds.
    RateLimited { retry_after_secs: u64 },
    /// 503, the service is down for now.
    Unavailable,
}

/// One delivery point of the simulator's address table.
struct Entry {
    street: &'static str,
    /// Units that exist at this address; empty when it takes none.
    units: &'static [(&'static str, &'static str)],
    city: &'static str,
    state: &'static str,
    zip: &'static str,
    zip4: &'static str,
}

/// Invented streets in real cities with real ZIP codes.
const ADDRESSES: &[Entry] = &[
    Entry {
        street: "123 BRAMBLEWOOD ST",
        units: &[],
        city: "SPRINGFIELD",
        state: "IL",
        zip: "62704",
        zip4: "5512",
    },
    Entry {
        street: "456 QUILLFEATHER ST",
        units: &[("APT 4B", "3021"), ("APT 5A", "3022")],
        city: "PORTLAND",
        state: "OR",
        zip: "97212",
        zip4: "3000",
    },
    Entry {
        street: "1200 N CEDAR AVE",
        units: &[("STE 300", "4410")],
        city: "FRESNO",
        state: "CA",
        zip: "93703",
        zip4: "4400",
    },
    Entry {
        street: "200 NORTH ST",
        units: &[],
        city: "PITTSFIELD",
        state: "MA",
        zip: "01201",
        zip4: "5103",
    },
    Entry {
        street: "PO BOX 4471",
        units: &[],
        city: "TUCSON",
        state: "AZ",
        zip: "85717",
        zip4: "4471",
    },
];

#[derive(Default)]
struct Inner {
    tokens: HashSet<String>,
    issued: u64,
    faults: VecDeque<Fault>,
    token_requests: usize,
    address_requests: Vec<Instant>,
}

type Shared = Arc<Mutex<Inner>>;

/// A running simulator; it stops when dropped.
pub struct UspsSimulator {
    addr: SocketAddr,
    inner: Shared,
    _shutdown: oneshot::Sender<()>,
}

impl UspsSimulator {
    /// Starts the simulator on a free loopback port.
    pub async fn start() -> anyhow::Result<Self> {
        let inner: Shared = Arc::default();
        let app = Router::new()
            .route("/oauth2/v3/token", post(token))
            .route("/addresses/v3/address", get(address))
            .with_state(inner.clone());
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::warn!(%error, "USPS simulator stopped with an error");
            }
        });
        Ok(UspsSimulator {
            addr,
            inner,
            _shutdown: shutdown,
        })
    }

    /// Base URL to give the client, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves these faults, in order, instead of the next address responses.
    pub fn push_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        self.lock().faults.extend(faults);
    }

    /// Forgets every token issued so far, as when they expire on the server's side.
    pub fn expire_tokens(&self) {
        self.lock().tokens.clear();
    }

    pub fn token_requests(&self) -> usize {
        self.lock().token_requests
    }

    pub fn address_requests(&self) -> usize {
        self.lock().address_requests.len()
    }

    /// When each address request arrived, in order.
    pub fn address_request_times(&self) -> Vec<Instant> {
        self.lock().address_requests.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn lock(inner: &Shared) -> std::sync::MutexGuard<'_, Inner> {
    inner
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Deserialize)]
struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

async fn token(State(inner): State<Shared>, body: String) -> Response {
    // The real endpoint takes JSON or a form body.
    let request: Option<TokenRequest> = serde_json::from_str(&body).ok().or_else(|| {
        let pairs: serde_json::Map<String, Value> = body
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect();
        serde_json::from_value(Value::Object(pairs)).ok()
    });
    let mut inner = lock(&inner);
    inner.token_requests += 1;
    let valid = request.is_some_and(|r| {
        r.grant_type.as_deref() == Some("client_credentials")
            && r.client_id.as_deref() == Some(CLIENT_ID)
            && r.client_secret.as_deref() == Some(CLIENT_SECRET)
    });
    if !valid {
        let body = json!({"error": "invalid_client", "error_description": "unknown client"});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    inner.issued += 1;
    let access_token = format!("sandbox-token-{}", inner.issued);
    inner.tokens.insert(access_token.clone());
    Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECS,
        "scope": "addresses",
        "status": "approved",
    }))
    .into_response()
}

/// The query parameters of `GET /addresses/v3/address`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddressQuery {
    street_address: Option<String>,
    secondary_address: Option<String>,
    city: Option<String>,
    state: Option<String>,
    #[serde(rename = "ZIPCode")]
    zip_code: Option<String>,
}

fn error(status: StatusCode, message: &str) -> Response {
    let code = status.as_u16().to_string();
    let body = json!({"error": {
        "code": code,
        "message": message,
        "errors": [{"status": code, "code": code, "title": message, "detail": message}],
    }});
    (status, Json(body)).into_response()
}

async fn address(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<AddressQuery>,
) -> Response {
    let fault = {
        let mut inner = lock(&inner);
        inner.address_requests.push(Instant::now());
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if !bearer.is_some_and(|t| inner.tokens.contains(t)) {
            return error(
                StatusCode::UNAUTHORIZED,
                "Unauthorized: invalid or expired token",
            );
        }
        inner.faults.pop_front()
    };
    match fault {
        Some(Fault::Unauthorized) => {
            return error(
                StatusCode::UNAUTHORIZED,
                "Unauthorized: invalid or expired token",
            )
        }
        Some(Fault::RateLimited { retry_after_secs }) => {
            let mut response = error(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
            let value = retry_after_secs
                .to_string()
                .parse()
                .expect("digits are a header value");
            response.headers_mut().insert(header::RETRY_AFTER, value);
            return response;
        }
        Some(Fault::Unavailable) => {
            return error(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
        }
        None => {}
    }
    lookup(&query)
}

fn lookup(query: &AddressQuery) -> Response {
    let (Some(street), Some(state)) = (&query.street_address, &query.state) else {
        return error(
            StatusCode::BAD_REQUEST,
            "streetAddress and state are required",
        );
    };
    if query.city.is_none() && query.zip_code.is_none() {
        return error(StatusCode::BAD_REQUEST, "city or ZIPCode is required");
    }
    // Reads the request the way the USPS does: standardized first, then looked up.
    let typed = format!(
        "{street}, {}, {state} {}",
        query.city.as_deref().unwrap_or(""),
        query.zip_code.as_deref().unwrap_or("")
    );
    let read = standardize(&typed, Some("US"));
    if matches!(read.verdict, Verdict::Rejected { .. }) {
        return error(StatusCode::BAD_REQUEST, "Invalid address");
    }
    let street = read.lines.first().cloned().unwrap_or_default();
    let state = state.trim().to_uppercase();
    let entry = ADDRESSES
        .iter()
        .find(|e| e.street == street && e.state == state);
    let Some(entry) = entry else {
        let same_street = ADDRESSES.iter().find(|e| {
            e.state == state && e.street.split_once(' ').map(|(_, s)| s) == street_name(&street)
        });
        return match same_street {
            // The street exists but not that house number: USPS answers, DPV says N.
            Some(e) => answer(e, None, "", "N"),
            None => error(StatusCode::NOT_FOUND, "Address Not Found."),
        };
    };
    let secondary = query
        .secondary_address
        .as_deref()
        .map(|s| standardize(&format!("1 X ST {s}, X IL 62704"), Some("US")))
        .and_then(|r| r.components.secondary.first().cloned());
    match (entry.units.is_empty(), secondary) {
        (true, _) => answer(entry, None, entry.zip4, "Y"),
        (false, None) => answer(entry, None, entry.zip4, "D"),
        (false, Some(unit)) => match entry.units.iter().find(|(u, _)| *u == unit) {
            Some((unit, zip4)) => answer(entry, Some(unit), zip4, "Y"),
            None => answer(entry, Some(&unit), entry.zip4, "S"),
        },
    }
}

fn street_name(street: &str) -> Option<&str> {
    street.split_once(' ').map(|(_, name)| name)
}

fn answer(entry: &Entry, unit: Option<&str>, zip4: &str, dpv: &str) -> Response {
    let corrections = match dpv {
        "D" => json!([{"code": "32", "text": "More information is needed (such as an apartment, \
                        suite, or box number) to match to a specific address."}]),
        _ => json!([]),
    };
    Json(json!({
        "firm": null,
        "address": {
            "streetAddress": entry.street,
            "streetAddressAbbreviation": entry.street,
            "secondaryAddress": unit.unwrap_or(""),
            "city": entry.city,
            "cityAbbreviation": entry.city,
            "state": entry.state,
            "ZIPCode": entry.zip,
            "ZIPPlus4": if dpv == "N" { Value::Null } else { Value::from(zip4) },
            "urbanization": "",
        },
        "additionalInfo": {
            "deliveryPoint": "23",
            "carrierRoute": "C012",
            "DPVConfirmation": dpv,
            "DPVCMRA": "N",
            "business": "N",
            "centralDeliveryPoint": "N",
            "vacant": "N",
        },
        "corrections": corrections,
        "matches": [{"code": "31", "text": "Single Response - exact match"}],
    }))
    .into_response()
}
