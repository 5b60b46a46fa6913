//! Network faults the sandbox injects between a client and its systems: slow answers, rate
//! limits, server errors, dropped connections, cut-off and garbled bodies, and list pages served
//! twice. They are decided by a seeded random number generator, so the same requests in the
//! same order meet the same faults in every run.
//!
//! Where each fault strikes matters for writes: a 429 or a 5xx answers before the system sees
//! the request (nothing was written); a dropped connection, a truncated body and a malformed
//! body strike after the system has handled it (a write may have happened and its answer is
//! lost), which is what a client's retries must survive. A duplicate page is served instead
//! of the next list page, once: only a page after a listing's first (an offset or an ID to
//! start after) has a page before it to repeat. A stale answer served for a first page is a
//! different fault, not injected here (see the README's known limits). Logins pass untouched unless the spec says `login=on`, so a
//! client can always get a session to retry with.
//!
//! Text form (the CLI's `--faults`): comma-separated `kind=value`, e.g.
//! `latency=20ms,429=0.1,retry-after=1,5xx=0.1,drop=0.05,truncate=0.05,malformed=0.05,
//! duplicate-page=0.1,seed=7`. Probabilities are per request, between 0 and 1, and together at
//! most 1 (one draw picks at most one fault).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Notify;

/// Which faults to inject, and how often. The default injects none.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// Added before every answer.
    pub latency: Duration,
    /// Probability of a 429 Too Many Requests.
    pub rate_limit: f64,
    /// The `Retry-After` a 429 carries, in whole seconds.
    pub retry_after_secs: u64,
    /// Probability of a 500, 502 or 503.
    pub server_error: f64,
    /// Probability that the connection is closed without an answer.
    pub drop: f64,
    /// Probability that the body is cut off before its announced length.
    pub truncate: f64,
    /// Probability that the body is replaced by something that is not the protocol's JSON.
    pub malformed: f64,
    /// Probability that a list request gets the previous page's answer again.
    pub duplicate_page: f64,
    /// Seeds the generator that decides.
    pub seed: u64,
    /// Whether logins meet faults too.
    pub login: bool,
}

impl Default for FaultSpec {
    fn default() -> Self {
        Self::none()
    }
}

/// The probabilities in the order one draw is divided among them, with their text names.
const KINDS: [&str; 6] = [
    "429",
    "5xx",
    "drop",
    "truncate",
    "malformed",
    "duplicate-page",
];

impl FaultSpec {
    /// No faults at all.
    pub fn none() -> Self {
        Self {
            latency: Duration::ZERO,
            rate_limit: 0.0,
            retry_after_secs: 1,
            server_error: 0.0,
            drop: 0.0,
            truncate: 0.0,
            malformed: 0.0,
            duplicate_page: 0.0,
            seed: 0,
            login: false,
        }
    }

    /// True when no request would ever be touched.
    pub fn is_none(&self) -> bool {
        self.latency.is_zero() && self.probabilities().iter().all(|p| *p == 0.0)
    }

    fn probabilities(&self) -> [f64; 6] {
        [
            self.rate_limit,
            self.server_error,
            self.drop,
            self.truncate,
            self.malformed,
            self.duplicate_page,
        ]
    }

    fn probability_mut(&mut self, kind: &str) -> Option<&mut f64> {
        Some(match kind {
            "429" => &mut self.rate_limit,
            "5xx" => &mut self.server_error,
            "drop" => &mut self.drop,
            "truncate" => &mut self.truncate,
            "malformed" => &mut self.malformed,
            "duplicate-page" => &mut self.duplicate_page,
            _ => return None,
        })
    }

