//! The JSON API for accounts and permissions: users, groups, space ACLs, the audit log and
//! installation settings under `/api/v1`. Every permission decision is in the services.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery};
use crate::domain::{Access, Acl, AuditEvent, Group, GroupGrant, User};
use crate::error::AppError;
use crate::service::auth::Actor;
use crate::service::auth::audit::{self, AuditFilter};
use crate::service::auth::settings::{self, AuthSettings};
use crate::service::auth::users::{self, GroupInput, NewUser, UserPatch};
use crate::service::spaces::{self, AclView};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(list_users_json).post(create_user_json))
        .route(
            "/api/v1/users/{id}",
            get(get_user_json).patch(update_user_json),
        )
        .route("/api/v1/users/{id}/password", put(set_password_json))
        .route(
            "/api/v1/groups",
            get(list_groups_json).post(create_group_json),
        )
        .route("/api/v1/groups/{id}", put(update_group_json))
        .route(
            "/api/v1/spaces/{slug}/acl",
            get(get_acl_json).put(put_acl_json),
        )
        .route("/api/v1/audit", get(audit_json))
        .route(
            "/api/v1/settings",
            get(get_settings_json).put(put_settings_json),
        )
}

// ---- JSON shapes ----

#[derive(Debug, Serialize)]
struct UserJson {
    id: String,
    login: String,
    display_name: String,
    unit: String,
    email: Option<String>,
    role: &'static str,
    groups: Vec<String>,
    active: bool,
    has_password: bool,
    sso: bool,
    created_at: i64,
}

impl From<&User> for UserJson {
    fn from(u: &User) -> Self {
        UserJson {
            id: u.id.to_string(),
            login: u.login.clone(),
            display_name: u.display_name.clone(),
            unit: u.unit.clone(),
            email: u.email.clone(),
            role: u.role.as_str(),
            groups: u.groups.iter().map(ToString::to_string).collect(),
            active: u.active,
            // Whether a password is set, never the hash.
            has_password: u.password_hash.is_some(),
            sso: !u.external.is_empty(),
            created_at: u.created_at,
        }
    }
}

#[derive(Debug, Serialize)]
struct GroupJson {
    id: String,
    name: String,
    description: String,
    external_names: Vec<String>,
}

