//! Article pages: view, create, edit (with conflict page), trash, live preview.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::error::HtmlError;
use super::extract::HtmlForm;
use super::views::{ArticleItem, Layout, NoticeQuery, SpaceLink, SpaceOption, space_options, urls};
use crate::domain::Tags;
use crate::render::Rendered;
use crate::service::Actor;
use crate::service::articles::{self, ArticleInput, ArticlePage, Conflict, Lookup, UpdateOutcome};
use crate::service::{semantic, spaces};
use crate::state::AppState;

/// "Ähnliche Artikel" shown on an article page.
const RELATED: usize = 5;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/artikel/neu", get(new_article_form))
        .route("/artikel", post(create_article))
        .route("/artikel/{slug}", get(show_article))
        .route(
            "/artikel/{slug}/bearbeiten",
            get(edit_article_form).post(update_article),
        )
        .route("/artikel/{slug}/loeschen", post(trash_article))
        .route("/vorschau", post(preview))
}

/// Article templates offered in the editor: (key, German label, Markdown).
const TEMPLATES: &[(&str, &str, &str)] = &[
    (
        "arbeitsanweisung",
        "Arbeitsanweisung",
        include_str!("../../web/templates/vorlagen/arbeitsanweisung.md"),
    ),
    (
        "checkliste",
        "Checkliste",
        include_str!("../../web/templates/vorlagen/checkliste.md"),
    ),
    (
        "uebergabeprotokoll",
        "Übergabeprotokoll",
        include_str!("../../web/templates/vorlagen/uebergabeprotokoll.md"),
    ),
];

#[derive(Template, WebTemplate)]
#[template(path = "article.html")]
struct ArticleView {
    l: Layout,
    item: ArticleItem,
    page: Arc<ArticlePage>,
    /// Whether edit and trash actions are shown.
    can_write: bool,
    space: SpaceLink,
    breadcrumbs: Vec<SpaceLink>,
    sanitized: Arc<Rendered>,
    backlinks: Vec<ArticleItem>,
    used_in: Vec<super::processes::UsedIn>,
    /// "Ähnliche Artikel" by vector; empty while semantic search is not ready.
    related: Vec<ArticleItem>,
    /// Verification, ownership and "Wen kann ich fragen?" (issue #7).
    ret: super::retention::ArticlePanel,
    edit_url: String,
    history_url: String,
    trash_url: String,
}

async fn show_article(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    Query(q): Query<NoticeQuery>,
    l: Layout,
) -> Result<Response, HtmlError> {
    match articles::page(&state, &actor, &slug)
        .await
        .map_err(|e| l.error(e))?
    {
        Lookup::Moved(to) => Ok(Redirect::permanent(&urls::article(&to)).into_response()),
        Lookup::Found(p) => {
            let a = &p.article;
            let can_write = articles::may_write_in(&state, &actor, a.space).await;
            let used_in = super::processes::used_in(&state, &actor, a.id)
                .await
                .map_err(|e| l.error(e))?;
            // Never fails the page: without vectors the section is simply left out.
            let related = semantic::related(&state, &actor, a.id, RELATED)
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "related articles unavailable");
                    Vec::new()
                });
            let ret = super::retention::article_panel(&state, &actor, a)
                .await
                .map_err(|e| l.error(e))?;
            let view = ArticleView {
                ret,
                can_write,
                l: l.clone()
                    .titled(a.title.clone())
                    .with_notice(q.hinweis.as_deref()),
                item: a.into(),
                space: (&p.space).into(),
                breadcrumbs: p.breadcrumbs.iter().map(Into::into).collect(),
                sanitized: Arc::clone(&p.rendered),
                backlinks: p.backlinks.iter().map(Into::into).collect(),
                used_in,
                related: related.iter().map(Into::into).collect(),
                edit_url: urls::edit(&a.slug),
                history_url: urls::history(&a.slug),
                trash_url: urls::trash_article(&a.slug),
                page: Arc::clone(&p),
            };
            Ok(view.into_response())
        }
    }
}

