//! Article reads: the page (cached), rendering, backlinks, lists, history, revisions,
//! diffs and the editor preview.

use std::sync::Arc;

use super::{current_body, find};
use crate::domain::diff::{WordDiff, word_diff};
use crate::domain::{Article, RevisionMeta, Slug, Space};
use crate::error::{AppError, Result};
use crate::render::{self, Rendered};
use crate::service::auth::access::Access;
use crate::service::links::StoreLinks;
use crate::service::{Actor, blocking};
use crate::state::AppState;
use crate::store::Store;

/// Everything the article page shows.
#[derive(Debug, Clone)]
pub struct ArticlePage {
    /// The article.
    pub article: Article,
    /// Rendered body.
    pub rendered: Arc<Rendered>,
    /// Its space, with ancestors first in `breadcrumbs`.
    pub space: Space,
    /// Ancestor spaces, outermost first.
    pub breadcrumbs: Vec<Space>,
    /// Articles linking here ("Verlinkt von").
    pub backlinks: Vec<Article>,
}

/// A lookup by slug: found, or moved to a new slug.
#[derive(Debug, Clone)]
pub enum Lookup<T> {
    /// Found under the requested slug.
    Found(T),
    /// The slug is an old name; redirect to this one.
    Moved(Slug),
}

/// The article page for a slug: rendered body, space, backlinks. Served from memory while
/// nothing was written since it was built (the common case: pages are read far more often
/// than written), otherwise assembled from the store.
pub async fn page(state: &AppState, actor: &Actor, slug: &str) -> Result<Lookup<Arc<ArticlePage>>> {
    let store = state.store.clone();
    let who = actor.clone();
    let access = blocking(move || Access::compute(&store, &who)).await?;
    let found = match state.cache.page(slug) {
        Some(page) => Lookup::Found(page),
        None => build_page(state, slug).await?,
    };
    let Lookup::Found(page) = found else {
        return Ok(found);
    };
    access.require_read(page.article.space, "Artikel")?;
    if page.backlinks.iter().all(|b| access.can_read(b.space)) {
        return Ok(Lookup::Found(page));
    }
    // Per-reader copy: the cached page lists every backlink, this reader sees fewer.
    let mut own = (*page).clone();
    own.backlinks.retain(|b| access.can_read(b.space));
    Ok(Lookup::Found(Arc::new(own)))
}

async fn build_page(state: &AppState, slug: &str) -> Result<Lookup<Arc<ArticlePage>>> {
    let store = state.store.clone();
    let cache = state.cache.clone();
    let slug = slug.to_owned();
    let epoch = cache.write_epoch();
    blocking(move || {
        let article = store
            .article_by_slug(&slug)?
            .filter(|a| !a.is_deleted())
            .ok_or_else(|| AppError::NotFound("Artikel nicht gefunden.".to_owned()))?;
        if article.slug.as_str() != slug {
            return Ok(Lookup::Moved(article.slug));
        }
        let rendered = match cache.get(article.id, article.revision) {
            Some(r) => r,
            None => rendered(&store, &cache, &article, &current_body(&store, &article)?)?,
        };
        let (space, breadcrumbs) = crate::service::spaces::with_ancestors(&store, article.space)?;
        let backlinks = backlinks(&store, &article)?;
        let page = Arc::new(ArticlePage {
            article,
            rendered,
            space,
            breadcrumbs,
            backlinks,
        });
        cache.put_page(&slug, epoch, Arc::clone(&page));
        Ok(Lookup::Found(page))
    })
    .await
}

/// Renders (or fetches from cache) the body of `article`'s current revision.
pub fn rendered(
    store: &Store,
    cache: &crate::service::cache::RenderCache,
    article: &Article,
    body: &str,
) -> Result<Arc<Rendered>> {
    if let Some(r) = cache.get(article.id, article.revision) {
        return Ok(r);
    }
    let epoch = cache.epoch();
    let r = Arc::new(render::render(body, &StoreLinks(store))?);
    cache.put(article.id, article.revision, epoch, Arc::clone(&r));
    Ok(r)
}

/// An article by id or slug, if the actor may read it ("not found" otherwise).
pub fn readable(store: &Store, actor: &Actor, id_or_slug: &str) -> Result<Article> {
    let a = find(store, id_or_slug)?;
    Access::compute(store, actor)?.require_read(a.space, "Artikel")?;
    Ok(a)
}

/// Live (non-trashed) articles whose wiki links point at `article`, by title.
pub fn backlinks(store: &Store, article: &Article) -> Result<Vec<Article>> {
    let mut ids = Vec::new();
    for slug in std::iter::once(&article.slug).chain(&article.old_slugs) {
        ids.extend(store.linking_articles(slug.as_str())?);
    }
    ids.sort();
    ids.dedup();
    let mut out = Vec::new();
    for id in ids {
        if id == article.id {
            continue;
        }
        if let Some(a) = store.article(id)?.filter(|a| !a.is_deleted()) {
            out.push(a);
        }
    }
    out.sort_by_key(|a| a.title.to_lowercase());
    Ok(out)
}

/// Whether the actor may edit articles in `space` (for showing or hiding edit actions;
/// the writes check again).
pub async fn may_write_in(state: &AppState, actor: &Actor, space: crate::domain::SpaceId) -> bool {
    if !actor.may_write() {
        return false;
    }
    let store = state.store.clone();
    let who = actor.clone();
    blocking(move || Ok(Access::compute(&store, &who)?.can_write(space)))
        .await
        .unwrap_or(false)
}

