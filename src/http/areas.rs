//! `/api/v1/areas`: administrative areas (district, towns, communities).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use super::error::{ApiQuery, AppError};
use super::params;
use super::views::{self, feature_collection};
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

async fn list(State(state): State<AppState>, ApiQuery(p): ApiQuery<ListParams>) -> Result<Json<Value>, AppError> {
    let crs = params::crs(&p.crs)?;
    let levels = params::list::<AreaLevel>("level", &p.level)?;
    let catalog = state.catalog();
    let features = catalog
        .areas()
        .iter()
        .filter(|a| levels.is_empty() || levels.contains(&a.level))
        .map(|a| views::area_feature(a, crs))
        .collect();
    Ok(Json(feature_collection(features)))
}
