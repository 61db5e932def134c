//! `/api/v1/stations`: list (bbox, filters, text search, radius), nearest, and one station.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::error::ErrorBody;
use super::error::{ApiPath, ApiQuery, AppError};
use super::params::{self, FilterParams};
use super::AppState;
use crate::service::lookups::StationQuery;
use crate::service::views::schema::{StationCollection, StationDetailFeature};
use crate::service::views::DEFAULT_SESSIONS;
use crate::spatial::Crs;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/stations", get(list))
        .route("/api/v1/stations/nearest", get(nearest))
        .route("/api/v1/stations/{id}", get(one))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListParams {
    /// `minLon,minLat,maxLon,maxLat` in `crs`: only stations inside.
    #[param(example = "121.40,29.80,121.60,29.95")]
    bbox: Option<String>,
    /// Longitude in `crs`; with `lat` and `radius_m`, stations within the radius, nearest first.
    #[param(value_type = Option<f64>, minimum = -180, maximum = 180)]
    lon: Option<String>,
    /// Latitude in `crs` (with `lon` and `radius_m`).
    #[param(value_type = Option<f64>, minimum = -90, maximum = 90)]
    lat: Option<String>,
    /// With `lon` and `lat`: the geodesic radius, metres (0 to 100000).
    #[param(value_type = Option<f64>, minimum = 0, maximum = 100000)]
    radius_m: Option<String>,
    /// The coordinate system of positions in and out (default wgs84).
    #[param(value_type = Option<Crs>)]
    crs: Option<String>,
    /// At most this many stations (1 to 50000, default 5000).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50000)]
    limit: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    filter: FilterParams,
    /// The language of readable labels and reception texts: zh-CN (default) or en.
    #[param(value_type = Option<String>, example = "en")]
    lang: Option<String>,
}

/// How many stations a list answers unless `limit` says otherwise, and the most it may ask for.
const DEFAULT_LIMIT: usize = 5_000;
const MAX_LIMIT: usize = 50_000;

/// Stations: all, in a box, by filters and text, or within a radius.
#[utoipa::path(
    get,
    path = "/api/v1/stations",
    tag = "stations",
    params(ListParams, FilterParams),
    responses(
        (status = 200, description = "Stations (within a radius: nearest first, with distance_m)", body = StationCollection),
        (status = 400, description = "A malformed or out-of-range parameter, or lon/lat without radius_m", body = ErrorBody),
    )
)]
async fn list(State(state): State<AppState>, ApiQuery(p): ApiQuery<ListParams>) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let within = match params::number("radius_m", &p.radius_m)? {
        Some(r) => Some((params::position(&p.lon, &p.lat, crs)?, r)),
        None if p.lon.is_some() || p.lat.is_some() => {
            return Err(AppError::bad(
                "missing_parameter",
                "lon and lat filter by distance only with radius_m (or use /api/v1/stations/nearest)",
            ))
        }
        None => None,
    };
    let query = StationQuery {
        filter: p.filter.filter()?,
        bbox: params::bbox(&p.bbox, crs)?,
        within,
        limit: params::integer("limit", &p.limit, DEFAULT_LIMIT, 1..=MAX_LIMIT)?,
    };
    let lookups = state.service.lookups().speaking(params::lang(&p.lang)?);
    Ok(Json(lookups.stations(&query, crs)?).into_response())
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct NearestParams {
    /// Longitude in `crs`.
    #[param(value_type = f64, required = true, minimum = -180, maximum = 180)]
    lon: Option<String>,
    /// Latitude in `crs`.
    #[param(value_type = f64, required = true, minimum = -90, maximum = 90)]
    lat: Option<String>,
    /// How many stations (1 to 100, default 5).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    k: Option<String>,
    /// The coordinate system of positions in and out (default wgs84).
    #[param(value_type = Option<Crs>)]
    crs: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    filter: FilterParams,
    /// The language of readable labels and reception texts: zh-CN (default) or en.
    #[param(value_type = Option<String>, example = "en")]
    lang: Option<String>,
}

/// The k nearest stations by WGS84 geodesic distance (online stations only when `kind` asks for them).
#[utoipa::path(
    get,
    path = "/api/v1/stations/nearest",
    tag = "stations",
    params(NearestParams, FilterParams),
    responses(
        (status = 200, description = "Nearest first, with properties.distance_m", body = StationCollection),
        (status = 400, description = "A missing, malformed or out-of-range parameter", body = ErrorBody),
    )
)]
async fn nearest(State(state): State<AppState>, ApiQuery(p): ApiQuery<NearestParams>) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let q = params::position(&p.lon, &p.lat, crs)?;
    let k = params::integer("k", &p.k, 5, 1..=100)?;
    let filter = p.filter.filter()?;
    let lookups = state.service.lookups().speaking(params::lang(&p.lang)?);
    Ok(Json(lookups.nearest_stations(q, k, &filter, crs)).into_response())
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct OneParams {
    /// The coordinate system of positions out (default wgs84).
    #[param(value_type = Option<Crs>)]
    crs: Option<String>,
    /// How many upcoming reception sessions to list (0 to 50, default 5).
    #[param(value_type = Option<u32>, minimum = 0, maximum = 50)]
    sessions: Option<String>,
    /// The language of readable labels and reception texts: zh-CN (default) or en.
    #[param(value_type = Option<String>, example = "en")]
    lang: Option<String>,
}

/// A station with its members, liaison points, town and next reception sessions.
#[utoipa::path(
    get,
    path = "/api/v1/stations/{id}",
    tag = "stations",
    params(("id" = String, Path, description = "The station's id"), OneParams),
    responses(
        (status = 200, description = "The station", body = StationDetailFeature),
        (status = 400, description = "A malformed parameter", body = ErrorBody),
        (status = 404, description = "No such station", body = ErrorBody),
    )
)]
async fn one(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<OneParams>,
) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let sessions = params::integer("sessions", &p.sessions, DEFAULT_SESSIONS, 0..=50)?;
    let lookups = state.service.lookups().speaking(params::lang(&p.lang)?);
    Ok(Json(lookups.station(&id, sessions, crs)?).into_response())
}
