//! The leaders' dashboard (领导驾驶舱) at `/dashboard`: KPI cards for the district and a chosen
//! town or station, a 3D map of H3 hexagons or of town / grid choropleths (MapLibre GL, no basemap,
//! nothing loaded from beyond this server), rankings of towns, stations and members, and ECharts
//! charts of the monthly trend, the categories and reply times. `?wall=1` is the same page as a
//! dark wall screen (大屏) for 1920×1080. The page is a shell with the controls, the town names and
//! the district's extent; `web/dashboard.js` fills it from `/api/v1/stats`, `/api/v1/heatmap`,
//! `/api/v1/areas/stats` and `/api/v1/areas`, and keeps the address in step with the controls.
//!
//! Positions are WGS84 lon/lat degrees (x = lon, y = lat).

use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use geo::{BoundingRect, InteriorPoint};
use maud::{html, Markup, DOCTYPE};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::domain::{AreaCode, AreaLevel, Category, StationId};
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

/// What the map draws: `hex` the H3 hexagons of `/api/v1/heatmap`, `town` and `grid` the
/// choropleths of `/api/v1/areas/stats`, all as 3D columns.
const LAYERS: [(&str, &str); 3] = [("hex", text::LAYER_HEX), ("town", text::LAYER_TOWN), ("grid", text::LAYER_GRID)];

/// What the ranking lists: the `group_by=` of `/api/v1/stats`.
const RANKINGS: [(&str, &str); 3] =
    [("town", text::RANKING_TOWN), ("station", text::RANKING_STATION), ("member", text::RANKING_MEMBER)];

/// The page's own words, in one place until they move to the Fluent catalogues (the script's are
/// at the top of `web/dashboard.js`).
mod text {
    pub const TITLE: &str = "领导驾驶舱 · 民意热力图";
    pub const WALL_TITLE: &str = "海曙区民意闭环 · 大屏";
    pub const HEADING: &str = "领导驾驶舱 Leaders' dashboard";
    pub const NAV_MAP: &str = "地图 Map";
    pub const NAV_LIST: &str = "站点列表 Stations";
    pub const NAV_WALL: &str = "大屏 Wall screen";
    pub const NAV_DESK: &str = "退出大屏 Leave wall screen";
    pub const NOSCRIPT: &str = "此页需要 JavaScript 与 WebGL。This page needs JavaScript and WebGL.";
    pub const MAP_LABEL: &str = "三维热力图 3D heatmap";
    pub const METRIC: &str = "指标 Metric";
    pub const RES: &str = "分辨率 Hexagon size";
    pub const CATEGORY: &str = "类别 Category";
    pub const ALL: &str = "全部 All";
    pub const FROM: &str = "起 From";
    pub const TO: &str = "止 To";
    pub const TOWN: &str = "街道（镇）Town";
    pub const WHOLE_DISTRICT: &str = "全区 Whole district";
    pub const LAYER: &str = "地图图层 Map layer";
    pub const LAYER_HEX: &str = "六边形 Hexagons";
    pub const LAYER_TOWN: &str = "街道（镇）分区 Towns";
    pub const LAYER_GRID: &str = "网格分区 Grid areas";
    pub const UPDATE: &str = "更新 Update";
    pub const DISTRICT: &str = "全区 District";
    pub const CLEAR_SCOPE: &str = "返回全区 Back to the district";
    pub const RANKING: &str = "排名 Ranking";
    pub const RANKING_TOWN: &str = "街道（镇）Towns";
    pub const RANKING_STATION: &str = "联络站 Stations";
    pub const RANKING_MEMBER: &str = "代表委员 Members";
    pub const CSV: &str = "下载 CSV Download";
    pub const TREND: &str = "月度趋势 Monthly trend";
    pub const CATEGORIES: &str = "意见类别 Categories";
    pub const REPLY_TIME: &str = "答复时长 Reply time (hours)";
    pub const RANK_NO: &str = "#";
    pub const RANK_NAME: &str = "名称";
    pub const COL_COUNT: &str = "意见数";
    pub const COL_RESOLUTION: &str = "办结率";
    pub const COL_SATISFACTION: &str = "满意率";
    pub const COL_REPLY: &str = "答复率";
    pub const COL_HOURS: &str = "答复时长";
    pub const COL_CONCENTRATION: &str = "集中率";
}

