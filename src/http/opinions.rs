//! `/api/v1/issues`: citizens submit opinions, track them by tracking code and rate the reply.
//! Public answers never carry contact details or exact positions (see `service::privacy`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::client_ip::ClientIp;
use super::error::ErrorBody;
use super::error::{ApiJson, ApiPath, ApiQuery, AppError};
use super::params;
use super::AppState;
use crate::domain::follow::Follow;
use crate::domain::{Category, Channel, Contact, NewOpinion};
use crate::i18n::Lang;
use crate::service::follow::Following;
use crate::service::opinions::Submitter;
use crate::service::opinions::{OpinionView, SubmittedView};
use crate::service::privacy::Audience;
use crate::spatial::Crs;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/issues", post(submit))
        .route("/api/v1/issues/{code}", get(track))
        .route("/api/v1/issues/{code}/rating", post(rate))
}

/// How to reach the citizen (only staff of the opinion's station and members see it).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ContactBody {
    /// Shown to staff unless `anonymous`.
    #[schema(max_length = 50)]
    name: Option<String>,
    #[schema(max_length = 30)]
    phone: Option<String>,
}

/// Where to tell the citizen how the opinion goes: when it is registered, replied to (with the
/// link to rate the reply), closed or rejected. Private: never shown, not even to staff. Each
/// notice carries a link that stops them.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct FollowBody {
    /// Notices by e-mail (when the service sends e-mail; 422 `follow_unavailable` when not).
    #[schema(max_length = 254, example = "li.ming@example.cn")]
    email: Option<String>,
    /// Notices by SMS: 5 to 20 digits, a leading + allowed (when the service sends SMS).
    #[schema(max_length = 30, example = "13812345678")]
    phone: Option<String>,
    /// The language of the notices: `zh-CN` (default) or `en`.
    #[schema(pattern = "^(zh-CN|en)$", example = "en")]
    lang: Option<String>,
}

impl FollowBody {
    fn checked(&self) -> Result<Following, AppError> {
        let follow = Follow::checked(self.email.as_deref(), self.phone.as_deref()).map_err(invalid)?;
        let lang = match self.lang.as_deref() {
            None => Lang::default(),
            Some(tag) => Lang::ALL
                .into_iter()
                .find(|l| l.tag() == tag)
                .ok_or_else(|| invalid(format!("follow.lang: {tag:?} is neither zh-CN nor en")))?,
        };
        Ok(Following { follow, lang })
    }
}

/// A citizen's opinion.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Submission)]
struct SubmitBody {
    #[schema(value_type = Category)]
    category: String,
    #[schema(min_length = 1, max_length = 100)]
    title: String,
    #[schema(min_length = 1, max_length = 5000)]
    text: String,
    /// Longitude in `crs`; the place must lie in the service's area.
    #[schema(minimum = -180, maximum = 180)]
    lon: f64,
    /// Latitude in `crs`.
    #[schema(minimum = -90, maximum = 90)]
    lat: f64,
    /// The coordinate system of lon and lat (default wgs84).
    #[schema(value_type = Option<Crs>)]
    crs: Option<String>,
    /// How the opinion arrives (default online).
    #[schema(value_type = Option<Channel>)]
    channel: Option<String>,
    /// Hide the name from staff (default false).
    anonymous: Option<bool>,
    contact: Option<ContactBody>,
    follow: Option<FollowBody>,
}

fn invalid(e: impl std::fmt::Display) -> AppError {
    AppError::Unprocessable { code: "invalid_opinion", message: e.to_string() }
}

impl SubmitBody {
    /// The checked submission, its position converted to WGS84, and whom to tell how it goes.
    fn checked(self) -> Result<(NewOpinion, Following), AppError> {
        let following = self.follow.as_ref().map(FollowBody::checked).transpose()?.unwrap_or_default();
        Ok((self.opinion()?, following))
    }

