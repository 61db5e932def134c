//! Leaders' numbers: `/api/v1/heatmap` (H3 hexagons), `/api/v1/stats` (grouped rows and trends,
//! JSON or CSV) and `/api/v1/areas/stats` (choropleths of towns and grid areas), all answered from
//! the in-memory [`Facts`], which [`LiveFacts`] keeps equal to the database.

use std::sync::{PoisonError, RwLock, RwLockReadGuard};

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use geo::MultiPolygon;
use serde::Serialize;

use super::error::{ApiQuery, AppError};
use super::params::{self, trimmed};
use super::AppState;
use crate::analytics::query::{heatmap, stats, Hexagon, StatsRow};
use crate::analytics::tally::Metric;
use crate::analytics::{local_day, Facts, FactsBuilder, Filter, GroupBy, Interval, Summary, Window};
use crate::domain::{AreaCode, AreaLevel, Category, StationId};
use crate::formats::geojson::{Feature, FeatureCollection, Shape};
use crate::spatial::hexagons::{outline, HexResolution};
use crate::store::{Store, StoreError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/heatmap", get(heatmap_handler))
        .route("/api/v1/stats", get(stats_handler))
        .route("/api/v1/areas/stats", get(area_stats))
}

/// The analytics' copy of the opinions, brought up to date with the store by [`LiveFacts::refresh`]
/// after every write and on a timer (for writes by other processes).
#[derive(Debug, Default)]
pub struct LiveFacts {
    facts: RwLock<Facts>,
    syncing: tokio::sync::Mutex<()>,
    /// Whether the metrics have been given the counts once.
    reported: std::sync::atomic::AtomicBool,
}

impl LiveFacts {
    /// The facts as they are now; hold the guard only while computing.
    pub fn read(&self) -> RwLockReadGuard<'_, Facts> {
        self.facts.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads what changed in the store since the last refresh (the first time: everything) and
    /// returns how many opinions that was.
    pub async fn refresh(&self, store: &dyn Store) -> Result<usize, StoreError> {
        let _one_at_a_time = self.syncing.lock().await;
        let started = std::time::Instant::now();
        let n = self.refresh_locked(store).await?;
        // Report real refreshes (and the first, even of nothing), not the checks that found no change.
        if n > 0 || !self.reported.swap(true, std::sync::atomic::Ordering::Relaxed) {
            crate::metrics::analytics_refreshed(started.elapsed().as_secs_f64());
            // Counting a byte column: about a millisecond for a million opinions.
            for (status, count) in self.read().count_by_status() {
                crate::metrics::opinions_in_status(status.code(), count);
            }
        }
        Ok(n)
    }

    async fn refresh_locked(&self, store: &dyn Store) -> Result<usize, StoreError> {
        let (after, rows) = {
            let facts = self.read();
            (facts.seq, facts.len())
        };
        let upto = store.opinion_seq().await?;
        if upto == after {
            return Ok(0);
        }
        let mut n = 0usize;
        // At most `upto - after` rows changed: when that may be most of them (the first load, a
        // big import by another process), build afresh, sorted, while readers keep the old copy.
        if after == 0 || (upto - after) as usize > rows / 2 {
            let mut builder = FactsBuilder::default();
            let seq = store
                .opinion_facts(0, &mut |f| {
                    builder.add(&f);
                    n += 1;
                })
                .await?;
            let fresh = builder.finish(seq);
            *self.facts.write().unwrap_or_else(PoisonError::into_inner) = fresh;
        } else {
            let facts = &self.facts;
            let seq = store
                .opinion_facts(after, &mut |f| {
                    facts.write().unwrap_or_else(PoisonError::into_inner).upsert(&f);
                    n += 1;
                })
                .await?;
            facts.write().unwrap_or_else(PoisonError::into_inner).seq = seq;
        }
        Ok(n)
    }
}

/// Brings the analytics up to date after a write; a failure is logged (the next refresh repairs it).
pub async fn after_write(state: &AppState) {
    if let Err(e) = state.facts.refresh(state.store.as_ref()).await {
        tracing::warn!(error = %e, "cannot refresh the analytics");
    }
}

