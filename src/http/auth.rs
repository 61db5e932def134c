//! Who is asking: `Authorization: Bearer <token>` for integrations and scripts (looked up by the
//! token's SHA-256 hash; the token itself is never stored), or else a web login's session cookie.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::error::AppError;
use super::AppState;
use crate::auth::token_hash;
use crate::catalog::Catalog;
use crate::domain::{Principal, Role, Scope};

/// A request made with valid credentials.
pub struct Authenticated(pub Principal);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Some(header) = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
            // No token: a web login's session, if the session layer is there and holds one.
            if let Some(session) = parts.extensions.get::<tower_sessions::Session>().cloned() {
                if let Some(who) = super::session::user(&session).await? {
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
        authenticate_token(state, token).await.map(Authenticated)
    }
}

/// The principal a token belongs to; 401 for an unknown or revoked token.
pub async fn authenticate_token(state: &AppState, token: &str) -> Result<Principal, AppError> {
    state.store.token_principal(&token_hash(token)).await.map_err(AppError::internal)?.ok_or_else(|| {
        AppError::Unauthorized { code: "invalid_token", message: "the token is unknown or revoked".into() }
    })
}

/// What part of the catalog a principal works on: a staff member's station and its liaison
/// points, a member's grid areas.
pub fn scope_of(catalog: &Catalog, p: &Principal) -> Scope {
    let stations = match (&p.role, &p.station) {
        (Role::Staff, Some(s)) => {
            std::iter::once(s.clone()).chain(catalog.points_of_station(s).iter().map(|pt| pt.id.clone())).collect()
        }
        _ => Vec::new(),
    };
    let grids = match (&p.role, &p.member) {
        (Role::Member, Some(m)) => catalog.grids_of_member(m).iter().map(|g| g.id.clone()).collect(),
        _ => Vec::new(),
    };
    Scope { stations, grids }
}
