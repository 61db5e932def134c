//! The citizen's pages, without JavaScript: submit an opinion (prefilled from a station's QR-code
//! link `/s/{station_id}`), track it by code, rate the reply; and the station's QR code as SVG.

use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use serde::Deserialize;

use super::{error_page, error_text, layout, session_start, PageForm, PagePath};
use crate::domain::follow::{Follow, NoticeChannel};
use crate::domain::{Category, Channel, Contact, Member, MemberId, NewOpinion, Station, StationId, Status};
use crate::http::client_ip::ClientIp;
use crate::http::error::AppError;
use crate::http::params;
use crate::http::photos as photo_api;
use crate::http::AppState;
use crate::i18n::{label, t, t_args, Lang};
use crate::service::follow::Following;
use crate::service::opinions::Submitter;
use crate::service::photos::photo_url;
use crate::spatial::Crs;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/submit", post(submit).layer(DefaultBodyLimit::max(MAX_SUBMIT_BODY_BYTES)).get(blank_form))
        .route("/s/{station}", get(station_form))
        .route("/s/{station}/qr.svg", get(qr))
        .route("/s/{station}/duty", get(duty_form))
        .route("/s/{station}/duty/qr.svg", get(duty_qr))
        .route("/m/{member}", get(member_form))
        .route("/m/{member}/qr.svg", get(member_qr))
        .route("/track", get(track_lookup))
        .route("/track/{code}", get(track))
        .route("/track/{code}/rate", post(rate))
        .route("/unsubscribe/{token}", get(unsubscribe_form).post(unsubscribe))
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
    /// The member the opinion is addressed to (from a member's or the on-duty QR code).
    member: Option<String>,
    /// Where to send notices of how the opinion goes (private).
    follow_email: Option<String>,
    follow_phone: Option<String>,
}

/// Where a submit form comes from: a station, and the members it is addressed to (one, or the
/// members on duty to choose from).
#[derive(Default)]
struct Addressed<'a> {
    station: Option<&'a Station>,
    members: Vec<&'a Member>,
    /// Shown above the form (e.g. today's session, or why no one is on duty).
    note: Option<Markup>,
    /// Shown below the form: the station's notices in force and its projects.
    published: Option<Markup>,
}

/// The submit form; `follow_by` are the channels citizens may follow their opinion by (the
/// service's configured senders): a field for each.
fn form_page(
    follow_by: &[NoticeChannel],
    lang: Lang,
    status: StatusCode,
    form: &SubmitForm,
    to: &Addressed<'_>,
    error: Option<&str>,
) -> Response {
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let body = html! {
        h1 { (t(lang, "submit-title")) }
        @if let Some(s) = to.station {
            p #station { (t(lang, "submit-from")) strong { (s.name) } " · " (s.address) }
        }
        @if let Some(note) = &to.note { (note) }
        @if let Some(e) = error { p.error role="alert" { (e) } }
        form method="post" action="/submit" enctype="multipart/form-data" #submit-form {
            input type="hidden" name="station" value=(value(&form.station));
            input type="hidden" name="channel" value=(form.channel.clone().unwrap_or_else(|| "online".into()));
            @match to.members.as_slice() {
                [] => {}
                [one] => {
                    p #addressee data-member-id=(one.id) { (t(lang, "submit-to")) strong { (one.name) } " · " (member_line(lang, one)) }
                    input type="hidden" name="member" value=(one.id);
                }
                several => {
                    label { (t(lang, "submit-to-choose"))
                        select name="member" #addressee-choice {
                            @for m in several {
                                option value=(m.id) selected[form.member.as_deref() == Some(m.id.as_str())] { (m.name) " · " (member_line(lang, m)) }
                            }
                        }
                    }
                }
            }
            label { (t(lang, "submit-category"))
                select name="category" required {
                    @for c in Category::ALL {
                        option value=(c.code()) selected[form.category.as_deref() == Some(c.code())] { (label(lang, "category", c.code())) }
                    }
                }
            }
            label { (t(lang, "submit-subject")) input type="text" name="title" maxlength="100" required value=(value(&form.title)); }
            label { (t(lang, "submit-text")) textarea name="text" maxlength="5000" rows="5" required { (value(&form.text)) } }
            label { (t(lang, "submit-longitude")) input type="text" name="lon" required value=(value(&form.lon)) inputmode="decimal"; }
            label { (t(lang, "submit-latitude")) input type="text" name="lat" required value=(value(&form.lat)) inputmode="decimal"; }
            label { (t(lang, "submit-name")) input type="text" name="name" maxlength="50" value=(value(&form.name)); }
            label { (t(lang, "submit-phone")) input type="tel" name="phone" maxlength="30" value=(value(&form.phone)); }
            label.inline { input type="checkbox" name="anonymous" value="true" checked[form.anonymous.is_some()]; " " (t(lang, "submit-anonymous")) }
            @if !follow_by.is_empty() {
                fieldset #follow {
                    legend { (t(lang, "follow-legend")) }
                    @if follow_by.contains(&NoticeChannel::Email) {
                        label { (t(lang, "follow-email")) input type="email" name="follow_email" maxlength="254" autocomplete="email" value=(value(&form.follow_email)); }
                    }
                    @if follow_by.contains(&NoticeChannel::Sms) {
                        label { (t(lang, "follow-phone")) input type="tel" name="follow_phone" maxlength="30" autocomplete="tel" value=(value(&form.follow_phone)); }
                    }
                    p.muted { (t(lang, "follow-hint")) }
                }
            }
            label { (t(lang, "submit-photos")) input type="file" name="photo" accept="image/jpeg,image/png,image/webp" multiple; }
            p.muted #photos-hint { (t(lang, "submit-photos-hint")) }
            button type="submit" { (t(lang, "submit-button")) }
        }
        @if let Some(p) = &to.published { (p) }
    };
    (status, Html(layout(lang, &t(lang, "submit-title"), body).into_string())).into_response()
}

