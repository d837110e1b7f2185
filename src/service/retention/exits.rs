//! Planned exits and the knowledge at risk. Exit dates are visible to knowledge
//! managers and admins only; every function here checks that role first.
//!
//! # At risk
//! The holders of an article are its owner and deputies (groups expanded to their active
//! members) plus consenting experts who list it; the holders of a process step are the
//! holders of its linked, live, readable articles plus consenting experts who list the
//! step. An item is at risk when it has at least one holder named and none of them is
//! an active account without a planned exit inside the horizon. Items nobody was ever
//! assigned to are not "at risk" but "without owner" (dashboard, coverage).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::People;
use crate::domain::article::{Timestamp, now};
use crate::domain::process::ProcessId;
use crate::domain::retention::{
    DAY_MS, ExpertProfile, Owned, Ownership, PlannedExit, StepMeta, format_date, parse_date,
};
use crate::domain::{ArticleId, AuditAction, Role, UserId};
use crate::error::{AppError, Result};
use crate::service::auth::access::Access;
use crate::service::auth::audit;
use crate::service::{Actor, blocking, durable};
use crate::state::AppState;
use crate::store::{RetentionTree, Store, owned_of_key, step_key};

/// A planned exit for display (knowledge managers only).
#[derive(Debug, Clone, Serialize)]
pub struct ExitView {
    /// User id.
    pub user_id: String,
    /// Login.
    pub login: String,
    /// Display name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// `YYYY-MM-DD`, None when removed.
    pub date: Option<String>,
}

/// Sets (`Some`) or removes (`None`) a planned exit.
pub async fn set(
    state: &AppState,
    actor: &Actor,
    id_or_login: &str,
    date: Option<String>,
) -> Result<ExitView> {
    actor.require_write(Role::Wissensmanager)?;
    let (store, by, key) = (
        state.store.clone(),
        actor.login.clone(),
        id_or_login.to_owned(),
    );
    let out = blocking(move || {
        let u = crate::service::auth::users::find(&store, &key)?;
        let date = date.filter(|d| !d.trim().is_empty());
        match &date {
            Some(d) => {
                let at = parse_date(d).map_err(AppError::Invalid)?;
                let exit = PlannedExit {
                    date: format_date(at),
                    updated_at: now(),
                    updated_by: by.clone(),
                };
                store.retention_put(RetentionTree::PlannedExits, &u.id.to_bytes(), &exit)?;
            }
            None => store.retention_remove(RetentionTree::PlannedExits, &u.id.to_bytes())?,
        }
        // The audit log is admin-only; it records that, not when.
        audit::record(
            &store,
            &by,
            AuditAction::UserChanged,
            &u.login,
            "geplanter Austritt geändert",
        )?;
        Ok(ExitView {
            user_id: u.id.to_string(),
            login: u.login.clone(),
            name: u.display_name.clone(),
            unit: u.unit.clone(),
            date: date.map(|d| parse_date(&d).map(format_date).unwrap_or(d)),
        })
    })
    .await?;
    durable(state).await?;
    Ok(out)
}

/// Every planned exit (knowledge managers and admins).
pub async fn list(state: &AppState, actor: &Actor) -> Result<Vec<ExitView>> {
    actor.require(Role::Wissensmanager)?;
    let store = state.store.clone();
    blocking(move || {
        let people = People::load(&store)?;
        let mut out: Vec<ExitView> = exits(&store)?
            .into_iter()
            .filter_map(|(id, at)| {
                people.users.get(&id).map(|u| ExitView {
                    user_id: u.id.to_string(),
                    login: u.login.clone(),
                    name: u.display_name.clone(),
                    unit: u.unit.clone(),
                    date: Some(format_date(at)),
                })
            })
            .collect();
        out.sort_by(|a, b| a.date.cmp(&b.date).then(a.login.cmp(&b.login)));
        Ok(out)
    })
    .await
}

/// The exit of one account, for the WM-only account page.
pub async fn of_user(state: &AppState, actor: &Actor, id_or_login: &str) -> Result<Option<String>> {
    actor.require(Role::Wissensmanager)?;
    let (store, key) = (state.store.clone(), id_or_login.to_owned());
    blocking(move || {
        let u = crate::service::auth::users::find(&store, &key)?;
        Ok(store
            .retention_get::<PlannedExit>(RetentionTree::PlannedExits, &u.id.to_bytes())?
            .map(|e| e.date))
    })
    .await
}

/// Planned exits as start-of-day timestamps.
pub(crate) fn exits(store: &Store) -> Result<HashMap<UserId, Timestamp>> {
    let mut out = HashMap::new();
    for (k, e) in store.retention_all::<PlannedExit>(RetentionTree::PlannedExits)? {
        if let (Ok(bytes), Ok(at)) = (<[u8; 16]>::try_from(k.as_slice()), parse_date(&e.date)) {
            out.insert(UserId(ulid::Ulid::from_bytes(bytes)), at);
        }
    }
    Ok(out)
}

