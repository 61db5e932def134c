//! The leaders' dashboard (领导驾驶舱) at `/dashboard`: a 3D map of H3 hexagons (MapLibre GL, no
//! basemap, nothing loaded from beyond this server) beside the district's totals and a ranking of
//! towns. The page is a shell with the controls, the town names and the district's extent;
//! `web/dashboard.js` fills it from `/api/v1/heatmap`, `/api/v1/stats` and `/api/v1/areas`.
//!
//! Positions are WGS84 lon/lat degrees (x = lon, y = lat).

use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use geo::{BoundingRect, InteriorPoint};
use maud::{html, Markup, DOCTYPE};

use crate::domain::{AreaLevel, Category};
use crate::http::{assets, AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard", get(dashboard))
}

/// A number the map can colour by, as the metric select offers it.
struct MetricChoice {
    /// The `metric=` of `/api/v1/heatmap`.
    code: &'static str,
    /// The field of a `/api/v1/stats` row that holds the same number.
    field: &'static str,
    label: &'static str,
    /// How the number reads: `rate` (0–1, shown as a percentage), `hours` or `count`.
    kind: &'static str,
    /// Which end is good (`high`, `low`) or `none`: sets the colour ramp and the ranking's order.
    better: &'static str,
}

const METRICS: [MetricChoice; 6] = [
    MetricChoice {
        code: "resolution_rate",
        field: "resolution_rate",
        label: "办结率 Resolution rate",
        kind: "rate",
        better: "high",
    },
    MetricChoice {
        code: "satisfaction_rate",
        field: "satisfaction_rate",
        label: "满意率 Satisfaction rate",
        kind: "rate",
        better: "high",
    },
    MetricChoice {
        code: "reply_rate",
        field: "reply_rate",
        label: "答复率 On-time reply rate",
        kind: "rate",
        better: "high",
    },
    MetricChoice {
        code: "reply_hours",
        field: "reply_hours_median",
        label: "答复时长 Reply hours (median)",
        kind: "hours",
        better: "low",
    },
    MetricChoice {
        code: "concentration",
        field: "concentration",
        label: "意见集中率 Concentration",
        kind: "rate",
        better: "none",
    },
    MetricChoice { code: "count", field: "count", label: "意见数 Opinions", kind: "count", better: "none" },
];

/// H3 resolutions the page offers, with the rough area of one hexagon.
const RESOLUTIONS: [(u8, &str); 3] = [(7, "7 级 · 约 5 km²"), (8, "8 级 · 约 0.7 km²"), (9, "9 级 · 约 0.1 km²")];

