//! Server-rendered pages (maud): the map at `/` (drawn by `web/map.js`), and, working without
//! JavaScript, the station list with a "nearest station" form at `/list`. Views take plain
//! view-models built here from the catalog. Every string comes from the language's catalogue
//! ([`crate::i18n`]); the language is negotiated per request ([`crate::http::lang`]).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Datelike, FixedOffset};
use maud::{html, Markup, DOCTYPE};
use tower_sessions::Session;

use super::params;
use super::session::user;
use super::AppState;
use crate::catalog::{Catalog, StationFilter};
use crate::domain::{AreaLevel, LonLat, Principal, Station, StationKind};
use crate::i18n::{label, t, t_args, Lang};
use crate::spatial::Crs;
use geo::{BoundingRect, InteriorPoint, MultiPolygon};

pub mod citizen;
pub mod dashboard;
pub mod dashboard_view;
pub mod ledger;
pub mod map;
pub mod member;
pub mod notice;
pub mod plan;
pub mod preview;
pub mod published;
pub mod rota;
pub mod staff;
pub mod staff_map;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/list", get(list))
        .merge(map::router())
        .merge(citizen::router())
        .merge(staff::router())
        .merge(staff_map::router())
        .merge(dashboard::router())
        .merge(plan::router())
        .merge(notice::router())
        .merge(member::router())
        .merge(rota::router())
        .merge(ledger::router())
}

const STYLE: &str = "body{font-family:'Noto Sans CJK SC','Noto Sans',sans-serif;max-width:72rem;margin:0 auto;padding:1rem;color:#1f2933}\
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;border-bottom:2px solid #c0392b;padding-bottom:.2rem;margin-top:1.6rem}\
form{background:#f5f7fa;padding:.8rem;border-radius:6px;display:flex;gap:.6rem;flex-wrap:wrap;align-items:end}\
label{display:flex;flex-direction:column;font-size:.85rem}label.inline{flex-direction:row;align-items:center}\
#submit-form{flex-direction:column;align-items:stretch;max-width:36rem}textarea{font-size:1rem}.notice{background:#e8f5e9;padding:.8rem;border-radius:6px}input,select{font-size:1rem;padding:.3rem}\
button{background:#c0392b;color:#fff;border:0;padding:.5rem 1rem;border-radius:4px;font-size:1rem}\
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{border-bottom:1px solid #e4e7eb;padding:.35rem;text-align:left;vertical-align:top}\
.kind{font-size:.75rem;padding:.1rem .35rem;border-radius:3px;background:#eef;white-space:nowrap}.error{background:#fdecea;color:#8a1c13;padding:.8rem;border-radius:6px}\
.muted{color:#616e7c;font-size:.85rem}nav.top{display:flex;gap:1rem;flex-wrap:wrap;font-size:.9rem;margin-bottom:.6rem}nav.top .lang{margin-left:auto}\
@media (max-width:40rem){table{font-size:.8rem}body{padding:.6rem}}";

/// The links every page starts with, and the switch to the other language.
pub(super) fn top_nav(lang: Lang) -> Markup {
    html! {
        nav.top {
            a href="/" { (t(lang, "nav-map")) }
            a href="/list" { (t(lang, "nav-list")) }
            a href="/submit" { (t(lang, "nav-submit")) }
            a href="/track" { (t(lang, "nav-track")) }
            (lang_switch(lang))
        }
    }
}

pub(super) fn layout(lang: Lang, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                (head_meta())
                title { (title) }
                style { (STYLE) }
            }
            body { (top_nav(lang)) (body) }
        }
    }
}

/// `axum::Form` whose rejections (a missing field, a body that is not a form) come back as a
/// readable error page instead of plain text.
pub struct PageForm<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Response> {
        let lang = super::lang::negotiate(req.uri(), req.headers());
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(PageForm(v)),
            Err(e) => Err(error_page(lang, StatusCode::BAD_REQUEST, "error-title-form", &e.body_text())),
        }
    }
}

/// `axum::extract::Path` whose rejection (a segment that is not UTF-8) is a readable error page.
pub struct PagePath<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> axum::extract::FromRequestParts<S> for PagePath<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Response> {
        let lang = super::lang::negotiate(&parts.uri, &parts.headers);
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(PagePath(v)),
            Err(e) => Err(error_page(lang, StatusCode::BAD_REQUEST, "error-title-address", &e.body_text())),
        }
    }
}

/// `value` as JSON that is safe inside a `<script type="application/json">` element: `<`, `>` and
/// `&` escaped, so that no text (a town named `</script>`) can end the element.
pub(super) fn script_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value)
        .expect("a page's configuration serialises")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The `<head>` lines every page starts with.
