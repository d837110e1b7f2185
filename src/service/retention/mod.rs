//! Knowledge retention (issue #7): who owns an article or a process, whether it is
//! verified, who leaves when, who knows what, and the handover plans, tasks and the unit
//! dashboard built from that.
//!
//! # Visibility
//! Exit dates ([`exits`]) are for knowledge managers and admins only: the at-risk list,
//! the dashboard and the handover plans of other people all require that role, and no
//! other JSON shape, page, search document or export carries them. Every list of
//! articles is filtered through the reader's space permissions.

pub mod dashboard;
pub mod exits;
pub mod experts;
pub mod handover;
pub mod mail;
pub mod ownership;
pub mod tasks;
pub mod verification;

use std::collections::{HashMap, HashSet};

use crate::domain::retention::{Owned, Ownership, Principal};
use crate::domain::{Group, GroupId, Role, User, UserId};
use crate::error::{AppError, Result};
use crate::service::Actor;
use crate::store::{RetentionTree, Store, owned_key};

/// Every account and group, loaded once per use case.
#[derive(Debug, Clone)]
pub struct People {
    /// Accounts by id.
    pub users: HashMap<UserId, User>,
    /// Groups by id.
    pub groups: HashMap<GroupId, Group>,
}

impl People {
    /// Loads every account and group.
    pub fn load(store: &Store) -> Result<Self> {
        Ok(People {
            users: store.all_users()?.into_iter().map(|u| (u.id, u)).collect(),
            groups: store.all_groups()?.into_iter().map(|g| (g.id, g)).collect(),
        })
    }

    /// The active accounts a principal stands for (a group: its active members).
    pub fn active_members(&self, p: Principal) -> Vec<UserId> {
        match p {
            Principal::User(u) => self
                .users
                .get(&u)
                .filter(|u| u.active)
                .map(|u| vec![u.id])
                .unwrap_or_default(),
            Principal::Group(g) => {
                let mut v: Vec<UserId> = self
                    .users
                    .values()
                    .filter(|u| u.active && u.groups.contains(&g))
                    .map(|u| u.id)
                    .collect();
                v.sort();
                v
            }
        }
    }

    /// Display name of a principal.
    pub fn name(&self, p: Principal) -> String {
        match p {
            Principal::User(u) => self
                .users
                .get(&u)
                .map_or_else(|| u.to_string(), |u| u.display_name.clone()),
            Principal::Group(g) => self
                .groups
                .get(&g)
                .map_or_else(|| g.to_string(), |g| format!("Gruppe {}", g.name)),
        }
    }

    /// Stable handle of a principal (login or group name).
    pub fn handle(&self, p: Principal) -> String {
        match p {
            Principal::User(u) => self
                .users
                .get(&u)
                .map_or_else(|| u.to_string(), |u| u.login.clone()),
            Principal::Group(g) => self
                .groups
                .get(&g)
                .map_or_else(|| g.to_string(), |g| g.name.clone()),
        }
    }

    /// The active holders of an ownership (owner and deputies, groups expanded).
    pub fn holders(&self, o: &Ownership) -> HashSet<UserId> {
        o.principals()
            .into_iter()
            .flat_map(|p| self.active_members(p))
            .collect()
    }

    /// Every account an ownership names, active or not (groups expanded to all members).
    pub fn named(&self, o: &Ownership) -> HashSet<UserId> {
        let mut out = HashSet::new();
        for p in o.principals() {
            match p {
                Principal::User(u) => {
                    out.insert(u);
                }
                Principal::Group(g) => out.extend(
                    self.users
                        .values()
                        .filter(|u| u.groups.contains(&g))
                        .map(|u| u.id),
                ),
            }
        }
        out
    }

    /// The knowledge manager responsible for a unit: the first active user (by login)
    /// with role Wissensmanager in that unit, else the first active admin.
    pub fn unit_manager(&self, unit: &str) -> Option<UserId> {
        let mut candidates: Vec<&User> = self
            .users
            .values()
            .filter(|u| u.active && u.role == Role::Wissensmanager && u.unit == unit)
            .collect();
        if candidates.is_empty() {
            candidates = self
                .users
                .values()
                .filter(|u| u.active && u.role == Role::Admin)
                .collect();
        }
        candidates.sort_by(|a, b| a.login.cmp(&b.login));
        candidates.first().map(|u| u.id)
    }
}

/// Resolves "login", "user id", "group name" or "group id"; `gruppe:`/`group:` forces a
/// group when a login and a group share a name.
pub fn resolve_principal(store: &Store, raw: &str) -> Result<Principal> {
    let s = raw.trim();
    let forced = s
        .strip_prefix("gruppe:")
        .or_else(|| s.strip_prefix("group:"));
    if forced.is_none() {
        let user = match s.parse::<UserId>() {
            Ok(id) => store.user(id)?,
            Err(_) => store.user_by_login(&s.to_lowercase())?,
        };
        if let Some(u) = user {
            return Ok(Principal::User(u.id));
        }
    }
    let name = forced.unwrap_or(s).trim();
    let group = match name.parse::<GroupId>() {
        Ok(id) => store.group(id)?,
        Err(_) => store.group_by_name(name)?,
    };
    group.map(|g| Principal::Group(g.id)).ok_or_else(|| {
        AppError::Invalid(format!("„{raw}“ ist weder ein Benutzer noch eine Gruppe."))
    })
}

/// The ownership record of an item (default: nobody).
pub fn ownership_of(store: &Store, o: Owned) -> Result<Ownership> {
    Ok(store
        .retention_get(RetentionTree::Ownership, &owned_key(o))?
        .unwrap_or_default())
}

/// Whether the actor is named as owner or deputy (directly or through a group).
pub fn is_holder(actor: &Actor, o: &Ownership) -> bool {
    o.principals().into_iter().any(|p| match p {
        Principal::User(u) => actor.user == Some(u),
        Principal::Group(g) => actor.is_authenticated() && actor.groups.contains(&g),
    })
}

/// The unit an article belongs to for the dashboard: its owner's unit (a user owner),
/// else the unit of the person who created it.
pub fn article_unit(people: &People, o: &Ownership, created_by: &str) -> String {
    if let Some(Principal::User(u)) = o.owner
        && let Some(u) = people.users.get(&u)
    {
        return u.unit.clone();
    }
    people
        .users
        .values()
        .find(|u| u.login == created_by)
        .map(|u| u.unit.clone())
        .unwrap_or_default()
}

/// The daily job's work: expires confirmations past their date and wakes the indexer.
/// Returns how many articles expired.
pub async fn daily(state: &crate::state::AppState) -> Result<usize> {
    if let Err(e) = mail::send_reminders(state).await {
        tracing::warn!(error = %e, "reminder mails not sent");
    }
    let store = state.store.clone();
    let n = crate::service::blocking(move || {
        verification::expire_due(&store, crate::domain::article::now())
    })
    .await?;
    if n > 0 {
        crate::service::durable(state).await?;
        state.search.wake();
        tracing::info!(expired = n, "verifications expired");
    }
    Ok(n)
}

/// Runs [`daily`] at start and then every 24 hours. Reminders are the in-app task list
/// ([`tasks`]) and, with `[smtp]` configured, one e-mail digest per user ([`mail`]).
pub async fn run_daily(state: crate::state::AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
    loop {
        tick.tick().await;
        if let Err(e) = daily(&state).await {
            tracing::warn!(error = %e, "daily retention job failed");
        }
    }
}
