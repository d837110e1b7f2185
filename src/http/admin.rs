//! Operator endpoints used by the CLI while the server runs (sled allows one process per
//! database, so `stafette backup`, `import` and `export` go through the running server).
//! Until accounts exist (issue #4) they answer only to clients on the loopback interface.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::error::ApiError;
use super::extract::ApiJson;
use crate::error::AppError;
use crate::service::portability::{self, ExportFile, ImportDoc, ImportReport};
use crate::service::{Actor, backup};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/backup", get(download_backup))
        .route("/api/v1/admin/import", post(import_docs))
        .route("/api/v1/admin/export", get(export_docs))
        .route_layer(middleware::from_fn(loopback_only))
}

async fn loopback_only(req: Request, next: Next) -> Response {
    let local = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|c| c.0.ip().is_loopback());
    if local {
        next.run(req).await
    } else {
        ApiError(AppError::Forbidden(
            "Nur vom Server selbst aus erreichbar.".to_owned(),
        ))
        .into_response()
    }
}

async fn download_backup(State(state): State<AppState>) -> Result<Response, ApiError> {
    let dir = state.config.data_dir.join("tmp");
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let path = dir.join(format!("backup-{}.jsonl", ulid::Ulid::new()));
    backup::backup_to_file(&state, &path).await?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| AppError::Internal(e.to_string()));
    // Unlinked right away: the open handle keeps the data readable until the stream ends,
    // and nothing is left behind if the client disconnects.
    let _ = tokio::fs::remove_file(&path).await;
    // Streamed, so a large backup never sits in memory as a whole.
    let mut res = Body::from_stream(tokio_util::io::ReaderStream::new(file?)).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/x-ndjson"),
    );
    Ok(res)
}

#[derive(Debug, Deserialize)]
struct ImportRequest {
    docs: Vec<ImportDoc>,
    space: Option<String>,
}

async fn import_docs(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ImportRequest>,
) -> Json<ImportReport> {
    Json(portability::import(&state, &Actor::system("import"), req.docs, req.space).await)
}

async fn export_docs(State(state): State<AppState>) -> Result<Json<Vec<ExportFile>>, ApiError> {
    Ok(Json(portability::export(&state).await?))
}
