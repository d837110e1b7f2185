//! Owners and deputies of articles and processes, the automatic move when an account is
//! deactivated, and the list "ohne aktive Verantwortliche".

use serde::{Deserialize, Serialize};

use super::{People, is_holder, ownership_of, resolve_principal};
use crate::domain::article::now;
use crate::domain::process::ProcessId;
use crate::domain::retention::{Owned, Ownership, Principal, Transfer};
use crate::domain::{ArticleId, Role, User};
use crate::error::{AppError, Result};
use crate::service::auth::access::Access;
use crate::service::{Actor, blocking, durable};
use crate::state::AppState;
use crate::store::{RetentionTree, Store, owned_key, owned_of_key};

/// Input of `PUT …/ownership`: users or groups by id or login/name.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnershipInput {
    /// The owner (empty or missing: nobody).
    #[serde(default)]
    pub owner: Option<String>,
    /// Deputies.
    #[serde(default)]
    pub deputies: Vec<String>,
}

/// A principal for display.
#[derive(Debug, Clone, Serialize)]
pub struct PrincipalView {
    /// "user" or "group".
    pub kind: &'static str,
    /// Id.
    pub id: String,
    /// Login or group name.
    pub handle: String,
    /// Display name.
    pub name: String,
    /// Whether it stands for at least one active account.
    pub active: bool,
}

/// Ownership for display.
#[derive(Debug, Clone, Serialize)]
pub struct OwnershipView {
    /// Owner.
    pub owner: Option<PrincipalView>,
    /// Deputies.
    pub deputies: Vec<PrincipalView>,
    /// Whether any owner or deputy is an active account.
    pub has_active: bool,
    /// Set after an automatic move (deactivation): from whom.
    pub transferred_from: Option<String>,
}

impl OwnershipView {
    /// Builds the view.
    pub fn new(people: &People, o: &Ownership) -> Self {
        let view = |p: Principal| PrincipalView {
            kind: match p {
                Principal::User(_) => "user",
                Principal::Group(_) => "group",
            },
            id: match p {
                Principal::User(u) => u.to_string(),
                Principal::Group(g) => g.to_string(),
            },
            handle: people.handle(p),
            name: people.name(p),
            active: !people.active_members(p).is_empty(),
        };
        OwnershipView {
            owner: o.owner.map(view),
            deputies: o.deputies.iter().copied().map(view).collect(),
            has_active: !people.holders(o).is_empty(),
            transferred_from: o.transferred.as_ref().map(|t| t.from.clone()),
        }
    }
}

fn parse_input(
    store: &Store,
    input: &OwnershipInput,
) -> Result<(Option<Principal>, Vec<Principal>)> {
    let owner = input
        .owner
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| resolve_principal(store, s))
        .transpose()?;
    let mut deputies = Vec::new();
    for d in input.deputies.iter().filter(|s| !s.trim().is_empty()) {
        let p = resolve_principal(store, d)?;
        if Some(p) != owner && !deputies.contains(&p) {
            deputies.push(p);
        }
    }
    if deputies.len() > 20 {
        return Err(AppError::Invalid("Höchstens 20 Vertretungen.".to_owned()));
    }
    Ok((owner, deputies))
}

/// Finds a readable, live article by id or slug.
pub(crate) fn readable_article(
    store: &Store,
    access: &Access,
    id_or_slug: &str,
) -> Result<crate::domain::Article> {
    let a = crate::service::articles::find(store, id_or_slug)?;
    access.require_read(a.space, "Artikel")?;
    Ok(a)
}

/// The ownership of an article (everybody who may read it).
pub async fn article(state: &AppState, actor: &Actor, id_or_slug: &str) -> Result<OwnershipView> {
    let (store, actor, key) = (state.store.clone(), actor.clone(), id_or_slug.to_owned());
    blocking(move || {
        let access = Access::compute(&store, &actor)?;
        let a = readable_article(&store, &access, &key)?;
        let o = ownership_of(&store, Owned::Article(a.id))?;
        Ok(OwnershipView::new(&People::load(&store)?, &o))
    })
    .await
}

/// Who may change an ownership: knowledge managers and admins, and the current owner
/// or a deputy (with a request that may write).
fn require_manage(actor: &Actor, current: &Ownership) -> Result<()> {
    if actor.has_role(Role::Wissensmanager) && actor.may_write() {
        return Ok(());
    }
    actor.require_write(Role::Autor)?;
    if is_holder(actor, current) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Verantwortliche ändern dürfen nur Verantwortliche, Vertretungen und das Wissensmanagement."
                .to_owned(),
        ))
    }
}

fn put(store: &Store, actor: &Actor, item: Owned, input: &OwnershipInput) -> Result<Ownership> {
    let current = ownership_of(store, item)?;
    require_manage(actor, &current)?;
    let (owner, deputies) = parse_input(store, input)?;
    let next = Ownership {
        owner,
        deputies,
        transferred: None,
        updated_at: now(),
        updated_by: actor.login.clone(),
    };
    store.retention_put(RetentionTree::Ownership, &owned_key(item), &next)?;
    Ok(next)
}

/// Sets owner and deputies of an article.
pub async fn set_article(
    state: &AppState,
    actor: &Actor,
    id_or_slug: &str,
    input: OwnershipInput,
) -> Result<OwnershipView> {
    let (store, who, key) = (state.store.clone(), actor.clone(), id_or_slug.to_owned());
    let view = blocking(move || {
        let access = Access::compute(&store, &who)?;
        let a = readable_article(&store, &access, &key)?;
        let o = put(&store, &who, Owned::Article(a.id), &input)?;
        Ok(OwnershipView::new(&People::load(&store)?, &o))
    })
    .await?;
    durable(state).await?;
    Ok(view)
}

