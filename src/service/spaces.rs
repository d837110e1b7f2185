//! Space (Bereich) use cases: the default space, creation, nesting and page trees.

use super::auth::access::Access;
use super::auth::audit;
use super::{Actor, blocking};
use crate::domain::article::{MAX_DESCRIPTION_CHARS, clean_line, now};
use crate::domain::space::MAX_SPACE_DEPTH;
use crate::domain::{Acl, AuditAction, Role};
use crate::domain::{Article, Slug, Space, SpaceId};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::store::Store;

/// Slug of the space articles land in when none is given.
pub const DEFAULT_SPACE_SLUG: &str = "allgemein";

/// Creates the default space on first start.
pub fn ensure_default(store: &Store) -> Result<()> {
    if store.space_by_slug(DEFAULT_SPACE_SLUG)?.is_none() {
        let space = Space {
            id: SpaceId::new(),
            slug: Slug::from_title(DEFAULT_SPACE_SLUG),
            name: "Allgemein".to_owned(),
            description: String::new(),
            parent: None,
            created_at: now(),
            acl: None,
        };
        store.insert_space(&space)?;
    }
    Ok(())
}

/// A space by slug or id.
pub fn resolve(store: &Store, slug_or_id: &str) -> Result<Space> {
    let found = match slug_or_id.parse::<SpaceId>() {
        Ok(id) => store.space(id)?,
        Err(_) => store.space_by_slug(slug_or_id)?,
    };
    found.ok_or_else(|| AppError::Invalid(format!("Den Bereich „{slug_or_id}“ gibt es nicht.")))
}

/// The named space, or the default space when `None`.
pub fn resolve_or_default(store: &Store, slug_or_id: Option<&str>) -> Result<Space> {
    resolve(store, slug_or_id.unwrap_or(DEFAULT_SPACE_SLUG))
}

/// The space and its ancestors (outermost first, the space itself excluded).
pub fn with_ancestors(store: &Store, id: SpaceId) -> Result<(Space, Vec<Space>)> {
    let space = store
        .space(id)?
        .ok_or_else(|| AppError::Internal(format!("space {id} missing")))?;
    let mut chain = Vec::new();
    let mut next = space.parent;
    while let Some(pid) = next {
        if chain.len() > MAX_SPACE_DEPTH {
            break;
        }
        match store.space(pid)? {
            Some(p) => {
                next = p.parent;
                chain.push(p);
            }
            None => break,
        }
    }
    chain.reverse();
    Ok((space, chain))
}

/// Input for a new space.
#[derive(Debug, Clone, Default)]
pub struct SpaceInput {
    /// Display name.
    pub name: String,
    /// Optional description.
    pub description: String,
    /// Parent space (slug or id).
    pub parent: Option<String>,
}

/// Creates a space synchronously (used by the service and by import).
pub fn create_blocking(store: &Store, input: &SpaceInput) -> Result<Space> {
    let name = crate::domain::article::clean_title(&input.name).map_err(|_| {
        AppError::Invalid(
            "Der Name des Bereichs darf nicht leer sein (höchstens 200 Zeichen).".to_owned(),
        )
    })?;
    let parent = match input.parent.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(p) => {
            let parent = resolve(store, p)?;
            let (_, ancestors) = with_ancestors(store, parent.id)?;
            if ancestors.len() + 1 >= MAX_SPACE_DEPTH {
                return Err(AppError::Invalid(format!(
                    "Bereiche lassen sich höchstens {MAX_SPACE_DEPTH} Ebenen tief schachteln."
                )));
            }
            Some(parent.id)
        }
        None => None,
    };
    let base = Slug::from_title(&name);
    for n in 1..=1000u32 {
        let slug = if n == 1 {
            base.clone()
        } else {
            base.with_suffix(n)
        };
        let space = Space {
            id: SpaceId::new(),
            slug,
            name: name.clone(),
            description: clean_line(&input.description, MAX_DESCRIPTION_CHARS),
            parent,
            created_at: now(),
            acl: None,
        };
        if store.insert_space(&space)? {
            return Ok(space);
        }
    }
    Err(AppError::Invalid(
        "Für diesen Namen ist keine Adresse mehr frei.".to_owned(),
    ))
}

