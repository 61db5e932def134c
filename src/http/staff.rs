//! `/api/v1/staff/issues`: the working side of the loop for staff, members, leaders and admins:
//! an inbox with filters, one opinion with contact and full history, and workflow transitions.
//! Parsing and rendering only; the rules are the service's.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::auth::Authenticated;
use super::error::{ApiJson, ApiPath, ApiQuery, AppError};
use super::params;
use super::AppState;
use crate::domain::{Category, StationId, Status};
use crate::service::staff::{audience, InboxQuery, TransitionRequest};
use crate::spatial::Crs;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/staff/issues", get(inbox))
        .route("/api/v1/staff/issues/{id}", get(one))
        .route("/api/v1/staff/issues/{id}/transitions", post(transition))
}

#[derive(Debug, Deserialize)]
struct InboxParams {
    status: Option<String>,
    station: Option<String>,
    category: Option<String>,
    overdue: Option<String>,
    limit: Option<String>,
}

async fn inbox(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiQuery(p): ApiQuery<InboxParams>,
) -> Result<Response, AppError> {
    let query = InboxQuery {
        statuses: params::list::<Status>("status", &p.status)?,
        category: params::list::<Category>("category", &p.category)?.first().copied(),
        stations: params::list::<StationId>("station", &p.station)?,
        overdue: params::boolean("overdue", &p.overdue)?.unwrap_or(false),
        limit: params::integer("limit", &p.limit, 200, 1..=1000)?,
    };
    Ok(Json(state.service.inbox(&who, &query).await?).into_response())
}

async fn one(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, AppError> {
    let tracked = state.service.staff_opinion(&who, &id).await?;
    let catalog = state.service.catalog();
    Ok(Json(tracked.view(&catalog, audience(&who), Crs::Wgs84)).into_response())
}

async fn transition(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<TransitionRequest>,
) -> Result<Response, AppError> {
    let tracked = state.service.transition(&who, &id, &body).await?;
    let catalog = state.service.catalog();
    Ok(Json(tracked.view(&catalog, audience(&who), Crs::Wgs84)).into_response())
}
