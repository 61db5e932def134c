//! Atom feeds (RFC 4287) of public updates, for following a station, a town or a category without
//! giving contact details: `GET /feeds/stations/{id}.atom`, `/feeds/towns/{code}.atom`,
//! `/feeds/categories/{code}.atom`. Parsing and rendering only: the feeds are
//! [`crate::service::feeds`].

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::error::{ApiPath, ApiQuery, AppError, ErrorBody};
use super::params;
use super::AppState;
use crate::service::feeds::FeedScope;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/feeds/stations/{file}", get(station_feed))
        .route("/feeds/towns/{file}", get(town_feed))
        .route("/feeds/categories/{file}", get(category_feed))
}

/// How long a feed reader may keep a feed before asking again.
const CACHE_CONTROL: &str = "public, max-age=300";

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct FeedParams {
    /// The language of the feed's titles and labels: zh-CN (default) or en.
    lang: Option<String>,
}

/// The id in `{id}.atom`, or a 404.
fn stem<'a>(file: &'a str, what: &str) -> Result<&'a str, AppError> {
    file.strip_suffix(".atom")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AppError::not_found(&format!("{what} feed (feeds end in .atom)"), file))
}

async fn feed(
    state: &AppState,
    scope: FeedScope<'_>,
    path: String,
    lang: &Option<String>,
) -> Result<Response, AppError> {
    let lang = params::lang(lang)?;
    let feed = state.service.opinion_feed(scope, lang, &state.public_url, &path).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8"), (header::CACHE_CONTROL, CACHE_CONTROL)],
        feed.to_xml(),
    )
        .into_response())
}

fn encoded(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, crate::service::feeds::UNRESERVED).to_string()
}

/// The public updates of a station's opinions (status changes, replies) as an Atom feed, newest
/// first, at most 50; no contact details, no positions.
#[utoipa::path(
    get,
    path = "/feeds/stations/{file}",
    tag = "feeds",
    params(("file" = String, Path, description = "The station's id followed by .atom", example = "HS-ST-001.atom"), FeedParams),
    responses(
        (status = 200, description = "The feed", content_type = "application/atom+xml", body = String),
        (status = 400, description = "An unknown language", body = ErrorBody),
        (status = 404, description = "No such station", body = ErrorBody),
    )
)]
async fn station_feed(
    State(state): State<AppState>,
    ApiPath(file): ApiPath<String>,
    ApiQuery(p): ApiQuery<FeedParams>,
) -> Result<Response, AppError> {
    let id = stem(&file, "station")?;
    feed(&state, FeedScope::Station(id), format!("/feeds/stations/{}", encoded(&file)), &p.lang).await
}

/// The public updates of a town's opinions as an Atom feed, newest first, at most 50.
#[utoipa::path(
    get,
    path = "/feeds/towns/{file}",
    tag = "feeds",
    params(("file" = String, Path, description = "The town's area code followed by .atom", example = "330203001.atom"), FeedParams),
    responses(
        (status = 200, description = "The feed", content_type = "application/atom+xml", body = String),
        (status = 400, description = "An unknown language", body = ErrorBody),
        (status = 404, description = "No such town", body = ErrorBody),
    )
)]
async fn town_feed(
    State(state): State<AppState>,
    ApiPath(file): ApiPath<String>,
    ApiQuery(p): ApiQuery<FeedParams>,
) -> Result<Response, AppError> {
    let code = stem(&file, "town")?;
    feed(&state, FeedScope::Town(code), format!("/feeds/towns/{}", encoded(&file)), &p.lang).await
}

/// The public updates of one category's opinions as an Atom feed, newest first, at most 50.
#[utoipa::path(
    get,
    path = "/feeds/categories/{file}",
    tag = "feeds",
    params(("file" = String, Path, description = "The category's code (e.g. roads) followed by .atom", example = "roads.atom"), FeedParams),
    responses(
        (status = 200, description = "The feed", content_type = "application/atom+xml", body = String),
        (status = 400, description = "An unknown language", body = ErrorBody),
        (status = 404, description = "No such category", body = ErrorBody),
    )
)]
async fn category_feed(
    State(state): State<AppState>,
    ApiPath(file): ApiPath<String>,
    ApiQuery(p): ApiQuery<FeedParams>,
) -> Result<Response, AppError> {
    let code = stem(&file, "category")?;
    feed(&state, FeedScope::Category(code), format!("/feeds/categories/{}", encoded(&file)), &p.lang).await
}
