//! Knowledge-retention pages (issue #7) under `/wissen`: my tasks, the dashboard, the
//! at-risk list, planned exits, items without active owners, the Wissensstafette plans
//! and the expert directory; plus the panel and forms on article and step pages. Exit
//! dates appear only on pages that require the role Wissensmanager.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::error::HtmlError;
use super::extract::HtmlForm;
use super::views::Layout;
use crate::domain::Article;
use crate::domain::process::ProcessId;
use crate::domain::retention::{ItemStatus, Phase};
use crate::service::Actor;
use crate::service::retention::experts::{self, Expert, ProfileInput};
use crate::service::retention::handover::{self, PlanInput, PlanView};
use crate::service::retention::ownership::{self, Orphan, OwnershipInput, OwnershipView};
use crate::service::retention::verification::{self, VerificationView};
use crate::service::retention::{dashboard, exits, tasks};
use crate::state::AppState;

/// UI texts of this module: (key, German, English).
pub(super) const TEXTS: &[(&str, &str, &str)] = &[
    ("ret.nav", "Wissenssicherung", "Knowledge retention"),
    ("ret.tasks", "Meine Aufgaben", "My tasks"),
    ("ret.no_tasks", "Keine offenen Aufgaben.", "No open tasks."),
    (
        "ret.dashboard",
        "Dashboard Wissenssicherung",
        "Knowledge retention dashboard",
    ),
    ("ret.risk", "Wissen in Gefahr", "Knowledge at risk"),
    ("ret.exits", "Geplante Austritte", "Planned exits"),
    (
        "ret.orphans",
        "Ohne aktive Verantwortliche",
        "Without active owner",
    ),
    ("ret.plans", "Wissensstafetten", "Knowledge handovers"),
    ("ret.experts", "Expertenverzeichnis", "Expert directory"),
    ("ret.status", "Status", "Status"),
    ("ret.owner", "Verantwortlich", "Owner"),
    ("ret.deputies", "Vertretung", "Deputies"),
    ("ret.nobody", "niemand", "nobody"),
    ("ret.verify", "Verifizieren", "Verify"),
    ("ret.expires", "Prüfung fällig am", "Review due on"),
    ("ret.ask", "Wen kann ich fragen?", "Whom can I ask?"),
    (
        "ret.nobody_listed",
        "Noch niemand eingetragen.",
        "Nobody listed yet.",
    ),
    ("ret.save", "Speichern", "Save"),
    ("ret.unit", "Organisationseinheit", "Unit"),
    ("ret.months", "Zeitraum (Monate)", "Horizon (months)"),
    ("ret.show", "Anzeigen", "Show"),
    ("ret.steps", "Prozessschritte", "Process steps"),
    ("ret.articles", "Artikel", "Articles"),
    ("ret.process", "Prozess", "Process"),
    ("ret.step", "Schritt", "Step"),
    ("ret.criticality", "Kritikalität", "Criticality"),
    ("ret.holders", "Wissensträger", "Knowledge holders"),
    ("ret.last_exit", "Letzter Austritt", "Last exit"),
    ("ret.none", "Nichts gefunden.", "Nothing found."),
    ("ret.person", "Person (Login)", "Person (login)"),
    (
        "ret.date",
        "Datum (JJJJ-MM-TT, leer = entfernen)",
        "Date (YYYY-MM-DD, empty = remove)",
    ),
    ("ret.reason", "Grund", "Reason"),
    ("ret.title", "Titel", "Title"),
    ("ret.leaver", "Ausscheidende Person", "Leaver"),
    (
        "ret.successors",
        "Nachfolge (Logins, durch Komma getrennt)",
        "Successors (logins, comma-separated)",
    ),
    ("ret.phase", "Phase", "Phase"),
    ("ret.progress", "Fortschritt", "Progress"),
    ("ret.create", "Anlegen", "Create"),
    ("ret.map", "Wissenslandkarte", "Knowledge map"),
    (
        "ret.checklist",
        "Checkliste Übergabeprotokoll",
        "Handover checklist",
    ),
    ("ret.topic", "Thema", "Topic"),
    ("ret.priority", "Priorität", "Priority"),
    ("ret.method", "Methode", "Method"),
    ("ret.done", "erledigt", "done"),
    (
        "ret.consent",
        "Ich bin einverstanden, im Expertenverzeichnis genannt zu werden.",
        "I agree to be listed in the expert directory.",
    ),
    (
        "ret.topics",
        "Themen (eine pro Zeile)",
        "Topics (one per line)",
    ),
    (
        "ret.my_articles",
        "Artikel, die ich kenne (IDs oder Kürzel, eine pro Zeile)",
        "Articles I know (ids or slugs, one per line)",
    ),
    (
        "ret.suggestions",
        "Vorschläge (aus Verantwortung und Prüfungen; erst nach Übernahme sichtbar)",
        "Suggestions (from ownership and reviews; shown only once added)",
    ),
    ("ret.my_profile", "Mein Eintrag", "My entry"),
    ("ret.crit_1", "niedrig", "low"),
    ("ret.crit_2", "mittel", "medium"),
    ("ret.crit_3", "hoch", "high"),
    (
        "ret.spaces",
        "Prüfregeln der Bereiche",
        "Review rules per space",
    ),
    (
        "ret.reset_on_edit",
        "Inhaltliche Änderung setzt „verifiziert“ auf „in Prüfung“",
        "A content edit turns “verified” into “in review”",
    ),
    (
        "ret.i_know",
        "Ich kenne diesen Schritt (im Expertenverzeichnis, sobald ich eingewilligt habe)",
        "I know this step (listed once I have consented)",
    ),
    (
        "ret.i_know_remove",
        "Nicht mehr als Kenner dieses Schritts führen",
        "No longer list me for this step",
    ),
    ("ret.csv", "Als CSV herunterladen", "Download as CSV"),
    (
        "ret.zero",
        "Suchen ohne Treffer (90 Tage)",
        "Searches without results (90 days)",
    ),
    ("ret.processes", "Prozesse", "Processes"),
    ("ret.coverage", "Abdeckung", "Coverage"),
    ("ret.verified_share", "Anteil verifiziert", "Share verified"),
    ("ret.overdue", "Überfällig", "Overdue"),
    (
        "ret.median_age",
        "Medianalter der Prüfung (Tage)",
        "Median review age (days)",
    ),
    (
        "ret.viewed",
        "Meistgesehene Schritte ohne Dokumentation",
        "Most-viewed steps without documentation",
    ),
    (
        "ret.aggregate_note",
        "Alle Zahlen sind je Organisationseinheit zusammengefasst; Personen werden nicht verglichen.",
        "All numbers are aggregated per unit; people are never compared.",
    ),
    (
        "ret.owner_form",
        "Verantwortung ändern (Login oder gruppe:Name)",
        "Change ownership (login or gruppe:name)",
    ),
    (
        "ret.space_settings",
        "Prüfintervall (Tage)",
        "Review interval (days)",
    ),
];

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/wissen/aufgaben", get(tasks_page))
        .route("/wissen/dashboard", get(dashboard_page))
        .route("/wissen/dashboard.csv", get(dashboard_csv))
        .route("/wissen/risiko", get(risk_page))
        .route("/wissen/austritte", get(exits_page).post(set_exit_form))
        .route("/wissen/ohne-verantwortliche", get(orphans_page))
        .route("/wissen/bereiche", get(spaces_page).post(save_space_form))
        .route("/wissen/stafetten", get(plans_page).post(create_plan_form))
        .route(
            "/wissen/stafetten/{id}",
            get(plan_page).post(update_plan_form),
        )
        .route(
            "/wissen/experten",
            get(experts_page).post(save_profile_form),
        )
        .route("/artikel/{slug}/verifizieren", post(verify_form))
        .route("/artikel/{slug}/verantwortung", post(ownership_form))
        .route("/prozesse/{id}/verantwortung", post(process_ownership_form))
        .route(
            "/prozesse/{id}/schritte/{element_id}/experte",
            post(step_expert_form),
        )
        .route(
            "/prozesse/{id}/schritte/{element_id}/kritikalitaet",
            post(criticality_form),
        )
}

