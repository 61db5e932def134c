//! Security headers on every answer: a Content-Security-Policy that fits the pages (an inline
//! `<style>`, MapLibre GL's blob: worker and data: images, the Swagger UI at `/api/docs/`), no
//! framing, no MIME sniffing, same-origin referrers; and `Cache-Control: no-store` on the staff
//! pages and API and the login, whose answers carry citizens' phone numbers, and on the unsubscribe
//! pages (a token in the path).

use axum::extract::Request;
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The policy: everything from this origin only; inline styles (pages, Swagger UI, MapLibre's
/// element styles); images also as data: and blob: URLs; MapLibre's worker from a blob: URL.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; \
     connect-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; object-src 'none'; \
     base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Whether answers to `path` must not be stored by browsers or proxies.
pub fn is_private(path: &str) -> bool {
    path.starts_with("/api/v1/staff/")
        || path == "/api/v1/staff"
        || path.starts_with("/staff")
        || path == "/login"
        || path.starts_with("/unsubscribe/")
}

/// Middleware: adds the headers (without replacing any a handler set itself).
pub async fn headers(request: Request, next: Next) -> Response {
    let private = is_private(request.uri().path());
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let defaults = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
    ];
    for (name, value) in defaults {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    if private {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_and_login_paths_are_private_and_public_ones_are_not() {
        for p in ["/api/v1/staff/issues", "/api/v1/staff/issues/3", "/staff", "/staff/issues/3", "/login"] {
            assert!(is_private(p), "{p}");
        }
        for p in ["/", "/api/v1/issues", "/api/v1/staffing", "/loginx", "/dashboard"] {
            assert!(!is_private(p), "{p}");
        }
    }
}
