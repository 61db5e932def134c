//! `/api/v1/staff/issues`: the working side of the loop for staff, members, leaders and admins:
//! an inbox with filters, one opinion with contact and full history, and workflow transitions.
//! Parsing and rendering only; the rules are the service's.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::auth::Authenticated;
use super::error::ErrorBody;
use super::error::{ApiJson, ApiPath, ApiQuery, AppError};
use super::params;
use super::AppState;
use crate::domain::{Category, Principal, StationId, Status};
use crate::service::opinions::{OpinionView, Tracked};
use crate::service::staff::{audience, Inbox, InboxQuery, TransitionRequest};
use crate::spatial::Crs;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/staff/issues", get(inbox))
        .route("/api/v1/staff/issues/{id}", get(one))
        .route("/api/v1/staff/issues/{id}/transitions", post(transition))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct InboxParams {
    /// Opinion statuses, comma-separated (any of them).
    #[param(value_type = Option<Vec<Status>>, style = Form, explode = false)]
    status: Option<String>,
    /// Station ids, comma-separated (staff: only their own station and its liaison points).
    #[param(value_type = Option<Vec<StationId>>, style = Form, explode = false)]
    station: Option<String>,
    /// Only opinions of this category.
    #[param(value_type = Option<Category>)]
    category: Option<String>,
    /// Only open opinions past their due date.
    #[param(value_type = Option<bool>)]
    overdue: Option<String>,
    /// At most this many (1 to 1000, default 200).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

/// Inbox: opinions of the caller's stations (staff), grid areas (member), or all (leader, admin).
#[utoipa::path(
    get,
    path = "/api/v1/staff/issues",
    tag = "staff",
    params(InboxParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The opinions, newest first", body = Inbox),
        (status = 400, description = "A malformed parameter, or a station that does not exist", body = ErrorBody),
        (status = 401, description = "No or invalid credentials", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 403, description = "Not allowed for this role, or another station", body = ErrorBody),
    )
)]
async fn inbox(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiQuery(p): ApiQuery<InboxParams>,
) -> Result<Response, AppError> {
    let query = InboxQuery {
        statuses: params::list::<Status>("status", &p.status)?,
        category: params::list::<Category>("category", &p.category)?.first().copied(),
        stations: params::list::<StationId>("station", &p.station)?,
        overdue: params::boolean("overdue", &p.overdue)?.unwrap_or(false),
        limit: params::integer("limit", &p.limit, 200, 1..=1000)?,
    };
    Ok(Json(state.service.inbox(&who, &query).await?).into_response())
}

/// One opinion with contact (handlers only) and its full history.
#[utoipa::path(
    get,
    path = "/api/v1/staff/issues/{id}",
    tag = "staff",
    params(("id" = String, Path, description = "The opinion's numeric id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The opinion", body = OpinionView),
        (status = 400, description = "A path segment that is not UTF-8", body = ErrorBody),
        (status = 401, description = "No or invalid credentials", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 403, description = "Outside the caller's stations or grid areas", body = ErrorBody),
        (status = 404, description = "No such opinion", body = ErrorBody),
    )
)]
async fn one(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, AppError> {
    let tracked = state.service.staff_opinion(&who, &id).await?;
    Ok(staff_view(&state, &who, &tracked))
}

/// Move an opinion along the workflow at the version read.
#[utoipa::path(
    post,
    path = "/api/v1/staff/issues/{id}/transitions",
    tag = "staff",
    params(("id" = String, Path, description = "The opinion's numeric id")),
    request_body = TransitionRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The opinion after the change", body = OpinionView),
        (status = 400, description = "A body that is not JSON sent as application/json", body = ErrorBody),
        (status = 401, description = "No or invalid credentials", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 403, description = "The role may not make this change here", body = ErrorBody),
        (status = 404, description = "No such opinion", body = ErrorBody),
        (status = 409, description = "Illegal now (illegal_transition), or someone changed it first (version_conflict)", body = ErrorBody),
        (status = 413, description = "The body is larger than 64 KiB", body = ErrorBody),
        (status = 422, description = "A field the change needs is missing or invalid", body = ErrorBody),
    )
)]
async fn transition(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<TransitionRequest>,
) -> Result<Response, AppError> {
    let tracked = state.service.transition(&who, &id, &body).await?;
    Ok(staff_view(&state, &who, &tracked))
}

/// An opinion as `who` sees it on the staff side, with the statuses they may move it to next.
pub(super) fn staff_view(state: &AppState, who: &Principal, tracked: &Tracked) -> Response {
    let catalog = state.service.catalog();
    let mut view = tracked.view(&catalog, audience(who), Crs::Wgs84);
    view.next = Some(state.service.next_statuses(who, &tracked.opinion));
    Json(view).into_response()
}