/// The page's query: what the controls start with (anything unknown falls back to the default).
#[derive(Debug, Default, serde::Deserialize)]
struct DashboardParams {
    metric: Option<String>,
    res: Option<String>,
    category: Option<String>,
    from: Option<String>,
    to: Option<String>,
    town: Option<String>,
    station: Option<String>,
    ranking: Option<String>,
    layer: Option<String>,
    wall: Option<String>,
}

/// What the controls show when the page opens.
struct Selection {
    metric: &'static str,
    res: u8,
    category: Option<Category>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    /// A town's area code, one of the district's.
    town: Option<String>,
    /// A station's id and name, one of the catalog's.
    station: Option<(String, String)>,
    ranking: &'static str,
    layer: &'static str,
    /// The wall-screen view (大屏): dark, full screen, no controls.
    wall: bool,
}

impl Selection {
    fn from_params(p: &DashboardParams, catalog: &crate::catalog::Catalog) -> Self {
        let date = |v: &Option<String>| v.as_deref().and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok());
        let pick = |v: &Option<String>, choices: &[(&'static str, &str)]| {
            let v = v.as_deref().map(str::trim);
            choices.iter().find(|(code, _)| Some(*code) == v).map_or(choices[0].0, |(code, _)| code)
        };
        let town = p.town.as_deref().map(str::trim).and_then(|t| {
            let code = AreaCode::new(t).ok()?;
            catalog.area(&code).filter(|a| a.level == AreaLevel::Town).map(|a| a.code.to_string())
        });
        let station = p.station.as_deref().map(str::trim).and_then(|s| {
            let id = StationId::new(s).ok()?;
            catalog.station(&id).map(|st| (st.id.to_string(), st.name.clone()))
        });
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
            town,
            station,
            ranking: pick(&p.ranking, &RANKINGS),
            layer: pick(&p.layer, &LAYERS),
            wall: matches!(p.wall.as_deref().map(str::trim), Some("1" | "true" | "yes")),
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
    let catalog = state.service.catalog();
    let view = district_view(&catalog);
    Html(page(&Selection::from_params(&p, &catalog), &view).into_string())
}

fn page(sel: &Selection, district: &DistrictView) -> Markup {
    let bounds = district.bounds.map(|b| format!("{:.6},{:.6},{:.6},{:.6}", b[0], b[1], b[2], b[3]));
    let mut towns: Vec<&TownLabel> = district.towns.iter().collect();
    towns.sort_by(|a, b| a.code.cmp(&b.code));
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (if sel.wall { text::WALL_TITLE } else { text::TITLE }) }
                style { (super::STYLE) }
                link rel="stylesheet" href=(assets::url("maplibre-gl.css"));
                link rel="stylesheet" href=(assets::url("dashboard.css"));
            }
            body.dashboard.wall[sel.wall] data-state="loading" data-wall=[sel.wall.then_some("1")] {
                header.dash-head {
                    h1 { (if sel.wall { text::WALL_TITLE } else { text::HEADING }) }
                    span #clock {}
                    nav {
                        a href="/" { (text::NAV_MAP) } " "
                        a href="/list" { (text::NAV_LIST) } " "
                        a #wall-link href=(wall_link(sel)) { (if sel.wall { text::NAV_DESK } else { text::NAV_WALL }) }
                    }
                }
                (controls(sel, &towns))
                noscript { p.error { (text::NOSCRIPT) } }
                section #kpis {
                    div.kpi-group #kpi-district {
                        h2 { (text::DISTRICT) }
                        dl #totals-list .kpi-cards {}
                    }
                    div.kpi-group #kpi-scope hidden {
                        h2 {
                            span #scope-name {}
                            " "
                            button #scope-clear type="button" { (text::CLEAR_SCOPE) }
                        }
                        dl #scope-list .kpi-cards {}
                    }
                }
                div.dash-grid {
                    div.map-wrap {
                        div #map role="region" aria-label=(text::MAP_LABEL) data-bounds=[bounds] {}
                        div #legend aria-live="polite" {}
                        div #cell-panel hidden {}
                    }
                    section #ranking {
                        h2 { (text::RANKING) }
                        div.switch role="radiogroup" aria-label=(text::RANKING) {
                            @for (code, label) in RANKINGS {
                                label.inline {
                                    input type="radio" name="ranking" form="controls" value=(code) checked[code == sel.ranking];
                                    (label)
                                }
                            }
                        }
                        p #ranking-note .muted {}
                        div.table-wrap { (ranking_table()) }
                        p.muted {
                            a #ranking-csv href="/api/v1/stats?group_by=town&format=csv" download="ranking.csv" { (text::CSV) }
                        }
                    }
                    section.chart-box #trend {
                        h2 { (text::TREND) }
                        div #trend-chart .chart {}
                        p.muted { a #trend-csv href="/api/v1/stats?interval=month&format=csv" download="trend.csv" { (text::CSV) } }
                    }
                    section.chart-box #categories {
                        h2 { (text::CATEGORIES) }
                        div #category-chart .chart {}
                        p.muted { a #category-csv href="/api/v1/stats?group_by=category&format=csv" download="categories.csv" { (text::CSV) } }
                    }
                    section.chart-box #reply-time {
                        h2 { (text::REPLY_TIME) " " span #reply-title .muted {} }
                        div #reply-chart .chart {}
                        p.muted { a #reply-csv href="/api/v1/stats?group_by=town&format=csv" download="reply-time.csv" { (text::CSV) } }
                    }
                }
                ul #town-labels hidden {
                    @for t in &district.towns {
                        li data-code=(t.code) data-lon=(format!("{:.6}", t.lon)) data-lat=(format!("{:.6}", t.lat)) { (t.name) }
                    }
                }
                // Deferred, in this order: the page's script asks for its numbers at once and
                // draws once the two libraries have run.
                script src=(assets::url("dashboard.js")) defer {}
                script src=(assets::url("maplibre-gl.js")) defer {}
                script src=(assets::url("echarts.js")) defer {}
            }
        }
    }
}

