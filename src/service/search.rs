//! Search: keeps the derived tantivy index in step with the store and answers queries.
//!
//! The outbox (written with every article change) drives a background indexer: it wakes on
//! every acknowledged save (and every few seconds), applies pending entries in one batched
//! commit, and only then removes them from the outbox. Entries are always read from the
//! start of the outbox rather than "after the last sequence", because a transaction that
//! drew a lower sequence can commit after one with a higher sequence. A crash between the
//! index commit and the outbox trim just re-applies idempotent upserts.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use stafette_index::dense;
use stafette_index::{
    Filter, Hit, IndexDoc, OpenOutcome, SearchIndex, SearchRequest, SearchResults, SortOrder,
    Synonyms,
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
pub(crate) fn index_doc(store: &Store, a: &Article) -> Result<IndexDoc> {
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

/// Which ranking answers a search.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Keyword and semantic rankings fused by reciprocal rank fusion; keyword alone while
    /// the model is not ready.
    #[default]
    Hybrid,
    /// The German keyword search only.
    Keyword,
    /// The embedding model only (fails with 503 while the model is not ready).
    Semantic,
}

impl Mode {
    /// Parses the API/UI value (`hybrid`, `keyword`, `semantic`).
    pub fn parse(s: &str) -> Result<Mode> {
        match s {
            "" | "hybrid" => Ok(Mode::Hybrid),
            "keyword" => Ok(Mode::Keyword),
            "semantic" => Ok(Mode::Semantic),
            other => Err(AppError::Invalid(format!(
                "Unbekannter Suchmodus „{other}“ (erlaubt: hybrid, keyword, semantic)."
            ))),
        }
    }

    /// The API value.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Hybrid => "hybrid",
            Mode::Keyword => "keyword",
            Mode::Semantic => "semantic",
        }
    }
}

/// Candidates taken from each ranking before fusion (and the most a semantic search
/// returns).
const FUSION_DEPTH: usize = 100;
/// Characters of a passage shown as the snippet of a semantic-only hit.
const PASSAGE_SNIPPET_CHARS: usize = 200;

/// A search as the UI and API ask it.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Ranking to use.
    pub mode: Mode,
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
    /// The ranking that answered (hybrid falls back to keyword while the model is not ready).
    pub mode: Mode,
}

/// Runs a search and records it (anonymously) for the content backlog.
///
/// Hybrid and semantic searches embed the query on the model's own pool, then take the
/// dense ranking under the same [`Filter`] as the keyword search, so space, tag and
/// permission filters apply to both lists.
pub async fn search(state: &AppState, actor: &Actor, q: Query) -> Result<Outcome> {
    let empty = q.text.trim().is_empty();
    let mode = match q.mode {
        Mode::Semantic => {
            state.semantic.require_ready()?;
            if empty { Mode::Keyword } else { Mode::Semantic }
        }
        Mode::Hybrid if state.semantic.is_ready() && !empty && !q.newest => Mode::Hybrid,
        _ => Mode::Keyword,
    };
    let store = state.store.clone();
    let search = state.search.clone();
    let semantic = state.semantic.clone();
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
        let mut outcome = match mode {
            Mode::Semantic => {
                let v = semantic.embed_query_blocking(&q.text)?;
                let dense = dense_hits(&store, &semantic, &v, &req.filter)?;
                let ranked: Vec<(String, f32, Option<usize>)> = dense
                    .into_iter()
                    .map(|h| (h.id, h.score, h.best_passage))
                    .collect();
                present_ranked(
                    &store,
                    &access,
                    &ranked,
                    &HashMap::new(),
                    req.offset,
                    req.limit,
                    None,
                )?
            }
            Mode::Hybrid => {
                // The query is embedded (on the model's pool) while the keyword search runs
                // here: on two cores that hides most of the keyword search's time.
                // Only a page of hits is shown: highlight just the keyword hits that can
                // land on it early in the fused list; the rest is ids for the fusion.
                let (v, keyword) = std::thread::scope(|s| {
                    let embedding = s.spawn(|| semantic.embed_query_blocking(&q.text));
                    let keyword = search.index.search_highlighting(
                        &SearchRequest {
                            limit: FUSION_DEPTH,
                            offset: 0,
                            ..req.clone()
                        },
                        req.offset + req.limit,
                    );
                    let v = embedding.join().unwrap_or_else(|_| {
                        Err(AppError::Internal("query embedding panicked".to_owned()))
                    });
                    (v, keyword)
                });
                let keyword = keyword.map_err(index_error)?;
                let dense = dense_hits(&store, &semantic, &v?, &req.filter)?;
                let kw_ids: Vec<String> = keyword.hits.iter().map(|h| h.id.clone()).collect();
                let dense_ids: Vec<String> = dense.iter().map(|h| h.id.clone()).collect();
                let best: HashMap<&str, Option<usize>> = dense
                    .iter()
                    .map(|h| (h.id.as_str(), h.best_passage))
                    .collect();
                let ranked: Vec<(String, f32, Option<usize>)> =
                    dense::fuse_rrf(&[&kw_ids, &dense_ids], dense::RRF_K)
                        .into_iter()
                        .map(|(id, s)| {
                            let b = best.get(id.as_str()).copied().flatten();
                            (id, s, b)
                        })
                        .collect();
                let kw_hits: HashMap<String, Hit> = keyword
                    .hits
                    .iter()
                    .map(|h| (h.id.clone(), h.clone()))
                    .collect();
                let mut o = present_ranked(
                    &store,
                    &access,
                    &ranked,
                    &kw_hits,
                    req.offset,
                    req.limit,
                    Some(&keyword),
                )?;
                o.suggestion = readable_suggestion(&search, &req, keyword.suggestion.clone())?;
                o
            }
            _ => {
                let mut results = search.index.search(&req).map_err(index_error)?;
                results.suggestion = readable_suggestion(&search, &req, results.suggestion.take())?;
                present(&store, &access, results)?
            }
        };
        outcome.mode = mode;
        if q.offset == 0 && !q.text.trim().is_empty() {
            super::analytics::record_search(&store, &q.text, outcome.total)?;
        }
        Ok(outcome)
    })
    .await?;
    Ok(outcome)
}

