//! PLACEHOLDER until the index crate lands.
use crate::error::Result;
use crate::state::AppState;
/// Rebuilds the index.
pub async fn rebuild(state: &AppState) -> Result<usize> {
    Ok(state.store.article_count())
}