/// Form state of the editor, shared by new, edit and "try again" renders.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ArticleForm {
    #[serde(default)]
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) tags: String,
    #[serde(default)]
    pub(crate) space: String,
    #[serde(default)]
    pub(crate) body: String,
    #[serde(default)]
    pub(crate) summary: String,
    #[serde(default)]
    pub(crate) base_revision: u32,
}

impl ArticleForm {
    fn input(&self) -> ArticleInput {
        ArticleInput {
            title: self.title.clone(),
            body: self.body.clone(),
            description: Some(self.description.clone()),
            tags: Some(Tags::parse_csv(&self.tags)),
            space: Some(self.space.clone()).filter(|s| !s.is_empty()),
            summary: self.summary.clone(),
            slug: None,
        }
    }
}

#[derive(Debug, Clone)]
struct TemplateChoice {
    key: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "edit.html")]
struct EditView {
    l: Layout,
    is_new: bool,
    action: String,
    cancel_url: String,
    form: ArticleForm,
    spaces: Vec<SpaceOption>,
    templates: Vec<TemplateChoice>,
    error: Option<String>,
}

/// Where the editor form posts to and where "cancel" leads.
struct Target {
    is_new: bool,
    action: String,
    cancel_url: String,
}

impl Target {
    fn new_article() -> Self {
        Target {
            is_new: true,
            action: "/artikel".to_owned(),
            cancel_url: "/".to_owned(),
        }
    }

    fn existing(slug: &crate::domain::Slug) -> Self {
        Target {
            is_new: false,
            action: urls::edit(slug),
            cancel_url: urls::article(slug),
        }
    }
}

async fn edit_view(
    state: &AppState,
    actor: &Actor,
    l: Layout,
    target: Target,
    form: ArticleForm,
    error: Option<String>,
    template: Option<&str>,
) -> Result<EditView, HtmlError> {
    let Target {
        is_new,
        action,
        cancel_url,
    } = target;
    let tree = spaces::tree(state, actor).await.map_err(|e| l.error(e))?;
    let heading = l.t(if is_new {
        "edit.new_title"
    } else {
        "edit.edit_title"
    });
    Ok(EditView {
        spaces: space_options(
            &tree,
            Some(form.space.as_str())
                .filter(|s| !s.is_empty())
                .or(Some(spaces::DEFAULT_SPACE_SLUG)),
        ),
        templates: TEMPLATES
            .iter()
            .map(|(k, label, _)| TemplateChoice {
                key: k,
                label,
                selected: template == Some(*k),
            })
            .collect(),
        l: l.titled(heading),
        is_new,
        action,
        cancel_url,
        form,
        error,
    })
}

#[derive(Debug, Deserialize)]
struct NewQuery {
    titel: Option<String>,
    bereich: Option<String>,
    vorlage: Option<String>,
}

async fn new_article_form(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<NewQuery>,
    l: Layout,
) -> Result<EditView, HtmlError> {
    let body = TEMPLATES
        .iter()
        .find(|(k, _, _)| Some(*k) == q.vorlage.as_deref())
        .map(|(_, _, md)| (*md).to_owned());
    let form = ArticleForm {
        title: q.titel.unwrap_or_default(),
        space: q.bereich.unwrap_or_default(),
        body: body.unwrap_or_default(),
        ..ArticleForm::default()
    };
    edit_view(
        &state,
        &actor,
        l,
        Target::new_article(),
        form,
        None,
        q.vorlage.as_deref(),
    )
    .await
}

async fn create_article(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
    HtmlForm(form): HtmlForm<ArticleForm>,
) -> Result<Response, HtmlError> {
    match articles::create(&state, &actor, form.input()).await {
        Ok(saved) => Ok(Redirect::to(&format!(
            "{}?hinweis=gespeichert",
            urls::article(&saved.article.slug)
        ))
        .into_response()),
        // Bad input: show the form again with everything the user typed.
        Err(e) if e.status() < 500 => {
            let msg = e.public_message();
            let view = edit_view(
                &state,
                &actor,
                l,
                Target::new_article(),
                form,
                Some(msg),
                None,
            )
            .await?;
            Ok((
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
                view,
            )
                .into_response())
        }
        Err(e) => Err(l.error(e)),
    }
}

