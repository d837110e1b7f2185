//! Login sessions: password login with throttling, session lookup with idle and absolute
//! timeouts, logout, and the user's own session list.
//!
//! The browser holds a random 256-bit secret; the store keeps only its SHA-256, so a copy
//! of the database contains no usable session. A login always mints a new secret (no
//! session fixation); deactivation and password changes end every session of the user.

use sha2::{Digest, Sha256};

use super::{Actor, Via, audit, passwords};
use crate::domain::article::now;
use crate::domain::{AuditAction, Session, User, UserId};
use crate::error::{AppError, Result};
use crate::service::{blocking, durable};
use crate::state::AppState;
use crate::store::Store;

/// How long a session lives without requests, and at most.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Idle timeout in milliseconds.
    pub idle_ms: i64,
    /// Absolute lifetime in milliseconds.
    pub absolute_ms: i64,
}

/// Only refresh `last_seen` when it is older than this, so reads don't all write.
const TOUCH_EVERY_MS: i64 = 60_000;

fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

fn new_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

fn short_agent(agent: &str) -> String {
    agent.chars().take(160).collect()
}

/// Starts a session for `user` and returns the secret for the cookie.
pub fn start_blocking(
    store: &Store,
    user: &User,
    agent: &str,
    method: &str,
) -> Result<(String, Session)> {
    let secret = new_secret();
    let at = now();
    let session = Session {
        id: ulid::Ulid::new().to_string(),
        user: user.id,
        created_at: at,
        last_seen: at,
        agent: short_agent(agent),
        method: method.to_owned(),
    };
    store.put_session(&hash(&secret), &session)?;
    audit::record(store, &user.login, AuditAction::Login, &user.login, method)?;
    Ok((secret, session))
}

/// Starts a session and makes it durable; returns the secret for the cookie.
pub async fn start(
    state: &AppState,
    user: User,
    agent: &str,
    method: &'static str,
) -> Result<String> {
    let store = state.store.clone();
    let agent = agent.to_owned();
    let secret = blocking(move || Ok(start_blocking(&store, &user, &agent, method)?.0)).await?;
    durable(state).await?;
    Ok(secret)
}

/// Logs in with login and password. Failures are throttled per login and address and
/// audited; every failure gives the same message, so logins cannot be enumerated.
pub async fn login(
    state: &AppState,
    login: &str,
    password: String,
    addr: &str,
    agent: &str,
) -> Result<(String, User)> {
    let login = login.trim().to_lowercase();
    if let Some(minutes) = state.auth.throttle.locked(&login, addr) {
        let store = state.store.clone();
        let l = login.clone();
        blocking(move || audit::record(&store, &l, AuditAction::LoginFailed, &l, "gesperrt"))
            .await?;
        return Err(AppError::TooManyAttempts(format!(
            "Zu viele fehlgeschlagene Anmeldungen. Bitte versuchen Sie es in {minutes} Minuten erneut."
        )));
    }
    let store = state.store.clone();
    let l = login.clone();
    let user = blocking(move || Ok(store.user_by_login(&l)?)).await?;
    let ok = passwords::verify(
        password,
        user.as_ref().and_then(|u| u.password_hash.clone()),
    )
    .await?;
    let store = state.store.clone();
    match user {
        Some(user) if ok && user.active => {
            state.auth.throttle.succeeded(&login);
            let agent = agent.to_owned();
            let (secret, user) = blocking(move || {
                let (secret, _) = start_blocking(&store, &user, &agent, "passwort")?;
                Ok((secret, user))
            })
            .await?;
            durable(state).await?;
            Ok((secret, user))
        }
        other => {
            state.auth.throttle.failed(&login, addr);
            let why = match other {
                None => "unbekannter Login",
                Some(u) if !u.active => "deaktiviert",
                Some(_) => "falsches Passwort",
            };
            let l = login.clone();
            blocking(move || audit::record(&store, &l, AuditAction::LoginFailed, &l, why)).await?;
            durable(state).await?;
            Err(AppError::Invalid(
                "Login oder Passwort sind falsch, oder das Konto ist deaktiviert.".to_owned(),
            ))
        }
    }
}

