//! `/api/v1/areas`: administrative areas (district, towns, communities).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::error::{ApiQuery, AppError};
use super::params;
use super::views;
use super::AppState;
use crate::domain::AreaLevel;
use crate::formats::geojson::FeatureCollection;

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
    let catalog = state.catalog();
    let features = catalog
        .areas()
        .iter()
        .filter(|a| levels.is_empty() || levels.contains(&a.level))
        .map(|a| views::area_feature(a, crs))
        .collect();
    Ok(Json(FeatureCollection::new(features)).into_response())
}
