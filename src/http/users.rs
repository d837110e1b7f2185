//! Administration pages for accounts and permissions: users, groups, space permissions,
//! the audit log and installation settings (under `/admin`; the JSON side is in
//! `users_api`).
//! Every permission decision is in the services; handlers only translate.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::error::HtmlError;
use super::extract::HtmlForm;
use super::users_api::{AuditQuery, audit_filter, csv_response};
use super::views::Layout;
use crate::domain::{Access, Acl, AuditEvent, Group, GroupGrant, Role};
use crate::error::AppError;
use crate::service::auth::Actor;
use crate::service::auth::audit;
use crate::service::auth::settings::{self, AuthSettings};
use crate::service::auth::users::{self, GroupInput, NewUser, UserPatch};
use crate::service::spaces;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/benutzer", get(users_page).post(create_user_form))
        .route(
            "/admin/benutzer/{login}",
            get(user_page).post(update_user_form),
        )
        .route(
            "/admin/benutzer/{login}/passwort",
            post(reset_password_form),
        )
        .route("/admin/gruppen", get(groups_page).post(save_group_form))
        .route("/admin/protokoll", get(audit_page))
        .route("/admin/protokoll.csv", get(audit_csv))
        .route(
            "/admin/einstellungen",
            get(settings_page).post(save_settings_form),
        )
        .route("/bereiche/{slug}/rechte", get(acl_page).post(save_acl_form))
}

// ---- pages ----

