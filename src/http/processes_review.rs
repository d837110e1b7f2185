//! Process pages for review and reuse: the anchor review after re-imports, coverage per
//! process and per unit (with CSV), and the embeddable read-only step widget with its own
//! `frame-ancestors` policy. Helpers are shared with `processes.rs`.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::error::HtmlError;
use super::extract::HtmlForm;
use super::processes::{
    HintQuery, LinkedItem, StepItem, linked_items, notice, process_url, step_item,
};
use super::processes_api::csv_response;
use super::views::Layout;
use crate::domain::process::{ProcessId, StoredStep, type_label};
use crate::service::Actor;
use crate::service::processes::{self, AnchorIssue, CoverageRow, search::step_url};
use crate::state::AppState;

// ---------------------------------------------------------------- anchors

#[derive(Debug)]
pub(crate) struct IssueItem {
    article_title: String,
    article_url: String,
    kind: &'static str,
    old_name: String,
    old_lanes: String,
    old_id: String,
    confirm_action: String,
    reject_action: String,
    delete_action: String,
    candidates: Vec<StepOption>,
}

#[derive(Debug)]
pub(crate) struct StepOption {
    element_id: String,
    label: String,
}

fn step_option(s: &StoredStep) -> StepOption {
    let lanes = if s.lane_path.is_empty() {
        String::new()
    } else {
        format!(" – {}", s.lane_path.join(" / "))
    };
    StepOption {
        element_id: s.element_id.clone(),
        label: format!("{} ({}){lanes}", s.display_name(), type_label(&s.bpmn_type)),
    }
}

fn issue_item(id: ProcessId, i: &AnchorIssue) -> IssueItem {
    let link = i.link.id;
    IssueItem {
        article_title: i
            .article
            .as_ref()
            .map(|a| a.title.clone())
            .unwrap_or_else(|| "(Artikel im Papierkorb)".to_owned()),
        article_url: i
            .article
            .as_ref()
            .map(|a| format!("/artikel/{}", a.slug))
            .unwrap_or_default(),
        kind: i.link.kind.label(),
        old_name: i.old_step.display_name(),
        old_lanes: i.old_step.lane_path.join(" / "),
        old_id: i.link.element_id.clone(),
        confirm_action: format!("/prozesse/{id}/zuordnungen/{link}/bestaetigen"),
        reject_action: format!("/prozesse/{id}/zuordnungen/{link}/verwerfen"),
        delete_action: format!("/prozesse/{id}/verknuepfungen/{link}/loeschen"),
        candidates: i.candidates.iter().map(step_option).collect(),
    }
}

#[derive(Debug)]
pub(crate) struct MovedItem {
    name: String,
    from: String,
    to: String,
    url: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "process_anchors.html")]
pub(crate) struct AnchorsPage {
    l: Layout,
    process_url: String,
    process_title: String,
    moved: Vec<MovedItem>,
    suggestions: Vec<IssueItem>,
    orphans: Vec<IssueItem>,
    all_steps: Vec<StepOption>,
}

pub(crate) async fn show_anchors(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Query(q): Query<HintQuery>,
    l: Layout,
) -> Result<AnchorsPage, HtmlError> {
    let id = processes::parse_id(&id).map_err(|e| l.error(e))?;
    let v = processes::anchors(&state, &actor, id)
        .await
        .map_err(|e| l.error(e))?;
    let title = format!("{} – {}", l.t("process.anchors"), v.process.title);
    Ok(AnchorsPage {
        l: notice(l, q.hinweis.as_deref()).titled(title),
        process_url: process_url(id),
        process_title: v.process.title.clone(),
        moved: v
            .report
            .reanchored
            .iter()
            .map(|m| MovedItem {
                name: m.name.clone(),
                from: m.from.clone(),
                to: m.to.clone(),
                url: step_url(id, &m.to),
            })
            .collect(),
        suggestions: v.suggestions.iter().map(|i| issue_item(id, i)).collect(),
        orphans: v.orphans.iter().map(|i| issue_item(id, i)).collect(),
        all_steps: v
            .steps
            .iter()
            .filter(|s| !s.element_id.is_empty())
            .map(step_option)
            .collect(),
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct ConfirmForm {
    #[serde(default)]
    element_id: String,
}

pub(crate) async fn confirm_anchor(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, link_id)): Path<(String, String)>,
    l: Layout,
    HtmlForm(form): HtmlForm<ConfirmForm>,
) -> Result<Response, HtmlError> {
    let id = processes::parse_id(&id).map_err(|e| l.error(e))?;
    processes::confirm_anchor(&state, &actor, id, &link_id, form.element_id)
        .await
        .map_err(|e| l.error(e))?;
    Ok(Redirect::to(&format!("/prozesse/{id}/zuordnungen?hinweis=gespeichert")).into_response())
}

pub(crate) async fn reject_anchor(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, link_id)): Path<(String, String)>,
    l: Layout,
) -> Result<Response, HtmlError> {
    let id = processes::parse_id(&id).map_err(|e| l.error(e))?;
    processes::reject_anchor(&state, &actor, id, &link_id)
        .await
        .map_err(|e| l.error(e))?;
    Ok(Redirect::to(&format!("/prozesse/{id}/zuordnungen?hinweis=gespeichert")).into_response())
}

