//! Process pages (issue #6): the Prozessregister, upload and edit forms, the process
//! page with the bpmn-js diagram and the accessible step list, step deep links with
//! linking actions, the anchor review after re-imports, coverage, and the embeddable
//! read-only step widget (with its own `frame-ancestors` policy).
//!
//! Every page works without JavaScript: the step list links to the step pages, which
//! carry all actions. `process.js` adds the diagram, overlays and the side panel.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::to_bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::error::HtmlError;
use super::extract::HtmlForm;
use super::multipart;
use super::processes_api::bpmn_download;
use super::views::Layout;
use crate::domain::process::{
    LinkKind, Process, ProcessId, ProcessInput, ProcessStatus, StoredStep, type_label,
};
use crate::error::AppError;
use crate::service::Actor;
use crate::service::processes::{
    self, CoverageRow, ProcessView, StepView, Upload, search::step_url,
};
use crate::state::AppState;

use super::processes_review as review;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/prozesse", get(list_processes).post(create_process))
        .route("/prozesse/neu", get(new_process_form))
        .route("/prozesse/abdeckung", get(review::unit_coverage))
        .route("/prozesse/abdeckung.csv", get(review::unit_coverage_csv))
        .route("/prozesse/{id}", get(show_process))
        .route(
            "/prozesse/{id}/bearbeiten",
            get(edit_process_form).post(update_process),
        )
        .route("/prozesse/{id}/versionen", post(upload_revision))
        .route("/prozesse/{id}/loeschen", post(delete_process))
        .route("/prozesse/{id}/versionen/{n}/datei", get(download_file))
        .route("/prozesse/{id}/diagramm.bpmn", get(diagram_xml))
        .route("/prozesse/{id}/schritte/{element_id}", get(show_step))
        .route(
            "/prozesse/{id}/schritte/{element_id}/verknuepfen",
            post(link_article),
        )
        .route(
            "/prozesse/{id}/schritte/{element_id}/artikel-anlegen",
            post(create_step_article),
        )
        .route(
            "/prozesse/{id}/verknuepfungen/{link_id}/loeschen",
            post(unlink_article),
        )
        .route("/prozesse/{id}/zuordnungen", get(review::show_anchors))
        .route(
            "/prozesse/{id}/zuordnungen/{link_id}/bestaetigen",
            post(review::confirm_anchor),
        )
        .route(
            "/prozesse/{id}/zuordnungen/{link_id}/verwerfen",
            post(review::reject_anchor),
        )
        .route("/prozesse/{id}/abdeckung", get(review::process_coverage))
        .route(
            "/prozesse/{id}/abdeckung.csv",
            get(review::process_coverage_csv),
        )
        .route(
            "/einbetten/prozesse/{id}/schritte/{element_id}",
            get(review::step_widget),
        )
}

/// A notice from the `hinweis` query parameter.
pub(crate) fn notice(l: Layout, hint: Option<&str>) -> Layout {
    let key = match hint {
        Some("angelegt") => "process.created_notice",
        Some("importiert") => "process.imported_notice",
        Some("gespeichert") => "process.saved_notice",
        Some("geloescht") => "process.deleted_notice",
        _ => return l,
    };
    let text = l.t(key);
    let mut l = l;
    l.notice = Some(text);
    l
}

#[derive(Debug, Deserialize)]
pub(crate) struct HintQuery {
    pub(crate) hinweis: Option<String>,
}

pub(crate) fn process_url(id: ProcessId) -> String {
    format!("/prozesse/{id}")
}

/// Status option for selects.
#[derive(Debug)]
struct Choice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

fn status_choices(current: &str) -> Vec<Choice> {
    ProcessStatus::ALL
        .iter()
        .map(|s| Choice {
            value: s.key(),
            label: s.label(),
            selected: s.key() == current,
        })
        .collect()
}

fn kind_choices(current: Option<LinkKind>) -> Vec<Choice> {
    LinkKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.key(),
            label: k.label(),
            selected: Some(*k) == current,
        })
        .collect()
}

// ---------------------------------------------------------------- list

#[derive(Debug)]
struct ProcessRow {
    url: String,
    title: String,
    unit: String,
    owner: String,
    leika: String,
    status: &'static str,
    revision: u32,
    coverage: CoverageRow,
}

#[derive(Template, WebTemplate)]
#[template(path = "processes.html")]
struct ListView {
    l: Layout,
    rows: Vec<ProcessRow>,
}