// ---- Article page panel ----

/// What the article page shows about retention.
#[derive(Debug, Clone)]
pub(crate) struct ArticlePanel {
    pub(crate) verification: VerificationView,
    pub(crate) ownership: OwnershipView,
    pub(crate) experts: Vec<Expert>,
    pub(crate) verify_url: String,
    pub(crate) ownership_url: String,
    pub(crate) can_manage: bool,
    pub(crate) owner_value: String,
    pub(crate) deputies_value: String,
}

/// Builds the article page's retention panel.
pub(crate) async fn article_panel(
    state: &AppState,
    actor: &Actor,
    a: &Article,
) -> crate::error::Result<ArticlePanel> {
    let key = a.id.to_string();
    let verification = verification::get(state, actor, &key).await?;
    let own = ownership::article(state, actor, &key).await?;
    let (store, who, id) = (state.store.clone(), actor.clone(), a.id);
    let experts = crate::service::blocking(move || experts::for_article(&store, &who, id)).await?;
    Ok(ArticlePanel {
        can_manage: verification.can_verify,
        owner_value: own.owner.as_ref().map(handle).unwrap_or_default(),
        deputies_value: own
            .deputies
            .iter()
            .map(handle)
            .collect::<Vec<_>>()
            .join(", "),
        verification,
        ownership: own,
        experts,
        verify_url: format!("/artikel/{}/verifizieren", a.slug),
        ownership_url: format!("/artikel/{}/verantwortung", a.slug),
    })
}

