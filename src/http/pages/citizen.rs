//! The citizen's pages, without JavaScript: submit an opinion (prefilled from a station's QR-code
//! link `/s/{station_id}`), track it by code, rate the reply; and the station's QR code as SVG.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use serde::Deserialize;

use super::{error_page, layout, PageForm, PagePath};
use crate::domain::{Category, Channel, Contact, NewOpinion, Opinion, Station, StationId, Status};
use crate::http::client_ip::ClientIp;
use crate::http::error::AppError;
use crate::http::params;
use crate::http::AppState;
use crate::service::opinions::Submitter;
use crate::spatial::Crs;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/submit", get(blank_form).post(submit))
        .route("/s/{station}", get(station_form))
        .route("/s/{station}/qr.svg", get(qr))
        .route("/track", get(track_lookup))
        .route("/track/{code}", get(track))
        .route("/track/{code}/rate", post(rate))
}

/// What the submit form shows and sends back.
#[derive(Debug, Default, Deserialize)]
struct SubmitForm {
    category: Option<String>,
    title: Option<String>,
    text: Option<String>,
    lon: Option<String>,
    lat: Option<String>,
    station: Option<String>,
    channel: Option<String>,
    anonymous: Option<String>,
    name: Option<String>,
    phone: Option<String>,
}

fn form_page(status: StatusCode, form: &SubmitForm, station: Option<&Station>, error: Option<&str>) -> Response {
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let body = html! {
        h1 { "提交意见建议 Submit an opinion" }
        @if let Some(s) = station {
            p #station { "来自 From: " strong { (s.name) } " · " (s.address) }
        }
        @if let Some(e) = error { p.error role="alert" { (e) } }
        form method="post" action="/submit" #submit-form {
            input type="hidden" name="station" value=(value(&form.station));
            input type="hidden" name="channel" value=(form.channel.clone().unwrap_or_else(|| "online".into()));
            label { "类别 Category"
                select name="category" required {
                    @for c in Category::ALL {
                        option value=(c.code()) selected[form.category.as_deref() == Some(c.code())] { (c.label_zh()) }
                    }
                }
            }
            label { "标题 Title" input type="text" name="title" maxlength="100" required value=(value(&form.title)); }
            label { "内容 What happened" textarea name="text" maxlength="5000" rows="5" required { (value(&form.text)) } }
            label { "经度 Longitude (WGS84)" input type="text" name="lon" required value=(value(&form.lon)) inputmode="decimal"; }
            label { "纬度 Latitude (WGS84)" input type="text" name="lat" required value=(value(&form.lat)) inputmode="decimal"; }
            label { "姓名（选填）Name (optional)" input type="text" name="name" maxlength="50" value=(value(&form.name)); }
            label { "电话（选填，不公开）Phone (optional, never shown)" input type="tel" name="phone" maxlength="30" value=(value(&form.phone)); }
            label.inline { input type="checkbox" name="anonymous" value="true" checked[form.anonymous.is_some()]; " 匿名 Anonymous" }
            button type="submit" { "提交 Submit" }
        }
        p { a href="/track" { "查询办理进度 Track an opinion" } " · " a href="/" { "地图 Map" } " · " a href="/list" { "站点列表 Stations" } }
    };
    (status, Html(layout("提交意见建议", body).into_string())).into_response()
}

/// The form, blank or with a position from the map (`/submit?lon=&lat=`, WGS84); anything else
/// in the query is ignored.
async fn blank_form(query: Result<Query<PositionQuery>, axum::extract::rejection::QueryRejection>) -> Response {
    let p = query.map(|Query(p)| p).unwrap_or_default();
    let form = SubmitForm { lon: p.lon, lat: p.lat, ..Default::default() };
    form_page(StatusCode::OK, &form, None, None)
}

/// A position handed to the form by a link.
#[derive(Debug, Default, Deserialize)]
struct PositionQuery {
    lon: Option<String>,
    lat: Option<String>,
}

