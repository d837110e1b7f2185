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
    tokio::spawn(purge_sessions(state.clone()));
    tokio::spawn(service::processes::search::refresh_all(state.clone()));
    tokio::spawn(service::semantic::prepare_model(state.clone()));
    tokio::spawn(service::semantic::run_worker(state.clone()));
    tokio::spawn(service::retention::run_daily(state.clone()));
}

/// Serves the application on `listener` until `shutdown` completes, then flushes.
pub async fn run(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.store.clone();
    write_cli_secret(&state)?;
    start_background(&state);
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    store.flush().await.map_err(std::io::Error::other)?;
    tracing::info!("server stopped");
    Ok(())
}

/// Writes the command line's secret for this server run, readable by the owner only.
fn write_cli_secret(state: &AppState) -> std::io::Result<()> {
    use std::io::Write;
    let path = state.config.cli_secret_file();
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&tmp)?;
    f.write_all(state.auth.cli_secret.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path)
}

/// Removes expired sessions once an hour (lookups also drop them lazily; this keeps
/// abandoned ones from piling up).
async fn purge_sessions(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let store = state.store.clone();
        let timeouts = state.auth.timeouts;
        match service::blocking(move || {
            service::auth::sessions::purge_expired_blocking(&store, timeouts)
        })
        .await
        {
            Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "session purge failed"),
        }
    }
}