fn handle(p: &ownership::PrincipalView) -> String {
    if p.kind == "group" {
        format!("gruppe:{}", p.handle)
    } else {
        p.handle.clone()
    }
}

async fn verify_form(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    l: Layout,
) -> Result<Redirect, HtmlError> {
    verification::verify(&state, &actor, &slug, None)
        .await
        .map_err(|e| l.error(e))?;
    Ok(Redirect::to(&format!("/artikel/{slug}")))
}

#[derive(Debug, Deserialize)]
struct OwnershipForm {
    #[serde(default)]
    owner: String,
    #[serde(default)]
    deputies: String,
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', '\n'])
        .map(|x| x.trim().to_owned())
        .filter(|x| !x.is_empty())
        .collect()
}

async fn ownership_form(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    l: Layout,
    HtmlForm(f): HtmlForm<OwnershipForm>,
) -> Result<Redirect, HtmlError> {
    let input = OwnershipInput {
        owner: Some(f.owner),
        deputies: split_list(&f.deputies),
    };
    ownership::set_article(&state, &actor, &slug, input)
        .await
        .map_err(|e| l.error(e))?;
    Ok(Redirect::to(&format!("/artikel/{slug}")))
}

/// What a step page shows about retention.
#[derive(Debug, Clone)]
pub(crate) struct StepPanel {
    pub(crate) criticality: u8,
    pub(crate) experts: Vec<Expert>,
    pub(crate) can_set: bool,
    pub(crate) action: String,
    pub(crate) i_know_it: bool,
    pub(crate) expert_action: String,
    pub(crate) logged_in: bool,
}

/// Builds the step page's retention panel and counts the view (anonymously).
pub(crate) async fn step_panel(
    state: &AppState,
    actor: &Actor,
    process: ProcessId,
    element_id: &str,
) -> crate::error::Result<StepPanel> {
    let (store, who, element) = (state.store.clone(), actor.clone(), element_id.to_owned());
    let (meta, experts, i_know_it) = crate::service::blocking(move || {
        store.count_step_view(&process.to_string(), &element)?;
        let meta = exits::step_meta(&store, process, &element)?;
        let experts = experts::for_step(&store, &who, &process.to_string(), &element)?;
        let step = crate::domain::retention::StepRef {
            process_id: process.to_string(),
            element_id: element,
        };
        let mine = experts::lists_step(&store, &who, &step)?;
        Ok((meta, experts, mine))
    })
    .await?;
    Ok(StepPanel {
        criticality: meta.criticality,
        experts,
        can_set: actor.has_role(crate::domain::Role::Wissensmanager) && actor.may_write(),
        action: format!("{}/kritikalitaet", exits::step_url(process, element_id)),
        i_know_it,
        expert_action: format!("{}/experte", exits::step_url(process, element_id)),
        logged_in: actor.user.is_some(),
    })
}

