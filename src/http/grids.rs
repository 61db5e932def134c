//! `/api/v1/grids`: grid areas in a box, one grid, and "who is my member" for a point.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::error::ErrorBody;
use super::error::{ApiPath, ApiQuery, AppError};
use super::params;
use super::AppState;
use crate::service::views::schema::{GridAtFeature, GridCollection, GridFeature};
use crate::service::views::DEFAULT_SESSIONS;
use crate::spatial::Crs;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/grids", get(list))
        .route("/api/v1/grids/at", get(at))
        .route("/api/v1/grids/{id}", get(one))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListParams {
    /// `minLon,minLat,maxLon,maxLat` in `crs`: only grid areas meeting the box.
    #[param(example = "121.40,29.80,121.60,29.95")]
    bbox: Option<String>,
    /// The coordinate system of positions in and out (default wgs84).
    #[param(value_type = Option<Crs>)]
    crs: Option<String>,
}

/// Grid areas (网格), optionally those meeting a box.
#[utoipa::path(
    get,
    path = "/api/v1/grids",
    tag = "grids",
    params(ListParams),
    responses(
        (status = 200, description = "Grid areas", body = GridCollection),
        (status = 400, description = "A malformed parameter", body = ErrorBody),
    )
)]
async fn list(State(state): State<AppState>, ApiQuery(p): ApiQuery<ListParams>) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let bbox = params::bbox(&p.bbox, crs)?;
    let lookups = state.service.lookups();
    Ok(Json(lookups.grids(bbox.as_ref(), crs)).into_response())
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct OneParams {
    /// The coordinate system of positions in and out (default wgs84).
    #[param(value_type = Option<Crs>)]
    crs: Option<String>,
}

/// One grid area.
#[utoipa::path(
    get,
    path = "/api/v1/grids/{id}",
    tag = "grids",
    params(("id" = String, Path, description = "The grid area's id"), OneParams),
    responses(
        (status = 200, description = "The grid area", body = GridFeature),
        (status = 400, description = "A malformed parameter", body = ErrorBody),
        (status = 404, description = "No such grid area", body = ErrorBody),
    )
)]
async fn one(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<OneParams>,
) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let lookups = state.service.lookups();
    Ok(Json(lookups.grid(&id, crs)?).into_response())
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AtParams {
    /// Longitude in `crs`.
    #[param(value_type = f64, required = true, minimum = -180, maximum = 180)]
    lon: Option<String>,
    /// Latitude in `crs`.
    #[param(value_type = f64, required = true, minimum = -90, maximum = 90)]
    lat: Option<String>,
    /// The coordinate system of positions in and out (default wgs84).
    #[param(value_type = Option<Crs>)]
    crs: Option<String>,
    /// How many upcoming reception sessions to list (0 to 50, default 5).
    #[param(value_type = Option<u32>, minimum = 0, maximum = 50)]
    sessions: Option<String>,
    /// The language of readable labels and reception texts: zh-CN (default) or en.
    #[param(value_type = Option<String>, example = "en")]
    lang: Option<String>,
}

/// Who is my member: the grid holding a point, with members, sessions, station, town and
/// near_boundary/neighbour (50 m).
#[utoipa::path(
    get,
    path = "/api/v1/grids/at",
    tag = "grids",
    params(AtParams),
    responses(
        (status = 200, description = "The grid holding the point", body = GridAtFeature),
        (status = 400, description = "A missing, malformed or out-of-range parameter", body = ErrorBody),
        (status = 404, description = "No grid holds the point (code no_grid); error.nearest names the nearest grid and its distance", body = ErrorBody),
    )
)]
async fn at(State(state): State<AppState>, ApiQuery(p): ApiQuery<AtParams>) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let q = params::position(&p.lon, &p.lat, crs)?;
    let sessions = params::integer("sessions", &p.sessions, DEFAULT_SESSIONS, 0..=50)?;
    let lookups = state.service.lookups().speaking(params::lang(&p.lang)?);
    Ok(Json(lookups.grid_at(q, sessions, crs)?).into_response())
}
