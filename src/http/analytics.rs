//! Leaders' numbers: `/api/v1/heatmap` (H3 hexagons), `/api/v1/stats` (grouped rows and trends,
//! JSON or CSV) and `/api/v1/areas/stats` (choropleths of towns and grid areas): parsing and
//! rendering over the service's analytics.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::error::ErrorBody;
use super::error::{ApiQuery, AppError};
use super::openapi::DEFINITIONS;
use super::params::{self, trimmed, AnalyticsParams};
use super::AppState;
use crate::analytics::tally::Metric;
use crate::analytics::{GroupBy, Interval};
use crate::service::analytics::schema::{AreaStatsCollection, HexCollection};
use crate::service::analytics::StatsView;
use crate::service::analytics::{empty_summary, ChoroplethLevel, RowView};
use crate::spatial::hexagons::HexResolution;
use crate::spatial::Crs;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/heatmap", get(heatmap_handler))
        .route("/api/v1/stats", get(stats_handler))
        .route("/api/v1/areas/stats", get(area_stats))
}

fn metric(v: &Option<String>, default: Metric) -> Result<Metric, AppError> {
    trimmed(v).map_or(Ok(default), |m| m.parse().map_err(|e: String| AppError::bad("invalid_metric", e)))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct HeatmapParams {
    /// The number copied into properties.value (default count; reply_hours: the median).
    #[param(value_type = Option<Metric>)]
    metric: Option<String>,
    /// H3 resolution, 6 (≈36 km² a cell) to 10 (≈0.015 km²); default 8 (≈0.74 km²).
    #[param(value_type = Option<u8>, minimum = 6, maximum = 10)]
    res: Option<String>,
    /// `minLon,minLat,maxLon,maxLat` in `crs`: the cells whose centre is inside, each with all its
    /// opinions.
    #[param(example = "121.40,29.80,121.60,29.95")]
    bbox: Option<String>,
    /// The coordinate system of positions in and out (default wgs84).
    #[param(value_type = Option<Crs>)]
    crs: Option<String>,
    /// `all` (default): every number of each cell; `value`: only `h3`, `value` and `count`, the
    /// compact answer a map draws from.
    #[param(value_type = Option<HeatmapNumbers>)]
    numbers: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    filter: AnalyticsParams,
}

/// Which numbers a heatmap's cells carry.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // only its schema is used: the handler reads the parameter as text
#[schema(rename_all = "snake_case")]
pub(super) enum HeatmapNumbers {
    All,
    Value,
}

/// H3 hexagon heatmap of opinions with every number: ids are the usual 15-hex-digit H3 v4 cells;
/// cells of fewer than 5 opinions carry h3 and count only.
#[utoipa::path(
    get,
    path = "/api/v1/heatmap",
    tag = "analytics",
    description = DEFINITIONS,
    params(HeatmapParams, AnalyticsParams),
    responses(
        (status = 200, description = "One Polygon feature per cell", body = HexCollection),
        (status = 400, description = "A malformed or out-of-range parameter, an unknown station or town, or from not before to", body = ErrorBody),
    )
)]
async fn heatmap_handler(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<HeatmapParams>,
) -> Result<Response, AppError> {
    let metric = metric(&p.metric, Metric::Count)?;
    let res = params::integer("res", &p.res, 8, 6..=10)?;
    let res = HexResolution::new(res as u8).map_err(|e| AppError::bad("out_of_range", e.to_string()))?;
    let crs = params::crs(&p.crs)?;
    let mut selection = p.filter.selection()?;
    selection.bbox = params::bbox(&p.bbox, crs)?;
    let every_number = match trimmed(&p.numbers) {
        None | Some("all") => true,
        Some("value") => false,
        Some(other) => {
            return Err(AppError::bad("invalid_parameter", format!("numbers must be all or value, got {other:?}")))
        }
    };
    let heatmap = state.service.heatmap(&selection, res, metric).await?;
    let outlines = heatmap.outlines();
    Ok(Json(heatmap.features(&outlines, crs, every_number)).into_response())
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct StatsParams {
    /// Rows per town, station, member (an opinion counts for each of its members), grid area or
    /// category; default one row for everything.
    #[param(value_type = Option<GroupBy>)]
    group_by: Option<String>,
    /// Also split rows by period of submission (reply rate: of due date); weeks begin on Monday.
    #[param(value_type = Option<Interval>)]
    interval: Option<String>,
    /// json (default) or csv (text/csv, one column per number, empty cells for null rates).
    #[param(value_type = Option<StatsFormat>)]
    format: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    filter: AnalyticsParams,
}

/// How `/api/v1/stats` answers.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // only its schema is used: the handler reads the parameter as text
#[schema(rename_all = "snake_case")]
pub(super) enum StatsFormat {
    Json,
    Csv,
}

fn choice<T: serde::de::DeserializeOwned>(
    name: &str,
    v: &Option<String>,
    allowed: &str,
) -> Result<Option<T>, AppError> {
    trimmed(v)
        .map(|s| {
            serde_json::from_value(serde_json::Value::from(s))
                .map_err(|_| AppError::bad("invalid_parameter", format!("{name} must be one of {allowed}, got {s:?}")))
        })
        .transpose()
}

/// Every number by group and period, for rankings and trend charts; format=csv for export.
#[utoipa::path(
    get,
    path = "/api/v1/stats",
    tag = "analytics",
    description = DEFINITIONS,
    params(StatsParams, AnalyticsParams),
    responses(
        (status = 200, description = "Rows ordered by group then period; group null holds opinions outside every group of that kind",
            content(
                (StatsView = "application/json"),
                (String = "text/csv", example = "group,name,period,count,open,..."),
            )),
        (status = 400, description = "A malformed parameter, an unknown station or town, or from not before to", body = ErrorBody),
    )
)]
async fn stats_handler(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<StatsParams>,
) -> Result<Response, AppError> {
    let by: Option<GroupBy> = choice("group_by", &p.group_by, "town, station, member, grid, category")?;
    let interval: Option<Interval> = choice("interval", &p.interval, "day, week, month")?;
    let csv = params::wants_csv(&p.format)?;
    let stats = state.service.stats(&p.filter.selection()?, by, interval).await?;
    if csv {
        let text = stats_csv(&stats.rows()).map_err(AppError::internal)?;
        return Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], text).into_response());
    }
    Ok(Json(stats.view()).into_response())
}

