//! The reception rota page at `/staff/rota`, without JavaScript: a station's coming sessions, each
//! with the suggested members and why, and a form of checkboxes (filled with the accepted members,
//! else the suggestion) to accept or change who receives, or to return to the calendar's members.
//! Staff see their station; admins and leaders choose one with `?station=`. Every form carries a
//! CSRF token.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use tower_sessions::Session;

use super::{error_text, layout, page_error, session_start, who, PageForm};
use crate::analytics::rota::{Field, Reason};
use crate::domain::{Principal, Role};
use crate::http::error::AppError;
use crate::http::session::{check_csrf, csrf_token};
use crate::http::AppState;
use crate::i18n::{label, t, t_args, Lang};
use crate::service::rota::{RotaInput, RotaMember, RotaSession, RotaView, DEFAULT_SESSIONS, MAX_SESSIONS};

pub fn router() -> Router<AppState> {
    Router::new().route("/staff/rota", get(page).post(decide))
}

#[derive(Debug, Default, serde::Deserialize)]
struct RotaParams {
    station: Option<String>,
    sessions: Option<String>,
}

const STYLE: &str = "section.session{border:1px solid #d9dee4;border-radius:6px;padding:.6rem .9rem;margin:1rem 0}\
section.session h2{border:0;margin:.2rem 0;font-size:1.1rem}.accepted{background:#e8f5e9;padding:.4rem .6rem;border-radius:4px}\
ul.reasons{margin:.2rem 0 .2rem 1.2rem;padding:0;font-size:.85rem;color:#3e4c59}\
fieldset{border:0;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:.3rem 1.2rem}\
fieldset label{flex-direction:row;gap:.35rem;align-items:center;font-size:.95rem}\
button.secondary{background:#52606d}ul.trends{padding-left:1.2rem}";

/// The station a page is about: `?station=`, else the staff member's own.
fn station_of(who: &Principal, asked: Option<&str>) -> Option<String> {
    asked
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .or_else(|| who.station.as_ref().map(|s| s.to_string()))
}

async fn page(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    query: Result<Query<RotaParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let who = match who(lang, &state, &session).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let p = query.map(|Query(p)| p).unwrap_or_default();
    let sessions = match crate::http::params::integer("sessions", &p.sessions, DEFAULT_SESSIONS, 1..=MAX_SESSIONS) {
        Ok(n) => n,
        Err(e) => return page_error(lang, e),
    };
    let csrf = csrf_token(&session).await.unwrap_or_default();
    render(&state, lang, &who, station_of(&who, p.station.as_deref()), sessions, &csrf, None).await
}

/// The page for `station` (a chooser without one), with `error` above the sessions.
async fn render(
    state: &AppState,
    lang: Lang,
    who: &Principal,
    station: Option<String>,
    sessions: usize,
    csrf: &str,
    error: Option<(StatusCode, String)>,
) -> Response {
    let title = t(lang, "rota-title");
    let Some(station) = station else {
        if who.role == Role::Staff || who.role == Role::Member {
            return page_error(lang, AppError::Forbidden(t(lang, "rota-no-station")));
        }
        let body =
            html! { h1 { (title) } p { a href="/staff" { (t(lang, "issue-back")) } } (chooser(state, lang, None)) };
        return Html(layout(lang, &title, body).into_string()).into_response();
    };
    let view = match state.service.rota(who, &station, sessions, None).await {
        Ok(v) => v,
        Err(e) => return page_error(lang, e.into()),
    };
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.0);
    let body = html! {
        style { (STYLE) }
        h1 #rota-title { (t_args(lang, "rota-heading", &[("station", view.station_name.as_str().into())])) }
        p { a href="/staff" { (t(lang, "issue-back")) } }
        @if who.role != Role::Staff { (chooser(state, lang, Some(view.station.as_str()))) }
        @if let Some((_, message)) = &error { p.error role="alert" #rota-error { (message) } }
        p.muted { (t(lang, "rota-explain")) }
        (trends(lang, &view))
        @for (i, s) in view.sessions.iter().enumerate() { (session_section(lang, &view, i, s, csrf)) }
    };
    (status, Html(layout(lang, &title, body).into_string())).into_response()
}