    /// Reads the text form; `""` and `none` mean no faults. Errors name the entry at fault.
    pub fn parse(text: &str) -> Result<FaultSpec, String> {
        let mut spec = FaultSpec::none();
        let text = text.trim();
        if text.is_empty() || text.eq_ignore_ascii_case("none") {
            return Ok(spec);
        }
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let Some((kind, value)) = entry.split_once('=') else {
                return Err(format!("fault `{entry}` needs a value: write `kind=value`"));
            };
            let (kind, value) = (kind.trim().to_ascii_lowercase(), value.trim());
            match kind.as_str() {
                "latency" => spec.latency = parse_duration(value)?,
                "retry-after" => {
                    spec.retry_after_secs = value.parse().map_err(|_| {
                        format!("retry-after `{value}` is not a whole number of seconds")
                    })?
                }
                "seed" => {
                    spec.seed = value
                        .parse()
                        .map_err(|_| format!("seed `{value}` is not a whole number"))?
                }
                "login" => {
                    spec.login = match value.to_ascii_lowercase().as_str() {
                        "on" | "true" | "yes" | "1" => true,
                        "off" | "false" | "no" | "0" => false,
                        _ => return Err(format!("login `{value}` is not on or off")),
                    }
                }
                other => {
                    let Some(slot) = spec.probability_mut(other) else {
                        return Err(format!(
                            "unknown fault `{other}`: known are latency, {}, retry-after, seed \
                             and login",
                            KINDS.join(", ")
                        ));
                    };
                    *slot = parse_probability(other, value)?;
                }
            }
        }
        let sum: f64 = spec.probabilities().iter().sum();
        if sum > 1.0 + 1e-9 {
            return Err(format!(
                "the fault probabilities add up to {sum}, more than 1: one request meets at most \
                 one fault"
            ));
        }
        Ok(spec)
    }
}

fn parse_probability(kind: &str, value: &str) -> Result<f64, String> {
    let p: f64 = value
        .parse()
        .map_err(|_| format!("{kind} `{value}` is not a probability between 0 and 1"))?;
    if !(0.0..=1.0).contains(&p) {
        return Err(format!(
            "{kind} `{value}` is not a probability between 0 and 1"
        ));
    }
    Ok(p)
}

fn parse_duration(value: &str) -> Result<Duration, String> {
    let bad = || format!("latency `{value}` is not a duration such as 20ms or 1s");
    let (number, unit) = match value.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => value.split_at(at),
        None => (value, ""),
    };
    let number: u64 = number.parse().map_err(|_| bad())?;
    match unit {
        "ms" => Ok(Duration::from_millis(number)),
        "s" => Ok(Duration::from_secs(number)),
        "" if number == 0 => Ok(Duration::ZERO),
        _ => Err(bad()),
    }
}

impl fmt::Display for FaultSpec {
    /// The text form, with the entries that differ from no faults; `none` when nothing does.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let defaults = FaultSpec::none();
        let mut parts = Vec::new();
        if !self.latency.is_zero() {
            parts.push(format!("latency={}ms", self.latency.as_millis()));
        }
        for (kind, p) in KINDS.iter().zip(self.probabilities()) {
            if p != 0.0 {
                parts.push(format!("{kind}={p}"));
            }
        }
        if self.retry_after_secs != defaults.retry_after_secs {
            parts.push(format!("retry-after={}", self.retry_after_secs));
        }
        if self.seed != defaults.seed {
            parts.push(format!("seed={}", self.seed));
        }
        if self.login {
            parts.push("login=on".to_owned());
        }
        if parts.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&parts.join(","))
        }
    }
}

impl std::str::FromStr for FaultSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        FaultSpec::parse(text)
    }
}

/// A bijective 64-bit mixer (SplitMix64's finaliser): the same input gives the same output on
/// every platform and in every version, which a seeded run needs.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// SplitMix64: small, fast and fully determined by its seed.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A number in [0, 1).
    fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What one request meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    RateLimit,
    ServerError(StatusCode),
    Drop,
    Truncate,
    Malformed,
    DuplicatePage,
}

/// Which protocol a router speaks, to tell logins and list requests apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Vendure's GraphQL: `login` mutation; any query operation is a read that may be a page.
    VendureGraphql,
    /// Tryton's JSON-RPC: `common.db.login`; `search`/`search_read`/`read` calls are pages.
    TrytonJsonRpc,
}

