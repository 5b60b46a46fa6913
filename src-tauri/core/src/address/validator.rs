//! One interface for checking an address, whoever checks it: the offline standardizer here, or
//! an online postal service (the USPS client lives with the other connectors, in the sync
//! crate). Both return the same [`Validation`], with a status a rep understands and room for
//! the rep's decision to keep the address as entered.
//!
//! Nothing here talks to a network; implementations that do live outside the core crate.

use std::future::Future;

use serde::{Deserialize, Serialize};

use super::model::{Standardized, Verdict};

/// An address to check, as the rep entered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressRequest {
    /// One line with commas, several lines, or `key=value; key=value` fields.
    pub text: String,
    /// ISO 3166-1 alpha-2 country code, when known.
    pub country: Option<String>,
}

impl AddressRequest {
    pub fn new(text: impl Into<String>, country: Option<&str>) -> Self {
        AddressRequest {
            text: text.into(),
            country: country.map(str::to_string),
        }
    }
}

/// What a rep needs to know about an address, in their words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidationStatus {
    /// The postal service confirmed the address as entered.
    Verified,
    /// The postal service confirmed the address after correcting it; use its version.
    Corrected,
    /// The building exists but the apartment or suite is missing or unknown.
    NeedsUnitNumber,
    /// No such deliverable address.
    NotFound,
    /// Nobody confirmed the address: standardized offline only, or the service could not be
    /// asked.
    NotChecked,
}

impl ValidationStatus {
    /// A sentence for the rep.
    pub fn describe(self) -> &'static str {
        match self {
            ValidationStatus::Verified => "Verified by the postal service",
            ValidationStatus::Corrected => "Corrected by the postal service",
            ValidationStatus::NeedsUnitNumber => "Needs an apartment or suite number",
            ValidationStatus::NotFound => "Not found: the postal service cannot deliver here",
            ValidationStatus::NotChecked => "Not checked with the postal service",
        }
    }
}

/// Who checked the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Checker {
    Offline,
    Usps,
}

/// A rep's decision to keep the address as entered despite the check, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepDecision {
    pub reason: String,
}

/// The result of checking one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validation {
    pub status: ValidationStatus,
    pub checked_by: Checker,
    /// Why the status is what it is, for the rep.
    pub message: String,
    /// The lines the checker suggests using.
    pub suggested_lines: Vec<String>,
    /// ZIP+4 when the postal service returned one.
    pub zip_plus4: Option<String>,
    /// The offline standardization, always present: the components and changes the rep sees.
    pub standardized: Standardized,
    /// Set when the rep keeps the address as entered.
    pub decision: Option<RepDecision>,
}

impl Validation {
    /// Records the rep's decision to keep the address as entered. A reason is required, so a
    /// supervisor can later see why an unconfirmed address was used.
    pub fn keep_as_entered(&mut self, reason: &str) -> Result<(), ValidatorError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ValidatorError::Invalid(
                "keeping an address as entered needs a reason".to_string(),
            ));
        }
        self.decision = Some(RepDecision {
            reason: reason.to_string(),
        });
        Ok(())
    }
}

/// Why a check could not be made. Callers branch on it: an authentication failure needs an
/// administrator, a transient one can be retried, an invalid request cannot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidatorError {
    #[error("the address service refused our credentials: {0}")]
    Authentication(String),
    #[error("the address service asks us to slow down (retry after {retry_after_secs:?} s)")]
    RateLimited { retry_after_secs: Option<u64> },
    #[error("the address service is unavailable: {0}")]
    Unavailable(String),
    #[error("the address service rejected the request: {0}")]
    Invalid(String),
}

impl ValidatorError {
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ValidatorError::RateLimited { .. } | ValidatorError::Unavailable(_)
        )
    }
}

/// Anything that can check an address.
pub trait AddressValidator {
    fn validate(
        &self,
        request: &AddressRequest,
    ) -> impl Future<Output = Result<Validation, ValidatorError>> + Send;
}

/// The offline standardizer as a validator: it standardizes, but confirms nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineValidator;

impl OfflineValidator {
    pub fn check(&self, request: &AddressRequest) -> Validation {
        let standardized = super::standardize(&request.text, request.country.as_deref());
        let (status, message) = match &standardized.verdict {
            Verdict::Standardized => (
                ValidationStatus::NotChecked,
                "standardized offline; not confirmed with the postal service".to_string(),
            ),
            Verdict::NeedsReview { reason } => (ValidationStatus::NotChecked, reason.clone()),
            Verdict::Rejected { reason } => (ValidationStatus::NotFound, reason.clone()),
        };
        Validation {
            status,
            checked_by: Checker::Offline,
            message,
            suggested_lines: standardized.lines.clone(),
            zip_plus4: None,
            standardized,
            decision: None,
        }
    }
}

impl AddressValidator for OfflineValidator {
    fn validate(
        &self,
        request: &AddressRequest,
    ) -> impl Future<Output = Result<Validation, ValidatorError>> + Send {
        std::future::ready(Ok(self.check(request)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offline_validator_never_claims_the_postal_service_confirmed_anything() {
        let request = AddressRequest::new("123 Main Street, Springfield, IL 62704", Some("US"));

        let validation = OfflineValidator.check(&request);

        assert_eq!(
            validation.status,
            ValidationStatus::NotChecked,
            "offline cannot verify"
        );
        assert_eq!(
            validation.suggested_lines[0], "123 MAIN ST",
            "but it does standardize"
        );
    }

    #[test]
    fn an_intersection_is_reported_as_not_found() {
        let request = AddressRequest::new("Maple Ave & Birch St, Smalltown, KS 67000", None);

        let validation = OfflineValidator.check(&request);

        assert_eq!(
            validation.status,
            ValidationStatus::NotFound,
            "no delivery point there"
        );
    }

    #[test]
    fn keeping_an_address_as_entered_requires_a_reason() {
        let request = AddressRequest::new("1 Nowhere Rd, Springfield, IL 62704", Some("US"));
        let mut validation = OfflineValidator.check(&request);

        let refused = validation.keep_as_entered("  ");
        let accepted = validation.keep_as_entered("customer confirmed on the phone");

        assert!(
            refused.is_err(),
            "a decision without a reason cannot be reviewed later"
        );
        assert!(accepted.is_ok(), "a decision with a reason is recorded");
        assert_eq!(
            validation.decision.map(|d| d.reason).as_deref(),
            Some("customer confirmed on the phone"),
            "the reason is kept with the decision"
        );
    }
}
