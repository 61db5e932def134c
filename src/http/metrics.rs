//! `/metrics` in Prometheus text format, and the middleware that counts and times every request
//! by method, matched route pattern (`unmatched` when no route matched) and status.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(render))
}

async fn render() -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], crate::metrics::render()).into_response()
}

/// Middleware: records the request in `http_requests_total` and `http_request_duration_seconds`.
pub async fn record(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    // The route pattern, never the raw path: one series per route, whatever clients send.
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let response = next.run(request).await;
    crate::metrics::request_answered(&method, &route, response.status().as_u16(), started.elapsed());
    response
}
