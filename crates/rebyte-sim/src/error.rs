//! Errors: [`ApiError`] is an answer of the API with its documented body; [`SimError`] is a
//! failure to set a simulator up.

use rebyte_types::{ErrorBody, ErrorCode, ValidationError};

/// A failure answered to the caller, with the documented body
/// `{"error": {"code": …, "message": …}}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {}: {}", body.error.code, body.error.message)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: ErrorBody,
}

impl ApiError {
    /// An error with `code`, answered with the status the API documents for it.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        let status = code.http_status().unwrap_or(500);
        Self {
            status,
            body: ErrorBody::new(code, message),
        }
    }

    /// `400 validation_error`; `message` should name the field at fault.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ValidationError, message)
    }

    /// `404 not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    /// `404 not_found` for a task that does not exist or was deleted.
    pub fn task_not_found() -> Self {
        Self::not_found("Task not found")
    }

    /// `500 internal_error`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InternalError, message)
    }

    /// The error's code.
    pub fn code(&self) -> &ErrorCode {
        &self.body.error.code
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        Self::validation(e.to_string())
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        tracing::error!(error = %e, "simulator storage failed");
        Self::internal("The simulator's storage failed")
    }
}

/// A failure to open or set up a simulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The SQLite storage failed.
    #[error("simulator storage: {0}")]
    Storage(#[from] rusqlite::Error),
    /// The configuration is not usable.
    #[error("simulator configuration: {0}")]
    Config(String),
}