/// The dense list under `filter`. Vectors do not carry the verification status (it changes
/// without re-embedding), so a status filter is applied here against the stored status.
fn dense_hits(
    store: &Store,
    semantic: &super::semantic::Semantic,
    query: &[f32],
    filter: &Filter,
) -> Result<Vec<stafette_index::dense::DenseHit>> {
    let without_status = Filter {
        statuses: Vec::new(),
        ..filter.clone()
    };
    let mut hits = semantic.dense(query, &without_status, FUSION_DEPTH);
    if !filter.statuses.is_empty() {
        let mut keep = Vec::with_capacity(hits.len());
        for h in hits {
            let Ok(id) = h.id.parse::<ArticleId>() else {
                continue;
            };
            let status = super::retention::verification::status(store, id)?;
            if filter.statuses.iter().any(|s| s == status.key()) {
                keep.push(h);
            }
        }
        hits = keep;
    }
    Ok(hits)
}

/// "Did you mean" comes from the whole index's vocabulary: offer it only when it finds
/// something this reader may see (the request carries the reader's filter), so it never
/// hints at hidden articles.
fn readable_suggestion(
    search: &Search,
    req: &SearchRequest,
    suggestion: Option<String>,
) -> Result<Option<String>> {
    let Some(suggested) = suggestion else {
        return Ok(None);
    };
    let probe = SearchRequest {
        query: suggested.clone(),
        limit: 1,
        offset: 0,
        ..req.clone()
    };
    let found = search.index.search(&probe).map_err(index_error)?.total > 0;
    Ok(found.then_some(suggested))
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
            if !super::processes::search::is_live(store, &h.id) {
                continue;
            }
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
        mode: Mode::Keyword,
    })
}