/// The page's query: what the controls start with (anything unknown falls back to the default).
#[derive(Debug, Default, serde::Deserialize)]
struct DashboardParams {
    metric: Option<String>,
    res: Option<String>,
    category: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// What the controls show when the page opens.
struct Selection {
    metric: &'static str,
    res: u8,
    category: Option<Category>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

impl Selection {
    fn from_params(p: &DashboardParams) -> Self {
        let date = |v: &Option<String>| v.as_deref().and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok());
        Self {
            metric: METRICS
                .iter()
                .find(|m| Some(m.code) == p.metric.as_deref().map(str::trim))
                .map_or(METRICS[0].code, |m| m.code),
            res: p
                .res
                .as_deref()
                .and_then(|r| r.trim().parse().ok())
                .filter(|r| RESOLUTIONS.iter().any(|(x, _)| x == r))
                .unwrap_or(8),
            category: p.category.as_deref().and_then(|c| c.parse().ok()),
            from: date(&p.from),
            to: date(&p.to),
        }
    }
}

/// A town's name and where on the map to write it.
pub(super) struct TownLabel {
    pub code: String,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
}

/// The district as the map first shows it: the towns' names and their joint extent.
pub(super) struct DistrictView {
    pub towns: Vec<TownLabel>,
    /// `[min_lon, min_lat, max_lon, max_lat]`, if there is any town.
    pub bounds: Option<[f64; 4]>,
}

pub(super) fn district_view(catalog: &crate::catalog::Catalog) -> DistrictView {
    let towns: Vec<_> = catalog.areas().iter().filter(|a| a.level == AreaLevel::Town).collect();
    let bounds = towns.iter().filter_map(|a| a.geometry.bounding_rect()).fold(None, |acc: Option<[f64; 4]>, r| {
        let [x0, y0, x1, y1] = acc.unwrap_or([f64::MAX, f64::MAX, f64::MIN, f64::MIN]);
        Some([x0.min(r.min().x), y0.min(r.min().y), x1.max(r.max().x), y1.max(r.max().y)])
    });
    let towns = towns
        .iter()
        .filter_map(|a| {
            let p = a.geometry.interior_point()?;
            Some(TownLabel { code: a.code.to_string(), name: a.name.clone(), lon: p.x(), lat: p.y() })
        })
        .collect();
    DistrictView { towns, bounds }
}

async fn dashboard(
    State(state): State<AppState>,
    query: Result<Query<DashboardParams>, axum::extract::rejection::QueryRejection>,
) -> Html<String> {
    let p = query.map(|Query(p)| p).unwrap_or_default();
    let view = district_view(&state.service.catalog());
    Html(page(&Selection::from_params(&p), &view).into_string())
}

fn page(sel: &Selection, district: &DistrictView) -> Markup {
    let bounds = district.bounds.map(|b| format!("{:.6},{:.6},{:.6},{:.6}", b[0], b[1], b[2], b[3]));
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "领导驾驶舱 · 民意热力图" }
                style { (super::STYLE) }
                link rel="stylesheet" href=(assets::url("maplibre-gl.css"));
                link rel="stylesheet" href=(assets::url("dashboard.css"));
            }
            body.dashboard data-state="loading" {
                header.dash-head {
                    h1 { "领导驾驶舱 Leaders' dashboard" }
                    nav { a href="/" { "地图 Map" } " " a href="/list" { "站点列表 Stations" } }
                }
                (controls(sel))
                noscript { p.error { "此页需要 JavaScript 与 WebGL。This page needs JavaScript and WebGL." } }
                div.dash-grid {
                    div.map-wrap {
                        div #map role="region" aria-label="三维六边形热力图 3D hexagon heatmap" data-bounds=[bounds] {}
                        div #legend aria-live="polite" {}
                        div #cell-panel hidden {}
                    }
                    aside.dash-side {
                        section #totals {
                            h2 { "全区总览 District totals" }
                            dl #totals-list {}
                        }
                        section #ranking {
                            h2 { "街道（镇）排名 Town ranking" }
                            (ranking_table())
                            p.muted {
                                a #ranking-csv href="/api/v1/stats?group_by=town&format=csv" download="towns.csv" { "下载 CSV Download" }
                            }
                        }
                    }
                }
                ul #town-labels hidden {
                    @for t in &district.towns {
                        li data-code=(t.code) data-lon=(format!("{:.6}", t.lon)) data-lat=(format!("{:.6}", t.lat)) { (t.name) }
                    }
                }
                script src=(assets::url("maplibre-gl.js")) {}
                script src=(assets::url("dashboard.js")) {}
            }
        }
    }
}

fn controls(sel: &Selection) -> Markup {
    html! {
        form #controls method="get" action="/dashboard" {
            label { "指标 Metric"
                select #metric name="metric" {
                    @for m in &METRICS {
                        option value=(m.code) data-field=(m.field) data-kind=(m.kind) data-better=(m.better) selected[m.code == sel.metric] { (m.label) }
                    }
                }
            }
            label { "分辨率 Hexagon size"
                select #res name="res" {
                    @for (r, label) in RESOLUTIONS {
                        option value=(r) selected[r == sel.res] { (label) }
                    }
                }
            }
            label { "类别 Category"
                select #category name="category" {
                    option value="" { "全部 All" }
                    @for c in Category::ALL {
                        option value=(c.code()) selected[sel.category == Some(*c)] { (c.label_zh()) }
                    }
                }
            }
            label { "起 From" input #from type="date" name="from" value=(date_value(sel.from)); }
            label { "止 To" input #to type="date" name="to" value=(date_value(sel.to)); }
            button #apply type="submit" { "更新 Update" }
            span #status role="status" aria-live="polite" {}
        }
    }
}

fn date_value(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn ranking_table() -> Markup {
    html! {
        table #town-ranking {
            thead {
                tr {
                    th { "#" }
                    th { "街道（镇）" }
                    th data-field="count" { "意见数" }
                    th data-field="resolution_rate" { "办结率" }
                    th data-field="satisfaction_rate" { "满意率" }
                    th data-field="reply_rate" { "答复率" }
                    th data-field="reply_hours_median" { "答复时长" }
                    th data-field="concentration" { "集中率" }
                }
            }
            tbody {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_choices_fall_back_to_the_defaults() {
        let p = DashboardParams {
            metric: Some("bogus".into()),
            res: Some("12".into()),
            category: Some("nope".into()),
            from: Some("2026-13-01".into()),
            to: Some("2026-10-31".into()),
        };
        let s = Selection::from_params(&p);
        assert_eq!((s.metric, s.res, s.category, s.from), ("resolution_rate", 8, None, None));
        assert_eq!(s.to, NaiveDate::from_ymd_opt(2026, 10, 31));
    }

    #[test]
    fn every_metric_is_one_the_heatmap_accepts() {
        for m in &METRICS {
            assert!(m.code.parse::<crate::analytics::tally::Metric>().is_ok(), "{}", m.code);
        }
    }
}
