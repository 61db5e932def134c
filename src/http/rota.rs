//! `/api/v1/staff/stations/{id}/rota`: reception rota suggestions for a station's coming sessions
//! (its staff, leaders, admins), and accepting or removing the members of one session (its staff,
//! admins). Parsing and rendering only; the rules are the service's.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;

use super::auth::Authenticated;
use super::error::{ApiJson, ApiPath, ApiQuery, AppError, ErrorBody};
use super::params::{self, trimmed};
use super::AppState;
use crate::service::rota::{RotaInput, RotaSession, RotaView, DEFAULT_SESSIONS, MAX_K, MAX_SESSIONS};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/staff/stations/{id}/rota", get(rota))
        .route("/api/v1/staff/stations/{id}/rota/{start}", put(accept).delete(remove))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct RotaParams {
    /// How many coming sessions (1 to 26, default 6).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 26)]
    sessions: Option<String>,
    /// How many members to suggest per session (1 to 10; default: as many as the session's rule
    /// names, else 2).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 10)]
    k: Option<String>,
}

/// A station's coming reception sessions, each with suggested members and why (a category of
/// opinions rising in the station's area that their occupation or sector speaks for, the
/// session's theme, or fewest receptions lately), and the members accepted, if any.
#[utoipa::path(
    get,
    path = "/api/v1/staff/stations/{id}/rota",
    tag = "staff",
    params(("id" = String, Path, description = "The station's id"), RotaParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The sessions with suggestions", body = RotaView),
        (status = 400, description = "A malformed parameter", body = ErrorBody),
        (status = 401, description = "No or invalid credentials", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 403, description = "Not the station's staff, a leader or an admin", body = ErrorBody),
        (status = 404, description = "No such station", body = ErrorBody),
    )
)]
async fn rota(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<RotaParams>,
) -> Result<Response, AppError> {
    let sessions = params::integer("sessions", &p.sessions, DEFAULT_SESSIONS, 1..=MAX_SESSIONS)?;
    let k = match trimmed(&p.k) {
        None => None,
        Some(_) => Some(params::integer("k", &p.k, 0, 1..=MAX_K)?),
    };
    Ok(Json(state.service.rota(&who, &id, sessions, k).await?).into_response())
}

/// Accept (or change) the members who receive at one coming session, in place of the members its
/// calendar rule names; the notice and calendar feeds follow.
#[utoipa::path(
    put,
    path = "/api/v1/staff/stations/{id}/rota/{start}",
    tag = "staff",
    params(
        ("id" = String, Path, description = "The station's id"),
        ("start" = String, Path, description = "The session's start, RFC 3339 (e.g. 2026-11-16T09:00:00+08:00)"),
    ),
    request_body = RotaInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The session as it now stands", body = RotaSession),
        (status = 400, description = "A start that is not RFC 3339, or a body that is not JSON", body = ErrorBody),
        (status = 401, description = "No or invalid credentials", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 403, description = "Not the station's staff or an admin", body = ErrorBody),
        (status = 404, description = "No such station, or no coming session starting then", body = ErrorBody),
        (status = 413, description = "The body is larger than 64 KiB", body = ErrorBody),
        (status = 422, description = "No members, too many, one twice (invalid_rota), an unknown member (unknown_member), one who does not receive at the station (member_not_at_station) or is out of term that day (member_out_of_term)", body = ErrorBody),
    )
)]
async fn accept(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiPath((id, start)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<RotaInput>,
) -> Result<Response, AppError> {
    Ok(Json(state.service.accept_rota(&who, &id, &start, &body).await?).into_response())
}

/// Remove what was accepted for a session: its calendar rule's members receive again.
#[utoipa::path(
    delete,
    path = "/api/v1/staff/stations/{id}/rota/{start}",
    tag = "staff",
    params(
        ("id" = String, Path, description = "The station's id"),
        ("start" = String, Path, description = "The session's start, RFC 3339 (e.g. 2026-11-16T09:00:00+08:00)"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed: the rule's members receive"),
        (status = 400, description = "A start that is not RFC 3339", body = ErrorBody),
        (status = 401, description = "No or invalid credentials", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 403, description = "Not the station's staff or an admin", body = ErrorBody),
        (status = 404, description = "No such station or coming session, or nothing accepted for it", body = ErrorBody),
    )
)]
async fn remove(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiPath((id, start)): ApiPath<(String, String)>,
) -> Result<Response, AppError> {
    state.service.remove_rota(&who, &id, &start).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