async fn list_processes(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
) -> Result<ListView, HtmlError> {
    let list = processes::list(&state, &actor)
        .await
        .map_err(|e| l.error(e))?;
    let rows = list
        .into_iter()
        .map(|s| ProcessRow {
            url: process_url(s.process.id),
            title: s.process.title.clone(),
            unit: s.process.unit.clone(),
            owner: s.process.owner.clone(),
            leika: s
                .process
                .leika
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            status: s.process.status.label(),
            revision: s.process.revision,
            coverage: s.coverage,
        })
        .collect();
    let title = l.t("process.register");
    Ok(ListView {
        l: l.titled(title),
        rows,
    })
}

// ---------------------------------------------------------------- forms

#[derive(Debug, Default, Clone, Deserialize)]
struct RegisterForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    leika: String,
    #[serde(default)]
    status: String,
}

impl RegisterForm {
    fn from_process(p: &Process) -> Self {
        RegisterForm {
            title: p.title.clone(),
            unit: p.unit.clone(),
            owner: p.owner.clone(),
            leika: p
                .leika
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            status: p.status.key().to_owned(),
        }
    }

    fn input(&self) -> ProcessInput {
        ProcessInput {
            title: self.title.clone(),
            unit: self.unit.clone(),
            owner: self.owner.clone(),
            leika: self.leika.clone(),
            status: self.status.clone(),
        }
    }

    fn is_blank(&self) -> bool {
        self.unit.trim().is_empty()
            && self.owner.trim().is_empty()
            && self.leika.trim().is_empty()
            && self.status.trim().is_empty()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "process_form.html")]
struct FormView {
    l: Layout,
    action: String,
    form: RegisterForm,
    statuses: Vec<Choice>,
    error: Option<String>,
    is_new: bool,
    delete_action: String,
}

fn form_view(
    l: Layout,
    action: String,
    form: RegisterForm,
    error: Option<String>,
    is_new: bool,
) -> FormView {
    let title = if is_new {
        l.t("process.new")
    } else {
        l.t("process.edit")
    };
    FormView {
        l: l.titled(title),
        delete_action: action.replace("/bearbeiten", "/loeschen"),
        action,
        statuses: status_choices(&form.status),
        form,
        error,
        is_new,
    }
}

async fn new_process_form(l: Layout) -> FormView {
    form_view(
        l,
        "/prozesse".to_owned(),
        RegisterForm::default(),
        None,
        true,
    )
}

/// A register form, from url-encoded fields or a multipart upload (with a file).
async fn read_form(req: Request) -> Result<(RegisterForm, Option<Upload>), AppError> {
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
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut upload = None;
    if let Some(boundary) = multipart::boundary(&content_type) {
        let parts = multipart::parse(&bytes, &boundary)
            .ok_or_else(|| AppError::Invalid("Das Formular ist beschädigt.".to_owned()))?;
        for p in parts {
            if p.file_name.is_some() || p.name == "file" {
                if !p.data.is_empty() && upload.is_none() {
                    upload = Some(Upload {
                        bytes: p.data,
                        file_name: p.file_name,
                        title: None,
                    });
                }
            } else {
                fields.insert(p.name, String::from_utf8_lossy(&p.data).into_owned());
            }
        }
    } else {
        for (k, v) in url::form_urlencoded::parse(&bytes) {
            fields.insert(k.into_owned(), v.into_owned());
        }
    }
    let mut take = |k: &str| fields.remove(k).unwrap_or_default();
    let form = RegisterForm {
        title: take("title"),
        unit: take("unit"),
        owner: take("owner"),
        leika: take("leika"),
        status: take("status"),
    };
    Ok((form, upload))
}