async fn station_form(State(state): State<AppState>, PagePath(id): PagePath<String>) -> Response {
    let catalog = state.service.catalog();
    let Some(station) = StationId::new(&id).ok().and_then(|id| catalog.station(&id).cloned()) else {
        return error_page(StatusCode::NOT_FOUND, "站点不存在 No such station", &format!("No station {id:?}."));
    };
    let form = SubmitForm {
        station: Some(station.id.to_string()),
        channel: Some("qr".into()),
        lon: Some(format!("{:.6}", station.location.lon())),
        lat: Some(format!("{:.6}", station.location.lat())),
        ..Default::default()
    };
    form_page(StatusCode::OK, &form, Some(&station), None)
}

impl SubmitForm {
    /// The checked submission (positions in WGS84, as the form says).
    fn checked(&self) -> Result<NewOpinion, AppError> {
        let invalid =
            |e: &dyn std::fmt::Display| AppError::Unprocessable { code: "invalid_opinion", message: e.to_string() };
        let number = |v: &Option<String>, name: &str| -> Result<f64, AppError> {
            v.as_deref()
                .and_then(|s| s.trim().parse::<f64>().ok())
                .filter(|x| x.is_finite())
                .ok_or_else(|| AppError::bad("invalid_number", format!("{name} must be a number")))
        };
        let location = params::lonlat(number(&self.lon, "longitude")?, number(&self.lat, "latitude")?, Crs::Wgs84)
            .map_err(|e| invalid(&e))?;
        let category: Category = self.category.as_deref().unwrap_or_default().parse().map_err(|e| invalid(&e))?;
        let channel = if self.channel.as_deref() == Some("qr") { Channel::Qr } else { Channel::Online };
        let contact = Contact::new(self.name.as_deref(), self.phone.as_deref()).map_err(|e| invalid(&e))?;
        NewOpinion::new(
            category,
            self.title.as_deref().unwrap_or_default(),
            self.text.as_deref().unwrap_or_default(),
            location,
            channel,
            self.anonymous.is_some(),
            contact,
        )
        .map_err(|e| invalid(&e))
    }
}

async fn submit(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    PageForm(form): PageForm<SubmitForm>,
) -> Response {
    let station = form
        .station
        .as_deref()
        .and_then(|s| StationId::new(s).ok())
        .and_then(|s| state.service.catalog().station(&s).cloned());
    let result = match form.checked() {
        Ok(new) => state.service.submit(Submitter::Citizen(client), new).await.map_err(AppError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(submitted) => Redirect::to(&format!("/track/{}?new=1", submitted.opinion.code)).into_response(),
        Err(e) => form_page(e.status(), &form, station.as_ref(), Some(e.message())),
    }
}

#[derive(Debug, Deserialize)]
struct LookupParams {
    code: Option<String>,
}

async fn track_lookup(State(state): State<AppState>, Query(p): Query<LookupParams>) -> Response {
    if let Some(code) = p.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        // Redirect only to a code that parses (digits and dashes), never to what was typed.
        return match state.service.opinion_by_code(code).await {
            Ok(o) => Redirect::to(&format!("/track/{}", o.code)).into_response(),
            Err(e) => {
                let e = AppError::from(e);
                error_page(e.status(), "查询不到 Not found", e.message())
            }
        };
    }
    let body = html! {
        h1 { "查询办理进度 Track an opinion" }
        form method="get" action="/track" {
            label { "查询码 Tracking code" input type="text" name="code" placeholder="1234-5678-9012-3456" inputmode="numeric" required; }
            button type="submit" { "查询 Track" }
        }
    };
    Html(layout("查询办理进度", body).into_string()).into_response()
}

fn event_label(event: &str) -> &'static str {
    match event {
        "submit" => "提交",
        "register" => "受理",
        "assign" => "交办",
        "start" => "办理",
        "reply" => "答复",
        "rate" => "评价",
        "close" => "办结",
        "auto_close" => "逾期未评价，自动办结",
        "reject" => "不予受理",
        _ => "处理",
    }
}

#[derive(Debug, Deserialize)]
struct TrackParams {
    new: Option<String>,
}

