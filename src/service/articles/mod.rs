//! Article use cases. This file owns the writes: create, edit (with three-way merge on
//! stale bases), rename, move, trash and restore, restoring revisions; `read.rs` owns the
//! reads.

use tracing::instrument;

use super::auth::access::Access;
use super::auth::audit;
use super::links::link_keys;
use super::{Actor, blocking};
use crate::domain::article::{
    MAX_DESCRIPTION_CHARS, MAX_SUMMARY_CHARS, clean_line, clean_title, now,
};
use crate::domain::merge::{TextMerge, merge_tags, merge_text, merge_value};
use crate::domain::{Article, ArticleId, RevisionMeta, Slug, Tags};
use crate::domain::{AuditAction, Role};
use crate::error::{AppError, Result};
use crate::render::{self};
use crate::state::AppState;
use crate::store::{ArticleWrite, BodyChange, OutboxOp, Store, WriteRejected};

mod read;

pub use read::{
    ArticlePage, ListFilter, Lookup, RevisionDiff, backlinks, diff, get, history, list,
    may_write_in, page, preview, readable, readable_backlinks, recent, rendered, revision,
};

/// How often an edit is re-merged when other saves keep landing in between.
const MAX_SAVE_ATTEMPTS: usize = 8;

/// What a user submits when creating or editing an article.
#[derive(Debug, Clone, Default)]
pub struct ArticleInput {
    /// Title (required).
    pub title: String,
    /// Markdown body.
    pub body: String,
    /// One-line description; `None` keeps the current one on edits.
    pub description: Option<String>,
    /// Tags; `None` keeps the current ones on edits.
    pub tags: Option<Tags>,
    /// Space slug or id; `None` keeps the current one (or the default space on create).
    pub space: Option<String>,
    /// Change summary.
    pub summary: String,
    /// Exact slug to use on create (import); otherwise derived from the title.
    pub slug: Option<Slug>,
}

/// A stored save.
#[derive(Debug, Clone)]
pub struct Saved {
    /// The article after the save.
    pub article: Article,
    /// The save was based on an older revision and merged automatically.
    pub merged: bool,
    /// Nothing changed, so no revision was written.
    pub unchanged: bool,
}

/// A save that could not be merged automatically.
#[derive(Debug, Clone)]
pub struct Conflict {
    /// The article as stored now.
    pub current: Article,
    /// Its body.
    pub current_body: String,
    /// The body the user tried to save.
    pub proposed_body: String,
    /// The user's title.
    pub proposed_title: String,
    /// Body with conflict markers, for the user to fix.
    pub merged_body: String,
}

/// Outcome of an edit.
#[derive(Debug, Clone)]
pub enum UpdateOutcome {
    /// Stored (possibly merged).
    Saved(Saved),
    /// Needs the user.
    Conflict(Conflict),
}

/// A submission after validation and normalisation.
struct Checked {
    title: String,
    description: String,
    summary: String,
    body: String,
}

fn validate(input: &ArticleInput) -> Result<Checked> {
    let title = clean_title(&input.title).map_err(AppError::Invalid)?;
    render::check_limits(&input.body)?;
    let description = clean_line(
        input.description.as_deref().unwrap_or(""),
        MAX_DESCRIPTION_CHARS,
    );
    let summary = clean_line(&input.summary, MAX_SUMMARY_CHARS);
    Ok(Checked {
        title,
        description,
        summary,
        body: normalise_body(&input.body),
    })
}

/// Normalises line endings so diffs and merges do not trip over `\r\n` from browsers.
fn normalise_body(body: &str) -> String {
    body.replace("\r\n", "\n")
}

/// Waits for durability of a committed write; refuses to acknowledge otherwise.
async fn make_durable(state: &AppState) -> Result<()> {
    // The transaction has committed: cached pages may predate it and must not be served.
    state.cache.bump_writes();
    if state.flusher.durable().await {
        state.cache.bump_writes();
        // The outbox entry is durable now: let the indexer pick it up.
        state.search.wake();
        state.semantic.wake();
        Ok(())
    } else {
        Err(AppError::Unavailable)
    }
}

fn refuse_if_failed(state: &AppState) -> Result<()> {
    if state.flusher.failed() {
        Err(AppError::Unavailable)
    } else {
        Ok(())
    }
}

/// Finds an article by id or by (current or old) slug, including trashed ones.
pub fn find(store: &Store, id_or_slug: &str) -> Result<Article> {
    let found = match id_or_slug.parse::<ArticleId>() {
        Ok(id) => store.article(id)?,
        Err(_) => store.article_by_slug(id_or_slug)?,
    };
    found.ok_or_else(|| AppError::NotFound("Artikel nicht gefunden.".to_owned()))
}

