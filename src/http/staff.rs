//! `/api/v1/staff/issues`: the working side of the loop for staff, members, leaders and admins:
//! an inbox with filters, one opinion with contact and full history, and workflow transitions
//! guarded by role, scope and version.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{scope_of, Authenticated};
use super::error::{ApiJson, ApiQuery, AppError};
use super::opinions::{change, public_view, stale};
use super::params;
use super::AppState;
use crate::catalog::Catalog;
use crate::domain::{AuditEntry, Category, Event, Opinion, Principal, ReplyRoute, Role, Scope, StationId, Status};
use crate::spatial::Crs;
use crate::store::OpinionFilter;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/staff/issues", get(inbox))
        .route("/api/v1/staff/issues/{id}", get(one))
        .route("/api/v1/staff/issues/{id}/transitions", post(transition))
}

pub fn require_loop_role(p: &Principal) -> Result<(), AppError> {
    if p.role == Role::Integrator {
        return Err(AppError::Forbidden("integrator tokens reach Open311 only, not the staff API".into()));
    }
    Ok(())
}

/// An opinion as people working on it see it: the public view plus contact and full history.
fn staff_view(catalog: &Catalog, o: &Opinion, history: &[AuditEntry]) -> Value {
    let mut v = public_view(catalog, o, history, Crs::Wgs84);
    v["id"] = o.id.into();
    v["location"] =
        json!({ "type": "Point", "coordinates": [o.submission.location.lon(), o.submission.location.lat()] });
    v["channel"] = json!(o.submission.channel);
    v["anonymous"] = o.submission.anonymous.into();
    // An anonymous citizen's name is withheld even from staff; a phone number, if given, stays so
    // that the reply can reach them.
    v["contact"] = json!({
        "name": if o.submission.anonymous { None } else { o.submission.contact.name.clone() },
        "phone": o.submission.contact.phone,
    });
    v["rating_comment"] = json!(o.rating_comment);
    v["registered_at"] = json!(o.registered_at.map(|t| t.to_rfc3339()));
    v["history"] = history
        .iter()
        .map(|e| json!({ "at": e.at.to_rfc3339(), "actor": e.actor, "from": e.from, "to": e.to, "event": e.event, "note": e.note }))
        .collect();
    v
}

#[derive(Debug, Deserialize)]
struct InboxParams {
    status: Option<String>,
    station: Option<String>,
    category: Option<String>,
    overdue: Option<String>,
    limit: Option<String>,
}

async fn inbox(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiQuery(p): ApiQuery<InboxParams>,
) -> Result<Json<Value>, AppError> {
    let mut filter = OpinionFilter {
        statuses: params::list::<Status>("status", &p.status)?,
        category: params::list::<Category>("category", &p.category)?.first().copied(),
        stations: params::list::<StationId>("station", &p.station)?,
        limit: params::integer("limit", &p.limit, 200, 1..=1000)?,
        ..Default::default()
    };
    match p.overdue.as_deref().map(str::trim) {
        None | Some("") | Some("false") => {}
        Some("true") => filter.overdue_on = Some(state.now().date_naive()),
        Some(other) => {
            return Err(AppError::bad("invalid_parameter", format!("overdue must be true or false, got {other:?}")))
        }
    }
    let found = visible(&state, &who, filter).await?;
    let issues: Vec<Value> = found
        .iter()
        .map(|o| {
            json!({
                "id": o.id, "tracking_code": o.code, "category": o.submission.category, "title": o.submission.title,
                "status": o.status, "version": o.version, "station": o.routing.station, "grid": o.routing.grid,
                "due": o.due, "created_at": o.created_at.to_rfc3339(),
                "overdue": o.due.is_some_and(|d| d < state.now().date_naive()) && o.status.is_open() && o.status != Status::Replied,
            })
        })
        .collect();
    Ok(Json(json!({ "count": issues.len(), "issues": issues })))
}

pub async fn readable(state: &AppState, who: &Principal, id: &str) -> Result<(Opinion, Scope), AppError> {
    require_loop_role(who)?;
    let not_found = || AppError::NotFound {
        code: "not_found",
        message: format!("no opinion with id {id:?}"),
        extra: Default::default(),
    };
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let opinion = state.store.opinion_by_id(id).await.map_err(AppError::internal)?.ok_or_else(not_found)?;
    let scope = scope_of(&state.catalog(), who);
    if !who.may_read(&opinion, &scope) {
        return Err(AppError::Forbidden(format!("opinion {id} is outside your stations or grid areas")));
    }
    Ok((opinion, scope))
}