#[derive(Debug, Deserialize)]
struct CriticalityForm {
    criticality: u8,
}

async fn criticality_form(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, element_id)): Path<(String, String)>,
    l: Layout,
    HtmlForm(f): HtmlForm<CriticalityForm>,
) -> Result<Redirect, HtmlError> {
    let id = crate::service::processes::parse_id(&id).map_err(|e| l.error(e))?;
    exits::set_criticality(&state, &actor, id, element_id.clone(), f.criticality)
        .await
        .map_err(|e| l.error(e))?;
    Ok(Redirect::to(&exits::step_url(id, &element_id)))
}

/// What a process page shows about retention: owner and deputies.
#[derive(Debug, Clone)]
pub(crate) struct ProcessPanel {
    pub(crate) ownership: OwnershipView,
    pub(crate) can_manage: bool,
    pub(crate) action: String,
    pub(crate) owner_value: String,
    pub(crate) deputies_value: String,
}

/// Builds the process page's ownership panel (the form for knowledge managers; owners
/// and deputies use the API or ask them).
pub(crate) async fn process_panel(
    state: &AppState,
    actor: &Actor,
    id: ProcessId,
) -> crate::error::Result<ProcessPanel> {
    let own = ownership::process(state, id).await?;
    Ok(ProcessPanel {
        can_manage: actor.has_role(crate::domain::Role::Wissensmanager) && actor.may_write(),
        action: format!("/prozesse/{id}/verantwortung"),
        owner_value: own.owner.as_ref().map(handle).unwrap_or_default(),
        deputies_value: own
            .deputies
            .iter()
            .map(handle)
            .collect::<Vec<_>>()
            .join(", "),
        ownership: own,
    })
}

async fn process_ownership_form(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    l: Layout,
    HtmlForm(f): HtmlForm<OwnershipForm>,
) -> Result<Redirect, HtmlError> {
    let id = crate::service::processes::parse_id(&id).map_err(|e| l.error(e))?;
    let input = OwnershipInput {
        owner: Some(f.owner),
        deputies: split_list(&f.deputies),
    };
    ownership::set_process(&state, &actor, id, input)
        .await
        .map_err(|e| l.error(e))?;
    Ok(Redirect::to(&format!("/prozesse/{id}")))
}

async fn step_expert_form(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, element_id)): Path<(String, String)>,
    l: Layout,
) -> Result<Redirect, HtmlError> {
    let id = crate::service::processes::parse_id(&id).map_err(|e| l.error(e))?;
    let step = crate::domain::retention::StepRef {
        process_id: id.to_string(),
        element_id: element_id.clone(),
    };
    experts::toggle_step(&state, &actor, step)
        .await
        .map_err(|e| l.error(e))?;
    Ok(Redirect::to(&exits::step_url(id, &element_id)))
}

// ---- Pages ----

#[derive(Template, WebTemplate)]
#[template(path = "retention_tasks.html")]
struct TasksView {
    l: Layout,
    tasks: Vec<tasks::Task>,
}