/// Creates a space and makes it durable.
/// Top-level spaces need a knowledge manager; a sub-space needs write access to its
/// parent (it inherits the parent's permissions).
pub async fn create(state: &AppState, actor: &Actor, input: SpaceInput) -> Result<Space> {
    actor.require_write(Role::Autor)?;
    let store = state.store.clone();
    let who = actor.clone();
    let _gate = state.write_gate.read().await;
    let space = blocking(move || {
        match input.parent.as_deref().filter(|p| !p.trim().is_empty()) {
            Some(p) => {
                let parent = resolve(&store, p)?;
                Access::compute(&store, &who)?.require_write(parent.id, "Bereich")?;
            }
            None => who.require_write(Role::Wissensmanager)?,
        }
        create_blocking(&store, &input)
    })
    .await?;
    state.cache.bump_writes();
    if !state.flusher.durable().await {
        return Err(AppError::Unavailable);
    }
    Ok(space)
}

/// A node of the space tree with its live articles.
#[derive(Debug, Clone)]
pub struct SpaceNode {
    /// The space.
    pub space: Space,
    /// Nesting depth (0 = top level).
    pub depth: usize,
    /// Live articles directly in the space, by title.
    pub articles: Vec<Article>,
}

/// All spaces as a depth-first list (parents before children, by name), each with its
/// live articles.
pub async fn tree(state: &AppState, actor: &Actor) -> Result<Vec<SpaceNode>> {
    let store = state.store.clone();
    let who = actor.clone();
    blocking(move || {
        let access = Access::compute(&store, &who)?;
        let mut all = tree_blocking(&store)?;
        all.retain(|n| access.can_read(n.space.id));
        Ok(all)
    })
    .await
}

/// Synchronous form of [`tree`].
pub fn tree_blocking(store: &Store) -> Result<Vec<SpaceNode>> {
    let spaces = store.all_spaces()?;
    let mut articles = store.all_articles()?;
    articles.retain(|a| !a.is_deleted());
    articles.sort_by_key(|a| a.title.to_lowercase());
    let mut out = Vec::new();
    fn walk(
        parent: Option<SpaceId>,
        depth: usize,
        spaces: &[Space],
        articles: &[Article],
        out: &mut Vec<SpaceNode>,
    ) {
        let mut children: Vec<&Space> = spaces.iter().filter(|s| s.parent == parent).collect();
        children.sort_by_key(|s| s.name.to_lowercase());
        for s in children {
            let mine = articles
                .iter()
                .filter(|a| a.space == s.id)
                .cloned()
                .collect();
            out.push(SpaceNode {
                space: s.clone(),
                depth,
                articles: mine,
            });
            if depth < MAX_SPACE_DEPTH {
                walk(Some(s.id), depth + 1, spaces, articles, out);
            }
        }
    }
    walk(None, 0, &spaces, &articles, &mut out);
    Ok(out)
}

/// The subtree rooted at a space (by slug), plus the space's ancestors.
pub async fn subtree(
    state: &AppState,
    actor: &Actor,
    slug: &str,
) -> Result<(Vec<Space>, Vec<SpaceNode>)> {
    let store = state.store.clone();
    let slug = slug.to_owned();
    let who = actor.clone();
    blocking(move || {
        let access = Access::compute(&store, &who)?;
        let root = store
            .space_by_slug(&slug)?
            .ok_or_else(|| AppError::NotFound("Bereich nicht gefunden.".to_owned()))?;
        access.require_read(root.id, "Bereich")?;
        let (_, mut ancestors) = with_ancestors(&store, root.id)?;
        ancestors.retain(|a| access.can_read(a.id));
        let mut all = tree_blocking(&store)?;
        all.retain(|n| access.can_read(n.space.id));
        let start = all.iter().position(|n| n.space.id == root.id).unwrap_or(0);
        let base_depth = all.get(start).map_or(0, |n| n.depth);
        let sub = all
            .into_iter()
            .skip(start)
            .enumerate()
            .take_while(|(i, n)| *i == 0 || n.depth > base_depth)
            .map(|(_, mut n)| {
                n.depth -= base_depth;
                n
            })
            .collect();
        Ok((ancestors, sub))
    })
    .await
}