/// The same view in the other layout: desk ↔ wall screen.
fn wall_link(sel: &Selection) -> String {
    let res = sel.res.to_string();
    let (from, to) = (sel.from.map(|d| d.to_string()), sel.to.map(|d| d.to_string()));
    let pairs = [
        ("metric", Some(sel.metric)),
        ("res", Some(res.as_str())),
        ("category", sel.category.map(|c| c.code())),
        ("from", from.as_deref()),
        ("to", to.as_deref()),
        ("town", sel.town.as_deref()),
        ("station", sel.station.as_ref().map(|s| s.0.as_str())),
        ("ranking", Some(sel.ranking)),
        ("layer", Some(sel.layer)),
        ("wall", (!sel.wall).then_some("1")),
    ];
    let query: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| Some(format!("{k}={}", utf8_percent_encode((*v)?, NON_ALPHANUMERIC))))
        .collect();
    format!("/dashboard?{}", query.join("&"))
}

fn controls(sel: &Selection, towns: &[&TownLabel]) -> Markup {
    html! {
        form #controls method="get" action="/dashboard" {
            label { (text::METRIC)
                select #metric name="metric" {
                    @for m in &METRICS {
                        option value=(m.code) data-field=(m.field) data-kind=(m.kind) data-better=(m.better) selected[m.code == sel.metric] { (m.label) }
                    }
                }
            }
            label { (text::LAYER)
                select #layer name="layer" {
                    @for (code, label) in LAYERS {
                        option value=(code) selected[code == sel.layer] { (label) }
                    }
                }
            }
            label { (text::RES)
                select #res name="res" {
                    @for (r, label) in RESOLUTIONS {
                        option value=(r) selected[r == sel.res] { (label) }
                    }
                }
            }
            label { (text::TOWN)
                select #town name="town" {
                    option value="" { (text::WHOLE_DISTRICT) }
                    @for t in towns {
                        option value=(t.code) selected[sel.town.as_deref() == Some(t.code.as_str())] { (t.name) }
                    }
                }
            }
            label { (text::CATEGORY)
                select #category name="category" {
                    option value="" { (text::ALL) }
                    @for c in Category::ALL {
                        option value=(c.code()) selected[sel.category == Some(*c)] { (c.label_zh()) }
                    }
                }
            }
            label { (text::FROM) input #from type="date" name="from" value=(date_value(sel.from)); }
            label { (text::TO) input #to type="date" name="to" value=(date_value(sel.to)); }
            input #station type="hidden" name="station" value=[sel.station.as_ref().map(|s| s.0.as_str())]
                data-name=[sel.station.as_ref().map(|s| s.1.as_str())];
            @if sel.wall { input type="hidden" name="wall" value="1"; }
            button #apply type="submit" { (text::UPDATE) }
            span #status role="status" aria-live="polite" {}
        }
    }
}

