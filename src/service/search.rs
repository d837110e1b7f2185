//! Search: keeps the derived tantivy index in step with the store and answers queries.
//!
//! The outbox (written with every article change) drives a background indexer: it wakes on
//! every acknowledged save (and every few seconds), applies pending entries in one batched
//! commit, and only then removes them from the outbox. Entries are always read from the
//! start of the outbox rather than "after the last sequence", because a transaction that
//! drew a lower sequence can commit after one with a higher sequence. A crash between the
//! index commit and the outbox trim just re-applies idempotent upserts.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use stafette_index::{
    Filter, IndexDoc, OpenOutcome, SearchIndex, SearchRequest, SearchResults, SortOrder, Synonyms,
};
use tokio::sync::Notify;

use super::blocking;
use super::links::StoreLinks;
use crate::config::Config;
use crate::domain::{Article, ArticleId};
use crate::error::{AppError, Result};
use crate::render;
use crate::service::Actor;
use crate::service::auth::access::Access;
use crate::state::AppState;
use crate::store::Store;

/// Outbox entries applied per index commit.
const BATCH: usize = 500;
/// Pause after a commit before the next batch, so bursts of saves share one commit.
const COALESCE: Duration = Duration::from_millis(250);
/// How often the indexer looks at the outbox without being woken.
const IDLE_POLL: Duration = Duration::from_secs(2);
/// `meta` key of the per-installation synonym list.
const LOCAL_SYNONYMS_KEY: &str = "search.synonyms";

/// Handle to the index and its background indexer. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Search {
    index: SearchIndex,
    wake: Arc<Notify>,
    /// The index was created or wiped on open and must be fed everything once.
    needs_rebuild: Arc<AtomicBool>,
}

impl Search {
    /// Opens (or creates, or repairs) the index in the data directory.
    pub fn open(config: &Config, store: &Store) -> Result<Self> {
        let synonyms = installation_synonyms(store)?;
        let (index, outcome) = SearchIndex::open_or_create(&config.index_dir(), synonyms)
            .map_err(|e| AppError::Internal(format!("opening the search index: {e}")))?;
        let needs_rebuild = match &outcome {
            OpenOutcome::Created => store.article_count() > 0,
            OpenOutcome::Rebuilt { reason } => {
                tracing::warn!(%reason, "search index will be rebuilt from the database");
                true
            }
            OpenOutcome::Opened { .. } => false,
        };
        Ok(Search {
            index,
            wake: Arc::default(),
            needs_rebuild: Arc::new(AtomicBool::new(needs_rebuild)),
        })
    }

    /// The index itself, for other document kinds (process steps) written outside
    /// the article outbox.
    pub(crate) fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// Tells the indexer that the outbox has new entries.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// The synonym lists in force: curated + OpenThesaurus + the installation's own list.
fn installation_synonyms(store: &Store) -> Result<Synonyms> {
    let local: Option<String> = store.meta_get(LOCAL_SYNONYMS_KEY)?;
    let local = Synonyms::parse(local.as_deref().unwrap_or("")).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "ignoring invalid local synonym list");
        Synonyms::empty()
    });
    Ok(Synonyms::german_default().merge(local))
}

/// The installation's own synonym list as text.
pub async fn local_synonyms(state: &AppState, actor: &Actor) -> Result<String> {
    actor.require(crate::domain::Role::Wissensmanager)?;
    let store = state.store.clone();
    blocking(move || {
        Ok(store
            .meta_get::<String>(LOCAL_SYNONYMS_KEY)?
            .unwrap_or_default())
    })
    .await
}

/// Replaces the installation's synonym list (validated first; takes effect immediately).
pub async fn set_local_synonyms(state: &AppState, actor: &Actor, text: String) -> Result<()> {
    actor.require_write(crate::domain::Role::Wissensmanager)?;
    let parsed =
        Synonyms::parse(&text).map_err(|e| AppError::Invalid(format!("Synonymliste: {e}")))?;
    let store = state.store.clone();
    let search = state.search.clone();
    blocking(move || {
        store.meta_put(LOCAL_SYNONYMS_KEY, &text)?;
        search
            .index
            .set_synonyms(Synonyms::german_default().merge(parsed));
        Ok(())
    })
    .await?;
    if state.flusher.durable().await {
        Ok(())
    } else {
        Err(AppError::Unavailable)
    }
}

