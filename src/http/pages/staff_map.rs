//! Staff on the map at `/staff/map`: the inbox of one's stations or grid areas as points on the
//! district's map and as a list, with filters, each opinion's details, the transition form and the
//! audit trail. The page is a shell; `web/staff-map.js` fills it from the staff API
//! (`/api/v1/staff/issues…`, with the login's session cookie, SameSite=Strict, and JSON bodies),
//! in the same style as the citizen's map. Without JavaScript, `/staff` is the same work as pages.
//!
//! Positions are WGS84 lon/lat degrees.

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup, DOCTYPE};
use tower_sessions::Session;

use super::{district_view, kinds, who, KindConfig, TownLabel};
use crate::domain::{Category, ReplyRoute, Role, StationKind, Status};
use crate::http::session::csrf_token;
use crate::http::AppState;
use crate::i18n::{label, script_messages, t, Lang};

pub fn router() -> Router<AppState> {
    Router::new().route("/staff/map", get(staff_map))
}

/// Each status's colour on the map, its list and its legend.
const STATUS_COLOURS: [(Status, &str); 7] = [
    (Status::Submitted, "#d97706"),
    (Status::Registered, "#2563eb"),
    (Status::Assigned, "#7c3aed"),
    (Status::InProgress, "#0e7490"),
    (Status::Replied, "#15803d"),
    (Status::Closed, "#7b8794"),
    (Status::Rejected, "#3e4c59"),
];

/// The catalogue's messages the script formats itself.
const SCRIPT_MESSAGES: [&str; 14] = [
    "js-map-",
    "js-staff-",
    "issue-",
    "kind-",
    "status-",
    "category-",
    "reply-route-",
    "channel-",
    "actor-",
    "event-",
    "weekday-short-",
    "month-",
    "date-",
    "error-",
];

/// The most stations the station filter lists; a leader of a bigger deployment filters by other
/// means (the list is then left out).
const MAX_STATION_CHOICES: usize = 1_000;

/// What `web/staff-map.js` needs beyond the API.
#[derive(serde::Serialize)]
struct StaffMapConfig {
    lang: &'static str,
    messages: std::collections::BTreeMap<&'static str, String>,
    kinds: Vec<KindConfig>,
    towns: Vec<TownLabel>,
    basemap: Option<&'static str>,
    /// Every status with its colour, and whether the default filter shows it (the open ones).
    statuses: Vec<StatusConfig>,
    reply_routes: Vec<&'static str>,
    /// The inbox's most opinions per request (the API's `limit` bound).
    limit: usize,
    /// The standard time limit, as the first due date an assignment proposes.
    due_days: u64,
    /// Whether the login may plan (the header then links to /plan).
    planner: bool,
}

#[derive(serde::Serialize)]
struct StatusConfig {
    code: &'static str,
    colour: &'static str,
    open: bool,
}

/// A station the filter offers.
struct StationChoice {
    id: String,
    name: String,
}

async fn staff_map(State(state): State<AppState>, lang: Lang, session: Session) -> Response {
    let who = match who(lang, &state, &session).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let catalog = state.service.catalog();
    let district = district_view(&catalog);
    let bounds = district.bounds_attr();
    let mut stations: Vec<StationChoice> = match who.role {
        Role::Staff => crate::service::staff::scope_of(&catalog, &who)
            .stations
            .iter()
            .filter_map(|id| catalog.station(id))
            .map(|s| StationChoice { id: s.id.to_string(), name: s.name.clone() })
            .collect(),
        Role::Member => Vec::new(),
        _ => catalog
            .stations()
            .iter()
            .filter(|s| s.kind != StationKind::OnlineStation)
            .map(|s| StationChoice { id: s.id.to_string(), name: s.name.clone() })
            .collect(),
    };
    if stations.len() > MAX_STATION_CHOICES {
        stations.clear();
    }
    stations.sort_by(|a, b| a.name.cmp(&b.name));
    let config = StaffMapConfig {
        lang: lang.tag(),
        messages: script_messages(lang, &SCRIPT_MESSAGES),
        kinds: kinds(lang),
        towns: district.towns,
        basemap: state.basemap.as_ref().map(|b| b.kind),
        statuses: STATUS_COLOURS
            .iter()
            .map(|&(s, colour)| StatusConfig { code: s.code(), colour, open: s.is_open() })
            .collect(),
        reply_routes: ReplyRoute::ALL.iter().map(|r| r.code()).collect(),
        limit: 1_000,
        due_days: crate::domain::opinion::DEFAULT_DUE_DAYS,
        planner: crate::service::planning::may_plan(&who),
    };
    let who_line = super::who_line(lang, &who);
    let csrf = csrf_token(&session).await.unwrap_or_default();
    Html(page(lang, bounds, &who_line, &csrf, &stations, &config).into_string()).into_response()
}

fn page(
    lang: Lang,
    bounds: Option<String>,
    who_line: &str,
    csrf: &str,
    stations: &[StationChoice],
    config: &StaffMapConfig,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            (super::map_head(&t(lang, "staff-map-title")))
            body.map-page.staff-map data-state="loading" {
                header.map-head {
                    h1 { (t(lang, "staff-map-title")) }
                    nav {
                        a href="/staff" { (t(lang, "staff-map-table")) }
                        a href="/" { (t(lang, "nav-map")) }
                        a href="/dashboard" { (t(lang, "nav-dashboard")) }
                        @if config.planner { a href="/plan" { (t(lang, "nav-plan")) } }
                        (super::lang_switch(lang))
                        (super::logout_form(lang, csrf))
                    }
                }
                noscript {
                    p.error { (t(lang, "map-noscript")) " " a href="/staff" { (t(lang, "staff-map-noscript-link")) } }
                }
                main.map-main {
                    div #map role="region" aria-label=(t(lang, "staff-map-region")) data-bounds=[bounds] {}
                    aside #panel aria-label=(t(lang, "staff-map-panel")) {
                        p.muted #who { (who_line) }
                        form #filters action="/staff/map" method="get" {
                            fieldset.statuses {
                                legend { (t(lang, "staff-map-statuses")) }
                                @for (status, colour) in STATUS_COLOURS {
                                    label {
                                        input type="checkbox" name="status" value=(status.code()) checked[status.is_open()];
                                        span.swatch.dot style=(format!("background:{colour}")) {}
                                        (label(lang, "status", status.code()))
                                    }
                                }
                            }
                            div.filter-row {
                                label for="filter-category" { (t(lang, "staff-map-category")) }
                                select #filter-category name="category" {
                                    option value="" { (t(lang, "staff-map-any")) }
                                    @for c in Category::ALL { option value=(c.code()) { (label(lang, "category", c.code())) } }
                                }
                            }
                            @if !stations.is_empty() {
                                div.filter-row {
                                    label for="filter-station" { (t(lang, "staff-map-station")) }
                                    select #filter-station name="station" {
                                        option value="" { (t(lang, "staff-map-any")) }
                                        @for s in stations { option value=(s.id) { (s.name) } }
                                    }
                                }
                            }
                            label.check {
                                input #filter-overdue type="checkbox" name="overdue" value="true";
                                (t(lang, "staff-map-overdue"))
                            }
                            button type="submit" { (t(lang, "staff-map-apply")) }
                        }
                        p #count.muted aria-live="polite" {}
                        ol #issues {}
                        section #issue hidden aria-live="polite" {}
                        p #status role="status" aria-live="polite" {}
                    }
                }
                (super::map_scripts(config, "staff-map.js", config.basemap.is_some()))
            }
        }
    }
}
