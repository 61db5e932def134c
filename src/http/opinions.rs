//! `/api/v1/issues`: citizens submit opinions, track them by tracking code and rate the reply.
//! Public answers never carry contact details or exact positions (rounded to ~100 m).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::client_ip::ClientIp;
use super::error::{ApiJson, ApiQuery, AppError};
use super::params;
use super::AppState;
use crate::catalog::Catalog;
use crate::domain::{
    Category, Channel, Contact, Event, LonLat, NewOpinion, Opinion, Routing, Stars, Status, TrackingCode, WorkflowError,
};
use crate::spatial::{geodesic_distance_m, BBox, Crs, LocalPlane};
use crate::store::{OpinionFilter, StoreError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/issues", post(submit))
        .route("/api/v1/issues/{code}", get(track))
        .route("/api/v1/issues/{code}/rating", post(rate))
}

/// How far apart two open opinions of one category may be to count as possible duplicates.
pub const DUPLICATE_RADIUS_M: f64 = 200.0;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactBody {
    name: Option<String>,
    phone: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitBody {
    category: String,
    title: String,
    text: String,
    lon: f64,
    lat: f64,
    crs: Option<String>,
    channel: Option<String>,
    anonymous: Option<bool>,
    contact: Option<ContactBody>,
}

fn invalid(e: impl std::fmt::Display) -> AppError {
    AppError::Unprocessable { code: "invalid_opinion", message: e.to_string() }
}

pub fn store_error(e: StoreError) -> AppError {
    AppError::internal(e)
}

fn routing_view(catalog: &Catalog, r: &Routing) -> Value {
    json!({
        "town": r.town_code.as_ref().and_then(|c| catalog.area(c)).map(|a| json!({ "code": a.code, "name": a.name })),
        "grid": r.grid.as_ref().and_then(|g| catalog.grid(g)).map(|g| json!({ "id": g.id, "name": g.name })),
        "station": r.station.as_ref().and_then(|s| catalog.station(s)).map(|s| json!({ "id": s.id, "name": s.name, "address": s.address, "phone": s.phone })),
        "members": r.members.iter().filter_map(|m| catalog.member(m)).map(|m| json!({ "id": m.id, "name": m.name, "body": m.body })).collect::<Vec<_>>(),
    })
}

/// A position rounded to a ~100 m grid (3 decimals of a degree), then written in `crs`.
pub fn public_position(p: LonLat, crs: Crs) -> [f64; 2] {
    let p = p.public();
    let (x, y) = crs.from_wgs84(p.lon(), p.lat());
    [(x * 1e5).round() / 1e5, (y * 1e5).round() / 1e5]
}

/// What anyone holding the tracking code may see: no contact, no exact position.
pub fn public_view(catalog: &Catalog, o: &Opinion, history: &[crate::domain::AuditEntry], crs: Crs) -> Value {
    json!({
        "tracking_code": o.code,
        "category": o.submission.category,
        "category_label": o.submission.category.label_zh(),
        "title": o.submission.title,
        "text": o.submission.text,
        "status": o.status,
        "status_label": o.status.label_zh(),
        "version": o.version,
        "location": { "type": "Point", "coordinates": public_position(o.submission.location, crs), "rounded_m": 100 },
        "routing": routing_view(catalog, &o.routing),
        "department": o.department,
        "due": o.due,
        "reply_route": o.reply_route,
        "reply": o.reply,
        "rating": o.rating,
        "created_at": o.created_at.to_rfc3339(),
        "replied_at": o.replied_at.map(|t| t.to_rfc3339()),
        "closed_at": o.closed_at.map(|t| t.to_rfc3339()),
        "history": history.iter().map(|e| json!({ "at": e.at.to_rfc3339(), "event": e.event, "status": e.to })).collect::<Vec<_>>(),
    })
}

/// Open opinions of `category` within [`DUPLICATE_RADIUS_M`] of `q`, nearest first, described
/// without anything that would let the reader act on them (no tracking code).
async fn duplicates(state: &AppState, category: Category, q: LonLat) -> Result<Vec<Value>, AppError> {
    let (dlon, dlat) = LocalPlane::at(q).degrees_for(DUPLICATE_RADIUS_M * 1.01);
    let bbox = BBox::new(q.lon() - dlon, q.lat() - dlat, q.lon() + dlon, q.lat() + dlat).ok();
    let open = vec![Status::Submitted, Status::Registered, Status::Assigned, Status::InProgress, Status::Replied];
    let filter = OpinionFilter { statuses: open, category: Some(category), bbox, limit: 500, ..Default::default() };
    let mut near: Vec<(f64, Opinion)> = state
        .store
        .list_opinions(&filter)
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|o| (geodesic_distance_m(q, o.submission.location), o))
        .filter(|(d, _)| *d <= DUPLICATE_RADIUS_M)
        .collect();
    near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.id.cmp(&b.1.id)));
    Ok(near
        .iter()
        .take(10)
        .map(|(d, o)| {
            json!({
                "title": o.submission.title, "category": o.submission.category, "status": o.status,
                "status_label": o.status.label_zh(), "distance_m": d.round(), "created_at": o.created_at.to_rfc3339(),
            })
        })
        .collect())
}

