//! `/api/v1/stations`: list (bbox, filters, text search, radius), nearest, and one station.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::error::{ApiPath, ApiQuery, AppError};
use super::params::{self, FilterParams};
use super::AppState;
use crate::service::lookups::StationQuery;
use crate::service::views::DEFAULT_SESSIONS;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/stations", get(list))
        .route("/api/v1/stations/nearest", get(nearest))
        .route("/api/v1/stations/{id}", get(one))
}

#[derive(Debug, serde::Deserialize)]
struct ListParams {
    bbox: Option<String>,
    lon: Option<String>,
    lat: Option<String>,
    radius_m: Option<String>,
    crs: Option<String>,
    limit: Option<String>,
    #[serde(flatten)]
    filter: FilterParams,
}

/// How many stations a list answers unless `limit` says otherwise, and the most it may ask for.
const DEFAULT_LIMIT: usize = 5_000;
const MAX_LIMIT: usize = 50_000;

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
    let lookups = state.service.lookups();
    Ok(Json(lookups.stations(&query, crs)?).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct NearestParams {
    lon: Option<String>,
    lat: Option<String>,
    k: Option<String>,
    crs: Option<String>,
    #[serde(flatten)]
    filter: FilterParams,
}

async fn nearest(State(state): State<AppState>, ApiQuery(p): ApiQuery<NearestParams>) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let q = params::position(&p.lon, &p.lat, crs)?;
    let k = params::integer("k", &p.k, 5, 1..=100)?;
    let filter = p.filter.filter()?;
    let lookups = state.service.lookups();
    Ok(Json(lookups.nearest_stations(q, k, &filter, crs)).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct OneParams {
    crs: Option<String>,
    sessions: Option<String>,
}

async fn one(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<OneParams>,
) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let sessions = params::integer("sessions", &p.sessions, DEFAULT_SESSIONS, 0..=50)?;
    let lookups = state.service.lookups();
    Ok(Json(lookups.station(&id, sessions, crs)?).into_response())
}
