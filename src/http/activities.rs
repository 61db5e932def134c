//! `/api/v1/activities` (public: members' duty activities are published) and
//! `/api/v1/staff/activities` (staff and admins record one). Parsing and rendering only; the
//! rules are the service's. Patrol paths are GeoJSON LineStrings in WGS84 lon/lat degrees.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::auth::Authenticated;
use super::error::{ApiJson, ApiQuery, AppError, ErrorBody};
use super::params::{self, trimmed};
use super::AppState;
use crate::domain::activity::ActivityFilter;
use crate::domain::{ActivityKind, AreaCode, MemberId, StationId};
use crate::service::activities::{ActivityInput, ActivityList, ActivityView};

/// The public listing (no session layer needed).
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/activities", get(list))
}

/// The staff side, merged where the session layer applies (web logins).
pub fn staff_router() -> Router<AppState> {
    Router::new().route("/api/v1/staff/activities", post(record))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListParams {
    /// Only activities at this station (an unknown id is a 400).
    #[param(value_type = Option<StationId>)]
    station: Option<String>,
    /// Only activities at the stations of this town (its area code; an unknown one is a 400).
    #[param(value_type = Option<AreaCode>)]
    town: Option<String>,
    /// Only activities this member was present at (an unknown id is a 400).
    #[param(value_type = Option<MemberId>)]
    member: Option<String>,
    /// Only activities of this kind.
    #[param(value_type = Option<ActivityKind>)]
    kind: Option<String>,
    /// From this day on, YYYY-MM-DD (included).
    #[param(value_type = Option<chrono::NaiveDate>, example = "2026-01-01")]
    from: Option<String>,
    /// Up to this day, YYYY-MM-DD (included); not before `from`.
    #[param(value_type = Option<chrono::NaiveDate>, example = "2026-12-31")]
    to: Option<String>,
    /// At most this many (1 to 1000, default 200).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

fn id<T: std::str::FromStr>(name: &str, v: &Option<String>) -> Result<Option<T>, AppError>
where
    T::Err: std::fmt::Display,
{
    trimmed(v)
        .map(|s| s.parse::<T>().map_err(|e| AppError::bad("invalid_parameter", format!("{name}: {e}"))))
        .transpose()
}

/// Members' duty activities (履职活动): receptions, consultations, research visits, inspections
/// and river patrols, newest first, with the station and members named and a patrol's path as a
/// GeoJSON LineString (WGS84).
#[utoipa::path(
    get,
    path = "/api/v1/activities",
    tag = "activities",
    params(ListParams),
    responses(
        (status = 200, description = "The activities, newest first (none: an empty list)", body = ActivityList),
        (status = 400, description = "A malformed parameter, an unknown station or member, or from after to", body = ErrorBody),
    )
)]
async fn list(State(state): State<AppState>, ApiQuery(p): ApiQuery<ListParams>) -> Result<Response, AppError> {
    let query = ActivityFilter {
        station: id("station", &p.station)?,
        town: id("town", &p.town)?,
        member: id("member", &p.member)?,
        kind: id("kind", &p.kind)?,
        from: params::date("from", &p.from)?,
        to: params::date("to", &p.to)?,
        limit: params::integer("limit", &p.limit, 200, 1..=1000)?,
    };
    Ok(Json(state.service.activities(&query).await?).into_response())
}

/// Record an activity: staff at their own station or its liaison points, admins anywhere.
#[utoipa::path(
    post,
    path = "/api/v1/staff/activities",
    tag = "activities",
    request_body = ActivityInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The activity as recorded", body = ActivityView),
        (status = 400, description = "A body that is not JSON sent as application/json", body = ErrorBody),
        (status = 401, description = "No or invalid credentials", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 403, description = "Not staff or admin, or another station than the staff member's", body = ErrorBody),
        (status = 413, description = "The body is larger than 64 KiB", body = ErrorBody),
        (status = 422, description = "A field is missing or invalid (invalid_body, invalid_activity), or names an unknown station, member or opinion", body = ErrorBody),
    )
)]
async fn record(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiJson(body): ApiJson<ActivityInput>,
) -> Result<Response, AppError> {
    let view = state.service.record_activity(&who, &body).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}