pub(super) fn head_meta() -> Markup {
    html! {
        meta charset="utf-8";
        meta name="viewport" content="width=device-width, initial-scale=1";
        link rel="icon" type="image/svg+xml" href=(super::assets::url("favicon.svg"));
    }
}

/// The link to the same page in the other language (`?lang=`, which the cookie then remembers).
pub(super) fn lang_switch(lang: Lang) -> Markup {
    let other = t(lang, "lang-switch-tag");
    html! { a.lang href=(format!("?lang={other}")) hreflang=(other) { (t(lang, "lang-switch")) } }
}

/// Each kind of station the map pages draw, with its colour (the legend and `web/mapkit.js` agree through
/// the `data-kind`/`data-colour` attributes of the legend).
pub(super) const KIND_COLOURS: [(StationKind, &str); 3] = [
    (StationKind::DeputyLiaisonStation, "#c0392b"),
    (StationKind::MemberWorkstation, "#1f6fb2"),
    (StationKind::LiaisonPoint, "#e08e0b"),
];

#[derive(serde::Serialize)]
pub(super) struct KindConfig {
    code: &'static str,
    label: String,
    colour: &'static str,
}

/// The kinds of station the map pages draw, named in `lang`, with their colours.
pub(super) fn kinds(lang: Lang) -> Vec<KindConfig> {
    KIND_COLOURS
        .iter()
        .map(|&(k, colour)| KindConfig { code: k.code(), label: label(lang, "kind", k.code()), colour })
        .collect()
}

/// The page for a use case's error `e` ("cannot do that", with the reason in `lang`).
pub(super) fn page_error(lang: Lang, e: super::error::AppError) -> Response {
    error_page(lang, e.status(), "error-title-cannot", &error_text(lang, &e))
}

/// The logged-in principal, or a redirect to the login page: the staff pages' gate.
pub(super) async fn who(lang: Lang, state: &AppState, session: &Session) -> Result<Principal, Response> {
    match user(session, &state.service).await {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(Redirect::to("/login").into_response()),
        Err(e) => Err(page_error(lang, e)),
    }
}

/// A readable error page with the right status: the title is the message `title_id`.
pub fn error_page(lang: Lang, status: StatusCode, title_id: &str, message: &str) -> Response {
    let title = t(lang, title_id);
    let body = html! {
        h1 { (title) }
        p.error { (message) }
        p { a href="/" { (t(lang, "back-to-map")) } " · " a href="/list" { (t(lang, "nav-list")) } }
    };
    (status, Html(layout(lang, &title, body).into_string())).into_response()
}

/// What a page says about a failed use case: the catalogue's words for its code when it has
/// them (with the service's detail where the message takes one), else the service's message.
pub(super) fn error_text(lang: Lang, e: &super::error::AppError) -> String {
    let id = format!("error-{}", e.code());
    if crate::i18n::has(lang, &id) {
        t_args(lang, &id, &[("detail", e.message().into())])
    } else {
        e.message().to_owned()
    }
}

/// A distance as people read it: metres below a kilometre, else kilometres to 10 m.
pub(super) fn format_distance(lang: Lang, m: f64) -> String {
    if m < 1000.0 {
        t_args(lang, "list-metres", &[("n", format!("{m:.0}").as_str().into())])
    } else {
        t_args(lang, "list-kilometres", &[("n", format!("{:.2}", m / 1000.0).as_str().into())])
    }
}

/// A session's day and start, e.g. `12月4日（周五）09:00` or `Friday 4 December 09:00`.
pub(super) fn session_start(lang: Lang, start: DateTime<FixedOffset>) -> String {
    let weekday = crate::i18n::weekday_code(start.weekday());
    let day = t_args(
        lang,
        "date-day",
        &[
            ("month", (start.month() as f64).into()),
            ("day", (start.day() as f64).into()),
            ("weekday", label(lang, "weekday-short", weekday).as_str().into()),
            ("monthname", label(lang, "month", &start.month().to_string()).as_str().into()),
        ],
    );
    format!("{day} {}", start.format("%H:%M"))
}

/// A town's name and where on the map to write it (WGS84 degrees).
#[derive(serde::Serialize)]
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

impl DistrictView {
    /// The extent as a map element's `data-bounds`: `min_lon,min_lat,max_lon,max_lat`.
    pub fn bounds_attr(&self) -> Option<String> {
        self.bounds.map(|b| format!("{:.6},{:.6},{:.6},{:.6}", b[0], b[1], b[2], b[3]))
    }
}

