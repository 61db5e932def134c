//! `/api/v1/members/{id}`: a member with their station, grid areas and reception sessions.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::error::ErrorBody;
use super::error::{ApiPath, ApiQuery, AppError};
use super::params;
use super::AppState;
use crate::service::views::{MemberDetail, DEFAULT_SESSIONS};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/members/{id}", get(one))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct OneParams {
    /// How many upcoming reception sessions to list (0 to 50, default 5).
    #[param(value_type = Option<u32>, minimum = 0, maximum = 50)]
    sessions: Option<String>,
}

/// A member with their station, grid areas and next reception sessions.
#[utoipa::path(
    get,
    path = "/api/v1/members/{id}",
    tag = "members",
    params(("id" = String, Path, description = "The member's id"), OneParams),
    responses(
        (status = 200, description = "The member", body = MemberDetail),
        (status = 400, description = "A malformed parameter", body = ErrorBody),
        (status = 404, description = "No such member", body = ErrorBody),
    )
)]
async fn one(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<OneParams>,
) -> Result<Response, AppError> {
    let sessions = params::integer("sessions", &p.sessions, DEFAULT_SESSIONS, 0..=50)?;
    let lookups = state.service.lookups();
    Ok(Json(lookups.member(&id, sessions)?).into_response())
}
