//! `/api/v1/members/{id}`: a member with their station, grid areas and reception sessions.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::error::{ApiPath, ApiQuery, AppError};
use super::params;
use super::AppState;
use crate::service::views::DEFAULT_SESSIONS;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/members/{id}", get(one))
}

#[derive(Debug, serde::Deserialize)]
struct OneParams {
    sessions: Option<String>,
}

async fn one(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<OneParams>,
) -> Result<Response, AppError> {
    let sessions = params::integer("sessions", &p.sessions, DEFAULT_SESSIONS, 0..=50)?;
    let lookups = state.service.lookups();
    Ok(Json(lookups.member(&id, sessions)?).into_response())
}
