//! Account administration: users, groups, deactivation, passwords and the first-run setup.

use serde::Deserialize;

use super::{Actor, audit, passwords};
use crate::domain::article::{clean_line, now};
use crate::domain::user::{check_password, clean_login};
use crate::domain::{AuditAction, Group, GroupId, Role, User, UserId};
use crate::error::{AppError, Result};
use crate::service::{blocking, durable};
use crate::state::AppState;
use crate::store::{Store, Taken};

/// A new account.
#[derive(Debug, Clone, Deserialize)]
pub struct NewUser {
    /// Login name.
    pub login: String,
    /// Display name (defaults to the login).
    #[serde(default)]
    pub display_name: String,
    /// Organisational unit.
    #[serde(default)]
    pub unit: String,
    /// Role (default: autor).
    #[serde(default)]
    pub role: Option<Role>,
    /// Group names or ids.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Initial password (optional: SSO-only accounts have none).
    #[serde(default)]
    pub password: Option<String>,
    /// E-mail address for reminders.
    #[serde(default)]
    pub email: Option<String>,
}

/// Changes to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserPatch {
    /// New display name.
    pub display_name: Option<String>,
    /// New unit.
    pub unit: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// New group list (names or ids).
    pub groups: Option<Vec<String>>,
    /// Activate or deactivate.
    pub active: Option<bool>,
    /// New e-mail address (empty: remove it).
    pub email: Option<String>,
}

/// Checks an e-mail address loosely (one `@`, no spaces or line breaks); empty means none.
pub fn clean_email(raw: Option<&str>) -> Result<Option<String>> {
    let Some(e) = raw.map(str::trim).filter(|e| !e.is_empty()) else {
        return Ok(None);
    };
    let ok = e.len() <= 254
        && e.matches('@').count() == 1
        && !e.starts_with('@')
        && !e.ends_with('@')
        && !e
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'));
    if ok {
        Ok(Some(e.to_owned()))
    } else {
        Err(AppError::Invalid(format!(
            "„{e}“ ist keine gültige E-Mail-Adresse."
        )))
    }
}

/// Resolves group names or ids.
pub fn resolve_groups(store: &Store, names: &[String]) -> Result<Vec<GroupId>> {
    let mut out = Vec::new();
    for n in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let g = match n.parse::<GroupId>() {
            Ok(id) => store.group(id)?,
            Err(_) => store.group_by_name(n)?,
        }
        .ok_or_else(|| AppError::Invalid(format!("Die Gruppe „{n}“ gibt es nicht.")))?;
        if !out.contains(&g.id) {
            out.push(g.id);
        }
    }
    Ok(out)
}

/// A user by id or login.
pub fn find(store: &Store, id_or_login: &str) -> Result<User> {
    let found = match id_or_login.parse::<UserId>() {
        Ok(id) => store.user(id)?,
        Err(_) => store.user_by_login(&id_or_login.trim().to_lowercase())?,
    };
    found.ok_or_else(|| AppError::NotFound(format!("Den Benutzer „{id_or_login}“ gibt es nicht.")))
}

fn taken(t: Taken) -> AppError {
    match t {
        Taken::Name => AppError::Conflict("Dieser Name ist schon vergeben.".to_owned()),
        Taken::Identity => AppError::Conflict(
            "Diese SSO-Identität gehört schon zu einem anderen Konto.".to_owned(),
        ),
    }
}

/// Creates a user synchronously (CLI and setup); `password_hash` is already computed.
pub fn create_blocking(
    store: &Store,
    by: &str,
    input: &NewUser,
    password_hash: Option<String>,
) -> Result<User> {
    let login = clean_login(&input.login).map_err(AppError::Invalid)?;
    let display_name = match clean_line(&input.display_name, 120) {
        n if n.is_empty() => login.clone(),
        n => n,
    };
    let user = User {
        id: UserId::new(),
        login,
        display_name,
        unit: clean_line(&input.unit, 120),
        email: clean_email(input.email.as_deref())?,
        role: input.role.unwrap_or(Role::Autor),
        groups: resolve_groups(store, &input.groups)?,
        active: true,
        password_hash,
        external: Vec::new(),
        created_at: now(),
    };
    store.put_user(&user)?.map_err(taken)?;
    audit::record(
        store,
        by,
        AuditAction::UserCreated,
        &user.login,
        format!("Rolle: {}", user.role.as_str()),
    )?;
    Ok(user)
}

