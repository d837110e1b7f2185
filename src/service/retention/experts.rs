//! The opt-in expert directory: people list topics, process steps and articles they
//! know. Nothing is shown to others, and nothing counts as knowledge holder, without the
//! person's consent. Suggestions (articles they own or verified) are shown only to the
//! person themselves until they add them.

use serde::{Deserialize, Serialize};

use super::People;
use crate::domain::article::now;
use crate::domain::retention::{ExpertProfile, Owned, StepRef, Verification};
use crate::domain::{ArticleId, UserId};
use crate::error::{AppError, Result};
use crate::service::auth::access::Access;
use crate::service::{Actor, blocking, durable};
use crate::state::AppState;
use crate::store::{RetentionTree, Store, owned_of_key};

/// Input of `PUT /api/v1/experts/me`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    /// Consent to be listed.
    pub consent: bool,
    /// Topics.
    #[serde(default)]
    pub topics: Vec<String>,
    /// Steps.
    #[serde(default)]
    pub steps: Vec<StepRef>,
    /// Articles (ids or slugs).
    #[serde(default)]
    pub articles: Vec<String>,
}

/// One person in the directory.
#[derive(Debug, Clone, Serialize)]
pub struct Expert {
    /// Login.
    pub login: String,
    /// Display name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Topics.
    pub topics: Vec<String>,
    /// Readable articles: (title, url).
    pub articles: Vec<(String, String)>,
    /// Steps.
    pub steps: Vec<StepRef>,
}

/// My own profile with suggestions.
#[derive(Debug, Clone, Serialize)]
pub struct MyProfile {
    /// The stored profile.
    pub profile: ExpertProfile,
    /// Articles I own or verified and have not listed: (id, title).
    pub suggestions: Vec<(String, String)>,
}

fn user_id(actor: &Actor) -> Result<UserId> {
    actor.user.ok_or(AppError::Unauthenticated)
}

/// Reads my profile.
pub async fn mine(state: &AppState, actor: &Actor) -> Result<MyProfile> {
    let me = user_id(actor)?;
    let (store, actor) = (state.store.clone(), actor.clone());
    blocking(move || {
        let profile: ExpertProfile = store
            .retention_get(RetentionTree::Experts, &me.to_bytes())?
            .unwrap_or_default();
        let people = People::load(&store)?;
        let access = Access::compute(&store, &actor)?;
        let mut ids: Vec<ArticleId> = Vec::new();
        for (key, o) in
            store.retention_all::<crate::domain::retention::Ownership>(RetentionTree::Ownership)?
        {
            if let Some(Owned::Article(id)) = owned_of_key(&key)
                && people.named(&o).contains(&me)
            {
                ids.push(id);
            }
        }
        for (key, v) in store.retention_all::<Verification>(RetentionTree::Verifications)? {
            if v.verified_by.as_deref() == Some(actor.login.as_str())
                && let Ok(b) = <[u8; 16]>::try_from(key.as_slice())
            {
                ids.push(ArticleId(ulid::Ulid::from_bytes(b)));
            }
        }
        let mut suggestions = Vec::new();
        for id in ids {
            if profile.articles.contains(&id)
                || suggestions.iter().any(|(i, _)| *i == id.to_string())
            {
                continue;
            }
            if let Some(a) = store.article(id)?
                && !a.is_deleted()
                && access.can_read(a.space)
            {
                suggestions.push((id.to_string(), a.title));
            }
        }
        Ok(MyProfile {
            profile,
            suggestions,
        })
    })
    .await
}

