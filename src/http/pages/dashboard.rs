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

use maud::{html, Markup, DOCTYPE};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use std::cmp::Ordering;

use geo::MultiPolygon;

use super::dashboard_view::{
    bar_chart, field, kpis, map_image, ranking_rows, trend_chart, Bar, Kind, MapImage, Sorting,
};
use super::{bounds_of, district_view, script_json, DistrictView, TownLabel};
use crate::analytics::{self, GroupBy, Window};
use crate::catalog::Catalog;
use crate::domain::{AreaCode, AreaLevel, Category, StationId};
use crate::http::{assets, AppState};
use crate::i18n::{label, script_messages, t, t_args, Lang};
use crate::service::analytics::ChoroplethLevel;
use crate::service::dashboard::{DashboardLayer, DashboardQuery, DashboardView};
use crate::spatial::hexagons::HexResolution;

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard", get(dashboard))
}

/// A number the map can colour by, as the metric select offers it.
struct MetricChoice {
    /// The `metric=` of `/api/v1/heatmap`.
    code: &'static str,
    /// The field of a `/api/v1/stats` row that holds the same number.
    field: &'static str,
    /// The catalogue's message that names it.
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
        label: "dash-metric-resolution_rate",
        kind: "rate",
        better: "high",
    },
    MetricChoice {
        code: "satisfaction_rate",
        field: "satisfaction_rate",
        label: "dash-metric-satisfaction_rate",
        kind: "rate",
        better: "high",
    },
    MetricChoice {
        code: "reply_rate",
        field: "reply_rate",
        label: "dash-metric-reply_rate",
        kind: "rate",
        better: "high",
    },
    MetricChoice {
        code: "reply_hours",
        field: "reply_hours_median",
        label: "dash-metric-reply_hours",
        kind: "hours",
        better: "low",
    },
    MetricChoice {
        code: "concentration",
        field: "concentration",
        label: "dash-metric-concentration",
        kind: "rate",
        better: "none",
    },
    MetricChoice { code: "count", field: "count", label: "dash-metric-count", kind: "count", better: "none" },
];

/// H3 resolutions the page offers, with the rough area of one hexagon in km².
const RESOLUTIONS: [(u8, &str); 3] = [(7, "5"), (8, "0.7"), (9, "0.1")];

/// What the map draws: `hex` the H3 hexagons of `/api/v1/heatmap`, `town` and `grid` the
/// choropleths of `/api/v1/areas/stats`, all as 3D columns; each named by message `dash-layer-{code}`.
const LAYERS: [&str; 3] = ["hex", "town", "grid"];

/// What the ranking lists: the `group_by=` of `/api/v1/stats`; each named by message
/// `dash-ranking-{code}`.
const RANKINGS: [&str; 3] = ["town", "station", "member"];

/// The catalogue's messages the script formats itself (see [`script_messages`]): its own and the
/// categories' names.
const SCRIPT_MESSAGES: [&str; 2] = ["js-dash-", "category-"];

/// The ranking table's numeric columns: the stats field and the message of its heading.
const RANKING_COLUMNS: [(&str, &str); 6] = [
    ("count", "dash-col-count"),
    ("resolution_rate", "dash-col-resolution"),
    ("satisfaction_rate", "dash-col-satisfaction"),
    ("reply_rate", "dash-col-reply"),
    ("reply_hours_median", "dash-col-hours"),
    ("concentration", "dash-col-concentration"),
];

