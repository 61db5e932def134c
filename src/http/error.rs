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

use crate::service::ServiceError;

/// An error answered to an API client. 5xx bodies are generic; the cause is logged.
#[derive(Debug)]
pub enum AppError {
    /// 400: the request is malformed or a value is out of range.
    BadRequest { code: &'static str, message: String },
    /// 404: nothing by that id, or nothing at that place; `extra` adds fields to the error object.
    NotFound { code: &'static str, message: String, extra: Map<String, Value> },
    /// 401: no credentials, or credentials that are not valid.
    Unauthorized { code: &'static str, message: String },
    /// 403: valid credentials without the right to do this.
    Forbidden(String),
    /// 409: the change conflicts with the opinion's state or with someone else's change.
    Conflict { code: &'static str, message: String },
    /// 413: the body is larger than the endpoint accepts.
    TooLarge(String),
    /// 429: too many requests from one client; try again after the given seconds.
    TooMany { retry_after_secs: u64 },
    /// 422: well-formed JSON that does not describe a valid request.
    Unprocessable { code: &'static str, message: String },
    /// 408: the client stopped sending its body before it was complete.
    SlowBody,
    /// 503: the request took longer than the server allows any request.
    Timeout,
    /// 500: a failure on our side.
    Internal(String),
}

impl AppError {
    /// The stable code programs read, as the answer's `error.code` carries it.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest { code, .. }
            | AppError::NotFound { code, .. }
            | AppError::Conflict { code, .. }
            | AppError::Unauthorized { code, .. }
            | AppError::Unprocessable { code, .. } => code,
            AppError::Forbidden(_) => "forbidden",
            AppError::TooLarge(_) => "payload_too_large",
            AppError::TooMany { .. } => "rate_limited",
            AppError::SlowBody => "request_timeout",
            AppError::Timeout => "timeout",
            AppError::Internal(_) => "internal",
        }
    }

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
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::SlowBody => StatusCode::REQUEST_TIMEOUT,
            AppError::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The text shown to a person (a generic one for internal errors).
    pub fn message(&self) -> &str {
        match self {
            AppError::BadRequest { message, .. }
            | AppError::NotFound { message, .. }
            | AppError::Conflict { message, .. }
            | AppError::Unauthorized { message, .. }
            | AppError::Forbidden(message)
            | AppError::TooLarge(message)
            | AppError::Unprocessable { message, .. } => message,
            AppError::TooMany { .. } => "too many attempts from your address; please try again later",
            AppError::SlowBody => "the request body stopped arriving before it was complete",
            AppError::Timeout => "the request took too long; please try again",
            AppError::Internal(_) => "something went wrong on our side; it has been logged",
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut error = Map::new();
        if let AppError::Internal(cause) = &self {
            tracing::error!(%cause, "internal error");
        }
        let code = self.code();
        error.insert("code".into(), code.into());
        error.insert("message".into(), self.message().into());
        let mut headers = axum::http::HeaderMap::new();
        match self {
            AppError::NotFound { extra, .. } => error.extend(extra),
            AppError::TooMany { retry_after_secs } => {
                error.insert("retry_after_secs".into(), retry_after_secs.into());
                headers.insert(axum::http::header::RETRY_AFTER, retry_after_secs.into());
            }
            AppError::Unauthorized { .. } => {
                headers.insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        (status, headers, Json(json!({ "error": error }))).into_response()
    }
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid { code, message } => AppError::BadRequest { code, message },
            ServiceError::Unprocessable { code, message } => AppError::Unprocessable { code, message },
            ServiceError::NotFound { code, message } => AppError::NotFound { code, message, extra: Map::new() },
            ServiceError::NoGrid { message, nearest } => {
                let mut extra = Map::new();
                if let Some(n) = nearest {
                    extra.insert("nearest".into(), serde_json::to_value(n).unwrap_or(Value::Null));
                }
                AppError::NotFound { code: "no_grid", message, extra }
            }
            ServiceError::Unauthenticated { code, message } => AppError::Unauthorized { code, message },
            ServiceError::Forbidden(m) => AppError::Forbidden(m),
            ServiceError::Conflict { code, message } => AppError::Conflict { code, message },
            ServiceError::TooMany { retry_after_secs } => AppError::TooMany { retry_after_secs },
            ServiceError::TooLarge { message, .. } => AppError::TooLarge(message),
            e @ (ServiceError::Store(_) | ServiceError::Internal(_)) => AppError::Internal(e.to_string()),
        }
    }
}

/// `axum::extract::Path` with rejections as [`AppError`] (a path segment that is not UTF-8, say).
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| ApiPath(v))
            .map_err(|e| AppError::bad("invalid_path", e.body_text()))
    }
}

/// `axum::Json` with rejections as [`AppError`]: 413 past the body limit, 400 for malformed JSON,
/// 422 for JSON of the wrong shape, 415 folded into 400 with a hint about the content type.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        use axum::extract::rejection::JsonRejection;
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::BytesRejection(e)) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(AppError::TooLarge(e.body_text()))
            }
            Err(JsonRejection::BytesRejection(e)) if body_timed_out(&e) => Err(AppError::SlowBody),
            Err(JsonRejection::JsonDataError(e)) => {
                Err(AppError::Unprocessable { code: "invalid_body", message: e.body_text() })
            }
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(AppError::bad("invalid_body", "send the body as JSON with Content-Type: application/json"))
            }
            Err(e) => Err(AppError::bad("invalid_body", e.body_text())),
        }
    }
}

/// Whether reading a body failed because the client paused longer than the body deadline
/// (`tower_http`'s request body timeout), somewhere down the error's chain of causes.
pub fn body_timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if c.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cause = c.source();
    }
    false
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

/// The schema of every error answer, `{"error":{"code","message"}}` (never built: [`AppError`]
/// writes it).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorBody {
    error: ErrorDetail,
}

/// What went wrong: a stable code for programs, a message for people, and for some codes more.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorDetail {
    /// A stable code such as `invalid_query`, `not_found`, `version_conflict`.
    code: String,
    /// What went wrong and how to fix it.
    message: String,
    /// `no_grid` (404 of `/api/v1/grids/at`): the nearest grid and its distance, when there are grids.
    nearest: Option<crate::service::views::GridRef>,
    /// `rate_limited` (429): seconds until another try may succeed, as in the Retry-After header.
    retry_after_secs: Option<u64>,
}