/// The `<head>` of a map page (`web/mapkit.js`'s pages): MapLibre's and the map pages' styles.
pub(super) fn map_head(title: &str) -> Markup {
    html! {
        head {
            (head_meta())
            title { (title) }
            link rel="stylesheet" href=(crate::http::assets::url("maplibre-gl.css"));
            link rel="stylesheet" href=(crate::http::assets::url("map.css"));
        }
    }
}

/// A map page's configuration and scripts, deferred in this order: `web/mapkit.js`, the page's
/// own `script` (which asks for its data while MapLibre is read), MapLibre GL, and the PMTiles
/// reader when there is a basemap.
pub(super) fn map_scripts(config: &impl serde::Serialize, script: &str, basemap: bool) -> Markup {
    use crate::http::assets::url;
    html! {
        script #map-config type="application/json" { (maud::PreEscaped(script_json(config))) }
        script src=(url("mapkit.js")) defer {}
        script src=(url(script)) defer {}
        script src=(url("maplibre-gl.js")) defer {}
        @if basemap { script src=(url("pmtiles.js")) defer {} }
    }
}

/// The log-out button of a logged-in page's header.
pub(super) fn logout_form(lang: Lang, csrf: &str) -> Markup {
    html! {
        form.inline method="post" action="/logout" {
            input type="hidden" name="csrf" value=(csrf);
            button.link type="submit" { (t(lang, "logout-button")) }
        }
    }
}

/// "name · role" for a logged-in page's header.
pub(super) fn who_line(lang: Lang, who: &Principal) -> String {
    let role = label(lang, "role", who.role.code());
    t_args(lang, "staff-map-who", &[("name", who.name.as_str().into()), ("role", role.as_str().into())])
}

/// The lon/lat bounds of shapes.
pub(super) fn bounds_of<'a>(shapes: impl IntoIterator<Item = &'a MultiPolygon<f64>>) -> Option<[f64; 4]> {
    shapes.into_iter().filter_map(|s| s.bounding_rect()).fold(None, |acc, r| {
        let [x0, y0, x1, y1] = acc.unwrap_or([f64::MAX, f64::MAX, f64::MIN, f64::MIN]);
        Some([x0.min(r.min().x), y0.min(r.min().y), x1.max(r.max().x), y1.max(r.max().y)])
    })
}

pub(super) fn district_view(catalog: &Catalog) -> DistrictView {
    let towns: Vec<_> = catalog.areas().iter().filter(|a| a.level == AreaLevel::Town).collect();
    let bounds = bounds_of(towns.iter().map(|a| &a.geometry));
    let towns = towns
        .iter()
        .filter_map(|a| {
            let p = a.geometry.interior_point()?;
            Some(TownLabel { code: a.code.to_string(), name: a.name.clone(), lon: p.x(), lat: p.y() })
        })
        .collect();
    DistrictView { towns, bounds }
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
    members: Vec<(String, String, Option<String>)>,
}

fn grid_answer(lang: Lang, catalog: &Catalog, q: LonLat, now: DateTime<FixedOffset>) -> Option<GridAnswer> {
    let hit = catalog.grid_at(q).ok()?;
    let members = hit
        .grid
        .members
        .iter()
        .filter_map(|id| catalog.member(id))
        .map(|m| {
            let next = catalog
                .member_sessions(&m.id, now, 1)
                .into_iter()
                .next()
                .map(|x| format!("{} · {}", session_start(lang, x.session.start), x.station.name));
            (m.name.clone(), label(lang, "body", m.body.code()), next)
        })
        .collect();
    Some(GridAnswer { name: hit.grid.name.clone(), members })
}

async fn list(
    State(state): State<AppState>,
    lang: Lang,
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
        let grid = grid_answer(lang, &catalog, q, state.service.now());
        Ok::<_, super::error::AppError>((rows, grid))
    });
    let status = match &answer {
        Some(Err(e)) => e.status(),
        _ => StatusCode::OK,
    };
    let counts = t_args(
        lang,
        "map-counts",
        &[
            ("stations", catalog.stations().len().into()),
            ("members", catalog.members().len().into()),
            ("grids", catalog.grids().len().into()),
        ],
    );
    let body = html! {
        h1 { (t(lang, "list-heading")) }
        p.muted { (counts) }
        nav { a href="/dashboard" { (t(lang, "nav-dashboard")) } }
        (nearest_form(lang, &p))
        @match &answer {
            Some(Err(e)) => { p.error role="alert" { (error_text(lang, e)) } }
            Some(Ok((rows, grid))) => { (nearest_answer(lang, rows, grid.as_ref())) }
            None => {}
        }
        (station_list(lang, &catalog))
    };
    (status, Html(layout(lang, &t(lang, "list-title"), body).into_string())).into_response()
}