/// The form, blank or with a position from the map (`/submit?lon=&lat=`, WGS84); anything else
/// in the query is ignored.
async fn blank_form(
    State(state): State<AppState>,
    lang: Lang,
    query: Result<Query<PositionQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let p = query.map(|Query(p)| p).unwrap_or_default();
    let form = SubmitForm { lon: p.lon, lat: p.lat, ..Default::default() };
    form_page(&state.service.notice_channels(), lang, StatusCode::OK, &form, &Addressed::default(), None)
}

/// A position handed to the form by a link.
#[derive(Debug, Default, Deserialize)]
struct PositionQuery {
    lon: Option<String>,
    lat: Option<String>,
}

async fn station_form(State(state): State<AppState>, lang: Lang, PagePath(id): PagePath<String>) -> Response {
    let catalog = state.service.catalog();
    let Some(station) = StationId::new(&id).ok().and_then(|id| catalog.station(&id)) else {
        return no_station(lang, &id);
    };
    let form = form_at(Some(station));
    let published = super::published::of_station(&state, lang, &station.id).await;
    form_page(
        &state.service.notice_channels(),
        lang,
        StatusCode::OK,
        &form,
        &Addressed { station: Some(station), published, ..Default::default() },
        None,
    )
}

/// A member's body, level and sector, in one line.
fn member_line(lang: Lang, m: &Member) -> String {
    let mut parts = vec![label(lang, "body", m.body.code()), label(lang, "level", m.level.code())];
    if !m.sector.is_empty() {
        parts.push(m.sector.clone());
    }
    parts.join(" · ")
}

/// The form prefilled at a station: its position, the QR channel.
fn form_at(station: Option<&Station>) -> SubmitForm {
    SubmitForm {
        station: station.map(|s| s.id.to_string()),
        channel: Some("qr".into()),
        lon: station.map(|s| format!("{:.6}", s.location.lon())),
        lat: station.map(|s| format!("{:.6}", s.location.lat())),
        ..Default::default()
    }
}

/// The form addressed to one member (their QR code `/m/{member}`): the opinion goes to them alone.
async fn member_form(State(state): State<AppState>, lang: Lang, PagePath(id): PagePath<String>) -> Response {
    let catalog = state.service.catalog();
    let Some(member) = MemberId::new(&id).ok().and_then(|id| catalog.member(&id)) else {
        return no_member(lang, &id);
    };
    let station = member.station.as_ref().and_then(|s| catalog.station(s));
    let form = SubmitForm { member: Some(member.id.to_string()), ..form_at(station) };
    let card = html! { p.muted { a href=(format!("/members/{}", member.id)) { (t(lang, "submit-member-card")) } } };
    form_page(
        &state.service.notice_channels(),
        lang,
        StatusCode::OK,
        &form,
        &Addressed { station, members: vec![member], note: Some(card), ..Default::default() },
        None,
    )
}