/// What `web/dashboard.js` needs beyond the page's controls: its language, messages, and the
/// address of ECharts, which it runs itself once the map has started (the page only preloads it).
#[derive(serde::Serialize)]
struct DashboardConfig {
    lang: &'static str,
    echarts: String,
    messages: std::collections::BTreeMap<&'static str, String>,
    /// The Mondays (YYYY-MM-DD, Asia/Shanghai) of this week and the last, whose early warnings
    /// the page lists.
    warning_weeks: [String; 2],
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
        let pick = |v: &Option<String>, choices: &[&'static str]| {
            let v = v.as_deref().map(str::trim);
            choices.iter().copied().find(|code| Some(*code) == v).unwrap_or(choices[0])
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

impl Selection {
    /// The service's question for this view.
    fn query(&self) -> DashboardQuery {
        let day = |d: NaiveDate, next: bool| analytics::day_start(analytics::day_number(d) + i32::from(next));
        let layer = match self.layer {
            "town" => DashboardLayer::Areas(ChoroplethLevel::Town),
            "grid" => DashboardLayer::Areas(ChoroplethLevel::Grid),
            _ => DashboardLayer::Hexagons(HexResolution::new(self.res).expect("one of RESOLUTIONS")),
        };
        DashboardQuery {
            selection: crate::service::analytics::Selection {
                window: Window { from: self.from.map(|d| day(d, false)), to: self.to.map(|d| day(d, true)) },
                category: self.category,
                station: self.station.as_ref().map(|s| s.0.clone()),
                town: self.town.clone(),
                bbox: None,
            },
            ranking: match self.ranking {
                "station" => GroupBy::Station,
                "member" => GroupBy::Member,
                _ => GroupBy::Town,
            },
            layer,
            metric: self.metric.parse().expect("one of METRICS"),
        }
    }

    fn metric(&self) -> &'static MetricChoice {
        METRICS.iter().find(|m| m.code == self.metric).unwrap_or(&METRICS[0])
    }
}

async fn dashboard(
    State(state): State<AppState>,
    lang: Lang,
    query: Result<Query<DashboardParams>, axum::extract::rejection::QueryRejection>,
) -> Html<String> {
    let p = query.map(|Query(p)| p).unwrap_or_default();
    let catalog = state.service.catalog();
    let view = district_view(&catalog);
    let this_week = crate::service::warnings::week_of(state.service.now());
    let weeks = [this_week, this_week - chrono::Duration::days(7)].map(|d| d.format("%Y-%m-%d").to_string());
    let sel = Selection::from_params(&p, &catalog);
    // A view the service refuses (a window that ends before it starts) is left to the script,
    // which shows the reason.
    let numbers = state.service.dashboard(&sel.query()).await.ok();
    let drawn = numbers.as_ref().map(|n| drawn(lang, &sel, &catalog, &view, n));
    Html(page(lang, &sel, &view, weeks, drawn.as_ref()).into_string())
}

/// The view as the server draws it (see [`super::dashboard_view`]).
struct Drawn {
    district: Markup,
    scope: Option<(String, Markup)>,
    ranking: Markup,
    ranking_note: String,
    trend: Markup,
    categories: Markup,
    reply: Markup,
    reply_title: String,
    /// Each chart's `data-labels` and `data-values` (JSON), as `drawChart` notes them.
    chart_data: [(String, String); 3],
    map: Option<String>,
}

fn drawn(lang: Lang, sel: &Selection, catalog: &Catalog, district: &DistrictView, n: &DashboardView) -> Drawn {
    let metric = sel.metric();
    let sorting = Sorting { field: metric.field, better: metric.better };
    let town_name =
        sel.town.as_ref().and_then(|c| district.towns.iter().find(|t| &t.code == c)).map(|t| t.name.clone());
    let scope_name = |town: bool, station: bool| {
        let names: Vec<&str> = [
            town.then_some(town_name.as_deref()).flatten(),
            station.then(|| sel.station.as_ref().map(|s| s.1.as_str())).flatten(),
        ]
        .into_iter()
        .flatten()
        .collect();
        names.join(" · ")
    };
    let first = |s: &crate::service::analytics::Stats| s.rows.first().map(|r| r.summary.clone());
    let within = match sel.ranking {
        "town" => String::new(),
        "station" => scope_name(true, false),
        _ => scope_name(true, true),
    };
    let picked = match sel.ranking {
        "town" => sel.town.as_deref(),
        "station" => sel.station.as_ref().map(|s| s.0.as_str()),
        _ => None,
    };
    let trend = n.trend.rows();
    // Categories: largest at the top, so drawn from the smallest at the bottom.
    let mut categories: Vec<_> = n.categories.rows().into_iter().filter(|r| r.group.is_some()).collect();
    categories.sort_by_key(|r| r.summary.counts.count);
    let category_bars: Vec<Bar> = categories
        .iter()
        .map(|r| {
            let count = f64::from(r.summary.counts.count);
            let note = match metric.code {
                "count" => count.to_string(),
                _ => format!("{count} · {}", metric_text(lang, metric, field(r.summary, metric.field))),
            };
            Bar {
                name: r.group.map_or(String::new(), |c| label(lang, "category", c)),
                values: vec![count],
                note: Some(note),
                highlight: None,
            }
        })
        .collect();
    // Reply times: by town, or by station within a town; the longest median at the bottom.
    let mut reply: Vec<_> =
        n.reply.rows().into_iter().filter(|r| r.group.is_some() && r.summary.reply_hours_median.is_some()).collect();
    reply.sort_by(|a, b| {
        b.summary.reply_hours_median.partial_cmp(&a.summary.reply_hours_median).unwrap_or(Ordering::Equal)
    });
    let reply_picked =
        if sel.town.is_some() { sel.station.as_ref().map(|s| s.0.as_str()) } else { sel.town.as_deref() };
    let reply_bars: Vec<Bar> = reply
        .iter()
        .map(|r| Bar {
            name: short_name(r.name.as_deref().or(r.group).unwrap_or_default()),
            values: vec![r.summary.reply_hours_median.unwrap_or(0.0), r.summary.reply_hours_p90.unwrap_or(0.0)],
            note: None,
            highlight: (r.group.is_some() && r.group == reply_picked).then_some("#c0392b"),
        })
        .collect();
    let towns: Vec<&MultiPolygon<f64>> =
        catalog.areas().iter().filter(|a| a.level == AreaLevel::Town).map(|a| &a.geometry).collect();
    let picked_town = sel
        .town
        .as_ref()
        .and_then(|c| catalog.areas().iter().find(|a| a.code.as_str() == c.as_str()))
        .map(|a| &a.geometry);
    // The extent: the district (or the chosen town) and every shape drawn, as hexagons reach past
    // the boundary.
    let area: Vec<&MultiPolygon<f64>> = match picked_town {
        Some(t) => vec![t],
        None => towns.clone(),
    };
    let bounds = bounds_of(area.into_iter().chain(n.map.iter().map(|s| &s.shape)));
    let map = bounds.and_then(|bounds| {
        map_image(&MapImage {
            bounds,
            towns,
            picked: picked_town,
            shapes: &n.map,
            kind: Kind::of(metric.field),
            better: metric.better,
            wall: sel.wall,
        })
    });
    let json = |v: serde_json::Value| v.to_string();
    let chart_data = [
        (
            json(trend.iter().map(|r| r.period.map(|p| p.format("%Y-%m").to_string())).collect()),
            json(trend.iter().map(|r| r.summary.counts.count).collect()),
        ),
        (
            json(categories.iter().map(|r| r.group).collect()),
            json(categories.iter().map(|r| r.summary.counts.count).collect()),
        ),
        (
            json(reply.iter().map(|r| r.group).collect()),
            json(reply.iter().map(|r| r.summary.reply_hours_median).collect()),
        ),
    ];
    let wall = sel.wall;
    Drawn {
        chart_data,
        district: kpis(lang, first(&n.district).as_ref()),
        scope: n.scope.as_ref().map(|s| (scope_name(true, true), kpis(lang, first(s).as_ref()))),
        ranking: ranking_rows(lang, &n.ranking.rows(), &sorting, sel.ranking, picked),
        ranking_note: if within.is_empty() {
            String::new()
        } else {
            t_args(lang, "js-dash-within", &[("name", within.as_str().into())])
        },
        trend: trend_chart(lang, &trend, wall),
        categories: bar_chart(lang, &category_bars, &[if wall { "#e0a458" } else { "#c0392b" }], wall),
        reply: bar_chart(
            lang,
            &reply_bars,
            &[if wall { "#5fb3d4" } else { "#4c78d4" }, if wall { "#2f5d7c" } else { "#b3c7ef" }],
            wall,
        ),
        reply_title: t(lang, if sel.town.is_some() { "js-dash-by-station" } else { "js-dash-by-town" }),
        map,
    }
}

/// A metric's value as the charts' notes write it.
fn metric_text(lang: Lang, m: &MetricChoice, v: Option<f64>) -> String {
    match (m.kind, v) {
        ("hours", Some(v)) => t_args(lang, "js-dash-hours-value", &[("hours", format!("{v:.1}").as_str().into())]),
        _ => Kind::of(m.field).show(v),
    }
}

/// Names as short as a chart's axis has room for: without the district's name or the stations'
/// common suffix (as `shortName` in `web/dashboard.js`).
fn short_name(s: &str) -> String {
    let s = s.strip_prefix("海曙区").unwrap_or(s);
    match s.strip_suffix("人大代表联络站") {
        Some(head) => format!("{head}联络站"),
        None => s.to_owned(),
    }
}

fn page(
    lang: Lang,
    sel: &Selection,
    district: &DistrictView,
    warning_weeks: [String; 2],
    drawn: Option<&Drawn>,
) -> Markup {
    let bounds = district.bounds_attr();
    let mut towns: Vec<&TownLabel> = district.towns.iter().collect();
    towns.sort_by(|a, b| a.code.cmp(&b.code));
    let config = DashboardConfig {
        lang: lang.tag(),
        echarts: assets::url("echarts.js"),
        messages: script_messages(lang, &SCRIPT_MESSAGES),
        warning_weeks,
    };
    let switch_to = t(lang, "lang-switch-tag");
    let csv = t(lang, "dash-csv");
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                (super::head_meta())
                title { (t(lang, if sel.wall { "dash-wall-title" } else { "dash-title" })) }
                style { (super::STYLE) }
                link rel="stylesheet" href=(assets::url("maplibre-gl.css"));
                link rel="stylesheet" href=(assets::url("dashboard.css"));
                // Fetched at once, run by dashboard.js after the map is made (see DashboardConfig).
                link rel="preload" as="script" href=(assets::url("echarts.js"));
            }
            body.dashboard.wall[sel.wall] data-state="loading" data-wall=[sel.wall.then_some("1")] {
                header.dash-head {
                    h1 { (t(lang, if sel.wall { "dash-wall-title" } else { "dash-heading" })) }
                    span #clock {}
                    nav {
                        a href="/" { (t(lang, "nav-map")) } " "
                        a href="/list" { (t(lang, "nav-list")) } " "
                        a href="/plan" { (t(lang, "nav-plan")) } " "
                        a #wall-link href=(view_link(sel, !sel.wall, None)) { (t(lang, if sel.wall { "dash-nav-desk" } else { "dash-nav-wall" })) } " "
                        a #lang-link .lang href=(view_link(sel, sel.wall, Some(&switch_to))) hreflang=(switch_to) { (t(lang, "lang-switch")) }
                    }
                }
                (controls(lang, sel, &towns))
                noscript { p.error { (t(lang, "dash-noscript")) } }
                section #kpis {
                    div.kpi-group #kpi-district {
                        h2 { (t(lang, "dash-district")) }
                        dl #totals-list .kpi-cards { @if let Some(d) = drawn { (d.district) } }
                    }
                    div.kpi-group #kpi-scope hidden[drawn.is_none_or(|d| d.scope.is_none())] {
                        h2 {
                            span #scope-name { @if let Some((name, _)) = drawn.and_then(|d| d.scope.as_ref()) { (name) } }
                            " "
                            button #scope-clear type="button" { (t(lang, "dash-clear-scope")) }
                        }
                        dl #scope-list .kpi-cards { @if let Some((_, cards)) = drawn.and_then(|d| d.scope.as_ref()) { (cards) } }
                    }
                }
                div.dash-grid {
                    div.map-wrap {
                        div #map role="region" aria-label=(t(lang, "dash-map-label")) data-bounds=[bounds] {}
                        @if let Some(src) = drawn.and_then(|d| d.map.as_deref()) {
                            img #dash-preview .drilled[sel.town.is_some()] src=(src) alt=(t(lang, "dash-map-label")) elementtiming="dashboard-map";
                        }
                        div #legend aria-live="polite" {}
                        div #cell-panel hidden {}
                    }
                    div.side {
                    section #warnings data-state="loading" aria-live="polite" {
                        h2 { (t(lang, "dash-warnings")) }
                        ol #warning-list {}
                    }
                    section #ranking {
                        h2 { (t(lang, "dash-ranking")) }
                        div.switch role="radiogroup" aria-label=(t(lang, "dash-ranking")) {
                            @for code in RANKINGS {
                                label.inline {
                                    input type="radio" name="ranking" form="controls" value=(code) checked[code == sel.ranking];
                                    (label(lang, "dash-ranking", code))
                                }
                            }
                        }
                        p #ranking-note .muted { @if let Some(d) = drawn { (d.ranking_note) } }
                        div.table-wrap { (ranking_table(lang, sel, drawn.map(|d| &d.ranking))) }
                        p.muted {
                            a #ranking-csv href="/api/v1/stats?group_by=town&format=csv" download="ranking.csv" { (csv) }
                        }
                    }
                    }
                    section.chart-box #trend {
                        h2 { (t(lang, "dash-trend")) }
                        div #trend-chart .chart data-labels=[drawn.map(|d| &d.chart_data[0].0)] data-values=[drawn.map(|d| &d.chart_data[0].1)] { @if let Some(d) = drawn { (d.trend) } }
                        p.muted { a #trend-csv href="/api/v1/stats?interval=month&format=csv" download="trend.csv" { (csv) } }
                    }
                    section.chart-box #categories {
                        h2 { (t(lang, "dash-categories")) }
                        div #category-chart .chart data-labels=[drawn.map(|d| &d.chart_data[1].0)] data-values=[drawn.map(|d| &d.chart_data[1].1)] { @if let Some(d) = drawn { (d.categories) } }
                        p.muted { a #category-csv href="/api/v1/stats?group_by=category&format=csv" download="categories.csv" { (csv) } }
                    }
                    section.chart-box #reply-time {
                        h2 { (t(lang, "dash-reply-time")) " " span #reply-title .muted { @if let Some(d) = drawn { (d.reply_title) } } }
                        div #reply-chart .chart data-labels=[drawn.map(|d| &d.chart_data[2].0)] data-values=[drawn.map(|d| &d.chart_data[2].1)] { @if let Some(d) = drawn { (d.reply) } }
                        p.muted { a #reply-csv href="/api/v1/stats?group_by=town&format=csv" download="reply-time.csv" { (csv) } }
                    }
                }
                ul #town-labels hidden {
                    @for t in &district.towns {
                        li data-code=(t.code) data-lon=(format!("{:.6}", t.lon)) data-lat=(format!("{:.6}", t.lat)) { (t.name) }
                    }
                }
                script #dashboard-config type="application/json" { (maud::PreEscaped(script_json(&config))) }
                // Deferred, in this order: the page's script asks for its numbers at once, draws
                // the cards, and makes the map once MapLibre has run; then it runs ECharts.
                script src=(assets::url("dashboard.js")) defer {}
                script src=(assets::url("maplibre-gl.js")) defer {}
            }
        }
    }
}

