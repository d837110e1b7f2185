//! [`SearchIndex`]: opening, recovering and writing the tantivy index.
//!
//! The index is derived data (sled is the source of truth), so recovery is simple: anything we
//! cannot trust (missing files, checksum errors, another schema version) is wiped and the
//! caller re-feeds every document ([`OpenOutcome::Rebuilt`]). The one thing we never wipe for
//! is a held writer lock, which means another process is using the directory.

use std::fs;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use serde::{Deserialize, Serialize};
use tantivy::directory::error::LockError;
use tantivy::directory::{Directory, INDEX_WRITER_LOCK, MmapDirectory};
use tantivy::schema::{Schema, TantivyDocument};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyError, Term};

use crate::analysis;
use crate::error::{IndexError, Result};
use crate::expand::QueryFeatures;
use crate::schema::{self, Fields, SCHEMA_VERSION};
use crate::search;
use crate::synonyms::{SynonymMap, Synonyms};
use crate::types::{Filter, IndexDoc, SearchRequest, SearchResults, Suggestion};

/// Memory budget of the single indexing thread. tantivy needs at least 15 MB per thread.
const WRITER_MEMORY: usize = 50_000_000;

/// What [`SearchIndex::open_or_create`] found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenOutcome {
    /// The directory was empty or missing; a new, empty index was created.
    Created,
    /// An index of the current schema was opened.
    Opened {
        /// The sequence number stored by the last [`SearchIndex::commit`], if any.
        last_seq: Option<u64>,
    },
    /// The directory held something unusable (corrupt, old schema, foreign files); it was
    /// wiped and a new, empty index created. The caller must re-feed every document.
    Rebuilt {
        /// Why the old contents were discarded, for the log.
        reason: String,
    },
}

/// The JSON stored in every commit's payload.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    schema_version: u32,
    last_seq: Option<u64>,
}

/// Shared state behind a [`SearchIndex`] handle.
pub(crate) struct Inner {
    /// One reader for the process; a fresh searcher per request.
    pub(crate) reader: IndexReader,
    /// tantivy allows one writer per index. A std mutex: it is only held inside blocking
    /// calls, never across an `.await` in the server.
    writer: Mutex<IndexWriter>,
    pub(crate) fields: Fields,
    /// Swapped as a whole by [`SearchIndex::set_synonyms`]; searches clone the `Arc`.
    pub(crate) synonyms: RwLock<Arc<SynonymMap>>,
    last_seq: Mutex<Option<u64>>,
    /// Expansion switches; all on by default, changed only by evaluations.
    pub(crate) features: RwLock<QueryFeatures>,
}

/// The search index. Cloning is shallow (one `Arc`), so handlers can hold their own copy.
///
/// All methods are synchronous and may block on disk I/O or the writer lock: call them from a
/// blocking thread (e.g. `tokio::task::spawn_blocking`).
#[derive(Clone)]
pub struct SearchIndex {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("last_seq", &self.last_seq())
            .finish_non_exhaustive()
    }
}

/// Why an existing directory could not be opened.
enum OpenFailure {
    /// Not trustworthy: wipe and rebuild.
    Unusable(String),
    /// A real error (lock held elsewhere, I/O): report, don't wipe.
    Fatal(IndexError),
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it if the directory is empty or missing, and
    /// rebuilding it (empty) if the contents are corrupt or of another schema version.
    /// The directory must be owned exclusively by this index: a rebuild deletes everything in it.
    ///
    /// # Blocking
    /// Reads and checksums every index file; may write and sync a first commit.
    pub fn open_or_create(dir: &Path, synonyms: Synonyms) -> Result<(Self, OpenOutcome)> {
        fs::create_dir_all(dir)?;
        let (schema, fields) = schema::build();
        if fs::read_dir(dir)?.next().is_none() {
            let index = Index::create_in_dir(dir, schema)?;
            let this = Self::from_index(index, fields, synonyms, None, true)?;
            return Ok((this, OpenOutcome::Created));
        }
        let reason = match Self::try_open(dir, &schema) {
            Ok((index, last_seq)) => {
                match Self::from_index(index, fields, synonyms.clone(), last_seq, false) {
                    Ok(this) => return Ok((this, OpenOutcome::Opened { last_seq })),
                    // Another process holds the writer: its data is fine, we must not wipe it.
                    Err(IndexError::Tantivy(e)) if is_lock_busy(&e) => {
                        return Err(IndexError::Tantivy(e));
                    }
                    Err(e) => format!("cannot open writer or reader: {e}"),
                }
            }
            Err(OpenFailure::Fatal(e)) => return Err(e),
            Err(OpenFailure::Unusable(reason)) => reason,
        };
        tracing::warn!(dir = %dir.display(), %reason, "search index unusable, rebuilding");
        {
            // Never wipe files a live writer in another process is producing: take the
            // writer lock (an OS lock, released on process death) for the duration.
            let directory = MmapDirectory::open(dir)?;
            let _guard = directory
                .acquire_lock(&INDEX_WRITER_LOCK)
                .map_err(|e| IndexError::Tantivy(TantivyError::LockFailure(e, None)))?;
            wipe(dir)?;
        }
        let index = Index::create_in_dir(dir, schema)?;
        let this = Self::from_index(index, fields, synonyms, None, true)?;
        Ok((this, OpenOutcome::Rebuilt { reason }))
    }