/// Builds the index document for an article's current revision.
fn index_doc(store: &Store, a: &Article) -> Result<IndexDoc> {
    let body = store
        .revision(a.id, a.revision)?
        .map(|r| r.body)
        .unwrap_or_default();
    let rendered = render::render(&body, &StoreLinks(store))?;
    Ok(IndexDoc {
        id: a.id.to_string(),
        kind: "article".to_owned(),
        title: a.title.clone(),
        description: a.description.clone(),
        headings: rendered.headings,
        body: rendered.plain_text,
        space: a.space.to_string(),
        tags: a.tags.as_slice().to_vec(),
        status: Some(
            super::retention::verification::status(store, a.id)?
                .key()
                .to_owned(),
        ),
        updated_at: a.updated_at / 1000,
        url_hint: Some(format!("/artikel/{}", a.slug)),
    })
}

fn index_error(e: stafette_index::IndexError) -> AppError {
    if e.is_user_error() {
        AppError::Invalid(e.to_string())
    } else {
        AppError::Internal(e.to_string())
    }
}

/// Applies up to [`BATCH`] outbox entries; returns how many were applied.
///
/// # Blocking
/// Reads the store, renders, commits the index (tens of milliseconds).
fn apply_pending(store: &Store, index: &SearchIndex) -> Result<usize> {
    let entries = store.outbox_after(None, BATCH)?;
    let Some(max_seq) = entries.iter().map(|(seq, _)| *seq).max() else {
        return Ok(0);
    };
    let mut seen: std::collections::HashSet<ArticleId> =
        std::collections::HashSet::with_capacity(entries.len());
    for (_, entry) in &entries {
        if !seen.insert(entry.article) {
            continue;
        }
        // The article's stored state decides, not the entry's op: entries may be stale.
        match store.article(entry.article)? {
            Some(a) if !a.is_deleted() => {
                index.upsert(&index_doc(store, &a)?).map_err(index_error)?
            }
            _ => index
                .delete(&entry.article.to_string())
                .map_err(index_error)?,
        }
    }
    index
        .commit(max_seq.max(index.last_seq().unwrap_or(0)))
        .map_err(index_error)?;
    store.outbox_remove(entries.iter().map(|(seq, _)| *seq))?;
    Ok(entries.len())
}

/// Rebuilds the index from the store: clears it, feeds every live article, commits, and
/// drops the outbox entries that this covered.
///
/// # Blocking
/// Proportional to the number of articles.
pub fn rebuild_blocking(store: &Store, search: &Search) -> Result<usize> {
    let pending: Vec<u64> = store
        .outbox_after(None, usize::MAX)?
        .into_iter()
        .map(|(seq, _)| seq)
        .collect();
    search.index.clear().map_err(index_error)?;
    let mut n = 0;
    for a in store
        .all_articles()?
        .into_iter()
        .filter(|a| !a.is_deleted())
    {
        search
            .index
            .upsert(&index_doc(store, &a)?)
            .map_err(index_error)?;
        n += 1;
    }
    n += super::processes::search::index_all(store, &search.index)?;
    let last = store.outbox_last_seq()?.unwrap_or(0);
    search.index.commit(last).map_err(index_error)?;
    store.outbox_remove(pending)?;
    search.needs_rebuild.store(false, Ordering::Release);
    tracing::info!(articles = n, "search index rebuilt");
    Ok(n)
}

/// Rebuilds the index (the `reindex` command).
pub async fn rebuild(state: &AppState) -> Result<usize> {
    let store = state.store.clone();
    let search = state.search.clone();
    let _gate = state.write_gate.write().await;
    blocking(move || rebuild_blocking(&store, &search)).await
}

