//! Staff and members at work, without JavaScript: log in, the inbox of their stations or grid
//! areas, one opinion with its history and a form to move it on. Every form carries a CSRF token.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use serde::Deserialize;
use tower_sessions::Session;

use super::{error_text, layout, page_error, who, PageForm, PagePath};
use crate::domain::photo::{PhotoDecision, PhotoStatus};
use crate::domain::{Principal, ReplyRoute, Role, Status};
use crate::http::client_ip::ClientIp;
use crate::http::error::AppError;
use crate::http::session::{check_csrf, csrf_token, log_in, log_out};
use crate::http::AppState;
use crate::i18n::{has, label, t, t_args, Lang};
use crate::service::opinions::Tracked;
use crate::service::photos::photo_url;
use crate::service::staff::{InboxQuery, TransitionRequest};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/staff", get(inbox))
        .route("/staff/issues/{id}", get(issue).post(move_on))
        .route("/staff/issues/{id}/photos/{photo_id}", post(decide_photo))
}

/// The label of `code` under `prefix` if the catalogue has one, else `code` as it is.
fn label_or_code(lang: Lang, prefix: &str, code: &str) -> String {
    let id = format!("{prefix}-{code}");
    if has(lang, &id) {
        t(lang, &id)
    } else {
        code.to_owned()
    }
}

/// An audit line's note in `lang`. The domain records codes and a few fixed forms
/// ([`crate::domain::Opinion::apply`]): the channel of a submission, `DEPARTMENT · due DATE` of an
/// assignment, the route of a reply, `N stars COMMENT` of a rating; anything else is shown as typed.
fn audit_note(lang: Lang, event: &str, note: &str) -> String {
    match event {
        "submit" => label_or_code(lang, "channel", note),
        "reply" => label_or_code(lang, "reply-route", note),
        "assign" => match note.rsplit_once(" · due ") {
            Some((department, due)) => {
                format!("{department} · {}", t_args(lang, "js-staff-due", &[("date", due.into())]))
            }
            None => note.to_owned(),
        },
        "rate" => match note.split_once(" stars") {
            Some((n, comment)) => format!("{}{comment}", t_args(lang, "js-staff-stars", &[("n", n.into())])),
            None => note.to_owned(),
        },
        _ => note.to_owned(),
    }
}

fn login_page(lang: Lang, status: StatusCode, csrf: &str, error: Option<&str>) -> Response {
    let body = html! {
        h1 { (t(lang, "login-title")) }
        @if let Some(e) = error { p.error role="alert" { (e) } }
        form method="post" action="/login" #login-form {
            input type="hidden" name="csrf" value=(csrf);
            label { (t(lang, "login-username")) input type="text" name="username" required autocomplete="username"; }
            label { (t(lang, "login-password")) input type="password" name="password" required autocomplete="current-password"; }
            button type="submit" { (t(lang, "login-button")) }
        }
    };
    (status, Html(layout(lang, &t(lang, "login-title"), body).into_string())).into_response()
}

async fn login_form(lang: Lang, session: Session) -> Response {
    match csrf_token(&session).await {
        Ok(csrf) => login_page(lang, StatusCode::OK, &csrf, None),
        Err(e) => page_error(lang, e),
    }
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    csrf: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(client): ClientIp,
    session: Session,
    PageForm(form): PageForm<LoginForm>,
) -> Response {
    if let Err(e) = check_csrf(&session, form.csrf.as_deref()).await {
        return page_error(lang, e);
    }
    match state.service.log_in(client, &form.username, &form.password).await {
        Ok((_, login)) => match log_in(&session, &login).await {
            Ok(()) => Redirect::to("/staff").into_response(),
            Err(e) => page_error(lang, e),
        },
        Err(e) => {
            let e = AppError::from(e);
            let csrf = csrf_token(&session).await.unwrap_or_default();
            let message = match e {
                AppError::Unauthorized { .. } => t(lang, "error-login-wrong"),
                AppError::TooMany { .. } => t(lang, "error-login-too-many"),
                _ => error_text(lang, &e),
            };
            login_page(lang, e.status(), &csrf, Some(&message))
        }
    }
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: Option<String>,
}

async fn logout(lang: Lang, session: Session, PageForm(form): PageForm<CsrfForm>) -> Response {
    if let Err(e) = check_csrf(&session, form.csrf.as_deref()).await {
        return page_error(lang, e);
    }
    match log_out(&session).await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e) => page_error(lang, e),
    }
}