/// The form addressed to whoever is on duty at a station today (its "on duty today" QR code,
/// printed once): today's members to choose from, or when the next session is.
async fn duty_form(State(state): State<AppState>, lang: Lang, PagePath(id): PagePath<String>) -> Response {
    let lookups = state.service.lookups();
    let duty = match lookups.on_duty_today(&id) {
        Ok(d) => d,
        Err(_) => return no_station(lang, &id),
    };
    let when =
        |s: &crate::domain::schedule::Session| format!("{}–{}", session_start(lang, s.start), s.end.format("%H:%M"));
    let note = html! {
        @match (&duty.session, &duty.next) {
            (Some(today), _) if !duty.members.is_empty() => {
                p #on-duty data-state="on-duty" { (t_args(lang, "duty-today", &[("when", when(today).as_str().into())])) }
            }
            (Some(today), _) => {
                p #on-duty data-state="nobody" { (t_args(lang, "duty-today-nobody", &[("when", when(today).as_str().into())])) }
            }
            (None, Some(next)) => {
                p #on-duty data-state="none-today" { (t_args(lang, "duty-none-today", &[("next", when(next).as_str().into())])) }
            }
            (None, None) => {
                p #on-duty data-state="no-sessions" { (t(lang, "duty-no-sessions")) }
            }
        }
    };
    let form = form_at(Some(duty.station));
    let to = Addressed {
        station: Some(duty.station),
        members: duty.members.clone(),
        note: Some(note),
        ..Default::default()
    };
    form_page(&state.service.notice_channels(), lang, StatusCode::OK, &form, &to, None)
}

fn no_member(lang: Lang, id: &str) -> Response {
    let message = crate::i18n::t_args(lang, "error-no-member", &[("id", id.into())]);
    error_page(lang, StatusCode::NOT_FOUND, "error-title-no-member", &message)
}

fn no_station(lang: Lang, id: &str) -> Response {
    let message = crate::i18n::t_args(lang, "error-no-station", &[("id", id.into())]);
    error_page(lang, StatusCode::NOT_FOUND, "error-title-no-station", &message)
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

impl SubmitForm {
    /// The addresses left to follow the opinion by; notices come in the page's language.
    fn following(&self, lang: Lang) -> Result<Following, AppError> {
        let follow = Follow::checked(self.follow_email.as_deref(), self.follow_phone.as_deref())
            .map_err(|e| AppError::Unprocessable { code: "invalid_opinion", message: e.to_string() })?;
        Ok(Following { follow, lang })
    }
}

/// The most a submission may carry: the fields and three photos of at most 10 MB.
const MAX_SUBMIT_BODY_BYTES: usize =
    crate::domain::photo::MAX_PHOTOS_PER_OPINION * crate::domain::photo::MAX_UPLOAD_BYTES + 64 * 1024;

/// The submit form as browsers send it: `multipart/form-data` with the photos chosen (empty file
/// inputs send no bytes), or URL-encoded without photos (older links and scripts).
struct SubmitRequest {
    form: SubmitForm,
    photos: Vec<Vec<u8>>,
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for SubmitRequest {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Response> {
        let lang = crate::http::lang::negotiate(req.uri(), req.headers());
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
        if !multipart {
            let PageForm(form) = PageForm::<SubmitForm>::from_request(req, state).await?;
            return Ok(SubmitRequest { form, photos: Vec::new() });
        }
        let refused = |e: AppError| error_page(lang, e.status(), "error-title-form", &error_text(lang, &e));
        let mut body = Multipart::from_request(req, state)
            .await
            .map_err(|e| error_page(lang, StatusCode::BAD_REQUEST, "error-title-form", &e.body_text()))?;
        let mut fields = serde_json::Map::new();
        let mut photos = Vec::new();
        while let Some(field) = body.next_field().await.map_err(|e| refused(photo_api::multipart_error(e)))? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "photo" {
                let bytes = photo_api::read_file(field).await.map_err(refused)?;
                if !bytes.is_empty() {
                    photos.push(bytes);
                }
            } else {
                let text = field.text().await.map_err(|e| refused(photo_api::multipart_error(e)))?;
                fields.insert(name, text.into());
            }
        }
        let form = serde_json::from_value(fields.into())
            .map_err(|e| error_page(lang, StatusCode::BAD_REQUEST, "error-title-form", &e.to_string()))?;
        Ok(SubmitRequest { form, photos })
    }
}

async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(client): ClientIp,
    SubmitRequest { form, photos }: SubmitRequest,
) -> Response {
    let catalog = state.service.catalog();
    let station = form.station.as_deref().and_then(|s| StationId::new(s).ok()).and_then(|s| catalog.station(&s));
    let to = form.member.as_deref().map(str::trim).filter(|m| !m.is_empty());
    let result = match form.checked().and_then(|new| Ok((new, form.following(lang)?))) {
        Ok((new, following)) => state
            .service
            .submit_with_photos(Submitter::Citizen(client), new, to, &following, photos)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(submitted) => Redirect::to(&format!("/track/{}?new=1", submitted.opinion.code)).into_response(),
        Err(e) => {
            let members = to.and_then(|m| MemberId::new(m).ok()).and_then(|m| catalog.member(&m)).into_iter().collect();
            let to = Addressed { station, members, ..Default::default() };
            form_page(&state.service.notice_channels(), lang, e.status(), &form, &to, Some(&error_text(lang, &e)))
        }
    }
}

