//! Who is asking: `Authorization: Bearer <token>` for integrations and scripts, or else a web
//! login's session cookie, checked against the login's current state on every request.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::error::AppError;
use super::AppState;
use crate::domain::Principal;

/// A request made with valid credentials.
pub struct Authenticated(pub Principal);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Some(header) = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
            // No token: a web login's session, if the session layer is there and holds one.
            if let Some(session) = parts.extensions.get::<tower_sessions::Session>().cloned() {
                if let Some(who) = super::session::user(&session, &state.service).await? {
                    return Ok(Authenticated(who));
                }
            }
            return Err(AppError::Unauthorized {
                code: "unauthenticated",
                message: "this endpoint needs credentials: Authorization: Bearer <token>, or a web login".into(),
            });
        };
        let token = header.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()).ok_or_else(|| {
            AppError::Unauthorized { code: "unauthenticated", message: "use Authorization: Bearer <token>".into() }
        })?;
        Ok(Authenticated(state.service.authenticate_token(token).await?))
    }
}
