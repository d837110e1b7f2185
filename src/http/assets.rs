//! Static assets embedded in the binary (read from disk in debug builds), served with a
//! content type, an ETag and long caching (asset URLs carry the crate version).

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

#[derive(rust_embed::Embed)]
#[folder = "web/static/"]
struct Assets;

/// Version segment in asset URLs, so a new release never meets a stale cache.
pub(crate) const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/static/{version}/{*path}", get(serve_asset))
}

async fn serve_asset(
    Path((_version, path)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(file) = Assets::get(&path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    let mut res = file.data.into_owned().into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    res
}
