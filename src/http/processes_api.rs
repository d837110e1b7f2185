//! JSON API for processes under `/api/v1/processes` (issue #6, described in
//! `openapi.rs`): the register, BPMN imports (raw XML body or multipart), steps with
//! their articles, links, the anchor report after re-imports, and coverage.

use axum::Router;
use axum::body::to_bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::{Deserialize, Serialize};

use super::api::rfc3339;
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery};
use super::multipart;
use crate::domain::process::{
    AnchorReport, LinkKind, ModelCounts, Process, ProcessInput, StepLink, StoredStep,
};
use crate::error::AppError;
use crate::service::Actor;
use crate::service::processes::{
    self, AnchorIssue, CoverageRow, Imported, LinkedArticle, ProcessView, StepView, Upload,
    search::step_url,
};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/processes",
            post(create_process).get(list_processes),
        )
        .route(
            "/api/v1/processes/{id}",
            get(get_process).put(update_process).delete(delete_process),
        )
        .route(
            "/api/v1/processes/{id}/revisions",
            post(import_revision).get(list_revisions),
        )
        .route(
            "/api/v1/processes/{id}/revisions/{n}/file",
            get(download_revision),
        )
        .route("/api/v1/processes/{id}/steps", get(list_steps))
        .route("/api/v1/processes/{id}/steps/{element_id}", get(get_step))
        .route(
            "/api/v1/processes/{id}/steps/{element_id}/articles",
            get(list_step_articles),
        )
        .route(
            "/api/v1/processes/{id}/steps/{element_id}/links",
            post(create_link),
        )
        .route(
            "/api/v1/processes/{id}/steps/{element_id}/links/{link_id}",
            delete(delete_step_link),
        )
        .route(
            "/api/v1/processes/{id}/links/{link_id}",
            delete(delete_link),
        )
        .route("/api/v1/processes/{id}/anchors", get(list_anchors))
        .route(
            "/api/v1/processes/{id}/anchors/{link_id}/confirm",
            post(confirm_anchor),
        )
        .route(
            "/api/v1/processes/{id}/anchors/{link_id}/reject",
            post(reject_anchor),
        )
        .route("/api/v1/processes/{id}/coverage", get(process_coverage))
        .route("/api/v1/coverage", get(unit_coverage))
        .route("/api/v1/articles/{id}/steps", get(article_steps))
}

/// Register fields (JSON create and update).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProcessBody {
    #[serde(default)]
    title: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    leika: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

impl From<ProcessBody> for ProcessInput {
    fn from(b: ProcessBody) -> Self {
        ProcessInput {
            title: b.title,
            unit: b.unit,
            owner: b.owner,
            leika: b.leika.unwrap_or_default(),
            status: b.status.unwrap_or_default(),
        }
    }
}

#[derive(Debug, Serialize)]
struct ProcessJson {
    id: String,
    title: String,
    unit: String,
    owner: String,
    leika: Option<String>,
    status: &'static str,
    /// Current model revision; 0 without a model.
    revision: u32,
    has_model: bool,
    has_diagram: bool,
    warnings: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    counts: Option<ModelCounts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    model_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exporter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    anchors: Option<AnchorReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detached_links: Option<usize>,
    created_at: String,
    updated_at: String,
    updated_by: String,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_url: Option<String>,
}