struct UserRow {
    login: String,
    display_name: String,
    unit: String,
    role: &'static str,
    groups: String,
    active: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
struct UsersView {
    l: Layout,
    users: Vec<UserRow>,
    roles: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct NoticeQuery {
    hinweis: Option<String>,
}

async fn users_view(
    state: &AppState,
    actor: &Actor,
    l: Layout,
    error: Option<String>,
) -> Result<UsersView, AppError> {
    actor.require(Role::Admin)?;
    let list = users::list(state, actor).await?;
    let groups = users::groups(state, actor).await?;
    let name = |id| {
        groups
            .iter()
            .find(|g| g.id == id)
            .map_or_else(String::new, |g| g.name.clone())
    };
    let title = l.t("admin.users_title");
    Ok(UsersView {
        l: l.titled(title),
        users: list
            .iter()
            .map(|u| UserRow {
                login: u.login.clone(),
                display_name: u.display_name.clone(),
                unit: u.unit.clone(),
                role: u.role.label_de(),
                groups: u
                    .groups
                    .iter()
                    .map(|g| name(*g))
                    .collect::<Vec<_>>()
                    .join(", "),
                active: u.active,
            })
            .collect(),
        roles: Role::ALL
            .iter()
            .map(|r| (r.as_str(), r.label_de()))
            .collect(),
        error,
    })
}

async fn users_page(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<NoticeQuery>,
    l: Layout,
) -> Result<UsersView, HtmlError> {
    let l = l.with_notice(q.hinweis.as_deref());
    users_view(&state, &actor, l.clone(), None)
        .await
        .map_err(|e| l.error(e))
}

#[derive(Debug, Deserialize)]
struct NewUserForm {
    login: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    unit: String,
    role: String,
    #[serde(default)]
    password: String,
}

async fn create_user_form(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
    HtmlForm(f): HtmlForm<NewUserForm>,
) -> Response {
    let result = match f.role.parse::<Role>() {
        Ok(role) => {
            users::create(
                &state,
                &actor,
                NewUser {
                    login: f.login,
                    display_name: f.display_name,
                    unit: f.unit,
                    role: Some(role),
                    groups: Vec::new(),
                    password: (!f.password.is_empty()).then_some(f.password),
                    email: None,
                },
            )
            .await
        }
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(u) => {
            Redirect::to(&format!("/admin/benutzer/{}?hinweis=benutzer", u.login)).into_response()
        }
        Err(e) if e.status() < 500 && e.status() != 401 && e.status() != 403 => {
            match users_view(&state, &actor, l.clone(), Some(e.public_message())).await {
                Ok(v) => (StatusCode::BAD_REQUEST, v).into_response(),
                Err(e) => l.error(e).into_response(),
            }
        }
        Err(e) => l.error(e).into_response(),
    }
}

struct GroupChoice {
    id: String,
    name: String,
    checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_user.html")]
struct UserView {
    l: Layout,
    login: String,
    display_name: String,
    unit: String,
    email: String,
    role: &'static str,
    active: bool,
    roles: Vec<(&'static str, &'static str)>,
    groups: Vec<GroupChoice>,
    error: Option<String>,
}

async fn user_view(
    state: &AppState,
    actor: &Actor,
    login: &str,
    l: Layout,
    error: Option<String>,
) -> Result<UserView, AppError> {
    actor.require(Role::Admin)?;
    let key = login.to_lowercase();
    let u = users::list(state, actor)
        .await?
        .into_iter()
        .find(|u| u.login == key)
        .ok_or_else(|| AppError::NotFound("Benutzer nicht gefunden.".to_owned()))?;
    let groups = users::groups(state, actor).await?;
    let title = format!("{} – {}", l.t("admin.user_title"), u.display_name);
    Ok(UserView {
        l: l.titled(title),
        groups: groups
            .iter()
            .map(|g| GroupChoice {
                id: g.id.to_string(),
                name: g.name.clone(),
                checked: u.groups.contains(&g.id),
            })
            .collect(),
        login: u.login,
        display_name: u.display_name,
        unit: u.unit,
        email: u.email.unwrap_or_default(),
        role: u.role.as_str(),
        active: u.active,
        roles: Role::ALL
            .iter()
            .map(|r| (r.as_str(), r.label_de()))
            .collect(),
        error,
    })
}

async fn user_page(
    State(state): State<AppState>,
    actor: Actor,
    Path(login): Path<String>,
    Query(q): Query<NoticeQuery>,
    l: Layout,
) -> Result<UserView, HtmlError> {
    let l = l.with_notice(q.hinweis.as_deref());
    user_view(&state, &actor, &login, l.clone(), None)
        .await
        .map_err(|e| l.error(e))
}

async fn update_user_form(
    State(state): State<AppState>,
    actor: Actor,
    Path(login): Path<String>,
    l: Layout,
    body: String,
) -> Response {
    // Parsed by hand: checkbox groups repeat the `gruppe` field, which serde_urlencoded
    // cannot collect into a list.
    let mut patch = UserPatch {
        groups: Some(Vec::new()),
        active: Some(false),
        ..UserPatch::default()
    };
    let mut role_err = None;
    for (k, v) in url::form_urlencoded::parse(body.as_bytes()) {
        match k.as_ref() {
            "display_name" => patch.display_name = Some(v.into_owned()),
            "unit" => patch.unit = Some(v.into_owned()),
            "email" => patch.email = Some(v.into_owned()),
            "role" => match v.parse::<Role>() {
                Ok(r) => patch.role = Some(r),
                Err(e) => role_err = Some(e),
            },
            "gruppe" => patch
                .groups
                .get_or_insert_with(Vec::new)
                .push(v.into_owned()),
            "active" => patch.active = Some(true),
            _ => {}
        }
    }
    let result = match role_err {
        Some(e) => Err(AppError::Invalid(e)),
        None => users::update(&state, &actor, &login, patch).await,
    };
    match result {
        Ok(u) => {
            Redirect::to(&format!("/admin/benutzer/{}?hinweis=benutzer", u.login)).into_response()
        }
        Err(e) if matches!(e.status(), 400 | 409) => {
            match user_view(&state, &actor, &login, l.clone(), Some(e.public_message())).await {
                Ok(v) => (StatusCode::BAD_REQUEST, v).into_response(),
                Err(e) => l.error(e).into_response(),
            }
        }
        Err(e) => l.error(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct ResetForm {
    password: String,
}

async fn reset_password_form(
    State(state): State<AppState>,
    actor: Actor,
    Path(login): Path<String>,
    l: Layout,
    HtmlForm(f): HtmlForm<ResetForm>,
) -> Response {
    match users::set_password(&state, &actor, &login, None, f.password).await {
        Ok(u) => {
            Redirect::to(&format!("/admin/benutzer/{}?hinweis=passwort", u.login)).into_response()
        }
        Err(e) if e.status() == 400 => {
            match user_view(&state, &actor, &login, l.clone(), Some(e.public_message())).await {
                Ok(v) => (StatusCode::BAD_REQUEST, v).into_response(),
                Err(e) => l.error(e).into_response(),
            }
        }
        Err(e) => l.error(e).into_response(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_groups.html")]
struct GroupsView {
    l: Layout,
    groups: Vec<Group>,
    error: Option<String>,
}

async fn groups_page(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<NoticeQuery>,
    l: Layout,
) -> Result<GroupsView, HtmlError> {
    actor.require(Role::Admin).map_err(|e| l.error(e))?;
    let groups = users::groups(&state, &actor)
        .await
        .map_err(|e| l.error(e))?;
    let title = l.t("admin.groups_title");
    Ok(GroupsView {
        l: l.with_notice(q.hinweis.as_deref()).titled(title),
        groups,
        error: None,
    })
}

#[derive(Debug, Deserialize)]
struct GroupForm {
    #[serde(default)]
    id: String,
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    external_names: String,
}

async fn save_group_form(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
    HtmlForm(f): HtmlForm<GroupForm>,
) -> Response {
    let input = GroupInput {
        name: f.name,
        description: f.description,
        external_names: f
            .external_names
            .split(',')
            .map(|s| s.trim().to_owned())
            .collect(),
    };
    let id = (!f.id.is_empty()).then_some(f.id);
    match users::put_group(&state, &actor, id.as_deref(), input).await {
        Ok(_) => Redirect::to("/admin/gruppen?hinweis=gruppe").into_response(),
        Err(e) if matches!(e.status(), 400 | 409) => {
            let groups = users::groups(&state, &actor).await.unwrap_or_default();
            let title = l.t("admin.groups_title");
            (
                StatusCode::BAD_REQUEST,
                GroupsView {
                    l: l.titled(title),
                    groups,
                    error: Some(e.public_message()),
                },
            )
                .into_response()
        }
        Err(e) => l.error(e).into_response(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
struct AuditView {
    l: Layout,
    events: Vec<AuditEvent>,
    actions: Vec<&'static str>,
    aktion: String,
    wer: String,
    von: String,
    bis: String,
    csv_url: String,
}

async fn audit_page(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<AuditQuery>,
    l: Layout,
) -> Result<AuditView, HtmlError> {
    let mut filter = audit_filter(&q).map_err(|e| l.error(e))?;
    filter.limit = 500;
    let events = audit::list(&state, &actor, filter)
        .await
        .map_err(|e| l.error(e))?;
    let title = l.t("audit.title");
    let csv_url = format!(
        "/admin/protokoll.csv?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("aktion", q.aktion.as_deref().unwrap_or(""))
            .append_pair("wer", q.wer.as_deref().unwrap_or(""))
            .append_pair("von", q.von.as_deref().unwrap_or(""))
            .append_pair("bis", q.bis.as_deref().unwrap_or(""))
            .finish()
    );
    Ok(AuditView {
        l: l.titled(title),
        events,
        actions: crate::domain::AuditAction::ALL
            .iter()
            .map(|a| a.as_str())
            .collect(),
        aktion: q.aktion.unwrap_or_default(),
        wer: q.wer.unwrap_or_default(),
        von: q.von.unwrap_or_default(),
        bis: q.bis.unwrap_or_default(),
        csv_url,
    })
}

async fn audit_csv(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<AuditQuery>,
    l: Layout,
) -> Response {
    let result = match audit_filter(&q) {
        Ok(f) => audit::list(&state, &actor, f).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(events) => csv_response(&events),
        Err(e) => l.error(e).into_response(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_settings.html")]
struct SettingsView {
    l: Layout,
    anonymous_read: bool,
}

async fn settings_page(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<NoticeQuery>,
    l: Layout,
) -> Result<SettingsView, HtmlError> {
    let s = settings::get(&state, &actor)
        .await
        .map_err(|e| l.error(e))?;
    let title = l.t("admin.settings_title");
    Ok(SettingsView {
        l: l.with_notice(q.hinweis.as_deref()).titled(title),
        anonymous_read: s.anonymous_read,
    })
}

#[derive(Debug, Deserialize)]
struct SettingsForm {
    #[serde(default)]
    anonymous_read: Option<String>,
}

async fn save_settings_form(
    State(state): State<AppState>,
    actor: Actor,
    l: Layout,
    HtmlForm(f): HtmlForm<SettingsForm>,
) -> Response {
    let new = AuthSettings {
        anonymous_read: f.anonymous_read.is_some(),
    };
    match settings::set(&state, &actor, new).await {
        Ok(_) => Redirect::to("/admin/einstellungen?hinweis=einstellungen").into_response(),
        Err(e) => l.error(e).into_response(),
    }
}

struct GrantRow {
    id: String,
    name: String,
    access: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "space_acl.html")]
struct AclPage {
    l: Layout,
    space_name: String,
    space_url: String,
    action: String,
    inherited: bool,
    inherited_from: Option<String>,
    all_staff: &'static str,
    anonymous_read: bool,
    grants: Vec<GrantRow>,
    levels: Vec<(&'static str, &'static str)>,
}

async fn acl_page(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    Query(q): Query<NoticeQuery>,
    l: Layout,
) -> Result<AclPage, HtmlError> {
    let v = spaces::acl(&state, &actor, &slug)
        .await
        .map_err(|e| l.error(e))?;
    let groups = users::groups(&state, &actor)
        .await
        .map_err(|e| l.error(e))?;
    let title = format!("{} – {}", l.t("acl.title"), v.space.name);
    let levels = vec![
        ("none", l.t("acl.none")),
        ("read", l.t("acl.read")),
        ("write", l.t("acl.write")),
    ];
    Ok(AclPage {
        space_url: super::views::urls::space(&v.space.slug),
        action: format!("/bereiche/{}/rechte", v.space.slug),
        space_name: v.space.name.clone(),
        inherited: v.own.is_none(),
        inherited_from: v.inherited_from.as_ref().map(|s| s.name.clone()),
        all_staff: v.effective.all_staff.as_str(),
        anonymous_read: v.effective.anonymous_read,
        grants: groups
            .iter()
            .map(|g| GrantRow {
                id: g.id.to_string(),
                name: g.name.clone(),
                access: v
                    .effective
                    .groups
                    .iter()
                    .find(|x| x.group == g.id)
                    .map_or("none", |x| x.access.as_str()),
            })
            .collect(),
        levels,
        l: l.with_notice(q.hinweis.as_deref()).titled(title),
    })
}

async fn save_acl_form(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    l: Layout,
    body: String,
) -> Response {
    // Form fields: inherit=on, all_staff=…, anonymous_read=on, group.<id>=none|read|write.
    let mut inherit = false;
    let mut acl = Acl {
        all_staff: Access::None,
        anonymous_read: false,
        groups: Vec::new(),
    };
    for (k, v) in url::form_urlencoded::parse(body.as_bytes()) {
        let level = v.parse::<Access>();
        match (k.as_ref(), level) {
            ("inherit", _) => inherit = true,
            ("anonymous_read", _) => acl.anonymous_read = true,
            ("all_staff", Ok(a)) => acl.all_staff = a,
            (key, Ok(a)) if key.starts_with("group.") && a != Access::None => {
                if let Ok(id) = key["group.".len()..].parse() {
                    acl.groups.push(GroupGrant {
                        group: id,
                        access: a,
                    });
                }
            }
            (_, Err(e)) if k != "_csrf" => return l.error(AppError::Invalid(e)).into_response(),
            _ => {}
        }
    }
    match spaces::set_acl(&state, &actor, &slug, (!inherit).then_some(acl)).await {
        Ok(v) => Redirect::to(&format!("/bereiche/{}/rechte?hinweis=rechte", v.space.slug))
            .into_response(),
        Err(e) => l.error(e).into_response(),
    }
}
