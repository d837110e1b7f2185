//! Operator endpoints used by the CLI while the server runs (sled allows one process per
//! database, so `stafette backup`, `import` and `export` go through the running server).
//! They answer only to clients on the loopback interface that present the secret the
//! server wrote into its data directory at start (readable by the server's OS user only),
//! and act as the system.

use axum::body::Body;
use axum::extract::{Request, State};
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

pub(crate) fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/backup", get(download_backup))
        .route("/api/v1/admin/import", post(import_docs))
        .route("/api/v1/admin/export", get(export_docs))
        .route("/api/v1/admin/users", post(add_user))
        .route(
            "/api/v1/admin/users/{login}",
            axum::routing::patch(change_user),
        )
        .route("/api/v1/admin/users/{login}/password", post(user_password))
        .route("/api/v1/admin/tokens", post(create_token))
        .route_layer(middleware::from_fn_with_state(state, loopback_only))
}

async fn loopback_only(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if super::auth::cli_caller(&state, &req) {
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

#[derive(Debug, Deserialize)]
struct AddUser {
    #[serde(flatten)]
    user: crate::service::auth::users::NewUser,
}

async fn add_user(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<AddUser>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let u = crate::service::auth::users::create(&state, &Actor::system("cli"), req.user).await?;
    Ok(Json(
        serde_json::json!({ "id": u.id.to_string(), "login": u.login }),
    ))
}

async fn change_user(
    State(state): State<AppState>,
    axum::extract::Path(login): axum::extract::Path<String>,
    ApiJson(patch): ApiJson<crate::service::auth::users::UserPatch>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let u =
        crate::service::auth::users::update(&state, &Actor::system("cli"), &login, patch).await?;
    Ok(Json(
        serde_json::json!({ "id": u.id.to_string(), "login": u.login, "active": u.active }),
    ))
}

#[derive(Debug, Deserialize)]
struct PasswordReq {
    password: String,
}

async fn user_password(
    State(state): State<AppState>,
    axum::extract::Path(login): axum::extract::Path<String>,
    ApiJson(req): ApiJson<PasswordReq>,
) -> Result<Json<serde_json::Value>, ApiError> {
    crate::service::auth::users::set_password(
        &state,
        &Actor::system("cli"),
        &login,
        None,
        req.password,
    )
    .await?;
    Ok(Json(serde_json::json!({ "ok": true })))
}

#[derive(Debug, Deserialize)]
struct TokenReq {
    login: String,
    #[serde(default)]
    name: String,
    scope: crate::domain::TokenScope,
}

async fn create_token(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<TokenReq>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (t, plain) = crate::service::auth::tokens::create(
        &state,
        &Actor::system("cli"),
        Some(req.login),
        req.name,
        req.scope,
    )
    .await?;
    Ok(Json(
        serde_json::json!({ "id": t.id.to_string(), "token": plain }),
    ))
}
