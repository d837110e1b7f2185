//! The user's own account as JSON: who am I, my sessions, my API tokens (`/api/v1/me…`).

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::extract::ApiJson;
use crate::domain::{ApiToken, TokenScope};
use crate::error::AppError;
use crate::service::auth::{Actor, sessions, tokens};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me_json))
        .route("/api/v1/me/sessions", get(sessions_json))
        .route("/api/v1/me/sessions/{id}", delete(end_session_json))
        .route(
            "/api/v1/me/tokens",
            get(tokens_json).post(create_token_json),
        )
        .route("/api/v1/me/tokens/{id}", delete(revoke_token_json))
}

#[derive(Debug, Serialize)]
struct MeJson {
    id: Option<String>,
    login: String,
    display_name: String,
    unit: String,
    role: &'static str,
    groups: Vec<String>,
    via: &'static str,
}

async fn me_json(actor: Actor) -> Result<Json<MeJson>, ApiError> {
    if !actor.is_authenticated() {
        return Err(AppError::Unauthenticated.into());
    }
    Ok(Json(MeJson {
        id: actor.user.map(|u| u.to_string()),
        login: actor.login.clone(),
        display_name: actor.display_name.clone(),
        unit: actor.unit.clone(),
        role: actor.role.as_str(),
        groups: actor.groups.iter().map(ToString::to_string).collect(),
        via: match actor.via {
            crate::service::auth::Via::Session => "session",
            crate::service::auth::Via::Token(TokenScope::Read) => "token:read",
            crate::service::auth::Via::Token(TokenScope::Write) => "token:write",
            crate::service::auth::Via::System => "system",
            crate::service::auth::Via::Anonymous => "anonymous",
        },
    }))
}

#[derive(Debug, Serialize)]
struct SessionJson {
    id: String,
    created_at: i64,
    last_seen: i64,
    agent: String,
    method: String,
}

async fn sessions_json(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Vec<SessionJson>>, ApiError> {
    Ok(Json(
        sessions::mine(&state, &actor)
            .await?
            .into_iter()
            .map(|s| SessionJson {
                id: s.id,
                created_at: s.created_at,
                last_seen: s.last_seen,
                agent: s.agent,
                method: s.method,
            })
            .collect(),
    ))
}

async fn end_session_json(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    sessions::end_mine(&state, &actor, Some(id), None).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize)]
pub(crate) struct TokenJson {
    id: String,
    name: String,
    scope: &'static str,
    created_at: i64,
    last_used: Option<i64>,
    /// Only in the answer to creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
}

impl TokenJson {
    pub(crate) fn new(t: &ApiToken, plain: Option<String>) -> Self {
        TokenJson {
            id: t.id.to_string(),
            name: t.name.clone(),
            scope: t.scope.as_str(),
            created_at: t.created_at,
            last_used: t.last_used,
            token: plain,
        }
    }
}

async fn tokens_json(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Vec<TokenJson>>, ApiError> {
    Ok(Json(
        tokens::mine(&state, &actor)
            .await?
            .iter()
            .map(|t| TokenJson::new(t, None))
            .collect(),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTokenJson {
    #[serde(default)]
    name: String,
    scope: TokenScope,
    /// Admins may create a token for another user.
    #[serde(default)]
    login: Option<String>,
}

async fn create_token_json(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<NewTokenJson>,
) -> Result<Response, ApiError> {
    let (t, plain) = tokens::create(&state, &actor, req.login, req.name, req.scope).await?;
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(TokenJson::new(&t, Some(plain))),
    )
        .into_response())
}

async fn revoke_token_json(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    tokens::revoke(&state, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