async fn create_process(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
    req: Request,
) -> Result<Response, HtmlError> {
    let (form, upload) = read_form(req).await.map_err(|e| l.error(e))?;
    let invalid = |l: Layout, form: RegisterForm, e: AppError| -> Response {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
        (
            status,
            form_view(
                l,
                "/prozesse".to_owned(),
                form,
                Some(e.public_message()),
                true,
            ),
        )
            .into_response()
    };
    // Validate the register fields before anything is stored.
    let mut checked = form.clone();
    if checked.title.trim().is_empty() && upload.is_some() {
        checked.title = "Prozess".to_owned();
    }
    if let Err(msg) = checked.input().validate() {
        return Ok(invalid(l, form, AppError::Invalid(msg)));
    }
    let result = match upload {
        Some(mut up) => {
            up.title = Some(form.title.clone()).filter(|t| !t.trim().is_empty());
            match processes::import(&state, &actor, None, up).await {
                Ok(imported) => {
                    let p = imported.process;
                    if form.is_blank() {
                        Ok(p)
                    } else {
                        let mut f = form.clone();
                        f.title = p.title.clone();
                        processes::update(&state, &actor, p.id, f.input()).await
                    }
                }
                Err(e) => Err(e),
            }
        }
        None => processes::create(&state, &actor, form.input()).await,
    };
    match result {
        Ok(p) => {
            Ok(Redirect::to(&format!("{}?hinweis=angelegt", process_url(p.id))).into_response())
        }
        Err(e) if e.status() < 500 => Ok(invalid(l, form, e)),
        Err(e) => Err(l.error(e)),
    }
}

async fn edit_process_form(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    l: Layout,
) -> Result<FormView, HtmlError> {
    let id = processes::parse_id(&id).map_err(|e| l.error(e))?;
    let v = processes::get(&state, &actor, id)
        .await
        .map_err(|e| l.error(e))?;
    Ok(form_view(
        l,
        format!("/prozesse/{id}/bearbeiten"),
        RegisterForm::from_process(&v.process),
        None,
        false,
    ))
}

async fn update_process(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    l: Layout,
    HtmlForm(form): HtmlForm<RegisterForm>,
) -> Result<Response, HtmlError> {
    let id = processes::parse_id(&id).map_err(|e| l.error(e))?;
    match processes::update(&state, &actor, id, form.input()).await {
        Ok(_) => Ok(Redirect::to(&format!("/prozesse/{id}?hinweis=gespeichert")).into_response()),
        Err(e) if e.status() == 400 => {
            let msg = e.public_message();
            Ok((
                StatusCode::BAD_REQUEST,
                form_view(
                    l,
                    format!("/prozesse/{id}/bearbeiten"),
                    form,
                    Some(msg),
                    false,
                ),
            )
                .into_response())
        }
        Err(e) => Err(l.error(e)),
    }
}

async fn delete_process(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    l: Layout,
) -> Result<Response, HtmlError> {
    let id = processes::parse_id(&id).map_err(|e| l.error(e))?;
    processes::delete(&state, &actor, id)
        .await
        .map_err(|e| l.error(e))?;
    Ok(Redirect::to("/prozesse?hinweis=geloescht").into_response())
}

async fn upload_revision(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    l: Layout,
    req: Request,
) -> Result<Response, HtmlError> {
    let id = processes::parse_id(&id).map_err(|e| l.error(e))?;
    let (_, upload) = read_form(req).await.map_err(|e| l.error(e))?;
    let upload = upload.ok_or_else(|| {
        l.error(AppError::Invalid(
            "Bitte wählen Sie eine BPMN-Datei aus.".to_owned(),
        ))
    })?;
    let imported = processes::import(&state, &actor, Some(id), upload)
        .await
        .map_err(|e| l.error(e))?;
    let a = &imported.revision.anchors;
    let target = if a.suggested + a.orphaned > 0 {
        format!("/prozesse/{id}/zuordnungen?hinweis=importiert")
    } else {
        format!("/prozesse/{id}?hinweis=importiert")
    };
    Ok(Redirect::to(&target).into_response())
}

async fn download_file(
    State(state): State<AppState>,
    Path((id, n)): Path<(String, u32)>,
    l: Layout,
) -> Result<Response, HtmlError> {
    let id = processes::parse_id(&id).map_err(|e| l.error(e))?;
    let (p, raw) = processes::raw_file(&state, id, n)
        .await
        .map_err(|e| l.error(e))?;
    Ok(bpmn_download(&p, n, raw))
}

async fn diagram_xml(
    State(state): State<AppState>,
    Path(id): Path<String>,
    l: Layout,
) -> Result<Response, HtmlError> {
    let id = processes::parse_id(&id).map_err(|e| l.error(e))?;
    let xml = processes::diagram(&state, id)
        .await
        .map_err(|e| l.error(e))?;
    let mut res = xml.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    Ok(res)
}

// ---------------------------------------------------------------- process page

