//! `/api/v1/notices` (public: service notices 服务信息 by station, town and whether in force) and
//! `/api/v1/staff/notices` (publish one: administrators and leaders anywhere, staff for their own
//! station). Parsing and rendering only; the rules are the service's.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::auth::Authenticated;
use super::error::{ApiJson, ApiQuery, AppError, ErrorBody};
use super::params;
use super::projects::parsed;
use super::AppState;
use crate::domain::{AreaCode, StationId};
use crate::service::notices::{NoticeInput, NoticeList, NoticeQuery, NoticeView};

/// The public listing (no session layer needed).
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/notices", get(list))
}

/// The staff side, merged where the session layer applies (web logins).
pub fn staff_router() -> Router<AppState> {
    Router::new().route("/api/v1/staff/notices", post(publish))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListParams {
    /// Only notices shown at this station: district-wide, for its town, or listing it or the
    /// station it is a liaison point of (an unknown station is a 400).
    #[param(value_type = Option<StationId>)]
    station: Option<String>,
    /// Only notices shown at some station of this town: district-wide, for the town, or listing
    /// one of its stations (an unknown town is a 400).
    #[param(value_type = Option<AreaCode>)]
    town: Option<String>,
    /// `true`: only notices in force today (published, not expired); `false`: only the others.
    #[param(value_type = Option<bool>)]
    active: Option<String>,
    /// At most this many (1 to 1000, default 200).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

/// Service notices (服务信息), newest publication first, each with where it is shown and whether
/// it is in force today (Asia/Shanghai).
#[utoipa::path(
    get,
    path = "/api/v1/notices",
    tag = "published",
    params(ListParams),
    responses(
        (status = 200, description = "The notices (none: an empty list)", body = NoticeList),
        (status = 400, description = "A malformed parameter, or an unknown station or town", body = ErrorBody),
    )
)]
async fn list(State(state): State<AppState>, ApiQuery(p): ApiQuery<ListParams>) -> Result<Response, AppError> {
    let query = NoticeQuery {
        station: parsed("station", &p.station)?,
        town: parsed("town", &p.town)?,
        active: params::boolean("active", &p.active)?,
        limit: params::integer("limit", &p.limit, 200, 1..=1000)?,
    };
    Ok(Json(state.service.notices(&query).await?).into_response())
}

/// Publish a notice once for every station it reaches: the district (no `town`, no
/// `stations`), a town, or a list of stations. Administrators and leaders publish anywhere;
/// staff for their own station and its liaison points.
#[utoipa::path(
    post,
    path = "/api/v1/staff/notices",
    tag = "published",
    request_body = NoticeInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The notice as published", body = NoticeView),
        (status = 400, description = "A body that is not JSON sent as application/json", body = ErrorBody),
        (status = 401, description = "No or invalid credentials", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 403, description = "Not allowed to publish there (staff: other stations, a town or the district; members)", body = ErrorBody),
        (status = 413, description = "The body is larger than 64 KiB", body = ErrorBody),
        (status = 422, description = "A field is missing or invalid (invalid_body, invalid_notice), or names an unknown town or station", body = ErrorBody),
    )
)]
async fn publish(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiJson(body): ApiJson<NoticeInput>,
) -> Result<Response, AppError> {
    let notice = state.service.publish_notice(&who, &body).await?;
    Ok((StatusCode::CREATED, Json(notice)).into_response())
}
