//! Search pages and API: results with snippets and facets, suggestions as you type,
//! anonymous analytics for the content backlog, and the installation's synonym list.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, HtmlError};
use super::extract::{ApiJson, ApiQuery, HtmlForm};
use super::views::Layout;
use crate::error::AppError;
use crate::render::{SanitizedHtml, highlight_to_sanitized};
use crate::service::search::{self, FacetValue, Found, Mode};
use crate::service::{Actor, analytics, semantic};
use crate::state::AppState;

/// Results per page in the UI.
const PAGE_SIZE: usize = 20;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/suche", get(show_results))
        .route("/suche/treffer", get(open_hit))
        .route("/admin/suche", get(show_analytics))
        .route("/admin/synonyme", get(show_synonyms).post(save_synonyms))
        .route("/api/v1/search", get(search_json))
        .route("/api/v1/search/suggest", get(suggest_json))
        .route("/api/v1/search/analytics", get(analytics_json))
        .route(
            "/api/v1/search/synonyms",
            get(synonyms_json).put(put_synonyms_json),
        )
}

#[derive(Debug, Default, Deserialize)]
struct SearchForm {
    #[serde(default)]
    q: String,
    bereich: Option<String>,
    schlagwort: Option<String>,
    sortierung: Option<String>,
    seite: Option<usize>,
    modus: Option<String>,
    /// Verification status filter (issue #7).
    status: Option<String>,
}

