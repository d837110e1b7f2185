//! Password hashing with argon2id (OWASP parameters: 19 MiB, 2 passes, 1 lane).
//!
//! Hashing is deliberately expensive, so it runs on the blocking pool behind a semaphore
//! with one permit per core: a burst of logins queues instead of exhausting memory or
//! starving page views.

use std::sync::{Arc, LazyLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::{AppError, Result};

static HASHING: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    Arc::new(Semaphore::new(cores))
});

/// A hash of a random password, checked against when the login does not exist, so a
/// failed login takes the same time whether or not the account exists.
static DUMMY: LazyLock<Option<String>> =
    LazyLock::new(|| hash_blocking("stafette-dummy-password").ok());

fn argon2() -> Argon2<'static> {
    // 19 MiB, t=2, p=1: the OWASP minimum for argon2id. The constants are valid, so the
    // fallback to the crate defaults (also argon2id) never triggers.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes synchronously (CLI, tests); servers use [`hash`].
pub fn hash_blocking(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

/// Checks synchronously; `None` compares against a dummy hash and always fails.
pub fn verify_blocking(password: &str, phc: Option<&str>) -> bool {
    let Some(phc) = phc.or(DUMMY.as_deref()) else {
        return false;
    };
    let ok = PasswordHash::new(phc)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    ok && phc != DUMMY.as_deref().unwrap_or_default()
}

/// Hashes on the blocking pool, at most one hash per core at a time.
pub async fn hash(password: String) -> Result<String> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

/// Verifies on the blocking pool, at most one hash per core at a time.
pub async fn verify(password: String, phc: Option<String>) -> Result<bool> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(tokio::task::spawn_blocking(move || verify_blocking(&password, phc.as_deref())).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash_blocking("ein langes Passwort").unwrap();
        let b = hash_blocking("ein langes Passwort").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "salted");
        assert!(verify_blocking("ein langes Passwort", Some(&a)));
        assert!(!verify_blocking("ein falsches Passwort", Some(&a)));
        assert!(!verify_blocking("stafette-dummy-password", None));
        assert!(!verify_blocking("x", Some("not a hash")));
    }
}
