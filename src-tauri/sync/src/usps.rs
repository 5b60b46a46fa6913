//! The USPS Addresses API v3 client, behind the same [`AddressValidator`] interface as the
//! offline standardizer: OAuth2 client credentials (token cached until shortly before it
//! expires), `GET /addresses/v3/address`, the DPV confirmation mapped to a status a rep
//! understands, and ZIP+4.
//!
//! Failures are classified: 401 refreshes the token once and then fails as authentication;
//! 429 waits as long as `Retry-After` says; 5xx and dropped connections are retried a bounded
//! number of times with backoff. It never sends an address outside the US postal system, and
//! never logs an address: addresses are personal data.

// TODO(usps): the client is not yet built from the installation's settings; the client id and
// secret must come from the credential store once the service layer offers online checks.

use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use concord_core::address::{
    standardize, AddressRequest, AddressValidator, Checker, Standardized, Validation,
    ValidationStatus, ValidatorError, Verdict,
};
use reqwest::header::RETRY_AFTER;
use reqwest::StatusCode;
use serde::Deserialize;
use tokio::sync::Mutex;

/// Where the client connects and how patient it is.
#[derive(Debug, Clone)]
pub struct UspsConfig {
    /// `https://apis.usps.com` in production, the simulator's loopback URL in tests.
    pub base_url: String,
    pub client_id: String,
    pub client_secret: String,
    /// Retries after the first attempt, for 429, 5xx and connection failures.
    pub max_retries: usize,
    /// First backoff delay for 5xx; it doubles on each retry.
    pub first_backoff: Duration,
    /// The longest `Retry-After` honoured; a longer one is cut to this.
    pub max_retry_after: Duration,
    pub timeout: Duration,
}

impl UspsConfig {
    pub fn new(base_url: &str, client_id: &str, client_secret: &str) -> Self {
        UspsConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            max_retries: 3,
            first_backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(30),
            timeout: Duration::from_secs(15),
        }
    }
}

struct Token {
    value: String,
    /// When to stop using it: a minute before the service says it expires.
    refresh_at: Instant,
}

/// A USPS Addresses API v3 client. Cheap to share behind an `Arc`; the token is cached inside.
pub struct UspsClient {
    http: reqwest::Client,
    config: UspsConfig,
    token: Mutex<Option<Token>>,
}

/// The address fields the API takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UspsQuery {
    pub street_address: String,
    pub secondary_address: Option<String>,
    pub city: Option<String>,
    pub state: String,
    pub zip_code: Option<String>,
    pub urbanization: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddressResponse {
    address: Option<DomesticAddress>,
    additional_info: Option<AdditionalInfo>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DomesticAddress {
    street_address: Option<String>,
    secondary_address: Option<String>,
    city: Option<String>,
    state: Option<String>,
    #[serde(rename = "ZIPCode")]
    zip_code: Option<String>,
    #[serde(rename = "ZIPPlus4")]
    zip_plus4: Option<String>,
    urbanization: Option<String>,
}

#[derive(Debug, Deserialize)]
struct AdditionalInfo {
    #[serde(rename = "DPVConfirmation")]
    dpv_confirmation: Option<String>,
}

/// The API's error envelope: `{"error": {"code", "message", "errors": [...]}}`.
#[derive(Debug, Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
    #[serde(default)]
    errors: Vec<ErrorDetail>,
}

#[derive(Debug, Deserialize)]
struct ErrorDetail {
    title: Option<String>,
    detail: Option<String>,
}

/// What one lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UspsAnswer {
    Found {
        lines: Vec<String>,
        zip_plus4: Option<String>,
        dpv: Option<char>,
    },
    NotFound {
        message: String,
    },
}

