//! Process reads: the register list, a process with its current revision, steps with
//! their linked articles, the anchor report, coverage (also as CSV) and the "Verwendet
//! in" list of an article. Article lookups all go through [`super::readable_articles`].

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::{load, readable_articles};
use crate::domain::process::{
    Anchor, AnchorReport, Process, ProcessId, ProcessRevision, StepLink, StoredStep,
};
use crate::domain::{Article, ArticleId};
use crate::error::{AppError, Result};
use crate::service::{Actor, blocking};
use crate::state::AppState;
use crate::store::Store;

/// The current revision of a process that has a model; 404 otherwise.
pub(crate) fn current_revision(store: &Store, p: &Process) -> Result<ProcessRevision> {
    if !p.has_model() {
        return Err(AppError::NotFound(
            "Für diesen Prozess wurde noch kein Prozessmodell importiert.".to_owned(),
        ));
    }
    store
        .process_revision(p.id, p.revision)?
        .ok_or_else(|| AppError::Internal(format!("revision {} of {} missing", p.revision, p.id)))
}

/// A linked article as shown at a step.
#[derive(Debug, Clone)]
pub struct LinkedArticle {
    /// The link (kind, order, id).
    pub link: StepLink,
    /// The article.
    pub article: Article,
    /// Its verification status (knowledge retention).
    pub status: crate::domain::retention::VerificationStatus,
}

impl LinkedArticle {
    /// Whether the article is currently verified.
    pub fn is_verified(&self) -> bool {
        self.status == crate::domain::retention::VerificationStatus::Verifiziert
    }
}

/// A step with its linked articles.
#[derive(Debug, Clone)]
pub struct StepView {
    /// The step.
    pub step: StoredStep,
    /// Linked, readable articles in link order.
    pub articles: Vec<LinkedArticle>,
}

/// A process with its current model.
#[derive(Debug, Clone)]
pub struct ProcessView {
    /// The register entry.
    pub process: Process,
    /// The current revision, if a model was imported.
    pub revision: Option<Arc<ProcessRevision>>,
    /// Steps with articles (empty without a model).
    pub steps: Vec<StepView>,
    /// Number of detached links (suggestions and orphans) waiting for the owner.
    pub detached: usize,
}

/// Groups the anchored links by element id and resolves their articles.
fn linked_by_step(
    store: &Store,
    actor: &Actor,
    links: &[StepLink],
) -> Result<HashMap<String, Vec<LinkedArticle>>> {
    let ids: Vec<ArticleId> = links.iter().map(|l| l.article).collect();
    let articles: HashMap<ArticleId, Article> = readable_articles(store, actor, &ids)?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut out: HashMap<String, Vec<LinkedArticle>> = HashMap::new();
    for l in links.iter().filter(|l| l.is_anchored()) {
        if let Some(a) = articles.get(&l.article) {
            let status = crate::service::retention::verification::status(store, a.id)?;
            out.entry(l.element_id.clone())
                .or_default()
                .push(LinkedArticle {
                    link: l.clone(),
                    article: a.clone(),
                    status,
                });
        }
    }
    for v in out.values_mut() {
        v.sort_by_key(|la| (la.link.order, la.link.id));
    }
    Ok(out)
}

