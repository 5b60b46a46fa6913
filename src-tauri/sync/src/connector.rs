//! What every connector shares: the settings that point a client at a system, the HTTP client
//! built from them, and the one place where an answer is checked and a failure is classified.
//!
//! A failure is transient (try again later, maybe after `Retry-After`), permanent (this request
//! will never work: fix the data or the code), a conflict (someone else changed the record
//! since it was read) or an authentication failure (fix the credentials or the rights). The
//! sync engine and the outbox act on that class, so every connector returns [`ConnectorError`]
//! and never panics on what a system sends. Messages name the system and what was wrong, but
//! never repeat a body: bodies hold personal data and messages end up in logs.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

/// The external systems Concord has a connector for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum System {
    /// The ERP (system of record), over JSON-RPC.
    Tryton,
    /// The web store, over its Admin GraphQL API.
    Vendure,
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            System::Tryton => "Tryton",
            System::Vendure => "Vendure",
        })
    }
}

/// Why a call to an external system failed, classified for whoever decides what to do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    /// Worth retrying: timeouts, dropped connections, 5xx, 429.
    #[error("{system} is unavailable for now: {message}")]
    Transient {
        system: System,
        message: String,
        /// How long the system asked us to wait (429 or 503 with `Retry-After`).
        retry_after: Option<Duration>,
    },
    /// Will fail the same way every time: a rejected request or a body that makes no sense.
    #[error("{system} rejected the request: {message}")]
    Permanent { system: System, message: String },
    /// The record changed in the system since the version the write was based on.
    #[error("{system} reports a conflicting change: {message}")]
    Conflict { system: System, message: String },
    /// The credentials, the session or the user's rights are not good enough.
    #[error("{system} refused the credentials: {message}")]
    Authentication { system: System, message: String },
}

impl ConnectorError {
    pub fn transient(system: System, message: impl Into<String>) -> Self {
        Self::Transient {
            system,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn permanent(system: System, message: impl Into<String>) -> Self {
        Self::Permanent {
            system,
            message: message.into(),
        }
    }

    pub fn conflict(system: System, message: impl Into<String>) -> Self {
        Self::Conflict {
            system,
            message: message.into(),
        }
    }

    pub fn authentication(system: System, message: impl Into<String>) -> Self {
        Self::Authentication {
            system,
            message: message.into(),
        }
    }

    /// The system whose answer (or silence) this is.
    pub fn system(&self) -> System {
        match self {
            Self::Transient { system, .. }
            | Self::Permanent { system, .. }
            | Self::Conflict { system, .. }
            | Self::Authentication { system, .. } => *system,
        }
    }

    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient { .. })
    }

    /// The wait the system asked for, when it asked.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Transient { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Where a system is and how long to wait for it. Every client takes one, so tests and the
/// sandbox can point the same code at any address.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Base URL: for Tryton the server root (`http://host:8000/`), for Vendure the Admin API
    /// (`http://host:3000/admin-api`).
    pub base_url: String,
    /// Limit for one whole request, answer included.
    pub timeout: Duration,
    /// Limit for opening the connection.
    pub connect_timeout: Duration,
}

impl Endpoint {
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// Builds the HTTP client for this endpoint, or says why the settings cannot work.
    pub(crate) fn http_client(&self, system: System) -> Result<reqwest::Client, ConnectorError> {
        reqwest::Url::parse(&self.base_url).map_err(|e| {
            ConnectorError::permanent(
                system,
                format!("base URL {:?} is invalid: {e}", self.base_url),
            )
        })?;
        reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(concat!("concord/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConnectorError::permanent(system, format!("HTTP client: {e}")))
    }
}

/// An answer that came back over HTTP, before its status is judged.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Sends a request and reads the whole answer; a failure to do so is classified here.
pub(crate) async fn send(
    system: System,
    what: &str,
    request: reqwest::RequestBuilder,
) -> Result<Answer, ConnectorError> {
    let response = request
        .send()
        .await
        .map_err(|e| transport_error(system, what, &e))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|e| transport_error(system, what, &e))?;
    Ok(Answer {
        status,
        headers,
        body: body.to_vec(),
    })
}

fn transport_error(system: System, what: &str, error: &reqwest::Error) -> ConnectorError {
    let cause = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "the connection broke while reading the answer"
    } else if error.is_builder() {
        return ConnectorError::permanent(system, format!("{what}: cannot build the request"));
    } else {
        "the connection failed"
    };
    ConnectorError::transient(system, format!("{what}: {cause}"))
}

/// Judges an HTTP status: `Ok` for 2xx, otherwise the class of failure. `what` names the call
/// for the message.
pub(crate) fn check_status(
    system: System,
    what: &str,
    answer: &Answer,
) -> Result<(), ConnectorError> {
    let status = answer.status;
    if status.is_success() {
        return Ok(());
    }
    let code = status.as_u16();
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return Err(ConnectorError::Transient {
            system,
            message: format!("{what}: HTTP {code}"),
            retry_after: retry_after(&answer.headers),
        });
    }
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return Err(ConnectorError::authentication(
            system,
            format!("{what}: HTTP {code}"),
        ));
    }
    Err(ConnectorError::permanent(
        system,
        format!("{what}: HTTP {code}"),
    ))
}