impl UspsClient {
    pub fn new(config: UspsConfig) -> Result<Self, ValidatorError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| ValidatorError::Invalid(format!("cannot build the HTTP client: {e}")))?;
        Ok(UspsClient {
            http,
            config,
            token: Mutex::new(None),
        })
    }

    /// A valid access token, from the cache unless it is stale or `refresh` is set.
    async fn token(&self, refresh: bool) -> Result<String, ValidatorError> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached
            .as_ref()
            .filter(|t| !refresh && Instant::now() < t.refresh_at)
        {
            return Ok(token.value.clone());
        }
        let url = format!("{}/oauth2/v3/token", self.config.base_url);
        let body = serde_json::json!({
            "grant_type": "client_credentials",
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
        });
        let response = self
            .http
            .post(url)
            .json(&body)
            .send()
            .await
            .map_err(unavailable)?;
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::BAD_REQUEST {
            return Err(ValidatorError::Authentication(format!(
                "the token endpoint refused the client credentials ({status})"
            )));
        }
        if !status.is_success() {
            return Err(classify(status, retry_after(&response), "token endpoint"));
        }
        let token: TokenResponse = response.json().await.map_err(|e| {
            ValidatorError::Invalid(format!("the token endpoint sent an unreadable answer: {e}"))
        })?;
        let lifetime = Duration::from_secs(token.expires_in.unwrap_or(3600));
        let margin = Duration::from_secs(60).min(lifetime / 2);
        *cached = Some(Token {
            value: token.access_token.clone(),
            refresh_at: Instant::now() + lifetime - margin,
        });
        Ok(token.access_token)
    }

    /// Looks one address up, retrying what is worth retrying.
    pub async fn lookup(&self, query: &UspsQuery) -> Result<UspsAnswer, ValidatorError> {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.config.first_backoff)
            .with_max_times(self.config.max_retries);
        let max_wait = self.config.max_retry_after;
        (|| self.lookup_once(query))
            .retry(backoff)
            .when(ValidatorError::is_transient)
            .adjust(move |error, planned| match error {
                ValidatorError::RateLimited {
                    retry_after_secs: Some(secs),
                } => {
                    // The service said how long to wait; a planned `None` means no retry left.
                    planned.map(|_| Duration::from_secs(*secs).min(max_wait))
                }
                _ => planned,
            })
            .await
    }

    /// One attempt; a 401 gets one fresh token and one more try inside the attempt.
    async fn lookup_once(&self, query: &UspsQuery) -> Result<UspsAnswer, ValidatorError> {
        let token = self.token(false).await?;
        let response = self.send(query, &token).await?;
        let response = if response.status() == StatusCode::UNAUTHORIZED {
            let token = self.token(true).await?;
            let retried = self.send(query, &token).await?;
            if retried.status() == StatusCode::UNAUTHORIZED {
                return Err(ValidatorError::Authentication(
                    "the address endpoint refused a freshly issued token".to_string(),
                ));
            }
            retried
        } else {
            response
        };

        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            let message = error_message(response).await;
            return Ok(UspsAnswer::NotFound { message });
        }
        if !status.is_success() {
            let after = retry_after(&response);
            let message = error_message(response).await;
            return Err(classify(status, after, &message));
        }
        let body: AddressResponse = response.json().await.map_err(|e| {
            ValidatorError::Invalid(format!(
                "the address endpoint sent an unreadable answer: {e}"
            ))
        })?;
        Ok(answer_from(body))
    }

    async fn send(
        &self,
        query: &UspsQuery,
        token: &str,
    ) -> Result<reqwest::Response, ValidatorError> {
        let mut params: Vec<(&str, &str)> = vec![
            ("streetAddress", &query.street_address),
            ("state", &query.state),
        ];
        let optional = [
            ("secondaryAddress", &query.secondary_address),
            ("city", &query.city),
            ("ZIPCode", &query.zip_code),
            ("urbanization", &query.urbanization),
        ];
        for (name, value) in &optional {
            if let Some(value) = value {
                params.push((name, value));
            }
        }
        self.http
            .get(format!("{}/addresses/v3/address", self.config.base_url))
            .bearer_auth(token)
            .query(&params)
            .send()
            .await
            .map_err(unavailable)
    }

    /// Checks an address: standardized offline first (which also settles the country), then
    /// asked of the USPS when it is in the US postal system.
    pub async fn check(&self, request: &AddressRequest) -> Result<Validation, ValidatorError> {
        let standardized = standardize(&request.text, request.country.as_deref());
        let Some(query) = query_from(&standardized) else {
            let message = match &standardized.verdict {
                Verdict::Rejected { reason } => reason.clone(),
                _ if standardized.country.as_deref() != Some("US") => {
                    "the USPS checks US addresses only".to_string()
                }
                _ => "not enough of the address to ask the USPS".to_string(),
            };
            let status = match standardized.verdict {
                Verdict::Rejected { .. } => ValidationStatus::NotFound,
                _ => ValidationStatus::NotChecked,
            };
            return Ok(validation(
                status,
                message,
                standardized.lines.clone(),
                None,
                standardized,
            ));
        };

        match self.lookup(&query).await? {
            UspsAnswer::NotFound { message } => Ok(validation(
                ValidationStatus::NotFound,
                message,
                Vec::new(),
                None,
                standardized,
            )),
            UspsAnswer::Found {
                lines,
                zip_plus4,
                dpv,
            } => {
                let (status, message) = status_from(dpv, &lines, &standardized);
                Ok(validation(status, message, lines, zip_plus4, standardized))
            }
        }
    }
}

