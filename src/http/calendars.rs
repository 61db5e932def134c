//! Reception calendars that phones subscribe to: `GET /api/v1/stations/{id}/calendar.ics` (a
//! station's sessions) and `GET /api/v1/members/{id}/calendar.ics` (the sessions a member is on
//! duty for), iCalendar (RFC 5545) over the coming six months. Each event links to the station on
//! the public map. Parsing and rendering only: the feeds are [`crate::service::lookups`].

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::error::{ApiPath, ApiQuery, AppError, ErrorBody};
use super::params;
use super::AppState;
use crate::formats::ical::Calendar;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/stations/{id}/calendar.ics", get(station_calendar))
        .route("/api/v1/members/{id}/calendar.ics", get(member_calendar))
}

/// What a query value escapes: all but RFC 3986's unreserved characters.
const UNRESERVED: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// How long a subscriber's calendar may keep a feed before asking again.
const CACHE_CONTROL: &str = "public, max-age=3600";

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CalendarParams {
    /// The language of the events' texts: zh-CN (default) or en.
    lang: Option<String>,
}

fn ics(calendar: &Calendar) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "inline; filename=\"calendar.ics\""),
            (header::CACHE_CONTROL, CACHE_CONTROL),
        ],
        calendar.to_ics(),
    )
        .into_response()
}

/// The station on the public map, where a calendar event leads.
fn station_link(state: &AppState, station: &str) -> String {
    let station = percent_encoding::utf8_percent_encode(station, UNRESERVED);
    format!("{}/?station={station}", state.public_url)
}

/// A station's reception sessions of the coming six months as an iCalendar feed (RFC 5545), for
/// phone and desktop calendars to subscribe to.
#[utoipa::path(
    get,
    path = "/api/v1/stations/{id}/calendar.ics",
    tag = "stations",
    params(("id" = String, Path, description = "The station's id"), CalendarParams),
    responses(
        (status = 200, description = "The feed", content_type = "text/calendar", body = String),
        (status = 400, description = "An unknown language", body = ErrorBody),
        (status = 404, description = "No such station", body = ErrorBody),
    )
)]
async fn station_calendar(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<CalendarParams>,
) -> Result<Response, AppError> {
    let lookups = state.service.lookups().speaking(params::lang(&p.lang)?);
    Ok(ics(&lookups.station_calendar(&id, &station_link(&state, &id))?))
}

/// The reception sessions a member is on duty for in the coming six months, at every station, as
/// an iCalendar feed (RFC 5545).
#[utoipa::path(
    get,
    path = "/api/v1/members/{id}/calendar.ics",
    tag = "members",
    params(("id" = String, Path, description = "The member's id"), CalendarParams),
    responses(
        (status = 200, description = "The feed", content_type = "text/calendar", body = String),
        (status = 400, description = "An unknown language", body = ErrorBody),
        (status = 404, description = "No such member", body = ErrorBody),
    )
)]
async fn member_calendar(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<CalendarParams>,
) -> Result<Response, AppError> {
    let lookups = state.service.lookups().speaking(params::lang(&p.lang)?);
    Ok(ics(&lookups.member_calendar(&id, |station| station_link(&state, station))?))
}