/// Runs the indexer until the runtime shuts down.
pub async fn run_indexer(state: AppState) {
    if state.search.needs_rebuild.load(Ordering::Acquire)
        && let Err(e) = rebuild(&state).await
    {
        tracing::error!(error = %e, "rebuilding the search index failed");
    }
    loop {
        let (store, index) = (state.store.clone(), state.search.index.clone());
        match blocking(move || apply_pending(&store, &index)).await {
            Ok(n) if n >= BATCH => continue,
            Ok(0) => {
                let _ = tokio::time::timeout(IDLE_POLL, state.search.wake.notified()).await;
            }
            Ok(n) => {
                tracing::debug!(entries = n, "search index updated");
                // Under a stream of saves, gather them for a moment: fewer, larger commits
                // leave the CPU to the saves themselves, and visibility stays well under 1 s.
                tokio::time::sleep(COALESCE).await;
            }
            Err(e) => {
                tracing::error!(error = %e, "updating the search index failed; retrying");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}

/// A search as the UI and API ask it.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// What the user typed.
    pub text: String,
    /// Restrict to a space (slug or id).
    pub space: Option<String>,
    /// Restrict to a tag.
    pub tag: Option<String>,
    /// Restrict to a verification status (key, e.g. `verifiziert`).
    pub status: Option<String>,
    /// Newest first instead of relevance.
    pub newest: bool,
    /// Page size.
    pub limit: usize,
    /// Page offset.
    pub offset: usize,
}

/// A hit ready for display.
#[derive(Debug, Clone)]
pub struct Found {
    /// Article id.
    pub id: String,
    /// Current slug (empty for process steps).
    pub slug: String,
    /// Where the hit leads: the article, or a process step's deep link.
    pub url: String,
    /// Title with `<mark>` highlights (safe HTML from the index crate).
    pub title_html: String,
    /// Body snippet with `<mark>` highlights (safe HTML).
    pub snippet_html: String,
    /// Relevance score.
    pub score: f32,
    /// Space slug and name.
    pub space: (String, String),
    /// Tags.
    pub tags: Vec<String>,
    /// Verification status of an article hit (None for process steps).
    pub status: Option<crate::domain::retention::VerificationStatus>,
}

/// A facet value with its count.
#[derive(Debug, Clone)]
pub struct FacetValue {
    /// Filter value (space slug or tag).
    pub value: String,
    /// Display label.
    pub label: String,
    /// Matching documents.
    pub count: u64,
}

/// Search results for display.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Total matches (before paging).
    pub total: usize,
    /// This page.
    pub hits: Vec<Found>,
    /// Space facet.
    pub spaces: Vec<FacetValue>,
    /// Tag facet.
    pub tags: Vec<FacetValue>,
    /// "Meinten Sie …?"
    pub suggestion: Option<String>,
}

/// Runs a search and records it (anonymously) for the content backlog.
pub async fn search(state: &AppState, actor: &Actor, q: Query) -> Result<Outcome> {
    let store = state.store.clone();
    let search = state.search.clone();
    let who = actor.clone();
    let outcome = blocking(move || {
        let access = Access::compute(&store, &who)?;
        let space = q
            .space
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| super::spaces::resolve(&store, s))
            .transpose()?;
        if let Some(s) = &space {
            access.require_read(s.id, "Bereich")?;
        }
        let filter = Filter {
            readable_spaces: access.readable_for_index(),
            spaces: space.map(|s| vec![s.id.to_string()]).unwrap_or_default(),
            tags: q.tag.iter().filter(|t| !t.is_empty()).cloned().collect(),
            kinds: Vec::new(),
            statuses: q
                .status
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| {
                    crate::domain::retention::VerificationStatus::parse(s)
                        .map(|v| vec![v.key().to_owned()])
                        .ok_or_else(|| AppError::Invalid(format!("Unbekannter Status „{s}“.")))
                })
                .transpose()?
                .unwrap_or_default(),
        };
        let req = SearchRequest {
            query: q.text.clone(),
            filter,
            limit: q.limit.clamp(1, stafette_index::MAX_LIMIT),
            offset: q.offset.min(stafette_index::MAX_OFFSET),
            sort: if q.newest {
                SortOrder::Newest
            } else {
                SortOrder::Relevance
            },
            prefix: false,
        };
        let mut results = search.index.search(&req).map_err(index_error)?;
        // "Did you mean" comes from the whole index's vocabulary: offer it only when it
        // finds something this reader may see, so it never hints at hidden articles.
        if let Some(suggested) = results.suggestion.clone() {
            let probe = SearchRequest {
                query: suggested,
                limit: 1,
                offset: 0,
                ..req.clone()
            };
            if search.index.search(&probe).map_err(index_error)?.total == 0 {
                results.suggestion = None;
            }
        }
        let outcome = present(&store, &access, results)?;
        if q.offset == 0 && !q.text.trim().is_empty() {
            super::analytics::record_search(&store, &q.text, outcome.total)?;
        }
        Ok(outcome)
    })
    .await?;
    Ok(outcome)
}

