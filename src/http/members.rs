//! `/api/v1/members/{id}`: a member with their station, grid areas and reception sessions.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use super::error::{ApiQuery, AppError};
use super::params;
use super::views;
use super::AppState;
use crate::domain::MemberId;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/members/{id}", get(one))
}

#[derive(Debug, serde::Deserialize)]
struct OneParams {
    sessions: Option<String>,
}

async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<OneParams>,
) -> Result<Json<Value>, AppError> {
    let sessions = params::integer("sessions", &p.sessions, views::DEFAULT_SESSIONS, 0..=50)?;
    let catalog = state.catalog();
    let member =
        MemberId::new(&id).ok().and_then(|id| catalog.member(&id)).ok_or_else(|| AppError::not_found("member", &id))?;
    Ok(Json(views::member_detail(&catalog, member, state.now(), sessions)))
}