    /// Creates an empty index in memory (tests, evaluation).
    ///
    /// # Blocking
    /// Briefly, for the first (empty) commit.
    pub fn in_ram(synonyms: Synonyms) -> Result<Self> {
        let (schema, fields) = schema::build();
        let index = Index::create_in_ram(schema);
        Self::from_index(index, fields, synonyms, None, true)
    }

    /// Opens an existing directory and checks that it can be trusted.
    fn try_open(dir: &Path, schema: &Schema) -> Result<(Index, Option<u64>), OpenFailure> {
        let unusable =
            |what: &str, e: &dyn std::fmt::Display| OpenFailure::Unusable(format!("{what}: {e}"));
        let directory =
            MmapDirectory::open(dir).map_err(|e| OpenFailure::Fatal(IndexError::from(e)))?;
        match Index::exists(&directory) {
            Ok(true) => {}
            Ok(false) => return Err(OpenFailure::Unusable("no index in directory".to_owned())),
            Err(e) => return Err(unusable("cannot read meta.json", &e)),
        }
        let index = Index::open(directory).map_err(|e| unusable("cannot open index", &e))?;
        let metas = index
            .load_metas()
            .map_err(|e| unusable("cannot load metas", &e))?;
        let payload: Payload = match metas.payload.as_deref().map(serde_json::from_str) {
            Some(Ok(p)) => p,
            Some(Err(e)) => return Err(unusable("unreadable commit payload", &e)),
            None => return Err(OpenFailure::Unusable("no commit payload".to_owned())),
        };
        if payload.schema_version != SCHEMA_VERSION {
            return Err(OpenFailure::Unusable(format!(
                "schema version {} on disk, {} expected",
                payload.schema_version, SCHEMA_VERSION
            )));
        }
        if index.schema() != *schema {
            return Err(OpenFailure::Unusable("schema differs".to_owned()));
        }
        let corrupt = index
            .validate_checksum()
            .map_err(|e| unusable("checksum validation failed", &e))?;
        if !corrupt.is_empty() {
            return Err(OpenFailure::Unusable(format!(
                "{} corrupt file(s), e.g. {}",
                corrupt.len(),
                corrupt
                    .iter()
                    .next()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            )));
        }
        Ok((index, payload.last_seq))
    }

    /// Wires analyzers, writer and reader around an index. `first_commit` stores the schema
    /// version right away, so a crash before the caller's first commit still reopens cleanly.
    fn from_index(
        index: Index,
        fields: Fields,
        synonyms: Synonyms,
        last_seq: Option<u64>,
        first_commit: bool,
    ) -> Result<Self> {
        analysis::register(index.tokenizers());
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()?;
        let this = Self {
            inner: Arc::new(Inner {
                reader,
                writer: Mutex::new(writer),
                fields,
                synonyms: RwLock::new(Arc::new(synonyms.compile())),
                last_seq: Mutex::new(last_seq),
                features: RwLock::new(QueryFeatures::default()),
            }),
        };
        if first_commit {
            this.commit_payload(None)?;
        }
        Ok(this)
    }