async fn one(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let (opinion, _) = readable(&state, &who, &id).await?;
    let history = state.store.history(opinion.id).await.map_err(AppError::internal)?;
    Ok(Json(staff_view(&state.catalog(), &opinion, &history)))
}

/// A requested workflow change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    pub to: String,
    pub version: i64,
    #[serde(default)]
    pub note: String,
    pub department: Option<String>,
    pub due: Option<NaiveDate>,
    pub reply_route: Option<String>,
    pub reply: Option<String>,
}

fn missing(field: &str, to: &str) -> AppError {
    AppError::Unprocessable { code: "invalid_transition", message: format!("{field} is required to move to {to}") }
}

/// The event a requested target status stands for.
fn event_for(b: &TransitionBody) -> Result<Event, AppError> {
    let to: Status =
        b.to.parse()
            .map_err(|e| AppError::Unprocessable { code: "invalid_transition", message: format!("to: {e}") })?;
    Ok(match to {
        Status::Registered => Event::Register,
        Status::Assigned => Event::Assign {
            department: b.department.clone().ok_or_else(|| missing("department", "assigned"))?,
            due: b.due.ok_or_else(|| missing("due", "assigned"))?,
        },
        Status::InProgress => Event::Start,
        Status::Replied => Event::Reply {
            route: b
                .reply_route
                .as_deref()
                .ok_or_else(|| missing("reply_route", "replied"))?
                .parse::<ReplyRoute>()
                .map_err(|e| AppError::Unprocessable {
                    code: "invalid_transition",
                    message: format!("reply_route: {e}"),
                })?,
            text: b.reply.clone().ok_or_else(|| missing("reply", "replied"))?,
        },
        Status::Closed => Event::Close { reason: b.note.clone() },
        Status::Rejected => Event::Reject { explanation: b.note.clone() },
        Status::Submitted => {
            return Err(AppError::Unprocessable {
                code: "invalid_transition",
                message: "nothing moves back to submitted".into(),
            })
        }
    })
}

/// The opinions matching `filter` that `who` may read: staff see their station and its liaison
/// points (asking for another station is a 403), members their grid areas, leaders and admins all.
pub async fn visible(state: &AppState, who: &Principal, mut filter: OpinionFilter) -> Result<Vec<Opinion>, AppError> {
    require_loop_role(who)?;
    let scope = scope_of(&state.catalog(), who);
    match who.role {
        Role::Staff if filter.stations.is_empty() => filter.stations = scope.stations.clone(),
        Role::Staff => {
            if let Some(s) = filter.stations.iter().find(|s| !scope.stations.contains(s)) {
                return Err(AppError::Forbidden(format!("station {s} is not one of yours")));
            }
        }
        Role::Member => filter.grids = scope.grids.clone(),
        _ => {}
    }
    if who.role == Role::Staff && filter.stations.is_empty() || who.role == Role::Member && filter.grids.is_empty() {
        return Ok(Vec::new());
    }
    let found = state.store.list_opinions(&filter).await.map_err(AppError::internal)?;
    Ok(found.into_iter().filter(|o| who.may_read(o, &scope)).collect())
}

/// Checks role, scope and version, then moves the opinion (API and pages alike).
pub async fn apply_transition(
    state: &AppState,
    who: &Principal,
    id: &str,
    body: &TransitionBody,
) -> Result<Opinion, AppError> {
    let (opinion, scope) = readable(state, who, id).await?;
    let event = event_for(body)?;
    if !who.may_change(&opinion, &scope, &event) {
        return Err(AppError::Forbidden(format!("a {} may not {} this opinion", who.role.code(), event.code())));
    }
    if body.version != opinion.version {
        return Err(stale(opinion.version));
    }
    change(state, opinion, &event, &who.actor()).await
}

async fn transition(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TransitionBody>,
) -> Result<Json<Value>, AppError> {
    let opinion = apply_transition(&state, &who, &id, &body).await?;
    let history = state.store.history(opinion.id).await.map_err(AppError::internal)?;
    Ok(Json(staff_view(&state.catalog(), &opinion, &history)))
}