/// The filter parameters every analytics endpoint takes.
#[derive(Debug, Default, serde::Deserialize)]
pub struct FilterParams {
    from: Option<String>,
    to: Option<String>,
    category: Option<String>,
    station: Option<String>,
    town: Option<String>,
}

impl FilterParams {
    pub fn filter(&self, state: &AppState) -> Result<Filter, AppError> {
        let window =
            Window { from: params::instant("from", &self.from, false)?, to: params::instant("to", &self.to, true)? };
        if let (Some(f), Some(t)) = (window.from, window.to) {
            if f >= t {
                return Err(AppError::bad("invalid_window", "from must be before to"));
            }
        }
        let category = trimmed(&self.category)
            .map(|c| c.parse::<Category>().map_err(|e| AppError::bad("invalid_parameter", format!("category: {e}"))))
            .transpose()?;
        let catalog = state.catalog();
        let station = trimmed(&self.station).map(str::to_owned);
        if let Some(s) = &station {
            let known = StationId::new(s).ok().is_some_and(|id| catalog.station(&id).is_some());
            if !known {
                return Err(AppError::bad("unknown_station", format!("no station has id {s:?}")));
            }
        }
        let town = trimmed(&self.town).map(str::to_owned);
        if let Some(t) = &town {
            let known = AreaCode::new(t).ok().and_then(|c| catalog.area(&c).map(|a| a.level == AreaLevel::Town));
            if known != Some(true) {
                return Err(AppError::bad("unknown_town", format!("no town has area code {t:?}")));
            }
        }
        Ok(Filter { window, category, station, town, bbox: None, today: local_day(state.now().timestamp()) })
    }
}

fn metric(v: &Option<String>, default: Metric) -> Result<Metric, AppError> {
    trimmed(v).map_or(Ok(default), |m| m.parse().map_err(|e: String| AppError::bad("invalid_metric", e)))
}

/// Runs a computation over the facts off the async threads.
pub async fn compute<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&Facts) -> T + Send + 'static,
) -> Result<T, AppError> {
    let live = state.facts.clone();
    tokio::task::spawn_blocking(move || work(&live.read())).await.map_err(AppError::internal)
}

#[derive(Debug, serde::Deserialize)]
struct HeatmapParams {
    metric: Option<String>,
    res: Option<String>,
    bbox: Option<String>,
    crs: Option<String>,
    #[serde(flatten)]
    filter: FilterParams,
}

/// A hexagon's properties: every number, or only the count for a cell with few opinions.
#[derive(Serialize)]
struct HexProperties<'a> {
    h3: String,
    /// The requested metric's value.
    value: Option<f64>,
    #[serde(flatten)]
    numbers: Numbers<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Numbers<'a> {
    All(&'a Summary),
    CountOnly { count: u32 },
}

