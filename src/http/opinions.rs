//! `/api/v1/issues`: citizens submit opinions, track them by tracking code and rate the reply.
//! Public answers never carry contact details or exact positions (see `service::privacy`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::client_ip::ClientIp;
use super::error::{ApiJson, ApiPath, ApiQuery, AppError};
use super::params;
use super::AppState;
use crate::domain::{Contact, NewOpinion};
use crate::service::opinions::Submitter;
use crate::service::privacy::Audience;
use crate::spatial::Crs;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/issues", post(submit))
        .route("/api/v1/issues/{code}", get(track))
        .route("/api/v1/issues/{code}/rating", post(rate))
}

#[derive(Debug, Default, Deserialize)]
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

impl SubmitBody {
    /// The checked submission, its position converted to WGS84.
    fn checked(self) -> Result<NewOpinion, AppError> {
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

async fn submit(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(body): ApiJson<SubmitBody>,
) -> Result<Response, AppError> {
    let submitted = state.service.submit(Submitter::Citizen(client), body.checked()?).await?;
    let catalog = state.service.catalog();
    Ok((StatusCode::CREATED, Json(submitted.view(&catalog))).into_response())
}

#[derive(Debug, Deserialize)]
struct TrackParams {
    crs: Option<String>,
}

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RatingBody {
    stars: u8,
    comment: Option<String>,
    /// The version the citizen saw; omitted, the current one.
    version: Option<i64>,
}

async fn rate(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<RatingBody>,
) -> Result<Response, AppError> {
    let tracked = state.service.rate(&code, body.stars, body.comment.as_deref(), body.version).await?;
    let catalog = state.service.catalog();
    Ok(Json(tracked.view(&catalog, Audience::Public, Crs::Wgs84)).into_response())
}