/// The same view as a link: in the desk or the wall layout, and with `?lang=` when given (the
/// language switch; otherwise the `lang` cookie keeps the language).
fn view_link(sel: &Selection, wall: bool, lang: Option<&str>) -> String {
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
        ("wall", wall.then_some("1")),
        ("lang", lang),
    ];
    let query: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| Some(format!("{k}={}", utf8_percent_encode((*v)?, NON_ALPHANUMERIC))))
        .collect();
    format!("/dashboard?{}", query.join("&"))
}

fn controls(lang: Lang, sel: &Selection, towns: &[&TownLabel]) -> Markup {
    html! {
        form #controls method="get" action="/dashboard" {
            label { (t(lang, "dash-metric"))
                select #metric name="metric" {
                    @for m in &METRICS {
                        option value=(m.code) data-field=(m.field) data-kind=(m.kind) data-better=(m.better) selected[m.code == sel.metric] { (t(lang, m.label)) }
                    }
                }
            }
            label { (t(lang, "dash-layer"))
                select #layer name="layer" {
                    @for code in LAYERS {
                        option value=(code) selected[code == sel.layer] { (label(lang, "dash-layer", code)) }
                    }
                }
            }
            label { (t(lang, "dash-res"))
                select #res name="res" {
                    @for (r, area) in RESOLUTIONS {
                        option value=(r) selected[r == sel.res] {
                            (t_args(lang, "dash-res-option", &[("res", r.to_string().as_str().into()), ("area", area.into())]))
                        }
                    }
                }
            }
            label { (t(lang, "dash-town"))
                select #town name="town" {
                    option value="" { (t(lang, "dash-whole-district")) }
                    @for t in towns {
                        option value=(t.code) selected[sel.town.as_deref() == Some(t.code.as_str())] { (t.name) }
                    }
                }
            }
            label { (t(lang, "dash-category"))
                select #category name="category" {
                    option value="" { (t(lang, "dash-all")) }
                    @for c in Category::ALL {
                        option value=(c.code()) selected[sel.category == Some(*c)] { (label(lang, "category", c.code())) }
                    }
                }
            }
            label { (t(lang, "dash-from")) input #from type="date" name="from" value=(date_value(sel.from)); }
            label { (t(lang, "dash-to")) input #to type="date" name="to" value=(date_value(sel.to)); }
            input #station type="hidden" name="station" value=[sel.station.as_ref().map(|s| s.0.as_str())]
                data-name=[sel.station.as_ref().map(|s| s.1.as_str())];
            @if sel.wall { input type="hidden" name="wall" value="1"; }
            button #apply type="submit" { (t(lang, "dash-update")) }
            span #status role="status" aria-live="polite" {}
        }
    }
}

