//! Process use cases (issue #6). This file owns the writes: register entries, BPMN
//! imports (new processes and new revisions, with re-anchoring of links), links between
//! steps and articles, and confirming anchor suggestions. `read.rs` owns the reads
//! (pages, API views, coverage, "Verwendet in"), `search.rs` the step documents of the
//! search index.
//!
//! Every write runs under the shared write gate (a backup sees one consistent state),
//! in one sled transaction, and is acknowledged only once durable. Writes to one
//! installation's processes are serialised by [`WRITE_LOCK`], because re-anchoring
//! reads the links and writes them back: two concurrent imports of the same process
//! must not both compute from the same old state.

use std::sync::{LazyLock, Mutex};

use tracing::instrument;

use super::{Actor, blocking};
use crate::domain::article::now;
use crate::domain::bpmn;
use crate::domain::process::{
    Anchor, LinkId, LinkKind, Process, ProcessId, ProcessInput, ProcessRevision, StepLink, reanchor,
};
use crate::domain::{Article, ArticleId};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::store::{ProcessWrite, Store};

pub(crate) mod read;
pub mod search;

pub use read::{
    AnchorIssue, AnchorsView, Coverage, CoverageRow, LinkedArticle, ProcessSummary, ProcessView,
    StepView, Usage, anchors, article_usage, article_usage_by_ref, coverage, coverage_by_unit,
    coverage_csv, diagram, get, list, raw_file, revisions, step, steps,
};

/// Largest accepted upload (the import routes raise axum's 2 MiB body limit to this).
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// Serialises process writes (see the module docs). A std mutex, taken only inside
/// blocking tasks, never across `.await`.
static WRITE_LOCK: LazyLock<Mutex<()>> = LazyLock::new(|| Mutex::new(()));

fn locked<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    let _guard = WRITE_LOCK
        .lock()
        .map_err(|_| AppError::Internal("process write lock poisoned".to_owned()))?;
    f()
}

/// Waits for durability of a committed write; refuses to acknowledge otherwise.
async fn make_durable(state: &AppState) -> Result<()> {
    if state.flusher.durable().await {
        Ok(())
    } else {
        Err(AppError::Unavailable)
    }
}

fn refuse_if_failed(state: &AppState) -> Result<()> {
    if state.flusher.failed() {
        Err(AppError::Unavailable)
    } else {
        Ok(())
    }
}

fn not_found() -> AppError {
    AppError::NotFound("Prozess nicht gefunden.".to_owned())
}

/// Parses a process id from a path segment.
pub fn parse_id(raw: &str) -> Result<ProcessId> {
    raw.parse().map_err(|_| not_found())
}

/// The process with this id, or 404.
pub(crate) fn load(store: &Store, id: ProcessId) -> Result<Process> {
    store.process(id)?.ok_or_else(not_found)
}

/// The articles among `ids` that `actor` may read, in the order given, duplicates
/// removed. Every article lookup of the process code (step panels, API lists, widget,
/// coverage, search hits) goes through here: it drops trashed and missing articles and
/// those in spaces the actor may not read.
pub fn readable_articles(store: &Store, actor: &Actor, ids: &[ArticleId]) -> Result<Vec<Article>> {
    let access = crate::service::auth::access::Access::compute(store, actor)?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if !seen.insert(*id) {
            continue;
        }
        if let Some(a) = store.article(*id)?
            && !a.is_deleted()
            && access.can_read(a.space)
        {
            out.push(a);
        }
    }
    Ok(out)
}

/// Creates a register entry without a model.
#[instrument(skip_all, fields(title = %input.title))]
pub async fn create(state: &AppState, actor: &Actor, input: ProcessInput) -> Result<Process> {
    refuse_if_failed(state)?;
    actor.require_write(crate::domain::Role::Autor)?;
    let fields = input.validate().map_err(AppError::Invalid)?;
    let store = state.store.clone();
    let login = actor.login.clone();
    let _gate = state.write_gate.read().await;
    let process = blocking(move || {
        let at = now();
        let process = Process {
            id: ProcessId::new(),
            title: fields.title,
            unit: fields.unit,
            owner: fields.owner,
            leika: fields.leika,
            status: fields.status,
            revision: 0,
            created_at: at,
            updated_at: at,
            updated_by: login,
        };
        locked(|| {
            store.write_process(&ProcessWrite {
                process: process.clone(),
                revision: None,
                upsert_links: Vec::new(),
                remove_links: Vec::new(),
            })?;
            Ok(process)
        })
    })
    .await?;
    make_durable(state).await?;
    tracing::info!(process = %process.id, "process created");
    Ok(process)
}

