//! Installation-wide account settings kept in the `meta` tree.

use crate::error::Result;
use crate::store::Store;

const ANONYMOUS_READ: &str = "auth.anonymous_read";

/// Whether anonymous visitors may read spaces that allow it (off by default).
pub fn anonymous_read(store: &Store) -> Result<bool> {
    Ok(store.meta_get::<bool>(ANONYMOUS_READ)?.unwrap_or(false))
}

/// Switches anonymous reading on or off (not flushed; callers make it durable).
pub fn set_anonymous_read(store: &Store, on: bool) -> Result<()> {
    store.meta_put(ANONYMOUS_READ, &on)?;
    Ok(())
}

/// Installation-wide account settings as the API shows them.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct AuthSettings {
    /// Anonymous visitors may read spaces that allow it.
    pub anonymous_read: bool,
}

/// The current settings (admins only).
pub async fn get(state: &crate::state::AppState, actor: &super::Actor) -> Result<AuthSettings> {
    actor.require(crate::domain::Role::Admin)?;
    let store = state.store.clone();
    crate::service::blocking(move || {
        Ok(AuthSettings {
            anonymous_read: anonymous_read(&store)?,
        })
    })
    .await
}

/// Changes the settings (admins only); audited.
pub async fn set(
    state: &crate::state::AppState,
    actor: &super::Actor,
    new: AuthSettings,
) -> Result<AuthSettings> {
    actor.require_write(crate::domain::Role::Admin)?;
    let store = state.store.clone();
    let by = actor.login.clone();
    crate::service::blocking(move || {
        let before = anonymous_read(&store)?;
        if before != new.anonymous_read {
            set_anonymous_read(&store, new.anonymous_read)?;
            super::audit::record(
                &store,
                &by,
                crate::domain::AuditAction::SettingChanged,
                "anonymous_read",
                format!("{before} → {}", new.anonymous_read),
            )?;
        }
        Ok(())
    })
    .await?;
    state.cache.bump_writes();
    crate::service::durable(state).await?;
    Ok(new)
}