/// Reads `Retry-After` as seconds or as an HTTP date; a date in the past means "now".
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Decodes a JSON body; a body that is not the expected JSON is a permanent failure whose
/// message says where it went wrong without quoting it.
pub(crate) fn decode_json<T: DeserializeOwned>(
    system: System,
    what: &str,
    body: &[u8],
) -> Result<T, ConnectorError> {
    serde_json::from_slice(body).map_err(|e| {
        ConnectorError::permanent(
            system,
            format!(
                "{what}: malformed answer ({} bytes): {}",
                body.len(),
                describe_serde(&e)
            ),
        )
    })
}

/// A serde error's message with any quoted value left out, since values may be personal data.
pub(crate) fn describe_serde(error: &serde_json::Error) -> String {
    let mut text = String::new();
    let mut quoted = false;
    for c in error.to_string().chars() {
        match c {
            '"' if !quoted => {
                quoted = true;
                text.push_str("\"…");
            }
            '"' => {
                quoted = false;
                text.push('"');
            }
            _ if !quoted => text.push(c),
            _ => {}
        }
    }
    text
}

/// The server's clock, from the `Date` header, when it sent one. Cursors are taken from the
/// system's clock rather than ours, which may be set differently.
pub(crate) fn server_date(headers: &HeaderMap) -> Option<chrono::DateTime<chrono::Utc>> {
    let value = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    let when = httpdate::parse_http_date(value).ok()?;
    Some(chrono::DateTime::<chrono::Utc>::from(when))
}

/// One page of records as a connector returns them: the ones it could read, and the ones it
/// set aside with the reason, so one odd record never stops a sync.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub records: Vec<T>,
    pub rejected: Vec<Rejected>,
    /// Where the next page starts, or `None` when this was the last one.
    pub next: Option<PageCursor>,
    /// The system's clock when it answered (from `Date`), if it said.
    pub server_time: Option<chrono::DateTime<chrono::Utc>>,
}

/// A record the connector could not read, kept as received with the reason.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// The record's ID in its system, when even that could be read.
    pub source_id: Option<String>,
    pub raw: serde_json::Value,
    pub reason: String,
}

/// Position within one "changed since" listing. Tryton pages by ID (keyset), Vendure by
/// offset; either way the listing's `since` stays fixed while paging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageCursor {
    AfterId(i64),
    Skip(u64),
}

/// Where the account fields Concord shows (customer type, price level, tax exemption) are kept
/// in a system that has no fields for them: in the names of the customer's categories
/// (Tryton's party categories, Vendure's customer groups). Matching ignores case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountMapping {
    /// A name starting with this gives the customer type: `type:wholesale` -> `wholesale`.
    pub customer_type_prefix: String,
    /// A name starting with this gives the price level: `price:gold` -> `gold`.
    pub price_level_prefix: String,
    /// Names that mark the account as exempt from sales tax.
    pub tax_exempt_names: Vec<String>,
}

impl Default for AccountMapping {
    fn default() -> Self {
        Self {
            customer_type_prefix: "type:".to_owned(),
            price_level_prefix: "price:".to_owned(),
            tax_exempt_names: vec!["tax-exempt".to_owned()],
        }
    }
}

/// The account fields read through an [`AccountMapping`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountFields {
    pub customer_type: Option<String>,
    pub price_level: Option<String>,
    pub tax_exempt: bool,
}

impl AccountMapping {
    /// Reads the account fields from category or group names; the first match wins.
    pub fn read(&self, names: &[String]) -> AccountFields {
        let after_prefix = |prefix: &str| {
            names.iter().find_map(|name| {
                let head = name.get(..prefix.len())?;
                let rest = name[prefix.len()..].trim();
                (!prefix.is_empty() && head.eq_ignore_ascii_case(prefix) && !rest.is_empty())
                    .then(|| rest.to_owned())
            })
        };
        AccountFields {
            customer_type: after_prefix(&self.customer_type_prefix),
            price_level: after_prefix(&self.price_level_prefix),
            tax_exempt: names.iter().any(|name| {
                self.tax_exempt_names
                    .iter()
                    .any(|marker| marker.eq_ignore_ascii_case(name.trim()))
            }),
        }
    }
}

/// Which version of each record has been taken already, to drop the repeats that an
/// overlapping cursor brings back. The version is whatever the system dates or stamps a
/// record with (Vendure's `updatedAt`, Tryton's `_timestamp`).
#[derive(Debug, Default, Clone)]
pub struct SeenVersions {
    seen: HashMap<String, String>,
}