/// A step at risk.
#[derive(Debug, Clone, Serialize)]
pub struct RiskStep {
    /// Process id.
    pub process_id: String,
    /// Process title.
    pub process_title: String,
    /// Unit of the process.
    pub unit: String,
    /// BPMN element id.
    pub element_id: String,
    /// Step name.
    pub name: String,
    /// 1 … 3.
    pub criticality: u8,
    /// Holders (logins), all leaving.
    pub holders: Vec<String>,
    /// When the last holder leaves (`YYYY-MM-DD`; None when all are already gone).
    pub last_exit: Option<String>,
    /// Deep link.
    pub url: String,
}

/// An article at risk.
#[derive(Debug, Clone, Serialize)]
pub struct RiskArticle {
    /// Article id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Unit (owner's unit).
    pub unit: String,
    /// Highest criticality of a step it documents (0 when it documents none).
    pub criticality: u8,
    /// Holders (logins), all leaving.
    pub holders: Vec<String>,
    /// When the last holder leaves.
    pub last_exit: Option<String>,
    /// Link.
    pub url: String,
}

/// `GET /api/v1/retention/at-risk`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AtRisk {
    /// Horizon in months.
    pub months: u32,
    /// Steps, most critical first.
    pub steps: Vec<RiskStep>,
    /// Articles, most critical first.
    pub articles: Vec<RiskArticle>,
}

/// Knowledge at risk within `months` (knowledge managers and admins).
pub async fn at_risk(state: &AppState, actor: &Actor, months: u32) -> Result<AtRisk> {
    actor.require(Role::Wissensmanager)?;
    let (store, actor) = (state.store.clone(), actor.clone());
    blocking(move || compute(&store, &actor, months, now())).await
}

/// Whether a holder set is at risk; returns the latest exit among the holders.
fn leaving(
    holders: &HashSet<UserId>,
    people: &People,
    exits: &HashMap<UserId, Timestamp>,
    until: Timestamp,
) -> Option<Option<Timestamp>> {
    if holders.is_empty() {
        return None;
    }
    let mut last: Option<Timestamp> = None;
    for h in holders {
        let active = people.users.get(h).is_some_and(|u| u.active);
        if !active {
            continue;
        }
        match exits.get(h) {
            Some(at) if *at <= until => last = Some(last.map_or(*at, |l| l.max(*at))),
            _ => return None,
        }
    }
    Some(last)
}

fn logins(people: &People, ids: &HashSet<UserId>) -> Vec<String> {
    let mut v: Vec<String> = ids
        .iter()
        .filter_map(|id| people.users.get(id).map(|u| u.login.clone()))
        .collect();
    v.sort();
    v
}