/// Changes the register fields.
#[instrument(skip_all, fields(process = %id))]
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: ProcessId,
    input: ProcessInput,
) -> Result<Process> {
    refuse_if_failed(state)?;
    actor.require_write(crate::domain::Role::Autor)?;
    let fields = input.validate().map_err(AppError::Invalid)?;
    let store = state.store.clone();
    let login = actor.login.clone();
    let _gate = state.write_gate.read().await;
    let process = blocking(move || {
        locked(|| {
            let mut p = load(&store, id)?;
            p.title = fields.title;
            p.unit = fields.unit;
            p.owner = fields.owner;
            p.leika = fields.leika;
            p.status = fields.status;
            p.updated_at = now();
            p.updated_by = login;
            store.write_process(&ProcessWrite {
                process: p.clone(),
                revision: None,
                upsert_links: Vec::new(),
                remove_links: Vec::new(),
            })?;
            Ok(p)
        })
    })
    .await?;
    make_durable(state).await?;
    search::reindex(state, id).await;
    Ok(process)
}

/// An uploaded BPMN file.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The raw bytes.
    pub bytes: Vec<u8>,
    /// The file name, if the client sent one.
    pub file_name: Option<String>,
    /// Title for a new process; defaults to the model's name, then the file name.
    pub title: Option<String>,
}

/// The result of an import.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The process after the import.
    pub process: Process,
    /// The new revision (with warnings and the anchor report).
    pub revision: ProcessRevision,
}

fn parse_upload(bytes: &[u8]) -> Result<bpmn::Model> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(AppError::TooLarge(format!(
            "Die Datei ist zu groß (höchstens {} MiB).",
            MAX_UPLOAD_BYTES / 1024 / 1024
        )));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::Invalid(
            "Die Datei ist leer. Bitte laden Sie eine BPMN-2.0-Datei (.bpmn) hoch.".to_owned(),
        ));
    }
    bpmn::parse(bytes).map_err(|e| {
        AppError::Invalid(format!(
            "Die BPMN-Datei kann nicht gelesen werden: {}",
            e.message
        ))
    })
}

/// Imports a BPMN file: a new process when `into` is `None`, otherwise a new revision
/// of that process, carrying its links over (kept ids, unambiguous fingerprint matches)
/// and detaching the rest as suggestions or orphans.
#[instrument(skip_all, fields(process = ?into, bytes = upload.bytes.len()))]
pub async fn import(
    state: &AppState,
    actor: &Actor,
    into: Option<ProcessId>,
    upload: Upload,
) -> Result<Imported> {
    refuse_if_failed(state)?;
    actor.require_write(crate::domain::Role::Autor)?;
    let store = state.store.clone();
    let login = actor.login.clone();
    let _gate = state.write_gate.read().await;
    let imported = blocking(move || {
        let model = parse_upload(&upload.bytes)?;
        let title_override = upload
            .title
            .as_deref()
            .map(crate::domain::process::collapse)
            .filter(|t| !t.is_empty());
        locked(|| {
            let at = now();
            let (mut process, old) = match into {
                Some(id) => {
                    let p = load(&store, id)?;
                    let old = if p.has_model() {
                        store.process_revision(id, p.revision)?
                    } else {
                        None
                    };
                    (p, old)
                }
                None => {
                    let fallback = upload
                        .file_name
                        .as_deref()
                        .map(|f| f.trim_end_matches(".bpmn").trim_end_matches(".xml"))
                        .map(crate::domain::process::collapse)
                        .filter(|t| !t.is_empty());
                    let mut input = ProcessInput {
                        title: title_override
                            .clone()
                            .or_else(|| {
                                model.name.clone().filter(|n| !n.is_empty()).or_else(|| {
                                    model
                                        .processes
                                        .iter()
                                        .map(|p| p.name.clone())
                                        .find(|n| !n.is_empty())
                                })
                            })
                            .or(fallback)
                            .unwrap_or_else(|| "Unbenannter Prozess".to_owned()),
                        ..ProcessInput::default()
                    };
                    if input.title.chars().count() > crate::domain::process::MAX_TITLE_CHARS {
                        input.title = input
                            .title
                            .chars()
                            .take(crate::domain::process::MAX_TITLE_CHARS)
                            .collect();
                    }
                    let f = input.validate().map_err(AppError::Invalid)?;
                    let p = Process {
                        id: ProcessId::new(),
                        title: f.title,
                        unit: String::new(),
                        owner: String::new(),
                        leika: leika_from_model(&model),
                        status: f.status,
                        revision: 0,
                        created_at: at,
                        updated_at: at,
                        updated_by: login.clone(),
                    };
                    (p, None)
                }
            };
            if into.is_some()
                && let Some(t) = title_override
            {
                process.title = t;
            }
            let n = process.revision + 1;
            let mut revision = ProcessRevision::from_model(
                n,
                &model,
                upload.bytes.len(),
                upload.file_name.clone(),
                at,
                login.clone(),
            );
            let links = store.process_links(process.id)?;
            let (changed, report) = reanchor(&links, old.as_ref(), &revision);
            revision.anchors = report;
            process.revision = n;
            process.updated_at = at;
            process.updated_by = login.clone();
            store.write_process(&ProcessWrite {
                process: process.clone(),
                revision: Some((revision.clone(), upload.bytes)),
                upsert_links: changed,
                remove_links: Vec::new(),
            })?;
            Ok(Imported { process, revision })
        })
    })
    .await?;
    make_durable(state).await?;
    tracing::info!(
        process = %imported.process.id,
        revision = imported.revision.n,
        steps = imported.revision.steps.len(),
        warnings = imported.revision.warnings.len(),
        "process model imported"
    );
    search::reindex(state, imported.process.id).await;
    Ok(imported)
}

