//! `/api/v1/projects` (public: livelihood projects 民生实事 as GeoJSON) and
//! `/api/v1/staff/projects` (administrators and leaders publish one, or a progress update).
//! Parsing and rendering only; the rules are the service's. Positions are WGS84 lon/lat unless
//! `crs` asks otherwise.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::auth::Authenticated;
use super::error::{ApiJson, ApiPath, ApiQuery, AppError, ErrorBody};
use super::params::{self, trimmed};
use super::AppState;
use crate::domain::{AreaCode, ProjectStatus, StationId};
use crate::service::projects::{ProjectInput, ProjectQuery, ProjectView, UpdateInput};
use crate::spatial::Crs;

/// The public listing (no session layer needed).
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/projects", get(list)).route("/api/v1/projects/{id}", get(one))
}

/// The staff side, merged where the session layer applies (web logins).
pub fn staff_router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/staff/projects", post(publish))
        .route("/api/v1/staff/projects/{id}/updates", post(update))
}

crate::feature_schema!(
    ProjectFeature: ProjectView,
    Any,
    "A livelihood project: its point, else its grid area (MultiPolygon), else its town (MultiPolygon); properties.drawn_as says which"
);
crate::collection_schema!(ProjectCollection: ProjectFeature, "Livelihood projects, newest year first");

/// A query parameter parsed with `FromStr`, its error named.
pub(super) fn parsed<T: std::str::FromStr>(name: &str, v: &Option<String>) -> Result<Option<T>, AppError>
where
    T::Err: std::fmt::Display,
{
    trimmed(v)
        .map(|s| s.parse::<T>().map_err(|e| AppError::bad("invalid_parameter", format!("{name}: {e}"))))
        .transpose()
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListParams {
    /// Only projects in this town (its area code; an unknown town is a 400).
    #[param(value_type = Option<AreaCode>)]
    town: Option<String>,
    /// Only projects a station shows: in its town, or supervised by one of its members (an
    /// unknown station is a 400).
    #[param(value_type = Option<StationId>)]
    station: Option<String>,
    /// Only projects of this status.
    #[param(value_type = Option<ProjectStatus>)]
    status: Option<String>,
    /// Only projects of this year's list (2000 to 2100).
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    year: Option<String>,
    /// At most this many (1 to 1000, default 500).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// The coordinate system of positions out (default wgs84).
    #[param(value_type = Option<Crs>)]
    crs: Option<String>,
}

/// Livelihood projects (民生实事) as GeoJSON, newest year first: each drawn at its point, else as
/// its grid area, else as its town, with its status, progress, budget, supervising members and
/// public updates.
#[utoipa::path(
    get,
    path = "/api/v1/projects",
    tag = "published",
    params(ListParams),
    responses(
        (status = 200, description = "The projects (none: an empty collection)", body = ProjectCollection),
        (status = 400, description = "A malformed parameter, or an unknown town or station", body = ErrorBody),
    )
)]
async fn list(State(state): State<AppState>, ApiQuery(p): ApiQuery<ListParams>) -> Result<Response, AppError> {
    let year = params::integer("year", &p.year, 0, 2000..=2100)?;
    let query = ProjectQuery {
        town: parsed("town", &p.town)?,
        station: parsed("station", &p.station)?,
        status: parsed("status", &p.status)?,
        year: (year != 0).then_some(year as i32),
        limit: params::integer("limit", &p.limit, 500, 1..=1000)?,
        crs: params::crs(&p.crs)?,
    };
    Ok(Json(state.service.projects(&query).await?).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct OneParams {
    /// The coordinate system of positions out (default wgs84).
    #[param(value_type = Option<Crs>)]
    crs: Option<String>,
}

/// The project's id from the path: a positive integer.
fn project_id(id: &str) -> Result<i64, AppError> {
    id.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| AppError::bad("invalid_path", format!("a project id is a positive integer, got {id:?}")))
}

/// One livelihood project with all its updates.
#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}",
    tag = "published",
    params(("id" = i64, Path, description = "The project's id", minimum = 1), OneParams),
    responses(
        (status = 200, description = "The project", body = ProjectFeature),
        (status = 400, description = "An id that is not a positive integer, or a malformed crs", body = ErrorBody),
        (status = 404, description = "No such project", body = ErrorBody),
    )
)]
async fn one(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<OneParams>,
) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    Ok(Json(state.service.project(project_id(&id)?, crs).await?).into_response())
}

/// Publish a livelihood project for the whole district (administrators and leaders).
#[utoipa::path(
    post,
    path = "/api/v1/staff/projects",
    tag = "published",
    request_body = ProjectInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The project as published", body = ProjectFeature),
        (status = 400, description = "A body that is not JSON sent as application/json", body = ErrorBody),
        (status = 401, description = "No or invalid credentials", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 403, description = "Not an administrator or leader", body = ErrorBody),
        (status = 413, description = "The body is larger than 64 KiB", body = ErrorBody),
        (status = 422, description = "A field is missing or invalid (invalid_body, invalid_project), or names an unknown member, town or grid", body = ErrorBody),
    )
)]
async fn publish(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiJson(body): ApiJson<ProjectInput>,
) -> Result<Response, AppError> {
    let project = state.service.publish_project(&who, &body).await?;
    Ok((StatusCode::CREATED, Json(project)).into_response())
}

/// Add a public progress update to a project (administrators and leaders): the project's
/// progress becomes the update's and its status follows.
#[utoipa::path(
    post,
    path = "/api/v1/staff/projects/{id}/updates",
    tag = "published",
    params(("id" = i64, Path, description = "The project's id", minimum = 1)),
    request_body = UpdateInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The project with the update", body = ProjectFeature),
        (status = 400, description = "An id that is not a positive integer, or a body that is not JSON", body = ErrorBody),
        (status = 401, description = "No or invalid credentials", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 403, description = "Not an administrator or leader", body = ErrorBody),
        (status = 404, description = "No such project", body = ErrorBody),
        (status = 409, description = "Another update was added meanwhile", body = ErrorBody),
        (status = 413, description = "The body is larger than 64 KiB", body = ErrorBody),
        (status = 422, description = "A field is missing or invalid: a day after today or before the latest update, progress going back", body = ErrorBody),
    )
)]
async fn update(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateInput>,
) -> Result<Response, AppError> {
    let id = project_id(&id)?;
    let project = state.service.add_project_update(&who, id, &body).await?;
    Ok((StatusCode::CREATED, Json(project)).into_response())
}