    fn writer(&self) -> Result<MutexGuard<'_, IndexWriter>> {
        self.inner.writer.lock().map_err(|_| IndexError::Poisoned)
    }

    /// Replaces the document with `doc.id` (or adds it). Visible after the next [`commit`].
    ///
    /// [`commit`]: Self::commit
    ///
    /// # Blocking
    /// Takes the writer lock; may wait for the indexing thread's queue.
    pub fn upsert(&self, doc: &IndexDoc) -> Result<()> {
        let f = &self.inner.fields;
        let mut d = TantivyDocument::default();
        d.add_text(f.id, &doc.id);
        d.add_text(f.kind, &doc.kind);
        d.add_text(f.title, &doc.title);
        d.add_text(f.description, &doc.description);
        for h in &doc.headings {
            d.add_text(f.headings, h);
        }
        d.add_text(f.body, &doc.body);
        // Derived fields: compound parts and the raw-word vocabulary cover all visible text.
        for text in [&doc.title, &doc.description]
            .into_iter()
            .chain(&doc.headings)
            .chain([&doc.body])
        {
            d.add_text(f.compounds, text);
            d.add_text(f.spell, text);
        }
        d.add_text(f.title_prefix, &doc.title);
        d.add_text(f.space, &doc.space);
        for tag in &doc.tags {
            d.add_text(f.tags, tag);
        }
        if let Some(status) = &doc.status {
            d.add_text(f.status, status);
        }
        d.add_i64(f.updated_at, doc.updated_at);
        if let Some(url) = &doc.url_hint {
            d.add_text(f.url_hint, url);
        }
        let writer = self.writer()?;
        // Delete and add under one lock hold, so two upserts of one id cannot interleave.
        writer.delete_term(Term::from_field_text(f.id, &doc.id));
        writer.add_document(d)?;
        Ok(())
    }

    /// Removes the document with this id (no-op if absent). Visible after the next commit.
    ///
    /// # Blocking
    /// Takes the writer lock.
    pub fn delete(&self, id: &str) -> Result<()> {
        let writer = self.writer()?;
        writer.delete_term(Term::from_field_text(self.inner.fields.id, id));
        Ok(())
    }

    /// Removes every document (e.g. before a full re-feed). Visible after the next commit.
    ///
    /// # Blocking
    /// Takes the writer lock.
    pub fn clear(&self) -> Result<()> {
        self.writer()?.delete_all_documents()?;
        Ok(())
    }

    /// Makes all changes durable and visible, storing `last_seq` (the last applied outbox
    /// sequence) in the commit payload. A search right after this call sees the changes.
    ///
    /// # Blocking
    /// Flushes segments and fsyncs (~70 ms on the reference machine): batch your writes.
    pub fn commit(&self, last_seq: u64) -> Result<()> {
        self.commit_payload(Some(last_seq))
    }

    fn commit_payload(&self, last_seq: Option<u64>) -> Result<()> {
        let payload = serde_json::to_string(&Payload {
            schema_version: SCHEMA_VERSION,
            last_seq,
        })
        .map_err(|e| IndexError::Tantivy(TantivyError::InternalError(e.to_string())))?;
        {
            let mut writer = self.writer()?;
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(&payload);
            prepared.commit()?;
        }
        self.inner.reader.reload()?;
        if let Ok(mut seq) = self.inner.last_seq.lock() {
            *seq = last_seq;
        }
        Ok(())
    }

    /// The sequence number stored by the last commit (from disk after opening).
    pub fn last_seq(&self) -> Option<u64> {
        self.inner.last_seq.lock().ok().and_then(|s| *s)
    }

    /// Replaces the synonym rules used by later searches (e.g. after an admin edit).
    ///
    /// # Blocking
    /// Analyses every rule (milliseconds for thousands of rules).
    pub fn set_synonyms(&self, synonyms: Synonyms) {
        let compiled = Arc::new(synonyms.compile());
        match self.inner.synonyms.write() {
            Ok(mut s) => *s = compiled,
            Err(poisoned) => *poisoned.into_inner() = compiled,
        }
    }

    /// Switches expansion stages on or off (all on by default). Meant for evaluations that
    /// measure what decompounding, synonyms and typo correction contribute.
    pub fn set_query_features(&self, features: QueryFeatures) {
        match self.inner.features.write() {
            Ok(mut f) => *f = features,
            Err(poisoned) => *poisoned.into_inner() = features,
        }
    }

    /// Runs a search. Never fails because of the query text; see [`crate::query`].
    ///
    /// - All words must match; if no document has them all, any word may (ranked by BM25,
    ///   so documents with more of the words come first).
    /// - An empty query (or one of stop words only) returns nothing, unless the filter narrows
    ///   by space, tag, kind or status: then it lists those documents, newest first.
    /// - Filters (including `readable_spaces`) are part of the query, so `total`, `facets`,
    ///   `hits` and `suggestion` only ever reflect readable, filtered documents. Facet counts
    ///   are taken under all filters. Filter values are compared exactly (case-sensitive).
    ///
    /// # Errors
    /// [`IndexError::InvalidQuery`] if `limit`/`offset` exceed [`crate::MAX_LIMIT`] /
    /// [`crate::MAX_OFFSET`]; internal errors otherwise.
    ///
    /// # Blocking
    /// Reads the index (mmap); typically a few milliseconds.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults> {
        search::search(&self.inner, req, usize::MAX)
    }

    /// Like [`SearchIndex::search`], but only the first `highlight` hits get highlighted
    /// titles and snippets; later hits carry their escaped title and an empty snippet. For
    /// deep candidate lists (rank fusion) where only a page is shown.
    ///
    /// # Blocking
    /// Reads the index (mmap).
    pub fn search_highlighting(
        &self,
        req: &SearchRequest,
        highlight: usize,
    ) -> Result<SearchResults> {
        search::search(&self.inner, req, highlight)
    }

    /// Titles starting with `prefix` (last word as a prefix, earlier words complete), for
    /// search-as-you-type. Respects `filter` including permissions.
    ///
    /// # Blocking
    /// Reads the index.
    pub fn suggest(&self, prefix: &str, filter: &Filter, limit: usize) -> Result<Vec<Suggestion>> {
        search::suggest(&self.inner, prefix, filter, limit)
    }

    /// Number of searchable (committed, not deleted) documents.
    ///
    /// # Blocking
    /// Reads segment metadata.
    pub fn doc_count(&self) -> Result<u64> {
        Ok(self.inner.reader.searcher().num_docs())
    }
}

/// Deletes everything inside `dir` (not `dir` itself, which may be a mount point).
fn wipe(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            fs::remove_dir_all(&path)?;
        } else {
            fs::remove_file(&path)?;
        }
    }
    Ok(())
}

/// Whether a tantivy error means the writer lock is held by someone else.
pub(crate) fn is_lock_busy(e: &TantivyError) -> bool {
    matches!(e, TantivyError::LockFailure(LockError::LockBusy, _))
}
