//! Wissensstafette: a handover plan per leaver with successors, phases, a knowledge map
//! and the Übergabeprotokoll checklist. Knowledge managers create and see every plan;
//! the leaver and the successors see and update their own. The exit date appears in the
//! plan only for knowledge managers and admins.

use serde::{Deserialize, Serialize};

use super::People;
use crate::domain::article::now;
use crate::domain::retention::{
    CHECKLIST_TEMPLATE, CheckItem, HandoverPlan, MapItem, Phase, PlanId, PlannedExit, format_date,
};
use crate::domain::{Role, UserId};
use crate::error::{AppError, Result};
use crate::service::{Actor, blocking, durable};
use crate::state::AppState;
use crate::store::{RetentionTree, Store};

/// Input of `POST /api/v1/handovers` and `PUT /api/v1/handovers/{id}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    /// The leaver (login or id); only on creation.
    #[serde(default)]
    pub leaver: Option<String>,
    /// Successors (logins or ids); knowledge managers only.
    #[serde(default)]
    pub successors: Option<Vec<String>>,
    /// Phase key.
    #[serde(default)]
    pub phase: Option<Phase>,
    /// Knowledge map (replaces the stored one).
    #[serde(default)]
    pub items: Option<Vec<MapItem>>,
    /// Checklist (replaces the stored one).
    #[serde(default)]
    pub checklist: Option<Vec<CheckItem>>,
}

/// A plan for display.
#[derive(Debug, Clone, Serialize)]
pub struct PlanView {
    /// Id.
    pub id: String,
    /// Leaver login.
    pub leaver: String,
    /// Leaver name.
    pub leaver_name: String,
    /// Unit of the leaver.
    pub unit: String,
    /// Successor logins.
    pub successors: Vec<String>,
    /// Exit date (knowledge managers and admins only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_date: Option<String>,
    /// Phase key.
    pub phase: Phase,
    /// Phase label.
    pub phase_label: &'static str,
    /// Knowledge map.
    pub items: Vec<MapItem>,
    /// Checklist.
    pub checklist: Vec<CheckItem>,
    /// Done steps.
    pub done: usize,
    /// All steps.
    pub total: usize,
}

fn view(store: &Store, people: &People, actor: &Actor, p: &HandoverPlan) -> Result<PlanView> {
    let login = |id: &UserId| {
        people
            .users
            .get(id)
            .map_or_else(|| id.to_string(), |u| u.login.clone())
    };
    let leaver = people.users.get(&p.leaver);
    let exit_date = if actor.has_role(Role::Wissensmanager) {
        store
            .retention_get::<PlannedExit>(RetentionTree::PlannedExits, &p.leaver.to_bytes())?
            .map(|e| e.date)
    } else {
        None
    };
    let (done, total) = p.progress();
    Ok(PlanView {
        id: p.id.to_string(),
        leaver: login(&p.leaver),
        leaver_name: leaver.map(|u| u.display_name.clone()).unwrap_or_default(),
        unit: leaver.map(|u| u.unit.clone()).unwrap_or_default(),
        successors: p.successors.iter().map(login).collect(),
        exit_date,
        phase: p.phase,
        phase_label: p.phase.label(),
        items: p.items.clone(),
        checklist: p.checklist.clone(),
        done,
        total,
    })
}

fn participant(actor: &Actor, p: &HandoverPlan) -> bool {
    actor
        .user
        .is_some_and(|u| p.leaver == u || p.successors.contains(&u))
}

fn load(store: &Store, actor: &Actor, id: &str) -> Result<HandoverPlan> {
    let not_found = || AppError::NotFound("Übergabeplan nicht gefunden.".to_owned());
    let id: PlanId = id.parse().map_err(|_| not_found())?;
    let p: HandoverPlan = store
        .retention_get(RetentionTree::Handovers, &id.0.to_bytes())?
        .ok_or_else(not_found)?;
    if actor.has_role(Role::Wissensmanager) || participant(actor, &p) {
        Ok(p)
    } else {
        Err(not_found())
    }
}

fn users(store: &Store, names: &[String]) -> Result<Vec<UserId>> {
    let mut out = Vec::new();
    for n in names.iter().filter(|n| !n.trim().is_empty()) {
        let u = crate::service::auth::users::find(store, n.trim())
            .map_err(|_| AppError::Invalid(format!("Den Benutzer „{n}“ gibt es nicht.")))?;
        if !out.contains(&u.id) {
            out.push(u.id);
        }
    }
    Ok(out)
}