impl ProcessJson {
    fn new(
        p: &Process,
        rev: Option<&crate::domain::process::ProcessRevision>,
        detached: Option<usize>,
    ) -> Self {
        ProcessJson {
            id: p.id.to_string(),
            title: p.title.clone(),
            unit: p.unit.clone(),
            owner: p.owner.clone(),
            leika: p.leika.as_ref().map(ToString::to_string),
            status: p.status.key(),
            revision: p.revision,
            has_model: p.has_model(),
            has_diagram: rev.is_some_and(|r| r.has_diagram),
            warnings: rev.map(|r| r.warnings.clone()).unwrap_or_default(),
            counts: rev.map(crate::domain::process::ProcessRevision::counts),
            model_name: rev.and_then(|r| r.model_name.clone()),
            exporter: rev.and_then(|r| r.exporter.clone()),
            encoding: rev.map(|r| r.encoding.clone()),
            sha256: rev.map(|r| r.sha256.clone()),
            anchors: rev.map(|r| r.anchors.clone()),
            detached_links: detached,
            created_at: rfc3339(p.created_at),
            updated_at: rfc3339(p.updated_at),
            updated_by: p.updated_by.clone(),
            url: format!("/prozesse/{}", p.id),
            file_url: rev.map(|r| format!("/api/v1/processes/{}/revisions/{}/file", p.id, r.n)),
        }
    }
}

#[derive(Debug, Serialize)]
struct ArticleRefJson {
    link_id: String,
    article_id: String,
    slug: String,
    title: String,
    kind: &'static str,
    kind_label: &'static str,
    order: u32,
    url: String,
    /// Verification status key and label (issue #7).
    status: &'static str,
    status_label: &'static str,
}

impl From<&LinkedArticle> for ArticleRefJson {
    fn from(la: &LinkedArticle) -> Self {
        ArticleRefJson {
            link_id: la.link.id.to_string(),
            article_id: la.article.id.to_string(),
            slug: la.article.slug.to_string(),
            title: la.article.title.clone(),
            kind: la.link.kind.key(),
            kind_label: la.link.kind.label(),
            order: la.link.order,
            url: format!("/artikel/{}", la.article.slug),
            status: la.status.key(),
            status_label: la.status.label(),
        }
    }
}

#[derive(Debug, Serialize)]
struct StepJson {
    element_id: String,
    #[serde(rename = "type")]
    bpmn_type: String,
    type_label: &'static str,
    name: String,
    pool: Option<String>,
    lane_path: Vec<String>,
    parent: Option<String>,
    parent_name: Option<String>,
    has_shape: bool,
    documentation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    called_element: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attached_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event_definition: Option<String>,
    url: String,
    articles: Vec<ArticleRefJson>,
}

