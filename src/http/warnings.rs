//! `/api/v1/warnings`: the week's early warnings (预警), towns or grid areas where opinions of one
//! category surge above their own baseline; parsing and rendering over the service's use case.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;

use super::error::{ApiQuery, AppError, ErrorBody};
use super::params::trimmed;
use super::AppState;
use crate::analytics::warnings::WarningLevel;
use crate::domain::Category;
use crate::service::warnings::WarningsView;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/warnings", get(warnings))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct WarningsParams {
    /// The Monday (YYYY-MM-DD, Asia/Shanghai) the judged week begins on; default: the current
    /// week so far. Any other day is a 400.
    #[param(value_type = Option<NaiveDate>, example = "2026-11-09")]
    week: Option<String>,
    /// Towns by area code (default) or grid areas by id.
    #[param(value_type = Option<WarningLevel>)]
    level: Option<String>,
    /// Only warnings of this category.
    #[param(value_type = Option<Category>)]
    category: Option<String>,
}

/// Early warnings (预警): for every town (or grid area) and category, the week's opinions against
/// the mean of the 8 weeks before (at least 0.5). A cell warns when it has at least 5 opinions and
/// P(X ≥ count) < 0.001 for X ~ Poisson(expected); score = −log10 of that. Most surprising first;
/// only opinion ids, never texts.
#[utoipa::path(
    get,
    path = "/api/v1/warnings",
    tag = "analytics",
    params(WarningsParams),
    responses(
        (status = 200, description = "The week's warnings, highest score first (none: an empty list)", body = WarningsView),
        (status = 400, description = "A malformed date, a week that does not begin on a Monday, an unknown level or category", body = ErrorBody),
    )
)]
async fn warnings(State(state): State<AppState>, ApiQuery(p): ApiQuery<WarningsParams>) -> Result<Response, AppError> {
    let week = trimmed(&p.week)
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| AppError::bad("invalid_parameter", format!("week must be a date YYYY-MM-DD, got {s:?}")))
        })
        .transpose()?;
    let level = match trimmed(&p.level) {
        None | Some("town") => WarningLevel::Town,
        Some("grid") => WarningLevel::Grid,
        Some(other) => {
            return Err(AppError::bad("invalid_parameter", format!("level must be town or grid, got {other:?}")))
        }
    };
    let category = trimmed(&p.category)
        .map(|c| c.parse::<Category>().map_err(|e| AppError::bad("invalid_parameter", format!("category: {e}"))))
        .transpose()?;
    let warnings = state.service.warnings(week, level, category).await?;
    Ok(Json(warnings.view()).into_response())
}
