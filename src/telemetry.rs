//! Logging setup. Only the binary installs a subscriber; library code only emits events.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

const SERVER_FILTER: &str = "stafette=info,stafette_index=info,tower_http=info";
/// One-shot commands print their own summary; only problems are logged.
const COMMAND_FILTER: &str = "stafette=warn,stafette_index=warn";

/// Installs the global tracing subscriber on stderr: human-readable text (coloured only on
/// a terminal), or JSON lines for a log collector. `RUST_LOG` overrides the default levels.
pub fn init(json: bool, server: bool) {
    let default = if server {
        SERVER_FILTER
    } else {
        COMMAND_FILTER
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