fn date_value(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn ranking_table() -> Markup {
    html! {
        table #ranking-table {
            thead {
                tr {
                    th { (text::RANK_NO) }
                    th { (text::RANK_NAME) }
                    th data-field="count" { (text::COL_COUNT) }
                    th data-field="resolution_rate" { (text::COL_RESOLUTION) }
                    th data-field="satisfaction_rate" { (text::COL_SATISFACTION) }
                    th data-field="reply_rate" { (text::COL_REPLY) }
                    th data-field="reply_hours_median" { (text::COL_HOURS) }
                    th data-field="concentration" { (text::COL_CONCENTRATION) }
                }
            }
            tbody {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, CatalogData};

    fn catalog() -> Catalog {
        let s = crate::sample::generate();
        Catalog::build(CatalogData {
            stations: s.stations,
            members: s.members,
            grids: s.grids,
            areas: s.areas,
            layers: Vec::new(),
        })
    }

    #[test]
    fn unknown_choices_fall_back_to_the_defaults() {
        let p = DashboardParams {
            metric: Some("bogus".into()),
            res: Some("12".into()),
            category: Some("nope".into()),
            from: Some("2026-13-01".into()),
            to: Some("2026-10-31".into()),
            town: Some("330203".into()),
            station: Some("HS-NOPE".into()),
            ranking: Some("grid".into()),
            layer: Some("3d".into()),
            wall: Some("maybe".into()),
        };
        let s = Selection::from_params(&p, &catalog());
        assert_eq!((s.metric, s.res, s.category, s.from), ("resolution_rate", 8, None, None));
        assert_eq!(s.to, NaiveDate::from_ymd_opt(2026, 10, 31));
        assert_eq!((s.town, s.station, s.ranking, s.layer, s.wall), (None, None, "town", "hex", false));
    }

    #[test]
    fn a_known_town_station_ranking_and_layer_are_kept_and_the_wall_link_keeps_them() {
        let catalog = catalog();
        let town = catalog.areas().iter().find(|a| a.level == AreaLevel::Town).unwrap().code.to_string();
        let station = catalog.stations()[0].clone();
        let p = DashboardParams {
            metric: Some("count".into()),
            town: Some(town.clone()),
            station: Some(station.id.to_string()),
            ranking: Some("member".into()),
            layer: Some("grid".into()),
            ..Default::default()
        };
        let s = Selection::from_params(&p, &catalog);
        assert_eq!(s.town.as_deref(), Some(town.as_str()));
        assert_eq!(s.station, Some((station.id.to_string(), station.name.clone())));
        assert_eq!((s.ranking, s.layer, s.wall), ("member", "grid", false));
        let link = wall_link(&s);
        for part in ["metric=count", &format!("town={town}"), "ranking=member", "layer=grid", "wall=1"] {
            assert!(link.contains(part), "{link} keeps {part}");
        }
        let wall = Selection { wall: true, ..s };
        assert!(!wall_link(&wall).contains("wall="), "the wall screen links back to the desk view");
    }

    #[test]
    fn every_metric_is_one_the_heatmap_accepts() {
        for m in &METRICS {
            assert!(m.code.parse::<crate::analytics::tally::Metric>().is_ok(), "{}", m.code);
        }
    }
}