fn current_body(store: &Store, a: &Article) -> Result<String> {
    store
        .revision(a.id, a.revision)?
        .map(|r| r.body)
        .ok_or_else(|| AppError::Internal(format!("revision {} of {} missing", a.revision, a.id)))
}

/// Creates an article.
#[instrument(skip_all, fields(title = %input.title))]
pub async fn create(state: &AppState, actor: &Actor, input: ArticleInput) -> Result<Saved> {
    refuse_if_failed(state)?;
    let Checked {
        title,
        description,
        summary,
        body,
    } = validate(&input)?;
    actor.require_write(Role::Autor)?;
    let store = state.store.clone();
    let author = actor.login.clone();
    let who = actor.clone();
    let _gate = state.write_gate.read().await;
    let article = blocking(move || {
        let space = super::spaces::resolve_or_default(&store, input.space.as_deref())?;
        Access::compute(&store, &who)?.require_write(space.id, "Bereich")?;
        let at = now();
        let article = Article {
            id: ArticleId::new(),
            slug: input
                .slug
                .clone()
                .unwrap_or_else(|| Slug::from_title(&title)),
            old_slugs: Vec::new(),
            space: space.id,
            title: title.clone(),
            description: description.clone(),
            tags: input.tags.clone().unwrap_or_default(),
            revision: 1,
            created_by: author.clone(),
            created_at: at,
            updated_by: author.clone(),
            updated_at: at,
            deleted_at: None,
            deleted_by: None,
        };
        let meta = revision_meta(&article, &author, at, summary, body.len());
        let write = ArticleWrite {
            desired_slug: Some(article.slug.clone()),
            expected_revision: None,
            links: Some(link_keys(&body)),
            body: Some(BodyChange { meta, body }),
            outbox: OutboxOp::Upsert,
            article,
        };
        match store.write_article(&write)? {
            Ok((a, _)) => Ok(a),
            Err(WriteRejected::NoSlug) => Err(AppError::Invalid(
                "Für diesen Titel ist keine Adresse mehr frei.".to_owned(),
            )),
            Err(e) => Err(AppError::Internal(e.to_string())),
        }
    })
    .await?;
    make_durable(state).await?;
    state.cache.bump_links();
    tracing::info!(id = %article.id, slug = %article.slug, "article created");
    Ok(Saved {
        article,
        merged: false,
        unchanged: false,
    })
}

fn revision_meta(
    a: &Article,
    author: &str,
    at: i64,
    summary: String,
    body_len: usize,
) -> RevisionMeta {
    RevisionMeta {
        n: a.revision,
        author: author.to_owned(),
        at,
        summary,
        title: a.title.clone(),
        description: a.description.clone(),
        tags: a.tags.clone(),
        space: a.space,
        body_len,
    }
}

