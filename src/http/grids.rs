//! `/api/v1/grids`: grid areas in a box, one grid, and "who is my member" for a point.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::error::{ApiPath, ApiQuery, AppError};
use super::params;
use super::AppState;
use crate::service::views::DEFAULT_SESSIONS;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/grids", get(list))
        .route("/api/v1/grids/at", get(at))
        .route("/api/v1/grids/{id}", get(one))
}

#[derive(Debug, serde::Deserialize)]
struct ListParams {
    bbox: Option<String>,
    crs: Option<String>,
}

async fn list(State(state): State<AppState>, ApiQuery(p): ApiQuery<ListParams>) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let bbox = params::bbox(&p.bbox, crs)?;
    let lookups = state.service.lookups();
    Ok(Json(lookups.grids(bbox.as_ref(), crs)).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct OneParams {
    crs: Option<String>,
}

async fn one(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<OneParams>,
) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let lookups = state.service.lookups();
    Ok(Json(lookups.grid(&id, crs)?).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct AtParams {
    lon: Option<String>,
    lat: Option<String>,
    crs: Option<String>,
    sessions: Option<String>,
}

async fn at(State(state): State<AppState>, ApiQuery(p): ApiQuery<AtParams>) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let q = params::position(&p.lon, &p.lat, crs)?;
    let sessions = params::integer("sessions", &p.sessions, DEFAULT_SESSIONS, 0..=50)?;
    let lookups = state.service.lookups();
    Ok(Json(lookups.grid_at(q, sessions, crs)?).into_response())
}