/// A step in the accessible list.
#[derive(Debug)]
pub(crate) struct StepItem {
    pub(crate) url: String,
    pub(crate) element_id: String,
    pub(crate) name: String,
    pub(crate) type_label: &'static str,
    pub(crate) articles: usize,
    pub(crate) coverage: &'static str,
    pub(crate) part_of: String,
    pub(crate) is_activity: bool,
}

/// A heading of the step list (pool, lane, nested lane) and the steps directly under it.
#[derive(Debug)]
struct StepGroup {
    /// 3 for pools, 4.. for lanes (capped at 6).
    level: usize,
    title: String,
    steps: Vec<StepItem>,
}

fn coverage_class(v: &StepView) -> &'static str {
    if v.articles.is_empty() {
        "none"
    } else if v.articles.iter().any(|a| a.is_verified()) {
        "verified"
    } else {
        "linked"
    }
}

pub(crate) fn step_item(id: ProcessId, v: &StepView, names: &HashMap<&str, &str>) -> StepItem {
    StepItem {
        url: step_url(id, &v.step.element_id),
        element_id: v.step.element_id.clone(),
        name: v.step.display_name(),
        type_label: type_label(&v.step.bpmn_type),
        articles: v.articles.len(),
        coverage: coverage_class(v),
        part_of: v
            .step
            .parent
            .as_deref()
            .and_then(|p| names.get(p).copied())
            .unwrap_or_default()
            .to_owned(),
        is_activity: v.step.kind().is_activity(),
    }
}

/// Groups steps pool → lane → nested lane, in the order the model declares them.
fn step_groups(v: &ProcessView, no_lane: &str) -> Vec<StepGroup> {
    let id = v.process.id;
    let Some(rev) = &v.revision else {
        return Vec::new();
    };
    let names: HashMap<&str, &str> = rev
        .steps
        .iter()
        .map(|s| (s.element_id.as_str(), s.name.as_str()))
        .collect();
    // Order keys: pool position, then lane positions along the path.
    let pool_pos = |s: &StoredStep| -> usize {
        rev.pools
            .iter()
            .position(|p| p.process_ref.as_deref() == Some(s.process_id.as_str()))
            .unwrap_or(usize::MAX)
    };
    let lane_pos = |name: &str| -> usize {
        rev.lanes
            .iter()
            .position(|l| l.name == name)
            .unwrap_or(usize::MAX)
    };
    let mut keyed: Vec<((usize, Vec<usize>), &StepView)> = v
        .steps
        .iter()
        .map(|s| {
            let key = (
                pool_pos(&s.step),
                s.step.lane_path.iter().map(|n| lane_pos(n)).collect(),
            );
            (key, s)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0)); // stable: document order within a lane
    let mut groups: Vec<StepGroup> = Vec::new();
    let mut last_pool: Option<String> = None;
    let mut last_path: Vec<String> = Vec::new();
    for (_, s) in keyed {
        let pool = s
            .step
            .pool
            .clone()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| {
                rev.model_name
                    .clone()
                    .unwrap_or_else(|| v.process.title.clone())
            });
        if last_pool.as_ref() != Some(&pool) {
            groups.push(StepGroup {
                level: 3,
                title: pool.clone(),
                steps: Vec::new(),
            });
            last_pool = Some(pool);
            last_path.clear();
        }
        let path = if s.step.lane_path.is_empty()
            && rev.lanes.iter().any(|l| l.process_id == s.step.process_id)
        {
            vec![no_lane.to_owned()]
        } else {
            s.step.lane_path.clone()
        };
        if path != last_path {
            let common = path
                .iter()
                .zip(&last_path)
                .take_while(|(a, b)| a == b)
                .count();
            for (depth, lane) in path.iter().enumerate().skip(common) {
                groups.push(StepGroup {
                    level: (4 + depth).min(6),
                    title: lane.clone(),
                    steps: Vec::new(),
                });
            }
            if common == path.len() && !path.is_empty() {
                // Back up to an outer lane after a nested one: repeat its heading.
                groups.push(StepGroup {
                    level: (3 + path.len()).min(6),
                    title: path.last().cloned().unwrap_or_default(),
                    steps: Vec::new(),
                });
            }
            last_path = path;
        }
        if let Some(g) = groups.last_mut() {
            g.steps.push(step_item(id, s, &names));
        }
    }
    groups.retain(|g| !g.steps.is_empty() || g.level < 6);
    groups
}