// ---------------------------------------------------------------- coverage

#[derive(Template, WebTemplate)]
#[template(path = "process_coverage.html")]
pub(crate) struct CoveragePage {
    l: Layout,
    process_url: String,
    csv_url: String,
    total: CoverageRow,
    rows: Vec<StepItem>,
    units: Vec<CoverageRow>,
    per_process: bool,
}

pub(crate) async fn process_coverage(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    l: Layout,
) -> Result<CoveragePage, HtmlError> {
    let id = processes::parse_id(&id).map_err(|e| l.error(e))?;
    let c = processes::coverage(&state, &actor, id)
        .await
        .map_err(|e| l.error(e))?;
    let names: HashMap<&str, &str> = c
        .view
        .steps
        .iter()
        .map(|s| (s.step.element_id.as_str(), s.step.name.as_str()))
        .collect();
    let rows = c
        .view
        .steps
        .iter()
        .filter(|s| s.step.kind().is_activity())
        .map(|s| step_item(id, s, &names))
        .collect();
    let title = format!("{} – {}", l.t("process.coverage"), c.view.process.title);
    Ok(CoveragePage {
        l: l.titled(title),
        process_url: process_url(id),
        csv_url: format!("/prozesse/{id}/abdeckung.csv"),
        total: c.total,
        rows,
        units: Vec::new(),
        per_process: true,
    })
}

pub(crate) async fn unit_coverage(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
) -> Result<CoveragePage, HtmlError> {
    let units = processes::coverage_by_unit(&state, &actor)
        .await
        .map_err(|e| l.error(e))?;
    let mut total = CoverageRow::default();
    for u in &units {
        total.activities += u.activities;
        total.without += u.without;
        total.linked += u.linked;
        total.verified += u.verified;
    }
    let title = l.t("process.coverage_units");
    Ok(CoveragePage {
        l: l.titled(title),
        process_url: "/prozesse".to_owned(),
        csv_url: "/prozesse/abdeckung.csv".to_owned(),
        total,
        rows: Vec::new(),
        units,
        per_process: false,
    })
}

pub(crate) async fn process_coverage_csv(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    l: Layout,
) -> Result<Response, HtmlError> {
    let id = processes::parse_id(&id).map_err(|e| l.error(e))?;
    let csv = processes::coverage_csv(&state, &actor, Some(id))
        .await
        .map_err(|e| l.error(e))?;
    Ok(csv_response(csv, &format!("abdeckung-{id}.csv")))
}

pub(crate) async fn unit_coverage_csv(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
) -> Result<Response, HtmlError> {
    let csv = processes::coverage_csv(&state, &actor, None)
        .await
        .map_err(|e| l.error(e))?;
    Ok(csv_response(csv, "abdeckung-einheiten.csv"))
}

// ---------------------------------------------------------------- widget

#[derive(Template, WebTemplate)]
#[template(path = "process_widget.html")]
pub(crate) struct WidgetView {
    l: Layout,
    process_title: String,
    step: StoredStep,
    lanes: String,
    articles: Vec<LinkedItem>,
    step_url: String,
}

/// The read-only step widget for iframes in process portals. Its CSP allows framing by
/// the configured `embed_origins` only (default: nobody).
pub(crate) async fn step_widget(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, element_id)): Path<(String, String)>,
    l: Layout,
) -> Result<Response, HtmlError> {
    let id = processes::parse_id(&id).map_err(|e| l.error(e))?;
    let found = processes::step(&state, &actor, id, element_id)
        .await
        .map_err(|e| l.error(e))?;
    let (v, s) = match found {
        Ok(found) => found,
        Err(moved) => {
            return Ok(
                Redirect::permanent(&format!("/einbetten{}", step_url(id, &moved))).into_response(),
            );
        }
    };
    let view = WidgetView {
        l: l.titled(s.step.display_name()),
        process_title: v.process.title.clone(),
        lanes: s.step.lane_path.join(" / "),
        articles: linked_items(id, &s),
        step_url: step_url(id, &s.step.element_id),
        step: s.step.clone(),
    };
    let mut res = view.into_response();
    let csp = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {}",
        state.config.frame_ancestors()
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    Ok(res)
}
