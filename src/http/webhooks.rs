//! `/api/v1/admin/webhooks`: administrators register receivers of the opinion loop's events, list
//! and delete them, read a receiver's delivery log and replay a delivery. Parsing and rendering
//! only; the rules and the delivery are [`crate::service::webhooks`].

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};

use super::auth::Authenticated;
use super::error::{ApiJson, ApiPath, AppError, ErrorBody};
use super::AppState;
use crate::service::webhooks::{DeliveryView, WebhookInput, WebhookView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/webhooks", get(list).post(register))
        .route("/api/v1/admin/webhooks/{id}", delete(remove))
        .route("/api/v1/admin/webhooks/{id}/deliveries", get(deliveries))
        .route("/api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/replay", post(replay))
}

/// Registers a receiver for events (opinion.created, opinion.status_changed, opinion.replied,
/// opinion.rated). The answer shows the signing secret, once: generated when none is given.
#[utoipa::path(
    post,
    path = "/api/v1/admin/webhooks",
    tag = "admin",
    request_body = WebhookInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The receiver, with its secret (shown this once)", body = WebhookView),
        (status = 400, description = "A body that is not JSON sent as application/json", body = ErrorBody),
        (status = 401, description = "No or invalid credentials", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 413, description = "The body is larger than 64 KiB", body = ErrorBody),
        (status = 422, description = "A field is missing or invalid (invalid_body, invalid_webhook): not an http(s) URL, an unknown event, a short secret", body = ErrorBody),
    )
)]
async fn register(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiJson(body): ApiJson<WebhookInput>,
) -> Result<Response, AppError> {
    let hook = state.service.register_webhook(&who, &body).await?;
    Ok((StatusCode::CREATED, Json(hook)).into_response())
}

/// The registered receivers, without their secrets.
#[utoipa::path(
    get,
    path = "/api/v1/admin/webhooks",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The receivers, oldest first", body = [WebhookView]),
        (status = 401, description = "No or invalid credentials", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 403, description = "Not an administrator", body = ErrorBody),
    )
)]
async fn list(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
) -> Result<Json<Vec<WebhookView>>, AppError> {
    Ok(Json(state.service.webhooks(&who).await?))
}

/// Deletes a receiver; its undelivered events are no longer attempted.
#[utoipa::path(
    delete,
    path = "/api/v1/admin/webhooks/{id}",
    tag = "admin",
    params(("id" = i64, Path, description = "The webhook's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "An id that is not a number", body = ErrorBody),
        (status = 401, description = "No or invalid credentials", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such webhook", body = ErrorBody),
    )
)]
async fn remove(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    state.service.delete_webhook(&who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A receiver's delivery log, newest first, at most 200: each event with its attempts (time,
/// status code, error, duration), when it is tried next, when it was delivered.
#[utoipa::path(
    get,
    path = "/api/v1/admin/webhooks/{id}/deliveries",
    tag = "admin",
    params(("id" = i64, Path, description = "The webhook's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The deliveries", body = [DeliveryView]),
        (status = 400, description = "An id that is not a number", body = ErrorBody),
        (status = 401, description = "No or invalid credentials", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such webhook", body = ErrorBody),
    )
)]
async fn deliveries(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<DeliveryView>>, AppError> {
    Ok(Json(state.service.webhook_deliveries(&who, id).await?))
}

/// Sends a delivery again as soon as the worker next looks (delivered or not), with the same
/// event id, so that receivers that deduplicate see it once.
#[utoipa::path(
    post,
    path = "/api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/replay",
    tag = "admin",
    params(
        ("id" = i64, Path, description = "The webhook's id"),
        ("delivery_id" = i64, Path, description = "The delivery's id, from the log"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Due again; the delivery as it is now", body = DeliveryView),
        (status = 400, description = "An id that is not a number", body = ErrorBody),
        (status = 401, description = "No or invalid credentials", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such webhook or delivery", body = ErrorBody),
    )
)]
async fn replay(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiPath((id, delivery)): ApiPath<(i64, i64)>,
) -> Result<Response, AppError> {
    let d = state.service.replay_delivery(&who, id, delivery).await?;
    Ok((StatusCode::ACCEPTED, Json(d)).into_response())
}