/// A LeiKa key from the process documentation, if it names exactly one 14-digit number
/// (FIM models carry the Prozessschlüssel there).
fn leika_from_model(model: &bpmn::Model) -> Option<crate::domain::process::Leika> {
    let mut found: Option<String> = None;
    for p in &model.processes {
        for word in p
            .documentation
            .split(|c: char| !c.is_ascii_digit())
            .filter(|w| w.len() == 14)
        {
            match &found {
                Some(f) if f != word => return None,
                _ => found = Some(word.to_owned()),
            }
        }
    }
    found.and_then(|f| crate::domain::process::Leika::try_from(f).ok())
}

/// Links an article to a step of the current revision.
#[instrument(skip_all, fields(process = %id, element = %element_id))]
pub async fn link(
    state: &AppState,
    actor: &Actor,
    id: ProcessId,
    element_id: String,
    article: String,
    kind: LinkKind,
) -> Result<StepLink> {
    link_at(state, actor, id, element_id, article, kind, None).await
}

/// [`link`] with an explicit position among the step's links (`None`: last). Links
/// with equal positions keep their creation order.
#[instrument(skip_all, fields(process = %id, element = %element_id))]
pub async fn link_at(
    state: &AppState,
    actor: &Actor,
    id: ProcessId,
    element_id: String,
    article: String,
    kind: LinkKind,
    order: Option<u32>,
) -> Result<StepLink> {
    refuse_if_failed(state)?;
    actor.require_write(crate::domain::Role::Autor)?;
    let store = state.store.clone();
    let actor = actor.clone();
    let _gate = state.write_gate.read().await;
    let link = blocking(move || {
        let wanted = article.trim();
        let article = super::articles::find(&store, wanted)
            .or_else(|_| super::articles::find(&store, &crate::domain::slugify(wanted)))
            .ok()
            .and_then(|a| {
                readable_articles(&store, &actor, &[a.id])
                    .ok()
                    .and_then(|mut v| v.pop())
            })
            .ok_or_else(|| AppError::Invalid("Diesen Artikel gibt es nicht.".to_owned()))?;
        locked(|| {
            let p = load(&store, id)?;
            let rev = read::current_revision(&store, &p)?;
            if rev.step(&element_id).is_none() {
                return Err(AppError::NotFound(
                    "Diesen Schritt gibt es im aktuellen Prozessmodell nicht.".to_owned(),
                ));
            }
            let links = store.process_links(id)?;
            let same_step: Vec<&StepLink> = links
                .iter()
                .filter(|l| l.is_anchored() && l.element_id == element_id)
                .collect();
            if same_step
                .iter()
                .any(|l| l.article == article.id && l.kind == kind)
            {
                return Err(AppError::Conflict(
                    "Dieser Artikel ist mit diesem Schritt bereits so verknüpft.".to_owned(),
                ));
            }
            let last = same_step
                .iter()
                .map(|l| l.order.saturating_add(1))
                .max()
                .unwrap_or(0);
            // An explicit position moves the links at and after it one down.
            let (order, shifted): (u32, Vec<StepLink>) = match order {
                Some(o) if o < last => (
                    o,
                    same_step
                        .iter()
                        .filter(|l| l.order >= o)
                        .map(|l| {
                            let mut l = (*l).clone();
                            l.order = l.order.saturating_add(1);
                            l
                        })
                        .collect(),
                ),
                _ => (last, Vec::new()),
            };
            let link = StepLink {
                id: LinkId::new(),
                process: id,
                element_id,
                article: article.id,
                kind,
                order,
                created_at: now(),
                created_by: actor.login.clone(),
                anchor: Anchor::Anchored,
            };
            let mut upsert = shifted;
            upsert.push(link.clone());
            store.write_process(&ProcessWrite {
                process: p,
                revision: None,
                upsert_links: upsert,
                remove_links: Vec::new(),
            })?;
            Ok(link)
        })
    })
    .await?;
    make_durable(state).await?;
    Ok(link)
}

