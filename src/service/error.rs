//! The one error type of the application layer: what went wrong with a use case, in terms an
//! adapter maps once to its own answer (an HTTP status, a page, an Open311 error, a CLI message).

use crate::auth::AuthError;
use crate::domain::{SubmissionError, WorkflowError};
use crate::store::StoreError;

use super::views::GridRef;

/// Why a use case did not happen. Nothing was written when it is returned.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A parameter is malformed, out of range or names something unknown (HTTP 400).
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    /// A well-formed request that does not describe a valid change (HTTP 422).
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    /// Nothing by that id or code (HTTP 404).
    #[error("{message}")]
    NotFound { code: &'static str, message: String },
    /// No grid area holds the point; `nearest` names the closest one, if any was imported.
    #[error("{message}")]
    NoGrid { message: String, nearest: Option<GridRef> },
    /// No credentials, or credentials that are not valid (HTTP 401).
    #[error("{message}")]
    Unauthenticated { code: &'static str, message: String },
    /// Valid credentials without the right to do this (HTTP 403).
    #[error("{0}")]
    Forbidden(String),
    /// The change conflicts with the opinion's state or with someone else's change (HTTP 409).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// The upload is larger than the use case accepts (HTTP 413).
    #[error("{message}")]
    TooLarge { code: &'static str, message: String },
    /// Too many attempts from one client; try again after this many seconds (HTTP 429).
    #[error("too many attempts; try again in {retry_after_secs} s")]
    TooMany { retry_after_secs: u64 },
    /// The store failed (HTTP 500; the cause is logged, never shown).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Anything else on our side (HTTP 500).
    #[error("{0}")]
    Internal(String),
}

impl ServiceError {
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Invalid { code, message: message.into() }
    }

    pub fn not_found(what: &str, id: &str) -> Self {
        ServiceError::NotFound { code: "not_found", message: format!("no {what} with id {id:?}") }
    }

    /// The answer to a change based on an old version.
    pub fn stale(current: i64) -> Self {
        ServiceError::Conflict {
            code: "version_conflict",
            message: format!(
                "the opinion changed since you read it (it is now at version {current}); reload and try again"
            ),
        }
    }
}

impl From<SubmissionError> for ServiceError {
    fn from(e: SubmissionError) -> Self {
        ServiceError::Unprocessable { code: "invalid_opinion", message: e.to_string() }
    }
}

impl From<crate::domain::LocationError> for ServiceError {
    fn from(e: crate::domain::LocationError) -> Self {
        ServiceError::Unprocessable { code: "invalid_opinion", message: e.to_string() }
    }
}

/// A refused workflow change: 409 when the move is illegal now, 422 for a bad field.
impl From<WorkflowError> for ServiceError {
    fn from(e: WorkflowError) -> Self {
        match e {
            WorkflowError::Illegal { .. } => {
                ServiceError::Conflict { code: "illegal_transition", message: e.to_string() }
            }
            other => ServiceError::Unprocessable { code: "invalid_opinion", message: other.to_string() },
        }
    }
}

impl From<AuthError> for ServiceError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::WeakPassword => ServiceError::Unprocessable { code: "weak_password", message: e.to_string() },
            other => ServiceError::Internal(other.to_string()),
        }
    }
}