/// The rows as CSV, one column per number; empty cells for rates without a denominator.
fn stats_csv(rows: &[RowView]) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "group",
        "name",
        "period",
        "count",
        "open",
        "overdue",
        "rejected",
        "registered",
        "resolved",
        "resolution_rate",
        "rated",
        "satisfied",
        "satisfaction_rate",
        "mean_rating",
        "due",
        "replied_on_time",
        "reply_rate",
        "replied",
        "reply_hours_median",
        "reply_hours_p90",
        "concentration",
        "top_category",
    ])?;
    let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for r in rows {
        let s = r.summary;
        w.write_record([
            r.group.unwrap_or_default().to_owned(),
            r.name.clone().unwrap_or_default(),
            r.period.map(|d| d.to_string()).unwrap_or_default(),
            s.counts.count.to_string(),
            s.counts.open.to_string(),
            s.counts.overdue.to_string(),
            s.counts.rejected.to_string(),
            s.counts.registered.to_string(),
            s.counts.resolved.to_string(),
            num(s.resolution_rate),
            s.counts.rated.to_string(),
            s.counts.satisfied.to_string(),
            num(s.satisfaction_rate),
            num(s.mean_rating),
            s.counts.due.to_string(),
            s.counts.replied_on_time.to_string(),
            num(s.reply_rate),
            s.counts.replied.to_string(),
            num(s.reply_hours_median),
            num(s.reply_hours_p90),
            num(s.concentration),
            s.top_category.map(|c| c.code().to_owned()).unwrap_or_default(),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AreaStatsParams {
    /// Towns (default) or grid areas.
    #[param(value_type = Option<ChoroplethLevelCode>)]
    level: Option<String>,
    /// The number copied into properties.value (default resolution_rate; reply_hours: the median).
    #[param(value_type = Option<Metric>)]
    metric: Option<String>,
    /// The coordinate system of positions in and out (default wgs84).
    #[param(value_type = Option<Crs>)]
    crs: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    filter: AnalyticsParams,
}

/// Which areas a choropleth colours.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // only its schema is used: the handler reads the parameter as text
#[schema(rename_all = "snake_case", as = ChoroplethLevel)]
pub(super) enum ChoroplethLevelCode {
    Town,
    Grid,
}

/// Choropleth: every town (or grid area) with its numbers and properties.value, areas without
/// opinions included.
#[utoipa::path(
    get,
    path = "/api/v1/areas/stats",
    tag = "analytics",
    description = DEFINITIONS,
    params(AreaStatsParams, AnalyticsParams),
    responses(
        (status = 200, description = "One MultiPolygon feature per area", body = AreaStatsCollection),
        (status = 400, description = "A malformed parameter, an unknown station or town, or from not before to", body = ErrorBody),
    )
)]
async fn area_stats(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<AreaStatsParams>,
) -> Result<Response, AppError> {
    let level = match trimmed(&p.level) {
        None | Some("town") => ChoroplethLevel::Town,
        Some("grid") => ChoroplethLevel::Grid,
        Some(other) => {
            return Err(AppError::bad("invalid_parameter", format!("level must be town or grid, got {other:?}")))
        }
    };
    let metric = metric(&p.metric, Metric::ResolutionRate)?;
    let crs = params::crs(&p.crs)?;
    let areas = state.service.area_stats(&p.filter.selection()?, level, metric).await?;
    let empty = empty_summary();
    Ok(Json(areas.features(&empty, crs)).into_response())
}