#[derive(Template, WebTemplate)]
#[template(path = "process.html")]
struct ProcessPage {
    l: Layout,
    id: String,
    p: Process,
    leika: String,
    revision: Option<RevisionInfo>,
    groups: Vec<StepGroup>,
    detached: usize,
    coverage: CoverageRow,
    kinds: Vec<Choice>,
    versions: Vec<VersionItem>,
    /// Owner and deputies (issue #7).
    ret: super::retention::ProcessPanel,
}

#[derive(Debug)]
struct VersionItem {
    n: u32,
    created: String,
    by: String,
    file_name: String,
    warnings: usize,
    reanchored: usize,
    detached: usize,
    file_url: String,
}

#[derive(Debug)]
struct RevisionInfo {
    n: u32,
    created: String,
    by: String,
    file_name: String,
    exporter: String,
    warnings: Vec<String>,
    has_diagram: bool,
    file_url: String,
}

async fn show_process(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Query(q): Query<HintQuery>,
    l: Layout,
) -> Result<ProcessPage, HtmlError> {
    let id = processes::parse_id(&id).map_err(|e| l.error(e))?;
    let c = processes::coverage(&state, &actor, id)
        .await
        .map_err(|e| l.error(e))?;
    let v = c.view;
    let groups = step_groups(&v, l.t("process.no_lane"));
    let revision = v.revision.as_ref().map(|r| RevisionInfo {
        n: r.n,
        created: l.when(&r.created_at),
        by: r.created_by.clone(),
        file_name: r.file_name.clone().unwrap_or_default(),
        exporter: r.exporter.clone().unwrap_or_default(),
        warnings: r.warnings.clone(),
        has_diagram: r.has_diagram && r.steps.iter().any(|s| s.has_shape),
        file_url: format!("/prozesse/{id}/versionen/{}/datei", r.n),
    });
    let versions = processes::revisions(&state, id)
        .await
        .map_err(|e| l.error(e))?
        .iter()
        .map(|r| VersionItem {
            n: r.n,
            created: l.when(&r.created_at),
            by: r.created_by.clone(),
            file_name: r.file_name.clone().unwrap_or_default(),
            warnings: r.warnings.len(),
            reanchored: r.anchors.reanchored.len(),
            detached: r.anchors.suggested + r.anchors.orphaned,
            file_url: format!("/prozesse/{id}/versionen/{}/datei", r.n),
        })
        .collect();
    let l = notice(l, q.hinweis.as_deref()).titled(v.process.title.clone());
    let ret = super::retention::process_panel(&state, &actor, id)
        .await
        .map_err(|e| l.error(e))?;
    Ok(ProcessPage {
        versions,
        ret,
        l,
        id: id.to_string(),
        leika: v
            .process
            .leika
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        p: v.process.clone(),
        revision,
        groups,
        detached: v.detached,
        coverage: c.total,
        kinds: kind_choices(Some(LinkKind::Arbeitsanweisung)),
    })
}

// ---------------------------------------------------------------- step page

#[derive(Debug)]
pub(crate) struct LinkedItem {
    pub(crate) link_id: String,
    pub(crate) title: String,
    pub(crate) url: String,
    pub(crate) kind: &'static str,
    /// Verification badge (issue #7).
    pub(crate) status: crate::domain::retention::VerificationStatus,
}

#[derive(Template, WebTemplate)]
#[template(path = "process_step.html")]
struct StepPage {
    l: Layout,
    process_url: String,
    process_title: String,
    step: StoredStep,
    type_label: &'static str,
    lanes: String,
    parent_name: String,
    articles: Vec<LinkedItem>,
    kinds: Vec<Choice>,
    link_action: String,
    create_action: String,
    embed_url: String,
    /// Retention: criticality and "Wen kann ich fragen?" (issue #7).
    ret: super::retention::StepPanel,
}

pub(crate) fn linked_items(id: ProcessId, s: &StepView) -> Vec<LinkedItem> {
    s.articles
        .iter()
        .map(|la| LinkedItem {
            link_id: format!("/prozesse/{id}/verknuepfungen/{}/loeschen", la.link.id),
            title: la.article.title.clone(),
            url: format!("/artikel/{}", la.article.slug),
            kind: la.link.kind.label(),
            status: la.status,
        })
        .collect()
}

