//! The request and response types of the public API. They are plain data, independent of
//! tantivy, so the server can map them to JSON or templates without importing tantivy.

use serde::{Deserialize, Serialize};

/// One document to index: an article now, a process step later.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexDoc {
    /// Stable key (e.g. an article ULID); upserts replace the document with the same id.
    pub id: String,
    /// Document kind: `"article"` now, `"step"` later.
    pub kind: String,
    /// Title, weighted highest.
    pub title: String,
    /// Short description or summary.
    pub description: String,
    /// Section headings, weighted above the body.
    pub headings: Vec<String>,
    /// Plain-text body (Markdown already stripped by the caller).
    pub body: String,
    /// Id of the space (Bereich) the document belongs to; used for permissions.
    pub space: String,
    /// Tags, used as filters and facets.
    pub tags: Vec<String>,
    /// Workflow status (e.g. "verified", "draft"), if any.
    pub status: Option<String>,
    /// Last update, unix seconds; used by [`SortOrder::Newest`].
    pub updated_at: i64,
    /// Optional link target the caller wants back in hits.
    pub url_hint: Option<String>,
}

/// Restrictions applied to searches and suggestions before anything is counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Spaces the user may read: `None` = no restriction, `Some(vec![])` = nothing.
    pub readable_spaces: Option<Vec<String>>,
    /// Only these spaces (any of them); empty = all.
    pub spaces: Vec<String>,
    /// Documents having *all* of these tags; empty = no tag restriction.
    pub tags: Vec<String>,
    /// Only these kinds (any of them); empty = all.
    pub kinds: Vec<String>,
    /// Only these statuses (any of them); empty = all.
    pub statuses: Vec<String>,
}

impl Filter {
    /// Whether a document with these properties passes the filter: the same rules the
    /// keyword index applies inside its query (readable spaces, any of `spaces`, all of
    /// `tags`, any of `kinds`, any of `statuses`). The dense index uses it, so permission
    /// filtering is defined in one place for both rankings.
    pub fn matches(&self, space: &str, tags: &[String], kind: &str, status: Option<&str>) -> bool {
        let any =
            |allowed: &[String], v: &str| allowed.is_empty() || allowed.iter().any(|a| a == v);
        self.readable_spaces
            .as_ref()
            .is_none_or(|r| r.iter().any(|s| s == space))
            && any(&self.spaces, space)
            && self.tags.iter().all(|t| tags.contains(t))
            && any(&self.kinds, kind)
            && (self.statuses.is_empty() || status.is_some_and(|s| any(&self.statuses, s)))
    }

    /// Whether any explicit (non-permission) restriction is set.
    pub fn is_narrowing(&self) -> bool {
        !(self.spaces.is_empty()
            && self.tags.is_empty()
            && self.kinds.is_empty()
            && self.statuses.is_empty())
    }
}

/// Order of hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortOrder {
    /// Best match first (BM25 with field boosts).
    #[default]
    Relevance,
    /// Most recently updated first.
    Newest,
}

/// A search request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchRequest {
    /// The user's query text; any input is accepted (see [`crate::query`]).
    pub query: String,
    /// Restrictions, including permissions.
    pub filter: Filter,
    /// Page size, at most [`MAX_LIMIT`](crate::MAX_LIMIT).
    pub limit: usize,
    /// Hits to skip, at most [`MAX_OFFSET`](crate::MAX_OFFSET).
    pub offset: usize,
    /// Order of hits.
    pub sort: SortOrder,
    /// Treat the last word as a prefix (search-as-you-type).
    pub prefix: bool,
}

impl Default for SearchRequest {
    fn default() -> Self {
        Self {
            query: String::new(),
            filter: Filter::default(),
            limit: 10,
            offset: 0,
            sort: SortOrder::Relevance,
            prefix: false,
        }
    }
}

impl SearchRequest {
    /// A relevance-ordered request for the first ten hits of `query`.
    pub fn new(query: impl Into<String>) -> Self {
        Self {
            query: query.into(),
            ..Self::default()
        }
    }
}

/// The answer to a search.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// Number of matching (readable, filtered) documents.
    pub total: usize,
    /// The requested page of hits.
    pub hits: Vec<Hit>,
    /// Value counts over all matching documents.
    pub facets: Facets,
    /// A corrected query ("Meinten Sie …?") when a word looked misspelled.
    pub suggestion: Option<String>,
    /// Words added by synonym expansion and typo correction, for display ("auch gesucht: …").
    pub expanded_terms: Vec<String>,
}

/// One search hit. The `*_html` fields are safe HTML: only `<mark>` tags, the rest escaped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// Document id.
    pub id: String,
    /// Document kind.
    pub kind: String,
    /// Relevance score (0 for [`SortOrder::Newest`] browsing without a query).
    pub score: f32,
    /// Title with matches wrapped in `<mark>`.
    pub title_html: String,
    /// Body excerpt with matches wrapped in `<mark>`.
    pub snippet_html: String,
    /// Space id.
    pub space: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Status, if any.
    pub status: Option<String>,
    /// Last update, unix seconds.
    pub updated_at: i64,
    /// The `url_hint` given at indexing time.
    pub url_hint: Option<String>,
}

/// Facet counts, most frequent first (ties by value).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    /// Documents per space.
    pub spaces: Vec<(String, u64)>,
    /// Documents per tag.
    pub tags: Vec<(String, u64)>,
    /// Documents per status.
    pub statuses: Vec<(String, u64)>,
}

/// A title suggestion for search-as-you-type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// Document id.
    pub id: String,
    /// Document kind.
    pub kind: String,
    /// Plain title (not HTML).
    pub title: String,
    /// Space id.
    pub space: String,
    /// The `url_hint` given at indexing time.
    pub url_hint: Option<String>,
}
