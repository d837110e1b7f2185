//! Process steps in the search index: one document of kind `"step"` per step of a
//! process's current revision (name, lane path, pool, process title, documentation),
//! whose hits lead to the step's deep link `/prozesse/{process}/schritte/{element_id}`.
//!
//! Steps are not in the article outbox. A durable process write calls [`reindex`],
//! which replaces the process's step documents and commits; `service::search`'s
//! rebuild calls [`index_all`], so `stafette reindex` restores them from sled. A crash
//! between the durable write and the commit is healed by [`refresh_all`] on the next
//! start.

use stafette_index::{IndexDoc, SearchIndex};

use crate::domain::process::{Process, ProcessId, ProcessRevision, type_label};
use crate::error::{AppError, Result};
use crate::service::blocking;
use crate::state::AppState;
use crate::store::Store;

/// Prefix of step document ids: `step:{process}:{element_id}`.
const ID_PREFIX: &str = "step:";

/// Document kind of steps.
pub const KIND: &str = "step";

fn index_error(e: stafette_index::IndexError) -> AppError {
    AppError::Internal(e.to_string())
}

/// Characters escaped in a path segment (BPMN ids are XML NCNames, so in practice
/// none of these occur; ids stay readable in deep links).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'\\')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// The deep link of a step.
pub fn step_url(process: ProcessId, element_id: &str) -> String {
    format!(
        "/prozesse/{process}/schritte/{}",
        percent_encoding::utf8_percent_encode(element_id, SEGMENT)
    )
}

/// The index documents of a revision's steps (steps without id or name are skipped:
/// nothing to find them by, nothing to link).
pub fn step_docs(p: &Process, rev: &ProcessRevision) -> Vec<IndexDoc> {
    rev.steps
        .iter()
        .filter(|s| !s.element_id.is_empty() && !s.name.is_empty())
        .map(|s| {
            let mut headings = s.lane_path.clone();
            headings.extend(s.pool.clone());
            headings.extend(s.parent_name.clone());
            IndexDoc {
                id: format!("{ID_PREFIX}{}:{}", p.id, s.element_id),
                kind: KIND.to_owned(),
                title: s.name.clone(),
                description: format!(
                    "{} im Prozess „{}“{}",
                    type_label(&s.bpmn_type),
                    p.title,
                    if s.lane_path.is_empty() {
                        String::new()
                    } else {
                        format!(" · {}", s.lane_path.join(" / "))
                    }
                ),
                headings,
                body: s.documentation.clone(),
                space: String::new(),
                tags: Vec::new(),
                status: None,
                updated_at: p.updated_at / 1000,
                url_hint: Some(step_url(p.id, &s.element_id)),
            }
        })
        .collect()
}

/// Replaces the step documents of one process (all revisions' ids are removed first,
/// so steps that vanished on a re-import disappear). Does not commit.
///
/// # Blocking
/// Reads the store and writes to the index.
fn replace(store: &Store, index: &SearchIndex, id: ProcessId) -> Result<()> {
    let Some(p) = store.process(id)? else {
        return Ok(());
    };
    if p.revision > 1
        && let Some(prev) = store.process_revision(id, p.revision - 1)?
    {
        for d in step_docs(&p, &prev) {
            index.delete(&d.id).map_err(index_error)?;
        }
    }
    if p.has_model()
        && let Some(rev) = store.process_revision(id, p.revision)?
    {
        for d in step_docs(&p, &rev) {
            index.upsert(&d).map_err(index_error)?;
        }
    }
    Ok(())
}

/// Feeds every process's current steps into `index` (for rebuilds). Does not commit.
///
/// # Blocking
/// Proportional to the number of steps.
pub fn index_all(store: &Store, index: &SearchIndex) -> Result<usize> {
    let mut n = 0;
    for p in store.all_processes()? {
        if p.has_model()
            && let Some(rev) = store.process_revision(p.id, p.revision)?
        {
            for d in step_docs(&p, &rev) {
                index.upsert(&d).map_err(index_error)?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// Re-feeds every process's steps once at startup, so a crash between a durable process
/// write and its index commit heals itself. Failures are logged.
pub async fn refresh_all(state: AppState) {
    let store = state.store.clone();
    let index = state.search.index().clone();
    let done = blocking(move || {
        if store.process_count() == 0 {
            return Ok(0);
        }
        let n = index_all(&store, &index)?;
        index
            .commit(index.last_seq().unwrap_or(0))
            .map_err(index_error)?;
        Ok(n)
    })
    .await;
    match done {
        Ok(0) => {}
        Ok(n) => tracing::debug!(steps = n, "process steps re-indexed"),
        Err(e) => tracing::error!(error = %e, "re-indexing process steps failed"),
    }
}

/// Updates the step documents of a process after a durable write. Failures are logged,
/// not returned: the write itself succeeded, and a reindex repairs the index.
pub async fn reindex(state: &AppState, id: ProcessId) {
    let store = state.store.clone();
    let index = state.search.index().clone();
    let done = blocking(move || {
        replace(&store, &index, id)?;
        index
            .commit(index.last_seq().unwrap_or(0))
            .map_err(index_error)
    })
    .await;
    if let Err(e) = done {
        tracing::error!(error = %e, process = %id, "indexing process steps failed");
    }
}

/// Removes the step documents of a deleted process (failures are logged, see [`reindex`]).
pub async fn remove(state: &AppState, p: &Process, rev: &ProcessRevision) {
    let ids: Vec<String> = step_docs(p, rev).into_iter().map(|d| d.id).collect();
    let index = state.search.index().clone();
    let done = blocking(move || {
        for id in &ids {
            index.delete(id).map_err(index_error)?;
        }
        index
            .commit(index.last_seq().unwrap_or(0))
            .map_err(index_error)
    })
    .await;
    if let Err(e) = done {
        tracing::error!(error = %e, process = %p.id, "removing process steps from the index failed");
    }
}

/// Whether a step hit still belongs to an existing process with a model (the index may
/// lag behind a deletion). Cheap: one record lookup, no revision decoding.
pub fn is_live(store: &Store, doc_id: &str) -> bool {
    doc_id
        .strip_prefix(ID_PREFIX)
        .and_then(|rest| rest.split_once(':'))
        .and_then(|(pid, _)| pid.parse::<ProcessId>().ok())
        .and_then(|pid| store.process(pid).ok().flatten())
        .is_some_and(|p| p.has_model())
}

/// Whether an index document id belongs to a step.
pub fn is_step_doc(id: &str) -> bool {
    id.starts_with(ID_PREFIX)
}