impl From<&Group> for GroupJson {
    fn from(g: &Group) -> Self {
        GroupJson {
            id: g.id.to_string(),
            name: g.name.clone(),
            description: g.description.clone(),
            external_names: g.external_names.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
struct AclJson {
    space: String,
    inherited: bool,
    inherited_from: Option<String>,
    own: Option<Acl>,
    effective: Acl,
}

impl From<AclView> for AclJson {
    fn from(v: AclView) -> Self {
        AclJson {
            space: v.space.slug.to_string(),
            inherited: v.own.is_none(),
            inherited_from: v.inherited_from.map(|s| s.slug.to_string()),
            own: v.own,
            effective: v.effective,
        }
    }
}

// ---- API ----

async fn list_users_json(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Vec<UserJson>>, ApiError> {
    Ok(Json(
        users::list(&state, &actor)
            .await?
            .iter()
            .map(Into::into)
            .collect(),
    ))
}

async fn create_user_json(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<NewUser>,
) -> Result<Response, ApiError> {
    let u = users::create(&state, &actor, input).await?;
    Ok((StatusCode::CREATED, Json(UserJson::from(&u))).into_response())
}

async fn get_user_json(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<UserJson>, ApiError> {
    let list = users::list(&state, &actor).await?;
    let key = id.to_lowercase();
    list.iter()
        .find(|u| u.id.to_string() == id || u.login == key)
        .map(|u| Json(u.into()))
        .ok_or_else(|| ApiError(AppError::NotFound("Benutzer nicht gefunden.".to_owned())))
}

async fn update_user_json(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<UserPatch>,
) -> Result<Json<UserJson>, ApiError> {
    Ok(Json(
        (&users::update(&state, &actor, &id, patch).await?).into(),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordJson {
    password: String,
    /// Required when users change their own password.
    #[serde(default)]
    current: Option<String>,
}

async fn set_password_json(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PasswordJson>,
) -> Result<StatusCode, ApiError> {
    users::set_password(&state, &actor, &id, body.current, body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_groups_json(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Vec<GroupJson>>, ApiError> {
    Ok(Json(
        users::groups(&state, &actor)
            .await?
            .iter()
            .map(Into::into)
            .collect(),
    ))
}

async fn create_group_json(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<GroupInput>,
) -> Result<Response, ApiError> {
    let g = users::put_group(&state, &actor, None, input).await?;
    Ok((StatusCode::CREATED, Json(GroupJson::from(&g))).into_response())
}

async fn update_group_json(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<GroupInput>,
) -> Result<Json<GroupJson>, ApiError> {
    Ok(Json(
        (&users::put_group(&state, &actor, Some(&id), input).await?).into(),
    ))
}

async fn get_acl_json(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
) -> Result<Json<AclJson>, ApiError> {
    Ok(Json(spaces::acl(&state, &actor, &slug).await?.into()))
}

/// `PUT /api/v1/spaces/{slug}/acl`: `{"inherit": true}` removes the space's own ACL,
/// otherwise `{"all_staff": "read", "anonymous_read": false, "groups": [{"group": "Personalamt", "access": "write"}]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AclInput {
    #[serde(default)]
    inherit: bool,
    #[serde(default)]
    all_staff: Access,
    #[serde(default)]
    anonymous_read: bool,
    #[serde(default)]
    groups: Vec<GrantInput>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantInput {
    /// Group id or name.
    group: String,
    access: Access,
}

async fn put_acl_json(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<AclInput>,
) -> Result<Json<AclJson>, ApiError> {
    let acl = if input.inherit {
        None
    } else {
        let names: Vec<String> = input.groups.iter().map(|g| g.group.clone()).collect();
        let store = state.store.clone();
        let ids = crate::service::blocking(move || users::resolve_groups(&store, &names)).await?;
        Some(Acl {
            all_staff: input.all_staff,
            anonymous_read: input.anonymous_read,
            groups: ids
                .into_iter()
                .zip(input.groups.iter())
                .map(|(group, g)| GroupGrant {
                    group,
                    access: g.access,
                })
                .collect(),
        })
    };
    Ok(Json(
        spaces::set_acl(&state, &actor, &slug, acl).await?.into(),
    ))
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct AuditQuery {
    pub(super) aktion: Option<String>,
    pub(super) wer: Option<String>,
    pub(super) von: Option<String>,
    pub(super) bis: Option<String>,
    pub(super) format: Option<String>,
}

fn day_ms(s: Option<&str>, end: bool) -> Result<Option<i64>, AppError> {
    let Some(s) = s.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s, &fmt)
        .map_err(|_| AppError::Invalid(format!("Ungültiges Datum „{s}“ (erwartet JJJJ-MM-TT).")))?;
    let d = if end { d.next_day().unwrap_or(d) } else { d };
    Ok(Some(d.midnight().assume_utc().unix_timestamp() * 1000))
}

pub(super) fn audit_filter(q: &AuditQuery) -> Result<AuditFilter, AppError> {
    Ok(AuditFilter {
        action: q
            .aktion
            .as_deref()
            .filter(|a| !a.is_empty())
            .map(str::parse)
            .transpose()
            .map_err(AppError::Invalid)?,
        who: q.wer.clone().filter(|w| !w.trim().is_empty()),
        from: day_ms(q.von.as_deref(), false)?,
        to: day_ms(q.bis.as_deref(), true)?,
        limit: 10_000,
    })
}

pub(super) fn csv_response(events: &[AuditEvent]) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"protokoll.csv\"",
            ),
        ],
        audit::to_csv(events),
    )
        .into_response()
}

async fn audit_json(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Response, ApiError> {
    let events = audit::list(&state, &actor, audit_filter(&q)?).await?;
    if q.format.as_deref() == Some("csv") {
        return Ok(csv_response(&events));
    }
    Ok(Json(events).into_response())
}

async fn get_settings_json(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<AuthSettings>, ApiError> {
    Ok(Json(settings::get(&state, &actor).await?))
}

async fn put_settings_json(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(s): ApiJson<AuthSettings>,
) -> Result<Json<AuthSettings>, ApiError> {
    Ok(Json(settings::set(&state, &actor, s).await?))
}
