//! Use cases. Every request-driven change and read goes through here, so rules
//! (validation, merging, durability, and later permissions) live in one layer.
//! Handlers only extract input, call one function and wrap the result.

pub mod analytics;
pub mod articles;
pub mod backup;
pub mod cache;
pub mod flush;
pub mod links;
pub mod portability;
pub mod search;
pub mod semantic;
pub mod spaces;

use crate::error::AppError;

/// Who performs an action. Until accounts exist (issue #4) every request acts as the
/// anonymous local user; the type is here so handlers already pass it through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Stable login name recorded as author.
    pub login: String,
}

impl Actor {
    /// The local user of an installation without accounts.
    pub fn anonymous() -> Self {
        Actor {
            login: "anonym".to_owned(),
        }
    }

    /// A named system actor (import, restore, …).
    pub fn system(name: &str) -> Self {
        Actor {
            login: name.to_owned(),
        }
    }
}

/// Runs blocking store work on the blocking pool, keeping the current tracing span.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f)).await?
}