impl AddressValidator for UspsClient {
    fn validate(
        &self,
        request: &AddressRequest,
    ) -> impl std::future::Future<Output = Result<Validation, ValidatorError>> + Send {
        self.check(request)
    }
}

fn validation(
    status: ValidationStatus,
    message: String,
    suggested_lines: Vec<String>,
    zip_plus4: Option<String>,
    standardized: Standardized,
) -> Validation {
    Validation {
        status,
        checked_by: Checker::Usps,
        message,
        suggested_lines,
        zip_plus4,
        standardized,
        decision: None,
    }
}

/// Builds the API's fields from the offline standardization; `None` when the address is not in
/// the US postal system or lacks a delivery line or a state.
fn query_from(standardized: &Standardized) -> Option<UspsQuery> {
    let us_postal = ["US", "PR", "VI", "GU", "AS", "MP"];
    if !us_postal.contains(&standardized.country.as_deref()?)
        || matches!(standardized.verdict, Verdict::Rejected { .. })
    {
        return None;
    }
    let c = &standardized.components;
    let state = c.region.clone()?;
    let delivery_index = usize::from(c.urbanization.is_some());
    let delivery = standardized.lines.get(delivery_index)?;
    let mut units = c.secondary.clone();
    if let Some(pmb) = &c.private_mailbox {
        units.push(format!("PMB {pmb}"));
    }
    // The delivery line ends with its units; the API wants them in their own field.
    let units_text = units.join(" ");
    let street = delivery
        .strip_suffix(units_text.as_str())
        .map(str::trim_end)
        .filter(|s| !units.is_empty() && !s.is_empty())
        .unwrap_or(delivery)
        .to_string();
    Some(UspsQuery {
        street_address: street,
        secondary_address: (!units.is_empty()).then(|| units.join(" ")),
        city: c.city.clone(),
        state,
        zip_code: c.postcode.as_deref().map(|z| z.chars().take(5).collect()),
        urbanization: c.urbanization.clone(),
    })
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn answer_from(body: AddressResponse) -> UspsAnswer {
    let Some(address) = body.address else {
        return UspsAnswer::NotFound {
            message: "the USPS returned no address".to_string(),
        };
    };
    let dpv = body
        .additional_info
        .and_then(|i| i.dpv_confirmation)
        .and_then(|d| d.trim().chars().next());
    let mut lines = Vec::new();
    if let Some(urbanization) = present(&address.urbanization) {
        lines.push(urbanization.to_string());
    }
    let delivery = [
        present(&address.street_address),
        present(&address.secondary_address),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    lines.push(delivery);
    let zip = match (present(&address.zip_code), present(&address.zip_plus4)) {
        (Some(zip), Some(plus4)) => Some(format!("{zip}-{plus4}")),
        (Some(zip), None) => Some(zip.to_string()),
        _ => None,
    };
    let last = [
        present(&address.city),
        present(&address.state),
        zip.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    lines.push(last);
    UspsAnswer::Found {
        lines,
        zip_plus4: present(&address.zip_plus4).map(String::from),
        dpv,
    }
}

/// DPV Y: deliverable (verified, or corrected when the USPS version differs from ours beyond
/// the ZIP+4); D: the unit is missing; S: the unit is unknown; N or none: not deliverable.
fn status_from(
    dpv: Option<char>,
    lines: &[String],
    standardized: &Standardized,
) -> (ValidationStatus, String) {
    match dpv {
        Some('Y') => {
            if same_ignoring_plus4(lines, &standardized.lines) {
                (
                    ValidationStatus::Verified,
                    "confirmed by the USPS".to_string(),
                )
            } else {
                (
                    ValidationStatus::Corrected,
                    "the USPS corrected the address".to_string(),
                )
            }
        }
        Some('D') => (
            ValidationStatus::NeedsUnitNumber,
            "the building takes mail by apartment or suite; ask for the number".to_string(),
        ),
        Some('S') => (
            ValidationStatus::NeedsUnitNumber,
            "the USPS does not know that apartment or suite at this address".to_string(),
        ),
        _ => (
            ValidationStatus::NotFound,
            "the USPS cannot deliver to this address".to_string(),
        ),
    }
}

fn same_ignoring_plus4(usps: &[String], ours: &[String]) -> bool {
    let strip = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .map(|l| match l.rsplit_once('-') {
                Some((head, tail))
                    if tail.len() == 4 && tail.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    head.to_string()
                }
                _ => l.clone(),
            })
            .collect()
    };
    strip(usps) == strip(ours)
}

fn unavailable(error: reqwest::Error) -> ValidatorError {
    ValidatorError::Unavailable(format!("cannot reach the USPS: {error}"))
}

fn retry_after(response: &reqwest::Response) -> Option<u64> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse().ok().or_else(|| {
        let when = httpdate::parse_http_date(value).ok()?;
        Some(
            when.duration_since(std::time::SystemTime::now())
                .ok()?
                .as_secs(),
        )
    })
}