impl Protocol {
    fn is_login(self, body: &[u8]) -> bool {
        match self {
            Protocol::VendureGraphql => graphql_operation(body)
                .is_some_and(|(mutation, fields)| mutation && fields.iter().any(|f| f == "login")),
            Protocol::TrytonJsonRpc => rpc_method(body).is_some_and(|m| m == "common.db.login"),
        }
    }

    /// Whether a list request asks for a page after the first: Vendure's `skip` above 0, or
    /// a Tryton domain that starts after an ID (keyset paging).
    fn is_continuation(self, body: &[u8]) -> bool {
        match self {
            // The list options may be passed under any variable name.
            Protocol::VendureGraphql => serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|r| r.get("variables").and_then(|v| v.as_object()).cloned())
                .is_some_and(|variables| {
                    variables
                        .values()
                        .any(|v| v["skip"].as_u64().is_some_and(|skip| skip > 0))
                }),
            Protocol::TrytonJsonRpc => {
                let compact: Vec<u8> = body
                    .iter()
                    .copied()
                    .filter(|b| !b.is_ascii_whitespace())
                    .collect();
                compact.windows(9).any(|w| w == br#"["id",">""#)
            }
        }
    }

    /// A name shared by the pages of one listing, or `None` for anything but a list read.
    fn list_key(self, body: &[u8]) -> Option<String> {
        match self {
            Protocol::VendureGraphql => match graphql_operation(body)? {
                (false, fields) if !fields.is_empty() => Some(fields.join(",")),
                _ => None,
            },
            Protocol::TrytonJsonRpc => {
                let method = rpc_method(body)?;
                let list = ["search", "search_read", "read"]
                    .iter()
                    .any(|suffix| method.ends_with(&format!(".{suffix}")));
                list.then_some(method)
            }
        }
    }
}

/// Whether the GraphQL request is a mutation, and its top-level field names.
fn graphql_operation(body: &[u8]) -> Option<(bool, Vec<String>)> {
    use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};

    let request: serde_json::Value = serde_json::from_slice(body).ok()?;
    let query = request.get("query")?.as_str()?;
    let document = async_graphql::parser::parse_query(query).ok()?;
    let wanted = request.get("operationName").and_then(|n| n.as_str());
    let operation = match &document.operations {
        DocumentOperations::Single(operation) => operation,
        DocumentOperations::Multiple(operations) => match wanted {
            Some(name) => operations.get(name)?,
            None => operations.values().next()?,
        },
    };
    let mutation = operation.node.ty == OperationType::Mutation;
    let fields = operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .filter_map(|item| match &item.node {
            Selection::Field(field) => Some(field.node.name.node.to_string()),
            _ => None,
        })
        .collect();
    Some((mutation, fields))
}

fn rpc_method(body: &[u8]) -> Option<String> {
    let request: serde_json::Value = serde_json::from_slice(body).ok()?;
    request.get("method")?.as_str().map(str::to_owned)
}

/// A stored answer, to serve again as a duplicate page.
#[derive(Clone)]
struct Answer {
    request: Bytes,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

struct Inner {
    spec: FaultSpec,
    rng: Rng,
    /// The last answer to each listing, by the listing's key.
    last_page: HashMap<String, Answer>,
}

/// The faults in force and the generator that decides them, shared by the routers it wraps.
#[derive(Clone)]
pub struct Faults {
    inner: Arc<Mutex<Inner>>,
}

impl Faults {
    pub fn new(spec: FaultSpec) -> Self {
        let rng = Rng(spec.seed);
        Self {
            inner: Arc::new(Mutex::new(Inner {
                spec,
                rng,
                last_page: HashMap::new(),
            })),
        }
    }