/// Saves my profile.
pub async fn save(state: &AppState, actor: &Actor, input: ProfileInput) -> Result<ExpertProfile> {
    let me = user_id(actor)?;
    let (store, actor2) = (state.store.clone(), actor.clone());
    let p = blocking(move || {
        let access = Access::compute(&store, &actor2)?;
        let mut articles = Vec::new();
        for a in input.articles.iter().filter(|s| !s.trim().is_empty()) {
            let a = super::ownership::readable_article(&store, &access, a.trim())?;
            if !articles.contains(&a.id) {
                articles.push(a.id);
            }
        }
        let topics: Vec<String> = input
            .topics
            .iter()
            .map(|t| crate::domain::article::clean_line(t, 80))
            .filter(|t| !t.is_empty())
            .take(50)
            .collect();
        let p = ExpertProfile {
            consent: input.consent,
            topics,
            steps: input.steps.into_iter().take(100).collect(),
            articles,
            updated_at: now(),
        };
        store.retention_put(RetentionTree::Experts, &me.to_bytes(), &p)?;
        Ok(p)
    })
    .await?;
    durable(state).await?;
    Ok(p)
}

/// The directory: consenting, active people; articles filtered by the reader's access.
pub async fn directory(state: &AppState, actor: &Actor) -> Result<Vec<Expert>> {
    if !actor.is_authenticated() {
        return Err(AppError::Unauthenticated);
    }
    let (store, actor) = (state.store.clone(), actor.clone());
    blocking(move || directory_blocking(&store, &actor, |_| true)).await
}

pub(crate) fn directory_blocking(
    store: &Store,
    actor: &Actor,
    keep: impl Fn(&ExpertProfile) -> bool,
) -> Result<Vec<Expert>> {
    let people = People::load(store)?;
    let access = Access::compute(store, actor)?;
    let mut out = Vec::new();
    for (key, p) in store.retention_all::<ExpertProfile>(RetentionTree::Experts)? {
        let Ok(b) = <[u8; 16]>::try_from(key.as_slice()) else {
            continue;
        };
        let Some(u) = people.users.get(&UserId(ulid::Ulid::from_bytes(b))) else {
            continue;
        };
        if !p.consent || !u.active || !keep(&p) {
            continue;
        }
        let mut articles = Vec::new();
        for id in &p.articles {
            if let Some(a) = store.article(*id)?
                && !a.is_deleted()
                && access.can_read(a.space)
            {
                articles.push((a.title, format!("/artikel/{}", a.slug)));
            }
        }
        out.push(Expert {
            login: u.login.clone(),
            name: u.display_name.clone(),
            unit: u.unit.clone(),
            topics: p.topics.clone(),
            articles,
            steps: p.steps.clone(),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// "Wen kann ich fragen?" for an article: consenting experts listing it.
pub fn for_article(store: &Store, actor: &Actor, id: ArticleId) -> Result<Vec<Expert>> {
    directory_blocking(store, actor, |p| p.articles.contains(&id))
}

/// "Wen kann ich fragen?" for a step.
pub fn for_step(store: &Store, actor: &Actor, process: &str, element: &str) -> Result<Vec<Expert>> {
    directory_blocking(store, actor, |p| {
        p.steps
            .iter()
            .any(|s| s.process_id == process && s.element_id == element)
    })
}

/// Adds the step to my profile, or removes it when listed; returns whether it is listed
/// now. Consent is given separately on the directory page.
pub async fn toggle_step(state: &AppState, actor: &Actor, step: StepRef) -> Result<bool> {
    let me = user_id(actor)?;
    let store = state.store.clone();
    let listed = blocking(move || {
        let mut p: ExpertProfile = store
            .retention_get(RetentionTree::Experts, &me.to_bytes())?
            .unwrap_or_default();
        let listed = if let Some(i) = p.steps.iter().position(|s| *s == step) {
            p.steps.remove(i);
            false
        } else {
            p.steps.push(step);
            true
        };
        p.updated_at = now();
        store.retention_put(RetentionTree::Experts, &me.to_bytes(), &p)?;
        Ok(listed)
    })
    .await?;
    durable(state).await?;
    Ok(listed)
}

/// Whether my profile lists the step.
pub fn lists_step(store: &Store, actor: &Actor, step: &StepRef) -> Result<bool> {
    let Some(me) = actor.user else {
        return Ok(false);
    };
    Ok(store
        .retention_get::<ExpertProfile>(RetentionTree::Experts, &me.to_bytes())?
        .is_some_and(|p| p.steps.contains(step)))
}
