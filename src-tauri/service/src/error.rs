//! The error every service operation returns, and the form in which it crosses IPC.
//!
//! A [`ServiceError`] is what a rep's screen reacts to: the [`ErrorCode`] decides what the UI
//! does, the message says what happened in words a rep can act on. A code exists only because
//! the UI branches on it; everything nobody can act on is [`ErrorCode::Internal`]. This module
//! must never carry stack traces or personal data in a code.

use serde::Serialize;
use ts_rs::TS;

/// What the UI does with a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ErrorCode {
    /// The thing asked for does not exist (any more); the UI says so where it was expected.
    NotFound,
    /// What was typed or sent cannot be used; the UI shows the message beside the input and
    /// keeps what was typed.
    InvalidInput,
    /// The configured role may not do this; the UI says who may.
    Forbidden,
    /// Something went wrong that the rep cannot fix; the UI shows the message and points to
    /// the log folder.
    Internal,
}

/// A failure of a service operation, serialized as `{ code, message }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
#[ts(export)]
pub struct ServiceError {
    pub code: ErrorCode,
    pub message: String,
}

/// The result of a service operation.
pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

impl ServiceError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
}

/// Anything that was not classified on its way up is internal: the whole context chain
/// becomes the message, so the operator reading it sees every layer that added context.
impl From<anyhow::Error> for ServiceError {
    fn from(err: anyhow::Error) -> Self {
        Self::internal(format!("{err:#}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    #[test]
    fn an_error_crosses_ipc_as_code_and_message() {
        let err = ServiceError::invalid_input("the postcode is empty");

        let json = serde_json::to_value(&err).unwrap();

        assert_eq!(
            json,
            serde_json::json!({ "code": "invalidInput", "message": "the postcode is empty" }),
            "the UI reads exactly these two fields and branches on the camelCase code"
        );
    }

    #[test]
    fn an_unclassified_error_is_internal_and_keeps_its_context_chain() {
        let source: anyhow::Result<()> =
            Err(anyhow::anyhow!("disk full")).context("writing the config file");

        let err = ServiceError::from(source.unwrap_err());

        assert_eq!(
            err.code,
            ErrorCode::Internal,
            "nobody classified it, so nobody can act"
        );
        assert_eq!(
            err.message, "writing the config file: disk full",
            "an operator needs every layer of context to find the cause"
        );
    }
}