async fn edit_article_form(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    l: Layout,
) -> Result<Response, HtmlError> {
    let (a, body) = articles::get(&state, &actor, &slug)
        .await
        .map_err(|e| l.error(e))?;
    if a.is_deleted() {
        return Err(l.error(crate::error::AppError::NotFound(
            "Artikel nicht gefunden.".to_owned(),
        )));
    }
    if a.slug.as_str() != slug {
        return Ok(Redirect::permanent(&urls::edit(&a.slug)).into_response());
    }
    let form = ArticleForm {
        title: a.title.clone(),
        description: a.description.clone(),
        tags: a.tags.to_csv(),
        space: a.space.to_string(),
        body,
        summary: String::new(),
        base_revision: a.revision,
    };
    Ok(edit_view(
        &state,
        &actor,
        l,
        Target::existing(&a.slug),
        form,
        None,
        None,
    )
    .await?
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "conflict.html")]
struct ConflictView {
    l: Layout,
    action: String,
    cancel_url: String,
    current_title: String,
    current_body: String,
    your_body: String,
    form: ArticleForm,
}

fn conflict_view(l: Layout, form: ArticleForm, c: &Conflict) -> ConflictView {
    let title = l.t("conflict.title");
    ConflictView {
        action: urls::edit(&c.current.slug),
        cancel_url: urls::article(&c.current.slug),
        current_title: c.current.title.clone(),
        current_body: c.current_body.clone(),
        your_body: c.proposed_body.clone(),
        form: ArticleForm {
            body: c.merged_body.clone(),
            title: c.proposed_title.clone(),
            // The next save is based on what the user has now seen.
            base_revision: c.current.revision,
            ..form
        },
        l: l.titled(title),
    }
}

async fn update_article(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    l: Layout,
    HtmlForm(form): HtmlForm<ArticleForm>,
) -> Result<Response, HtmlError> {
    let (a, _) = articles::get(&state, &actor, &slug)
        .await
        .map_err(|e| l.error(e))?;
    match articles::update(&state, &actor, a.id, form.input(), form.base_revision).await {
        Ok(UpdateOutcome::Saved(s)) => {
            let hint = if s.merged {
                "zusammengefuehrt"
            } else {
                "gespeichert"
            };
            Ok(Redirect::to(&format!(
                "{}?hinweis={hint}",
                urls::article(&s.article.slug)
            ))
            .into_response())
        }
        Ok(UpdateOutcome::Conflict(c)) => {
            let view = conflict_view(l, form, &c);
            Ok((StatusCode::CONFLICT, view).into_response())
        }
        Err(e) if e.status() < 500 => {
            let msg = e.public_message();
            let view = edit_view(
                &state,
                &actor,
                l,
                Target::existing(&a.slug),
                form,
                Some(msg),
                None,
            )
            .await?;
            Ok((
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
                view,
            )
                .into_response())
        }
        Err(e) => Err(l.error(e)),
    }
}

async fn trash_article(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    l: Layout,
) -> Result<Response, HtmlError> {
    articles::trash(&state, &actor, &slug)
        .await
        .map_err(|e| l.error(e))?;
    Ok(Redirect::to("/papierkorb?hinweis=papierkorb").into_response())
}

#[derive(Debug, Deserialize)]
struct PreviewForm {
    #[serde(default)]
    body: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "preview.html")]
struct PreviewView {
    sanitized: Rendered,
}

async fn preview(
    State(state): State<AppState>,
    actor: Actor,
    HtmlForm(form): HtmlForm<PreviewForm>,
) -> Response {
    match articles::preview(&state, &actor, form.body).await {
        Ok(r) => PreviewView { sanitized: r }.into_response(),
        Err(e) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            (status, e.public_message()).into_response()
        }
    }
}
