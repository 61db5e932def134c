//! `/api/v1/areas`: administrative areas (district, towns, communities).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::error::ErrorBody;
use super::error::{ApiQuery, AppError};
use super::params;
use super::AppState;
use crate::domain::AreaLevel;
use crate::service::views::schema::AreaCollection;
use crate::spatial::Crs;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/areas", get(list))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListParams {
    /// Area levels, comma-separated (default all).
    #[param(value_type = Option<Vec<AreaLevel>>, style = Form, explode = false)]
    level: Option<String>,
    /// The coordinate system of positions in and out (default wgs84).
    #[param(value_type = Option<Crs>)]
    crs: Option<String>,
}

/// Administrative areas: the district, its towns and communities.
#[utoipa::path(
    get,
    path = "/api/v1/areas",
    tag = "areas",
    params(ListParams),
    responses(
        (status = 200, description = "Areas", body = AreaCollection),
        (status = 400, description = "A malformed parameter", body = ErrorBody),
    )
)]
async fn list(State(state): State<AppState>, ApiQuery(p): ApiQuery<ListParams>) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let levels = params::list::<AreaLevel>("level", &p.level)?;
    let lookups = state.service.lookups();
    Ok(Json(lookups.areas(&levels, crs)).into_response())
}
