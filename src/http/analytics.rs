//! Leaders' numbers: `/api/v1/heatmap` (H3 hexagons), `/api/v1/stats` (grouped rows and trends,
//! JSON or CSV) and `/api/v1/areas/stats` (choropleths of towns and grid areas): parsing and
//! rendering over the service's analytics.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::error::{ApiQuery, AppError};
use super::params::{self, trimmed, AnalyticsParams};
use super::AppState;
use crate::analytics::tally::Metric;
use crate::analytics::{GroupBy, Interval};
use crate::service::analytics::{empty_summary, ChoroplethLevel, RowView};
use crate::spatial::hexagons::HexResolution;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/heatmap", get(heatmap_handler))
        .route("/api/v1/stats", get(stats_handler))
        .route("/api/v1/areas/stats", get(area_stats))
}

fn metric(v: &Option<String>, default: Metric) -> Result<Metric, AppError> {
    trimmed(v).map_or(Ok(default), |m| m.parse().map_err(|e: String| AppError::bad("invalid_metric", e)))
}

#[derive(Debug, serde::Deserialize)]
struct HeatmapParams {
    metric: Option<String>,
    res: Option<String>,
    bbox: Option<String>,
    crs: Option<String>,
    #[serde(flatten)]
    filter: AnalyticsParams,
}

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
    let heatmap = state.service.heatmap(&selection, res, metric).await?;
    let outlines = heatmap.outlines();
    Ok(Json(heatmap.features(&outlines, crs)).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct StatsParams {
    group_by: Option<String>,
    interval: Option<String>,
    format: Option<String>,
    #[serde(flatten)]
    filter: AnalyticsParams,
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

async fn stats_handler(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<StatsParams>,
) -> Result<Response, AppError> {
    let by: Option<GroupBy> = choice("group_by", &p.group_by, "town, station, member, grid, category")?;
    let interval: Option<Interval> = choice("interval", &p.interval, "day, week, month")?;
    let csv = match trimmed(&p.format) {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(AppError::bad("invalid_parameter", format!("format must be json or csv, got {other:?}")))
        }
    };
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

#[derive(Debug, serde::Deserialize)]
struct AreaStatsParams {
    level: Option<String>,
    metric: Option<String>,
    crs: Option<String>,
    #[serde(flatten)]
    filter: AnalyticsParams,
}

/// Every town (or grid area) with its numbers, for a choropleth: areas without opinions too.
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