async fn inbox(State(state): State<AppState>, lang: Lang, session: Session) -> Response {
    let who = match who(lang, &state, &session).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let open = vec![Status::Submitted, Status::Registered, Status::Assigned, Status::InProgress, Status::Replied];
    let found =
        match state.service.visible(&who, &InboxQuery { statuses: open, limit: 300, ..Default::default() }).await {
            Ok(f) => f,
            Err(e) => return page_error(lang, e.into()),
        };
    let csrf = csrf_token(&session).await.unwrap_or_default();
    let today = state.service.now().date_naive();
    let role = label(lang, "role", who.role.code());
    let summary = t_args(
        lang,
        "inbox-summary",
        &[("name", who.name.as_str().into()), ("role", role.as_str().into()), ("n", found.len().into())],
    );
    let body = html! {
        h1 { (t(lang, "inbox-title")) }
        p.muted {
            (summary) " · " a #map-view href="/staff/map" { (t(lang, "inbox-map")) }
            @if crate::service::planning::may_plan(&who) { " · " a #plan-view href="/plan" { (t(lang, "nav-plan")) } }
            @if matches!(who.role, Role::Staff | Role::Admin | Role::Leader) { " · " a #rota-view href="/staff/rota" { (t(lang, "inbox-rota")) } }
            @if matches!(who.role, Role::Staff | Role::Admin) { " · " a #ledger-view href="/staff/activities/new" { (t(lang, "inbox-ledger")) } }
        }
        form method="post" action="/logout" { input type="hidden" name="csrf" value=(csrf); button type="submit" { (t(lang, "logout-button")) } }
        table #inbox {
            thead { tr {
                th { (t(lang, "inbox-col-id")) } th { (t(lang, "inbox-col-category")) } th { (t(lang, "inbox-col-subject")) }
                th { (t(lang, "inbox-col-status")) } th { (t(lang, "inbox-col-due")) } th { (t(lang, "inbox-col-created")) }
            } }
            tbody {
                @for o in &found {
                    tr.overdue[o.due.is_some_and(|d| d < today) && o.status != Status::Replied] {
                        td { a href=(format!("/staff/issues/{}", o.id)) { (o.id) } }
                        td { (label(lang, "category", o.submission.category.code())) }
                        td { (o.submission.title) }
                        td { (label(lang, "status", o.status.code())) }
                        td { (o.due.map(|d| d.to_string()).unwrap_or_default()) }
                        td { (o.created_at.format("%Y-%m-%d %H:%M")) }
                    }
                }
            }
        }
    };
    Html(layout(lang, &t(lang, "inbox-title"), body).into_string()).into_response()
}

/// What the viewer may do with the opinion on its page.
struct May {
    /// The statuses they may move it to.
    next: Vec<Status>,
    /// Whether they may approve or reject its photos.
    moderate_photos: bool,
}

fn may(state: &AppState, who: &Principal, tracked: &Tracked) -> May {
    May {
        next: state.service.next_statuses(who, &tracked.opinion),
        moderate_photos: state.service.may_moderate_photos(who, &tracked.opinion),
    }
}

fn issue_page(
    lang: Lang,
    catalog: &crate::catalog::Catalog,
    who: &Principal,
    tracked: &Tracked,
    may: &May,
    csrf: &str,
    error: Option<&str>,
) -> Markup {
    let (o, history) = (&tracked.opinion, &tracked.history);
    let (next, moderate) = (&may.next, may.moderate_photos);
    let audience = crate::service::staff::audience(who);
    let station =
        o.routing.station.as_ref().and_then(|s| catalog.station(s)).map(|s| s.name.clone()).unwrap_or_default();
    html! {
        h1 { (t_args(lang, "issue-title", &[("id", (o.id as f64).into()), ("subject", o.submission.title.as_str().into())])) }
        p { a href="/staff" { (t(lang, "issue-back")) } }
        @if let Some(e) = error { p.error role="alert" { (e) } }
        table {
            tr { th { (t(lang, "issue-status")) } td #status { (label(lang, "status", o.status.code())) " (" (o.status.code()) ", v" (o.version) ")" } }
            tr { th { (t(lang, "issue-category")) } td { (label(lang, "category", o.submission.category.code())) } }
            tr { th { (t(lang, "issue-text")) } td { (o.submission.text) } }
            tr { th { (t(lang, "issue-station")) } td { (station) } }
            tr { th { (t(lang, "issue-contact")) } td { (audience.name(o).unwrap_or("—")) } }
            tr { th { (t(lang, "issue-phone")) } td { (audience.phone(o).unwrap_or("—")) } }
            @if let Some(d) = &o.department { tr { th { (t(lang, "issue-department")) } td { (d) " · " (o.due.map(|d| d.to_string()).unwrap_or_default()) } } }
            @if let Some(r) = &o.reply { tr { th { (t(lang, "issue-reply")) } td { (r) } } }
        }
        h2 { (t(lang, "photos-title")) }
        @if tracked.photos.is_empty() { p.muted #no-photos { (t(lang, "photos-none")) } }
        ul #photos { @for p in &tracked.photos {
            li data-photo-id=(p.id) data-field="photo-status" data-value=(p.status.code()) {
                a href=(photo_url(&p.hash, false)) { img src=(photo_url(&p.hash, true)) alt=(t(lang, "photos-alt")) loading="lazy" style="max-width:160px;vertical-align:middle"; }
                " " (label(lang, "photo-status", p.status.code()))
                @if moderate {
                    form method="post" action=(format!("/staff/issues/{}/photos/{}", o.id, p.id)) style="display:inline-flex" {
                        input type="hidden" name="csrf" value=(csrf);
                        @if p.status != PhotoStatus::Approved { button type="submit" name="decision" value="approve" { (t(lang, "photo-approve")) } }
                        @if p.status != PhotoStatus::Rejected { button type="submit" name="decision" value="reject" { (t(lang, "photo-reject")) } }
                    }
                }
            }
        } }
        h2 { (t(lang, "issue-move")) }
        @if next.is_empty() { p.muted #no-next { (t(lang, "issue-no-next")) } }
        @else {
        form method="post" action=(format!("/staff/issues/{}", o.id)) #transition-form {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="version" value=(o.version);
            label { (t(lang, "issue-next"))
                select name="to" {
                    @for s in next {
                        option value=(s.code()) { (label(lang, "status", s.code())) }
                    }
                }
            }
            label { (t(lang, "issue-department")) input type="text" name="department" maxlength="100"; }
            label { (t(lang, "issue-due")) input type="date" name="due"; }
            label { (t(lang, "issue-reply-route"))
                select name="reply_route" { option value="" { "—" } @for r in ReplyRoute::ALL { option value=(r.code()) { (label(lang, "reply-route", r.code())) } } }
            }
            label { (t(lang, "issue-reply")) textarea name="reply" maxlength="5000" rows="3" {} }
            label { (t(lang, "issue-note")) input type="text" name="note" maxlength="2000"; }
            button type="submit" { (t(lang, "issue-apply")) }
        }
        }
        h2 { (t(lang, "issue-history")) }
        ol { @for e in history { li { (e.at.format("%Y-%m-%d %H:%M")) " " (label_or_code(lang, "actor", &e.actor)) " " (label(lang, "event", &e.event)) " → " (label(lang, "status", e.to.code())) " " (audit_note(lang, &e.event, &e.note)) } } }
    }
}

async fn issue(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    PagePath(id): PagePath<String>,
) -> Response {
    let who = match who(lang, &state, &session).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let tracked = match state.service.staff_opinion(&who, &id).await {
        Ok(t) => t,
        Err(e) => return page_error(lang, e.into()),
    };
    let csrf = csrf_token(&session).await.unwrap_or_default();
    let page = issue_page(lang, &state.service.catalog(), &who, &tracked, &may(&state, &who, &tracked), &csrf, None);
    Html(layout(lang, &t(lang, "issue-move"), page).into_string()).into_response()
}

#[derive(Debug, Deserialize)]
struct MoveForm {
    csrf: Option<String>,
    to: String,
    version: i64,
    #[serde(default)]
    note: String,
    department: Option<String>,
    due: Option<String>,
    reply_route: Option<String>,
    reply: Option<String>,
}

async fn move_on(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    PagePath(id): PagePath<String>,
    PageForm(form): PageForm<MoveForm>,
) -> Response {
    let who = match who(lang, &state, &session).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(e) = check_csrf(&session, form.csrf.as_deref()).await {
        return page_error(lang, e);
    }
    let blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let due = match blank(form.due).map(|d| d.parse::<chrono::NaiveDate>()).transpose() {
        Ok(d) => d,
        Err(_) => return page_error(lang, AppError::bad("invalid_date", t(lang, "error-due-date"))),
    };
    let request = TransitionRequest {
        to: form.to,
        version: form.version,
        note: form.note,
        department: blank(form.department),
        due,
        reply_route: blank(form.reply_route),
        reply: blank(form.reply),
    };
    match state.service.transition(&who, &id, &request).await {
        Ok(t) => Redirect::to(&format!("/staff/issues/{}", t.opinion.id)).into_response(),
        Err(e) => {
            let e = AppError::from(e);
            match state.service.staff_opinion(&who, &id).await {
                Ok(t) => {
                    let csrf = csrf_token(&session).await.unwrap_or_default();
                    let message = error_text(lang, &e);
                    let may = may(&state, &who, &t);
                    let page = issue_page(lang, &state.service.catalog(), &who, &t, &may, &csrf, Some(&message));
                    (e.status(), Html(layout(lang, &crate::i18n::t(lang, "issue-move"), page).into_string()))
                        .into_response()
                }
                Err(e) => page_error(lang, e.into()),
            }
        }
    }
}

#[derive(Debug, Deserialize)]
struct PhotoForm {
    csrf: Option<String>,
    decision: String,
}

/// Staff approve or reject a photo from the issue page, then see the page again.
async fn decide_photo(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    PagePath((id, photo_id)): PagePath<(String, String)>,
    PageForm(form): PageForm<PhotoForm>,
) -> Response {
    let who = match who(lang, &state, &session).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(e) = check_csrf(&session, form.csrf.as_deref()).await {
        return page_error(lang, e);
    }
    let decision = match form.decision.parse::<PhotoDecision>() {
        Ok(d) => d,
        Err(message) => return page_error(lang, AppError::bad("invalid_decision", message)),
    };
    match state.service.decide_photo(&who, &id, &photo_id, decision).await {
        Ok(t) => Redirect::to(&format!("/staff/issues/{}#photos", t.opinion.id)).into_response(),
        Err(e) => page_error(lang, e.into()),
    }
}