impl StepJson {
    fn new(p: &Process, s: &StepView) -> Self {
        let st = &s.step;
        StepJson {
            element_id: st.element_id.clone(),
            bpmn_type: st.bpmn_type.clone(),
            type_label: crate::domain::process::type_label(&st.bpmn_type),
            name: st.name.clone(),
            pool: st.pool.clone(),
            lane_path: st.lane_path.clone(),
            parent: st.parent.clone(),
            parent_name: st.parent_name.clone(),
            has_shape: st.has_shape,
            documentation: st.documentation.clone(),
            called_element: st.called_element.clone(),
            attached_to: st.attached_to.clone(),
            event_definition: st.event_definition.clone(),
            url: step_url(p.id, &st.element_id),
            articles: s.articles.iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize)]
struct LinkJson {
    id: String,
    process_id: String,
    element_id: String,
    article_id: String,
    kind: &'static str,
    order: u32,
    anchored: bool,
    created_at: String,
    created_by: String,
}

impl From<&StepLink> for LinkJson {
    fn from(l: &StepLink) -> Self {
        LinkJson {
            id: l.id.to_string(),
            process_id: l.process.to_string(),
            element_id: l.element_id.clone(),
            article_id: l.article.to_string(),
            kind: l.kind.key(),
            order: l.order,
            anchored: l.is_anchored(),
            created_at: rfc3339(l.created_at),
            created_by: l.created_by.clone(),
        }
    }
}

fn id_of(raw: &str) -> Result<crate::domain::process::ProcessId, ApiError> {
    Ok(processes::parse_id(raw)?)
}

fn created(body: impl Serialize, location: &str) -> Response {
    let mut res = (StatusCode::CREATED, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

#[derive(Debug, Default, Deserialize)]
struct ImportQuery {
    title: Option<String>,
    filename: Option<String>,
}

/// Reads an upload: a multipart form (first file part, optional `title` field) or the
/// raw XML as body. Capped at [`processes::MAX_UPLOAD_BYTES`].
async fn read_upload(req: Request, q: ImportQuery) -> Result<Upload, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = to_bytes(req.into_body(), processes::MAX_UPLOAD_BYTES + 64 * 1024)
        .await
        .map_err(|_| {
            AppError::TooLarge(format!(
                "Die Datei ist zu groß (höchstens {} MiB).",
                processes::MAX_UPLOAD_BYTES / 1024 / 1024
            ))
        })?;
    if let Some(boundary) = multipart::boundary(&content_type) {
        let mut parts = multipart::parse(&bytes, &boundary).ok_or_else(|| {
            AppError::Invalid("Das Formular (multipart/form-data) ist beschädigt.".to_owned())
        })?;
        let title = multipart::field(&parts, "title").or(q.title);
        // The file part: one with a file name or called `file`; else the largest part
        // that is not a known field (clients name it `bpmn`, `model`, `upload`, …).
        let pos = parts
            .iter()
            .position(|p| p.file_name.is_some() || p.name == "file")
            .or_else(|| {
                parts
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| !matches!(p.name.as_str(), "title" | "_csrf" | "filename"))
                    .max_by_key(|(_, p)| p.data.len())
                    .map(|(i, _)| i)
            });
        let file = pos.map(|i| parts.swap_remove(i)).ok_or_else(|| {
            AppError::Invalid("Das Formular enthält keine BPMN-Datei (Feld „file“).".to_owned())
        })?;
        return Ok(Upload {
            bytes: file.data,
            file_name: file.file_name.or(q.filename),
            title,
        });
    }
    Ok(Upload {
        bytes: bytes.to_vec(),
        file_name: q.filename,
        title: q.title,
    })
}

fn imported_response(i: &Imported) -> Response {
    let json = ProcessJson::new(&i.process, Some(&i.revision), None);
    created(json, &format!("/api/v1/processes/{}", i.process.id))
}

/// `POST /api/v1/processes`: JSON creates a register entry without a model; XML (raw or
/// multipart) imports a model as a new process.
async fn create_process(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ImportQuery>,
    req: Request,
) -> Result<Response, ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let mime = v.split(';').next().unwrap_or("").trim();
            mime.eq_ignore_ascii_case("application/json") || mime.ends_with("+json")
        });
    if is_json {
        let bytes = to_bytes(req.into_body(), 64 * 1024)
            .await
            .map_err(|_| AppError::TooLarge("Die Anfrage ist zu groß.".to_owned()))?;
        let body: ProcessBody = serde_json::from_slice(&bytes)
            .map_err(|e| AppError::Invalid(format!("Ungültiges JSON: {e}")))?;
        let p = processes::create(&state, &actor, body.into()).await?;
        return Ok(created(
            ProcessJson::new(&p, None, Some(0)),
            &format!("/api/v1/processes/{}", p.id),
        ));
    }
    let upload = read_upload(req, q).await?;
    let imported = processes::import(&state, &actor, None, upload).await?;
    Ok(imported_response(&imported))
}

/// `POST /api/v1/processes/{id}/revisions`: a new model version.
async fn import_revision(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    req: Request,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    let upload = read_upload(req, q).await?;
    let imported = processes::import(&state, &actor, Some(id), upload).await?;
    Ok(imported_response(&imported))
}

async fn list_processes(State(state): State<AppState>, actor: Actor) -> Result<Response, ApiError> {
    let list = processes::list(&state, &actor).await?;
    #[derive(Serialize)]
    struct Item {
        #[serde(flatten)]
        process: ProcessJson,
        coverage: CoverageJson,
    }
    let items: Vec<Item> = list
        .iter()
        .map(|s| Item {
            process: ProcessJson::new(&s.process, None, None),
            coverage: (&s.coverage).into(),
        })
        .collect();
    Ok(axum::Json(items).into_response())
}

