//! JSON API of knowledge retention (issue #7): ownership, verification, space settings,
//! planned exits, knowledge at risk, step criticality, the dashboard (also CSV), tasks,
//! the expert directory and handover plans. Permission rules are in
//! `service::retention`; exit dates only ever leave through the WM-only endpoints.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;

use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery};
use crate::domain::retention::SpaceRetention;
use crate::service::Actor;
use crate::service::processes;
use crate::service::retention::experts::{self, ProfileInput};
use crate::service::retention::handover::{self, PlanInput};
use crate::service::retention::ownership::{self, OwnershipInput};
use crate::service::retention::verification::{self, SpaceSettingsInput, VerificationInput};
use crate::service::retention::{dashboard, exits, tasks};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/articles/{id}/ownership",
            get(article_ownership).put(set_article_ownership),
        )
        .route(
            "/api/v1/processes/{id}/ownership",
            get(process_ownership).put(set_process_ownership),
        )
        .route("/api/v1/articles/{id}/verify", post(verify_article))
        .route(
            "/api/v1/articles/{id}/verification",
            get(article_verification).put(set_article_verification),
        )
        .route(
            "/api/v1/spaces/{slug}/retention",
            get(space_retention).put(set_space_retention),
        )
        .route(
            "/api/v1/users/{id}/planned-exit",
            get(planned_exit)
                .put(set_planned_exit)
                .delete(delete_planned_exit),
        )
        .route("/api/v1/retention/exits", get(list_exits))
        .route("/api/v1/retention/at-risk", get(at_risk))
        .route("/api/v1/retention/orphans", get(orphans))
        .route("/api/v1/retention/dashboard", get(dashboard_json))
        .route("/api/v1/retention/tasks", get(my_tasks))
        .route(
            "/api/v1/processes/{id}/steps/{element_id}/criticality",
            put(set_criticality),
        )
        .route("/api/v1/experts", get(list_experts))
        .route("/api/v1/experts/me", get(my_profile).put(save_profile))
        .route("/api/v1/handovers", get(list_plans).post(create_plan))
        .route("/api/v1/handovers/{id}", get(get_plan).put(update_plan))
}

type ApiResult<T> = Result<Json<T>, ApiError>;