fn parse_link(raw: &str) -> Result<LinkId> {
    raw.parse()
        .map_err(|_| AppError::NotFound("Verknüpfung nicht gefunden.".to_owned()))
}

/// Removes a link (anchored or detached).
#[instrument(skip_all, fields(process = %id, link = %link_id))]
pub async fn unlink(state: &AppState, actor: &Actor, id: ProcessId, link_id: &str) -> Result<()> {
    refuse_if_failed(state)?;
    actor.require_write(crate::domain::Role::Autor)?;
    let link_id = parse_link(link_id)?;
    let store = state.store.clone();
    let _gate = state.write_gate.read().await;
    blocking(move || {
        locked(|| {
            let p = load(&store, id)?;
            let link = store
                .step_link(id, link_id)?
                .ok_or_else(|| AppError::NotFound("Verknüpfung nicht gefunden.".to_owned()))?;
            store.write_process(&ProcessWrite {
                process: p,
                revision: None,
                upsert_links: Vec::new(),
                remove_links: vec![link],
            })?;
            Ok(())
        })?;
        Ok(())
    })
    .await?;
    make_durable(state).await
}

/// Re-anchors a detached link to a step of the current revision (confirming a
/// suggestion, or placing an orphan by hand).
#[instrument(skip_all, fields(process = %id, link = %link_id))]
pub async fn confirm_anchor(
    state: &AppState,
    actor: &Actor,
    id: ProcessId,
    link_id: &str,
    element_id: String,
) -> Result<StepLink> {
    change_link(state, actor, id, link_id, move |store, p, link| {
        let rev = read::current_revision(store, p)?;
        if rev.step(&element_id).is_none() {
            return Err(AppError::Invalid(
                "Diesen Schritt gibt es im aktuellen Prozessmodell nicht.".to_owned(),
            ));
        }
        link.element_id = element_id;
        link.anchor = Anchor::Anchored;
        Ok(())
    })
    .await
}

/// Rejects the suggestions of a detached link: it stays as an orphan (never dropped
/// silently) until it is placed by hand or deleted.
#[instrument(skip_all, fields(process = %id, link = %link_id))]
pub async fn reject_anchor(
    state: &AppState,
    actor: &Actor,
    id: ProcessId,
    link_id: &str,
) -> Result<StepLink> {
    change_link(state, actor, id, link_id, |_, _, link| {
        match &mut link.anchor {
            Anchor::Detached { candidates, .. } => {
                candidates.clear();
                Ok(())
            }
            Anchor::Anchored => Err(AppError::Conflict(
                "Diese Verknüpfung ist einem Schritt zugeordnet.".to_owned(),
            )),
        }
    })
    .await
}

