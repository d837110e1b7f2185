//! Verification: Entwurf → in Prüfung → verifiziert → abgelaufen → archiviert, review
//! intervals per article and per space, the daily expiry, and the reset after a content
//! edit where the space asks for it. A status change enqueues the article for the search
//! index (its `status` field) through the outbox.

use serde::{Deserialize, Serialize};

use super::{is_holder, ownership_of};
use crate::domain::article::{Timestamp, now};
use crate::domain::retention::{
    DAY_MS, Owned, SpaceRetention, Verification, VerificationStatus, check_interval, format_date,
};
use crate::domain::{Article, ArticleId, Role, SpaceId};
use crate::error::{AppError, Result};
use crate::service::auth::access::Access;
use crate::service::{Actor, blocking, durable};
use crate::state::AppState;
use crate::store::{OutboxEntry, OutboxOp, RetentionTree, Store};

/// The stored record of an article (default: Entwurf).
pub fn record(store: &Store, id: ArticleId) -> Result<Verification> {
    Ok(store
        .retention_get(RetentionTree::Verifications, &id.to_bytes())?
        .unwrap_or_default())
}

/// The effective status of an article now.
pub fn status(store: &Store, id: ArticleId) -> Result<VerificationStatus> {
    Ok(record(store, id)?.effective(now()))
}

/// Retention settings of a space (defaults when unset).
pub fn space_settings(store: &Store, space: SpaceId) -> Result<SpaceRetention> {
    Ok(store
        .retention_get(RetentionTree::SpaceRetention, &space.to_bytes())?
        .unwrap_or_default())
}

fn save(store: &Store, id: ArticleId, v: &Verification) -> Result<()> {
    store.retention_put(RetentionTree::Verifications, &id.to_bytes(), v)?;
    // The index shows the status: let the indexer look at the article again.
    store.outbox_append(OutboxEntry {
        article: id,
        op: OutboxOp::Upsert,
    })?;
    Ok(())
}

/// The verification of an article for display.
#[derive(Debug, Clone, Serialize)]
pub struct VerificationView {
    /// Status key.
    pub status: &'static str,
    /// German label.
    pub label: &'static str,
    /// Last confirmation (ms).
    pub verified_at: Option<Timestamp>,
    /// Who confirmed.
    pub verified_by: Option<String>,
    /// Expiry (ms).
    pub expires_at: Option<Timestamp>,
    /// Expiry as `YYYY-MM-DD`.
    pub expires_on: Option<String>,
    /// Effective interval in days.
    pub interval_days: u32,
    /// Whether the asking user may verify.
    pub can_verify: bool,
}

fn view(store: &Store, actor: &Actor, a: &Article, v: &Verification) -> Result<VerificationView> {
    let s = v.effective(now());
    let interval = v
        .interval_days
        .unwrap_or(space_settings(store, a.space)?.interval_days);
    Ok(VerificationView {
        status: s.key(),
        label: s.label(),
        verified_at: v.verified_at,
        verified_by: v.verified_by.clone(),
        expires_at: v.expires_at,
        expires_on: v.expires_at.map(format_date),
        interval_days: interval,
        can_verify: may_verify(store, actor, a.id)?,
    })
}

/// Owners, deputies (directly or via a group), knowledge managers and admins.
fn may_verify(store: &Store, actor: &Actor, id: ArticleId) -> Result<bool> {
    if !actor.is_authenticated() || !actor.may_write() {
        return Ok(false);
    }
    Ok(actor.has_role(Role::Wissensmanager)
        || is_holder(actor, &ownership_of(store, Owned::Article(id))?))
}

/// The verification of a readable article.
pub async fn get(state: &AppState, actor: &Actor, id_or_slug: &str) -> Result<VerificationView> {
    let (store, actor, key) = (state.store.clone(), actor.clone(), id_or_slug.to_owned());
    blocking(move || {
        let access = Access::compute(&store, &actor)?;
        let a = super::ownership::readable_article(&store, &access, &key)?;
        view(&store, &actor, &a, &record(&store, a.id)?)
    })
    .await
}

/// A change of status or interval.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerificationInput {
    /// New status (`verifiziert` confirms; others set the status).
    #[serde(default)]
    pub status: Option<String>,
    /// New review interval for this article (days).
    #[serde(default)]
    pub interval_days: Option<u32>,
}

fn change(
    store: &Store,
    actor: &Actor,
    key: &str,
    input: &VerificationInput,
) -> Result<VerificationView> {
    let access = Access::compute(store, actor)?;
    let a = super::ownership::readable_article(store, &access, key)?;
    if a.is_deleted() {
        return Err(AppError::NotFound("Artikel nicht gefunden.".to_owned()));
    }
    actor.require_write(Role::Leser)?;
    if !may_verify(store, actor, a.id)? {
        return Err(AppError::Forbidden(
            "Prüfen dürfen nur Verantwortliche, Vertretungen und das Wissensmanagement.".to_owned(),
        ));
    }
    let mut v = record(store, a.id)?;
    if let Some(days) = input.interval_days {
        v.interval_days = Some(check_interval(days).map_err(AppError::Invalid)?);
    }
    let target = match input.status.as_deref() {
        None => None,
        Some(s) => Some(VerificationStatus::parse(s).ok_or_else(|| {
            AppError::Invalid(format!(
                "Unbekannter Status „{s}“ (erlaubt: entwurf, in_pruefung, verifiziert, abgelaufen, archiviert)."
            ))
        })?),
    };
    let at = now();
    match target {
        Some(VerificationStatus::Verifiziert) => {
            let interval = v
                .interval_days
                .unwrap_or(space_settings(store, a.space)?.interval_days);
            v.status = VerificationStatus::Verifiziert;
            v.verified_at = Some(at);
            v.verified_by = Some(actor.login.clone());
            v.expires_at = Some(at + i64::from(interval) * DAY_MS);
        }
        Some(s) => v.status = s,
        None => {
            // A new interval moves the expiry of a current confirmation.
            if let (Some(days), Some(at)) = (v.interval_days, v.verified_at) {
                v.expires_at = Some(at + i64::from(days) * DAY_MS);
            }
        }
    }
    save(store, a.id, &v)?;
    tracing::info!(id = %a.id, status = v.status.key(), by = %actor.login, "verification changed");
    view(store, actor, &a, &v)
}