fn date_value(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn ranking_table(lang: Lang, sel: &Selection, rows: Option<&Markup>) -> Markup {
    let metric = sel.metric();
    let sort = if metric.better == "low" { "ascending" } else { "descending" };
    html! {
        table #ranking-table data-by=[rows.map(|_| sel.ranking)] {
            thead {
                tr {
                    th { "#" }
                    th { (t(lang, "dash-col-name")) }
                    @for (field, id) in RANKING_COLUMNS {
                        @let sorted = rows.is_some() && field == metric.field;
                        th.sorted[sorted] data-field=(field) aria-sort=[sorted.then_some(sort)] { (t(lang, id)) }
                    }
                }
            }
            tbody { @if let Some(rows) = rows { (rows) } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn catalog() -> Catalog {
        Catalog::build(crate::sample::generate().into_data())
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
        let link = view_link(&s, !s.wall, None);
        for part in ["metric=count", &format!("town={town}"), "ranking=member", "layer=grid", "wall=1"] {
            assert!(link.contains(part), "{link} keeps {part}");
        }
        let wall = Selection { wall: true, ..s };
        assert!(!view_link(&wall, !wall.wall, None).contains("wall="), "the wall screen links back to the desk view");
        let switch = view_link(&wall, wall.wall, Some("en"));
        assert!(
            switch.contains("wall=1") && switch.ends_with("&lang=en"),
            "the language switch keeps the view: {switch}"
        );
    }

    #[test]
    fn the_page_has_every_message_in_both_languages() {
        let catalog = catalog();
        let view = district_view(&catalog);
        for lang in Lang::ALL {
            for wall in [false, true] {
                let sel = Selection { wall, ..Selection::from_params(&DashboardParams::default(), &catalog) };
                let weeks = ["2026-11-09".to_owned(), "2026-11-02".to_owned()];
                let html = page(lang, &sel, &view, weeks, None).into_string();
                assert!(!html.contains('⟦'), "{} wall={wall}: a message is missing", lang.tag());
                assert!(html.contains(&format!(r#"<html lang="{}">"#, lang.tag())));
            }
            let messages = script_messages(lang, &SCRIPT_MESSAGES);
            assert!(messages.contains_key("js-dash-loading") && messages.contains_key("category-roads"));
            assert!(
                !messages.keys().any(|k| k.starts_with("js-") && !k.starts_with("js-dash-")),
                "only the dashboard's"
            );
        }
    }

    #[test]
    fn every_metric_is_one_the_heatmap_accepts() {
        for m in &METRICS {
            assert!(m.code.parse::<crate::analytics::tally::Metric>().is_ok(), "{}", m.code);
        }
    }
}