fn nearest_form(lang: Lang, p: &HomeParams) -> Markup {
    let crs = p.crs.as_deref().unwrap_or("wgs84");
    html! {
        form method="get" action="/list" id="nearest-form" {
            label { (t(lang, "list-longitude")) input type="text" name="lon" value=(p.lon.as_deref().unwrap_or("")) placeholder="121.55" inputmode="decimal"; }
            label { (t(lang, "list-latitude")) input type="text" name="lat" value=(p.lat.as_deref().unwrap_or("")) placeholder="29.87" inputmode="decimal"; }
            label { (t(lang, "list-crs"))
                select name="crs" {
                    @for c in [Crs::Wgs84, Crs::Gcj02, Crs::Bd09] {
                        option value=(c.as_str()) selected[c.as_str() == crs] { (c.as_str()) }
                    }
                }
            }
            button type="submit" { (t(lang, "list-find")) }
        }
    }
}

fn nearest_answer(lang: Lang, rows: &[NearRow], grid: Option<&GridAnswer>) -> Markup {
    html! {
        @if let Some(grid) = grid {
            section #my-grid {
                h2 { (t_args(lang, "list-my-grid", &[("name", grid.name.as_str().into())])) }
                ul {
                    @for (name, body, next) in &grid.members {
                        li {
                            strong { (name) } " " span.kind { (body) } " "
                            @match next {
                                Some(next) => { (t(lang, "list-next-reception")) (next) }
                                None => { span.muted { (t(lang, "list-no-reception")) } }
                            }
                        }
                    }
                }
            }
        }
        h2 { (t(lang, "list-nearest")) }
        @if rows.is_empty() { p { (t(lang, "list-none")) } }
        @else {
            table #nearest {
                thead { tr { th { (t(lang, "list-col-station")) } th { (t(lang, "list-col-kind")) } th { (t(lang, "list-col-distance")) } th { (t(lang, "list-col-address")) } th { (t(lang, "list-col-reception")) } } }
                tbody {
                    @for r in rows {
                        tr {
                            td { (r.station.name) }
                            td { span.kind { (label(lang, "kind", r.station.kind.code())) } }
                            td.distance { (format_distance(lang, r.distance_m)) }
                            td { (r.station.address) }
                            td { (reception_cell(lang, r.station)) }
                        }
                    }
                }
            }
        }
    }
}

pub(super) fn reception_cell(lang: Lang, s: &Station) -> Markup {
    html! {
        @for line in crate::i18n::reception(lang, &s.reception) { div { (line) } }
        @if s.reception.is_empty() { span.muted { (t(lang, "reception-by-appointment")) } }
    }
}

fn station_list(lang: Lang, catalog: &Catalog) -> Markup {
    let towns: Vec<_> = catalog.areas().iter().filter(|a| a.level == AreaLevel::Town).collect();
    let unplaced: Vec<&Station> =
        catalog.stations().iter().filter(|s| s.town_code.as_ref().is_none_or(|c| catalog.area(c).is_none())).collect();
    html! {
        @for town in &towns {
            @let stations: Vec<&Station> = catalog.stations().iter().filter(|s| s.town_code.as_ref() == Some(&town.code)).collect();
            @if !stations.is_empty() {
                h2 { (town.name) span.muted { " " (town.code) } }
                (station_table(lang, &stations))
            }
        }
        @if !unplaced.is_empty() {
            h2 { @if towns.is_empty() { (t(lang, "list-stations")) } @else { (t(lang, "list-other")) } }
            (station_table(lang, &unplaced))
        }
    }
}

fn station_table(lang: Lang, stations: &[&Station]) -> Markup {
    html! {
        table.stations {
            thead { tr { th { (t(lang, "list-col-station")) } th { (t(lang, "list-col-kind")) } th { (t(lang, "list-col-address")) } th { (t(lang, "list-col-phone")) } th { (t(lang, "list-col-reception")) } } }
            tbody {
                @for s in stations {
                    tr data-id=(s.id) {
                        td { (s.name) }
                        td { span.kind { (label(lang, "kind", s.kind.code())) } }
                        td { (s.address) }
                        td { (s.phone) }
                        td { (reception_cell(lang, s)) }
                    }
                }
            }
        }
    }
}