/// The stations an admin or leader may pick, as a GET form.
fn chooser(state: &AppState, lang: Lang, current: Option<&str>) -> Markup {
    let catalog = state.service.catalog();
    html! {
        form method="get" action="/staff/rota" #rota-station {
            label { (t(lang, "rota-station"))
                select name="station" {
                    @for s in catalog.stations().iter().filter(|s| !s.reception.is_empty()) {
                        option value=(s.id) selected[current == Some(s.id.as_str())] { (s.name) }
                    }
                }
            }
            button type="submit" { (t(lang, "rota-show")) }
        }
    }
}

fn trends(lang: Lang, view: &RotaView) -> Markup {
    let rising: Vec<_> = view.trends.iter().filter(|t| t.rising).collect();
    html! {
        h2 { (t(lang, "rota-trends")) }
        @if rising.is_empty() { p #trends.muted { (t(lang, "rota-no-trend")) } }
        @else {
            ul.trends #trends {
                @for tr in rising {
                    li data-category=(tr.category.code()) {
                        (t_args(lang, "rota-trend", &[
                            ("category", label(lang, "category", tr.category.code()).as_str().into()),
                            ("recent", (tr.recent as usize).into()),
                            ("expected", format!("{:.1}", tr.expected).as_str().into()),
                        ]))
                    }
                }
            }
        }
    }
}

fn names(lang: Lang, members: &[RotaMember]) -> String {
    members.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(&t(lang, "list-sep"))
}

fn field_label(lang: Lang, field: Field) -> String {
    t(lang, if field == Field::Occupation { "rota-field-occupation" } else { "rota-field-sector" })
}

/// One reason in `lang`.
fn reason_text(lang: Lang, r: &Reason) -> String {
    match r {
        Reason::Rising { category, recent, expected, word, field } => t_args(
            lang,
            "rota-reason-rising",
            &[
                ("category", label(lang, "category", category.code()).as_str().into()),
                ("recent", (*recent as usize).into()),
                ("expected", format!("{expected:.1}").as_str().into()),
                ("word", (*word).into()),
                ("field", field_label(lang, *field).as_str().into()),
            ],
        ),
        Reason::Theme { category, word, field } => t_args(
            lang,
            "rota-reason-theme",
            &[
                ("category", label(lang, "category", category.code()).as_str().into()),
                ("word", (*word).into()),
                ("field", field_label(lang, *field).as_str().into()),
            ],
        ),
        Reason::FewestReceptions { receptions } => {
            t_args(lang, "rota-reason-fewest", &[("n", (*receptions as usize).into())])
        }
    }
}

