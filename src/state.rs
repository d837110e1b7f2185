//! Shared application state: cheap-to-clone handles, each managing its own synchronisation.

use std::sync::Arc;

use crate::config::Config;
use crate::service::auth::sessions::Timeouts;
use crate::service::auth::throttle::Throttle;
use crate::service::cache::RenderCache;
use crate::service::flush::Flusher;
use crate::service::search::Search;
use crate::service::semantic::Semantic;
use crate::store::Store;

/// Shared by every handler. axum clones the state for every request, so it is one `Arc`
/// (one reference-count increment) around [`App`].
#[derive(Clone, Debug)]
pub struct AppState(Arc<App>);

/// The handles the application works with.
#[derive(Debug)]
pub struct App {
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
    /// The embedding model and the article vectors (semantic search).
    pub semantic: Semantic,
    /// Resolved configuration.
    pub config: Arc<Config>,
    /// Login throttling and session settings.
    pub auth: AuthState,
}

/// Account-related runtime state.
#[derive(Debug)]
pub struct AuthState {
    /// Failed-login counters.
    pub throttle: Throttle,
    /// Session lifetimes.
    pub timeouts: Timeouts,
    /// A random secret the command line presents to reach the running server's admin
    /// endpoints (written to the data directory with owner-only permissions).
    pub cli_secret: String,
    /// Single sign-on client and logins in flight.
    pub sso: crate::service::auth::sso::Sso,
}

impl AppState {
    /// Builds the state over an opened store.
    pub fn new(store: Store, search: Search, config: Config) -> Self {
        AppState(Arc::new(App {
            search,
            semantic: Semantic::new(&config),
            flusher: Flusher::new(store.clone()),
            store,
            write_gate: Arc::default(),
            cache: RenderCache::default(),
            auth: AuthState {
                throttle: Throttle::default(),
                timeouts: Timeouts {
                    idle_ms: i64::from(config.session_idle_minutes) * 60_000,
                    absolute_ms: i64::from(config.session_max_hours) * 3_600_000,
                },
                cli_secret: hex::encode(rand::random::<[u8; 32]>()),
                sso: crate::service::auth::sso::Sso::default(),
            },
            config: Arc::new(config),
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}
