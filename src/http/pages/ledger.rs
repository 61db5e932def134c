//! The station's ledger form at `/staff/activities/new` (no JavaScript): staff record a reception,
//! consultation, research visit, inspection or river patrol with the members present, and the
//! opinions citizens gave at it, which enter the loop (channel `visit`, at the station) and are
//! listed with the activity. Patrol paths are typed as `lon lat; lon lat` in WGS84 degrees.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use tower_sessions::Session;

use super::{error_text, layout, page_error, who, PageForm};
use crate::catalog::Catalog;
use crate::domain::{
    ActivityKind, Category, Channel, Contact, NewOpinion, Principal, Role, Station, StationId, StationKind, WaterClass,
};
use crate::http::error::AppError;
use crate::http::session::{check_csrf, csrf_token};
use crate::http::AppState;
use crate::i18n::{label, t, t_args, Lang};
use crate::service::activities::{parse_path, ActivityInput, ActivityView, LineStringGeometry, PatrolInput};
use crate::service::staff::scope_of;

pub fn router() -> Router<AppState> {
    Router::new().route("/staff/activities/new", get(blank).post(record))
}

/// How many opinions one record can take down.
const OPINION_ROWS: usize = 3;

/// The stations `who` may record at: staff their station and its liaison points, admins every
/// physical station.
fn stations<'c>(catalog: &'c Catalog, who: &Principal) -> Vec<&'c Station> {
    match who.role {
        Role::Admin => catalog.stations().iter().filter(|s| s.kind != StationKind::OnlineStation).collect(),
        _ => scope_of(catalog, who).stations.iter().filter_map(|s| catalog.station(s)).collect(),
    }
}

#[derive(serde::Deserialize)]
struct Pick {
    station: Option<String>,
}

/// What the form was sent with (empty on a blank form).
type Fields = HashMap<String, String>;

