//! `/api/v1/layers`: map layers an operator imported (`liaison import layer NAME FILE`): rivers,
//! public services, livelihood projects. Positions WGS84 unless `crs` says otherwise.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::error::{ApiPath, ApiQuery, AppError, ErrorBody};
use super::params;
use super::AppState;
use crate::service::views::schema::LayerCollection;
use crate::service::views::LayerList;
use crate::spatial::Crs;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/layers", get(list)).route("/api/v1/layers/{name}", get(one))
}

/// Every imported map layer: name, title, what it draws and how many features.
#[utoipa::path(
    get,
    path = "/api/v1/layers",
    tag = "layers",
    responses((status = 200, description = "The imported layers, by name", body = LayerList))
)]
async fn list(State(state): State<AppState>) -> Response {
    Json(state.service.lookups().layers()).into_response()
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct OneParams {
    /// The coordinate system of positions out (default wgs84).
    #[param(value_type = Option<Crs>)]
    crs: Option<String>,
}

/// One layer's features as GeoJSON, with the imported file's properties.
#[utoipa::path(
    get,
    path = "/api/v1/layers/{name}",
    tag = "layers",
    params(("name" = String, Path, description = "The layer's name"), OneParams),
    responses(
        (status = 200, description = "The layer's features", body = LayerCollection, content_type = "application/geo+json"),
        (status = 400, description = "A malformed parameter", body = ErrorBody),
        (status = 404, description = "No such layer", body = ErrorBody),
    )
)]
async fn one(
    State(state): State<AppState>,
    ApiPath(name): ApiPath<String>,
    ApiQuery(p): ApiQuery<OneParams>,
) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let lookups = state.service.lookups();
    let features = lookups.layer(&name, crs)?;
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], Json(features)).into_response())
}