#[derive(Debug, Deserialize)]
struct LookupParams {
    code: Option<String>,
}

async fn track_lookup(State(state): State<AppState>, lang: Lang, Query(p): Query<LookupParams>) -> Response {
    if let Some(code) = p.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        // Redirect only to a code that parses (digits and dashes), never to what was typed.
        return match state.service.opinion_by_code(code).await {
            Ok(o) => Redirect::to(&format!("/track/{}", o.code)).into_response(),
            Err(e) => {
                let e = AppError::from(e);
                error_page(lang, e.status(), "error-title-not-found", &error_text(lang, &e))
            }
        };
    }
    let body = html! {
        h1 { (t(lang, "track-title")) }
        form method="get" action="/track" {
            label { (t(lang, "track-code")) input type="text" name="code" placeholder="1234-5678-9012-3456" inputmode="numeric" required; }
            button type="submit" { (t(lang, "track-button")) }
        }
    };
    Html(layout(lang, &t(lang, "track-title"), body).into_string()).into_response()
}

/// What a history entry's event reads as.
fn event_label(lang: Lang, event: &str) -> String {
    const KNOWN: [&str; 9] =
        ["submit", "register", "assign", "start", "reply", "rate", "close", "auto_close", "reject"];
    label(lang, "event", if KNOWN.contains(&event) { event } else { "other" })
}

#[derive(Debug, Deserialize)]
struct TrackParams {
    new: Option<String>,
}

