//! Server-rendered pages (maud): the map at `/` (drawn by `web/map.js`), and, working without
//! JavaScript, the station list with a "nearest station" form at `/list`. Views take plain
//! view-models built here from the catalog.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup, DOCTYPE};

use super::params;
use super::AppState;
use crate::catalog::{Catalog, StationFilter};
use chrono::{DateTime, Datelike, FixedOffset, Weekday};

use crate::domain::schedule::summarize_zh;
use crate::domain::{AreaLevel, LonLat, Station};
use crate::spatial::Crs;

pub mod citizen;
pub mod dashboard;
pub mod map;
pub mod staff;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/list", get(list))
        .merge(map::router())
        .merge(citizen::router())
        .merge(staff::router())
        .merge(dashboard::router())
}

const STYLE: &str = "body{font-family:'Noto Sans CJK SC','Noto Sans',sans-serif;max-width:72rem;margin:0 auto;padding:1rem;color:#1f2933}\
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;border-bottom:2px solid #c0392b;padding-bottom:.2rem;margin-top:1.6rem}\
form{background:#f5f7fa;padding:.8rem;border-radius:6px;display:flex;gap:.6rem;flex-wrap:wrap;align-items:end}\
label{display:flex;flex-direction:column;font-size:.85rem}label.inline{flex-direction:row;align-items:center}\
#submit-form{flex-direction:column;align-items:stretch;max-width:36rem}textarea{font-size:1rem}.notice{background:#e8f5e9;padding:.8rem;border-radius:6px}input,select{font-size:1rem;padding:.3rem}\
button{background:#c0392b;color:#fff;border:0;padding:.5rem 1rem;border-radius:4px;font-size:1rem}\
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{border-bottom:1px solid #e4e7eb;padding:.35rem;text-align:left;vertical-align:top}\
.kind{font-size:.75rem;padding:.1rem .35rem;border-radius:3px;background:#eef;white-space:nowrap}.error{background:#fdecea;color:#8a1c13;padding:.8rem;border-radius:6px}\
.muted{color:#616e7c;font-size:.85rem}";

pub(super) fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (STYLE) }
            }
            body { (body) }
        }
    }
}

/// `axum::Form` whose rejections (a missing field, a body that is not a form) come back as a
/// readable error page instead of plain text.
pub struct PageForm<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Response> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(PageForm(v)),
            Err(e) => Err(error_page(StatusCode::BAD_REQUEST, "表单有误 The form is incomplete", &e.body_text())),
        }
    }
}

/// `axum::extract::Path` whose rejection (a segment that is not UTF-8) is a readable error page.
pub struct PagePath<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> axum::extract::FromRequestParts<S> for PagePath<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(PagePath(v)),
            Err(e) => Err(error_page(StatusCode::BAD_REQUEST, "地址有误 Bad address", &e.body_text())),
        }
    }
}

/// A readable error page with the right status.
pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = layout(
        title,
        html! { h1 { (title) } p.error { (message) } p { a href="/" { "返回地图 Back to the map" } " · " a href="/list" { "站点列表 Station list" } } },
    );
    (status, Html(body.into_string())).into_response()
}

#[derive(Debug, Default, serde::Deserialize)]
struct HomeParams {
    lon: Option<String>,
    lat: Option<String>,
    crs: Option<String>,
}

/// One row of the nearest-station answer.
struct NearRow<'a> {
    station: &'a Station,
    distance_m: f64,
}

/// The grid a point is in, and when each of its members next receives citizens.
struct GridAnswer {
    name: String,
    members: Vec<(String, &'static str, Option<String>)>,
}

fn grid_answer(catalog: &Catalog, q: LonLat, now: DateTime<FixedOffset>) -> Option<GridAnswer> {
    let hit = catalog.grid_at(q).ok()?;
    let members = hit
        .grid
        .members
        .iter()
        .filter_map(|id| catalog.member(id))
        .map(|m| {
            let next = catalog.member_sessions(&m.id, now, 1).into_iter().next().map(|x| {
                let start = x.session.start;
                format!(
                    "{}（{}）{} · {}",
                    start.format("%-m月%-d日"),
                    weekday_zh(start.weekday()),
                    start.format("%H:%M"),
                    x.station.name
                )
            });
            (m.name.clone(), m.body.label_zh(), next)
        })
        .collect();
    Some(GridAnswer { name: hit.grid.name.clone(), members })
}

fn weekday_zh(d: Weekday) -> &'static str {
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][d.num_days_from_monday() as usize]
}