async fn get_process(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let v = processes::get(&state, &actor, id_of(&id)?).await?;
    Ok(axum::Json(ProcessJson::new(
        &v.process,
        v.revision.as_deref(),
        Some(v.detached),
    ))
    .into_response())
}

async fn update_process(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ProcessBody>,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    processes::update(&state, &actor, id, body.into()).await?;
    get_process(State(state), actor, Path(id.to_string())).await
}

/// `GET /api/v1/articles/{id}/steps`: the process steps an article is linked to
/// ("Verwendet in").
async fn article_steps(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let usage = processes::article_usage_by_ref(&state, &actor, id).await?;
    #[derive(Serialize)]
    struct UsageJson {
        process_id: String,
        process_title: String,
        element_id: String,
        name: String,
        #[serde(rename = "type")]
        bpmn_type: String,
        lane_path: Vec<String>,
        link_id: String,
        kind: &'static str,
        url: String,
    }
    let list: Vec<UsageJson> = usage
        .iter()
        .map(|u| UsageJson {
            process_id: u.process.id.to_string(),
            process_title: u.process.title.clone(),
            element_id: u.step.element_id.clone(),
            name: u.step.name.clone(),
            bpmn_type: u.step.bpmn_type.clone(),
            lane_path: u.step.lane_path.clone(),
            link_id: u.link.id.to_string(),
            kind: u.link.kind.key(),
            url: step_url(u.process.id, &u.step.element_id),
        })
        .collect();
    Ok(axum::Json(list).into_response())
}