/// Finds a space by a path of names ("Bürgerbüro/Meldewesen"), creating missing ones.
pub fn ensure_path(store: &Store, path: &str) -> Result<Space> {
    let mut parent: Option<Space> = None;
    let parts: Vec<&str> = path
        .split('/')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        return resolve_or_default(store, None);
    }
    for name in parts {
        let existing = store.all_spaces()?.into_iter().find(|s| {
            s.parent == parent.as_ref().map(|p| p.id) && (s.name == name || s.slug.as_str() == name)
        });
        let space = match existing {
            Some(s) => s,
            None => create_blocking(
                store,
                &SpaceInput {
                    name: name.to_owned(),
                    description: String::new(),
                    parent: parent.as_ref().map(|p| p.id.to_string()),
                },
            )?,
        };
        parent = Some(space);
    }
    parent.ok_or_else(|| AppError::Internal("empty space path".to_owned()))
}

/// The path of names from the top level to `space` ("Bürgerbüro/Meldewesen").
pub fn path_of(store: &Store, space: SpaceId) -> Result<String> {
    let (s, ancestors) = with_ancestors(store, space)?;
    Ok(ancestors
        .iter()
        .chain(std::iter::once(&s))
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join("/"))
}

/// A space's permissions as the ACL page shows them.
#[derive(Debug, Clone)]
pub struct AclView {
    /// The space.
    pub space: Space,
    /// Its own ACL (`None`: inherited).
    pub own: Option<Acl>,
    /// What applies.
    pub effective: Acl,
    /// Where the effective ACL comes from, when inherited (`None`: own or the default).
    pub inherited_from: Option<Space>,
}

/// The permissions of a space (admins only).
pub async fn acl(state: &AppState, actor: &Actor, slug: &str) -> Result<AclView> {
    actor.require(Role::Admin)?;
    let store = state.store.clone();
    let slug = slug.to_owned();
    blocking(move || acl_view(&store, &slug)).await
}

fn acl_view(store: &Store, slug: &str) -> Result<AclView> {
    let space = resolve(store, slug)
        .map_err(|_| AppError::NotFound("Bereich nicht gefunden.".to_owned()))?;
    let (_, ancestors) = with_ancestors(store, space.id)?;
    let inherited_from = if space.acl.is_some() {
        None
    } else {
        ancestors.iter().rev().find(|a| a.acl.is_some()).cloned()
    };
    let effective = space
        .acl
        .clone()
        .or_else(|| inherited_from.as_ref().and_then(|s| s.acl.clone()))
        .unwrap_or_else(Acl::default_open);
    Ok(AclView {
        own: space.acl.clone(),
        space,
        effective,
        inherited_from,
    })
}

/// Sets (or, with `None`, removes) a space's own ACL (admins only); audited.
pub async fn set_acl(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    acl: Option<Acl>,
) -> Result<AclView> {
    actor.require_write(Role::Admin)?;
    let store = state.store.clone();
    let slug = slug.to_owned();
    let by = actor.login.clone();
    let view = blocking(move || {
        let mut space = resolve(&store, &slug)
            .map_err(|_| AppError::NotFound("Bereich nicht gefunden.".to_owned()))?;
        if let Some(acl) = &acl {
            for g in &acl.groups {
                if store.group(g.group)?.is_none() {
                    return Err(AppError::Invalid(format!(
                        "Die Gruppe {} gibt es nicht.",
                        g.group
                    )));
                }
            }
        }
        let describe = |acl: &Option<Acl>| -> String {
            match acl {
                None => "geerbt".to_owned(),
                Some(a) => {
                    let groups: Vec<String> = a
                        .groups
                        .iter()
                        .map(|g| {
                            let name = store
                                .group(g.group)
                                .ok()
                                .flatten()
                                .map_or_else(|| g.group.to_string(), |x| x.name);
                            format!("{name}={}", g.access.as_str())
                        })
                        .collect();
                    format!(
                        "alle={}, anonym={}, [{}]",
                        a.all_staff.as_str(),
                        if a.anonymous_read { "lesen" } else { "nein" },
                        groups.join(", ")
                    )
                }
            }
        };
        let detail = format!("{} → {}", describe(&space.acl), describe(&acl));
        space.acl = acl;
        store.update_space(&space)?;
        audit::record(
            &store,
            &by,
            AuditAction::AclChanged,
            space.slug.as_str(),
            detail,
        )?;
        acl_view(&store, space.slug.as_str())
    })
    .await?;
    state.cache.bump_writes();
    crate::service::durable(state).await?;
    Ok(view)
}
