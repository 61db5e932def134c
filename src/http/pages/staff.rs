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

use super::{error_page, layout, PageForm, PagePath};
use crate::domain::{Principal, ReplyRoute, Status};
use crate::http::client_ip::ClientIp;
use crate::http::error::AppError;
use crate::http::session::{check_csrf, csrf_token, log_in, log_out, user};
use crate::http::AppState;
use crate::service::opinions::Tracked;
use crate::service::staff::{InboxQuery, TransitionRequest};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/staff", get(inbox))
        .route("/staff/issues/{id}", get(issue).post(move_on))
}

fn page_error(e: AppError) -> Response {
    error_page(e.status(), "无法完成 Cannot do that", e.message())
}

fn login_page(status: StatusCode, csrf: &str, error: Option<&str>) -> Response {
    let body = html! {
        h1 { "工作人员登录 Staff login" }
        @if let Some(e) = error { p.error role="alert" { (e) } }
        form method="post" action="/login" #login-form {
            input type="hidden" name="csrf" value=(csrf);
            label { "用户名 Username" input type="text" name="username" required autocomplete="username"; }
            label { "密码 Password" input type="password" name="password" required autocomplete="current-password"; }
            button type="submit" { "登录 Log in" }
        }
    };
    (status, Html(layout("登录", body).into_string())).into_response()
}

async fn login_form(session: Session) -> Response {
    match csrf_token(&session).await {
        Ok(csrf) => login_page(StatusCode::OK, &csrf, None),
        Err(e) => page_error(e),
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
    ClientIp(client): ClientIp,
    session: Session,
    PageForm(form): PageForm<LoginForm>,
) -> Response {
    if let Err(e) = check_csrf(&session, form.csrf.as_deref()).await {
        return page_error(e);
    }
    match state.service.log_in(client, &form.username, &form.password).await {
        Ok((_, login)) => match log_in(&session, &login).await {
            Ok(()) => Redirect::to("/staff").into_response(),
            Err(e) => page_error(e),
        },
        Err(e) => {
            let e = AppError::from(e);
            let csrf = csrf_token(&session).await.unwrap_or_default();
            let message = match e {
                AppError::Unauthorized { .. } => "用户名或密码错误 Wrong username or password",
                AppError::TooMany { .. } => "尝试次数过多，请稍后再试 Too many attempts; try again in a few minutes",
                _ => e.message(),
            };
            login_page(e.status(), &csrf, Some(message))
        }
    }
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: Option<String>,
}

async fn logout(session: Session, PageForm(form): PageForm<CsrfForm>) -> Response {
    if let Err(e) = check_csrf(&session, form.csrf.as_deref()).await {
        return page_error(e);
    }
    match log_out(&session).await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e) => page_error(e),
    }
}

/// The logged-in principal, or a redirect to the login page.
async fn who(state: &AppState, session: &Session) -> Result<Principal, Response> {
    match user(session, &state.service).await {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(Redirect::to("/login").into_response()),
        Err(e) => Err(page_error(e)),
    }
}

async fn inbox(State(state): State<AppState>, session: Session) -> Response {
    let who = match who(&state, &session).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let open = vec![Status::Submitted, Status::Registered, Status::Assigned, Status::InProgress, Status::Replied];
    let found =
        match state.service.visible(&who, &InboxQuery { statuses: open, limit: 300, ..Default::default() }).await {
            Ok(f) => f,
            Err(e) => return page_error(e.into()),
        };
    let csrf = csrf_token(&session).await.unwrap_or_default();
    let today = state.service.now().date_naive();
    let body = html! {
        h1 { "待办意见 Open opinions" }
        p.muted { (who.name) " · " (who.role.label_zh()) " · " (found.len()) " 件" }
        form method="post" action="/logout" { input type="hidden" name="csrf" value=(csrf); button type="submit" { "退出 Log out" } }
        table #inbox {
            thead { tr { th { "编号" } th { "类别" } th { "标题" } th { "状态" } th { "期限" } th { "提交时间" } } }
            tbody {
                @for o in &found {
                    tr.overdue[o.due.is_some_and(|d| d < today) && o.status != Status::Replied] {
                        td { a href=(format!("/staff/issues/{}", o.id)) { (o.id) } }
                        td { (o.submission.category.label_zh()) }
                        td { (o.submission.title) }
                        td { (o.status.label_zh()) }
                        td { (o.due.map(|d| d.to_string()).unwrap_or_default()) }
                        td { (o.created_at.format("%Y-%m-%d %H:%M")) }
                    }
                }
            }
        }
    };
    Html(layout("待办意见", body).into_string()).into_response()
}

