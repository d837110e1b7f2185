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
            get(get_process).put(update_process),
        )
        .route("/api/v1/processes/{id}/revisions", post(import_revision))
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

async fn list_steps(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let v = processes::steps(&state, &actor, id_of(&id)?).await?;
    let steps: Vec<StepJson> = v
        .steps
        .iter()
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
    /// Ignored: links are appended; kept so clients may send it.
    #[serde(default)]
    #[allow(dead_code)]
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
    let link = processes::link(&state, &actor, id, element_id, body.article_id, body.kind).await?;
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

fn problem() -> serde_json::Value {
    serde_json::json!({"description": "Fehler (RFC 9457)", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
}

fn schema(name: &str) -> serde_json::Value {
    serde_json::json!({"$ref": format!("#/components/schemas/{name}")})
}

fn json_ok(description: &str, s: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"description": description, "content": {"application/json": {"schema": s}}})
}

/// The process endpoints for the OpenAPI document (`openapi.rs` merges them).
pub(crate) fn openapi_paths() -> serde_json::Value {
    use serde_json::json;
    let pid = json!({"name": "id", "in": "path", "required": true, "description": "Prozess-ID (ULID)", "schema": {"type": "string"}});
    let el = json!({"name": "element_id", "in": "path", "required": true, "description": "BPMN-Element-ID des Schritts", "schema": {"type": "string"}});
    let link =
        json!({"name": "link_id", "in": "path", "required": true, "schema": {"type": "string"}});
    let upload = json!({
    "description": "BPMN 2.0 (UTF-8, UTF-16, ISO-8859-1/Windows-1252; höchstens 10 MiB) als Rohdaten oder multipart/form-data (Dateifeld `file`, optional `title`). Für `POST /api/v1/processes` legt application/json stattdessen einen Registereintrag ohne Modell an.",
    "content": {
        "application/xml": {"schema": {"type": "string"}},
        "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}, "title": {"type": "string"}}}},
        "application/json": {"schema": schema("ProcessInput")}
    }});
    let import_params = json!([
        {"name": "title", "in": "query", "schema": {"type": "string"}, "description": "Titel eines neuen Prozesses (sonst der Modellname)"},
        {"name": "filename", "in": "query", "schema": {"type": "string"}}
    ]);
    let created = json!({"description": "Angelegt/importiert (Location-Header)", "content": {"application/json": {"schema": schema("Process")}}});
    json!({
        "/api/v1/processes": {
            "get": {"summary": "Prozessregister mit Abdeckung", "responses": {"200": json_ok("OK", json!({"type": "array", "items": schema("Process")}))}},
            "post": {"summary": "Prozess anlegen (JSON) oder BPMN-Modell als neuen Prozess importieren", "parameters": import_params, "requestBody": upload,
                "responses": {"201": created, "400": problem(), "413": problem()}}
        },
        "/api/v1/processes/{id}": {
            "parameters": [pid],
            "get": {"summary": "Prozess mit aktueller Modellversion, Zählungen, Import-Hinweisen und Zuordnungsbericht", "responses": {"200": json_ok("OK", schema("Process")), "404": problem()}},
            "put": {"summary": "Registerangaben ändern", "requestBody": {"content": {"application/json": {"schema": schema("ProcessInput")}}}, "responses": {"200": json_ok("OK", schema("Process")), "400": problem(), "404": problem()}}
        },
        "/api/v1/processes/{id}/revisions": {
            "parameters": [pid],
            "post": {"summary": "Neue Modellversion importieren; Verknüpfungen werden übernommen (gleiche IDs), per Fingerabdruck neu zugeordnet oder als Vorschlag/verwaist gemeldet", "parameters": import_params, "requestBody": upload,
                "responses": {"201": created, "400": problem(), "404": problem(), "413": problem()}}
        },
        "/api/v1/processes/{id}/revisions/{n}/file": {
            "parameters": [pid, {"name": "n", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}}],
            "get": {"summary": "Die hochgeladene BPMN-Datei, Byte für Byte", "responses": {"200": {"description": "application/octet-stream"}, "404": problem()}}
        },
        "/api/v1/processes/{id}/steps": {
            "parameters": [pid],
            "get": {"summary": "Alle Schritte (Aufgaben, Teilprozesse, Aufrufe, Ereignisse, Gateways) mit verknüpften Artikeln", "responses": {"200": json_ok("OK", json!({"type": "array", "items": schema("Step")})), "404": problem()}}
        },
        "/api/v1/processes/{id}/steps/{element_id}": {
            "parameters": [pid, el],
            "get": {"summary": "Ein Schritt", "responses": {"200": json_ok("OK", schema("Step")), "404": problem()}}
        },
        "/api/v1/processes/{id}/steps/{element_id}/articles": {
            "parameters": [pid, el],
            "get": {"summary": "Verknüpfte Artikel eines Schritts in ihrer Reihenfolge", "responses": {"200": json_ok("OK", json!({"type": "array", "items": schema("StepArticle")})), "404": problem()}}
        },
        "/api/v1/processes/{id}/steps/{element_id}/links": {
            "parameters": [pid, el],
            "post": {"summary": "Artikel mit dem Schritt verknüpfen", "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["article_id", "kind"], "properties": {
                "article_id": {"type": "string", "description": "Artikel-ID, Slug oder Titel"}, "kind": schema("LinkKind")}}}}},
                "responses": {"201": json_ok("Angelegt", schema("Link")), "400": problem(), "404": problem(), "409": problem()}}
        },
        "/api/v1/processes/{id}/steps/{element_id}/links/{link_id}": {
            "parameters": [pid, el, link],
            "delete": {"summary": "Verknüpfung löschen", "responses": {"204": {"description": "Gelöscht"}, "404": problem()}}
        },
        "/api/v1/processes/{id}/links/{link_id}": {
            "parameters": [pid, link],
            "delete": {"summary": "Verknüpfung löschen (auch verwaiste)", "responses": {"204": {"description": "Gelöscht"}, "404": problem()}}
        },
        "/api/v1/processes/{id}/anchors": {
            "parameters": [pid],
            "get": {"summary": "Zuordnungsbericht nach Re-Import: automatisch neu zugeordnete Verknüpfungen, Vorschläge und verwaiste Verknüpfungen", "responses": {"200": json_ok("OK", json!({"type": "object", "properties": {
                "process_id": {"type": "string"}, "revision": {"type": "integer"}, "last_import": schema("AnchorReport"),
                "suggestions": {"type": "array", "items": schema("AnchorIssue")}, "orphans": {"type": "array", "items": schema("AnchorIssue")}}})), "404": problem()}}
        },
        "/api/v1/processes/{id}/anchors/{link_id}/confirm": {
            "parameters": [pid, link],
            "post": {"summary": "Vorschlag bestätigen oder verwaiste Verknüpfung einem Schritt zuordnen", "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["element_id"], "properties": {"element_id": {"type": "string"}}}}}},
                "responses": {"200": json_ok("OK", schema("Link")), "400": problem(), "404": problem()}}
        },
        "/api/v1/processes/{id}/anchors/{link_id}/reject": {
            "parameters": [pid, link],
            "post": {"summary": "Vorschläge verwerfen; die Verknüpfung bleibt als verwaist erhalten", "responses": {"200": json_ok("OK", schema("Link")), "404": problem(), "409": problem()}}
        },
        "/api/v1/processes/{id}/coverage": {
            "parameters": [pid, {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]}}],
            "get": {"summary": "Abdeckung der Aktivitäten mit Artikeln (CSV: Semikolon, UTF-8 mit BOM)", "responses": {"200": {"description": "JSON oder text/csv"}, "404": problem()}}
        },
        "/api/v1/coverage": {
            "get": {"summary": "Abdeckung je Organisationseinheit", "parameters": [{"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]}}], "responses": {"200": {"description": "JSON oder text/csv"}}}
        }
    })
}