fn track_page(
    catalog: &crate::catalog::Catalog,
    o: &Opinion,
    history: &[crate::domain::AuditEntry],
    new: bool,
    error: Option<&str>,
) -> Markup {
    let station = o.routing.station.as_ref().and_then(|s| catalog.station(s));
    html! {
        h1 { "意见办理进度 Your opinion" }
        @if new { p.notice #new { "已提交。请记下查询码 Submitted. Keep your tracking code: " strong #code { (o.code) } } }
        @if let Some(e) = error { p.error role="alert" { (e) } }
        table {
            tr { th { "查询码" } td { (o.code) } }
            tr { th { "类别" } td { (o.submission.category.label_zh()) } }
            tr { th { "标题" } td { (o.submission.title) } }
            tr { th { "状态 Status" } td #status { (o.status.label_zh()) } }
            @if let Some(s) = station { tr { th { "联络站" } td { (s.name) } } }
            @if let Some(d) = &o.department { tr { th { "承办部门" } td { (d) } } }
            @if let Some(r) = &o.reply { tr { th { "答复 Reply" } td #reply { (r) } } }
            @if let Some(r) = o.rating { tr { th { "评价" } td { (r.get()) " / 5" } } }
        }
        h2 { "办理过程 History" }
        ol #history { @for e in history { li { (e.at.format("%Y-%m-%d %H:%M")) " " (event_label(&e.event)) } } }
        @if o.status == Status::Replied {
            h2 { "评价答复 Rate the reply" }
            form method="post" action=(format!("/track/{}/rate", o.code)) #rate-form {
                label { "满意度 Stars (1–5)"
                    select name="stars" { @for n in (1..=5).rev() { option value=(n) { (n) } } }
                }
                label { "意见（选填）Comment" input type="text" name="comment" maxlength="1000"; }
                button type="submit" { "提交评价 Rate" }
            }
            p.muted { "1–2 星将重新办理。1–2 stars reopen the opinion." }
        }
    }
}

async fn track(
    State(state): State<AppState>,
    PagePath(code): PagePath<String>,
    Query(p): Query<TrackParams>,
) -> Response {
    match state.service.track(&code).await {
        Ok(t) => {
            let page = track_page(&state.service.catalog(), &t.opinion, &t.history, p.new.is_some(), None);
            Html(layout("意见办理进度", page).into_string()).into_response()
        }
        Err(e) => {
            let e = AppError::from(e);
            error_page(e.status(), "查询不到 Not found", e.message())
        }
    }
}

#[derive(Debug, Deserialize)]
struct RateForm {
    stars: Option<String>,
    comment: Option<String>,
}

async fn rate(
    State(state): State<AppState>,
    PagePath(code): PagePath<String>,
    PageForm(form): PageForm<RateForm>,
) -> Response {
    let Some(stars) = form.stars.as_deref().and_then(|s| s.trim().parse::<u8>().ok()) else {
        return error_page(StatusCode::BAD_REQUEST, "评价有误 Invalid rating", "choose 1 to 5 stars");
    };
    match state.service.rate(&code, stars, form.comment.as_deref(), None).await {
        Ok(t) => Redirect::to(&format!("/track/{}", t.opinion.code)).into_response(),
        Err(e) => {
            let e = AppError::from(e);
            match state.service.track(&code).await {
                Ok(t) => {
                    let page = track_page(&state.service.catalog(), &t.opinion, &t.history, false, Some(e.message()));
                    (e.status(), Html(layout("意见办理进度", page).into_string())).into_response()
                }
                Err(_) => error_page(e.status(), "查询不到 Not found", e.message()),
            }
        }
    }
}

/// The QR code of a station's submit page, as SVG; the link is on the configured public URL,
/// never on the Host a request names.
async fn qr(State(state): State<AppState>, PagePath(id): PagePath<String>) -> Response {
    let catalog = state.service.catalog();
    let Some(station) = StationId::new(&id).ok().and_then(|id| catalog.station(&id).cloned()) else {
        return error_page(StatusCode::NOT_FOUND, "站点不存在 No such station", &format!("No station {id:?}."));
    };
    let url = format!("{}/s/{}", state.public_url, station.id);
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => {
            let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(240, 240).build();
            ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "qr code");
            error_page(StatusCode::INTERNAL_SERVER_ERROR, "出错了 Error", "the QR code could not be made")
        }
    }
}