fn page(
    lang: Lang,
    catalog: &Catalog,
    who: &Principal,
    station: &Station,
    fields: &Fields,
    csrf: &str,
    outcome: Option<Markup>,
) -> Markup {
    let v = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let members = catalog.members_of_station(&station.id);
    let chosen_kind = fields.get("kind").map(String::as_str).unwrap_or("reception");
    html! {
        h1 { (t(lang, "ledger-title")) }
        p.muted { a href="/staff" { (t(lang, "ledger-back")) } }
        @if let Some(o) = outcome { (o) }
        form method="get" action="/staff/activities/new" #pick-station {
            label { (t(lang, "ledger-station"))
                select name="station" {
                    @for s in stations(catalog, who) {
                        option value=(s.id) selected[s.id == station.id] { (s.name) }
                    }
                }
            }
            button type="submit" { (t(lang, "ledger-pick")) }
        }
        form method="post" action="/staff/activities/new" #ledger-form {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="station" value=(station.id);
            h2 { (station.name) }
            label { (t(lang, "ledger-kind"))
                select name="kind" {
                    @for k in ActivityKind::ALL {
                        option value=(k.code()) selected[k.code() == chosen_kind] { (label(lang, "duty-item", k.code())) }
                    }
                }
            }
            label { (t(lang, "ledger-date")) input type="date" name="date" required value=(v("date")); }
            label { (t(lang, "ledger-start")) input type="time" name="start" value=(v("start")); }
            label { (t(lang, "ledger-end")) input type="time" name="end" value=(v("end")); }
            fieldset #ledger-members {
                legend { (t(lang, "ledger-members")) }
                @if members.is_empty() { p.muted { (t(lang, "ledger-no-members")) } }
                @for m in &members {
                    @let name = format!("m.{}", m.id);
                    label.inline { input type="checkbox" name=(name) checked[fields.contains_key(&name)]; " " (m.name) " · " (label(lang, "body", m.body.code())) }
                }
            }
            label { (t(lang, "ledger-visitors")) input type="number" name="visitors" min="0" max="100000" value=(v("visitors")); }
            label { (t(lang, "ledger-subject")) input type="text" name="title" maxlength="200" required value=(v("title")); }
            label { (t(lang, "ledger-notes")) textarea name="notes" rows="3" maxlength="5000" { (v("notes")) } }
            fieldset #ledger-patrol {
                legend { (t(lang, "ledger-patrol")) }
                label { (t(lang, "ledger-river")) input type="text" name="river" maxlength="100" value=(v("river")); }
                label { (t(lang, "ledger-path")) textarea name="path" rows="2" placeholder="121.531 29.861; 121.540 29.865" { (v("path")) } }
                label { (t(lang, "ledger-observations")) input type="text" name="observations" maxlength="5000" value=(v("observations")); }
                label { (t(lang, "ledger-photos")) textarea name="photos" rows="2" placeholder="https://…/1.jpg" { (v("photos")) } }
                label { (t(lang, "ledger-water-class"))
                    select name="water_class" {
                        option value="" { "—" }
                        @for c in WaterClass::ALL {
                            option value=(c.code()) selected[fields.get("water_class").map(String::as_str) == Some(c.code())] { (c.label_zh()) }
                        }
                    }
                }
            }
            fieldset #ledger-opinions {
                legend { (t(lang, "ledger-opinions")) }
                p.muted { (t(lang, "ledger-opinions-hint")) }
                @for i in 0..OPINION_ROWS {
                    div.opinion-row {
                        label { (t_args(lang, "ledger-opinion-category", &[("n", (i + 1).into())]))
                            select name=(format!("o{i}.category")) {
                                @for c in Category::ALL {
                                    option value=(c.code()) selected[fields.get(&format!("o{i}.category")).map(String::as_str) == Some(c.code())] { (label(lang, "category", c.code())) }
                                }
                            }
                        }
                        label { (t(lang, "submit-subject")) input type="text" name=(format!("o{i}.title")) maxlength="100" value=(v(&format!("o{i}.title"))); }
                        label { (t(lang, "submit-text")) textarea name=(format!("o{i}.text")) rows="2" maxlength="5000" { (v(&format!("o{i}.text"))) } }
                    }
                }
            }
            button type="submit" { (t(lang, "ledger-record")) }
        }
    }
}

/// A blank form's fields: dated today.
fn today(state: &AppState) -> Fields {
    Fields::from([("date".to_owned(), state.service.now().date_naive().to_string())])
}

/// The station a request asks for among `who`'s, else their first.
fn station_for<'c>(catalog: &'c Catalog, who: &Principal, asked: Option<&str>) -> Result<&'c Station, AppError> {
    let mine = stations(catalog, who);
    match asked.map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => StationId::new(id)
            .ok()
            .and_then(|id| mine.iter().copied().find(|s| s.id == id))
            .ok_or_else(|| AppError::Forbidden(format!("station {id} is not one you may record at"))),
        None => mine.first().copied().ok_or_else(|| AppError::Forbidden("no station to record at".into())),
    }
}

fn may_record(who: &Principal) -> Result<(), AppError> {
    match who.role {
        Role::Staff | Role::Admin => Ok(()),
        other => Err(AppError::Forbidden(format!("a {} may not record activities; staff and admins do", other.code()))),
    }
}

async fn blank(State(state): State<AppState>, lang: Lang, session: Session, Query(p): Query<Pick>) -> Response {
    let who = match who(lang, &state, &session).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let catalog = state.service.catalog();
    let station = match may_record(&who).and_then(|()| station_for(&catalog, &who, p.station.as_deref())) {
        Ok(s) => s,
        Err(e) => return page_error(lang, e),
    };
    let csrf = csrf_token(&session).await.unwrap_or_default();
    let body = page(lang, &catalog, &who, station, &today(&state), &csrf, None);
    Html(layout(lang, &t(lang, "ledger-title"), body).into_string()).into_response()
}