async fn show_step(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, element_id)): Path<(String, String)>,
    Query(q): Query<HintQuery>,
    l: Layout,
) -> Result<Response, HtmlError> {
    let id = processes::parse_id(&id).map_err(|e| l.error(e))?;
    let (v, s) = match processes::step(&state, &actor, id, element_id)
        .await
        .map_err(|e| l.error(e))?
    {
        Ok(found) => found,
        Err(moved) => return Ok(Redirect::permanent(&step_url(id, &moved)).into_response()),
    };
    let st = &s.step;
    let ret = super::retention::step_panel(&state, &actor, id, &st.element_id)
        .await
        .map_err(|e| l.error(e))?;
    let l = notice(l, q.hinweis.as_deref()).titled(st.display_name());
    Ok(StepPage {
        l,
        process_url: process_url(id),
        process_title: v.process.title.clone(),
        type_label: type_label(&st.bpmn_type),
        lanes: st.lane_path.join(" / "),
        parent_name: st.parent_name.clone().unwrap_or_default(),
        articles: linked_items(id, &s),
        kinds: kind_choices(Some(LinkKind::Arbeitsanweisung)),
        link_action: format!("{}/verknuepfen", step_url(id, &st.element_id)),
        create_action: format!("{}/artikel-anlegen", step_url(id, &st.element_id)),
        embed_url: format!("/einbetten{}", step_url(id, &st.element_id)),
        ret,
        step: st.clone(),
    }
    .into_response())
}

#[derive(Debug, Deserialize)]
struct LinkForm {
    #[serde(default)]
    article: String,
    #[serde(default)]
    kind: String,
}

fn kind_of(raw: &str) -> Result<LinkKind, AppError> {
    LinkKind::try_from(raw.to_owned()).map_err(AppError::Invalid)
}

async fn link_article(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, element_id)): Path<(String, String)>,
    l: Layout,
    HtmlForm(form): HtmlForm<LinkForm>,
) -> Result<Response, HtmlError> {
    let id = processes::parse_id(&id).map_err(|e| l.error(e))?;
    let kind = kind_of(&form.kind).map_err(|e| l.error(e))?;
    processes::link(&state, &actor, id, element_id.clone(), form.article, kind)
        .await
        .map_err(|e| l.error(e))?;
    Ok(Redirect::to(&format!(
        "{}?hinweis=gespeichert",
        step_url(id, &element_id)
    ))
    .into_response())
}

async fn create_step_article(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, element_id)): Path<(String, String)>,
    l: Layout,
    HtmlForm(form): HtmlForm<LinkForm>,
) -> Result<Response, HtmlError> {
    let id = processes::parse_id(&id).map_err(|e| l.error(e))?;
    let kind = kind_of(&form.kind).map_err(|e| l.error(e))?;
    let article = processes::create_article_for_step(&state, &actor, id, element_id, kind)
        .await
        .map_err(|e| l.error(e))?;
    Ok(Redirect::to(&format!("/artikel/{}/bearbeiten", article.slug)).into_response())
}

#[derive(Debug, Deserialize)]
struct BackForm {
    #[serde(default)]
    zurueck: String,
}

async fn unlink_article(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, link_id)): Path<(String, String)>,
    l: Layout,
    HtmlForm(form): HtmlForm<BackForm>,
) -> Result<Response, HtmlError> {
    let id = processes::parse_id(&id).map_err(|e| l.error(e))?;
    processes::unlink(&state, &actor, id, &link_id)
        .await
        .map_err(|e| l.error(e))?;
    let target = if form.zurueck.is_empty() {
        format!("/prozesse/{id}/zuordnungen")
    } else {
        step_url(id, &form.zurueck)
    };
    Ok(Redirect::to(&target).into_response())
}

// ---------------------------------------------------------------- article page

/// A step that uses an article ("Verwendet in" on the article page).
#[derive(Debug)]
pub(crate) struct UsedIn {
    pub(crate) url: String,
    pub(crate) step: String,
    pub(crate) process: String,
    pub(crate) lane: String,
    pub(crate) kind: &'static str,
}

/// The steps linking to an article, for the article page.
pub(crate) async fn used_in(
    state: &AppState,
    actor: &Actor,
    article: crate::domain::ArticleId,
) -> Result<Vec<UsedIn>, AppError> {
    Ok(processes::article_usage(state, actor, article)
        .await?
        .into_iter()
        .map(|u| UsedIn {
            url: step_url(u.process.id, &u.step.element_id),
            step: u.step.display_name(),
            process: u.process.title.clone(),
            lane: u.step.lane_path.join(" / "),
            kind: u.link.kind.label(),
        })
        .collect())
}