/// Presents a fused or dense ranking `(id, score, best passage)`: hits the keyword search
/// also found keep its highlighted title and snippet; the others show their best passage.
/// Facets come from the keyword results when given, else from the ranked candidates.
fn present_ranked(
    store: &Store,
    access: &Access,
    ranked: &[(String, f32, Option<usize>)],
    keyword_hits: &HashMap<String, Hit>,
    offset: usize,
    limit: usize,
    keyword: Option<&SearchResults>,
) -> Result<Outcome> {
    let spaces: HashMap<String, (String, String)> = store
        .all_spaces()?
        .into_iter()
        .map(|s| (s.id.to_string(), (s.slug.to_string(), s.name)))
        .collect();
    // Process steps come only from the keyword list; they carry their own deep link.
    let mut steps: HashMap<&str, &Hit> = HashMap::new();
    let mut live: Vec<(Article, f32, Option<usize>)> = Vec::with_capacity(ranked.len());
    let mut order: Vec<Result<usize, (&str, f32)>> = Vec::with_capacity(ranked.len());
    for (id, score, best) in ranked {
        if super::processes::search::is_step_doc(id) {
            if let Some(h) = keyword_hits.get(id)
                && super::processes::search::is_live(store, id)
            {
                steps.insert(id.as_str(), h);
                order.push(Err((id.as_str(), *score)));
            }
            continue;
        }
        // Checked against the stored article: deleted or moved out of the reader's reach
        // since the vectors or the index were written means no hit.
        let Some(a) = id
            .parse::<ArticleId>()
            .ok()
            .map(|id| store.article(id))
            .transpose()?
            .flatten()
            .filter(|a| !a.is_deleted() && access.can_read(a.space))
        else {
            continue;
        };
        order.push(Ok(live.len()));
        live.push((a, *score, *best));
    }
    let mut hits = Vec::new();
    for entry in order.iter().skip(offset).take(limit) {
        let (a, score, best) = match entry {
            Ok(i) => &live[*i],
            Err((id, score)) => {
                let h = steps[id];
                hits.push(Found {
                    url: h.url_hint.clone().unwrap_or_default(),
                    id: (*id).to_owned(),
                    slug: String::new(),
                    title_html: h.title_html.clone(),
                    snippet_html: h.snippet_html.clone(),
                    score: *score,
                    space: (String::new(), String::new()),
                    tags: h.tags.clone(),
                    status: None,
                });
                continue;
            }
        };
        let id = a.id.to_string();
        let (title_html, snippet_html) = match keyword_hits.get(&id) {
            Some(h) if !h.snippet_html.is_empty() => (h.title_html.clone(), h.snippet_html.clone()),
            _ => (
                escape(&a.title),
                passage_snippet(store, a, *best)?.unwrap_or_else(|| escape(&a.description)),
            ),
        };
        hits.push(Found {
            id,
            url: format!("/artikel/{}", a.slug),
            slug: a.slug.to_string(),
            title_html,
            snippet_html,
            score: *score,
            space: spaces
                .get(&a.space.to_string())
                .cloned()
                .unwrap_or_default(),
            tags: a.tags.as_slice().to_vec(),
            status: Some(super::retention::verification::status(store, a.id)?),
        });
    }
    let (space_facets, tag_facets) = match keyword {
        Some(k) => (k.facets.spaces.clone(), k.facets.tags.clone()),
        None => {
            let mut s: HashMap<String, u64> = HashMap::new();
            let mut t: HashMap<String, u64> = HashMap::new();
            for (a, _, _) in &live {
                *s.entry(a.space.to_string()).or_default() += 1;
                for tag in a.tags.as_slice() {
                    *t.entry(tag.clone()).or_default() += 1;
                }
            }
            (sorted_counts(s), sorted_counts(t))
        }
    };
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
        total: order.len(),
        hits,
        spaces: facet(space_facets, true),
        tags: facet(tag_facets, false),
        suggestion: None,
        mode: Mode::Keyword,
    })
}

fn sorted_counts(m: HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

fn escape(text: &str) -> String {
    render::escape_to_sanitized(text).to_string()
}

/// The best passage of a semantic hit as escaped text, without the title line.
fn passage_snippet(store: &Store, a: &Article, best: Option<usize>) -> Result<Option<String>> {
    let Some(rec) = store.vector_record(a.id)? else {
        return Ok(None);
    };
    let Some(p) = rec.passages.get(best.unwrap_or(0)) else {
        return Ok(None);
    };
    let body = p
        .split_once('\n')
        .map_or(p.as_str(), |(_, rest)| rest)
        .trim();
    let mut s: String = body.chars().take(PASSAGE_SNIPPET_CHARS).collect();
    if body.chars().count() > PASSAGE_SNIPPET_CHARS {
        s.push('…');
    }
    Ok(Some(escape(&s)))
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