/// The actor for a session secret, or `None` when the session is unknown, timed out, or
/// its user is deactivated.
pub fn resolve_blocking(
    store: &Store,
    secret: &str,
    timeouts: Timeouts,
) -> Result<Option<(Actor, Session)>> {
    let key = hash(secret);
    let Some(mut session) = store.session(&key)? else {
        return Ok(None);
    };
    let t = now();
    if t - session.last_seen > timeouts.idle_ms || t - session.created_at > timeouts.absolute_ms {
        store.remove_session(&key)?;
        return Ok(None);
    }
    let Some(user) = store.user(session.user)?.filter(|u| u.active) else {
        store.remove_session(&key)?;
        return Ok(None);
    };
    if t - session.last_seen > TOUCH_EVERY_MS {
        session.last_seen = t;
        store.put_session(&key, &session)?;
    }
    Ok(Some((Actor::for_user(&user, Via::Session), session)))
}

/// Ends the session with this secret (logout).
pub async fn logout(state: &AppState, actor: &Actor, secret: &str) -> Result<()> {
    let store = state.store.clone();
    let key = hash(secret);
    let login = actor.login.clone();
    blocking(move || {
        store.remove_session(&key)?;
        audit::record(&store, &login, AuditAction::Logout, &login, "")
    })
    .await?;
    durable(state).await
}

/// Ends every session of `user`, except the one with public id `keep`.
pub fn end_all_blocking(store: &Store, user: UserId, keep: Option<&str>) -> Result<usize> {
    let mut n = 0;
    for (key, s) in store.all_sessions()? {
        if s.user == user && keep != Some(s.id.as_str()) {
            store.remove_session(&key)?;
            n += 1;
        }
    }
    Ok(n)
}

/// The actor's own sessions, newest first.
pub async fn mine(state: &AppState, actor: &Actor) -> Result<Vec<Session>> {
    let user = actor.user.ok_or(AppError::Unauthenticated)?;
    let store = state.store.clone();
    blocking(move || {
        let mut out: Vec<Session> = store
            .all_sessions()?
            .into_iter()
            .map(|(_, s)| s)
            .filter(|s| s.user == user)
            .collect();
        out.sort_by_key(|s| std::cmp::Reverse(s.created_at));
        Ok(out)
    })
    .await
}

/// Ends one of the actor's own sessions by public id (`None`: all except `keep`).
pub async fn end_mine(
    state: &AppState,
    actor: &Actor,
    id: Option<String>,
    keep: Option<String>,
) -> Result<usize> {
    let user = actor.user.ok_or(AppError::Unauthenticated)?;
    let store = state.store.clone();
    let n = blocking(move || match id {
        Some(id) => {
            let mut n = 0;
            for (key, s) in store.all_sessions()? {
                if s.user == user && s.id == id {
                    store.remove_session(&key)?;
                    n += 1;
                }
            }
            if n == 0 {
                return Err(AppError::NotFound("Sitzung nicht gefunden.".to_owned()));
            }
            Ok(n)
        }
        None => end_all_blocking(&store, user, keep.as_deref()),
    })
    .await?;
    durable(state).await?;
    Ok(n)
}

/// Removes expired sessions (run daily; lookups also drop expired ones lazily).
pub fn purge_expired_blocking(store: &Store, timeouts: Timeouts) -> Result<usize> {
    let t = now();
    let mut n = 0;
    for (key, s) in store.all_sessions()? {
        if t - s.last_seen > timeouts.idle_ms || t - s.created_at > timeouts.absolute_ms {
            store.remove_session(&key)?;
            n += 1;
        }
    }
    Ok(n)
}

/// The CSRF token bound to a session: derived from its secret, so it needs no storage and
/// a token planted in a browser before login is useless afterwards.
pub fn csrf_token(secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"stafette-csrf\0");
    h.update(secret.as_bytes());
    hex::encode(h.finalize())
}