async fn delete_process(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    processes::delete(&state, &actor, id_of(&id)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_revisions(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    let revs = processes::revisions(&state, id).await?;
    #[derive(Serialize)]
    struct RevisionJson {
        n: u32,
        created_at: String,
        created_by: String,
        file_name: Option<String>,
        size: usize,
        sha256: String,
        encoding: String,
        exporter: Option<String>,
        warnings: Vec<String>,
        counts: ModelCounts,
        anchors: AnchorReport,
        file_url: String,
    }
    let list: Vec<RevisionJson> = revs
        .iter()
        .map(|r| RevisionJson {
            n: r.n,
            created_at: rfc3339(r.created_at),
            created_by: r.created_by.clone(),
            file_name: r.file_name.clone(),
            size: r.size,
            sha256: r.sha256.clone(),
            encoding: r.encoding.clone(),
            exporter: r.exporter.clone(),
            warnings: r.warnings.clone(),
            counts: r.counts(),
            anchors: r.anchors.clone(),
            file_url: format!("/api/v1/processes/{id}/revisions/{}/file", r.n),
        })
        .collect();
    Ok(axum::Json(list).into_response())
}

async fn download_revision(
    State(state): State<AppState>,
    Path((id, n)): Path<(String, u32)>,
) -> Result<Response, ApiError> {
    let (p, raw) = processes::raw_file(&state, id_of(&id)?, n).await?;
    Ok(bpmn_download(&p, n, raw))
}

/// The raw file as an attachment, byte for byte as uploaded.
pub(crate) fn bpmn_download(p: &Process, n: u32, raw: Vec<u8>) -> Response {
    let mut res = raw.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"prozess-{}-v{n}.bpmn\"",
        p.id
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

#[derive(Debug, Default, Deserialize)]
struct StepFilter {
    /// BPMN element name, e.g. `userTask`.
    #[serde(rename = "type")]
    bpmn_type: Option<String>,
    /// `activity`, `task`, `subprocess`, `callactivity`, `event` or `gateway`.
    kind: Option<String>,
}

impl StepFilter {
    fn admits(&self, s: &StoredStep) -> bool {
        use crate::domain::bpmn::StepKind;
        let type_ok = self.bpmn_type.as_deref().is_none_or(|t| t == s.bpmn_type);
        let kind_ok = match self.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None => true,
            Some("activity") => s.kind().is_activity(),
            Some("task") => s.kind() == StepKind::Task,
            Some("subprocess") => s.kind() == StepKind::SubProcess,
            Some("callactivity") => s.kind() == StepKind::CallActivity,
            Some("event") => s.kind() == StepKind::Event,
            Some("gateway") => s.kind() == StepKind::Gateway,
            Some(_) => false,
        };
        type_ok && kind_ok
    }
}

async fn list_steps(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiQuery(filter): ApiQuery<StepFilter>,
) -> Result<Response, ApiError> {
    let v = processes::steps(&state, &actor, id_of(&id)?).await?;
    let steps: Vec<StepJson> = v
        .steps
        .iter()
        .filter(|s| filter.admits(&s.step))
        .map(|s| StepJson::new(&v.process, s))
        .collect();
    Ok(axum::Json(steps).into_response())
}

async fn find_step(
    state: &AppState,
    actor: &Actor,
    id: &str,
    element_id: String,
) -> Result<(ProcessView, StepView), ApiError> {
    match processes::step(state, actor, id_of(id)?, element_id).await? {
        Ok(found) => Ok(found),
        Err(moved) => Err(AppError::NotFound(format!(
            "Dieser Schritt hat nach dem letzten Import die Element-ID „{moved}“."
        ))
        .into()),
    }
}

async fn get_step(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, element_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (v, s) = find_step(&state, &actor, &id, element_id).await?;
    Ok(axum::Json(StepJson::new(&v.process, &s)).into_response())
}

async fn list_step_articles(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, element_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (_, s) = find_step(&state, &actor, &id, element_id).await?;
    let list: Vec<ArticleRefJson> = s.articles.iter().map(Into::into).collect();
    Ok(axum::Json(list).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkBody {
    /// Article id or slug.
    article_id: String,
    /// Defaults to Arbeitsanweisung, the most common kind.
    #[serde(default = "default_kind")]
    kind: LinkKind,
    /// Position among the step's links; default: last.
    #[serde(default)]
    order: Option<u32>,
}

fn default_kind() -> LinkKind {
    LinkKind::Arbeitsanweisung
}

async fn create_link(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, element_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<LinkBody>,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    let link = processes::link_at(
        &state,
        &actor,
        id,
        element_id,
        body.article_id,
        body.kind,
        body.order,
    )
    .await?;
    let location = format!("/api/v1/processes/{id}/links/{}", link.id);
    Ok(created(LinkJson::from(&link), &location))
}

async fn delete_step_link(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, _element_id, link_id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    processes::unlink(&state, &actor, id_of(&id)?, &link_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn delete_link(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, link_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    processes::unlink(&state, &actor, id_of(&id)?, &link_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Serialize)]
struct StepRefJson {
    element_id: String,
    #[serde(rename = "type")]
    bpmn_type: String,
    name: String,
    lane_path: Vec<String>,
    parent_name: Option<String>,
}

impl From<&StoredStep> for StepRefJson {
    fn from(s: &StoredStep) -> Self {
        StepRefJson {
            element_id: s.element_id.clone(),
            bpmn_type: s.bpmn_type.clone(),
            name: s.name.clone(),
            lane_path: s.lane_path.clone(),
            parent_name: s.parent_name.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
struct AnchorIssueJson {
    link_id: String,
    article_id: String,
    article_title: Option<String>,
    kind: &'static str,
    /// The element id the link had before the re-import.
    element_id: String,
    step: StepRefJson,
    candidates: Vec<StepRefJson>,
}

impl From<&AnchorIssue> for AnchorIssueJson {
    fn from(i: &AnchorIssue) -> Self {
        AnchorIssueJson {
            link_id: i.link.id.to_string(),
            article_id: i.link.article.to_string(),
            article_title: i.article.as_ref().map(|a| a.title.clone()),
            kind: i.link.kind.key(),
            element_id: i.link.element_id.clone(),
            step: (&i.old_step).into(),
            candidates: i.candidates.iter().map(Into::into).collect(),
        }
    }
}

async fn list_anchors(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let v = processes::anchors(&state, &actor, id_of(&id)?).await?;
    #[derive(Serialize)]
    struct AnchorsJson {
        process_id: String,
        revision: u32,
        /// What the last import did: kept, re-anchored (with old → new ids), counts.
        last_import: AnchorReport,
        suggestions: Vec<AnchorIssueJson>,
        orphans: Vec<AnchorIssueJson>,
    }
    Ok(axum::Json(AnchorsJson {
        process_id: v.process.id.to_string(),
        revision: v.process.revision,
        last_import: v.report,
        suggestions: v.suggestions.iter().map(Into::into).collect(),
        orphans: v.orphans.iter().map(Into::into).collect(),
    })
    .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmBody {
    element_id: String,
}

async fn confirm_anchor(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, link_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<ConfirmBody>,
) -> Result<Response, ApiError> {
    let link =
        processes::confirm_anchor(&state, &actor, id_of(&id)?, &link_id, body.element_id).await?;
    Ok(axum::Json(LinkJson::from(&link)).into_response())
}

async fn reject_anchor(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, link_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let link = processes::reject_anchor(&state, &actor, id_of(&id)?, &link_id).await?;
    Ok(axum::Json(LinkJson::from(&link)).into_response())
}

#[derive(Debug, Serialize)]
struct CoverageJson {
    label: String,
    activities: usize,
    without_articles: usize,
    with_articles: usize,
    with_verified_articles: usize,
    percent: usize,
}

impl From<&CoverageRow> for CoverageJson {
    fn from(r: &CoverageRow) -> Self {
        CoverageJson {
            label: r.label.clone(),
            activities: r.activities,
            without_articles: r.without,
            with_articles: r.linked,
            with_verified_articles: r.verified,
            percent: r.percent(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

/// CSV response with a download name.
pub(crate) fn csv_response(csv: String, name: &str) -> Response {
    let mut res = csv.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

async fn process_coverage(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<FormatQuery>,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    if q.format.as_deref() == Some("csv") {
        let csv = processes::coverage_csv(&state, &actor, Some(id)).await?;
        return Ok(csv_response(csv, &format!("abdeckung-{id}.csv")));
    }
    let c = processes::coverage(&state, &actor, id).await?;
    #[derive(Serialize)]
    struct StepCoverage {
        element_id: String,
        name: String,
        lane_path: Vec<String>,
        articles: usize,
        state: &'static str,
    }
    #[derive(Serialize)]
    struct Json {
        #[serde(flatten)]
        total: CoverageJson,
        steps: Vec<StepCoverage>,
    }
    let steps = c
        .view
        .steps
        .iter()
        .filter(|s| s.step.kind().is_activity())
        .map(|s| StepCoverage {
            element_id: s.step.element_id.clone(),
            name: s.step.name.clone(),
            lane_path: s.step.lane_path.clone(),
            articles: s.articles.len(),
            state: if s.articles.is_empty() {
                "none"
            } else {
                "linked"
            },
        })
        .collect();
    Ok(axum::Json(Json {
        total: (&c.total).into(),
        steps,
    })
    .into_response())
}

async fn unit_coverage(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<FormatQuery>,
) -> Result<Response, ApiError> {
    if q.format.as_deref() == Some("csv") {
        let csv = processes::coverage_csv(&state, &actor, None).await?;
        return Ok(csv_response(csv, "abdeckung-einheiten.csv"));
    }
    let rows = processes::coverage_by_unit(&state, &actor).await?;
    let rows: Vec<CoverageJson> = rows.iter().map(Into::into).collect();
    Ok(axum::Json(rows).into_response())
}