/// What a submission form or JSON body carries, before checking.
#[derive(Debug, Default)]
pub struct SubmissionInput {
    pub category: String,
    pub title: String,
    pub text: String,
    pub lon: f64,
    pub lat: f64,
    pub crs: Option<String>,
    pub channel: Option<String>,
    pub anonymous: bool,
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// Checks, routes and stores a submission from `client` (rate limited), and returns the opinion
/// and its possible duplicates.
pub async fn submit_opinion(
    state: &AppState,
    client: std::net::IpAddr,
    input: &SubmissionInput,
) -> Result<(Opinion, Vec<Value>), AppError> {
    state.submissions.check(client)?;
    let crs = params::crs(&input.crs)?;
    LonLat::new(input.lon, input.lat).map_err(invalid)?;
    let (x, y) = crs.to_wgs84(input.lon, input.lat);
    let location = LonLat::new(x, y).map_err(invalid)?;
    let category: Category = input.category.parse().map_err(invalid)?;
    let channel: Channel = input.channel.as_deref().unwrap_or("online").parse().map_err(invalid)?;
    let contact = Contact::new(input.name.as_deref(), input.phone.as_deref()).map_err(invalid)?;
    let new = NewOpinion::new(category, &input.title, &input.text, location, channel, input.anonymous, contact)
        .map_err(invalid)?;
    let similar = duplicates(state, category, location).await?;
    Ok((store_submission(state, &new, "citizen").await?, similar))
}

/// Routes a checked submission by place and category and stores it under a fresh tracking code
/// (drawing again on the rare collision): the one way an opinion enters the loop.
pub async fn store_submission(state: &AppState, new: &NewOpinion, actor: &str) -> Result<Opinion, AppError> {
    let routing = state.catalog().route(new.location, new.category);
    let now = state.now();
    let mut tries = 0;
    loop {
        let random =
            getrandom::u64().map_err(|e| AppError::internal(format!("no randomness for a tracking code: {e}")))?;
        match state.store.insert_opinion(new, &TrackingCode::from_random(random), &routing, now, actor).await {
            Err(StoreError::Duplicate(_)) if tries < 3 => tries += 1,
            Ok(opinion) => {
                super::analytics::after_write(state).await;
                return Ok(opinion);
            }
            Err(e) => return Err(store_error(e)),
        }
    }
}

async fn submit(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(body): ApiJson<SubmitBody>,
) -> Result<Response, AppError> {
    let contact = body.contact.unwrap_or(ContactBody { name: None, phone: None });
    let input = SubmissionInput {
        category: body.category,
        title: body.title,
        text: body.text,
        lon: body.lon,
        lat: body.lat,
        crs: body.crs,
        channel: body.channel,
        anonymous: body.anonymous.unwrap_or(false),
        name: contact.name,
        phone: contact.phone,
    };
    let (opinion, similar) = submit_opinion(&state, client, &input).await?;
    let body = json!({
        "id": opinion.id,
        "tracking_code": opinion.code,
        "status": opinion.status,
        "version": opinion.version,
        "routing": routing_view(&state.catalog(), &opinion.routing),
        "duplicates": similar,
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub async fn opinion_by_code(state: &AppState, raw: &str) -> Result<Opinion, AppError> {
    let code = TrackingCode::parse(raw)
        .map_err(|e| AppError::bad("invalid_tracking_code", format!("tracking code {raw:?}: {e}")))?;
    state.store.opinion_by_code(&code).await.map_err(store_error)?.ok_or_else(|| AppError::NotFound {
        code: "not_found",
        message: format!("no opinion with tracking code {code}"),
        extra: Default::default(),
    })
}

#[derive(Debug, Deserialize)]
struct TrackParams {
    crs: Option<String>,
}

async fn track(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiQuery(p): ApiQuery<TrackParams>,
) -> Result<Json<Value>, AppError> {
    let crs = params::crs(&p.crs)?;
    let opinion = opinion_by_code(&state, &code).await?;
    let history = state.store.history(opinion.id).await.map_err(store_error)?;
    Ok(Json(public_view(&state.catalog(), &opinion, &history, crs)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RatingBody {
    stars: u8,
    comment: Option<String>,
    /// The version the citizen saw; omitted, the current one.
    version: Option<i64>,
}

/// Maps a refused workflow change to 409 (illegal now) or 422 (bad field).
pub fn workflow_error(e: WorkflowError) -> AppError {
    match e {
        WorkflowError::Illegal { .. } => AppError::Conflict { code: "illegal_transition", message: e.to_string() },
        other => invalid(other),
    }
}

/// Applies `event` to `opinion` and saves it, unless someone changed it since it was read: then
/// 409 with the version it is at now, and nothing is written.
pub async fn change(state: &AppState, mut opinion: Opinion, event: &Event, actor: &str) -> Result<Opinion, AppError> {
    let entry = opinion.apply(event, actor, state.now()).map_err(workflow_error)?;
    if !state.store.save_change(&opinion, &entry).await.map_err(store_error)? {
        let now_at = state.store.opinion_by_id(opinion.id).await.map_err(store_error)?;
        return Err(stale(now_at.map_or(opinion.version, |o| o.version)));
    }
    super::analytics::after_write(state).await;
    Ok(opinion)
}

async fn rate(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<RatingBody>,
) -> Result<Json<Value>, AppError> {
    let opinion = opinion_by_code(&state, &code).await?;
    if body.version.is_some_and(|v| v != opinion.version) {
        return Err(stale(opinion.version));
    }
    let stars = Stars::new(body.stars).map_err(invalid)?;
    let event = Event::Rate { stars, comment: body.comment.unwrap_or_default() };
    let opinion = change(&state, opinion, &event, "citizen").await?;
    let history = state.store.history(opinion.id).await.map_err(store_error)?;
    Ok(Json(public_view(&state.catalog(), &opinion, &history, Crs::Wgs84)))
}

/// Closes every reply older than `days` that the citizen has not rated (actor `system`), and
/// returns how many. A reply changed meanwhile is left for the next round.
pub async fn close_unrated_replies(state: &AppState, days: u32) -> Result<usize, AppError> {
    let cutoff = state.now() - chrono::Duration::days(i64::from(days));
    let replied = OpinionFilter { statuses: vec![Status::Replied], limit: 10_000, ..Default::default() };
    let mut closed = 0;
    for opinion in state.store.list_opinions(&replied).await.map_err(store_error)? {
        if opinion.replied_at.is_some_and(|t| t <= cutoff)
            && change(state, opinion, &Event::AutoClose, "system").await.is_ok()
        {
            closed += 1;
        }
    }
    Ok(closed)
}

/// The answer to a change based on an old version.
pub fn stale(current: i64) -> AppError {
    AppError::Conflict {
        code: "version_conflict",
        message: format!(
            "the opinion changed since you read it (it is now at version {current}); reload and try again"
        ),
    }
}