async fn article_ownership(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<ownership::OwnershipView> {
    Ok(Json(ownership::article(&state, &actor, &id).await?))
}

async fn set_article_ownership(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<OwnershipInput>,
) -> ApiResult<ownership::OwnershipView> {
    Ok(Json(
        ownership::set_article(&state, &actor, &id, input).await?,
    ))
}

async fn process_ownership(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<ownership::OwnershipView> {
    actor.require(crate::domain::Role::Leser)?;
    let id = processes::parse_id(&id)?;
    Ok(Json(ownership::process(&state, id).await?))
}

async fn set_process_ownership(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<OwnershipInput>,
) -> ApiResult<ownership::OwnershipView> {
    let id = processes::parse_id(&id)?;
    Ok(Json(
        ownership::set_process(&state, &actor, id, input).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyInput {
    #[serde(default)]
    interval_days: Option<u32>,
}

async fn verify_article(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<verification::VerificationView> {
    // The body is optional: an empty POST confirms with the current interval.
    let interval = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<VerifyInput>(&body)
            .map_err(|e| {
                ApiError(crate::error::AppError::Invalid(format!(
                    "Ungültiges JSON: {e}"
                )))
            })?
            .interval_days
    };
    Ok(Json(
        verification::verify(&state, &actor, &id, interval).await?,
    ))
}

async fn article_verification(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<verification::VerificationView> {
    Ok(Json(verification::get(&state, &actor, &id).await?))
}

async fn set_article_verification(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<VerificationInput>,
) -> ApiResult<verification::VerificationView> {
    Ok(Json(verification::set(&state, &actor, &id, input).await?))
}

async fn space_retention(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
) -> ApiResult<SpaceRetention> {
    Ok(Json(verification::get_space(&state, &actor, &slug).await?))
}

async fn set_space_retention(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<SpaceSettingsInput>,
) -> ApiResult<SpaceRetention> {
    Ok(Json(
        verification::set_space(&state, &actor, &slug, input).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExitInput {
    date: Option<String>,
}

async fn planned_exit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<serde_json::Value> {
    let date = exits::of_user(&state, &actor, &id).await?;
    Ok(Json(serde_json::json!({ "date": date })))
}

async fn set_planned_exit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ExitInput>,
) -> ApiResult<exits::ExitView> {
    Ok(Json(exits::set(&state, &actor, &id, input.date).await?))
}

async fn delete_planned_exit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    exits::set(&state, &actor, &id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_exits(
    State(state): State<AppState>,
    actor: Actor,
) -> ApiResult<Vec<exits::ExitView>> {
    Ok(Json(exits::list(&state, &actor).await?))
}

#[derive(Debug, Deserialize)]
struct RiskQuery {
    months: Option<u32>,
}

async fn at_risk(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<RiskQuery>,
) -> ApiResult<exits::AtRisk> {
    Ok(Json(
        exits::at_risk(&state, &actor, q.months.unwrap_or(12)).await?,
    ))
}

async fn orphans(State(state): State<AppState>, actor: Actor) -> ApiResult<Vec<ownership::Orphan>> {
    Ok(Json(ownership::orphans(&state, &actor).await?))
}

#[derive(Debug, Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

/// The dashboard as CSV (`;`, UTF-8 with BOM).
pub(crate) fn dashboard_csv(d: &dashboard::Dashboard) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"wissen-dashboard.csv\"",
            ),
        ],
        dashboard::to_csv(d),
    )
        .into_response()
}

async fn dashboard_json(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    let d = dashboard::build(&state, &actor).await?;
    if q.format.as_deref() == Some("csv") {
        return Ok(dashboard_csv(&d));
    }
    Ok(Json(d).into_response())
}

async fn my_tasks(State(state): State<AppState>, actor: Actor) -> ApiResult<Vec<tasks::Task>> {
    Ok(Json(tasks::mine(&state, &actor).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CriticalityInput {
    criticality: u8,
}

async fn set_criticality(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, element_id)): Path<(String, String)>,
    ApiJson(input): ApiJson<CriticalityInput>,
) -> ApiResult<crate::domain::retention::StepMeta> {
    let id = processes::parse_id(&id)?;
    Ok(Json(
        exits::set_criticality(&state, &actor, id, element_id, input.criticality).await?,
    ))
}

async fn list_experts(
    State(state): State<AppState>,
    actor: Actor,
) -> ApiResult<Vec<experts::Expert>> {
    Ok(Json(experts::directory(&state, &actor).await?))
}

async fn my_profile(State(state): State<AppState>, actor: Actor) -> ApiResult<experts::MyProfile> {
    Ok(Json(experts::mine(&state, &actor).await?))
}

async fn save_profile(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<ProfileInput>,
) -> ApiResult<crate::domain::retention::ExpertProfile> {
    Ok(Json(experts::save(&state, &actor, input).await?))
}

async fn list_plans(
    State(state): State<AppState>,
    actor: Actor,
) -> ApiResult<Vec<handover::PlanView>> {
    Ok(Json(handover::list(&state, &actor).await?))
}

async fn create_plan(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<PlanInput>,
) -> Result<Response, ApiError> {
    let p = handover::create(&state, &actor, input).await?;
    Ok((StatusCode::CREATED, Json(p)).into_response())
}

async fn get_plan(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<handover::PlanView> {
    Ok(Json(handover::get(&state, &actor, &id).await?))
}

async fn update_plan(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PlanInput>,
) -> ApiResult<handover::PlanView> {
    Ok(Json(handover::update(&state, &actor, &id, input).await?))
}