impl SeenVersions {
    /// True unless this very version of the record was offered before.
    pub fn is_new(&mut self, id: &str, version: &str) -> bool {
        match self.seen.insert(id.to_owned(), version.to_owned()) {
            Some(previous) => previous != version,
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn answer(code: u16, headers: &[(&'static str, &str)]) -> Answer {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        Answer {
            status: StatusCode::from_u16(code).unwrap(),
            headers: map,
            body: Vec::new(),
        }
    }

    #[test]
    fn too_many_requests_is_transient_and_keeps_retry_after() {
        let throttled = answer(429, &[("retry-after", "7")]);

        let error = check_status(System::Vendure, "customers", &throttled).unwrap_err();

        assert!(
            error.is_transient(),
            "429 means try later, not give up: {error}"
        );
        assert_eq!(
            error.retry_after(),
            Some(Duration::from_secs(7)),
            "the wait the system asked for must reach the retry logic"
        );
    }

    #[test]
    fn retry_after_as_a_past_http_date_means_retry_now() {
        let throttled = answer(503, &[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]);

        let error = check_status(System::Tryton, "search", &throttled).unwrap_err();

        assert_eq!(
            error.retry_after(),
            Some(Duration::ZERO),
            "a date already past waits 0 s"
        );
    }

    #[test]
    fn server_errors_are_transient_and_client_errors_permanent() {
        let cases = [
            (500, true),
            (502, true),
            (503, true),
            (400, false),
            (404, false),
        ];

        let classes: Vec<(u16, bool)> = cases
            .iter()
            .map(|(code, _)| {
                let error = check_status(System::Tryton, "call", &answer(*code, &[])).unwrap_err();
                (*code, error.is_transient())
            })
            .collect();

        assert_eq!(classes, cases, "5xx may heal by itself, 4xx never will");
    }

    #[test]
    fn unauthorized_and_forbidden_are_authentication_failures() {
        for code in [401, 403] {
            let error = check_status(System::Vendure, "login", &answer(code, &[])).unwrap_err();

            assert!(
                matches!(error, ConnectorError::Authentication { .. }),
                "{code} must send the admin to the credentials, got {error:?}"
            );
        }
    }

    #[test]
    fn a_malformed_body_is_permanent_and_does_not_quote_the_body() {
        let body = br#"{"name": "Ada Lovelace", "id": "#;

        let error =
            decode_json::<serde_json::Value>(System::Tryton, "party search", body).unwrap_err();

        let text = error.to_string();
        assert!(
            matches!(error, ConnectorError::Permanent { .. }),
            "retrying cannot fix it"
        );
        assert!(
            text.contains("Tryton") && text.contains("party search"),
            "says where: {text}"
        );
        assert!(
            !text.contains("Lovelace"),
            "personal data must stay out of messages: {text}"
        );
    }

    #[test]
    fn serde_messages_lose_quoted_values() {
        let error = serde_json::from_str::<u32>(r#""Lovelace""#).unwrap_err();

        let text = describe_serde(&error);

        assert!(!text.contains("Lovelace"), "the value is left out: {text}");
        assert!(text.contains("expected u32"), "the reason stays: {text}");
    }

    #[test]
    fn an_invalid_base_url_is_a_permanent_error_not_a_panic() {
        let endpoint = Endpoint::new("not a url");

        let error = endpoint.http_client(System::Tryton).unwrap_err();

        assert!(
            matches!(error, ConnectorError::Permanent { .. }),
            "got {error:?}"
        );
    }

    #[test]
    fn a_repeat_of_the_same_version_is_dropped_but_a_newer_one_is_kept() {
        let mut seen = SeenVersions::default();

        let offers = [
            ("7", "13:41:46"),
            ("7", "13:41:46"),
            ("7", "13:41:52"),
            ("8", "13:41:46"),
        ];
        let kept: Vec<bool> = offers.iter().map(|(id, v)| seen.is_new(id, v)).collect();

        assert_eq!(
            kept,
            [true, false, true, true],
            "only exact repeats are dropped"
        );
    }

    #[test]
    fn account_fields_are_read_from_category_names_ignoring_case() {
        let names = [
            "VIP".to_owned(),
            "Type: Wholesale".to_owned(),
            "price:gold".to_owned(),
            "Tax-Exempt".to_owned(),
        ];

        let fields = AccountMapping::default().read(&names);

        assert_eq!(
            fields.customer_type.as_deref(),
            Some("Wholesale"),
            "prefix ignores case"
        );
        assert_eq!(fields.price_level.as_deref(), Some("gold"));
        assert!(fields.tax_exempt, "the marker matches whatever its case");
    }

    #[test]
    fn names_without_a_mapping_give_no_account_fields() {
        let names = ["VIP".to_owned(), "type:".to_owned(), "t".to_owned()];

        let fields = AccountMapping::default().read(&names);

        assert_eq!(
            fields,
            AccountFields::default(),
            "an empty value or short name maps to nothing"
        );
    }
}