    /// Puts other faults in force; the generator starts again from the new spec's seed.
    pub fn set(&self, spec: FaultSpec) {
        let mut inner = self.lock();
        inner.rng = Rng(spec.seed);
        inner.spec = spec;
    }

    pub fn spec(&self) -> FaultSpec {
        self.lock().spec.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Decides the fate of one request: the latency to add and the fault, if any. Two numbers
    /// are drawn for every request, whatever the spec, so a run stays in step with its seed.
    fn decide(&self) -> (Duration, Option<Fault>) {
        let mut inner = self.lock();
        let which = inner.rng.next_unit();
        let detail = inner.rng.next_u64();
        let spec = &inner.spec;
        let mut bound = 0.0;
        let mut fault = None;
        for (index, p) in spec.probabilities().into_iter().enumerate() {
            bound += p;
            if which < bound {
                fault = Some(match index {
                    0 => Fault::RateLimit,
                    1 => Fault::ServerError(
                        [
                            StatusCode::INTERNAL_SERVER_ERROR,
                            StatusCode::BAD_GATEWAY,
                            StatusCode::SERVICE_UNAVAILABLE,
                        ][(detail % 3) as usize],
                    ),
                    2 => Fault::Drop,
                    3 => Fault::Truncate,
                    4 => Fault::Malformed,
                    _ => Fault::DuplicatePage,
                });
                break;
            }
        }
        (spec.latency, fault)
    }
}

/// What the fault middleware needs: the faults and the protocol of the router it wraps.
#[derive(Clone)]
pub struct FaultLayerState {
    pub faults: Faults,
    pub protocol: Protocol,
}

/// Put into each request by the server loop: closes the request's connection at once.
#[derive(Clone)]
pub struct ConnectionKill(pub Arc<Notify>);

/// The largest request body the sandbox reads.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// Axum middleware applying the faults to every request of the router it wraps.
pub async fn apply(State(state): State<FaultLayerState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    let protocol = state.protocol;
    let faults = &state.faults;
    if !faults.spec().login && protocol.is_login(&bytes) {
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    }
    let kill = parts.extensions.get::<ConnectionKill>().cloned();
    let list_key = protocol.list_key(&bytes);

    let (latency, fault) = faults.decide();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }

    match fault {
        Some(Fault::RateLimit) => {
            let retry_after = faults.spec().retry_after_secs;
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, retry_after.to_string())],
                "Too many requests: slow down\n",
            )
                .into_response();
        }
        Some(Fault::ServerError(status)) => {
            return (status, "The server met a fault (sandbox)\n").into_response();
        }
        Some(Fault::DuplicatePage) => {
            let previous = list_key
                .as_ref()
                .filter(|_| protocol.is_continuation(&bytes))
                .and_then(|key| faults.lock().last_page.get(key).cloned())
                .filter(|answer| answer.request != bytes);
            if let Some(previous) = previous {
                let mut response = (previous.status, Body::from(previous.body)).into_response();
                *response.headers_mut() = previous.headers;
                return response;
            }
        }
        _ => {}
    }

    let response = next
        .run(Request::from_parts(parts, Body::from(bytes.clone())))
        .await;
    let (mut head, body) = response.into_parts();
    let Ok(answer) = axum::body::to_bytes(body, MAX_BODY).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "answer too large").into_response();
    };
    if let Some(key) = list_key {
        if head.status.is_success() {
            faults.lock().last_page.insert(
                key,
                Answer {
                    request: bytes,
                    status: head.status,
                    headers: head.headers.clone(),
                    body: answer.clone(),
                },
            );
        }
    }

    match fault {
        Some(Fault::Drop) => match kill {
            Some(ConnectionKill(kill)) => {
                // The system has handled the request; its answer is never sent. The server
                // loop drops the connection, and this future with it.
                kill.notify_one();
                std::future::pending::<Response>().await
            }
            None => {
                tracing::warn!("a dropped connection was asked for outside the sandbox server");
                (StatusCode::BAD_GATEWAY, "").into_response()
            }
        },
        Some(Fault::Truncate) => {
            // The full length is announced and half of it sent: the server then closes the
            // connection, as when a transfer is cut off midway.
            let half = answer.slice(..answer.len() / 2);
            head.headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(answer.len()));
            let stream = cut_off(half);
            Response::from_parts(head, Body::from_stream(stream))
        }
        Some(Fault::Malformed) => {
            let mut garbled = answer.slice(..answer.len() / 2).to_vec();
            garbled.extend_from_slice(b"\x00<<garbled by the sandbox>>");
            head.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(head, Body::from(garbled))
        }
        _ => Response::from_parts(head, Body::from(answer)),
    }
}

