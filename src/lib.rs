//! stafette: a self-hosted knowledge base for German municipal administrations.
//!
//! # Layout
//! - [`config`]: command line, environment, TOML file → [`config::Config`].
//! - [`domain`]: pure types and rules (slugs, articles, spaces, diff, merge). No IO.
//! - [`store`]: sled, the source of truth; owns the key/value layout; sync API.
//! - [`render`]: Markdown → sanitised HTML (pulldown-cmark + ammonia allow-list).
//! - [`service`]: use cases (create, edit with merge, trash, import/export, backup);
//!   durability via group commit; every rule lives here.
//! - `http`: axum routers for HTML pages and the JSON API; the only module importing axum.
//! - [`cli`]: the commands besides `serve`.
//!
//! Data flows `http → service → {store, render, index} → domain`. Every write lands in one sled
//! transaction (article + revision + outbox) and is acknowledged only after a flush.

pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
mod http;
pub mod render;
pub mod service;
pub mod state;
pub mod store;
pub mod telemetry;

use std::future::Future;
use std::net::SocketAddr;

pub use http::app;
use state::AppState;

/// Opens the store in `config.data_dir` and prepares the state (default space etc.).
pub fn open_state(config: config::Config) -> Result<AppState, error::AppError> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| error::AppError::Internal(e.to_string()))?;
    let store = store::Store::open(&config.db_dir())?;
    service::spaces::ensure_default(&store)?;
    store.flush_blocking()?;
    let search = service::search::Search::open(&config, &store)?;
    Ok(AppState::new(store, search, config))
}

/// Starts the background work on the current Tokio runtime: the search indexer, loading
/// (or installing) the embedding model, and the vector worker.
pub fn start_background(state: &AppState) {
    tokio::spawn(service::search::run_indexer(state.clone()));
    tokio::spawn(service::semantic::prepare_model(state.clone()));
    tokio::spawn(service::semantic::run_worker(state.clone()));
}

/// Serves the application on `listener` until `shutdown` completes, then flushes.
pub async fn run(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.store.clone();
    start_background(&state);
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    store.flush().await.map_err(std::io::Error::other)?;
    tracing::info!("server stopped");
    Ok(())
}
