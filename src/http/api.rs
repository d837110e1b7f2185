//! JSON API for articles under `/api/v1` (described in `openapi.rs`). Errors are
//! problem+json; an edit on a stale base that cannot be merged answers 409 with the
//! current revision.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, Problem, problem_response};
use super::extract::{ApiJson, ApiQuery};
use crate::domain::diff::Segment;
use crate::domain::{Article, RevisionMeta, Tags};
use crate::error::AppError;
use crate::service::articles::{self, ArticleInput, ListFilter, UpdateOutcome};
use crate::service::{Actor, blocking, spaces};
use crate::state::AppState;

/// Largest page size for lists.
const MAX_LIMIT: usize = 500;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/articles", post(create_article).get(list_articles))
        .route(
            "/api/v1/articles/{id}",
            get(get_article).put(update_article).delete(trash_article),
        )
        .route("/api/v1/articles/{id}/restore", post(restore_article))
        .route("/api/v1/articles/{id}/revisions", get(list_revisions))
        .route("/api/v1/articles/{id}/revisions/{n}", get(get_revision))
        .route(
            "/api/v1/articles/{id}/revisions/{n}/restore",
            post(restore_revision),
        )
        .route("/api/v1/articles/{id}/diff", get(diff_revisions))
        .route("/api/v1/articles/{id}/backlinks", get(list_backlinks))
        .route("/api/v1/articles/{id}/related", get(list_related))
        .route("/api/v1/render", post(render_markdown))
}

/// RFC 3339 form of a millisecond timestamp.
pub(crate) fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[derive(Debug, Serialize)]
pub(crate) struct ArticleJson {
    id: String,
    slug: String,
    title: String,
    description: String,
    tags: Vec<String>,
    space: String,
    space_id: String,
    revision: u32,
    created_at: String,
    created_by: String,
    updated_at: String,
    updated_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_at: Option<String>,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    merged: Option<bool>,
}

impl ArticleJson {
    fn new(a: &Article, space_slug: String) -> Self {
        ArticleJson {
            id: a.id.to_string(),
            slug: a.slug.to_string(),
            title: a.title.clone(),
            description: a.description.clone(),
            tags: a.tags.as_slice().to_vec(),
            space: space_slug,
            space_id: a.space.to_string(),
            revision: a.revision,
            created_at: rfc3339(a.created_at),
            created_by: a.created_by.clone(),
            updated_at: rfc3339(a.updated_at),
            updated_by: a.updated_by.clone(),
            deleted_at: a.deleted_at.map(rfc3339),
            url: format!("/artikel/{}", a.slug),
            body: None,
            html: None,
            merged: None,
        }
    }
}

/// Full JSON of an article with body and rendered HTML.
async fn full_json(state: &AppState, a: &Article) -> Result<ArticleJson, AppError> {
    let store = state.store.clone();
    let cache = state.cache.clone();
    let a = a.clone();
    blocking(move || {
        let body = store
            .revision(a.id, a.revision)?
            .map(|r| r.body)
            .unwrap_or_default();
        let html = articles::rendered(&store, &cache, &a, &body)?
            .html
            .to_string();
        let space = store
            .space(a.space)?
            .map(|s| s.slug.to_string())
            .unwrap_or_default();
        let mut j = ArticleJson::new(&a, space);
        j.body = Some(body);
        j.html = Some(html);
        Ok(j)
    })
    .await
}

async fn summary_json(state: &AppState, list: Vec<Article>) -> Result<Vec<ArticleJson>, AppError> {
    let store = state.store.clone();
    blocking(move || {
        let spaces: std::collections::HashMap<_, _> = store
            .all_spaces()?
            .into_iter()
            .map(|s| (s.id, s.slug.to_string()))
            .collect();
        Ok(list
            .iter()
            .map(|a| ArticleJson::new(a, spaces.get(&a.space).cloned().unwrap_or_default()))
            .collect())
    })
    .await
}

/// The JSON body of `POST` (create) and `PUT` (edit) on articles.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArticleRequest {
    title: String,
    /// Optional on create; required on edit, so a forgotten field never empties an article.
    body: Option<String>,
    description: Option<String>,
    tags: Option<Vec<String>>,
    space: Option<String>,
    /// Required on edit: the revision the client's text is based on.
    base_revision: Option<u32>,
    #[serde(default)]
    summary: String,
}

impl ArticleRequest {
    fn into_input(self, body: String) -> ArticleInput {
        ArticleInput {
            title: self.title,
            body,
            description: self.description,
            tags: self.tags.map(Tags::new),
            space: self.space,
            summary: self.summary,
            slug: None,
        }
    }
}