/// A body stream that sends `chunk` and then ends. It waits a moment before ending so the
/// server flushes what it has: ending short of the announced length at once would make it
/// abort before anything is sent, which is a dropped connection, not a truncated body.
fn cut_off(chunk: Bytes) -> impl futures_core::Stream<Item = Result<Bytes, std::io::Error>> {
    use std::future::Future as _;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    struct CutOff {
        chunk: Option<Bytes>,
        pause: Pin<Box<tokio::time::Sleep>>,
    }
    impl futures_core::Stream for CutOff {
        type Item = Result<Bytes, std::io::Error>;
        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            if let Some(chunk) = self.chunk.take() {
                return Poll::Ready(Some(Ok(chunk)));
            }
            self.pause.as_mut().poll(cx).map(|()| None)
        }
    }
    CutOff {
        chunk: Some(chunk),
        pause: Box::pin(tokio::time::sleep(Duration::from_millis(20))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_decides_the_same_faults() {
        let spec = FaultSpec::parse("429=0.2,5xx=0.2,drop=0.2,seed=42").unwrap();
        let (a, b) = (Faults::new(spec.clone()), Faults::new(spec));

        let first: Vec<_> = (0..200).map(|_| a.decide()).collect();
        let second: Vec<_> = (0..200).map(|_| b.decide()).collect();

        assert_eq!(first, second, "a run is reproducible from its seed");
        assert!(
            first.iter().any(|(_, f)| f.is_some()),
            "some faults are drawn"
        );
        assert!(first.iter().any(|(_, f)| f.is_none()), "some requests pass");
    }

    #[test]
    fn fault_rates_follow_the_spec() {
        let faults = Faults::new(FaultSpec::parse("429=0.25,seed=1").unwrap());

        let limited = (0..10_000)
            .filter(|_| faults.decide().1 == Some(Fault::RateLimit))
            .count();

        assert!(
            (2_250..2_750).contains(&limited),
            "about a quarter of 10,000 requests are rate limited, got {limited}"
        );
    }

    #[test]
    fn graphql_logins_and_lists_are_told_apart() {
        let login = br#"{"query":"mutation($u: String!) { login(username: $u, password: \"x\") { __typename } }"}"#;
        let list = br#"{"query":"query($o: CustomerListOptions) { customers(options: $o) { totalItems } }"}"#;
        let write = br#"{"query":"mutation { createDraftOrder { id } }"}"#;

        assert!(Protocol::VendureGraphql.is_login(login));
        assert!(!Protocol::VendureGraphql.is_login(list));
        assert_eq!(
            Protocol::VendureGraphql.list_key(list).as_deref(),
            Some("customers")
        );
        assert_eq!(
            Protocol::VendureGraphql.list_key(write),
            None,
            "a write is never a page"
        );
    }

    #[test]
    fn tryton_logins_and_lists_are_told_apart() {
        let login = br#"{"id":1,"method":"common.db.login","params":["admin",{},"en"]}"#;
        let list =
            br#"{"id":2,"method":"model.party.party.search_read","params":[[],0,10,null,[],{}]}"#;

        assert!(Protocol::TrytonJsonRpc.is_login(login));
        assert_eq!(
            Protocol::TrytonJsonRpc.list_key(list).as_deref(),
            Some("model.party.party.search_read")
        );
    }
}