    fn opinion(self) -> Result<NewOpinion, AppError> {
        let crs = params::crs(&self.crs)?;
        let location = params::lonlat(self.lon, self.lat, crs).map_err(invalid)?;
        let contact = self.contact.unwrap_or_default();
        NewOpinion::new(
            self.category.parse().map_err(invalid)?,
            &self.title,
            &self.text,
            location,
            self.channel.as_deref().unwrap_or("online").parse().map_err(invalid)?,
            self.anonymous.unwrap_or(false),
            Contact::new(contact.name.as_deref(), contact.phone.as_deref()).map_err(invalid)?,
        )
        .map_err(invalid)
    }
}

/// Submit an opinion: routed to its grid, members and station; open opinions of the same category
/// within 200 m come back as possible duplicates. With `follow`, the citizen is told by e-mail or
/// SMS how it goes.
#[utoipa::path(
    post,
    path = "/api/v1/issues",
    tag = "opinions",
    request_body = SubmitBody,
    responses(
        (status = 201, description = "Submitted; keep the tracking code", body = SubmittedView),
        (status = 400, description = "Not JSON, not sent as application/json, or an unknown crs", body = ErrorBody),
        (status = 413, description = "The body is larger than 64 KiB", body = ErrorBody),
        (status = 422, description = "A field is missing or invalid, the place is outside the service's area, or `follow` names a channel the service sends nothing by (follow_unavailable)", body = ErrorBody),
        (status = 429, description = "Too many submissions from this address", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until another submission may succeed"))),
    )
)]
async fn submit(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(body): ApiJson<SubmitBody>,
) -> Result<Response, AppError> {
    let (new, following) = body.checked()?;
    let submitted = state.service.submit_following(Submitter::Citizen(client), new, None, &following).await?;
    let catalog = state.service.catalog();
    Ok((StatusCode::CREATED, Json(submitted.view(&catalog))).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct TrackParams {
    /// The coordinate system of the position out (default wgs84).
    #[param(value_type = Option<Crs>)]
    crs: Option<String>,
}

/// Track an opinion (public view: no contact, position rounded to ~100 m).
#[utoipa::path(
    get,
    path = "/api/v1/issues/{code}",
    tag = "opinions",
    params(("code" = String, Path, description = "The tracking code, with or without dashes"), TrackParams),
    responses(
        (status = 200, description = "The opinion", body = OpinionView),
        (status = 400, description = "A malformed tracking code or parameter", body = ErrorBody),
        (status = 404, description = "No opinion has this tracking code", body = ErrorBody),
    )
)]
async fn track(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    ApiQuery(p): ApiQuery<TrackParams>,
) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let tracked = state.service.track(&code).await?;
    let catalog = state.service.catalog();
    Ok(Json(tracked.view(&catalog, Audience::Public, crs)).into_response())
}

/// The citizen's rating of the reply.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Rating)]
struct RatingBody {
    /// 1–2 reopen the opinion, 3–5 close it.
    #[schema(minimum = 1, maximum = 5)]
    stars: u8,
    #[schema(max_length = 1000)]
    comment: Option<String>,
    /// The version the citizen saw; omitted, the current one.
    version: Option<i64>,
}

/// Rate the reply 1–5: 1–2 reopen the opinion, 3–5 close it.
#[utoipa::path(
    post,
    path = "/api/v1/issues/{code}/rating",
    tag = "opinions",
    params(("code" = String, Path, description = "The tracking code, with or without dashes")),
    request_body = RatingBody,
    responses(
        (status = 200, description = "The opinion after rating", body = OpinionView),
        (status = 400, description = "A malformed tracking code, or a body that is not JSON sent as application/json", body = ErrorBody),
        (status = 404, description = "No opinion has this tracking code", body = ErrorBody),
        (status = 409, description = "Not replied yet, already closed, or changed since read (version_conflict)", body = ErrorBody),
        (status = 413, description = "The body is larger than 64 KiB", body = ErrorBody),
        (status = 422, description = "Stars outside 1–5, or a field of the wrong type", body = ErrorBody),
    )
)]
async fn rate(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<RatingBody>,
) -> Result<Response, AppError> {
    let tracked = state.service.rate(&code, body.stars, body.comment.as_deref(), body.version).await?;
    let catalog = state.service.catalog();
    Ok(Json(tracked.view(&catalog, Audience::Public, Crs::Wgs84)).into_response())
}