fn view(store: &Store, actor: &Actor, id: ProcessId) -> Result<ProcessView> {
    let process = load(store, id)?;
    let revision = if process.has_model() {
        Some(Arc::new(current_revision(store, &process)?))
    } else {
        None
    };
    let links = store.process_links(id)?;
    let detached = links.iter().filter(|l| !l.is_anchored()).count();
    let mut by_step = linked_by_step(store, actor, &links)?;
    let steps = revision
        .as_ref()
        .map(|r| {
            r.steps
                .iter()
                .filter(|s| !s.element_id.is_empty())
                .map(|s| StepView {
                    articles: by_step.remove(&s.element_id).unwrap_or_default(),
                    step: s.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(ProcessView {
        process,
        revision,
        steps,
        detached,
    })
}

/// A process with its current revision and every step's articles.
pub async fn get(state: &AppState, actor: &Actor, id: ProcessId) -> Result<ProcessView> {
    let store = state.store.clone();
    let actor = actor.clone();
    blocking(move || view(&store, &actor, id)).await
}

/// The steps of the current revision with their articles (404 without a model).
pub async fn steps(state: &AppState, actor: &Actor, id: ProcessId) -> Result<ProcessView> {
    let v = get(state, actor, id).await?;
    if v.revision.is_none() {
        return Err(AppError::NotFound(
            "Für diesen Prozess wurde noch kein Prozessmodell importiert.".to_owned(),
        ));
    }
    Ok(v)
}

/// One step of the current revision. `Err(NotFound)` if unknown; `Ok(Err(new_id))` when
/// the id belonged to a step that the last re-import moved to another id (old deep
/// links keep working).
pub async fn step(
    state: &AppState,
    actor: &Actor,
    id: ProcessId,
    element_id: String,
) -> Result<std::result::Result<(ProcessView, StepView), String>> {
    let v = steps(state, actor, id).await?;
    if let Some(s) = v.steps.iter().find(|s| s.step.element_id == element_id) {
        let s = s.clone();
        return Ok(Ok((v, s)));
    }
    let moved = v.revision.as_ref().and_then(|r| {
        r.anchors
            .reanchored
            .iter()
            .find(|m| m.from == element_id)
            .map(|m| m.to.clone())
    });
    moved.map(Err).ok_or_else(|| {
        AppError::NotFound("Diesen Schritt gibt es im aktuellen Prozessmodell nicht.".to_owned())
    })
}

/// The current model as UTF-8 XML for the diagram viewer (bpmn-js cannot decode
/// ISO-8859-1 itself).
pub async fn diagram(state: &AppState, id: ProcessId) -> Result<String> {
    let store = state.store.clone();
    blocking(move || {
        let p = load(&store, id)?;
        let rev = current_revision(&store, &p)?;
        let raw = store
            .process_file(id, rev.n)?
            .ok_or_else(|| AppError::Internal(format!("file of {id} rev {} missing", rev.n)))?;
        crate::domain::bpmn::transcode_to_utf8(&raw)
            .map_err(|e| AppError::Internal(format!("stored model unreadable: {e}")))
    })
    .await
}

/// The raw file of revision `n`, byte for byte as uploaded.
pub async fn raw_file(state: &AppState, id: ProcessId, n: u32) -> Result<(Process, Vec<u8>)> {
    let store = state.store.clone();
    blocking(move || {
        let p = load(&store, id)?;
        let raw = store
            .process_file(id, n)?
            .ok_or_else(|| AppError::NotFound("Diese Modellversion gibt es nicht.".to_owned()))?;
        Ok((p, raw))
    })
    .await
}

/// A register entry with its coverage, for the list.
#[derive(Debug, Clone)]
pub struct ProcessSummary {
    /// The entry.
    pub process: Process,
    /// Coverage of its current model (zeros without one).
    pub coverage: CoverageRow,
}

/// Coverage counts over activities (tasks, sub-processes, call activities: the steps
/// people perform; events and gateways are not expected to carry articles).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoverageRow {
    /// What is counted (process title or unit).
    pub label: String,
    /// Activities.
    pub activities: usize,
    /// Activities without any readable article.
    pub without: usize,
    /// Activities with articles, none verified.
    pub linked: usize,
    /// Activities with at least one verified article.
    pub verified: usize,
}

impl CoverageRow {
    fn add(&mut self, other: &CoverageRow) {
        self.activities += other.activities;
        self.without += other.without;
        self.linked += other.linked;
        self.verified += other.verified;
    }

    /// Share of covered activities in percent (0 without activities).
    pub fn percent(&self) -> usize {
        (self.linked + self.verified)
            .saturating_mul(100)
            .checked_div(self.activities)
            .unwrap_or(0)
    }
}

fn coverage_of(v: &ProcessView) -> CoverageRow {
    let mut row = CoverageRow {
        label: v.process.title.clone(),
        ..CoverageRow::default()
    };
    for s in v.steps.iter().filter(|s| s.step.kind().is_activity()) {
        row.activities += 1;
        if s.articles.is_empty() {
            row.without += 1;
        } else if s.articles.iter().any(LinkedArticle::is_verified) {
            row.verified += 1;
        } else {
            row.linked += 1;
        }
    }
    row
}

/// All register entries with their coverage, sorted by title.
pub async fn list(state: &AppState, actor: &Actor) -> Result<Vec<ProcessSummary>> {
    let store = state.store.clone();
    let actor = actor.clone();
    blocking(move || {
        let mut out = Vec::new();
        for p in store.all_processes()? {
            let v = view(&store, &actor, p.id)?;
            out.push(ProcessSummary {
                coverage: coverage_of(&v),
                process: v.process,
            });
        }
        out.sort_by_key(|s| s.process.title.to_lowercase());
        Ok(out)
    })
    .await
}

/// Coverage of one process, step by step.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// The process with its steps.
    pub view: ProcessView,
    /// Totals.
    pub total: CoverageRow,
}

/// Coverage of one process.
pub async fn coverage(state: &AppState, actor: &Actor, id: ProcessId) -> Result<Coverage> {
    let view = get(state, actor, id).await?;
    Ok(Coverage {
        total: coverage_of(&view),
        view,
    })
}

/// Coverage per organisational unit (entries without a unit under "ohne Einheit").
pub async fn coverage_by_unit(state: &AppState, actor: &Actor) -> Result<Vec<CoverageRow>> {
    let mut by_unit: BTreeMap<String, CoverageRow> = BTreeMap::new();
    for s in list(state, actor).await? {
        let unit = if s.process.unit.is_empty() {
            "(ohne Einheit)".to_owned()
        } else {
            s.process.unit.clone()
        };
        let row = by_unit.entry(unit.clone()).or_insert_with(|| CoverageRow {
            label: unit,
            ..CoverageRow::default()
        });
        row.add(&s.coverage);
    }
    Ok(by_unit.into_values().collect())
}

fn csv_field(s: &str) -> String {
    // Formula injection: a cell starting with = + - @ is text, not a formula, in Excel.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv_line(fields: &[&str]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(";");
    line.push_str("\r\n");
    line
}

/// Coverage as CSV (semicolon-separated, UTF-8 with BOM, as German Excel expects): one
/// row per activity for a process, one row per unit otherwise.
pub async fn coverage_csv(
    state: &AppState,
    actor: &Actor,
    id: Option<ProcessId>,
) -> Result<String> {
    let mut out = String::from('\u{feff}');
    match id {
        Some(id) => {
            let c = coverage(state, actor, id).await?;
            out.push_str(&csv_line(&[
                "Prozess",
                "Element-ID",
                "Schritt",
                "Typ",
                "Lane",
                "Artikel",
                "Abdeckung",
            ]));
            for s in c.view.steps.iter().filter(|s| s.step.kind().is_activity()) {
                let state = if s.articles.is_empty() {
                    "ohne Artikel"
                } else if s.articles.iter().any(LinkedArticle::is_verified) {
                    "verifiziert"
                } else {
                    "verknüpft"
                };
                out.push_str(&csv_line(&[
                    &c.view.process.title,
                    &s.step.element_id,
                    &s.step.display_name(),
                    crate::domain::process::type_label(&s.step.bpmn_type),
                    &s.step.lane_path.join(" / "),
                    &s.articles.len().to_string(),
                    state,
                ]));
            }
        }
        None => {
            out.push_str(&csv_line(&[
                "Organisationseinheit",
                "Aktivitäten",
                "ohne Artikel",
                "mit Artikeln",
                "mit geprüften Artikeln",
                "Abdeckung %",
            ]));
            for r in coverage_by_unit(state, actor).await? {
                out.push_str(&csv_line(&[
                    &r.label,
                    &r.activities.to_string(),
                    &r.without.to_string(),
                    &r.linked.to_string(),
                    &r.verified.to_string(),
                    &r.percent().to_string(),
                ]));
            }
        }
    }
    Ok(out)
}

/// A detached link with what the owner needs to decide.
#[derive(Debug, Clone)]
pub struct AnchorIssue {
    /// The link.
    pub link: StepLink,
    /// The linked article, if still readable.
    pub article: Option<Article>,
    /// The step as it was.
    pub old_step: StoredStep,
    /// Candidate steps of the current revision, best first.
    pub candidates: Vec<StoredStep>,
}

/// Orphans and suggestions of a process after re-imports.
#[derive(Debug, Clone)]
pub struct AnchorsView {
    /// The process.
    pub process: Process,
    /// What the last import did.
    pub report: AnchorReport,
    /// Links with candidate steps.
    pub suggestions: Vec<AnchorIssue>,
    /// Links matching nothing.
    pub orphans: Vec<AnchorIssue>,
    /// All steps of the current revision (to place an orphan by hand).
    pub steps: Vec<StoredStep>,
}

/// The anchor report of a process.
pub async fn anchors(state: &AppState, actor: &Actor, id: ProcessId) -> Result<AnchorsView> {
    let store = state.store.clone();
    let actor = actor.clone();
    blocking(move || {
        let process = load(&store, id)?;
        let rev = if process.has_model() {
            Some(current_revision(&store, &process)?)
        } else {
            None
        };
        let links = store.process_links(id)?;
        let ids: Vec<ArticleId> = links.iter().map(|l| l.article).collect();
        let articles: HashMap<ArticleId, Article> = readable_articles(&store, &actor, &ids)?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let (mut suggestions, mut orphans) = (Vec::new(), Vec::new());
        for l in links {
            let Anchor::Detached {
                step, candidates, ..
            } = &l.anchor
            else {
                continue;
            };
            let candidates: Vec<StoredStep> = candidates
                .iter()
                .filter_map(|c| rev.as_ref().and_then(|r| r.step(c)).cloned())
                .collect();
            let issue = AnchorIssue {
                article: articles.get(&l.article).cloned(),
                old_step: (**step).clone(),
                candidates,
                link: l.clone(),
            };
            if issue.candidates.is_empty() {
                orphans.push(issue);
            } else {
                suggestions.push(issue);
            }
        }
        Ok(AnchorsView {
            report: rev.as_ref().map(|r| r.anchors.clone()).unwrap_or_default(),
            steps: rev.map(|r| r.steps).unwrap_or_default(),
            process,
            suggestions,
            orphans,
        })
    })
    .await
}

/// Where an article is used ("Verwendet in").
#[derive(Debug, Clone)]
pub struct Usage {
    /// The process.
    pub process: Process,
    /// The step (from the current revision).
    pub step: StoredStep,
    /// The link.
    pub link: StepLink,
}

/// The steps an article is linked to, across processes, sorted by process and step;
/// "not found" when the actor may not read the article.
pub async fn article_usage(
    state: &AppState,
    actor: &Actor,
    article: ArticleId,
) -> Result<Vec<Usage>> {
    let store = state.store.clone();
    let who = actor.clone();
    blocking(move || {
        if readable_articles(&store, &who, &[article])?.is_empty() {
            return Err(AppError::NotFound("Artikel nicht gefunden.".to_owned()));
        }
        let mut out = Vec::new();
        let mut revisions: HashMap<ProcessId, Option<(Process, ProcessRevision)>> = HashMap::new();
        for l in store.article_step_links(article)? {
            if !l.is_anchored() {
                continue;
            }
            let entry = match revisions.get(&l.process) {
                Some(e) => e.clone(),
                None => {
                    let e = match store.process(l.process)? {
                        Some(p) if p.has_model() => {
                            store.process_revision(p.id, p.revision)?.map(|r| (p, r))
                        }
                        _ => None,
                    };
                    revisions.insert(l.process, e.clone());
                    e
                }
            };
            if let Some((p, r)) = entry
                && let Some(s) = r.step(&l.element_id)
            {
                out.push(Usage {
                    process: p,
                    step: s.clone(),
                    link: l,
                });
            }
        }
        out.sort_by(|a, b| {
            (a.process.title.to_lowercase(), a.step.display_name())
                .cmp(&(b.process.title.to_lowercase(), b.step.display_name()))
        });
        Ok(out)
    })
    .await
}

/// All model revisions of a process, newest first.
pub async fn revisions(state: &AppState, id: ProcessId) -> Result<Vec<ProcessRevision>> {
    let store = state.store.clone();
    blocking(move || {
        let p = load(&store, id)?;
        let mut out = Vec::new();
        for n in (1..=p.revision).rev() {
            if let Some(r) = store.process_revision(id, n)? {
                out.push(r);
            }
        }
        Ok(out)
    })
    .await
}

/// [`article_usage`] for an article named by id or slug; 404 if it is not readable.
pub async fn article_usage_by_ref(
    state: &AppState,
    actor: &Actor,
    id_or_slug: String,
) -> Result<Vec<Usage>> {
    let store = state.store.clone();
    let a = actor.clone();
    let article = blocking(move || {
        let found = crate::service::articles::find(&store, &id_or_slug)?;
        readable_articles(&store, &a, &[found.id])?
            .pop()
            .ok_or_else(|| AppError::NotFound("Artikel nicht gefunden.".to_owned()))
    })
    .await?;
    article_usage(state, actor, article.id).await
}