/// Saves an edit made on `base_revision`. A stale base is merged three-way with what was
/// saved since; overlapping changes come back as a [`Conflict`] and nothing is stored.
#[instrument(skip_all, fields(id = %id, base = base_revision))]
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: ArticleId,
    input: ArticleInput,
    base_revision: u32,
) -> Result<UpdateOutcome> {
    refuse_if_failed(state)?;
    let Checked {
        title,
        description,
        summary,
        body,
    } = validate(&input)?;
    actor.require_write(Role::Autor)?;
    let store = state.store.clone();
    let author = actor.login.clone();
    let who = actor.clone();
    let _gate = state.write_gate.read().await;
    let (outcome, links_changed) = blocking(move || {
        let access = Access::compute(&store, &who)?;
        for _ in 0..MAX_SAVE_ATTEMPTS {
            let current = find(&store, &id.to_string())?;
            access.require_write(current.space, "Artikel")?;
            if current.is_deleted() {
                return Err(AppError::Conflict(
                    "Der Artikel liegt im Papierkorb. Stellen Sie ihn zuerst wieder her."
                        .to_owned(),
                ));
            }
            if base_revision == 0 || base_revision > current.revision {
                return Err(AppError::Invalid(format!(
                    "Unbekannte Basisversion {base_revision} (aktuell ist Version {}).",
                    current.revision
                )));
            }
            let now_body = current_body(&store, &current)?;
            let space = match input.space.as_deref() {
                Some(s) => super::spaces::resolve(&store, s)?.id,
                None => current.space,
            };
            if space != current.space {
                access.require_write(space, "Bereich")?;
            }
            let mine = Proposal {
                title: title.clone(),
                description: input
                    .description
                    .as_ref()
                    .map_or_else(|| current.description.clone(), |_| description.clone()),
                tags: input.tags.clone().unwrap_or_else(|| current.tags.clone()),
                space,
                body: body.clone(),
            };
            let (next, merged) = if base_revision == current.revision {
                (mine, false)
            } else {
                let base = store.revision(id, base_revision)?.ok_or_else(|| {
                    AppError::Internal(format!("revision {base_revision} missing"))
                })?;
                let theirs = Proposal {
                    title: current.title.clone(),
                    description: current.description.clone(),
                    tags: current.tags.clone(),
                    space: current.space,
                    body: now_body.clone(),
                };
                let base = Proposal {
                    title: base.meta.title,
                    description: base.meta.description,
                    tags: base.meta.tags,
                    space: base.meta.space,
                    body: base.body,
                };
                match merge_proposals(&base, &theirs, &mine) {
                    Ok(p) => (p, true),
                    Err(merged_body) => {
                        return Ok((
                            UpdateOutcome::Conflict(Conflict {
                                current,
                                current_body: now_body,
                                proposed_body: body,
                                proposed_title: title,
                                merged_body,
                            }),
                            false,
                        ));
                    }
                }
            };
            let unchanged = next.title == current.title
                && next.description == current.description
                && next.tags == current.tags
                && next.space == current.space
                && next.body == now_body;
            if unchanged {
                return Ok((
                    UpdateOutcome::Saved(Saved {
                        article: current,
                        merged,
                        unchanged: true,
                    }),
                    false,
                ));
            }
            let at = now();
            let mut article = current.clone();
            article.title = next.title.clone();
            article.description = next.description;
            article.tags = next.tags;
            article.space = next.space;
            article.revision = current.revision + 1;
            article.updated_by = author.clone();
            article.updated_at = at;
            let summary = if merged && summary.is_empty() {
                "Automatisch zusammengeführt".to_owned()
            } else {
                summary.clone()
            };
            let meta = revision_meta(&article, &author, at, summary, next.body.len());
            let write = ArticleWrite {
                desired_slug: (next.title != current.title).then(|| Slug::from_title(&next.title)),
                expected_revision: Some(current.revision),
                links: Some(link_keys(&next.body)),
                body: Some(BodyChange {
                    meta,
                    body: next.body,
                }),
                outbox: OutboxOp::Upsert,
                article,
            };
            match store.write_article(&write)? {
                Ok((a, _)) => {
                    crate::service::retention::verification::on_content_edit(&store, &a)?;
                    let links_changed = a.slug != current.slug;
                    return Ok((
                        UpdateOutcome::Saved(Saved {
                            article: a,
                            merged,
                            unchanged: false,
                        }),
                        links_changed,
                    ));
                }
                Err(WriteRejected::Stale { .. }) => continue,
                Err(WriteRejected::Missing) => {
                    return Err(AppError::NotFound("Artikel nicht gefunden.".to_owned()));
                }
                Err(e) => return Err(AppError::Invalid(e.to_string())),
            }
        }
        Err(AppError::Conflict(
            "Der Artikel wird gerade sehr häufig geändert. Bitte erneut speichern.".to_owned(),
        ))
    })
    .await?;
    if let UpdateOutcome::Saved(s) = &outcome
        && !s.unchanged
    {
        make_durable(state).await?;
        tracing::info!(id = %s.article.id, rev = s.article.revision, merged = s.merged, "article saved");
    }
    if links_changed {
        state.cache.bump_links();
    }
    Ok(outcome)
}

/// The fields a save changes, as one value for merging.
#[derive(Debug, Clone)]
struct Proposal {
    title: String,
    description: String,
    tags: Tags,
    space: crate::domain::SpaceId,
    body: String,
}

/// Merges `mine` (based on `base`) into `theirs`; `Err` carries the body with conflict markers.
fn merge_proposals(
    base: &Proposal,
    theirs: &Proposal,
    mine: &Proposal,
) -> std::result::Result<Proposal, String> {
    let body = merge_text(&base.body, &theirs.body, &mine.body);
    let title = merge_value(&base.title, &theirs.title, &mine.title);
    let description = merge_value(&base.description, &theirs.description, &mine.description);
    let space = merge_value(&base.space, &theirs.space, &mine.space);
    match (body, title, description, space) {
        (TextMerge::Clean(body), Some(title), Some(description), Some(space)) => Ok(Proposal {
            title,
            description,
            tags: merge_tags(&base.tags, &theirs.tags, &mine.tags),
            space,
            body,
        }),
        (TextMerge::Conflict(body), ..) => Err(body),
        // Body merged but a single-valued field collided: show the clean body, the user
        // picks title/space on the conflict page.
        (TextMerge::Clean(body), ..) => Err(body),
    }
}