/// The activity and the opinions taken down, as the form gives them.
fn read(fields: &Fields, station: &Station) -> Result<(ActivityInput, Vec<NewOpinion>), AppError> {
    let f = |name: &str| fields.get(name).map(|s| s.trim().to_owned()).unwrap_or_default();
    let opt = |name: &str| Some(f(name)).filter(|s| !s.is_empty());
    let invalid =
        |e: &dyn std::fmt::Display| AppError::Unprocessable { code: "invalid_activity", message: e.to_string() };
    let mut members: Vec<String> = fields.keys().filter_map(|k| k.strip_prefix("m.")).map(str::to_owned).collect();
    members.sort();
    let visitors = match opt("visitors") {
        None => 0,
        Some(n) => n.parse::<u32>().map_err(|_| invalid(&format!("visitors must be a whole number, got {n:?}")))?,
    };
    let patrol = if f("kind") == ActivityKind::RiverPatrol.code() || opt("river").is_some() {
        let path = opt("path").map(|p| parse_path(&p)).transpose().map_err(|e| invalid(&e))?;
        Some(PatrolInput {
            river: f("river"),
            path: path.map(|coordinates| LineStringGeometry { kind: "LineString".into(), coordinates }),
            observations: f("observations"),
            water_class: opt("water_class"),
            photos: f("photos").split_whitespace().map(str::to_owned).collect(),
        })
    } else {
        None
    };
    let input = ActivityInput {
        kind: f("kind"),
        station: station.id.to_string(),
        date: f("date"),
        start: opt("start"),
        end: opt("end"),
        members,
        visitors,
        title: f("title"),
        notes: f("notes"),
        opinions: Vec::new(),
        patrol,
    };
    let mut taken = Vec::new();
    for i in 0..OPINION_ROWS {
        let (title, text) = (f(&format!("o{i}.title")), f(&format!("o{i}.text")));
        if title.is_empty() && text.is_empty() {
            continue;
        }
        let category: Category = f(&format!("o{i}.category")).parse().map_err(|e| invalid(&e))?;
        let new = NewOpinion::new(category, &title, &text, station.location, Channel::Visit, false, Contact::default())
            .map_err(|e| invalid(&format!("opinion {}: {e}", i + 1)))?;
        taken.push(new);
    }
    Ok((input, taken))
}

async fn record(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    PageForm(fields): PageForm<Fields>,
) -> Response {
    let who = match who(lang, &state, &session).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(e) = check_csrf(&session, fields.get("csrf").map(String::as_str)).await {
        return page_error(lang, e);
    }
    let catalog = state.service.catalog();
    let station =
        match may_record(&who).and_then(|()| station_for(&catalog, &who, fields.get("station").map(String::as_str))) {
            Ok(s) => s,
            Err(e) => return page_error(lang, e),
        };
    let result = match read(&fields, station) {
        Ok((input, taken)) => state.service.record_activity_taking(&who, &input, taken).await.map_err(AppError::from),
        Err(e) => Err(e),
    };
    let csrf = csrf_token(&session).await.unwrap_or_default();
    let (status, fields, outcome) = match result {
        Ok(view) => (StatusCode::OK, today(&state), recorded(lang, &view)),
        Err(e) => {
            let message = error_text(lang, &e);
            (e.status(), fields, html! { p.error role="alert" { (message) } })
        }
    };
    let body = page(lang, &catalog, &who, station, &fields, &csrf, Some(outcome));
    (status, Html(layout(lang, &t(lang, "ledger-title"), body).into_string())).into_response()
}

fn recorded(lang: Lang, view: &ActivityView) -> Markup {
    html! {
        div.notice #recorded data-activity-id=(view.id) {
            p { (t_args(lang, "ledger-recorded", &[("title", view.title.as_str().into()), ("date", view.date.to_string().as_str().into())])) }
            @if !view.opinions.is_empty() {
                p { (t(lang, "ledger-filed")) " "
                    @for id in &view.opinions { a.filed href=(format!("/staff/issues/{id}")) data-opinion-id=(id) { "#" (id) } " " }
                }
            }
        }
    }
}
