//! API tokens: `stf_<id>_<secret>`, shown once at creation. The store keeps the id and the
//! SHA-256 of the secret; the id makes lookup a single read, the hash compare is constant
//! time.

use base64::Engine;
use sha2::{Digest, Sha256};

use super::{Actor, Via, audit};
use crate::domain::article::{clean_line, now};
use crate::domain::{ApiToken, AuditAction, Role, TokenId, TokenScope};
use crate::error::{AppError, Result};
use crate::service::{blocking, durable};
use crate::state::AppState;
use crate::store::Store;

const PREFIX: &str = "stf_";
const TOUCH_EVERY_MS: i64 = 60_000;

fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Creates a token for the user `login` synchronously; returns the record and the token
/// string (the only time it is visible).
pub fn create_blocking(
    store: &Store,
    by: &str,
    login: &str,
    name: &str,
    scope: TokenScope,
) -> Result<(ApiToken, String)> {
    let user = super::users::find(store, login)?;
    if !user.active {
        return Err(AppError::Invalid("Das Konto ist deaktiviert.".to_owned()));
    }
    let secret =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let token = ApiToken {
        id: TokenId::new(),
        user: user.id,
        name: match clean_line(name, 80) {
            n if n.is_empty() => "API".to_owned(),
            n => n,
        },
        scope,
        created_at: now(),
        last_used: None,
        secret_hash: secret_hash(&secret),
    };
    store.put_token(&token)?;
    audit::record(
        store,
        by,
        AuditAction::TokenCreated,
        &user.login,
        format!("{} ({})", token.name, scope.as_str()),
    )?;
    let plain = format!("{PREFIX}{}_{secret}", token.id);
    Ok((token, plain))
}

/// Creates a token for the actor (or, for admins, for another user).
pub async fn create(
    state: &AppState,
    actor: &Actor,
    login: Option<String>,
    name: String,
    scope: TokenScope,
) -> Result<(ApiToken, String)> {
    if actor.via != Via::Session && actor.via != Via::System {
        // A token must not mint tokens: a leaked read token could otherwise escalate.
        return Err(AppError::Forbidden(
            "API-Tokens werden in der Oberfläche oder auf der Kommandozeile erstellt.".to_owned(),
        ));
    }
    let own = actor.login.clone();
    let target = login.unwrap_or_else(|| own.clone());
    if target != own {
        actor.require_write(Role::Admin)?;
    }
    let store = state.store.clone();
    let r = blocking(move || create_blocking(&store, &own, &target, &name, scope)).await?;
    durable(state).await?;
    Ok(r)
}

/// The actor for a bearer token, or `None` when it is malformed, unknown, revoked, or its
/// user is deactivated.
pub fn resolve_blocking(store: &Store, bearer: &str) -> Result<Option<Actor>> {
    let Some((id, secret)) = bearer
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.split_once('_'))
    else {
        return Ok(None);
    };
    let Ok(id) = id.parse::<TokenId>() else {
        return Ok(None);
    };
    let Some(mut token) = store.token(id)? else {
        return Ok(None);
    };
    if !super::same_secret(&token.secret_hash, &secret_hash(secret)) {
        return Ok(None);
    }
    let Some(user) = store.user(token.user)?.filter(|u| u.active) else {
        return Ok(None);
    };
    let t = now();
    if token.last_used.is_none_or(|l| t - l > TOUCH_EVERY_MS) {
        token.last_used = Some(t);
        store.put_token(&token)?;
    }
    Ok(Some(Actor::for_user(&user, Via::Token(token.scope))))
}

/// The actor's own tokens.
pub async fn mine(state: &AppState, actor: &Actor) -> Result<Vec<ApiToken>> {
    let user = actor.user.ok_or(AppError::Unauthenticated)?;
    let store = state.store.clone();
    blocking(move || Ok(store.tokens_of(user)?)).await
}

/// Revokes a token: its owner or an admin.
pub async fn revoke(state: &AppState, actor: &Actor, id: &str) -> Result<()> {
    let id = id
        .parse::<TokenId>()
        .map_err(|_| AppError::NotFound("Token nicht gefunden.".to_owned()))?;
    let store = state.store.clone();
    let who = actor.clone();
    blocking(move || {
        let token = store
            .token(id)?
            .filter(|t| Some(t.user) == who.user || who.is_admin())
            .ok_or_else(|| AppError::NotFound("Token nicht gefunden.".to_owned()))?;
        store.remove_token(id)?;
        let owner = store.user(token.user)?.map(|u| u.login).unwrap_or_default();
        audit::record(
            &store,
            &who.login,
            AuditAction::TokenRevoked,
            &owner,
            token.name,
        )
    })
    .await?;
    durable(state).await
}
