//! Use cases. Every request-driven change and read goes through here, so rules
//! (validation, merging, durability, permissions) live in one layer.
//! Handlers only extract input, call one function and wrap the result.

pub mod analytics;
pub mod articles;
pub mod auth;
pub mod backup;
pub mod cache;
pub mod flush;
pub mod links;
pub mod portability;
pub mod processes;
pub mod retention;
pub mod search;
pub mod semantic;
pub mod spaces;

use crate::error::AppError;

pub use auth::Actor;

/// Waits until everything written so far is durable; fails (and the server refuses further
/// writes) when the store cannot flush.
pub async fn durable(state: &crate::state::AppState) -> Result<(), AppError> {
    if state.flusher.durable().await {
        Ok(())
    } else {
        Err(AppError::Unavailable)
    }
}

/// Runs blocking store work on the blocking pool, keeping the current tracing span.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f)).await?
}