/// The backlinks of an article the actor can read, limited to articles they can read.
pub async fn readable_backlinks(
    state: &AppState,
    actor: &Actor,
    id_or_slug: &str,
) -> Result<Vec<Article>> {
    let store = state.store.clone();
    let who = actor.clone();
    let key = id_or_slug.to_owned();
    blocking(move || {
        let access = Access::compute(&store, &who)?;
        let a = find(&store, &key)?;
        access.require_read(a.space, "Artikel")?;
        let mut list = backlinks(&store, &a)?;
        list.retain(|b| access.can_read(b.space));
        Ok(list)
    })
    .await
}

/// Filters for [`list`].
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only articles directly in this space (slug or id).
    pub space: Option<String>,
    /// Only articles with this tag (case-insensitive).
    pub tag: Option<String>,
    /// List the trash instead of live articles.
    pub trashed: bool,
    /// Page size.
    pub limit: usize,
    /// Page offset.
    pub offset: usize,
}

/// Readable articles matching `filter`, newest change first, with the total before paging.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    filter: ListFilter,
) -> Result<(usize, Vec<Article>)> {
    let store = state.store.clone();
    let who = actor.clone();
    blocking(move || {
        let access = Access::compute(&store, &who)?;
        let space = filter
            .space
            .as_deref()
            .map(|s| crate::service::spaces::resolve(&store, s))
            .transpose()?;
        let tag = filter.tag.as_deref().map(str::to_lowercase);
        let mut all: Vec<Article> = store
            .all_articles()?
            .into_iter()
            .filter(|a| a.is_deleted() == filter.trashed)
            .filter(|a| access.can_read(a.space))
            .filter(|a| space.as_ref().is_none_or(|s| a.space == s.id))
            .filter(|a| {
                tag.as_ref()
                    .is_none_or(|t| a.tags.as_slice().iter().any(|x| x.to_lowercase() == *t))
            })
            .collect();
        if filter.trashed {
            all.sort_by_key(|a| std::cmp::Reverse(a.deleted_at));
        } else {
            all.sort_by_key(|a| std::cmp::Reverse(a.updated_at));
        }
        let total = all.len();
        let page = all
            .into_iter()
            .skip(filter.offset)
            .take(filter.limit)
            .collect();
        Ok((total, page))
    })
    .await
}

/// An article (live or trashed) with the body of its current revision.
pub async fn get(state: &AppState, actor: &Actor, id_or_slug: &str) -> Result<(Article, String)> {
    let store = state.store.clone();
    let key = id_or_slug.to_owned();
    let who = actor.clone();
    blocking(move || {
        let a = readable(&store, &who, &key)?;
        let body = current_body(&store, &a)?;
        Ok((a, body))
    })
    .await
}

/// Revision history, newest first.
pub async fn history(
    state: &AppState,
    actor: &Actor,
    id_or_slug: &str,
) -> Result<(Article, Vec<RevisionMeta>)> {
    let store = state.store.clone();
    let key = id_or_slug.to_owned();
    let who = actor.clone();
    blocking(move || {
        let a = readable(&store, &who, &key)?;
        let mut revs = store.revision_metas(a.id)?;
        revs.reverse();
        Ok((a, revs))
    })
    .await
}

/// One revision of an article.
pub async fn revision(
    state: &AppState,
    actor: &Actor,
    id_or_slug: &str,
    n: u32,
) -> Result<(Article, crate::domain::Revision)> {
    let store = state.store.clone();
    let key = id_or_slug.to_owned();
    let who = actor.clone();
    blocking(move || {
        let a = readable(&store, &who, &key)?;
        let r = store
            .revision(a.id, n)?
            .ok_or_else(|| AppError::NotFound(format!("Version {n} gibt es nicht.")))?;
        Ok((a, r))
    })
    .await
}

/// Differences between two revisions.
#[derive(Debug, Clone)]
pub struct RevisionDiff {
    /// The article.
    pub article: Article,
    /// Older revision.
    pub from: RevisionMeta,
    /// Newer revision.
    pub to: RevisionMeta,
    /// Word diff of the titles.
    pub title: WordDiff,
    /// Word diff of the bodies.
    pub body: WordDiff,
}

/// Word-level diff between revisions `from` and `to` (any order).
pub async fn diff(
    state: &AppState,
    actor: &Actor,
    id_or_slug: &str,
    from: u32,
    to: u32,
) -> Result<RevisionDiff> {
    let store = state.store.clone();
    let key = id_or_slug.to_owned();
    let who = actor.clone();
    blocking(move || {
        let article = readable(&store, &who, &key)?;
        let get = |n: u32| {
            store
                .revision(article.id, n)?
                .ok_or_else(|| AppError::NotFound(format!("Version {n} gibt es nicht.")))
        };
        let (a, b) = (get(from)?, get(to)?);
        Ok(RevisionDiff {
            title: word_diff(&a.meta.title, &b.meta.title),
            body: word_diff(&a.body, &b.body),
            article,
            from: a.meta,
            to: b.meta,
        })
    })
    .await
}

/// Renders Markdown for the editor's live preview (not stored); for writers only.
pub async fn preview(state: &AppState, actor: &Actor, markdown: String) -> Result<Rendered> {
    actor.require_write(crate::domain::Role::Autor)?;
    let store = state.store.clone();
    blocking(move || Ok(render::render(&markdown, &StoreLinks(&store))?)).await
}

/// Recently changed live articles the actor can read.
pub async fn recent(state: &AppState, actor: &Actor, limit: usize) -> Result<Vec<Article>> {
    Ok(list(
        state,
        actor,
        ListFilter {
            limit,
            ..ListFilter::default()
        },
    )
    .await?
    .1)
}