async fn list(
    State(state): State<AppState>,
    query: Result<Query<HomeParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let catalog = state.service.catalog();
    let p = query.map(|Query(p)| p).unwrap_or_default();
    let asked = p.lon.as_deref().is_some_and(|s| !s.trim().is_empty())
        || p.lat.as_deref().is_some_and(|s| !s.trim().is_empty());
    let answer = asked.then(|| {
        let crs = params::crs(&p.crs)?;
        let q = params::position(&p.lon, &p.lat, crs)?;
        let filter = StationFilter::physical();
        let rows: Vec<NearRow> = catalog
            .nearest_stations(q, 5, &filter)
            .into_iter()
            .map(|h| NearRow { station: h.station, distance_m: h.distance_m })
            .collect();
        let grid = grid_answer(&catalog, q, state.service.now());
        Ok::<_, super::error::AppError>((rows, grid))
    });
    let status = match &answer {
        Some(Err(e)) => e.status(),
        _ => StatusCode::OK,
    };
    let body = html! {
        h1 { "海曙区人大代表联络站 · 政协委员工作室" }
        p.muted { (catalog.stations().len()) " 个站点 · " (catalog.members().len()) " 位代表委员 · " (catalog.grids().len()) " 个网格" }
        nav { a href="/" { "地图 Map" } " · " a href="/dashboard" { "领导驾驶舱 Dashboard" } }
        (nearest_form(&p))
        @match &answer {
            Some(Err(e)) => { p.error role="alert" { (e.message()) } }
            Some(Ok((rows, grid))) => { (nearest_answer(rows, grid.as_ref())) }
            None => {}
        }
        (station_list(&catalog))
    };
    (status, Html(layout("海曙区代表联络站地图 liaison", body).into_string())).into_response()
}

fn nearest_form(p: &HomeParams) -> Markup {
    let crs = p.crs.as_deref().unwrap_or("wgs84");
    html! {
        form method="get" action="/list" id="nearest-form" {
            label { "经度 Longitude" input type="text" name="lon" value=(p.lon.as_deref().unwrap_or("")) placeholder="121.55" inputmode="decimal"; }
            label { "纬度 Latitude" input type="text" name="lat" value=(p.lat.as_deref().unwrap_or("")) placeholder="29.87" inputmode="decimal"; }
            label { "坐标系 CRS"
                select name="crs" {
                    @for c in [Crs::Wgs84, Crs::Gcj02, Crs::Bd09] {
                        option value=(c.as_str()) selected[c.as_str() == crs] { (c.as_str()) }
                    }
                }
            }
            button type="submit" { "查找最近站点 Find the nearest station" }
        }
    }
}

fn nearest_answer(rows: &[NearRow], grid: Option<&GridAnswer>) -> Markup {
    html! {
        @if let Some(grid) = grid {
            section #my-grid {
                h2 { "您所在的网格 Your grid area: " (grid.name) }
                ul {
                    @for (name, body, next) in &grid.members {
                        li {
                            strong { (name) } " " span.kind { (body) } " "
                            @match next {
                                Some(next) => { "下次接待 next reception: " (next) }
                                None => { span.muted { "暂无接待安排 no reception scheduled" } }
                            }
                        }
                    }
                }
            }
        }
        h2 { "最近的站点 Nearest stations" }
        @if rows.is_empty() { p { "没有站点。No station found." } }
        @else {
            table #nearest {
                thead { tr { th { "站点" } th { "类型" } th { "距离" } th { "地址" } th { "接待时间" } } }
                tbody {
                    @for r in rows {
                        tr {
                            td { (r.station.name) }
                            td { span.kind { (r.station.kind.label_zh()) } }
                            td.distance { (format_distance(r.distance_m)) }
                            td { (r.station.address) }
                            td { (reception_cell(r.station)) }
                        }
                    }
                }
            }
        }
    }
}

pub(super) fn reception_cell(s: &Station) -> Markup {
    html! {
        @for line in summarize_zh(&s.reception) { div { (line) } }
        @if s.reception.is_empty() { span.muted { "预约接待 by appointment" } }
    }
}

fn format_distance(m: f64) -> String {
    if m < 1000.0 {
        format!("{m:.0} 米")
    } else {
        format!("{:.2} 公里", m / 1000.0)
    }
}

fn station_list(catalog: &Catalog) -> Markup {
    let towns: Vec<_> = catalog.areas().iter().filter(|a| a.level == AreaLevel::Town).collect();
    let unplaced: Vec<&Station> =
        catalog.stations().iter().filter(|s| s.town_code.as_ref().is_none_or(|c| catalog.area(c).is_none())).collect();
    html! {
        @for town in &towns {
            @let stations: Vec<&Station> = catalog.stations().iter().filter(|s| s.town_code.as_ref() == Some(&town.code)).collect();
            @if !stations.is_empty() {
                h2 { (town.name) span.muted { " " (town.code) } }
                (station_table(&stations))
            }
        }
        @if !unplaced.is_empty() {
            h2 { @if towns.is_empty() { "站点 Stations" } @else { "其他 Other" } }
            (station_table(&unplaced))
        }
    }
}

fn station_table(stations: &[&Station]) -> Markup {
    html! {
        table.stations {
            thead { tr { th { "站点" } th { "类型" } th { "地址" } th { "电话" } th { "接待时间" } } }
            tbody {
                @for s in stations {
                    tr data-id=(s.id) {
                        td { (s.name) }
                        td { span.kind { (s.kind.label_zh()) } }
                        td { (s.address) }
                        td { (s.phone) }
                        td { (reception_cell(s)) }
                    }
                }
            }
        }
    }
}