/// Confirms an article (`POST …/verify`), optionally with a new interval.
pub async fn verify(
    state: &AppState,
    actor: &Actor,
    id_or_slug: &str,
    interval_days: Option<u32>,
) -> Result<VerificationView> {
    set(
        state,
        actor,
        id_or_slug,
        VerificationInput {
            status: Some("verifiziert".to_owned()),
            interval_days,
        },
    )
    .await
}

/// Sets the status and/or interval of an article.
pub async fn set(
    state: &AppState,
    actor: &Actor,
    id_or_slug: &str,
    input: VerificationInput,
) -> Result<VerificationView> {
    let (store, who, key) = (state.store.clone(), actor.clone(), id_or_slug.to_owned());
    let v = blocking(move || change(&store, &who, &key, &input)).await?;
    durable(state).await?;
    state.search.wake();
    Ok(v)
}

/// After a content edit: "verifiziert" becomes "in Prüfung" where the space asks for it.
/// Called in the same blocking step as the save.
pub fn on_content_edit(store: &Store, a: &Article) -> Result<()> {
    if !space_settings(store, a.space)?.reset_on_edit {
        return Ok(());
    }
    let mut v = record(store, a.id)?;
    if v.effective(now()) == VerificationStatus::Verifiziert {
        v.status = VerificationStatus::InPruefung;
        save(store, a.id, &v)?;
    }
    Ok(())
}

/// Writes "abgelaufen" for every confirmation past its expiry; returns how many.
/// Reads already treat them as expired; this makes the index and lists agree.
pub fn expire_due(store: &Store, at: Timestamp) -> Result<usize> {
    let mut n = 0;
    for (key, mut v) in store.retention_all::<Verification>(RetentionTree::Verifications)? {
        if v.status == VerificationStatus::Verifiziert
            && v.effective(at) == VerificationStatus::Abgelaufen
        {
            let Ok(bytes) = <[u8; 16]>::try_from(key.as_slice()) else {
                continue;
            };
            v.status = VerificationStatus::Abgelaufen;
            save(store, ArticleId(ulid::Ulid::from_bytes(bytes)), &v)?;
            n += 1;
        }
    }
    Ok(n)
}

/// Retention settings of a space for the API and UI.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpaceSettingsInput {
    /// Default review interval in days.
    pub interval_days: u32,
    /// Whether a content edit resets "verifiziert" to "in Prüfung".
    #[serde(default)]
    pub reset_on_edit: bool,
}

/// Reads a space's settings (readers of the space).
pub async fn get_space(state: &AppState, actor: &Actor, slug: &str) -> Result<SpaceRetention> {
    let (store, actor, slug) = (state.store.clone(), actor.clone(), slug.to_owned());
    blocking(move || {
        let s = crate::service::spaces::resolve(&store, &slug)?;
        Access::compute(&store, &actor)?.require_read(s.id, "Bereich")?;
        space_settings(&store, s.id)
    })
    .await
}

/// Changes a space's settings (knowledge managers and admins).
pub async fn set_space(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    input: SpaceSettingsInput,
) -> Result<SpaceRetention> {
    actor.require_write(Role::Wissensmanager)?;
    let (store, who, slug) = (state.store.clone(), actor.clone(), slug.to_owned());
    let out = blocking(move || {
        let s = crate::service::spaces::resolve(&store, &slug)?;
        Access::compute(&store, &who)?.require_read(s.id, "Bereich")?;
        let settings = SpaceRetention {
            interval_days: check_interval(input.interval_days).map_err(AppError::Invalid)?,
            reset_on_edit: input.reset_on_edit,
        };
        store.retention_put(RetentionTree::SpaceRetention, &s.id.to_bytes(), &settings)?;
        Ok(settings)
    })
    .await?;
    durable(state).await?;
    Ok(out)
}

/// A space with its retention settings, for the settings page.
#[derive(Debug, Clone, Serialize)]
pub struct SpaceSettingsRow {
    /// Space slug.
    pub slug: String,
    /// Space name.
    pub name: String,
    /// Settings.
    pub settings: SpaceRetention,
}

/// Every readable space with its settings (knowledge managers and admins).
pub async fn all_spaces(state: &AppState, actor: &Actor) -> Result<Vec<SpaceSettingsRow>> {
    actor.require(Role::Wissensmanager)?;
    let (store, actor) = (state.store.clone(), actor.clone());
    blocking(move || {
        let access = Access::compute(&store, &actor)?;
        let mut out = Vec::new();
        for s in store.all_spaces()? {
            if access.can_read(s.id) {
                out.push(SpaceSettingsRow {
                    settings: space_settings(&store, s.id)?,
                    slug: s.slug.to_string(),
                    name: s.name,
                });
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    })
    .await
}
