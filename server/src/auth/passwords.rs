//! PINs, passphrases and staff passwords, hashed with argon2id.

use crate::error::ApiError;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::OnceLock;

pub fn hash(secret: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Whether `secret` matches `stored`. Something stored that is no hash (a password that no
/// longer works) matches nothing, after the same check as a real one.
pub fn verify(secret: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(secret.as_bytes(), &parsed).is_ok(),
        Err(_) => verify_dummy(secret),
    }
}

/// Verifies against a fixed hash, so a sign-in for a name that doesn't exist takes as long as one
/// that does, and nobody can find out names by timing.
/// Always false.
pub fn verify_dummy(secret: &str) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("not a real secret").unwrap_or_default());
    if let Ok(parsed) = PasswordHash::new(stored) {
        let _ = Argon2::default().verify_password(secret.as_bytes(), &parsed);
    }
    false
}
