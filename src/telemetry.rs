//! Logging setup. Only the binary installs a subscriber; library code only emits events.

use tracing_subscriber::EnvFilter;

const DEFAULT_FILTER: &str = "stafette=info,stafette_index=info,tower_http=info";

/// Installs the global tracing subscriber: human-readable text, or JSON lines for a log
/// collector.
pub fn init(json: bool) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