/// The at-risk computation (no role check; callers check).
pub(crate) fn compute(store: &Store, actor: &Actor, months: u32, at: Timestamp) -> Result<AtRisk> {
    let months = months.clamp(1, 120);
    let until = at + i64::from(months) * 365 * DAY_MS / 12;
    let access = Access::compute(store, actor)?;
    let people = People::load(store)?;
    let exits = exits(store)?;
    // Holders per article: owners/deputies (all named accounts, so inactive ones count
    // as gone) plus consenting experts.
    let mut article_holders: HashMap<ArticleId, HashSet<UserId>> = HashMap::new();
    for (key, o) in store.retention_all::<Ownership>(RetentionTree::Ownership)? {
        if let Some(Owned::Article(id)) = owned_of_key(&key) {
            article_holders
                .entry(id)
                .or_default()
                .extend(people.named(&o));
        }
    }
    let mut step_experts: HashMap<(String, String), HashSet<UserId>> = HashMap::new();
    for (key, p) in store.retention_all::<ExpertProfile>(RetentionTree::Experts)? {
        let Ok(bytes) = <[u8; 16]>::try_from(key.as_slice()) else {
            continue;
        };
        if !p.consent {
            continue;
        }
        let uid = UserId(ulid::Ulid::from_bytes(bytes));
        for a in &p.articles {
            article_holders.entry(*a).or_default().insert(uid);
        }
        for s in &p.steps {
            step_experts
                .entry((s.process_id.clone(), s.element_id.clone()))
                .or_default()
                .insert(uid);
        }
    }
    let mut out = AtRisk {
        months,
        ..AtRisk::default()
    };
    let mut article_crit: HashMap<ArticleId, u8> = HashMap::new();
    for p in store.all_processes()? {
        let Ok(rev) = crate::service::processes::read::current_revision(store, &p) else {
            continue;
        };
        let links = store.process_links(p.id)?;
        for s in rev.steps.iter().filter(|s| !s.element_id.is_empty()) {
            let meta: StepMeta = store
                .retention_get(
                    RetentionTree::StepMeta,
                    &step_key(&p.id.to_string(), &s.element_id),
                )?
                .unwrap_or_default();
            let mut holders: HashSet<UserId> = step_experts
                .get(&(p.id.to_string(), s.element_id.clone()))
                .cloned()
                .unwrap_or_default();
            for l in links
                .iter()
                .filter(|l| l.is_anchored() && l.element_id == s.element_id)
            {
                let Some(a) = store.article(l.article)? else {
                    continue;
                };
                if a.is_deleted() || !access.can_read(a.space) {
                    continue;
                }
                let c = article_crit.entry(a.id).or_insert(0);
                *c = (*c).max(meta.criticality);
                if let Some(h) = article_holders.get(&a.id) {
                    holders.extend(h.iter().copied());
                }
            }
            if let Some(last) = leaving(&holders, &people, &exits, until) {
                out.steps.push(RiskStep {
                    process_id: p.id.to_string(),
                    process_title: p.title.clone(),
                    unit: p.unit.clone(),
                    element_id: s.element_id.clone(),
                    name: s.display_name(),
                    criticality: meta.criticality,
                    holders: logins(&people, &holders),
                    last_exit: last.map(format_date),
                    url: step_url(p.id, &s.element_id),
                });
            }
        }
    }
    for (id, holders) in &article_holders {
        let Some(a) = store.article(*id)? else {
            continue;
        };
        if a.is_deleted() || !access.can_read(a.space) {
            continue;
        }
        if let Some(last) = leaving(holders, &people, &exits, until) {
            let o = super::ownership_of(store, Owned::Article(a.id))?;
            out.articles.push(RiskArticle {
                id: a.id.to_string(),
                unit: super::article_unit(&people, &o, &a.created_by),
                title: a.title.clone(),
                criticality: article_crit.get(&a.id).copied().unwrap_or(0),
                holders: logins(&people, holders),
                last_exit: last.map(format_date),
                url: format!("/artikel/{}", a.slug),
            });
        }
    }
    out.steps.sort_by(|a, b| {
        b.criticality
            .cmp(&a.criticality)
            .then(a.last_exit.cmp(&b.last_exit))
            .then(a.process_title.cmp(&b.process_title))
            .then(a.name.cmp(&b.name))
    });
    out.articles.sort_by(|a, b| {
        b.criticality
            .cmp(&a.criticality)
            .then(a.last_exit.cmp(&b.last_exit))
            .then(a.title.cmp(&b.title))
    });
    Ok(out)
}

/// The deep link of a step page.
pub(crate) fn step_url(process: ProcessId, element_id: &str) -> String {
    let enc: String = url::form_urlencoded::byte_serialize(element_id.as_bytes()).collect();
    format!("/prozesse/{process}/schritte/{enc}")
}

/// Input of `PUT …/steps/{element_id}/criticality`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriticalityInput {
    /// 1 (low) … 3 (high).
    pub criticality: u8,
}

/// Sets a step's criticality (knowledge managers and admins).
pub async fn set_criticality(
    state: &AppState,
    actor: &Actor,
    process: ProcessId,
    element_id: String,
    criticality: u8,
) -> Result<StepMeta> {
    actor.require_write(Role::Wissensmanager)?;
    if !(1..=3).contains(&criticality) {
        return Err(AppError::Invalid(
            "Die Kritikalität ist 1 (niedrig), 2 (mittel) oder 3 (hoch).".to_owned(),
        ));
    }
    let store = state.store.clone();
    let meta = blocking(move || {
        let p = crate::service::processes::load(&store, process)?;
        let rev = crate::service::processes::read::current_revision(&store, &p)?;
        if rev.step(&element_id).is_none() {
            return Err(AppError::NotFound(
                "Diesen Schritt gibt es im aktuellen Prozessmodell nicht.".to_owned(),
            ));
        }
        let key = step_key(&process.to_string(), &element_id);
        let mut meta: StepMeta = store
            .retention_get(RetentionTree::StepMeta, &key)?
            .unwrap_or_default();
        meta.criticality = criticality;
        store.retention_put(RetentionTree::StepMeta, &key, &meta)?;
        Ok(meta)
    })
    .await?;
    durable(state).await?;
    Ok(meta)
}

/// A step's stored data (criticality, views).
pub fn step_meta(store: &Store, process: ProcessId, element_id: &str) -> Result<StepMeta> {
    Ok(store
        .retention_get(
            RetentionTree::StepMeta,
            &step_key(&process.to_string(), element_id),
        )?
        .unwrap_or_default())
}
