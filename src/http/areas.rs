//! `/api/v1/areas`: administrative areas (district, towns, communities).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::error::{ApiQuery, AppError};
use super::params;
use super::AppState;
use crate::domain::AreaLevel;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/areas", get(list))
}

#[derive(Debug, serde::Deserialize)]
struct ListParams {
    level: Option<String>,
    crs: Option<String>,
}

async fn list(State(state): State<AppState>, ApiQuery(p): ApiQuery<ListParams>) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let levels = params::list::<AreaLevel>("level", &p.level)?;
    let lookups = state.service.lookups();
    Ok(Json(lookups.areas(&levels, crs)).into_response())
}
