//! The HTTP interface: JSON/GeoJSON API under `/api/v1`, server-rendered pages, health.

pub mod analytics;
pub mod areas;
pub mod assets;
pub mod auth;
pub mod batch;
pub mod error;
pub mod grids;
pub mod limits;
pub mod members;
pub mod open311;
pub mod openapi;
pub mod opinions;
pub mod pages;
pub mod params;
pub mod session;
pub mod staff;
pub mod stations;
pub mod tiles;
pub mod views;

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, FixedOffset, Utc};
use serde_json::json;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::catalog::Catalog;
use crate::domain::schedule::shanghai;
use crate::store::Store;
use error::AppError;

/// What tells the time: the system clock, or a fixed instant for reproducible answers.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    Fixed(DateTime<FixedOffset>),
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    catalog: Arc<ArcSwap<Catalog>>,
    pub store: Arc<dyn Store>,
    pub clock: Clock,
    pub submissions: limits::SubmissionLimit,
    /// The opinions as analytics reads them; see [`analytics::LiveFacts::refresh`].
    pub facts: Arc<analytics::LiveFacts>,
}

impl AppState {
    pub fn new(catalog: Catalog, store: Arc<dyn Store>) -> Self {
        Self {
            catalog: Arc::new(ArcSwap::from_pointee(catalog)),
            store,
            clock: Clock::System,
            submissions: limits::SubmissionLimit::per_hour(30),
            facts: Arc::default(),
        }
    }

    /// The current catalog; a reader keeps its snapshot even if a new one is swapped in.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.load_full()
    }

    /// Replaces the catalog whole.
    pub fn replace_catalog(&self, catalog: Catalog) {
        self.catalog.store(Arc::new(catalog));
    }

    /// Now, in Asia/Shanghai time.
    pub fn now(&self) -> DateTime<FixedOffset> {
        match self.clock {
            Clock::System => Utc::now().with_timezone(&shanghai()),
            Clock::Fixed(t) => t.with_timezone(&shanghai()),
        }
    }
}

/// The largest request body any endpoint accepts (an opinion's text is at most 5,000 characters).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The whole application router, with web sessions from `sessions`.
pub fn app(
    state: AppState,
    sessions: tower_sessions::SessionManagerLayer<tower_sessions_sqlx_store::SqliteStore>,
) -> Router {
    // Only the pages and the staff API look at the login cookie; the public lookups stay lean.
    let with_sessions = Router::new().merge(pages::router()).merge(staff::router()).layer(sessions);
    Router::new()
        .route("/healthz", get(healthz))
        .merge(stations::router())
        .merge(grids::router())
        .merge(batch::router())
        .merge(areas::router())
        .merge(analytics::router())
        .merge(tiles::router())
        .merge(members::router())
        .merge(opinions::router())
        .merge(open311::router())
        .merge(openapi::router())
        .merge(assets::router())
        .merge(with_sessions)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(30)))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, AppError> {
    let version = state.store.catalog_version().await.map_err(AppError::internal)?;
    let catalog = state.catalog();
    Ok(Json(json!({
        "status": "ok",
        "catalog_version": version,
        "stations": catalog.stations().len(),
        "members": catalog.members().len(),
        "grids": catalog.grids().len(),
        "areas": catalog.areas().len(),
    })))
}

async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        AppError::NotFound {
            code: "not_found",
            message: format!("no such endpoint: {}", uri.path()),
            extra: Default::default(),
        }
        .into_response()
    } else {
        pages::error_page(
            StatusCode::NOT_FOUND,
            "页面不存在 Page not found",
            &format!("{} does not exist.", uri.path()),
        )
    }
}

async fn method_not_allowed() -> Response {
    let body =
        json!({ "error": { "code": "method_not_allowed", "message": "this endpoint does not accept that method" } });
    (StatusCode::METHOD_NOT_ALLOWED, Json(body)).into_response()
}