fn classify(status: StatusCode, retry_after_secs: Option<u64>, message: &str) -> ValidatorError {
    match status {
        StatusCode::TOO_MANY_REQUESTS => ValidatorError::RateLimited { retry_after_secs },
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            ValidatorError::Authentication(format!("{status}: {message}"))
        }
        s if s.is_server_error() => ValidatorError::Unavailable(format!("{status}: {message}")),
        _ => ValidatorError::Invalid(format!("{status}: {message}")),
    }
}

/// The message of the error envelope, without echoing anything else of the body.
async fn error_message(response: reqwest::Response) -> String {
    let status = response.status();
    match response.json::<ErrorEnvelope>().await {
        Ok(envelope) => {
            let detail = envelope
                .error
                .errors
                .first()
                .and_then(|e| e.detail.clone().or_else(|| e.title.clone()));
            let message = envelope.error.message.unwrap_or_else(|| status.to_string());
            match (envelope.error.code, detail) {
                (Some(code), Some(detail)) if detail != message => {
                    format!("{message} ({code}: {detail})")
                }
                (Some(code), _) => format!("{message} ({code})"),
                (None, _) => message,
            }
        }
        Err(_) => status.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_splits_units_off_the_delivery_line() {
        let standardized = standardize("640 Saddlebrook Dr Ste 110 PMB 3302, Reno NV 89511", None);

        let query = query_from(&standardized).expect("a US street address");

        assert_eq!(
            query.street_address, "640 SADDLEBROOK DR",
            "street without units"
        );
        assert_eq!(
            query.secondary_address.as_deref(),
            Some("STE 110 PMB 3302"),
            "units apart"
        );
        assert_eq!(query.zip_code.as_deref(), Some("89511"));
    }

    #[test]
    fn a_foreign_address_is_never_sent_to_the_usps() {
        let standardized = standardize("Lindenhofweg 12, 10115 Berlin", Some("DE"));

        let query = query_from(&standardized);

        assert_eq!(query, None, "USPS checks only the US postal system");
    }

    #[test]
    fn a_zip_plus4_added_by_the_usps_alone_is_not_a_correction() {
        let ours = vec![
            "123 MAIN ST".to_string(),
            "SPRINGFIELD IL 62704".to_string(),
        ];
        let usps = vec![
            "123 MAIN ST".to_string(),
            "SPRINGFIELD IL 62704-5512".to_string(),
        ];

        let (status, _) = status_from(Some('Y'), &usps, &standardize_lines(ours));

        assert_eq!(
            status,
            ValidationStatus::Verified,
            "ZIP+4 is added, nothing corrected"
        );
    }

    fn standardize_lines(lines: Vec<String>) -> Standardized {
        let mut standardized = standardize(&lines.join("\n"), Some("US"));
        standardized.lines = lines;
        standardized
    }
}