/// The process schemas for the OpenAPI document.
pub(crate) fn openapi_schemas() -> serde_json::Value {
    use serde_json::json;
    json!({
        "ProcessInput": {"type": "object", "required": ["title"], "properties": {
            "title": {"type": "string", "maxLength": 200}, "unit": {"type": "string"}, "owner": {"type": "string"},
            "leika": {"type": "string", "pattern": "^[0-9]{14}$", "description": "LeiKa-Leistungsschlüssel, genau 14 Ziffern"},
            "status": {"enum": ["entwurf", "aktiv", "archiviert"]}}},
        "Process": {"type": "object", "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "unit": {"type": "string"}, "owner": {"type": "string"},
            "leika": {"type": ["string", "null"]}, "status": {"type": "string"}, "revision": {"type": "integer", "description": "0 ohne Modell"},
            "has_model": {"type": "boolean"}, "has_diagram": {"type": "boolean"}, "warnings": {"type": "array", "items": {"type": "string"}},
            "counts": {"type": "object", "properties": {"pools": {"type": "integer"}, "lanes": {"type": "integer"}, "steps": {"type": "integer"},
                "tasks": {"type": "integer"}, "sub_processes": {"type": "integer"}, "call_activities": {"type": "integer"}, "events": {"type": "integer"}, "gateways": {"type": "integer"}}},
            "model_name": {"type": "string"}, "exporter": {"type": "string"}, "encoding": {"type": "string"}, "sha256": {"type": "string"},
            "anchors": schema("AnchorReport"), "detached_links": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}, "updated_by": {"type": "string"},
            "url": {"type": "string"}, "file_url": {"type": "string"}}},
        "Step": {"type": "object", "properties": {
            "element_id": {"type": "string"}, "type": {"type": "string", "description": "BPMN-Elementname, z. B. userTask, subProcess, boundaryEvent"},
            "type_label": {"type": "string"}, "name": {"type": "string"}, "pool": {"type": ["string", "null"]},
            "lane_path": {"type": "array", "items": {"type": "string"}, "description": "Lane-Namen, äußerste zuerst"},
            "parent": {"type": ["string", "null"], "description": "ID des umgebenden Teilprozesses"}, "parent_name": {"type": ["string", "null"]},
            "has_shape": {"type": "boolean"}, "documentation": {"type": "string", "description": "Klartext (HTML entfernt)"},
            "called_element": {"type": "string"}, "attached_to": {"type": "string"}, "event_definition": {"type": "string"},
            "url": {"type": "string", "description": "/prozesse/{id}/schritte/{element_id}"},
            "articles": {"type": "array", "items": schema("StepArticle")}}},
        "StepArticle": {"type": "object", "properties": {
            "link_id": {"type": "string"}, "article_id": {"type": "string"}, "slug": {"type": "string"}, "title": {"type": "string"},
            "kind": schema("LinkKind"), "kind_label": {"type": "string"}, "order": {"type": "integer"}, "url": {"type": "string"}}},
        "LinkKind": {"enum": ["arbeitsanweisung", "checkliste", "rechtsgrundlage", "formular", "faq", "sonderfall"]},
        "Link": {"type": "object", "properties": {
            "id": {"type": "string"}, "process_id": {"type": "string"}, "element_id": {"type": "string"}, "article_id": {"type": "string"},
            "kind": schema("LinkKind"), "order": {"type": "integer"}, "anchored": {"type": "boolean"},
            "created_at": {"type": "string", "format": "date-time"}, "created_by": {"type": "string"}}},
        "AnchorReport": {"type": "object", "properties": {
            "kept": {"type": "integer"}, "suggested": {"type": "integer"}, "orphaned": {"type": "integer"},
            "reanchored": {"type": "array", "items": {"type": "object", "properties": {"link_id": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"}, "name": {"type": "string"}}}}}},
        "AnchorIssue": {"type": "object", "properties": {
            "link_id": {"type": "string"}, "article_id": {"type": "string"}, "article_title": {"type": ["string", "null"]}, "kind": schema("LinkKind"),
            "element_id": {"type": "string", "description": "Element-ID vor dem Re-Import"},
            "step": {"type": "object", "description": "Der Schritt, wie er war"},
            "candidates": {"type": "array", "items": {"type": "object"}, "description": "Mögliche Schritte der aktuellen Version, beste zuerst"}}}
    })
}