/// Moves an article to the trash.
pub async fn trash(state: &AppState, actor: &Actor, id_or_slug: &str) -> Result<Article> {
    set_deleted(state, actor, id_or_slug, true).await
}

/// Restores an article from the trash (it gets a numbered slug if its old one was taken).
pub async fn untrash(state: &AppState, actor: &Actor, id_or_slug: &str) -> Result<Article> {
    set_deleted(state, actor, id_or_slug, false).await
}

async fn set_deleted(
    state: &AppState,
    actor: &Actor,
    id_or_slug: &str,
    deleted: bool,
) -> Result<Article> {
    refuse_if_failed(state)?;
    actor.require_write(Role::Autor)?;
    let store = state.store.clone();
    let key = id_or_slug.to_owned();
    let who = actor.login.clone();
    let access_of = actor.clone();
    let _gate = state.write_gate.read().await;
    let article = blocking(move || {
        let access = Access::compute(&store, &access_of)?;
        for _ in 0..MAX_SAVE_ATTEMPTS {
            let current = find(&store, &key)?;
            access.require_write(current.space, "Artikel")?;
            if current.is_deleted() == deleted {
                return Err(AppError::Conflict(
                    if deleted {
                        "Der Artikel liegt bereits im Papierkorb."
                    } else {
                        "Der Artikel liegt nicht im Papierkorb."
                    }
                    .to_owned(),
                ));
            }
            let mut article = current.clone();
            article.deleted_at = deleted.then(now);
            article.deleted_by = deleted.then(|| who.clone());
            let write = ArticleWrite {
                desired_slug: (!deleted).then(|| current.slug.clone()),
                expected_revision: Some(current.revision),
                body: None,
                links: None,
                outbox: if deleted {
                    OutboxOp::Delete
                } else {
                    OutboxOp::Upsert
                },
                article,
            };
            match store.write_article(&write)? {
                Ok((a, _)) => {
                    let action = if deleted {
                        AuditAction::ArticleDeleted
                    } else {
                        AuditAction::ArticleRestored
                    };
                    let detail = if deleted {
                        "in den Papierkorb"
                    } else {
                        "aus dem Papierkorb"
                    };
                    audit::record(&store, &who, action, a.slug.as_str(), detail)?;
                    return Ok(a);
                }
                Err(WriteRejected::Stale { .. }) => continue,
                Err(e) => return Err(AppError::Invalid(e.to_string())),
            }
        }
        Err(AppError::Conflict("Bitte erneut versuchen.".to_owned()))
    })
    .await?;
    make_durable(state).await?;
    state.cache.bump_links();
    tracing::info!(id = %article.id, deleted, "article trash state changed");
    Ok(article)
}

/// Saves revision `n` again as the newest revision.
pub async fn restore_revision(
    state: &AppState,
    actor: &Actor,
    id: ArticleId,
    n: u32,
) -> Result<Saved> {
    let store = state.store.clone();
    let who = actor.clone();
    let (current, old) = blocking(move || {
        let current = find(&store, &id.to_string())?;
        Access::compute(&store, &who)?.require_read(current.space, "Artikel")?;
        let old = store
            .revision(id, n)?
            .ok_or_else(|| AppError::NotFound(format!("Version {n} gibt es nicht.")))?;
        Ok((current, old))
    })
    .await?;
    let space = Some(old.meta.space.to_string());
    let input = ArticleInput {
        title: old.meta.title,
        body: old.body,
        description: Some(old.meta.description),
        tags: Some(old.meta.tags),
        space,
        summary: format!("Version {n} wiederhergestellt"),
        slug: None,
    };
    match update(state, actor, id, input, current.revision).await? {
        UpdateOutcome::Saved(s) => {
            let store = state.store.clone();
            let (who, slug) = (actor.login.clone(), s.article.slug.to_string());
            blocking(move || {
                audit::record(
                    &store,
                    &who,
                    AuditAction::ArticleRestored,
                    &slug,
                    format!("Version {n}"),
                )
            })
            .await?;
            make_durable(state).await?;
            Ok(s)
        }
        UpdateOutcome::Conflict(_) => Err(AppError::Conflict("Bitte erneut versuchen.".to_owned())),
    }
}
