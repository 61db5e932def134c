//! The HTTP interface: JSON/GeoJSON API under `/api/v1`, server-rendered pages, health.

pub mod activities;
pub mod analytics;
pub mod areas;
pub mod assets;
pub mod auth;
pub mod basemap;
pub mod batch;
pub mod calendars;
pub mod client_ip;
pub mod duty;
pub mod error;
pub mod feeds;
pub mod grids;
pub mod lang;
pub mod layers;
pub mod members;
pub mod metrics;
pub mod notices;
pub mod open311;
pub mod openapi;
pub mod opinions;
pub mod pages;
pub mod params;
pub mod photos;
pub mod planning;
pub mod projects;
pub mod rota;
pub mod search;
pub mod security;
pub mod session;
pub mod staff;
pub mod stations;
pub mod tiles;
pub mod warnings;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::service::lookups::Health;
use crate::service::Service;
use error::AppError;

/// Shared state of every handler: the application, and how the service is reached from outside.
#[derive(Clone)]
pub struct AppState {
    pub service: Arc<Service>,
    /// The address citizens reach the service at (e.g. `https://liaison.example.gov.cn`), for
    /// links that leave the page, such as a station's QR code. Never taken from a request.
    pub public_url: Arc<str>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    pub trusted_proxies: client_ip::TrustedProxies,
    /// The operator's PMTiles basemap (`--basemap`), if any.
    pub basemap: Option<Arc<basemap::Basemap>>,
}

impl AppState {
    pub fn new(service: Arc<Service>, public_url: &str) -> Self {
        Self {
            service,
            public_url: public_url.trim_end_matches('/').into(),
            trusted_proxies: client_ip::TrustedProxies::default(),
            basemap: None,
        }
    }
}

/// The largest request body any endpoint accepts (an opinion's text is at most 5,000 characters).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long a request body may pause between two of its parts before the request is answered
/// with a 408 (a client that announced more bytes than it sends).
pub const BODY_PAUSE: Duration = Duration::from_secs(10);

/// How long any request may take, body included, before it is answered with a 503.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(30);

/// How long a request that may carry photos (up to 10 MB each, from a phone) may take.
pub const UPLOAD_DEADLINE: Duration = Duration::from_secs(180);

/// Whether a request may carry photos: an upload, or the citizen's form.
fn carries_photos(request: &Request) -> bool {
    let path = request.uri().path();
    request.method() == axum::http::Method::POST
        && (path == "/submit" || (path.starts_with("/api/v1/issues/") && path.ends_with("/photos")))
}

/// The whole application router, with web sessions from `sessions`.
pub fn app(state: AppState, sessions: tower_sessions::SessionManagerLayer<session::Sessions>) -> Router {
    crate::metrics::install();
    // Only the pages, the staff API (activities too) and planning (whose scenarios the planner's page saves with its
    // login) look at the login cookie; the public lookups stay lean.
    let with_sessions = Router::new()
        .merge(pages::router())
        .merge(staff::router())
        .merge(activities::staff_router())
        .merge(projects::staff_router())
        .merge(notices::staff_router())
        .merge(rota::router())
        .merge(planning::router())
        .merge(photos::session_router())
        .layer(sessions);
    let basemap = basemap::router(state.basemap.as_deref());
    Router::new()
        .merge(basemap)
        .route("/healthz", get(healthz))
        .merge(stations::router())
        .merge(grids::router())
        .merge(search::router())
        .merge(layers::router())
        .merge(batch::router())
        .merge(areas::router())
        .merge(analytics::router())
        .merge(warnings::router())
        .merge(activities::router())
        .merge(duty::router())
        .merge(projects::router())
        .merge(notices::router())
        .merge(tiles::router())
        .merge(members::router())
        .merge(calendars::router())
        .merge(feeds::router())
        .merge(webhooks::router())
        .merge(opinions::router())
        .merge(photos::router())
        .merge(open311::router())
        .merge(openapi::router())
        .merge(assets::router())
        .merge(metrics::router())
        .merge(with_sessions)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyTimeoutLayer::new(BODY_PAUSE))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(lang::remember))
        .layer(middleware::from_fn(deadline))
        .layer(middleware::from_fn(security::headers))
        .layer(middleware::from_fn(metrics::record))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Status and counts.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    responses((status = 200, description = "Healthy", body = Health))
)]
async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    Ok(Json(state.service.health().await?))
}

/// Middleware: answers a request that takes longer than [`REQUEST_DEADLINE`] (with photos:
/// [`UPLOAD_DEADLINE`]) with a 503, as JSON under `/api/` and as an error page elsewhere.
async fn deadline(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let lang = lang::negotiate(request.uri(), request.headers());
    let limit = if carries_photos(&request) { UPLOAD_DEADLINE } else { REQUEST_DEADLINE };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) if api => AppError::Timeout.into_response(),
        Err(_) => pages::error_page(
            lang,
            StatusCode::SERVICE_UNAVAILABLE,
            "error-title-timeout",
            &crate::i18n::t(lang, "error-timeout"),
        ),
    }
}

async fn not_found(uri: Uri, headers: axum::http::HeaderMap) -> Response {
    if uri.path().starts_with("/api/") {
        AppError::NotFound {
            code: "not_found",
            message: format!("no such endpoint: {}", uri.path()),
            extra: Default::default(),
        }
        .into_response()
    } else {
        let lang = lang::negotiate(&uri, &headers);
        pages::error_page(
            lang,
            StatusCode::NOT_FOUND,
            "error-title-no-page",
            &crate::i18n::t_args(lang, "error-no-page", &[("path", uri.path().into())]),
        )
    }
}

async fn method_not_allowed() -> Response {
    let body =
        json!({ "error": { "code": "method_not_allowed", "message": "this endpoint does not accept that method" } });
    (StatusCode::METHOD_NOT_ALLOWED, Json(body)).into_response()
}
