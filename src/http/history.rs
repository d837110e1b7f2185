//! History pages: revision list, old revisions, word diffs, restoring revisions, the trash.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::error::HtmlError;
use super::views::{ArticleItem, Layout, NoticeQuery, urls};
use crate::domain::diff::{Segment, WordDiff};
use crate::render::{self, Rendered};
use crate::service::articles::{self, ListFilter};
use crate::service::{Actor, blocking, links::StoreLinks};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/artikel/{slug}/versionen", get(show_history))
        .route("/artikel/{slug}/versionen/{n}", get(show_revision))
        .route(
            "/artikel/{slug}/versionen/{n}/wiederherstellen",
            post(restore_revision),
        )
        .route("/artikel/{slug}/vergleich", get(show_diff))
        .route("/papierkorb", get(show_trash))
        .route(
            "/papierkorb/{id}/wiederherstellen",
            post(restore_from_trash),
        )
}

#[derive(Debug, Clone)]
struct RevisionRow {
    n: u32,
    author: String,
    at: i64,
    summary: String,
    view_url: String,
    restore_url: String,
    is_current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "history.html")]
struct HistoryView {
    l: Layout,
    item: ArticleItem,
    rows: Vec<RevisionRow>,
    compare_url: String,
    prev_n: u32,
}

async fn show_history(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    l: Layout,
) -> Result<Response, HtmlError> {
    let (a, revs) = articles::history(&state, &actor, &slug)
        .await
        .map_err(|e| l.error(e))?;
    if a.slug.as_str() != slug {
        return Ok(Redirect::permanent(&urls::history(&a.slug)).into_response());
    }
    let rows = revs
        .iter()
        .map(|r| RevisionRow {
            n: r.n,
            author: r.author.clone(),
            at: r.at,
            summary: r.summary.clone(),
            view_url: urls::revision(&a.slug, r.n),
            restore_url: urls::restore_revision(&a.slug, r.n),
            is_current: r.n == a.revision,
        })
        .collect();
    let title = format!("{}: {}", l.t("history.title"), a.title);
    Ok(HistoryView {
        l: l.titled(title),
        item: (&a).into(),
        rows,
        compare_url: format!("/artikel/{}/vergleich", a.slug),
        prev_n: a.revision.saturating_sub(1).max(1),
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "revision.html")]
struct RevisionView {
    l: Layout,
    item: ArticleItem,
    n: u32,
    author: String,
    at: i64,
    summary: String,
    rev_title: String,
    sanitized: Rendered,
    history_url: String,
    restore_url: String,
    diff_url: String,
    is_current: bool,
}

async fn show_revision(
    State(state): State<AppState>,
    actor: Actor,
    Path((slug, n)): Path<(String, u32)>,
    l: Layout,
) -> Result<RevisionView, HtmlError> {
    let (a, r) = articles::revision(&state, &actor, &slug, n)
        .await
        .map_err(|e| l.error(e))?;
    let store = state.store.clone();
    let body = r.body.clone();
    let rendered = blocking(move || Ok(render::render(&body, &StoreLinks(&store))?))
        .await
        .map_err(|e| l.error(e))?;
    Ok(RevisionView {
        l: l.titled(format!("{} ({} {n})", r.meta.title, "Version")),
        item: (&a).into(),
        n,
        author: r.meta.author,
        at: r.meta.at,
        summary: r.meta.summary,
        rev_title: r.meta.title,
        sanitized: rendered,
        history_url: urls::history(&a.slug),
        restore_url: urls::restore_revision(&a.slug, n),
        diff_url: urls::diff(&a.slug, n, a.revision),
        is_current: n == a.revision,
    })
}

async fn restore_revision(
    State(state): State<AppState>,
    actor: Actor,
    Path((slug, n)): Path<(String, u32)>,
    l: Layout,
) -> Result<Redirect, HtmlError> {
    let (a, _) = articles::get(&state, &actor, &slug)
        .await
        .map_err(|e| l.error(e))?;
    let saved = articles::restore_revision(&state, &actor, a.id, n)
        .await
        .map_err(|e| l.error(e))?;
    Ok(Redirect::to(&format!(
        "{}?hinweis=gespeichert",
        urls::article(&saved.article.slug)
    )))
}

#[derive(Debug, Deserialize)]
struct DiffQuery {
    von: Option<u32>,
    zu: Option<u32>,
}

#[derive(Template, WebTemplate)]
#[template(path = "diff.html")]
struct DiffView {
    l: Layout,
    item: ArticleItem,
    from: u32,
    to: u32,
    from_at: i64,
    to_at: i64,
    from_author: String,
    to_author: String,
    title_diff: Vec<Segment>,
    title_changed: bool,
    body: WordDiff,
    history_url: String,
}

async fn show_diff(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    Query(q): Query<DiffQuery>,
    l: Layout,
) -> Result<DiffView, HtmlError> {
    let (a, _) = articles::get(&state, &actor, &slug)
        .await
        .map_err(|e| l.error(e))?;
    let to = q.zu.unwrap_or(a.revision);
    let from = q.von.unwrap_or(to.saturating_sub(1).max(1));
    let (from, to) = (from.min(to), from.max(to));
    let d = articles::diff(&state, &actor, &a.id.to_string(), from, to)
        .await
        .map_err(|e| l.error(e))?;
    let title = format!("{}: {}", l.t("diff.title"), a.title);
    Ok(DiffView {
        l: l.titled(title),
        item: (&d.article).into(),
        from,
        to,
        from_at: d.from.at,
        to_at: d.to.at,
        from_author: d.from.author,
        to_author: d.to.author,
        title_changed: !d.title.is_empty(),
        title_diff: d.title.segments,
        body: d.body,
        history_url: urls::history(&a.slug),
    })
}

#[derive(Debug, Clone)]
struct TrashRow {
    title: String,
    deleted_at: i64,
    deleted_by: String,
    restore_url: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "trash.html")]
struct TrashView {
    l: Layout,
    rows: Vec<TrashRow>,
}

async fn show_trash(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<NoticeQuery>,
    l: Layout,
) -> Result<TrashView, HtmlError> {
    let (_, list) = articles::list(
        &state,
        &actor,
        ListFilter {
            trashed: true,
            limit: 1000,
            ..ListFilter::default()
        },
    )
    .await
    .map_err(|e| l.error(e))?;
    let rows = list
        .iter()
        .map(|a| TrashRow {
            title: a.title.clone(),
            deleted_at: a.deleted_at.unwrap_or_default(),
            deleted_by: a.deleted_by.clone().unwrap_or_default(),
            restore_url: format!("/papierkorb/{}/wiederherstellen", a.id),
        })
        .collect();
    let title = l.t("trash.title");
    Ok(TrashView {
        l: l.titled(title).with_notice(q.hinweis.as_deref()),
        rows,
    })
}

async fn restore_from_trash(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    l: Layout,
) -> Result<Redirect, HtmlError> {
    let a = articles::untrash(&state, &actor, &id)
        .await
        .map_err(|e| l.error(e))?;
    Ok(Redirect::to(&format!(
        "{}?hinweis=gespeichert",
        urls::article(&a.slug)
    )))
}
