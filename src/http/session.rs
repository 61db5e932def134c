//! Web logins: cookie sessions kept in the database (HttpOnly, SameSite=Strict, Secure unless
//! told otherwise for plain-HTTP development), the logged-in principal, and CSRF tokens for forms.

use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{ExpiredDeletion, Expiry, Session, SessionManagerLayer};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use super::error::AppError;
use crate::domain::Principal;
use crate::service::accounts::SessionLogin;
use crate::service::Service;
use crate::store::Pool;

const USER: &str = "user";
const CSRF: &str = "csrf";

/// Sessions kept in the database of the store: a table `tower_sessions` in SQLite, a schema
/// `tower_sessions` in PostgreSQL.
#[derive(Debug, Clone)]
pub enum Sessions {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Sessions {
    pub fn new(pool: Pool) -> Self {
        match pool {
            Pool::Sqlite(pool) => Sessions::Sqlite(SqliteStore::new(pool)),
            Pool::Postgres(pool) => Sessions::Postgres(PostgresStore::new(pool)),
        }
    }

    /// Creates the sessions' table if missing.
    pub async fn migrate(&self) -> Result<(), sqlx::Error> {
        match self {
            Sessions::Sqlite(s) => s.migrate().await,
            Sessions::Postgres(s) => s.migrate().await,
        }
    }
}

#[async_trait::async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.create(record).await,
            Sessions::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.save(record).await,
            Sessions::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Sessions::Sqlite(s) => s.load(id).await,
            Sessions::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.delete(id).await,
            Sessions::Postgres(s) => s.delete(id).await,
        }
    }
}

#[async_trait::async_trait]
impl ExpiredDeletion for Sessions {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.delete_expired().await,
            Sessions::Postgres(s) => s.delete_expired().await,
        }
    }
}

/// The session layer over the store's own database (its table is created if missing).
pub async fn layer(pool: Pool, secure_cookies: bool) -> Result<SessionManagerLayer<Sessions>, sqlx::Error> {
    let store = Sessions::new(pool);
    store.migrate().await?;
    Ok(SessionManagerLayer::new(store)
        .with_name("liaison_session")
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(secure_cookies)
        .with_expiry(Expiry::OnInactivity(tower_sessions::cookie::time::Duration::hours(8))))
}

/// Deletes the sessions whose expiry has passed (a logged-out or abandoned login otherwise
/// stays in the table for ever).
pub async fn delete_expired(pool: Pool) -> Result<(), tower_sessions::session_store::Error> {
    Sessions::new(pool).delete_expired().await
}

/// Runs [`delete_expired`] every `every`, logging failures, until the task is dropped.
pub async fn sweep_expired(pool: Pool, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = delete_expired(pool.clone()).await {
            tracing::warn!(error = %e, "cannot delete expired sessions");
        }
    }
}

fn session_error(e: impl std::fmt::Display) -> AppError {
    AppError::internal(format!("session: {e}"))
}

/// The principal logged in on this session, as the login is now; a session whose login was
/// disabled, deleted or given a new password is ended.
pub async fn user(session: &Session, service: &Service) -> Result<Option<Principal>, AppError> {
    // A session written by an earlier version holds something else under the key: log it out.
    let login = match session.get::<SessionLogin>(USER).await {
        Ok(Some(login)) => login,
        Ok(None) => return Ok(None),
        Err(tower_sessions::session::Error::SerdeJson(_)) => {
            session.flush().await.map_err(session_error)?;
            return Ok(None);
        }
        Err(e) => return Err(session_error(e)),
    };
    match service.session_principal(&login).await? {
        Some(who) => Ok(Some(who)),
        None => {
            session.flush().await.map_err(session_error)?;
            Ok(None)
        }
    }
}

/// Logs a login in, with a fresh session id so that an id planted before login is worthless.
pub async fn log_in(session: &Session, login: &SessionLogin) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_error)?;
    session.insert(USER, login).await.map_err(session_error)
}

pub async fn log_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(session_error)
}

/// The session's CSRF token, created on first use; forms carry it in a hidden field.
pub async fn csrf_token(session: &Session) -> Result<String, AppError> {
    if let Some(t) = session.get::<String>(CSRF).await.map_err(session_error)? {
        return Ok(t);
    }
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(session_error)?;
    let token = hex::encode(bytes);
    session.insert(CSRF, &token).await.map_err(session_error)?;
    Ok(token)
}

/// Refuses a form whose CSRF token does not match the session's (403).
pub async fn check_csrf(session: &Session, sent: Option<&str>) -> Result<(), AppError> {
    let expected = session.get::<String>(CSRF).await.map_err(session_error)?;
    match (expected, sent) {
        (Some(e), Some(s)) if !e.is_empty() && e == s => Ok(()),
        _ => Err(AppError::Forbidden(
            "the form has expired or did not come from this site; reload it and try again".into(),
        )),
    }
}