fn track_page(
    lang: Lang,
    catalog: &crate::catalog::Catalog,
    tracked: &crate::service::opinions::Tracked,
    new: bool,
    error: Option<&str>,
) -> Markup {
    let (o, history) = (&tracked.opinion, &tracked.history);
    let station = o.routing.station.as_ref().and_then(|s| catalog.station(s));
    html! {
        h1 { (t(lang, "opinion-title")) }
        @if new { p.notice #new { (t(lang, "opinion-submitted")) strong #code { (o.code) } } }
        @if let Some(e) = error { p.error role="alert" { (e) } }
        table {
            tr { th { (t(lang, "opinion-code")) } td { (o.code) } }
            tr { th { (t(lang, "opinion-category")) } td { (label(lang, "category", o.submission.category.code())) } }
            tr { th { (t(lang, "opinion-subject")) } td { (o.submission.title) } }
            tr { th { (t(lang, "opinion-status")) } td #status { (label(lang, "status", o.status.code())) } }
            @if let Some(s) = station { tr { th { (t(lang, "opinion-station")) } td { (s.name) } } }
            @if let Some(d) = &o.department { tr { th { (t(lang, "opinion-department")) } td { (d) } } }
            @if let Some(r) = &o.reply { tr { th { (t(lang, "opinion-reply")) } td #reply { (r) } } }
            @if let Some(r) = o.rating { tr { th { (t(lang, "opinion-rating")) } td { (r.get()) " / 5" } } }
        }
        @if !tracked.photos.is_empty() {
            h2 { (t(lang, "photos-title")) }
            p #photos { @for p in &tracked.photos {
                a href=(photo_url(&p.hash, false)) {
                    img src=(photo_url(&p.hash, true)) alt=(t(lang, "photos-alt")) loading="lazy" style="max-width:160px;margin:0 .4rem .4rem 0";
                }
            } }
        }
        h2 { (t(lang, "opinion-history")) }
        ol #history { @for e in history { li { (e.at.format("%Y-%m-%d %H:%M")) " " (event_label(lang, &e.event)) } } }
        @if o.status == Status::Replied {
            h2 { (t(lang, "rate-title")) }
            form method="post" action=(format!("/track/{}/rate", o.code)) #rate-form {
                label { (t(lang, "rate-stars"))
                    select name="stars" { @for n in (1..=5).rev() { option value=(n) { (n) } } }
                }
                label { (t(lang, "rate-comment")) input type="text" name="comment" maxlength="1000"; }
                button type="submit" { (t(lang, "rate-button")) }
            }
            p.muted { (t(lang, "rate-reopens")) }
        }
    }
}

async fn track(
    State(state): State<AppState>,
    lang: Lang,
    PagePath(code): PagePath<String>,
    Query(p): Query<TrackParams>,
) -> Response {
    match state.service.track(&code).await {
        Ok(t) => {
            let page = track_page(lang, &state.service.catalog(), &t, p.new.is_some(), None);
            Html(layout(lang, &crate::i18n::t(lang, "opinion-title"), page).into_string()).into_response()
        }
        Err(e) => {
            let e = AppError::from(e);
            error_page(lang, e.status(), "error-title-not-found", &error_text(lang, &e))
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
    lang: Lang,
    PagePath(code): PagePath<String>,
    PageForm(form): PageForm<RateForm>,
) -> Response {
    let Some(stars) = form.stars.as_deref().and_then(|s| s.trim().parse::<u8>().ok()) else {
        return error_page(lang, StatusCode::BAD_REQUEST, "error-title-rating", &t(lang, "error-rating-stars"));
    };
    match state.service.rate(&code, stars, form.comment.as_deref(), None).await {
        Ok(t) => Redirect::to(&format!("/track/{}", t.opinion.code)).into_response(),
        Err(e) => {
            let e = AppError::from(e);
            match state.service.track(&code).await {
                Ok(t) => {
                    let message = error_text(lang, &e);
                    let page = track_page(lang, &state.service.catalog(), &t, false, Some(&message));
                    (e.status(), Html(layout(lang, &crate::i18n::t(lang, "opinion-title"), page).into_string()))
                        .into_response()
                }
                Err(_) => error_page(lang, e.status(), "error-title-not-found", &error_text(lang, &e)),
            }
        }
    }
}

/// The page a notice's unsubscribe link opens: one button, so that a mail scanner following the
/// link stops nothing.
async fn unsubscribe_form(lang: Lang, PagePath(token): PagePath<String>) -> Response {
    let body = html! {
        h1 { (t(lang, "unsubscribe-title")) }
        p { (t(lang, "unsubscribe-question")) }
        form method="post" action=(format!("/unsubscribe/{}", token.trim())) #unsubscribe-form {
            button type="submit" { (t(lang, "unsubscribe-button")) }
        }
    };
    Html(layout(lang, &t(lang, "unsubscribe-title"), body).into_string()).into_response()
}

/// Stops the notices (the button, or a mail client's one-click POST of RFC 8058, whose body says
/// nothing this needs).
async fn unsubscribe(State(state): State<AppState>, lang: Lang, PagePath(token): PagePath<String>) -> Response {
    match state.service.stop_following(&token).await {
        Ok(()) => {
            let body = html! {
                h1 { (t(lang, "unsubscribe-title")) }
                p #unsubscribed data-state="stopped" { (t(lang, "unsubscribe-done")) }
            };
            Html(layout(lang, &t(lang, "unsubscribe-title"), body).into_string()).into_response()
        }
        Err(e) => {
            let e = AppError::from(e);
            error_page(lang, e.status(), "unsubscribe-unknown", &error_text(lang, &e))
        }
    }
}

/// The QR code of a station's submit page, as SVG; the link is on the configured public URL,
/// never on the Host a request names.
async fn qr(State(state): State<AppState>, lang: Lang, PagePath(id): PagePath<String>) -> Response {
    match StationId::new(&id).ok().and_then(|id| state.service.catalog().station(&id).map(|s| s.id.clone())) {
        Some(station) => qr_svg(lang, &format!("{}/s/{station}", state.public_url)),
        None => no_station(lang, &id),
    }
}

/// The QR code of a station's "on duty today" page.
async fn duty_qr(State(state): State<AppState>, lang: Lang, PagePath(id): PagePath<String>) -> Response {
    match StationId::new(&id).ok().and_then(|id| state.service.catalog().station(&id).map(|s| s.id.clone())) {
        Some(station) => qr_svg(lang, &format!("{}/s/{station}/duty", state.public_url)),
        None => no_station(lang, &id),
    }
}

/// The QR code of a member's own submit page.
async fn member_qr(State(state): State<AppState>, lang: Lang, PagePath(id): PagePath<String>) -> Response {
    match MemberId::new(&id).ok().and_then(|id| state.service.catalog().member(&id).map(|m| m.id.clone())) {
        Some(member) => qr_svg(lang, &format!("{}/m/{member}", state.public_url)),
        None => no_member(lang, &id),
    }
}

/// A QR code of `url` as SVG.
fn qr_svg(lang: Lang, url: &str) -> Response {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => {
            let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(240, 240).build();
            ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "qr code");
            error_page(lang, StatusCode::INTERNAL_SERVER_ERROR, "error-title-server", &t(lang, "error-qr"))
        }
    }
}
