//! Single sign-on: turns an OIDC login into a local account and session.
//!
//! Accounts are keyed by (issuer, subject), never by name or e-mail, which can change or be
//! reused. On the first login an account is created with the configured default role; an
//! account an admin prepared for SSO (same login, no password, no identity yet) is linked
//! instead. Groups whose SSO names appear in the provider's group claim are granted and
//! revoked on every login; groups without SSO names are left alone.

use std::collections::HashMap;
use std::sync::Mutex;

use super::oidc::{Identity, OidcClient, OidcConfig, OidcError, PendingLogin};
use super::{audit, sessions};
use crate::domain::article::{clean_line, now};
use crate::domain::user::clean_login;
use crate::domain::{AuditAction, ExternalIdentity, GroupId, User, UserId};
use crate::error::{AppError, Result};
use crate::service::{blocking, durable};
use crate::state::AppState;
use crate::store::Store;

/// Logins in flight are bounded, so unauthenticated `begin` calls cannot grow memory.
const MAX_PENDING: usize = 10_000;

/// SSO runtime state: the discovered client and the logins in flight.
#[derive(Debug, Default)]
pub struct Sso {
    client: tokio::sync::OnceCell<OidcClient>,
    pending: Mutex<HashMap<String, (PendingLogin, String)>>,
}

fn oidc_error(e: OidcError) -> AppError {
    match e {
        OidcError::StateMismatch | OidcError::Expired => AppError::Invalid(
            "Die Anmeldung ist abgelaufen oder ungültig. Bitte erneut anmelden.".to_owned(),
        ),
        other => {
            tracing::warn!(error = %other, "OIDC login failed");
            AppError::Forbidden(
                "Die Anmeldung beim Identitätsanbieter ist fehlgeschlagen.".to_owned(),
            )
        }
    }
}

async fn client(state: &AppState) -> Result<&OidcClient> {
    let config: OidcConfig =
        state.config.oidc.clone().ok_or_else(|| {
            AppError::NotFound("Single Sign-on ist nicht eingerichtet.".to_owned())
        })?;
    // Discovered on first use (and retried while it fails), so the server starts even
    // when the identity provider is down.
    state
        .auth
        .sso
        .client
        .get_or_try_init(|| OidcClient::discover(config))
        .await
        .map_err(oidc_error)
}

/// Starts a login; returns the provider URL to redirect to and the state value the
/// browser keeps in a cookie (binding the callback to this browser).
pub async fn begin(state: &AppState, next: String) -> Result<(String, String)> {
    let client = client(state).await?;
    let (url, pending) = client.begin();
    let key = pending.state.clone();
    let mut map = state
        .auth
        .sso
        .pending
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let cutoff = now() / 1000 - super::oidc::PENDING_MAX_AGE_SECS;
    map.retain(|_, (p, _)| p.created >= cutoff);
    if map.len() >= MAX_PENDING {
        return Err(AppError::TooManyAttempts(
            "Zu viele gleichzeitige Anmeldungen. Bitte gleich erneut versuchen.".to_owned(),
        ));
    }
    map.insert(key.clone(), (pending, next));
    Ok((url, key))
}

/// Completes a login at the callback; returns the session secret, the user and where to
/// continue.
pub async fn finish(
    state: &AppState,
    browser_state: Option<&str>,
    returned_state: &str,
    code: &str,
    agent: &str,
) -> Result<(String, User, String)> {
    let Some(key) = browser_state else {
        return Err(oidc_error(OidcError::StateMismatch));
    };
    let entry = state
        .auth
        .sso
        .pending
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(key);
    let Some((pending, next)) = entry else {
        return Err(oidc_error(OidcError::StateMismatch));
    };
    let client = client(state).await?;
    let identity = client
        .finish(&pending, returned_state, code)
        .await
        .map_err(oidc_error)?;
    let store = state.store.clone();
    let role = client.config().default_role;
    let agent = agent.to_owned();
    let (secret, user) = blocking(move || {
        let user = account_for(&store, &identity, role)?;
        if !user.active {
            audit::record(
                &store,
                &user.login,
                AuditAction::LoginFailed,
                &user.login,
                "sso, deaktiviert",
            )?;
            return Err(AppError::Forbidden("Ihr Konto ist deaktiviert.".to_owned()));
        }
        let (secret, _) = sessions::start_blocking(&store, &user, &agent, "sso")?;
        Ok((secret, user))
    })
    .await?;
    durable(state).await?;
    Ok((secret, user, next))
}

fn free_login(store: &Store, wanted: &str) -> Result<String> {
    let base = clean_login(wanted).unwrap_or_else(|_| "sso-benutzer".to_owned());
    for n in 1..1000 {
        let login = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        if store.user_by_login(&login)?.is_none() {
            return Ok(login);
        }
    }
    Err(AppError::Conflict("Kein freier Login-Name.".to_owned()))
}

/// Finds or creates the local account for an SSO identity and syncs its SSO groups.
pub fn account_for(
    store: &Store,
    id: &Identity,
    default_role: crate::domain::Role,
) -> Result<User> {
    let ext = ExternalIdentity {
        issuer: id.issuer.clone(),
        subject: id.subject.clone(),
    };
    let wanted = id
        .preferred_username
        .clone()
        .or_else(|| {
            id.email
                .as_deref()
                .and_then(|e| e.split('@').next())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "sso-benutzer".to_owned())
        .to_lowercase();
    let mut user = match store.user_by_identity(&ext)? {
        Some(u) => u,
        None => {
            let prepared = clean_login(&wanted)
                .ok()
                .map(|l| store.user_by_login(&l))
                .transpose()?
                .flatten()
                .filter(|u| u.password_hash.is_none() && u.external.is_empty());
            match prepared {
                Some(mut u) => {
                    u.external.push(ext.clone());
                    u
                }
                None => User {
                    id: UserId::new(),
                    login: free_login(store, &wanted)?,
                    display_name: clean_line(id.name.as_deref().unwrap_or(&wanted), 120),
                    unit: String::new(),
                    email: id.email.clone().filter(|e| !e.trim().is_empty()),
                    role: default_role,
                    groups: Vec::new(),
                    active: true,
                    password_hash: None,
                    external: vec![ext.clone()],
                    created_at: now(),
                },
            }
        }
    };
    let created = store.user(user.id)?.is_none();
    let claims: Vec<String> = id.groups.iter().map(|g| g.to_lowercase()).collect();
    let mut groups: Vec<GroupId> = Vec::new();
    for g in store.all_groups()? {
        let managed = !g.external_names.is_empty();
        let granted = g
            .external_names
            .iter()
            .any(|n| claims.contains(&n.to_lowercase()));
        if granted || (!managed && user.groups.contains(&g.id)) {
            groups.push(g.id);
        }
    }
    let changed_groups = groups != user.groups;
    user.groups = groups;
    if let Some(name) = id.name.as_deref().filter(|n| !n.trim().is_empty()) {
        user.display_name = clean_line(name, 120);
    }
    store.put_user(&user)?.map_err(|_| {
        AppError::Conflict("Diese SSO-Identität gehört zu einem anderen Konto.".to_owned())
    })?;
    if created {
        audit::record(
            store,
            "sso",
            AuditAction::UserCreated,
            &user.login,
            format!("Rolle: {}", user.role.as_str()),
        )?;
    } else if changed_groups {
        audit::record(
            store,
            "sso",
            AuditAction::UserChanged,
            &user.login,
            "Gruppen aus SSO aktualisiert",
        )?;
    }
    Ok(user)
}
