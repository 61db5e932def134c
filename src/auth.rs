//! Credentials: argon2id password hashes for web logins, and random bearer tokens for
//! integrations, of which only a SHA-256 hash is stored.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};

/// A credential could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("password must be 10 to 200 characters")]
    WeakPassword,
    #[error("could not hash the password: {0}")]
    Hash(String),
    #[error("no randomness available: {0}")]
    Random(String),
}

/// An argon2id hash (PHC string, salt included) of `password`.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    if !(10..=200).contains(&password.chars().count()) {
        return Err(AuthError::WeakPassword);
    }
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).map_err(|e| AuthError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&random).map_err(|e| AuthError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Whether `password` matches the stored `hash` (false for a malformed hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A new bearer token (`lsn_` and 64 hex digits, 256 random bits) and the hash to store.
pub fn new_token() -> Result<(String, String), AuthError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AuthError::Random(e.to_string()))?;
    let token = format!("lsn_{}", hex::encode(bytes));
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// The stored form of a token. Tokens carry 256 random bits, so a fast hash is enough.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse battery!", &hash));
        assert!(!verify_password("anything", "not a hash"));
        assert!(matches!(hash_password("short"), Err(AuthError::WeakPassword)));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, ha) = new_token().unwrap();
        let (b, _) = new_token().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("lsn_") && a.len() == 68);
        assert_eq!(token_hash(&a), ha);
        assert!(!ha.contains(&a[4..]));
    }
}