fn check_items(items: &[MapItem]) -> Result<()> {
    if items.len() > 200 || items.iter().any(|i| !(1..=3).contains(&i.priority)) {
        return Err(AppError::Invalid(
            "Höchstens 200 Einträge; Priorität 1 (hoch) bis 3 (niedrig).".to_owned(),
        ));
    }
    Ok(())
}

/// Creates a plan (knowledge managers and admins) with the checklist template.
pub async fn create(state: &AppState, actor: &Actor, input: PlanInput) -> Result<PlanView> {
    actor.require_write(Role::Wissensmanager)?;
    let (store, actor) = (state.store.clone(), actor.clone());
    let v = blocking(move || {
        let leaver = input
            .leaver
            .as_deref()
            .ok_or_else(|| AppError::Invalid("Wer geht? (leaver fehlt)".to_owned()))?;
        let leaver = crate::service::auth::users::find(&store, leaver)?;
        let items = input.items.unwrap_or_default();
        check_items(&items)?;
        let at = now();
        let plan = HandoverPlan {
            id: PlanId::new(),
            leaver: leaver.id,
            successors: users(&store, &input.successors.unwrap_or_default())?,
            phase: input.phase.unwrap_or_default(),
            items,
            checklist: input.checklist.unwrap_or_else(|| {
                CHECKLIST_TEMPLATE
                    .iter()
                    .map(|t| CheckItem {
                        text: (*t).to_owned(),
                        done: false,
                    })
                    .collect()
            }),
            created_at: at,
            updated_at: at,
            updated_by: actor.login.clone(),
        };
        store.retention_put(RetentionTree::Handovers, &plan.id.0.to_bytes(), &plan)?;
        view(&store, &People::load(&store)?, &actor, &plan)
    })
    .await?;
    durable(state).await?;
    Ok(v)
}

/// Changes a plan: participants update phase, map and checklist; successors only by
/// knowledge managers.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: &str,
    input: PlanInput,
) -> Result<PlanView> {
    actor.require_write(Role::Leser)?;
    let (store, actor, id) = (state.store.clone(), actor.clone(), id.to_owned());
    let v = blocking(move || {
        let mut plan = load(&store, &actor, &id)?;
        if input.leaver.is_some() {
            return Err(AppError::Invalid(
                "Die ausscheidende Person lässt sich nicht ändern.".to_owned(),
            ));
        }
        if let Some(s) = &input.successors {
            actor.require_write(Role::Wissensmanager)?;
            plan.successors = users(&store, s)?;
        }
        if let Some(p) = input.phase {
            plan.phase = p;
        }
        if let Some(items) = input.items {
            check_items(&items)?;
            plan.items = items;
        }
        if let Some(c) = input.checklist {
            plan.checklist = c.into_iter().take(100).collect();
        }
        plan.updated_at = now();
        plan.updated_by = actor.login.clone();
        store.retention_put(RetentionTree::Handovers, &plan.id.0.to_bytes(), &plan)?;
        view(&store, &People::load(&store)?, &actor, &plan)
    })
    .await?;
    durable(state).await?;
    Ok(v)
}

/// One plan (participants and knowledge managers; others get 404).
pub async fn get(state: &AppState, actor: &Actor, id: &str) -> Result<PlanView> {
    let (store, actor, id) = (state.store.clone(), actor.clone(), id.to_owned());
    blocking(move || {
        let plan = load(&store, &actor, &id)?;
        view(&store, &People::load(&store)?, &actor, &plan)
    })
    .await
}

/// Plans the actor may see: all for knowledge managers, else their own.
pub async fn list(state: &AppState, actor: &Actor) -> Result<Vec<PlanView>> {
    if !actor.is_authenticated() {
        return Err(AppError::Unauthenticated);
    }
    let (store, actor) = (state.store.clone(), actor.clone());
    blocking(move || list_blocking(&store, &actor)).await
}

pub(crate) fn list_blocking(store: &Store, actor: &Actor) -> Result<Vec<PlanView>> {
    let people = People::load(store)?;
    let mut out = Vec::new();
    for (_, p) in store.retention_all::<HandoverPlan>(RetentionTree::Handovers)? {
        if actor.has_role(Role::Wissensmanager) || participant(actor, &p) {
            out.push(view(store, &people, actor, &p)?);
        }
    }
    out.sort_by(|a, b| a.leaver.cmp(&b.leaver));
    Ok(out)
}

/// `YYYY-MM-DD` of now, for templates.
pub fn today() -> String {
    format_date(now())
}
