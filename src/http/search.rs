//! `/api/v1/search`: the map's search box — stations, towns, grid areas and members by name as
//! written, in full pinyin or in pinyin initials (`baiyun` or `by` for 白云), stations also by address.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use super::error::{ApiQuery, AppError, ErrorBody};
use super::params;
use super::AppState;
use crate::service::views::SearchAnswer;
use crate::spatial::Crs;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/search", get(search))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchParams {
    /// What to look for (1 to 100 characters): Chinese as written, full pinyin, pinyin initials or a mix.
    #[param(required = true, example = "baiyun")]
    q: Option<String>,
    /// At most this many results (1 to 50, default 10).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    limit: Option<String>,
    /// The coordinate system of positions out (default wgs84).
    #[param(value_type = Option<Crs>)]
    crs: Option<String>,
}

/// Search by name: best first (as written before pinyin, the start of a name before its inside;
/// then shorter names; then stations, towns, grids, members).
#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "stations",
    params(SearchParams),
    responses(
        (status = 200, description = "What the query found, best first", body = SearchAnswer),
        (status = 400, description = "No query, a query over 100 characters, or a bad limit or crs", body = ErrorBody),
    )
)]
async fn search(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Json<SearchAnswer>, AppError> {
    let crs = params::crs(&p.crs)?;
    let limit = params::integer("limit", &p.limit, 10, 1..=50)?;
    let q = p.q.ok_or_else(|| AppError::bad("missing_parameter", "q (what to search for) is required"))?;
    Ok(Json(state.service.lookups().search(&q, limit, crs)?))
}
