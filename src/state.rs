//! Shared application state: cheap-to-clone handles, each managing its own synchronisation.

use std::sync::Arc;

use crate::config::Config;
use crate::service::cache::RenderCache;
use crate::service::flush::Flusher;
use crate::service::search::Search;
use crate::store::Store;

/// Shared by every handler; cloning is a few reference-count bumps.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database (source of truth).
    pub store: Store,
    /// Group commit for durable acknowledgements.
    pub flusher: Flusher,
    /// Writers hold it shared; a backup holds it exclusively so it sees one consistent state.
    pub write_gate: Arc<tokio::sync::RwLock<()>>,
    /// Rendered article HTML by revision.
    pub cache: RenderCache,
    /// The derived search index and its indexer.
    pub search: Search,
    /// Resolved configuration.
    pub config: Arc<Config>,
}

impl AppState {
    /// Builds the state over an opened store.
    pub fn new(store: Store, search: Search, config: Config) -> Self {
        AppState {
            search,
            flusher: Flusher::new(store.clone()),
            store,
            write_gate: Arc::default(),
            cache: RenderCache::default(),
            config: Arc::new(config),
        }
    }
}