/// One choice of the search-type radio group.
#[derive(Debug, Clone)]
struct ModeChoice {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

#[derive(Debug, Clone)]
struct FacetLink {
    label: String,
    count: u64,
    url: String,
    active: bool,
}

#[derive(Debug, Clone)]
struct HitView {
    url: String,
    sanitized_title: SanitizedHtml,
    sanitized_snippet: SanitizedHtml,
    space: String,
    tags: Vec<String>,
    /// Verification badge (articles only).
    status: Option<crate::domain::retention::VerificationStatus>,
}

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
struct ResultsView {
    l: Layout,
    q: String,
    total: usize,
    hits: Vec<HitView>,
    spaces: Vec<FacetLink>,
    tags: Vec<FacetLink>,
    suggestion: Option<(String, String)>,
    /// Verification status filter links (issue #7): (label, url, active).
    status_links: Vec<(&'static str, String, bool)>,
    newest: bool,
    relevance_url: String,
    newest_url: String,
    prev_url: Option<String>,
    next_url: Option<String>,
    page: usize,
    modes: Vec<ModeChoice>,
    /// Semantic search was wanted but is not available: the model's state, translated.
    semantic_off: Option<&'static str>,
    /// Articles still waiting for vectors (shown while semantic search catches up).
    vectors_pending: usize,
}

fn search_url(
    q: &str,
    mode: Mode,
    space: Option<&str>,
    tag: Option<&str>,
    newest: bool,
    page: usize,
) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("q", q);
    if mode != Mode::Hybrid {
        s.append_pair("modus", mode.as_str());
    }
    if let Some(b) = space.filter(|b| !b.is_empty()) {
        s.append_pair("bereich", b);
    }
    if let Some(t) = tag.filter(|t| !t.is_empty()) {
        s.append_pair("schlagwort", t);
    }
    if newest {
        s.append_pair("sortierung", "neu");
    }
    if page > 1 {
        s.append_pair("seite", &page.to_string());
    }
    format!("/suche?{}", s.finish())
}

fn hit_url(q: &str, f: &Found) -> String {
    let s: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", q)
        .append_pair("ziel", &f.url)
        .finish();
    format!("/suche/treffer?{s}")
}

async fn show_results(
    State(state): State<AppState>,
    actor: Actor,
    Query(f): Query<SearchForm>,
    l: Layout,
) -> Result<ResultsView, HtmlError> {
    let page = f.seite.unwrap_or(1).clamp(1, 500);
    let newest = f.sortierung.as_deref() == Some("neu");
    // An unknown value in the address bar is not worth an error page: use the default.
    let mode = Mode::parse(f.modus.as_deref().unwrap_or("")).unwrap_or_default();
    let status = state.semantic.status_for(&actor);
    let query = search::Query {
        mode,
        text: f.q.clone(),
        space: f.bereich.clone(),
        tag: f.schlagwort.clone(),
        status: f.status.clone(),
        newest,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
    };
    let outcome = if f.q.trim().is_empty() {
        search::Outcome::default()
    } else {
        match search::search(&state, &actor, query.clone()).await {
            Err(AppError::SemanticUnavailable(_)) => search::search(
                &state,
                &actor,
                search::Query {
                    mode: Mode::Keyword,
                    ..query
                },
            )
            .await
            .map_err(|e| l.error(e))?,
            other => other.map_err(|e| l.error(e))?,
        }
    };
    let semantic_off = (mode != Mode::Keyword && !state.semantic.is_ready())
        .then(|| l.t(&format!("semantic.{}", status.state)));
    let modes = [
        (Mode::Hybrid, "search.mode_hybrid"),
        (Mode::Keyword, "search.mode_keyword"),
        (Mode::Semantic, "search.mode_semantic"),
    ]
    .into_iter()
    .map(|(m, key)| ModeChoice {
        value: m.as_str(),
        label: l.t(key),
        checked: m == mode,
    })
    .collect();
    let (space, tag) = (f.bereich.as_deref(), f.schlagwort.as_deref());
    let facet = |values: &[FacetValue], is_space: bool| -> Vec<FacetLink> {
        values
            .iter()
            .map(|v| {
                let active = if is_space {
                    space == Some(v.value.as_str())
                } else {
                    tag == Some(v.value.as_str())
                };
                let (s, t) = match (is_space, active) {
                    (true, true) => (None, tag),
                    (true, false) => (Some(v.value.as_str()), tag),
                    (false, true) => (space, None),
                    (false, false) => (space, Some(v.value.as_str())),
                };
                FacetLink {
                    label: v.label.clone(),
                    count: v.count,
                    url: search_url(&f.q, mode, s, t, newest, 1),
                    active,
                }
            })
            .collect()
    };
    let title = format!("{}: {}", l.t("search.title"), f.q);
    let status_links = crate::domain::retention::VerificationStatus::ALL
        .iter()
        .map(|s| {
            let active = f.status.as_deref() == Some(s.key());
            let base = search_url(&f.q, mode, space, tag, newest, 1);
            let url = if active {
                base
            } else {
                format!("{base}&status={}", s.key())
            };
            (s.label(), url, active)
        })
        .collect();
    Ok(ResultsView {
        status_links,
        hits: outcome
            .hits
            .iter()
            .map(|h| HitView {
                url: hit_url(&f.q, h),
                sanitized_title: highlight_to_sanitized(&h.title_html),
                sanitized_snippet: highlight_to_sanitized(&h.snippet_html),
                space: h.space.1.clone(),
                tags: h.tags.clone(),
                status: h.status,
            })
            .collect(),
        spaces: facet(&outcome.spaces, true),
        tags: facet(&outcome.tags, false),
        suggestion: outcome
            .suggestion
            .clone()
            .map(|s| (search_url(&s, mode, space, tag, newest, 1), s)),
        relevance_url: search_url(&f.q, mode, space, tag, false, 1),
        newest_url: search_url(&f.q, mode, space, tag, true, 1),
        prev_url: (page > 1).then(|| search_url(&f.q, mode, space, tag, newest, page - 1)),
        next_url: (page * PAGE_SIZE < outcome.total)
            .then(|| search_url(&f.q, mode, space, tag, newest, page + 1)),
        modes,
        semantic_off,
        vectors_pending: if mode == Mode::Keyword {
            0
        } else {
            status.vectors.map_or(0, |v| v.pending)
        },
        total: outcome.total,
        newest,
        page,
        q: f.q,
        l: l.titled(title),
    })
}

#[derive(Debug, Deserialize)]
struct HitQuery {
    #[serde(default)]
    q: String,
    ziel: String,
}

/// Counts that a result was opened (no user data) and forwards to it. Only local article
/// paths are accepted, so this cannot be used as an open redirect.
async fn open_hit(State(state): State<AppState>, Query(h): Query<HitQuery>) -> Response {
    let local = (h.ziel.starts_with("/artikel/") || h.ziel.starts_with("/prozesse/"))
        && !h.ziel.contains("//")
        && !h.ziel.contains('\\');
    if !local {
        return Redirect::to("/").into_response();
    }
    if let Err(e) = analytics::record_click(&state, h.q).await {
        tracing::warn!(error = %e, "recording a search click failed");
    }
    Redirect::to(&h.ziel).into_response()
}

#[derive(Debug, Deserialize)]
struct ApiSearchQuery {
    #[serde(default)]
    q: String,
    limit: Option<usize>,
    offset: Option<usize>,
    space: Option<String>,
    tag: Option<String>,
    mode: Option<String>,
    sort: Option<String>,
    status: Option<String>,
}

#[derive(Debug, Serialize)]
struct ApiHit {
    id: String,
    slug: String,
    title: String,
    snippet: String,
    score: f32,
    space: String,
    tags: Vec<String>,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct ApiFacet {
    value: String,
    label: String,
    count: u64,
}

#[derive(Debug, Serialize)]
struct ApiFacets {
    space: Vec<ApiFacet>,
    tags: Vec<ApiFacet>,
}

#[derive(Debug, Serialize)]
struct ApiResults {
    total: usize,
    /// The ranking that answered: `hybrid` falls back to `keyword` while the model is not
    /// ready (then `semantic.state` says why).
    mode: &'static str,
    semantic: semantic::Status,
    hits: Vec<ApiHit>,
    facets: ApiFacets,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestion: Option<String>,
}

async fn search_json(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ApiSearchQuery>,
) -> Result<Json<ApiResults>, ApiError> {
    let mode = Mode::parse(q.mode.as_deref().unwrap_or(""))?;
    let outcome = search::search(
        &state,
        &actor,
        search::Query {
            mode,
            text: q.q,
            space: q.space,
            tag: q.tag,
            status: q.status,
            newest: q.sort.as_deref() == Some("date"),
            limit: q.limit.unwrap_or(20),
            offset: q.offset.unwrap_or(0),
        },
    )
    .await?;
    let facet = |v: &[FacetValue]| {
        v.iter()
            .map(|f| ApiFacet {
                value: f.value.clone(),
                label: f.label.clone(),
                count: f.count,
            })
            .collect()
    };
    Ok(Json(ApiResults {
        total: outcome.total,
        mode: outcome.mode.as_str(),
        semantic: state.semantic.status_for(&actor),
        facets: ApiFacets {
            space: facet(&outcome.spaces),
            tags: facet(&outcome.tags),
        },
        hits: outcome
            .hits
            .into_iter()
            .map(|h| ApiHit {
                url: h.url,
                id: h.id,
                slug: h.slug,
                title: highlight_to_sanitized(&h.title_html).to_string(),
                snippet: highlight_to_sanitized(&h.snippet_html).to_string(),
                score: h.score,
                space: h.space.0,
                tags: h.tags,
                status: h.status.map(|s| s.key()),
            })
            .collect(),
        suggestion: outcome.suggestion,
    }))
}

#[derive(Debug, Deserialize)]
struct SuggestQuery {
    #[serde(default)]
    q: String,
    limit: Option<usize>,
}

#[derive(Debug, Serialize)]
struct ApiSuggestion {
    title: String,
    url: String,
}

async fn suggest_json(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<SuggestQuery>,
) -> Result<Json<Vec<ApiSuggestion>>, ApiError> {
    let found = search::suggest(&state, &actor, q.q, q.limit.unwrap_or(8)).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|s| ApiSuggestion {
                title: s.title,
                url: s.url,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize)]
struct AnalyticsQuery {
    days: Option<u32>,
}

async fn analytics_json(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<AnalyticsQuery>,
) -> Result<Json<analytics::Report>, ApiError> {
    Ok(Json(
        analytics::report(&state, &actor, q.days.unwrap_or(30), 100).await?,
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "search_analytics.html")]
struct AnalyticsView {
    l: Layout,
    report: analytics::Report,
    semantic: semantic::Status,
    progress: semantic::Progress,
    semantic_label: &'static str,
    model_path: String,
}

async fn show_analytics(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<AnalyticsQuery>,
    l: Layout,
) -> Result<AnalyticsView, HtmlError> {
    let report = analytics::report(&state, &actor, q.days.unwrap_or(30), 50)
        .await
        .map_err(|e| l.error(e))?;
    let title = l.t("analytics.title");
    let status = state.semantic.status();
    Ok(AnalyticsView {
        semantic_label: l.t(&format!("semantic.{}", status.state)),
        progress: status.vectors.unwrap_or(semantic::Progress {
            done: 0,
            pending: 0,
        }),
        semantic: status,
        model_path: state.semantic.model_path().display().to_string(),
        l: l.titled(title),
        report,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "synonyms.html")]
struct SynonymsView {
    l: Layout,
    text: String,
    error: Option<String>,
    saved: bool,
}

async fn show_synonyms(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
) -> Result<SynonymsView, HtmlError> {
    let text = search::local_synonyms(&state, &actor)
        .await
        .map_err(|e| l.error(e))?;
    let title = l.t("synonyms.title");
    Ok(SynonymsView {
        l: l.titled(title),
        text,
        error: None,
        saved: false,
    })
}

#[derive(Debug, Deserialize)]
struct SynonymsForm {
    #[serde(default)]
    synonyms: String,
}

async fn save_synonyms(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
    HtmlForm(f): HtmlForm<SynonymsForm>,
) -> Result<Response, HtmlError> {
    let title = l.t("synonyms.title");
    match search::set_local_synonyms(&state, &actor, f.synonyms.clone()).await {
        Ok(()) => Ok(SynonymsView {
            l: l.titled(title),
            text: f.synonyms,
            error: None,
            saved: true,
        }
        .into_response()),
        Err(e) if e.status() < 500 => {
            let view = SynonymsView {
                l: l.titled(title),
                text: f.synonyms,
                error: Some(e.public_message()),
                saved: false,
            };
            Ok((axum::http::StatusCode::BAD_REQUEST, view).into_response())
        }
        Err(e) => Err(l.error(e)),
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct SynonymsJson {
    synonyms: String,
}

async fn synonyms_json(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<SynonymsJson>, ApiError> {
    Ok(Json(SynonymsJson {
        synonyms: search::local_synonyms(&state, &actor).await?,
    }))
}

async fn put_synonyms_json(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<SynonymsJson>,
) -> Result<Json<SynonymsJson>, ApiError> {
    search::set_local_synonyms(&state, &actor, body.synonyms.clone()).await?;
    Ok(Json(body))
}