fn present(store: &Store, access: &Access, r: SearchResults) -> Result<Outcome> {
    let spaces: std::collections::HashMap<String, (String, String)> = store
        .all_spaces()?
        .into_iter()
        .map(|s| (s.id.to_string(), (s.slug.to_string(), s.name)))
        .collect();
    let mut hits = Vec::with_capacity(r.hits.len());
    for h in r.hits {
        if super::processes::search::is_step_doc(&h.id) {
            // Process steps carry their deep link; the article lookup below does not apply.
            hits.push(Found {
                url: h.url_hint.clone().unwrap_or_default(),
                id: h.id,
                slug: String::new(),
                title_html: h.title_html,
                snippet_html: h.snippet_html,
                score: h.score,
                space: (String::new(), String::new()),
                tags: h.tags,
                status: None,
            });
            continue;
        }
        let (slug, status) = match h
            .id
            .parse::<ArticleId>()
            .ok()
            .map(|id| store.article(id))
            .transpose()?
            .flatten()
        {
            // Checked against the stored article, not the index: a move into a restricted
            // space must hide the hit even before the index has caught up.
            Some(a) if !a.is_deleted() && access.can_read(a.space) => (
                a.slug.to_string(),
                super::retention::verification::status(store, a.id)?,
            ),
            // Deleted (or moved out of reach) since the last index commit: skip.
            _ => continue,
        };
        hits.push(Found {
            id: h.id,
            url: format!("/artikel/{slug}"),
            slug,
            title_html: h.title_html,
            snippet_html: h.snippet_html,
            score: h.score,
            space: spaces.get(&h.space).cloned().unwrap_or_default(),
            tags: h.tags,
            status: Some(status),
        });
    }
    let facet = |values: Vec<(String, u64)>, is_space: bool| -> Vec<FacetValue> {
        values
            .into_iter()
            .map(|(v, count)| match (is_space, spaces.get(&v)) {
                (true, Some((slug, name))) => FacetValue {
                    value: slug.clone(),
                    label: name.clone(),
                    count,
                },
                _ => FacetValue {
                    label: v.clone(),
                    value: v,
                    count,
                },
            })
            .collect()
    };
    Ok(Outcome {
        total: r.total,
        hits,
        spaces: facet(r.facets.spaces, true),
        tags: facet(r.facets.tags, false),
        suggestion: r.suggestion,
    })
}

/// A title suggestion for search-as-you-type.
#[derive(Debug, Clone)]
pub struct Suggestion {
    /// Article title.
    pub title: String,
    /// Link to the article.
    pub url: String,
}

/// Title suggestions for a prefix.
pub async fn suggest(
    state: &AppState,
    actor: &Actor,
    prefix: String,
    limit: usize,
) -> Result<Vec<Suggestion>> {
    let search = state.search.clone();
    let store = state.store.clone();
    let who = actor.clone();
    blocking(move || {
        let filter = Filter {
            readable_spaces: Access::compute(&store, &who)?.readable_for_index(),
            ..Filter::default()
        };
        let found = search
            .index
            .suggest(&prefix, &filter, limit.clamp(1, 20))
            .map_err(index_error)?;
        Ok(found
            .into_iter()
            .map(|s| Suggestion {
                url: s.url_hint.unwrap_or_else(|| format!("/artikel/{}", s.id)),
                title: s.title,
            })
            .collect())
    })
    .await
}