/// Loads one link of a process under the process lock, lets `change` edit it, writes it
/// back and makes the write durable.
async fn change_link(
    state: &AppState,
    actor: &Actor,
    id: ProcessId,
    link_id: &str,
    change: impl FnOnce(&Store, &Process, &mut StepLink) -> Result<()> + Send + 'static,
) -> Result<StepLink> {
    refuse_if_failed(state)?;
    actor.require_write(crate::domain::Role::Autor)?;
    let link_id = parse_link(link_id)?;
    let store = state.store.clone();
    let _gate = state.write_gate.read().await;
    let link = blocking(move || {
        locked(|| {
            let p = load(&store, id)?;
            let mut link = store
                .step_link(id, link_id)?
                .ok_or_else(|| AppError::NotFound("Verknüpfung nicht gefunden.".to_owned()))?;
            change(&store, &p, &mut link)?;
            store.write_process(&ProcessWrite {
                process: p,
                revision: None,
                upsert_links: vec![link.clone()],
                remove_links: Vec::new(),
            })?;
            Ok(link)
        })
    })
    .await?;
    make_durable(state).await?;
    Ok(link)
}

/// Creates an article pre-filled for a step (title = step name, the Arbeitsanweisung
/// template, a line naming the process and lane) and links it with `kind`.
#[instrument(skip_all, fields(process = %id, element = %element_id))]
pub async fn create_article_for_step(
    state: &AppState,
    actor: &Actor,
    id: ProcessId,
    element_id: String,
    kind: LinkKind,
) -> Result<Article> {
    let (view, step) = match step(state, actor, id, element_id.clone()).await? {
        Ok(found) => found,
        Err(_) => {
            return Err(AppError::NotFound(
                "Diesen Schritt gibt es im aktuellen Prozessmodell nicht.".to_owned(),
            ));
        }
    };
    let s = &step.step;
    let lanes = if s.lane_path.is_empty() {
        String::new()
    } else {
        format!(" (Lane: {})", s.lane_path.join(" / "))
    };
    let mut body = format!(
        "> Prozessschritt „{}“ im Prozess [{}]({}){lanes}\n\n",
        s.display_name(),
        view.process.title,
        search::step_url(id, &s.element_id),
    );
    if !s.documentation.is_empty() {
        body.push_str("## Beschreibung im Prozessmodell\n\n");
        body.push_str(&s.documentation);
        body.push_str("\n\n");
    }
    body.push_str(STEP_TEMPLATE);
    let input = super::articles::ArticleInput {
        title: s.display_name(),
        body,
        description: Some(format!(
            "{} im Prozess „{}“",
            kind.label(),
            view.process.title
        )),
        summary: "Für einen Prozessschritt angelegt".to_owned(),
        ..super::articles::ArticleInput::default()
    };
    let saved = super::articles::create(state, actor, input).await?;
    link(
        state,
        actor,
        id,
        s.element_id.clone(),
        saved.article.id.to_string(),
        kind,
    )
    .await?;
    Ok(saved.article)
}

/// The Arbeitsanweisung template, the body of articles created for a step.
const STEP_TEMPLATE: &str = include_str!("../../../web/templates/vorlagen/arbeitsanweisung.md");

/// Deletes a process with its model versions and links (articles stay). The step
/// documents leave the search index.
#[instrument(skip_all, fields(process = %id))]
pub async fn delete(state: &AppState, actor: &Actor, id: ProcessId) -> Result<()> {
    refuse_if_failed(state)?;
    // Removing a process drops its links for everybody: knowledge managers and admins only.
    actor.require_write(crate::domain::Role::Wissensmanager)?;
    let store = state.store.clone();
    let who = actor.login.clone();
    let _gate = state.write_gate.read().await;
    let old = blocking(move || {
        locked(|| {
            let p = load(&store, id)?;
            let rev = if p.has_model() {
                store.process_revision(id, p.revision)?
            } else {
                None
            };
            store.delete_process(id)?;
            crate::service::auth::audit::record(
                &store,
                &who,
                crate::domain::AuditAction::ProcessDeleted,
                &id.to_string(),
                p.title.clone(),
            )?;
            Ok(rev.map(|r| (p, r)))
        })
    })
    .await?;
    make_durable(state).await?;
    if let Some((p, rev)) = old {
        search::remove(state, &p, &rev).await;
    }
    tracing::info!(process = %id, "process deleted");
    Ok(())
}
