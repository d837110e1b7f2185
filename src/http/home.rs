//! Home page, space pages, the language switch and the health check.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::error::HtmlError;
use super::extract::HtmlForm;
use super::views::{ArticleItem, Layout, SpaceLink, SpaceOption, TreeNode, space_options, urls};
use crate::service::{Actor, articles, spaces};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(show_home))
        .route("/bereiche", get(list_spaces))
        .route("/bereiche/neu", get(new_space_form))
        .route("/bereiche", post(create_space))
        .route("/bereiche/{slug}", get(show_space))
        .route("/sprache/{lang}", get(switch_language))
        .route("/healthz", get(healthz))
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomeView {
    l: Layout,
    recent: Vec<ArticleItem>,
    tree: Vec<TreeNode>,
}

async fn show_home(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
) -> Result<HomeView, HtmlError> {
    let recent = articles::recent(&state, &actor, 15)
        .await
        .map_err(|e| l.error(e))?;
    let tree = spaces::tree(&state, &actor).await.map_err(|e| l.error(e))?;
    let title = l.t("home.title");
    Ok(HomeView {
        l: l.titled(title),
        recent: recent.iter().map(Into::into).collect(),
        tree: tree
            .iter()
            .map(|n| TreeNode {
                articles: Vec::new(),
                ..n.into()
            })
            .collect(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "space.html")]
struct SpaceView {
    l: Layout,
    space: SpaceLink,
    description: String,
    breadcrumbs: Vec<SpaceLink>,
    tree: Vec<TreeNode>,
    new_article_url: String,
    new_subspace_url: String,
    acl_url: String,
}

async fn show_space(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    l: Layout,
) -> Result<SpaceView, HtmlError> {
    let (ancestors, nodes) = spaces::subtree(&state, &actor, &slug)
        .await
        .map_err(|e| l.error(e))?;
    let Some(root) = nodes.first() else {
        return Err(l.error(crate::error::AppError::NotFound(
            "Bereich nicht gefunden.".to_owned(),
        )));
    };
    Ok(SpaceView {
        space: (&root.space).into(),
        description: root.space.description.clone(),
        new_article_url: urls::new_in_space(&root.space.slug),
        new_subspace_url: urls::new_subspace(&root.space.slug),
        acl_url: format!("/bereiche/{}/rechte", root.space.slug),
        breadcrumbs: ancestors.iter().map(Into::into).collect(),
        tree: nodes.iter().map(Into::into).collect(),
        l: l.titled(root.space.name.clone()),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "spaces.html")]
struct SpacesView {
    l: Layout,
    tree: Vec<TreeNode>,
}

async fn list_spaces(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
) -> Result<SpacesView, HtmlError> {
    let tree = spaces::tree(&state, &actor).await.map_err(|e| l.error(e))?;
    let title = l.t("nav.spaces");
    Ok(SpacesView {
        l: l.titled(title),
        tree: tree.iter().map(Into::into).collect(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "space_new.html")]
struct NewSpaceView {
    l: Layout,
    name: String,
    description: String,
    parents: Vec<SpaceOption>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct NewSpaceQuery {
    eltern: Option<String>,
}

async fn new_space_form(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<NewSpaceQuery>,
    l: Layout,
) -> Result<NewSpaceView, HtmlError> {
    let tree = spaces::tree(&state, &actor).await.map_err(|e| l.error(e))?;
    let title = l.t("space.new");
    Ok(NewSpaceView {
        l: l.titled(title),
        name: String::new(),
        description: String::new(),
        parents: space_options(&tree, q.eltern.as_deref()),
        error: None,
    })
}

#[derive(Debug, Deserialize)]
struct NewSpaceForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    parent: String,
}

async fn create_space(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
    HtmlForm(f): HtmlForm<NewSpaceForm>,
) -> Result<Response, HtmlError> {
    let input = spaces::SpaceInput {
        name: f.name.clone(),
        description: f.description.clone(),
        parent: Some(f.parent.clone()).filter(|p| !p.is_empty()),
    };
    match spaces::create(&state, &actor, input).await {
        Ok(space) => Ok(Redirect::to(&urls::space(&space.slug)).into_response()),
        Err(e) if e.status() < 500 => {
            let tree = spaces::tree(&state, &actor).await.map_err(|e| l.error(e))?;
            let title = l.t("space.new");
            let view = NewSpaceView {
                l: l.titled(title),
                name: f.name,
                description: f.description,
                parents: space_options(&tree, Some(f.parent.as_str())),
                error: Some(e.public_message()),
            };
            Ok((axum::http::StatusCode::BAD_REQUEST, view).into_response())
        }
        Err(e) => Err(l.error(e)),
    }
}

#[derive(Debug, Deserialize)]
struct SwitchQuery {
    zurueck: Option<String>,
}

/// Sets the language cookie and returns to the page the user came from. Only local paths
/// are accepted as target, so the switch cannot be abused as an open redirect.
async fn switch_language(Path(lang): Path<String>, Query(q): Query<SwitchQuery>) -> Response {
    let lang = if lang == "en" { "en" } else { "de" };
    let back = q
        .zurueck
        .filter(|p| p.starts_with('/') && !p.starts_with("//") && !p.contains('\\'))
        .unwrap_or_else(|| "/".to_owned());
    let mut res = Redirect::to(&back).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "lang={lang}; Path=/; Max-Age=31536000; SameSite=Lax"
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

async fn healthz(State(state): State<AppState>, actor: Actor) -> Response {
    let ok = !state.flusher.failed();
    let body = Json(json!({
        "status": if ok { "ok" } else { "degraded" },
        "version": env!("CARGO_PKG_VERSION"),
        "storage": if ok { "ok" } else { "failed" },
        // Semantic search is optional: its state never makes the server unhealthy.
        "semantic": state.semantic.status_for(&actor),
    }));
    let status = if ok {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    (status, body).into_response()
}
