//! The one error type of the HTTP layer, rendered as `{"error":{"code","message"}}`, and the
//! query extractor whose rejections come out in the same shape.

use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

/// An error answered to an API client. 5xx bodies are generic; the cause is logged.
#[derive(Debug)]
pub enum AppError {
    /// 400: the request is malformed or a value is out of range.
    BadRequest { code: &'static str, message: String },
    /// 404: nothing by that id, or nothing at that place; `extra` adds fields to the error object.
    NotFound { code: &'static str, message: String, extra: Map<String, Value> },
    /// 500: a failure on our side.
    Internal(String),
}

impl AppError {
    pub fn bad(code: &'static str, message: impl Into<String>) -> Self {
        AppError::BadRequest { code, message: message.into() }
    }

    pub fn not_found(what: &str, id: &str) -> Self {
        AppError::NotFound { code: "not_found", message: format!("no {what} with id {id:?}"), extra: Map::new() }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        AppError::Internal(cause.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The text shown to a person (a generic one for internal errors).
    pub fn message(&self) -> &str {
        match self {
            AppError::BadRequest { message, .. } | AppError::NotFound { message, .. } => message,
            AppError::Internal(_) => "something went wrong on our side; it has been logged",
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut error = Map::new();
        let code = match &self {
            AppError::BadRequest { code, .. } | AppError::NotFound { code, .. } => *code,
            AppError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                "internal"
            }
        };
        error.insert("code".into(), code.into());
        error.insert("message".into(), self.message().into());
        if let AppError::NotFound { extra, .. } = self {
            error.extend(extra);
        }
        (status, Json(json!({ "error": error }))).into_response()
    }
}

/// `axum::extract::Query` with rejections as [`AppError`].
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e: QueryRejection| AppError::bad("invalid_query", e.body_text()))
    }
}