async fn create_article(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<ArticleRequest>,
) -> Result<Response, ApiError> {
    let body = req.body.clone().unwrap_or_default();
    let input = req.into_input(body);
    let saved = articles::create(&state, &actor, input).await?;
    let json = full_json(&state, &saved.article).await?;
    let mut res = (StatusCode::CREATED, Json(json)).into_response();
    if let Ok(v) = format!("/api/v1/articles/{}", saved.article.id).parse() {
        res.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    Ok(res)
}

async fn get_article(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<ArticleJson>, ApiError> {
    let (a, _) = articles::get(&state, &actor, &id).await?;
    Ok(Json(full_json(&state, &a).await?))
}

#[derive(Debug, Serialize)]
struct ConflictProblem {
    #[serde(flatten)]
    problem: Problem,
    current_revision: u32,
    current: ArticleJson,
    merged_body: String,
}

async fn update_article(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ArticleRequest>,
) -> Result<Response, ApiError> {
    let missing = |field: &str| ApiError(AppError::Invalid(format!("Das Feld „{field}“ fehlt.")));
    let base_revision = req.base_revision.ok_or_else(|| missing("base_revision"))?;
    let body = req.body.clone().ok_or_else(|| missing("body"))?;
    let (a, _) = articles::get(&state, &actor, &id).await?;
    let input = req.into_input(body);
    match articles::update(&state, &actor, a.id, input, base_revision).await? {
        UpdateOutcome::Saved(s) => {
            let mut json = full_json(&state, &s.article).await?;
            json.merged = Some(s.merged);
            Ok(Json(json).into_response())
        }
        UpdateOutcome::Conflict(c) => {
            let err = AppError::Conflict(format!(
                "Der Artikel wurde seit Version {} geändert und die Änderungen überschneiden sich. Aktuell ist Version {}.",
                base_revision, c.current.revision
            ));
            let body = ConflictProblem {
                problem: Problem::from_error(&err),
                current_revision: c.current.revision,
                current: full_json(&state, &c.current).await?,
                merged_body: c.merged_body,
            };
            Ok(problem_response(StatusCode::CONFLICT, &body))
        }
    }
}

async fn trash_article(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<ArticleJson>, ApiError> {
    let a = articles::trash(&state, &actor, &id).await?;
    Ok(Json(summary_json(&state, vec![a]).await?.remove(0)))
}

async fn restore_article(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<ArticleJson>, ApiError> {
    let a = articles::untrash(&state, &actor, &id).await?;
    Ok(Json(full_json(&state, &a).await?))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    space: Option<String>,
    tag: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
    #[serde(default)]
    trash: bool,
}

#[derive(Debug, Serialize)]
struct ListJson {
    total: usize,
    limit: usize,
    offset: usize,
    items: Vec<ArticleJson>,
}

async fn list_articles(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ListJson>, ApiError> {
    let limit = q.limit.unwrap_or(50).clamp(1, MAX_LIMIT);
    let offset = q.offset.unwrap_or(0);
    let (total, list) = articles::list(
        &state,
        &actor,
        ListFilter {
            space: q.space,
            tag: q.tag,
            trashed: q.trash,
            limit,
            offset,
        },
    )
    .await?;
    Ok(Json(ListJson {
        total,
        limit,
        offset,
        items: summary_json(&state, list).await?,
    }))
}

#[derive(Debug, Serialize)]
struct RevisionJson {
    n: u32,
    author: String,
    at: String,
    summary: String,
    title: String,
    description: String,
    tags: Vec<String>,
    space_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
}

impl From<&RevisionMeta> for RevisionJson {
    fn from(m: &RevisionMeta) -> Self {
        RevisionJson {
            n: m.n,
            author: m.author.clone(),
            at: rfc3339(m.at),
            summary: m.summary.clone(),
            title: m.title.clone(),
            description: m.description.clone(),
            tags: m.tags.as_slice().to_vec(),
            space_id: m.space.to_string(),
            body: None,
        }
    }
}

async fn list_revisions(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Vec<RevisionJson>>, ApiError> {
    let (_, revs) = articles::history(&state, &actor, &id).await?;
    Ok(Json(revs.iter().map(Into::into).collect()))
}

async fn get_revision(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, n)): Path<(String, u32)>,
) -> Result<Json<RevisionJson>, ApiError> {
    let (_, r) = articles::revision(&state, &actor, &id, n).await?;
    let mut j = RevisionJson::from(&r.meta);
    j.body = Some(r.body);
    Ok(Json(j))
}

async fn restore_revision(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, n)): Path<(String, u32)>,
) -> Result<Json<ArticleJson>, ApiError> {
    let (a, _) = articles::get(&state, &actor, &id).await?;
    let saved = articles::restore_revision(&state, &actor, a.id, n).await?;
    Ok(Json(full_json(&state, &saved.article).await?))
}

#[derive(Debug, Deserialize)]
struct DiffQuery {
    from: u32,
    to: u32,
}

#[derive(Debug, Serialize)]
struct DiffJson {
    from: u32,
    to: u32,
    inserted_words: usize,
    deleted_words: usize,
    title: Vec<Segment>,
    segments: Vec<Segment>,
}

async fn diff_revisions(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> Result<Json<DiffJson>, ApiError> {
    let d = articles::diff(&state, &actor, &id, q.from, q.to).await?;
    Ok(Json(DiffJson {
        from: q.from,
        to: q.to,
        inserted_words: d.body.inserted_words,
        deleted_words: d.body.deleted_words,
        title: d.title.segments,
        segments: d.body.segments,
    }))
}

async fn list_backlinks(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Vec<ArticleJson>>, ApiError> {
    let list = articles::readable_backlinks(&state, &actor, &id).await?;
    Ok(Json(summary_json(&state, list).await?))
}

#[derive(Debug, Deserialize)]
struct RelatedQuery {
    limit: Option<usize>,
}

/// Nearest articles by vector. 503 (problem+json) while the model is not ready, so a client
/// can tell "nothing similar" from "cannot tell yet".
async fn list_related(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<RelatedQuery>,
) -> Result<Json<Vec<ArticleJson>>, ApiError> {
    let (a, _) = articles::get(&state, &actor, &id).await?;
    state.semantic.require_ready()?;
    let list =
        crate::service::semantic::related(&state, &actor, a.id, q.limit.unwrap_or(5).clamp(1, 50))
            .await?;
    Ok(Json(summary_json(&state, list).await?))
}

#[derive(Debug, Deserialize)]
struct RenderRequest {
    body: String,
}

#[derive(Debug, Serialize)]
struct RenderJson {
    html: String,
    toc: Vec<TocJson>,
}

#[derive(Debug, Serialize)]
struct TocJson {
    level: u8,
    id: String,
    text: String,
}

async fn render_markdown(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<RenderRequest>,
) -> Result<Json<RenderJson>, ApiError> {
    let r = articles::preview(&state, &actor, req.body).await?;
    Ok(Json(RenderJson {
        html: r.html.to_string(),
        toc: r
            .toc
            .iter()
            .map(|t| TocJson {
                level: t.level,
                id: t.id.clone(),
                text: t.text.clone(),
            })
            .collect(),
    }))
}

/// Spaces API.
pub(crate) fn spaces_router() -> Router<AppState> {
    Router::new().route(
        "/api/v1/spaces",
        get(list_spaces_json).post(create_space_json),
    )
}

#[derive(Debug, Serialize)]
struct SpaceJson {
    id: String,
    slug: String,
    name: String,
    description: String,
    parent_id: Option<String>,
    depth: usize,
    articles: usize,
}

async fn list_spaces_json(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Vec<SpaceJson>>, ApiError> {
    let tree = spaces::tree(&state, &actor).await?;
    Ok(Json(
        tree.iter()
            .map(|n| SpaceJson {
                id: n.space.id.to_string(),
                slug: n.space.slug.to_string(),
                name: n.space.name.clone(),
                description: n.space.description.clone(),
                parent_id: n.space.parent.map(|p| p.to_string()),
                depth: n.depth,
                articles: n.articles.len(),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateSpace {
    name: String,
    #[serde(default)]
    description: String,
    parent: Option<String>,
}

async fn create_space_json(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<CreateSpace>,
) -> Result<Response, ApiError> {
    let s = spaces::create(
        &state,
        &actor,
        spaces::SpaceInput {
            name: req.name,
            description: req.description,
            parent: req.parent,
        },
    )
    .await?;
    let json = SpaceJson {
        id: s.id.to_string(),
        slug: s.slug.to_string(),
        name: s.name,
        description: s.description,
        parent_id: s.parent.map(|p| p.to_string()),
        depth: 0,
        articles: 0,
    };
    Ok((StatusCode::CREATED, Json(json)).into_response())
}