async fn heatmap_handler(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<HeatmapParams>,
) -> Result<Response, AppError> {
    let metric = metric(&p.metric, Metric::Count)?;
    let res = params::integer("res", &p.res, 8, 6..=10)?;
    let res = HexResolution::new(res as u8).map_err(|e| AppError::bad("out_of_range", e.to_string()))?;
    let crs = params::crs(&p.crs)?;
    let mut filter = p.filter.filter(&state)?;
    filter.bbox = params::bbox(&p.bbox, crs)?;
    let cells: Vec<Hexagon> = compute(&state, move |f| heatmap(f, &filter, res)).await?;
    let outlines: Vec<_> = cells.iter().map(|h| outline(h.cell)).collect();
    let features = cells
        .iter()
        .zip(&outlines)
        .map(|(h, shape)| {
            let (value, numbers) = match &h.summary {
                Some(s) => (metric.value(s), Numbers::All(s)),
                None => {
                    ((metric == Metric::Count).then_some(f64::from(h.count)), Numbers::CountOnly { count: h.count })
                }
            };
            Feature::new(HexProperties { h3: h.cell.to_string(), value, numbers }, Shape::Polygon(shape), crs)
        })
        .collect();
    Ok(Json(FeatureCollection::new(features)).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct StatsParams {
    group_by: Option<String>,
    interval: Option<String>,
    format: Option<String>,
    #[serde(flatten)]
    filter: FilterParams,
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

/// A stats row as the API shows it.
#[derive(Serialize)]
struct RowView<'a> {
    group: Option<&'a str>,
    name: Option<String>,
    period: Option<NaiveDate>,
    #[serde(flatten)]
    summary: &'a Summary,
}

/// The name people know a group by, from the catalog.
fn group_name(state: &AppState, by: Option<GroupBy>, id: Option<&str>) -> Option<String> {
    let catalog = state.catalog();
    let id = id?;
    match by? {
        GroupBy::Town => catalog.area(&AreaCode::new(id).ok()?).map(|a| a.name.clone()),
        GroupBy::Station => catalog.station(&StationId::new(id).ok()?).map(|s| s.name.clone()),
        GroupBy::Member => catalog.member(&id.parse().ok()?).map(|m| m.name.clone()),
        GroupBy::Grid => catalog.grid(&id.parse().ok()?).map(|g| g.name.clone()),
        GroupBy::Category => id.parse::<Category>().ok().map(|c| c.label_zh().to_owned()),
    }
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
    let filter = p.filter.filter(&state)?;
    let rows: Vec<StatsRow> = compute(&state, move |f| stats(f, &filter, by, interval)).await?;
    let views: Vec<RowView> = rows
        .iter()
        .map(|r| RowView {
            group: r.group.as_deref(),
            name: group_name(&state, by, r.group.as_deref()),
            period: r.period,
            summary: &r.summary,
        })
        .collect();
    if csv {
        let text = stats_csv(&views).map_err(AppError::internal)?;
        return Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], text).into_response());
    }
    Ok(Json(serde_json::json!({ "group_by": by, "interval": interval, "rows": views })).into_response())
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
    filter: FilterParams,
}

#[derive(Serialize)]
struct AreaStatsProperties<'a> {
    id: &'a str,
    name: &'a str,
    value: Option<f64>,
    #[serde(flatten)]
    summary: &'a Summary,
}

/// Every town (or grid area) with its numbers, for a choropleth: areas without opinions too.
async fn area_stats(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<AreaStatsParams>,
) -> Result<Response, AppError> {
    let by = match trimmed(&p.level) {
        None | Some("town") => GroupBy::Town,
        Some("grid") => GroupBy::Grid,
        Some(other) => {
            return Err(AppError::bad("invalid_parameter", format!("level must be town or grid, got {other:?}")))
        }
    };
    let metric = metric(&p.metric, Metric::ResolutionRate)?;
    let crs = params::crs(&p.crs)?;
    let filter = p.filter.filter(&state)?;
    let rows: Vec<StatsRow> = compute(&state, move |f| stats(f, &filter, Some(by), None)).await?;
    let by_id: std::collections::HashMap<&str, &Summary> =
        rows.iter().filter_map(|r| Some((r.group.as_deref()?, &r.summary))).collect();
    let empty = Summary::new(&Default::default(), &mut []);
    let summary_of = |id: &str| by_id.get(id).copied().unwrap_or(&empty);
    let catalog = state.catalog();
    let areas: Vec<(&str, &str, &MultiPolygon<f64>)> = match by {
        GroupBy::Grid => catalog.grids().iter().map(|g| (g.id.as_str(), g.name.as_str(), &g.geometry)).collect(),
        _ => catalog
            .areas()
            .iter()
            .filter(|a| a.level == AreaLevel::Town)
            .map(|a| (a.code.as_str(), a.name.as_str(), &a.geometry))
            .collect(),
    };
    let features: Vec<_> = areas
        .into_iter()
        .map(|(id, name, geometry)| {
            let s = summary_of(id);
            let props = AreaStatsProperties { id, name, value: metric.value(s), summary: s };
            Feature::new(props, Shape::Area(geometry), crs)
        })
        .collect();
    Ok(Json(FeatureCollection::new(features)).into_response())
}
