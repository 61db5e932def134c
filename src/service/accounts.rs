//! Who is acting: web logins (argon2id passwords, throttled, with the same cost whether or not
//! the username exists), bearer tokens, and web sessions that follow the login's current state
//! (disabled, deleted or given a new password: the session ends). Also the account commands.

use std::net::IpAddr;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::{Result, Service, ServiceError};
use crate::auth::{hash_password, new_token, token_hash, verify_password};
use crate::domain::{MemberId, Principal, Role, StationId};
use crate::store::UserRecord;

/// What a web session remembers of its login: enough to look it up again on every request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionLogin {
    pub username: String,
    /// The login's credential version when the session was opened.
    pub credential_version: i64,
}

/// A hash to verify against when the username is unknown, so that a wrong username costs as
/// much time as a wrong password and usernames cannot be found by timing.
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_password("decoy password for unknown users").unwrap_or_else(|_| String::from("$argon2id$invalid"))
});

fn wrong_credentials() -> ServiceError {
    ServiceError::Unauthenticated { code: "invalid_login", message: "wrong username or password".into() }
}

/// What a new login or token is for.
#[derive(Debug, Clone)]
pub struct AccountRequest<'a> {
    pub name: &'a str,
    pub role: &'a str,
    pub station: Option<&'a str>,
    pub member: Option<&'a str>,
}

impl Service {
    /// Checks a username and password from `client` (throttled per address and per username)
    /// and returns the principal with what its session should remember.
    pub async fn log_in(&self, client: IpAddr, username: &str, password: &str) -> Result<(Principal, SessionLogin)> {
        self.logins.check(client, username)?;
        let found = self.store.user(username.trim()).await?;
        let password = password.to_owned();
        // argon2 takes tens of milliseconds on purpose: keep it off the async workers, and spend
        // it whether or not the login exists.
        let verified = tokio::task::spawn_blocking(move || {
            let hash = found.as_ref().map_or(DECOY_HASH.as_str(), |u| u.password_hash.as_str());
            let ok = verify_password(&password, hash);
            found.filter(|u| ok && !u.disabled)
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("password check: {e}")))?;
        let user = verified.ok_or_else(wrong_credentials)?;
        let login = SessionLogin { username: user.principal.name.clone(), credential_version: user.credential_version };
        Ok((user.principal, login))
    }

    /// The principal of a session, as the login is now: `None` when it was disabled, deleted or
    /// its password changed since the session opened.
    pub async fn session_principal(&self, login: &SessionLogin) -> Result<Option<Principal>> {
        Ok(self
            .store
            .user(&login.username)
            .await?
            .filter(|u| !u.disabled && u.credential_version == login.credential_version)
            .map(|u: UserRecord| u.principal))
    }

    /// The principal a bearer token belongs to.
    pub async fn authenticate_token(&self, token: &str) -> Result<Principal> {
        self.store.token_principal(&token_hash(token)).await?.ok_or_else(|| ServiceError::Unauthenticated {
            code: "invalid_token",
            message: "the token is unknown or revoked".into(),
        })
    }

    /// Checks that a new login's or token's station or member exists and fits its role.
    fn checked_principal(&self, r: &AccountRequest<'_>) -> Result<Principal> {
        let invalid = |m: String| ServiceError::invalid("invalid_account", m);
        let role: Role = r.role.parse().map_err(|e: crate::domain::VocabError| invalid(e.to_string()))?;
        let station = r.station.map(StationId::new).transpose().map_err(|e| invalid(e.to_string()))?;
        let member = r.member.map(MemberId::new).transpose().map_err(|e| invalid(e.to_string()))?;
        let catalog = self.catalog();
        if let Some(s) = station.as_ref().filter(|s| catalog.station(s).is_none()) {
            return Err(invalid(format!("unknown station {s}")));
        }
        if let Some(m) = member.as_ref().filter(|m| catalog.member(m).is_none()) {
            return Err(invalid(format!("unknown member {m}")));
        }
        if role == Role::Staff && station.is_none() {
            return Err(invalid("a staff login or token needs a station".into()));
        }
        if role == Role::Member && member.is_none() {
            return Err(invalid("a member login needs a member".into()));
        }
        let name = r.name.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(invalid("the name must be 1 to 64 printable characters".into()));
        }
        Ok(Principal { name: name.to_owned(), role, station, member })
    }

    /// Adds a web login.
    pub async fn add_user(&self, r: &AccountRequest<'_>, password: &str) -> Result<Principal> {
        let user = self.checked_principal(r)?;
        if user.role == Role::Integrator {
            return Err(ServiceError::invalid("invalid_account", "integrators use tokens, not logins"));
        }
        let hash = hash_password(password)?;
        self.store.add_user(&user, &hash).await?;
        Ok(user)
    }

    /// Gives a login a new password; its open sessions end.
    pub async fn set_password(&self, username: &str, password: &str) -> Result<()> {
        let hash = hash_password(password)?;
        if !self.store.set_password(username, &hash).await? {
            return Err(ServiceError::not_found("login", username));
        }
        Ok(())
    }

    /// Disables (or re-enables) a login; a disabled login's sessions end at their next request.
    pub async fn set_user_disabled(&self, username: &str, disabled: bool) -> Result<()> {
        if !self.store.set_user_disabled(username, disabled).await? {
            return Err(ServiceError::not_found("login", username));
        }
        Ok(())
    }

    /// Creates a bearer token and returns it (only its hash is kept).
    pub async fn create_token(&self, r: &AccountRequest<'_>) -> Result<(Principal, String)> {
        let principal = self.checked_principal(r)?;
        if principal.role == Role::Member {
            return Err(ServiceError::invalid("invalid_account", "members log in; tokens are for staff and systems"));
        }
        let (token, hash) = new_token()?;
        self.store.add_token(&principal, &hash).await?;
        Ok((principal, token))
    }

    /// Revokes every token with this name; returns how many.
    pub async fn revoke_tokens(&self, name: &str) -> Result<u64> {
        match self.store.revoke_tokens(name.trim()).await? {
            0 => Err(ServiceError::not_found("active token", name)),
            n => Ok(n),
        }
    }
}