fn issue_page(
    catalog: &crate::catalog::Catalog,
    who: &Principal,
    t: &Tracked,
    csrf: &str,
    error: Option<&str>,
) -> Markup {
    let (o, history) = (&t.opinion, &t.history);
    let audience = crate::service::staff::audience(who);
    let station =
        o.routing.station.as_ref().and_then(|s| catalog.station(s)).map(|s| s.name.clone()).unwrap_or_default();
    html! {
        h1 { "意见 #" (o.id) " · " (o.submission.title) }
        p { a href="/staff" { "← 待办意见 Inbox" } }
        @if let Some(e) = error { p.error role="alert" { (e) } }
        table {
            tr { th { "状态" } td #status { (o.status.label_zh()) " (" (o.status.code()) ", v" (o.version) ")" } }
            tr { th { "类别" } td { (o.submission.category.label_zh()) } }
            tr { th { "内容" } td { (o.submission.text) } }
            tr { th { "联络站" } td { (station) } }
            tr { th { "联系人" } td { (audience.name(o).unwrap_or("—")) } }
            tr { th { "联系电话" } td { (audience.phone(o).unwrap_or("—")) } }
            @if let Some(d) = &o.department { tr { th { "承办部门" } td { (d) " · " (o.due.map(|d| d.to_string()).unwrap_or_default()) } } }
            @if let Some(r) = &o.reply { tr { th { "答复" } td { (r) } } }
        }
        h2 { "办理 Move on" }
        form method="post" action=(format!("/staff/issues/{}", o.id)) #transition-form {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="version" value=(o.version);
            label { "下一步 Next"
                select name="to" {
                    @for s in [Status::Registered, Status::Assigned, Status::InProgress, Status::Replied, Status::Closed, Status::Rejected] {
                        option value=(s.code()) { (s.label_zh()) }
                    }
                }
            }
            label { "承办部门 Department" input type="text" name="department" maxlength="100"; }
            label { "办理期限 Due" input type="date" name="due"; }
            label { "答复方式 Reply route"
                select name="reply_route" { option value="" { "—" } @for r in ReplyRoute::ALL { option value=(r.code()) { (r.label_zh()) } } }
            }
            label { "答复 Reply" textarea name="reply" maxlength="5000" rows="3" {} }
            label { "说明 Note (reason, explanation)" input type="text" name="note" maxlength="2000"; }
            button type="submit" { "提交 Apply" }
        }
        h2 { "办理过程 History" }
        ol { @for e in history { li { (e.at.format("%Y-%m-%d %H:%M")) " " (e.actor) " " (e.event) " → " (e.to.label_zh()) " " (e.note) } } }
    }
}

async fn issue(State(state): State<AppState>, session: Session, PagePath(id): PagePath<String>) -> Response {
    let who = match who(&state, &session).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let tracked = match state.service.staff_opinion(&who, &id).await {
        Ok(t) => t,
        Err(e) => return page_error(e.into()),
    };
    let csrf = csrf_token(&session).await.unwrap_or_default();
    let page = issue_page(&state.service.catalog(), &who, &tracked, &csrf, None);
    Html(layout("意见办理", page).into_string()).into_response()
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
    session: Session,
    PagePath(id): PagePath<String>,
    PageForm(form): PageForm<MoveForm>,
) -> Response {
    let who = match who(&state, &session).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(e) = check_csrf(&session, form.csrf.as_deref()).await {
        return page_error(e);
    }
    let blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let due = match blank(form.due).map(|d| d.parse::<chrono::NaiveDate>()).transpose() {
        Ok(d) => d,
        Err(_) => return page_error(AppError::bad("invalid_date", "the due date must be a date YYYY-MM-DD")),
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
                    let page = issue_page(&state.service.catalog(), &who, &t, &csrf, Some(e.message()));
                    (e.status(), Html(layout("意见办理", page).into_string())).into_response()
                }
                Err(e) => page_error(e.into()),
            }
        }
    }
}