/// Creates a user (admins only).
pub async fn create(state: &AppState, actor: &Actor, input: NewUser) -> Result<User> {
    actor.require_write(Role::Admin)?;
    let hash = match &input.password {
        Some(p) if !p.is_empty() => {
            check_password(p).map_err(AppError::Invalid)?;
            Some(passwords::hash(p.clone()).await?)
        }
        _ => None,
    };
    let store = state.store.clone();
    let by = actor.login.clone();
    let user = blocking(move || create_blocking(&store, &by, &input, hash)).await?;
    durable(state).await?;
    Ok(user)
}

/// Applies a patch synchronously; deactivation ends every session of the user.
pub fn update_blocking(
    store: &Store,
    by: &str,
    id_or_login: &str,
    patch: &UserPatch,
) -> Result<User> {
    let mut user = find(store, id_or_login)?;
    let before = user.clone();
    if let Some(n) = &patch.display_name {
        let n = clean_line(n, 120);
        if n.is_empty() {
            return Err(AppError::Invalid(
                "Der Anzeigename darf nicht leer sein.".to_owned(),
            ));
        }
        user.display_name = n;
    }
    if let Some(u) = &patch.unit {
        user.unit = clean_line(u, 120);
    }
    if let Some(r) = patch.role {
        user.role = r;
    }
    if let Some(g) = &patch.groups {
        user.groups = resolve_groups(store, g)?;
    }
    if let Some(a) = patch.active {
        user.active = a;
    }
    if let Some(e) = &patch.email {
        user.email = clean_email(Some(e))?;
    }
    if before.role == Role::Admin
        && before.active
        && (user.role != Role::Admin || !user.active)
        && active_admins(store)? <= 1
    {
        return Err(AppError::Conflict(
            "Der letzte aktive Admin kann nicht herabgestuft oder deaktiviert werden.".to_owned(),
        ));
    }
    store.put_user(&user)?.map_err(taken)?;
    let mut changes = Vec::new();
    if before.role != user.role {
        changes.push(format!(
            "Rolle: {} → {}",
            before.role.as_str(),
            user.role.as_str()
        ));
    }
    if before.groups != user.groups {
        let names = |ids: &[GroupId]| -> String {
            ids.iter()
                .filter_map(|id| store.group(*id).ok().flatten().map(|g| g.name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        changes.push(format!(
            "Gruppen: [{}] → [{}]",
            names(&before.groups),
            names(&user.groups)
        ));
    }
    if before.unit != user.unit {
        changes.push(format!("Einheit: {} → {}", before.unit, user.unit));
    }
    if before.display_name != user.display_name {
        changes.push(format!(
            "Name: {} → {}",
            before.display_name, user.display_name
        ));
    }
    if !changes.is_empty() {
        audit::record(
            store,
            by,
            AuditAction::UserChanged,
            &user.login,
            changes.join("; "),
        )?;
    }
    if before.active && !user.active {
        super::sessions::end_all_blocking(store, user.id, None)?;
        audit::record(store, by, AuditAction::UserDeactivated, &user.login, "")?;
        // Knowledge retention: owned articles and processes move to a deputy or the
        // unit's knowledge manager in the same step.
        crate::service::retention::ownership::transfer_from(store, by, &user)?;
    } else if !before.active && user.active {
        audit::record(store, by, AuditAction::UserReactivated, &user.login, "")?;
    }
    Ok(user)
}

/// Changes an account (admins only).
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id_or_login: &str,
    patch: UserPatch,
) -> Result<User> {
    actor.require_write(Role::Admin)?;
    let store = state.store.clone();
    let by = actor.login.clone();
    let key = id_or_login.to_owned();
    let user = blocking(move || update_blocking(&store, &by, &key, &patch)).await?;
    durable(state).await?;
    Ok(user)
}

fn active_admins(store: &Store) -> Result<usize> {
    Ok(store
        .all_users()?
        .iter()
        .filter(|u| u.active && u.role == Role::Admin)
        .count())
}

/// Whether an active admin exists (else the first-run setup is offered).
pub fn has_admin(store: &Store) -> Result<bool> {
    Ok(active_admins(store)? > 0)
}

/// All users (admins and knowledge managers, who assign owners).
pub async fn list(state: &AppState, actor: &Actor) -> Result<Vec<User>> {
    actor.require(Role::Wissensmanager)?;
    let store = state.store.clone();
    blocking(move || Ok(store.all_users()?)).await
}

/// Sets a password synchronously and ends every session of the user.
pub fn set_password_blocking(store: &Store, by: &str, user: UserId, hash: String) -> Result<User> {
    let mut u = store
        .user(user)?
        .ok_or_else(|| AppError::NotFound("Benutzer nicht gefunden.".to_owned()))?;
    u.password_hash = Some(hash);
    store.put_user(&u)?.map_err(taken)?;
    super::sessions::end_all_blocking(store, u.id, None)?;
    audit::record(store, by, AuditAction::PasswordChanged, &u.login, "")?;
    Ok(u)
}

/// Changes a password: users change their own (with the current one), admins reset
/// anyone's. Every session of the user ends.
pub async fn set_password(
    state: &AppState,
    actor: &Actor,
    id_or_login: &str,
    current: Option<String>,
    new: String,
) -> Result<User> {
    let store = state.store.clone();
    let key = id_or_login.to_owned();
    let target = blocking(move || find(&store, &key)).await?;
    let own = actor.user == Some(target.id);
    if own {
        let ok =
            passwords::verify(current.unwrap_or_default(), target.password_hash.clone()).await?;
        if !ok {
            return Err(AppError::Invalid(
                "Das bisherige Passwort stimmt nicht.".to_owned(),
            ));
        }
    } else {
        actor.require_write(Role::Admin)?;
    }
    check_password(&new).map_err(AppError::Invalid)?;
    let hash = passwords::hash(new).await?;
    let store = state.store.clone();
    let by = actor.login.clone();
    let user = blocking(move || set_password_blocking(&store, &by, target.id, hash)).await?;
    durable(state).await?;
    Ok(user)
}

/// A new or changed group.
#[derive(Debug, Clone, Deserialize)]
pub struct GroupInput {
    /// Unique name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// SSO group claims mapped to this group.
    #[serde(default)]
    pub external_names: Vec<String>,
}

/// Creates a group (`id` = None) or changes one (admins only).
pub async fn put_group(
    state: &AppState,
    actor: &Actor,
    id: Option<&str>,
    input: GroupInput,
) -> Result<Group> {
    actor.require_write(Role::Admin)?;
    let store = state.store.clone();
    let by = actor.login.clone();
    let id = id.map(str::to_owned);
    let group = blocking(move || {
        let name = clean_line(&input.name, 80);
        if name.is_empty() {
            return Err(AppError::Invalid(
                "Der Gruppenname darf nicht leer sein.".to_owned(),
            ));
        }
        let gid = match id {
            Some(key) => {
                let g = match key.parse::<GroupId>() {
                    Ok(gid) => store.group(gid)?,
                    Err(_) => store.group_by_name(&key)?,
                };
                g.ok_or_else(|| AppError::NotFound(format!("Die Gruppe „{key}“ gibt es nicht.")))?
                    .id
            }
            None => GroupId::new(),
        };
        let group = Group {
            id: gid,
            name,
            description: clean_line(&input.description, 300),
            external_names: input
                .external_names
                .iter()
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect(),
        };
        store.put_group(&group)?.map_err(taken)?;
        audit::record(
            &store,
            &by,
            AuditAction::GroupChanged,
            &group.name,
            format!("SSO-Gruppen: {}", group.external_names.join(", ")),
        )?;
        Ok(group)
    })
    .await?;
    durable(state).await?;
    Ok(group)
}

/// All groups (every logged-in user may see group names: they appear in permissions).
pub async fn groups(state: &AppState, actor: &Actor) -> Result<Vec<Group>> {
    if !actor.is_authenticated() {
        return Err(AppError::Unauthenticated);
    }
    let store = state.store.clone();
    blocking(move || Ok(store.all_groups()?)).await
}

/// Creates the first admin; refused once any active admin exists.
pub async fn setup_first_admin(state: &AppState, input: NewUser) -> Result<User> {
    let password = input.password.clone().unwrap_or_default();
    check_password(&password).map_err(AppError::Invalid)?;
    let hash = passwords::hash(password).await?;
    let _gate = state.write_gate.write().await;
    let store = state.store.clone();
    let user = blocking(move || {
        if has_admin(&store)? {
            return Err(AppError::Forbidden(
                "Die Einrichtung ist abgeschlossen: es gibt bereits einen Admin.".to_owned(),
            ));
        }
        let input = NewUser {
            role: Some(Role::Admin),
            ..input
        };
        create_blocking(&store, "einrichtung", &input, Some(hash))
    })
    .await?;
    durable(state).await?;
    Ok(user)
}