async fn tasks_page(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
) -> Result<TasksView, HtmlError> {
    let tasks = tasks::mine(&state, &actor).await.map_err(|e| l.error(e))?;
    Ok(TasksView {
        l: {
            let title = l.t("ret.tasks");
            l.titled(title)
        },
        tasks,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "retention_dashboard.html")]
struct DashboardView {
    l: Layout,
    d: dashboard::Dashboard,
}

async fn dashboard_page(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
) -> Result<DashboardView, HtmlError> {
    let d = dashboard::build(&state, &actor)
        .await
        .map_err(|e| l.error(e))?;
    Ok(DashboardView {
        l: {
            let title = l.t("ret.dashboard");
            l.titled(title)
        },
        d,
    })
}

async fn dashboard_csv(State(state): State<AppState>, actor: Actor, l: Layout) -> Response {
    match dashboard::build(&state, &actor).await {
        Ok(d) => super::retention_api::dashboard_csv(&d),
        Err(e) => l.error(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct RiskQuery {
    monate: Option<u32>,
}

#[derive(Template, WebTemplate)]
#[template(path = "retention_risk.html")]
struct RiskView {
    l: Layout,
    r: exits::AtRisk,
}

async fn risk_page(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<RiskQuery>,
    l: Layout,
) -> Result<RiskView, HtmlError> {
    let r = exits::at_risk(&state, &actor, q.monate.unwrap_or(12))
        .await
        .map_err(|e| l.error(e))?;
    Ok(RiskView {
        l: {
            let title = l.t("ret.risk");
            l.titled(title)
        },
        r,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "retention_exits.html")]
struct ExitsView {
    l: Layout,
    exits: Vec<exits::ExitView>,
}

async fn exits_page(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
) -> Result<ExitsView, HtmlError> {
    let exits = exits::list(&state, &actor).await.map_err(|e| l.error(e))?;
    Ok(ExitsView {
        l: {
            let title = l.t("ret.exits");
            l.titled(title)
        },
        exits,
    })
}

#[derive(Debug, Deserialize)]
struct ExitForm {
    login: String,
    #[serde(default)]
    date: String,
}

async fn set_exit_form(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
    HtmlForm(f): HtmlForm<ExitForm>,
) -> Result<Redirect, HtmlError> {
    exits::set(&state, &actor, &f.login, Some(f.date))
        .await
        .map_err(|e| l.error(e))?;
    Ok(Redirect::to("/wissen/austritte"))
}

#[derive(Template, WebTemplate)]
#[template(path = "retention_orphans.html")]
struct OrphansView {
    l: Layout,
    items: Vec<Orphan>,
}

async fn orphans_page(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
) -> Result<OrphansView, HtmlError> {
    let items = ownership::orphans(&state, &actor)
        .await
        .map_err(|e| l.error(e))?;
    Ok(OrphansView {
        l: {
            let title = l.t("ret.orphans");
            l.titled(title)
        },
        items,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "retention_plans.html")]
struct PlansView {
    l: Layout,
    plans: Vec<PlanView>,
    is_manager: bool,
}

async fn plans_page(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
) -> Result<PlansView, HtmlError> {
    let plans = handover::list(&state, &actor)
        .await
        .map_err(|e| l.error(e))?;
    Ok(PlansView {
        is_manager: actor.has_role(crate::domain::Role::Wissensmanager),
        l: {
            let title = l.t("ret.plans");
            l.titled(title)
        },
        plans,
    })
}

#[derive(Debug, Deserialize)]
struct NewPlanForm {
    leaver: String,
    #[serde(default)]
    successors: String,
}

async fn create_plan_form(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
    HtmlForm(f): HtmlForm<NewPlanForm>,
) -> Result<Redirect, HtmlError> {
    let p = handover::create(
        &state,
        &actor,
        PlanInput {
            leaver: Some(f.leaver),
            successors: Some(split_list(&f.successors)),
            ..PlanInput::default()
        },
    )
    .await
    .map_err(|e| l.error(e))?;
    Ok(Redirect::to(&format!("/wissen/stafetten/{}", p.id)))
}

#[derive(Template, WebTemplate)]
#[template(path = "retention_plan.html")]
struct PlanPage {
    l: Layout,
    p: PlanView,
    phases: Vec<(&'static str, &'static str, bool)>,
}

async fn plan_page(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    l: Layout,
) -> Result<PlanPage, HtmlError> {
    let p = handover::get(&state, &actor, &id)
        .await
        .map_err(|e| l.error(e))?;
    let phases = Phase::ALL
        .iter()
        .map(|ph| (ph.key(), ph.label(), *ph == p.phase))
        .collect();
    Ok(PlanPage {
        l: {
            let title = format!("{}: {}", l.t("ret.plans"), p.leaver_name);
            l.titled(title)
        },
        p,
        phases,
    })
}

/// The plan form: the phase, `item_N=on` for done map items, `check_N=on` for done
/// checklist points, and optionally a new item (`new_topic`, `new_method`).
async fn update_plan_form(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    l: Layout,
    HtmlForm(f): HtmlForm<Vec<(String, String)>>,
) -> Result<Redirect, HtmlError> {
    let current = handover::get(&state, &actor, &id)
        .await
        .map_err(|e| l.error(e))?;
    let has = |k: String| f.iter().any(|(name, _)| *name == k);
    let value = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let mut items = current.items.clone();
    for (i, it) in items.iter_mut().enumerate() {
        let done = has(format!("item_{i}"));
        it.status = match (done, it.status) {
            (true, _) => ItemStatus::Erledigt,
            (false, ItemStatus::Erledigt) => ItemStatus::Offen,
            (false, s) => s,
        };
    }
    if let Some(topic) = value("new_topic").filter(|t| !t.trim().is_empty()) {
        let method = value("new_method")
            .and_then(|m| serde_json::from_value(serde_json::Value::String(m)).ok())
            .unwrap_or_default();
        items.push(crate::domain::retention::MapItem {
            topic: topic.trim().to_owned(),
            step: None,
            priority: 2,
            method,
            target_article: None,
            status: ItemStatus::Offen,
        });
    }
    let mut checklist = current.checklist.clone();
    for (i, c) in checklist.iter_mut().enumerate() {
        c.done = has(format!("check_{i}"));
    }
    let phase = value("phase").and_then(|p| Phase::ALL.into_iter().find(|ph| ph.key() == p));
    handover::update(
        &state,
        &actor,
        &id,
        PlanInput {
            phase,
            items: Some(items),
            checklist: Some(checklist),
            ..PlanInput::default()
        },
    )
    .await
    .map_err(|e| l.error(e))?;
    Ok(Redirect::to(&format!("/wissen/stafetten/{id}")))
}

#[derive(Template, WebTemplate)]
#[template(path = "retention_experts.html")]
struct ExpertsView {
    l: Layout,
    experts: Vec<Expert>,
    consent: bool,
    topics: String,
    articles: String,
    suggestions: Vec<(String, String)>,
}

async fn experts_page(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
) -> Result<ExpertsView, HtmlError> {
    let experts = experts::directory(&state, &actor)
        .await
        .map_err(|e| l.error(e))?;
    let mine = experts::mine(&state, &actor)
        .await
        .map_err(|e| l.error(e))?;
    Ok(ExpertsView {
        l: {
            let title = l.t("ret.experts");
            l.titled(title)
        },
        experts,
        consent: mine.profile.consent,
        topics: mine.profile.topics.join("\n"),
        articles: mine
            .profile
            .articles
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        suggestions: mine.suggestions,
    })
}

#[derive(Debug, Deserialize)]
struct ProfileForm {
    #[serde(default)]
    consent: Option<String>,
    #[serde(default)]
    topics: String,
    #[serde(default)]
    articles: String,
}

async fn save_profile_form(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
    HtmlForm(f): HtmlForm<ProfileForm>,
) -> Result<Redirect, HtmlError> {
    let current = experts::mine(&state, &actor)
        .await
        .map_err(|e| l.error(e))?;
    experts::save(
        &state,
        &actor,
        ProfileInput {
            consent: f.consent.is_some(),
            topics: f.topics.lines().map(str::to_owned).collect(),
            steps: current.profile.steps,
            articles: split_list(&f.articles),
        },
    )
    .await
    .map_err(|e| l.error(e))?;
    Ok(Redirect::to("/wissen/experten"))
}

#[derive(Template, WebTemplate)]
#[template(path = "retention_spaces.html")]
struct SpacesView {
    l: Layout,
    spaces: Vec<verification::SpaceSettingsRow>,
}

async fn spaces_page(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
) -> Result<SpacesView, HtmlError> {
    let spaces = verification::all_spaces(&state, &actor)
        .await
        .map_err(|e| l.error(e))?;
    Ok(SpacesView {
        l: {
            let title = l.t("ret.spaces");
            l.titled(title)
        },
        spaces,
    })
}

#[derive(Debug, Deserialize)]
struct SpaceForm {
    space: String,
    interval_days: u32,
    #[serde(default)]
    reset_on_edit: Option<String>,
}

async fn save_space_form(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
    HtmlForm(f): HtmlForm<SpaceForm>,
) -> Result<Redirect, HtmlError> {
    verification::set_space(
        &state,
        &actor,
        &f.space,
        verification::SpaceSettingsInput {
            interval_days: f.interval_days,
            reset_on_edit: f.reset_on_edit.is_some(),
        },
    )
    .await
    .map_err(|e| l.error(e))?;
    Ok(Redirect::to("/wissen/bereiche"))
}
