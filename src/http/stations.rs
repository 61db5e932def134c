//! `/api/v1/stations`: list (bbox, filters, text search, radius), nearest, and one station.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::error::{ApiQuery, AppError};
use super::params::{self, FilterParams};
use super::views;
use super::AppState;
use crate::catalog::StationFilter;
use crate::domain::StationId;
use crate::formats::geojson::FeatureCollection;

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

/// The largest radius a within-radius query may ask for, metres.
const MAX_RADIUS_M: f64 = 100_000.0;

async fn list(State(state): State<AppState>, ApiQuery(p): ApiQuery<ListParams>) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let filter = p.filter.filter()?;
    let bbox = params::bbox(&p.bbox, crs)?;
    let limit = params::integer("limit", &p.limit, DEFAULT_LIMIT, 1..=MAX_LIMIT)?;
    let catalog = state.catalog();
    let features: Vec<_> = match params::number("radius_m", &p.radius_m)? {
        Some(r) => {
            if !(0.0..=MAX_RADIUS_M).contains(&r) {
                return Err(AppError::bad(
                    "out_of_range",
                    format!("radius_m must be between 0 and {MAX_RADIUS_M}, got {r}"),
                ));
            }
            let q = params::position(&p.lon, &p.lat, crs)?;
            catalog
                .stations_within(q, r, &filter)
                .into_iter()
                .filter(|h| bbox.is_none_or(|b| b.contains(h.station.location.lon(), h.station.location.lat())))
                .take(limit + 1)
                .map(|h| views::station_feature(h.station, Some(h.distance_m), crs))
                .collect()
        }
        None => {
            if p.lon.is_some() || p.lat.is_some() {
                return Err(AppError::bad(
                    "missing_parameter",
                    "lon and lat filter by distance only with radius_m (or use /api/v1/stations/nearest)",
                ));
            }
            catalog
                .stations_matching(bbox.as_ref(), &filter)
                .into_iter()
                .take(limit + 1)
                .map(|s| views::station_feature(s, None, crs))
                .collect()
        }
    };
    Ok(Json(FeatureCollection::limited(features, limit)).into_response())
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

/// Without a `kind`, nearest answers physical places only: an online station is not somewhere
/// to walk to.
async fn nearest(State(state): State<AppState>, ApiQuery(p): ApiQuery<NearestParams>) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let q = params::position(&p.lon, &p.lat, crs)?;
    let k = params::integer("k", &p.k, 5, 1..=100)?;
    let mut filter = p.filter.filter()?;
    if filter.kinds.is_empty() {
        filter.kinds = StationFilter::physical().kinds;
    }
    let catalog = state.catalog();
    let features = catalog
        .nearest_stations(q, k, &filter)
        .into_iter()
        .map(|h| views::station_feature(h.station, Some(h.distance_m), crs))
        .collect();
    Ok(Json(FeatureCollection::new(features)).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct OneParams {
    crs: Option<String>,
    sessions: Option<String>,
}

async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<OneParams>,
) -> Result<Json<serde_json::Value>, AppError> {
    let crs = params::crs(&p.crs)?;
    let sessions = params::integer("sessions", &p.sessions, views::DEFAULT_SESSIONS, 0..=50)?;
    let catalog = state.catalog();
    let station = StationId::new(&id)
        .ok()
        .and_then(|id| catalog.station(&id))
        .ok_or_else(|| AppError::not_found("station", &id))?;
    Ok(Json(views::station_detail(&catalog, station, state.now(), sessions, crs)))
}