fn session_section(lang: Lang, view: &RotaView, index: usize, s: &RotaSession, csrf: &str) -> Markup {
    let when = format!("{}–{}", session_start(lang, s.start), s.end.format("%H:%M"));
    let start = s.start.to_rfc3339();
    // The boxes start with who receives if accepted, else with the suggestion.
    let checked: Vec<&str> = match &s.accepted {
        Some(a) => a.members.iter().map(|m| m.id.as_str()).collect(),
        None => s.suggested.iter().map(|x| x.member.id.as_str()).collect(),
    };
    let receptions: HashMap<&str, u32> = view.candidates.iter().map(|c| (c.member.id.as_str(), c.receptions)).collect();
    let eligible: Vec<&RotaMember> = s
        .eligible
        .iter()
        .filter_map(|id| view.candidates.iter().find(|c| c.member.id == *id).map(|c| &c.member))
        .collect();
    html! {
        section.session id=(format!("session-{index}")) data-start=(start) data-accepted=(s.accepted.is_some()) {
            h2 { (when) @if let Some(theme) = &s.theme { " · " (t_args(lang, "notice-theme", &[("theme", theme.as_str().into())])) } }
            p.rule {
                @if s.rule_members.is_empty() { (t(lang, "rota-rule-none")) }
                @else { (t_args(lang, "rota-rule", &[("names", names(lang, &s.rule_members).as_str().into())])) }
            }
            @match &s.accepted {
                Some(a) => {
                    p.accepted data-members=(a.members.iter().map(|m| m.id.as_str()).collect::<Vec<_>>().join(",")) {
                        (t_args(lang, "rota-accepted", &[
                            ("names", names(lang, &a.members).as_str().into()),
                            ("by", a.decided_by.as_str().into()),
                            ("at", a.decided_at.format("%Y-%m-%d %H:%M").to_string().as_str().into()),
                        ]))
                    }
                }
                None => { p.muted.not-accepted { (t(lang, "rota-not-accepted")) } }
            }
            h3 { (t(lang, "rota-suggested")) }
            @if s.suggested.is_empty() { p.muted { (t(lang, "rota-no-candidates")) } }
            ol.suggested {
                @for x in &s.suggested {
                    li data-member-id=(x.member.id) {
                        strong { (x.member.name) } " " span.muted { (x.member.occupation) " · " (x.member.sector) }
                        ul.reasons { @for r in &x.reasons { li { (reason_text(lang, r)) } } }
                    }
                }
            }
            @if view.may_decide && !eligible.is_empty() {
                form method="post" action="/staff/rota" .rota-form {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="station" value=(view.station);
                    input type="hidden" name="start" value=(start);
                    input type="hidden" name="index" value=(index);
                    fieldset {
                        legend { (t(lang, "rota-choose")) }
                        @for m in &eligible {
                            label {
                                input type="checkbox" name=(format!("m.{}", m.id)) value="on" checked[checked.contains(&m.id.as_str())];
                                (m.name) " "
                                span.muted { (t_args(lang, "rota-candidate", &[
                                    ("occupation", m.occupation.as_str().into()),
                                    ("n", (receptions.get(m.id.as_str()).copied().unwrap_or(0) as usize).into()),
                                ])) }
                            }
                        }
                    }
                    button type="submit" name="action" value="save" {
                        (t(lang, if s.accepted.is_some() { "rota-save" } else { "rota-accept" }))
                    }
                    @if s.accepted.is_some() {
                        button.secondary type="submit" name="action" value="reset" { (t(lang, "rota-reset")) }
                    }
                }
            }
        }
    }
}

async fn decide(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    PageForm(form): PageForm<HashMap<String, String>>,
) -> Response {
    let who = match who(lang, &state, &session).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(e) = check_csrf(&session, form.get("csrf").map(String::as_str)).await {
        return page_error(lang, e);
    }
    let field = |name: &str| form.get(name).map(|s| s.trim().to_owned()).unwrap_or_default();
    let (station, start) = (field("station"), field("start"));
    let mut members: Vec<String> = form
        .iter()
        .filter(|(k, v)| k.starts_with("m.") && v.as_str() == "on")
        .map(|(k, _)| k["m.".len()..].to_owned())
        .collect();
    members.sort();
    let done = match field("action").as_str() {
        "reset" => state.service.remove_rota(&who, &station, &start).await,
        _ => state.service.accept_rota(&who, &station, &start, &RotaInput { members }).await.map(|_| ()),
    };
    let anchor = field("index").parse::<usize>().map(|i| format!("#session-{i}")).unwrap_or_default();
    match done {
        Ok(()) => {
            let to = format!(
                "/staff/rota?station={}{anchor}",
                percent_encoding::utf8_percent_encode(&station, percent_encoding::NON_ALPHANUMERIC)
            );
            Redirect::to(&to).into_response()
        }
        Err(e) => {
            let e = AppError::from(e);
            let csrf = csrf_token(&session).await.unwrap_or_default();
            let message = error_text(lang, &e);
            render(&state, lang, &who, Some(station), DEFAULT_SESSIONS, &csrf, Some((e.status(), message))).await
        }
    }
}
