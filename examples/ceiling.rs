//! The throughput ceiling for benchmarks: a bare axum handler returning a fixed string on
//! the same machine, runtime and HTTP stack as stafette.
//!
//! Run with: `cargo run --release --example ceiling -- 127.0.0.1:8091`

use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8091".to_owned());
    let app = Router::new().route("/", get(|| async { "Hallo, Verwaltung!" }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