/// The ownership of a process.
pub async fn process(state: &AppState, id: ProcessId) -> Result<OwnershipView> {
    let store = state.store.clone();
    blocking(move || {
        crate::service::processes::load(&store, id)?;
        let o = ownership_of(&store, Owned::Process(id))?;
        Ok(OwnershipView::new(&People::load(&store)?, &o))
    })
    .await
}

/// Sets owner and deputies of a process.
pub async fn set_process(
    state: &AppState,
    actor: &Actor,
    id: ProcessId,
    input: OwnershipInput,
) -> Result<OwnershipView> {
    let (store, who) = (state.store.clone(), actor.clone());
    let view = blocking(move || {
        crate::service::processes::load(&store, id)?;
        let o = put(&store, &who, Owned::Process(id), &input)?;
        Ok(OwnershipView::new(&People::load(&store)?, &o))
    })
    .await?;
    durable(state).await?;
    Ok(view)
}

/// Moves every ownership of a just-deactivated account: the first deputy who still
/// stands for an active account becomes owner; without one, the knowledge manager of
/// the account's unit (else an admin). Either way the item is marked as transferred
/// and listed under "ohne aktive Verantwortliche" until somebody confirms an owner.
/// Runs in the same blocking step as the deactivation.
pub fn transfer_from(store: &Store, by: &str, user: &User) -> Result<usize> {
    let people = People::load(store)?;
    let me = Principal::User(user.id);
    let mut moved = 0;
    for (key, mut o) in store.retention_all::<Ownership>(RetentionTree::Ownership)? {
        if !o.principals().contains(&me) {
            continue;
        }
        o.deputies.retain(|d| *d != me);
        if o.owner == Some(me) {
            let deputy = o
                .deputies
                .iter()
                .position(|d| !people.active_members(*d).is_empty());
            let to_deputy = deputy.is_some();
            o.owner = match deputy {
                Some(i) => Some(o.deputies.remove(i)),
                None => people.unit_manager(&user.unit).map(Principal::User),
            };
            o.transferred = Some(Transfer {
                from: user.login.clone(),
                to_deputy,
                at: now(),
            });
            moved += 1;
        }
        o.updated_at = now();
        o.updated_by = by.to_owned();
        store.retention_put(RetentionTree::Ownership, &key, &o)?;
    }
    if moved > 0 {
        tracing::info!(login = %user.login, moved, "ownership moved after deactivation");
    }
    Ok(moved)
}

/// An item without an active responsible person.
#[derive(Debug, Clone, Serialize)]
pub struct Orphan {
    /// "article" or "process".
    pub kind: &'static str,
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Link.
    pub url: String,
    /// Why it is listed.
    pub reason: String,
    /// The current ownership.
    pub ownership: OwnershipView,
}

/// Items without an active responsible person: moved automatically after a
/// deactivation and not yet confirmed, or whose owners and deputies are all inactive.
/// Items nobody was ever assigned to are not listed (see the dashboard's coverage).
/// Knowledge managers and admins; articles filtered by the reader's permissions.
pub async fn orphans(state: &AppState, actor: &Actor) -> Result<Vec<Orphan>> {
    actor.require(Role::Wissensmanager)?;
    let (store, actor) = (state.store.clone(), actor.clone());
    blocking(move || orphans_blocking(&store, &actor)).await
}

/// [`orphans`] without the role check.
pub(crate) fn orphans_blocking(store: &Store, actor: &Actor) -> Result<Vec<Orphan>> {
    let access = Access::compute(store, actor)?;
    let people = People::load(store)?;
    let mut out = Vec::new();
    for (key, o) in store.retention_all::<Ownership>(RetentionTree::Ownership)? {
        let reason = if let Some(t) = &o.transferred {
            if t.to_deputy {
                format!("von {} an die Vertretung übergegangen", t.from)
            } else {
                format!("von {} an das Wissensmanagement übergegangen", t.from)
            }
        } else if o.owner.is_some() && people.holders(&o).is_empty() {
            "keine aktiven Verantwortlichen".to_owned()
        } else {
            continue;
        };
        let (kind, id, title, url) = match owned_of_key(&key) {
            Some(Owned::Article(id)) => match store.article(id)? {
                Some(a) if !a.is_deleted() && access.can_read(a.space) => (
                    "article",
                    id.to_string(),
                    a.title,
                    format!("/artikel/{}", a.slug),
                ),
                _ => continue,
            },
            Some(Owned::Process(id)) => match store.process(id)? {
                Some(p) => (
                    "process",
                    id.to_string(),
                    p.title,
                    format!("/prozesse/{id}"),
                ),
                None => continue,
            },
            None => continue,
        };
        out.push(Orphan {
            kind,
            id,
            title,
            url,
            reason,
            ownership: OwnershipView::new(&people, &o),
        });
    }
    out.sort_by(|a, b| a.title.cmp(&b.title));
    Ok(out)
}

/// The articles an account holds (owner or deputy, directly or by group).
pub(crate) fn held_articles(store: &Store, people: &People, user: &User) -> Result<Vec<ArticleId>> {
    let mut out = Vec::new();
    for (key, o) in store.retention_all::<Ownership>(RetentionTree::Ownership)? {
        if let Some(Owned::Article(id)) = owned_of_key(&key)
            && people.holders(&o).contains(&user.id)
        {
            out.push(id);
        }
    }
    Ok(out)
}
